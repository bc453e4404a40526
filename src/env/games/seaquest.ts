/**
 * Seaquest: steer a submarine in 8 directions under water, torpedo the sharks and enemy subs that cross four
 * lanes, collect the divers swimming through them, and surface before the oxygen runs out. Surfacing with a
 * diver refills the oxygen, uses up one diver and pays 20 points per unit of oxygen left (with six divers, all
 * six are used up and each pays a diver bonus); surfacing with none after a dive loses a life, as does touching
 * an enemy or an enemy torpedo, or running out of oxygen. Every successful surfacing makes the enemies faster,
 * the groups larger and each kill worth 10 more points (20 up to 90), as in the Activision original.
 *
 * Simplified from the original: no surface patrol sub, no zig-zagging sharks, bonuses are paid in one frame
 * instead of counted up, and the oxygen tank lasts about 34 s instead of about 64 s.
 */
import { type Game, type GameSpec, clampUnit } from '../game.js';
import type { Rng } from '../rng.js';
import { C, type Screen } from '../screen.js';
import { restoreSnapshot, takeSnapshot } from '../snapshot.js';

// Layout (160x210, as the Atari): score and reserve subs on top, the surface at y = 46, four enemy lanes,
// the sea bed, and the oxygen bar and collected divers below it.
const SURFACE_Y = 46; // water line
const SEABED_Y = 152; // first row of the sea bed
const SEABED_H = 8;
const LANES = 4;
const LANE_Y0 = 71; // centre row of the top lane
const LANE_GAP = 23; // rows between lane centres: lanes at 71, 94, 117, 140
const SUB_W = 16; // player submarine (double-width, as the Atari's player sprite)
const SUB_H = 8;
const PLAYER_MIN_X = 8;
const PLAYER_MAX_X = 160 - 8 - SUB_W;
const PLAYER_MIN_Y = SURFACE_Y - 5; // surfaced: the tower and upper hull stick out of the water
const PLAYER_MAX_Y = SEABED_Y - SUB_H; // resting on the sea bed (still overlapping the bottom lane)
const DIVE_Y = PLAYER_MIN_Y + 20; // the sub counts as having dived once its top is this deep
const START_X = 72;
const PLAYER_SPEED = 1; // px/frame in each axis, like the original
const ENEMY_W = 12;
const ENEMY_H = 8; // lane band height; sprites are a little shorter
const MEMBER_GAP = 20; // x distance between members of an enemy group (up to 3 members)
const TORP_W = 8;
const TORP_H = 2; // 2 rows so a torpedo survives the 210 -> 84 row downsampling
const TORP_SPEED = 4; // player torpedo, px/frame; <= TORP_W + ENEMY_W - max enemy speed, so no tunnelling
const ETORP_W = 6;
const ETORP_H = 2;
const ETORP_EXTRA_SPEED = 1; // enemy torpedoes are this much faster than their sub
const DIVER_W = 8;
const DIVER_SPEED = 0.5;
const MAX_DIVERS = 6;
// Oxygen: 64 units like the original's bar, but a unit lasts 32 frames, so a full tank is 2048 frames
// (about 34 s; the original's lasts about 64 s) to make surfacing a decision that comes up often.
const OXY_UNITS = 64;
const OXY_FRAMES_PER_UNIT = 32;
const OXY_MAX = OXY_UNITS * OXY_FRAMES_PER_UNIT;
const OXY_REFILL = OXY_FRAMES_PER_UNIT; // per frame at the surface: a full refill takes 64 frames (~1 s)
const OXY_LOW = 16; // units below which the bar turns red
const OXY_POINTS = 20; // per oxygen unit left when surfacing with a diver (the original's 20)
const ENEMY_POINTS = 20; // first wave; +10 per successful surfacing, up to 90
const ENEMY_POINTS_MAX = 90;
const DIVER_POINTS = 50; // per diver when surfacing with six; +50 per such surfacing, up to 1000
const DIVER_POINTS_MAX = 1000;
const START_LIVES = 4; // the sub in play and three reserves
const MAX_LIVES = 7; // the original shows at most six reserve subs
const EXTRA_LIFE_POINTS = 10_000; // an extra sub every 10,000 points
const DEATH_FRAMES = 60; // the wreck flashes for a second before the next sub appears
const BOOM_FRAMES = 12; // a shot enemy's burst
const MAX_LEVEL = 8; // difficulty stops rising after this many surfacings

