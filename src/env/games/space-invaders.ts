/**
 * Space Invaders (Atari 2600 rules, simplified): a formation of 6 x 6 invaders marches sideways, stepping down
 * whenever it touches an edge and speeding up as it thins out. The laser cannon at the bottom has one shot on
 * screen at a time; invaders drop bombs, some aimed at the cannon. Three bunkers erode under
 * shots from both sides. Rows score 30 (top) down to 5 (bottom), the command ship crossing the top 200.
 * A bomb hit costs one of 3 lives; a cleared wave brings a new one a little lower; the game ends at 0 lives
 * or when the invaders land.
 *
 * The formation is an offset (formX, formY) plus an alive mask, so a frame moves 2 numbers instead of 36
 * objects, and the shot finds the invader it hits by grid index from its position.
 */
import { type Game, type GameSpec, clampUnit } from '../game.js';
import type { Rng } from '../rng.js';
import { C, type Screen } from '../screen.js';
import { restoreSnapshot, takeSnapshot } from '../snapshot.js';

// Layout on the 160x210 screen, after the 2600: score on top, command ship, invaders from y=30, bunkers near
// y=157, cannon at y=185, ground below.
const FIELD_LEFT = 8; // the formation and the cannon stay in [FIELD_LEFT, FIELD_RIGHT)
const FIELD_RIGHT = 152;
const ROWS = 6;
const COLS = 6;
const N_INVADERS = ROWS * COLS;
const INV_W = 8; // invader sprite size
const INV_H = 8;
const CELL_W = 16; // grid pitch: 8 px invader + 8 px gap, as on the 2600
const CELL_H = 14;
const FORM_X0 = 16; // formation's left edge at the start of a wave
const FORM_Y0 = 30; // top row's y at the start of the first wave
const WAVE_LOWER = 6; // each later wave starts this much lower...
const WAVE_LOWER_MAX = 4; // ...for at most this many waves
const STEP_X = 2; // px per formation step
const STEP_DOWN = 8; // px the formation drops when it touches an edge
// Frames between formation steps: 16 with all 36 alive, down to 3 for the last one (the march speeds up,
// but the last invader, 2 px per 3 frames, stays slower than the cannon).
const PERIOD_MIN = 3;
const PERIOD_FULL = 16;
const ROW_POINTS = [30, 25, 20, 15, 10, 5]; // top row first, as the 2600 scores them

const CANNON_W = 8;
const CANNON_H = 8;
const CANNON_Y = 185;
const CANNON_SPEED = 1; // px per frame: crossing the field takes about 2 s, as on the 2600
const CANNON_X0 = 36; // where the cannon starts
const LAND_Y = CANNON_Y; // invaders whose bottom reaches the cannon's row have landed: game over
const GROUND_Y = 195;
const LIVES = 3;
const RESPAWN_FRAMES = 60; // pause after the cannon is hit; everything freezes, bombs and shot are cleared

const SHOT_W = 1; // the laser: 1 x 8 px, taller than its per-frame travel so it cannot skip an invader
const SHOT_H = 8;
const SHOT_SPEED = 5;
const SHOT_OFFSET = 4; // shot x relative to the cannon's left edge (its tip)

const MAX_BOMBS = 3;
const BOMB_W = 2;
const BOMB_H = 6;
const BOMB_SPEED = 2; // ~40 frames from the lowest invaders to the cannon: enough to dodge
const BOMB_DELAY_MIN = 30; // frames between drops: MIN + rng.int(RAND)
const BOMB_DELAY_RAND = 54;
const BOMB_AIM_P = 0.2; // chance a bomb comes from the column nearest the cannon, else a random column

// Bunkers: 3 bitmaps of 8 x 6 cells of 2 x 2 px, between the invaders and the cannon.
const SHIELDS = 3;
const SH_COLS = 8;
const SH_ROWS = 6;
const SH_CELL = 2;
const SH_CELLS = SH_COLS * SH_ROWS;
const SH_W = SH_COLS * SH_CELL;
const SH_H = SH_ROWS * SH_CELL;
const SH_Y = 157;
const SH_X0 = 32; // left edge of the first bunker; they are SH_PITCH apart
const SH_PITCH = 40;
const SH_SHAPE = [0b00111100, 0b01111110, 0b11111111, 0b11111111, 0b11100111, 0b11000011];
const SH_FULL = SH_SHAPE.reduce((n, bits) => n + popcount(bits), 0);

const UFO_W = 12;
const UFO_H = 6;
const UFO_Y = 19;
const UFO_SPEED = 1;
const UFO_POINTS = 200;
const UFO_DELAY_MIN = 900; // frames between command ships: MIN + rng.int(RAND)
const UFO_DELAY_RAND = 900;

const SPEC: GameSpec = {
  id: 'SpaceInvaders',
  actions: ['NOOP', 'FIRE', 'RIGHT', 'LEFT', 'RIGHTFIRE', 'LEFTFIRE'],
  ram: [
    { name: 'cannon.x', doc: 'cannon centre x; 0 = left edge, 1 = right edge of the screen' },
    { name: 'cannon.respawning', doc: '1 during the pause after the cannon was hit, else 0' },
    { name: 'shot.x', doc: 'player shot x / 160 (0 when no shot)' },
    { name: 'shot.y', doc: 'player shot top y; 0 = top of the screen, 1 = the cannon (0 when no shot)' },
    { name: 'shot.active', doc: '1 while the player shot is on screen (no new shot until it is gone)' },
    { name: 'formation.x', doc: 'formation left edge; 0 = left field edge, 1 = right field edge' },
    { name: 'formation.y', doc: 'top row y; 0 = first wave start (y 30), 1 = the landing line (y 185)' },
    { name: 'formation.dir', doc: 'marching direction: 1 = right, -1 = left' },
    { name: 'formation.bottom', doc: 'lowest alive invader bottom; 0 = y 30, 1 = landing line (game over)' },
    { name: 'formation.period', doc: 'frames between formation steps / 16 (smaller = faster)' },
    { name: 'formation.timer', doc: 'frames until the next formation step / 16' },
    {
      name: 'aim.dx',
      doc: 'where the nearest alive column centre will be when a shot fired now reaches the lowest row, minus the shot x, / 80',
    },
    { name: 'aim.onTarget', doc: '1 if a shot fired now would meet that column (|aim.dx| < half an invader), else 0' },
    ...Array.from({ length: N_INVADERS }, (_, i) => ({
      name: `alive.r${Math.floor(i / COLS)}c${i % COLS}`,
      doc: `1 if the invader in row ${Math.floor(i / COLS)} (0 = top, ${ROW_POINTS[Math.floor(i / COLS)]} pts), column ${i % COLS} is alive`,
    })),
    ...Array.from({ length: MAX_BOMBS }, (_, k) =>
      [
        { name: `bomb${k}.dx`, doc: `${ord(k)} lowest bomb x minus cannon centre x, / 160 (0 when none)` },
        { name: `bomb${k}.y`, doc: `${ord(k)} lowest bomb bottom y; 0 = top of the screen, 1 = the cannon (0 when none)` },
        { name: `bomb${k}.active`, doc: `1 if there is a ${ord(k)} lowest bomb` },
      ],
    ).flat(),
    ...Array.from({ length: SHIELDS }, (_, k) => ({
      name: `shield${k}.health`,
      doc: `fraction of bunker ${k} (${['left', 'middle', 'right'][k]}) left`,
    })),
    { name: 'lives', doc: 'lives left / 3' },
    { name: 'ufo.x', doc: 'command ship centre x / 160 (0 when none)' },
    { name: 'ufo.active', doc: '1 while the command ship (200 pts) crosses the top' },
  ],
  scoreRows: [0, 16],
  summary:
    'Shoot the marching invaders (5-30 points by row, 200 for the command ship) and dodge their bombs behind the bunkers; 3 lives.',
};

const KEYS = [
  'playerX', 'shotX', 'shotY', 'shotActive', 'formX', 'formY', 'formDir', 'moveTimer', 'anim', 'alive',
  'shields', 'bombX', 'bombY', 'bombActive', 'bombTimer', 'ufoX', 'ufoDir', 'ufoActive', 'ufoTimer',
  'deathTimer', 'livesLeft', 'points', 'wave', 'ended',
] as const;