const PHASE_PLAY = 0;
const PHASE_REFILL = 1; // at the surface, locked, while the tank fills
const PHASE_DYING = 2;

// Action decoding, ALE's full action set order.
const ACTIONS = [
  'NOOP', 'FIRE', 'UP', 'RIGHT', 'LEFT', 'DOWN', 'UPRIGHT', 'UPLEFT', 'DOWNRIGHT', 'DOWNLEFT',
  'UPFIRE', 'RIGHTFIRE', 'LEFTFIRE', 'DOWNFIRE', 'UPRIGHTFIRE', 'UPLEFTFIRE', 'DOWNRIGHTFIRE', 'DOWNLEFTFIRE',
] as const;
const ACT_DX = Int8Array.from(ACTIONS, (a) => (a.includes('RIGHT') ? 1 : a.includes('LEFT') ? -1 : 0));
const ACT_DY = Int8Array.from(ACTIONS, (a) => (a.startsWith('UP') ? -1 : a.startsWith('DOWN') ? 1 : 0));
const ACT_FIRE = Uint8Array.from(ACTIONS, (a) => (a.includes('FIRE') ? 1 : 0));
// For enemy group masks (3 bits): lowest and highest alive member, and member count.
const FIRST = Int8Array.of(-1, 0, 1, 0, 2, 0, 1, 0);
const LAST = Int8Array.of(-1, 0, 1, 1, 2, 2, 2, 2);
const COUNT = Int8Array.of(0, 1, 1, 2, 1, 2, 2, 3);

const laneFeatures = (i: number) => [
  { name: `lane${i}.enemy.active`, doc: `lane ${i} (0 = top): 1 if an enemy group is in the lane, else 0` },
  { name: `lane${i}.enemy.type`, doc: `lane ${i}: 1 = enemy subs (they fire), -1 = sharks, 0 = none` },
  { name: `lane${i}.enemy.dir`, doc: `lane ${i}: enemy direction, 1 = moving right, -1 = left, 0 = none` },
  { name: `lane${i}.enemy.x0`, doc: `lane ${i}: left edge of the leftmost live enemy / 160 (0 if none)` },
  { name: `lane${i}.enemy.x1`, doc: `lane ${i}: right edge of the rightmost live enemy / 160 (0 if none)` },
  { name: `lane${i}.enemy.count`, doc: `lane ${i}: live enemies in the group / 3` },
  { name: `lane${i}.diver.active`, doc: `lane ${i}: 1 if a diver swims in the lane` },
  { name: `lane${i}.diver.x`, doc: `lane ${i}: diver centre x / 160 (0 if none)` },
  { name: `lane${i}.etorp.active`, doc: `lane ${i}: 1 if an enemy torpedo is in the lane` },
  { name: `lane${i}.etorp.x`, doc: `lane ${i}: enemy torpedo centre x / 160 (0 if none)` },
];

const SPEC: GameSpec = {
  id: 'Seaquest',
  actions: ACTIONS,
  ram: [
    { name: 'player.x', doc: 'sub centre x / 160' },
    { name: 'player.y', doc: 'sub depth; 0 = surfaced, 1 = on the sea bed' },
    { name: 'player.facing', doc: '1 = facing right, -1 = facing left (torpedoes go this way)' },
    { name: 'torpedo.active', doc: '1 while the player torpedo is travelling (only one at a time)' },
    { name: 'torpedo.x', doc: 'player torpedo centre x / 160 (0 if none)' },
    { name: 'torpedo.y', doc: 'player torpedo depth, same scale as player.y (0 if none)' },
    ...laneFeatures(0),
    ...laneFeatures(1),
    ...laneFeatures(2),
    ...laneFeatures(3),
    { name: 'lane.depth', doc: 'sub centre minus the nearest lane centre / 23 rows (0 = level with a lane)' },
    { name: 'oxygen', doc: 'oxygen left; 1 = full tank (~34 s), 0 = empty (a life is lost)' },
    { name: 'divers', doc: 'divers collected / 6' },
    { name: 'dived', doc: '1 once the sub has dived: surfacing now needs a diver or loses a life' },
    { name: 'refilling', doc: '1 while the sub is held at the surface refilling its tank' },
    { name: 'dying', doc: '1 while a lost sub is sinking (nothing moves)' },
    { name: 'level', doc: 'successful surfacings / 8 (enemy speed, group size and value grow with it)' },
    { name: 'lives', doc: 'lives left / 4 (including the sub in play; saturates at 4)' },
  ],
  scoreRows: [0, 34],
  summary:
    'Torpedo sharks and subs, collect divers and surface before the oxygen runs out; surfacing without a diver loses a sub.',
};