// 8 x 8 sprites, two animation frames, per pair of rows (top: squid, middle: crab, bottom: octopus).
const INVADER_SPRITES: readonly (readonly number[])[][] = [
  [
    [0x18, 0x3c, 0x7e, 0xdb, 0xff, 0x24, 0x5a, 0xa5],
    [0x18, 0x3c, 0x7e, 0xdb, 0xff, 0x5a, 0x81, 0x42],
  ],
  [
    [0x24, 0x18, 0x7e, 0xdb, 0xff, 0xbd, 0xa5, 0x24],
    [0x24, 0x99, 0xff, 0xdb, 0xff, 0x7e, 0x24, 0x42],
  ],
  [
    [0x3c, 0x7e, 0xff, 0xdb, 0xff, 0x66, 0xdb, 0x81],
    [0x3c, 0x7e, 0xff, 0xdb, 0xff, 0x24, 0x5a, 0x24],
  ],
];
const CANNON_SPRITE = [0x18, 0x18, 0x3c, 0x7e, 0xff, 0xff, 0xff, 0xff];
const BURST_SPRITE = [0x91, 0x4a, 0x24, 0x99, 0x5a, 0x24, 0x5a, 0xff];
const UFO_SPRITE = [0x0f0, 0x3fc, 0x7fe, 0xdb6, 0xfff, 0x30c];

export class SpaceInvaders implements Game {
  readonly spec = SPEC;
  private playerX = CANNON_X0;
  private shotX = 0;
  private shotY = 0;
  private shotActive = false;
  private formX = FORM_X0;
  private formY = FORM_Y0;
  private formDir = 1;
  private moveTimer = PERIOD_FULL;
  private anim = 0;
  private readonly alive = new Uint8Array(N_INVADERS);
  private readonly shields = new Uint8Array(SHIELDS * SH_CELLS);
  private readonly bombX = new Int16Array(MAX_BOMBS);
  private readonly bombY = new Int16Array(MAX_BOMBS);
  private readonly bombActive = new Uint8Array(MAX_BOMBS);
  private bombTimer = 0;
  private ufoX = 0;
  private ufoDir = 1;
  private ufoActive = false;
  private ufoTimer = 0;
  private deathTimer = 0;
  private livesLeft = LIVES;
  private points = 0;
  private wave = 0;
  private ended = false;

  // Derived from `alive` and `shields` (recomputed by setState, not snapshotted).
  private aliveCount = 0;
  private readonly colCount = new Uint8Array(COLS);
  private readonly rowCount = new Uint8Array(ROWS);
  private minCol = 0;
  private maxCol = COLS - 1;
  private maxRow = ROWS - 1;
  private readonly shieldCount = new Uint8Array(SHIELDS);
  /** Scratch for draw: a bunker's rows of cells as sprite rows. */
  private readonly shieldRows: number[] = new Array(SH_ROWS).fill(0);

  get score(): number {
    return this.points;
  }
  get lives(): number {
    return this.livesLeft;
  }
  get over(): boolean {
    return this.ended;
  }

  constructor(private readonly rng: Rng) {
    this.reset();
  }

  reset(): void {
    this.points = 0;
    this.livesLeft = LIVES;
    this.ended = false;
    this.wave = 0;
    this.playerX = CANNON_X0;
    this.deathTimer = 0;
    this.ufoActive = false;
    this.ufoX = 0;
    this.ufoDir = 1;
    this.ufoTimer = UFO_DELAY_MIN + this.rng.int(UFO_DELAY_RAND);
    this.startWave();
  }

  private startWave(): void {
    this.alive.fill(1);
    this.recount();
    for (let s = 0; s < SHIELDS; s++) {
      for (let r = 0; r < SH_ROWS; r++) {
        for (let c = 0; c < SH_COLS; c++) {
          this.shields[s * SH_CELLS + r * SH_COLS + c] = (SH_SHAPE[r] >> (SH_COLS - 1 - c)) & 1;
        }
      }
    }
    this.recountShields();
    this.formX = FORM_X0;
    this.formY = FORM_Y0 + WAVE_LOWER * Math.min(this.wave, WAVE_LOWER_MAX);
    this.formDir = 1;
    this.anim = 0;
    this.moveTimer = this.period();
    this.shotActive = false;
    this.bombActive.fill(0);
    this.bombTimer = BOMB_DELAY_MIN + this.rng.int(BOMB_DELAY_RAND);
  }

  /** Frames between formation steps for the invaders alive now. */
  private period(): number {
    const n = this.aliveCount < 1 ? 1 : this.aliveCount;
    return PERIOD_MIN + Math.floor(((n - 1) * (PERIOD_FULL - PERIOD_MIN)) / (N_INVADERS - 1));
  }

  tick(action: number): number {
    if (this.ended) return 0;
    if (this.deathTimer > 0) {
      this.deathTimer--;
      return 0;
    }
    let reward = 0;

    // Cannon.
    const right = action === 2 || action === 4;
    const left = action === 3 || action === 5;
    if (right) this.playerX = Math.min(FIELD_RIGHT - CANNON_W, this.playerX + CANNON_SPEED);
    else if (left) this.playerX = Math.max(FIELD_LEFT, this.playerX - CANNON_SPEED);
    const fire = action === 1 || action === 4 || action === 5;
    if (fire && !this.shotActive) {
      this.shotActive = true;
      this.shotX = this.playerX + SHOT_OFFSET;
      this.shotY = CANNON_Y - SHOT_H;
    } else if (this.shotActive) {
      this.shotY -= SHOT_SPEED;
      reward += this.moveShot();
    }

    // Formation.
    if (--this.moveTimer <= 0) {
      this.stepFormation();
      if (this.ended) return reward;
    }

    // Bombs.
    for (let k = 0; k < MAX_BOMBS; k++) {
      if (this.bombActive[k] === 0) continue;
      const y = (this.bombY[k] += BOMB_SPEED);
      const x = this.bombX[k];
      if (y >= GROUND_Y) {
        this.bombActive[k] = 0;
      } else if (y + BOMB_H > SH_Y && y < SH_Y + SH_H) {
        if (this.erode(x + (BOMB_W >> 1), y, y + BOMB_H, 1)) this.bombActive[k] = 0;
      } else if (
        y + BOMB_H > CANNON_Y &&
        y < CANNON_Y + CANNON_H &&
        x + BOMB_W > this.playerX + 1 &&
        x < this.playerX + CANNON_W - 1
      ) {
        this.hitCannon();
        return reward;
      }
    }
    if (--this.bombTimer <= 0) this.dropBomb();

    // Command ship.
    if (this.ufoActive) {
      this.ufoX += this.ufoDir * UFO_SPEED;
      if (this.ufoX < -UFO_W || this.ufoX > 160) {
        this.ufoActive = false;
        this.ufoTimer = UFO_DELAY_MIN + this.rng.int(UFO_DELAY_RAND);
      }
    } else if (--this.ufoTimer <= 0) {
      this.ufoActive = true;
      this.ufoDir = this.rng.next() < 0.5 ? 1 : -1;
      this.ufoX = this.ufoDir > 0 ? -UFO_W : 160;
    }
    return reward;
  }

  /** Collides the (already moved) player shot; returns the points it scored. */
  private moveShot(): number {
    const x = this.shotX;
    const y = this.shotY;
    if (y + SHOT_H <= 0) {
      this.shotActive = false;
      return 0;
    }
    // Bunkers (the shot comes from below, so they are met before the invaders).
    if (y < SH_Y + SH_H && y + SHOT_H > SH_Y) {
      if (this.erode(x, y, y + SHOT_H, -1)) {
        this.shotActive = false;
        return 0;
      }
    }
    // Invaders: the column from x, then the (at most two) rows the shot overlaps, lowest first.
    const ox = x - this.formX;
    const oy = y + SHOT_H - 1 - this.formY;
    if (ox >= 0 && oy >= 0 && y < this.formY + ROWS * CELL_H) {
      const c = Math.floor(ox / CELL_W);
      if (c < COLS && ox - c * CELL_W < INV_W) {
        let r = Math.floor(oy / CELL_H);
        if (r > ROWS - 1) r = ROWS - 1;
        for (let k = 0; k < 2 && r >= 0; k++, r--) {
          const top = this.formY + r * CELL_H;
          if (y < top + INV_H && y + SHOT_H > top && this.alive[r * COLS + c] === 1) {
            this.shotActive = false;
            return this.kill(r, c);
          }
        }
      }
    }
    // Command ship.
    if (this.ufoActive && y < UFO_Y + UFO_H && x >= this.ufoX && x < this.ufoX + UFO_W) {
      this.shotActive = false;
      this.ufoActive = false;
      this.ufoTimer = UFO_DELAY_MIN + this.rng.int(UFO_DELAY_RAND);
      this.points += UFO_POINTS;
      return UFO_POINTS;
    }
    return 0;
  }

  private kill(r: number, c: number): number {
    this.alive[r * COLS + c] = 0;
    this.aliveCount--;
    this.colCount[c]--;
    this.rowCount[r]--;
    const pts = ROW_POINTS[r];
    this.points += pts;
    if (this.aliveCount === 0) {
      this.wave++;
      this.startWave();
      return pts;
    }
    this.bounds();
    const p = this.period();
    if (this.moveTimer > p) this.moveTimer = p;
    return pts;
  }