const KEYS = [
  'playerX', 'playerY', 'facing', 'torpActive', 'torpX', 'torpY', 'torpDir',
  'oxygen', 'divers', 'dived', 'phase', 'phaseTimer', 'level', 'diverLevel',
  'points', 'livesLeft', 'nextLife', 'frameCount',
  'eMask', 'eType', 'eDir', 'eX', 'eTimer', 'eFire',
  'tActive', 'tX', 'tDir',
  'dActive', 'dX', 'dDir', 'dTimer',
  'boom', 'boomX',
] as const;

// Sprites, facing right (most significant bit = left column); mirrored copies face left.
const SUB_SPRITE = [
  0b0000000110000000,
  0b0000001111000000,
  0b0000001111000000,
  0b0011111111111100,
  0b1111111111111110,
  0b0111111111111111,
  0b1011111111111110,
  0b0000111111110000,
];
const ENEMY_SUB_SPRITE = [
  0b000001100000,
  0b000001110000,
  0b001111111100,
  0b111111111111,
  0b011111111111,
  0b111111111110,
  0b000111111000,
];
const SHARK_SPRITE = [
  0b000000100000,
  0b000001100000,
  0b100011111100,
  0b110111111110,
  0b111111111011,
  0b110111111110,
  0b100001111100,
  0b000000110000,
];
const DIVER_SPRITE = [0b00000110, 0b00000110, 0b10011100, 0b01111110, 0b00111001, 0b01001000, 0b10000100];
const BOOM_SPRITE = [0b10010010, 0b01010100, 0b00101000, 0b11000110, 0b00101000, 0b01010100, 0b10010010];
const RESERVE_SPRITE = [0b00011000, 0b00111100, 0b11111111, 0b01111110]; // small reserve sub for the HUD

function mirror(rows: readonly number[], width: number): number[] {
  return rows.map((r) => {
    let m = 0;
    for (let c = 0; c < width; c++) if (r & (1 << c)) m |= 1 << (width - 1 - c);
    return m;
  });
}
const SUB_LEFT = mirror(SUB_SPRITE, 16);
const ENEMY_SUB_LEFT = mirror(ENEMY_SUB_SPRITE, ENEMY_W);
const SHARK_LEFT = mirror(SHARK_SPRITE, ENEMY_W);
const DIVER_LEFT = mirror(DIVER_SPRITE, 8);

function laneTop(lane: number): number {
  return LANE_Y0 + lane * LANE_GAP - ENEMY_H / 2;
}

export class Seaquest implements Game {
  readonly spec = SPEC;
  private playerX = START_X;
  private playerY = PLAYER_MIN_Y;
  private facing = 1;
  private torpActive = false;
  private torpX = 0;
  private torpY = 0;
  private torpDir = 1;
  /** Frames of oxygen left. */
  private oxygen = 0;
  private divers = 0;
  private dived = false;
  private phase = PHASE_REFILL;
  private phaseTimer = 0;
  /** Successful surfacings (drives enemy speed, group size and kill value). */
  private level = 0;
  /** Surfacings with six divers (drives the diver bonus). */
  private diverLevel = 0;
  private points = 0;
  private livesLeft = START_LIVES;
  private nextLife = EXTRA_LIFE_POINTS;
  /** Frames since reset, for sprite animation. */
  private frameCount = 0;
  // Per lane: one enemy group (up to 3 members, MEMBER_GAP apart; bit k of eMask = member k alive, at eX + 16k).
  private readonly eMask = new Uint8Array(LANES);
  private readonly eType = new Uint8Array(LANES); // 0 = shark, 1 = sub
  private readonly eDir = new Int8Array(LANES);
  private readonly eX = new Float64Array(LANES);
  private readonly eTimer = new Int32Array(LANES); // frames until the next group enters an empty lane
  private readonly eFire = new Int32Array(LANES); // frames until an enemy sub fires
  // Per lane: one enemy torpedo.
  private readonly tActive = new Uint8Array(LANES);
  private readonly tX = new Float64Array(LANES);
  private readonly tDir = new Int8Array(LANES);
  // Per lane: one diver.
  private readonly dActive = new Uint8Array(LANES);
  private readonly dX = new Float64Array(LANES);
  private readonly dDir = new Int8Array(LANES);
  private readonly dTimer = new Int32Array(LANES);
  // Per lane: the burst of the last enemy shot there.
  private readonly boom = new Int32Array(LANES);
  private readonly boomX = new Float64Array(LANES);