  private stepFormation(): void {
    this.moveTimer = this.period();
    this.anim ^= 1;
    const left = this.formX + this.minCol * CELL_W;
    const right = this.formX + this.maxCol * CELL_W + INV_W;
    if ((this.formDir > 0 && right + STEP_X > FIELD_RIGHT) || (this.formDir < 0 && left - STEP_X < FIELD_LEFT)) {
      this.formY += STEP_DOWN;
      this.formDir = -this.formDir;
    } else {
      this.formX += this.formDir * STEP_X;
    }
    const bottom = this.formY + this.maxRow * CELL_H + INV_H;
    if (bottom > SH_Y) this.crushShields();
    if (bottom >= LAND_Y) this.ended = true;
  }

  /** Invaders marching through the bunkers wipe out the cells they overlap. */
  private crushShields(): void {
    for (let r = 0; r < ROWS; r++) {
      if (this.rowCount[r] === 0) continue;
      const top = this.formY + r * CELL_H;
      if (top + INV_H <= SH_Y || top >= SH_Y + SH_H) continue;
      const r0 = Math.max(0, Math.floor((top - SH_Y) / SH_CELL));
      const r1 = Math.min(SH_ROWS - 1, Math.floor((top + INV_H - 1 - SH_Y) / SH_CELL));
      for (let c = 0; c < COLS; c++) {
        if (this.alive[r * COLS + c] === 0) continue;
        const x0 = this.formX + c * CELL_W;
        for (let x = x0; x < x0 + INV_W; x += 1) {
          const s = Math.floor((x - SH_X0) / SH_PITCH);
          if (s < 0 || s >= SHIELDS) continue;
          const sc = Math.floor((x - SH_X0 - s * SH_PITCH) / SH_CELL);
          if (sc >= SH_COLS) continue;
          for (let sr = r0; sr <= r1; sr++) {
            const i = s * SH_CELLS + sr * SH_COLS + sc;
            if (this.shields[i] === 1) {
              this.shields[i] = 0;
              this.shieldCount[s]--;
            }
          }
        }
      }
    }
  }

  /**
   * A projectile at column x spanning rows [y0, y1) against the bunkers: the first live cell met in the
   * direction of travel (dir 1 = down, -1 = up) is destroyed, with the cell behind it; returns whether it hit.
   */
  private erode(x: number, y0: number, y1: number, dir: number): boolean {
    const s = Math.floor((x - SH_X0) / SH_PITCH);
    if (s < 0 || s >= SHIELDS) return false;
    const dx = x - SH_X0 - s * SH_PITCH;
    if (dx >= SH_W) return false;
    const c = dx >> 1;
    let rTop = Math.floor((y0 - SH_Y) / SH_CELL);
    let rBot = Math.floor((y1 - 1 - SH_Y) / SH_CELL);
    if (rTop < 0) rTop = 0;
    if (rBot > SH_ROWS - 1) rBot = SH_ROWS - 1;
    const base = s * SH_CELLS + c;
    const shields = this.shields;
    if (dir > 0) {
      for (let r = rTop; r <= rBot; r++) {
        if (shields[base + r * SH_COLS] === 1) {
          shields[base + r * SH_COLS] = 0;
          this.shieldCount[s]--;
          if (r + 1 < SH_ROWS && shields[base + (r + 1) * SH_COLS] === 1) {
            shields[base + (r + 1) * SH_COLS] = 0;
            this.shieldCount[s]--;
          }
          return true;
        }
      }
    } else {
      for (let r = rBot; r >= rTop; r--) {
        if (shields[base + r * SH_COLS] === 1) {
          shields[base + r * SH_COLS] = 0;
          this.shieldCount[s]--;
          if (r > 0 && shields[base + (r - 1) * SH_COLS] === 1) {
            shields[base + (r - 1) * SH_COLS] = 0;
            this.shieldCount[s]--;
          }
          return true;
        }
      }
    }
    return false;
  }

  private hitCannon(): void {
    this.livesLeft--;
    this.bombActive.fill(0);
    this.shotActive = false;
    if (this.livesLeft <= 0) {
      this.livesLeft = 0;
      this.ended = true;
    } else {
      this.deathTimer = RESPAWN_FRAMES;
    }
  }