  constructor(private readonly rng: Rng) {}

  get score(): number {
    return this.points;
  }
  get lives(): number {
    return this.livesLeft;
  }
  get over(): boolean {
    return this.livesLeft <= 0;
  }

  reset(): void {
    this.points = 0;
    this.livesLeft = START_LIVES;
    this.nextLife = EXTRA_LIFE_POINTS;
    this.level = 0;
    this.diverLevel = 0;
    this.divers = 0;
    this.frameCount = 0;
    this.newSub();
  }

  /** A fresh sub at the surface with an empty tank that fills before it can dive; the lanes start empty. */
  private newSub(): void {
    this.playerX = START_X;
    this.playerY = PLAYER_MIN_Y;
    this.facing = 1;
    this.oxygen = 0;
    this.phase = PHASE_REFILL;
    this.phaseTimer = 0;
    this.clearWater();
  }

  private clearWater(): void {
    this.dived = false;
    this.torpActive = false;
    for (let i = 0; i < LANES; i++) {
      this.eMask[i] = 0;
      this.eTimer[i] = 20 + this.rng.int(160);
      this.tActive[i] = 0;
      this.dActive[i] = 0;
      this.dTimer[i] = 60 + this.rng.int(300);
      this.boom[i] = 0;
    }
  }

  private enemySpeed(): number {
    return 0.625 + 0.125 * (this.level < MAX_LEVEL ? this.level : MAX_LEVEL);
  }