  /** Drops a bomb from the lowest invader of a column: the one nearest the cannon, or a random one. */
  private dropBomb(): void {
    this.bombTimer = BOMB_DELAY_MIN + this.rng.int(BOMB_DELAY_RAND);
    let k = 0;
    while (k < MAX_BOMBS && this.bombActive[k] === 1) k++;
    if (k === MAX_BOMBS) return;
    let c: number;
    if (this.rng.next() < BOMB_AIM_P) {
      c = this.nearestColumn(this.playerX + SHOT_OFFSET);
    } else {
      c = this.rng.int(COLS);
      for (let i = 0; i < COLS && this.colCount[c] === 0; i++) c = c === COLS - 1 ? 0 : c + 1;
    }
    if (this.colCount[c] === 0) return;
    let r = ROWS - 1;
    while (this.alive[r * COLS + c] === 0) r--;
    this.bombActive[k] = 1;
    this.bombX[k] = this.formX + c * CELL_W + (INV_W - BOMB_W) / 2;
    this.bombY[k] = this.formY + r * CELL_H + INV_H;
  }

  /** The alive column whose centre is nearest to screen x (ties go left). */
  private nearestColumn(x: number): number {
    let best = this.minCol;
    let bestD = 1e9;
    for (let c = this.minCol; c <= this.maxCol; c++) {
      if (this.colCount[c] === 0) continue;
      const d = Math.abs(this.formX + c * CELL_W + INV_W / 2 - x);
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    return best;
  }

  /** Recomputes the counts derived from the alive mask. */
  private recount(): void {
    this.aliveCount = 0;
    this.colCount.fill(0);
    this.rowCount.fill(0);
    for (let r = 0; r < ROWS; r++) {
      for (let c = 0; c < COLS; c++) {
        if (this.alive[r * COLS + c] === 1) {
          this.aliveCount++;
          this.colCount[c]++;
          this.rowCount[r]++;
        }
      }
    }
    this.bounds();
  }

  private bounds(): void {
    let c0 = 0;
    while (c0 < COLS - 1 && this.colCount[c0] === 0) c0++;
    let c1 = COLS - 1;
    while (c1 > 0 && this.colCount[c1] === 0) c1--;
    let r1 = ROWS - 1;
    while (r1 > 0 && this.rowCount[r1] === 0) r1--;
    this.minCol = c0;
    this.maxCol = c1;
    this.maxRow = r1;
  }

  private recountShields(): void {
    for (let s = 0; s < SHIELDS; s++) {
      let n = 0;
      for (let i = 0; i < SH_CELLS; i++) n += this.shields[s * SH_CELLS + i];
      this.shieldCount[s] = n;
    }
  }

  writeRam(out: Float32Array, o: number): void {
    const playerC = this.playerX + CANNON_W / 2;
    out[o] = playerC / 160;
    out[o + 1] = this.deathTimer > 0 ? 1 : 0;
    out[o + 2] = this.shotActive ? this.shotX / 160 : 0;
    out[o + 3] = this.shotActive ? clampUnit(this.shotY / CANNON_Y) : 0;
    out[o + 4] = this.shotActive ? 1 : 0;
    out[o + 5] = clampUnit((this.formX - FIELD_LEFT) / (FIELD_RIGHT - FIELD_LEFT));
    out[o + 6] = clampUnit((this.formY - FORM_Y0) / (LAND_Y - FORM_Y0));
    out[o + 7] = this.formDir;
    out[o + 8] = clampUnit((this.formY + this.maxRow * CELL_H + INV_H - FORM_Y0) / (LAND_Y - FORM_Y0));
    out[o + 9] = this.period() / PERIOD_FULL;
    out[o + 10] = clampUnit(this.moveTimer / PERIOD_FULL);
    // Aim: lead the march by the formation's drift while a shot fired now climbs to the lowest row.
    const shotX = this.playerX + SHOT_OFFSET;
    const travel = (CANNON_Y - SHOT_H - (this.formY + this.maxRow * CELL_H + INV_H)) / SHOT_SPEED;
    const lead = travel > 0 ? (this.formDir * STEP_X * travel) / this.period() : 0;
    const c = this.nearestColumn(shotX - lead);
    const aim = this.formX + c * CELL_W + INV_W / 2 + lead - shotX;
    out[o + 11] = clampUnit(aim / 80);
    out[o + 12] = this.colCount[c] > 0 && aim > -INV_W / 2 && aim <= INV_W / 2 ? 1 : 0;
    let p = o + 13;
    for (let i = 0; i < N_INVADERS; i++) out[p++] = this.alive[i];
    // Bombs, lowest (most urgent) first, without allocating: pick the max y among those not yet written.
    let used = 0;
    for (let k = 0; k < MAX_BOMBS; k++) {
      let best = -1;
      for (let j = 0; j < MAX_BOMBS; j++) {
        if (this.bombActive[j] === 0 || (used & (1 << j)) !== 0) continue;
        if (best < 0 || this.bombY[j] > this.bombY[best]) best = j;
      }
      if (best < 0) {
        out[p] = 0;
        out[p + 1] = 0;
        out[p + 2] = 0;
      } else {
        used |= 1 << best;
        out[p] = clampUnit((this.bombX[best] + BOMB_W / 2 - playerC) / 160);
        out[p + 1] = clampUnit((this.bombY[best] + BOMB_H) / CANNON_Y);
        out[p + 2] = 1;
      }
      p += 3;
    }
    for (let s = 0; s < SHIELDS; s++) out[p++] = this.shieldCount[s] / SH_FULL;
    out[p++] = this.livesLeft / LIVES;
    out[p++] = this.ufoActive ? clampUnit((this.ufoX + UFO_W / 2) / 160) : 0;
    out[p] = this.ufoActive ? 1 : 0;
  }

  draw(s: Screen): void {
    s.clear(C.black);
    s.number(this.points, 72, 4, C.cannon, 2);
    s.number(this.livesLeft, 148, 4, C.cannon, 2);
    if (this.ufoActive) s.sprite(UFO_SPRITE, UFO_W, this.ufoX, UFO_Y, C.red);
    for (let r = 0; r < ROWS; r++) {
      if (this.rowCount[r] === 0) continue;
      let alive = 0; // bit c: column c's invader stands
      for (let c = 0; c < COLS; c++) alive |= this.alive[r * COLS + c] << c;
      s.sprites(INVADER_SPRITES[r >> 1][this.anim], INV_W, this.formX, CELL_W, alive, this.formY + r * CELL_H, C.invader);
    }
    // Each bunker as a sprite of its standing cells, SH_CELL pixels square (one drawing operation a row
    // instead of one per cell).
    const cells = this.shieldRows;
    for (let k = 0; k < SHIELDS; k++) {
      for (let r = 0; r < SH_ROWS; r++) {
        let bits = 0;
        for (let c = 0; c < SH_COLS; c++) bits = (bits << 1) | this.shields[k * SH_CELLS + r * SH_COLS + c];
        cells[r] = bits;
      }
      s.sprite(cells, SH_COLS, SH_X0 + k * SH_PITCH, SH_Y, C.shield, SH_CELL);
    }
    for (let k = 0; k < MAX_BOMBS; k++) {
      if (this.bombActive[k] === 1) s.rect(this.bombX[k], this.bombY[k], BOMB_W, BOMB_H, C.white);
    }
    if (this.shotActive) s.rect(this.shotX, this.shotY, SHOT_W, SHOT_H, C.white);
    if (this.deathTimer > 0) {
      if ((this.deathTimer >> 2) & 1) s.sprite(BURST_SPRITE, CANNON_W, this.playerX, CANNON_Y, C.cannon);
    } else if (!this.ended || this.livesLeft > 0) {
      s.sprite(CANNON_SPRITE, CANNON_W, this.playerX, CANNON_Y, C.cannon);
    }
    s.rect(0, GROUND_Y, 160, 2, C.ground);
  }

  getState() {
    return takeSnapshot(this, KEYS);
  }

  setState(state: unknown): void {
    restoreSnapshot(this, KEYS, state, 'SpaceInvaders state');
    for (let i = 0; i < N_INVADERS; i++) this.alive[i] = this.alive[i] ? 1 : 0;
    for (let i = 0; i < this.shields.length; i++) this.shields[i] = this.shields[i] ? 1 : 0;
    for (let k = 0; k < MAX_BOMBS; k++) this.bombActive[k] = this.bombActive[k] ? 1 : 0;
    this.recount();
    this.recountShields();
  }
}

function popcount(bits: number): number {
  let n = 0;
  for (let b = bits; b !== 0; b >>= 1) n += b & 1;
  return n;
}

function ord(k: number): string {
  return ['1st', '2nd', '3rd'][k] ?? `${k + 1}th`;
}