  tick(action: number): number {
    if (this.livesLeft <= 0) return 0;
    this.frameCount++;
    if (this.phase === PHASE_DYING) {
      if (--this.phaseTimer <= 0) this.newSub();
      return 0;
    }
    if (this.phase === PHASE_REFILL) {
      this.oxygen += OXY_REFILL;
      if (this.oxygen >= OXY_MAX) {
        this.oxygen = OXY_MAX;
        this.phase = PHASE_PLAY;
      }
      return 0;
    }

    // The player's sub.
    const dx = ACT_DX[action];
    let y = this.playerY + ACT_DY[action] * PLAYER_SPEED;
    let x = this.playerX + dx * PLAYER_SPEED;
    if (x < PLAYER_MIN_X) x = PLAYER_MIN_X;
    else if (x > PLAYER_MAX_X) x = PLAYER_MAX_X;
    if (y < PLAYER_MIN_Y) y = PLAYER_MIN_Y;
    else if (y > PLAYER_MAX_Y) y = PLAYER_MAX_Y;
    this.playerX = x;
    this.playerY = y;
    if (dx !== 0) this.facing = dx;
    if (y >= DIVE_Y) this.dived = true;
    const surfaced = y <= PLAYER_MIN_Y;
    if (surfaced && this.dived) return this.surface();
    if (!surfaced && --this.oxygen <= 0) {
      this.oxygen = 0;
      this.die();
      return 0;
    }

    // The player's torpedo: one at a time, fired from the nose in the direction the sub faces.
    if (ACT_FIRE[action] === 1 && !this.torpActive && !surfaced) {
      this.torpActive = true;
      this.torpDir = this.facing;
      this.torpX = this.facing > 0 ? x + SUB_W - TORP_W / 2 : x - TORP_W / 2;
      this.torpY = y + 4;
    }
    if (this.torpActive) {
      this.torpX += this.torpDir * TORP_SPEED;
      if (this.torpX <= -TORP_W || this.torpX >= 160) this.torpActive = false;
    }

    let reward = 0;
    const speed = this.enemySpeed();
    // Player hitbox, a little inside the sprite.
    const px0 = x + 2;
    const px1 = x + SUB_W - 2;
    const py0 = y + 2;
    const py1 = y + SUB_H - 1;
    for (let i = 0; i < LANES; i++) {
      const top = laneTop(i);
      const bottom = top + ENEMY_H;
      const inLane = py1 > top && py0 < bottom;
      if (this.boom[i] > 0) this.boom[i]--;

      // Enemy group: enters an empty lane after a random wait, crosses it, leaves.
      let mask = this.eMask[i];
      if (mask === 0) {
        if (--this.eTimer[i] <= 0) this.spawnEnemies(i);
      } else {
        const dir = this.eDir[i];
        const ex = (this.eX[i] += dir * speed);
        if (
          (dir > 0 && ex + FIRST[mask] * MEMBER_GAP >= 160) ||
          (dir < 0 && ex + LAST[mask] * MEMBER_GAP + ENEMY_W <= 0)
        ) {
          this.eMask[i] = mask = 0;
          this.eTimer[i] = 30 + this.rng.int(150);
        } else {
          // Torpedo hits (the torpedo's rows overlap the lane band).
          if (this.torpActive && this.torpY + TORP_H > top && this.torpY < bottom) {
            const t0 = this.torpX;
            const t1 = this.torpX + TORP_W;
            for (let k = 0; k < 3; k++) {
              if ((mask & (1 << k)) === 0) continue;
              const mx = ex + k * MEMBER_GAP;
              if (t1 > mx && t0 < mx + ENEMY_W && mx + ENEMY_W > 0 && mx < 160) {
                this.eMask[i] = mask &= ~(1 << k);
                this.torpActive = false;
                this.boom[i] = BOOM_FRAMES;
                this.boomX[i] = mx;
                const value = ENEMY_POINTS + 10 * this.level;
                reward += value < ENEMY_POINTS_MAX ? value : ENEMY_POINTS_MAX;
                if (mask === 0) this.eTimer[i] = 30 + this.rng.int(150);
                break;
              }
            }
          }
          // Collision with the player.
          if (inLane && mask !== 0) {
            for (let k = 0; k < 3; k++) {
              if ((mask & (1 << k)) === 0) continue;
              const mx = ex + k * MEMBER_GAP;
              if (px1 > mx + 1 && px0 < mx + ENEMY_W - 1) {
                this.die();
                return this.award(reward);
              }
            }
          }
          // Enemy subs fire along the lane from their front member while it is on screen.
          if (this.eType[i] === 1 && mask !== 0 && this.tActive[i] === 0 && --this.eFire[i] <= 0) {
            const front = dir > 0 ? ex + LAST[mask] * MEMBER_GAP + ENEMY_W : ex + FIRST[mask] * MEMBER_GAP - ETORP_W;
            if (front > 0 && front < 160 - ETORP_W) {
              this.tActive[i] = 1;
              this.tX[i] = front;
              this.tDir[i] = dir;
            }
            this.eFire[i] = 60 + this.rng.int(120);
          }
        }
      }

      // Enemy torpedo.
      if (this.tActive[i] === 1) {
        const tx = (this.tX[i] += this.tDir[i] * (speed + ETORP_EXTRA_SPEED));
        if (tx <= -ETORP_W || tx >= 160) this.tActive[i] = 0;
        else {
          const ty = top + ENEMY_H / 2 - 1;
          if (py1 > ty && py0 < ty + ETORP_H && px1 > tx && px0 < tx + ETORP_W) {
            this.die();
            return this.award(reward);
          }
        }
      }

      // Diver: swims across after a random wait; touching it collects it (while there is room for it).
      if (this.dActive[i] === 0) {
        if (--this.dTimer[i] <= 0) {
          this.dActive[i] = 1;
          const d = this.rng.next() < 0.5 ? 1 : -1;
          this.dDir[i] = d;
          this.dX[i] = d > 0 ? -DIVER_W : 160;
        }
      } else {
        const dxv = (this.dX[i] += this.dDir[i] * DIVER_SPEED);
        if (dxv <= -DIVER_W || dxv >= 160) {
          this.dActive[i] = 0;
          this.dTimer[i] = 60 + this.rng.int(300);
        } else if (inLane && this.divers < MAX_DIVERS && px1 > dxv && px0 < dxv + DIVER_W) {
          this.divers++;
          this.dActive[i] = 0;
          this.dTimer[i] = 120 + this.rng.int(300);
        }
      }
    }
    return this.award(reward);
  }

  private spawnEnemies(i: number): void {
    const maxCount = this.level < 2 ? this.level + 1 : 3;
    const count = 1 + this.rng.int(maxCount);
    const dir = this.rng.next() < 0.5 ? 1 : -1;
    this.eMask[i] = (1 << count) - 1;
    this.eType[i] = this.rng.next() < 0.5 ? 1 : 0;
    this.eDir[i] = dir;
    this.eX[i] = dir > 0 ? -((count - 1) * MEMBER_GAP + ENEMY_W) : 160;
    this.eFire[i] = 30 + this.rng.int(90);
  }

  /** Adds points to the score, with an extra sub every 10,000 points; returns them as the frame's reward. */
  private award(points: number): number {
    if (points === 0) return 0;
    this.points += points;
    while (this.points >= this.nextLife) {
      if (this.livesLeft < MAX_LIVES) this.livesLeft++;
      this.nextLife += EXTRA_LIFE_POINTS;
    }
    return points;
  }

  /** The sub has come up after a dive: refill with a diver (and score the oxygen left), or lose the sub. */
  private surface(): number {
    if (this.divers === 0) {
      this.die();
      return 0;
    }
    let bonus = OXY_POINTS * Math.ceil(this.oxygen / OXY_FRAMES_PER_UNIT);
    if (this.divers === MAX_DIVERS) {
      const each = DIVER_POINTS * (1 + this.diverLevel);
      bonus += MAX_DIVERS * (each < DIVER_POINTS_MAX ? each : DIVER_POINTS_MAX);
      this.diverLevel++;
      this.divers = 0;
    } else {
      this.divers--;
    }
    this.level++;
    this.oxygen = 0;
    this.phase = PHASE_REFILL;
    this.clearWater();
    return this.award(bonus);
  }

  private die(): void {
    this.livesLeft--;
    if (this.divers > 0) this.divers--; // the original loses one rescued diver with the sub
    this.phase = PHASE_DYING;
    this.phaseTimer = DEATH_FRAMES;
    this.torpActive = false;
  }

  writeRam(out: Float32Array, o: number): void {
    const depth = PLAYER_MAX_Y - PLAYER_MIN_Y;
    out[o] = (this.playerX + SUB_W / 2) / 160;
    out[o + 1] = (this.playerY - PLAYER_MIN_Y) / depth;
    out[o + 2] = this.facing;
    out[o + 3] = this.torpActive ? 1 : 0;
    out[o + 4] = this.torpActive ? clampUnit((this.torpX + TORP_W / 2) / 160) : 0;
    out[o + 5] = this.torpActive ? clampUnit((this.torpY - 4 - PLAYER_MIN_Y) / depth) : 0;
    let p = o + 6;
    for (let i = 0; i < LANES; i++, p += 10) {
      const mask = this.eMask[i];
      if (mask !== 0) {
        const ex = this.eX[i];
        out[p] = 1;
        out[p + 1] = this.eType[i] === 1 ? 1 : -1;
        out[p + 2] = this.eDir[i];
        out[p + 3] = clampUnit((ex + FIRST[mask] * MEMBER_GAP) / 160);
        out[p + 4] = clampUnit((ex + LAST[mask] * MEMBER_GAP + ENEMY_W) / 160);
        out[p + 5] = COUNT[mask] / 3;
      } else {
        out[p] = out[p + 1] = out[p + 2] = out[p + 3] = out[p + 4] = out[p + 5] = 0;
      }
      const diver = this.dActive[i] === 1;
      out[p + 6] = diver ? 1 : 0;
      out[p + 7] = diver ? clampUnit((this.dX[i] + DIVER_W / 2) / 160) : 0;
      const torp = this.tActive[i] === 1;
      out[p + 8] = torp ? 1 : 0;
      out[p + 9] = torp ? clampUnit((this.tX[i] + ETORP_W / 2) / 160) : 0;
    }
    const centre = this.playerY + SUB_H / 2;
    let lane = Math.round((centre - LANE_Y0) / LANE_GAP);
    if (lane < 0) lane = 0;
    else if (lane > LANES - 1) lane = LANES - 1;
    out[p] = clampUnit((centre - (LANE_Y0 + lane * LANE_GAP)) / LANE_GAP);
    out[p + 1] = this.oxygen / OXY_MAX;
    out[p + 2] = this.divers / MAX_DIVERS;
    out[p + 3] = this.dived ? 1 : 0;
    out[p + 4] = this.phase === PHASE_REFILL ? 1 : 0;
    out[p + 5] = this.phase === PHASE_DYING ? 1 : 0;
    out[p + 6] = clampUnit(this.level / MAX_LEVEL);
    out[p + 7] = clampUnit(this.livesLeft / START_LIVES);
  }

  draw(s: Screen): void {
    // Sky, the surface, the water, the sea bed, the HUD strip.
    s.clear(C.sea);
    s.rect(0, 0, 160, SURFACE_Y, C.seaSurface);
    s.rect(0, SURFACE_Y, 160, 2, C.lightGrey);
    s.rect(0, SEABED_Y, 160, SEABED_H, C.seaBed);
    s.rect(0, SEABED_Y + SEABED_H, 160, 210 - SEABED_Y - SEABED_H, C.black);

    // Score and reserve subs.
    s.number(this.points, 104, 6, C.submarine, 2);
    const reserves = this.livesLeft - 1;
    for (let i = 0; i < reserves && i < MAX_LIVES - 1; i++) s.sprite(RESERVE_SPRITE, 8, 20 + i * 12, 24, C.submarine);

    const flap = (this.frameCount >> 3) & 1;
    for (let i = 0; i < LANES; i++) {
      const top = laneTop(i);
      if (this.dActive[i] === 1) {
        s.sprite(this.dDir[i] > 0 ? DIVER_SPRITE : DIVER_LEFT, 8, this.dX[i], top + flap, C.diver);
      }
      const mask = this.eMask[i];
      if (mask !== 0) {
        const sub = this.eType[i] === 1;
        const right = this.eDir[i] > 0;
        const rows = sub ? (right ? ENEMY_SUB_SPRITE : ENEMY_SUB_LEFT) : right ? SHARK_SPRITE : SHARK_LEFT;
        const yy = sub ? top + 1 : top;
        for (let k = 0; k < 3; k++) {
          if (mask & (1 << k)) s.sprite(rows, ENEMY_W, this.eX[i] + k * MEMBER_GAP, yy, sub ? C.enemySub : C.shark);
        }
      }
      if (this.boom[i] > 0) s.sprite(BOOM_SPRITE, 8, this.boomX[i] + 2, top, this.boom[i] & 2 ? C.white : C.torpedo);
      if (this.tActive[i] === 1) s.rect(this.tX[i], top + ENEMY_H / 2 - 1, ETORP_W, ETORP_H, C.torpedo);
    }

    if (this.torpActive) s.rect(this.torpX, this.torpY, TORP_W, TORP_H, C.submarine);
    const subColor = this.phase === PHASE_DYING ? ((this.phaseTimer >> 2) & 1 ? C.white : C.torpedo) : C.submarine;
    s.sprite(this.facing > 0 ? SUB_SPRITE : SUB_LEFT, 16, this.playerX, this.playerY, subColor);

    // Oxygen bar and collected divers.
    const units = Math.ceil(this.oxygen / OXY_FRAMES_PER_UNIT);
    s.rect(46, 170, OXY_UNITS + 4, 8, C.grey);
    s.rect(48, 172, OXY_UNITS, 4, C.black);
    s.rect(48, 172, units, 4, units < OXY_LOW && this.phase === PHASE_PLAY ? C.torpedo : C.oxygen);
    for (let i = 0; i < this.divers; i++) s.sprite(DIVER_SPRITE, 8, 36 + i * 14, 184, C.diver);
  }

  getState() {
    return takeSnapshot(this, KEYS);
  }

  setState(state: unknown): void {
    restoreSnapshot(this, KEYS, state, 'Seaquest state');
  }
}
