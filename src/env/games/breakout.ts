/**
 * Breakout (Atari 2600 rules, simplified): knock bricks out of a six-row wall with a ball returned off the
 * paddle. Top two rows (red, orange) are worth 7, the middle two (amber, yellow) 4, the bottom two (green,
 * blue) 1. Five balls; a missed ball costs one. The ball speeds up after 4 and 12 brick hits and on its
 * first contact with the orange and with the red row (reset with every new ball); the paddle halves once the
 * ball reaches the top wall. Clearing the wall brings a second one (and the full paddle back); clearing that
 * ends the game (864 points).
 *
 * Serve: a new ball waits on the paddle (moving with it) until FIRE launches it upwards at a random angle.
 * After a lost ball the next one appears, and FIRE works, only after a 3/4 s pause, so the loss is visible.
 * A waiting ball also launches by itself after two seconds, so a policy that never presses FIRE cannot
 * stall an episode until the time limit (a known failure of agents on ALE's Breakout).
 */
import { type Game, type GameSpec, clampUnit } from '../game.js';
import type { Rng } from '../rng.js';
import { C, type Screen } from '../screen.js';
import { describe, isRecord, restoreSnapshot, takeSnapshot } from '../snapshot.js';

// Layout of the 160x210 screen, after the 2600 cartridge: digits in rows 0-16, a grey top wall below them,
// grey side walls 8 px wide, 18 bricks of 8 px between the side walls, the paddle near the bottom.
const WALL_TOP = 17; // first row of the grey top wall
const FIELD_TOP = 32; // first row below the top wall: the ball reflects here
const WALL_BOTTOM = 196; // the side walls end here
const FIELD_LEFT = 8; // the left wall is x 0..7
const FIELD_RIGHT = 152; // the right wall is x 152..159
const BRICK_TOP = 57;
const BRICK_ROWS = 6;
const BRICK_COLS = 18;
const BRICK_W = 8;
const BRICK_H = 6;
const BRICK_BOTTOM = BRICK_TOP + BRICK_ROWS * BRICK_H; // 93
const N_BRICKS = BRICK_ROWS * BRICK_COLS;
const ROW_POINTS = [7, 7, 4, 4, 1, 1]; // top to bottom, as the original
const ROW_COLORS = [C.red, C.orange, C.amber, C.yellow, C.green, C.blue];
const PADDLE_Y = 189;
const PADDLE_H = 4;
const PADDLE_W = 16;
const PADDLE_W_SMALL = 8; // after the ball first reaches the top wall
const PADDLE_SPEED = 4; // px per frame: 32 frames (8 agent steps) from wall to wall
const BALL_W = 2;
const BALL_H = 4;
const LOST_Y = 200; // a ball whose top passes this row is lost
const LIVES = 5;
const AUTO_SERVE = 120; // frames a new ball waits for FIRE before it launches by itself (2 s)
const LOST_PAUSE = 45; // frames after a lost ball before FIRE can serve the next, so the loss can be seen
// Ball speed (px per frame, along its direction) for each speed level; the level rises after 4 and after 12
// brick hits and on the first orange and first red contact, so at most four times per ball. A new ball
// takes about 1.3 s from the paddle to the wall, as on the 2600; the top speed is a little under the
// paddle's, so a well-placed paddle can still reach every ball.
const SPEEDS = [1.5, 2, 2.5, 3, 3.5];
const MAX_SPEED = SPEEDS[SPEEDS.length - 1];
const MAX_STEP = 2; // px per collision substep: less than the ball and every brick, so nothing tunnels
// Paddle returns leave between 15 degrees (centre) and 60 degrees (edge) from vertical, on the side of the
// paddle the ball hit, so the player aims by where the ball meets the paddle.
const MIN_ANGLE = (15 * Math.PI) / 180;
const MAX_ANGLE = (60 * Math.PI) / 180;
const SERVE_MIN_ANGLE = 20; // degrees from vertical of a serve, drawn uniformly, to either side
const SERVE_MAX_ANGLE = 45;

// The landing feature is scaled to +-16 px (clamped): an MLP needs the few pixels that decide a catch to
// make a visible difference in its input. At 80 px, A2C scored ~20 after 5M steps; at 16 px, ~360.
const LAND_SCALE = 16;

const FIRE = 1;
const RIGHT = 2;
const LEFT = 3;

const BASE_RAM = [
  { name: 'ball.x', doc: 'ball centre x; 0 = left edge, 1 = right edge of the screen' },
  { name: 'ball.y', doc: 'ball centre y; 0 = top wall, 1 = paddle top (clamped to 1 below it)' },
  { name: 'ball.vx', doc: 'ball x velocity / 3.5 px per frame, the top speed (positive = right)' },
  { name: 'ball.vy', doc: 'ball y velocity / 3.5 px per frame, the top speed (positive = down)' },
  { name: 'ball.inPlay', doc: '1 while a ball is in play, 0 while the next ball waits on the paddle for FIRE' },
  { name: 'paddle.x', doc: 'paddle centre x; 0 = left edge, 1 = right edge of the screen' },
  { name: 'paddle.width', doc: 'paddle width / 16 px (0.5 once the ball has reached the top wall)' },
  { name: 'ball.dx', doc: '(ball centre x - paddle centre x) / 80 px; 0 = ball right above the paddle centre' },
  {
    name: 'ball.landDx',
    doc: 'while the ball falls: (x where it will reach the paddle row, after side-wall bounces, ignoring bricks - paddle centre x) / 16 px, clamped; 0 while it rises or waits',
  },
  { name: 'lives', doc: 'balls left / 5' },
  { name: 'serve.wait', doc: 'frames until a waiting ball launches by itself / 165 (0 while in play)' },
  { name: 'speed', doc: 'ball speed level / 4 (0 = slowest, 1 = fastest)' },
  { name: 'wall', doc: '0 on the first wall, 1 on the second' },
];
const BRICK_RAM = Array.from({ length: N_BRICKS }, (_, i) => {
  const r = Math.floor(i / BRICK_COLS);
  const c = i % BRICK_COLS;
  return { name: `brick.${r}.${c}`, doc: `1 if the brick in row ${r} (0 = top) and column ${c} (0 = left) stands, else 0` };
});

const SPEC: GameSpec = {
  id: 'Breakout',
  actions: ['NOOP', 'FIRE', 'RIGHT', 'LEFT'],
  ram: [...BASE_RAM, ...BRICK_RAM],
  scoreRows: [0, WALL_TOP],
  summary:
    'Knock bricks out of the wall with the ball (7/4/1 points from the top rows down); FIRE serves, five balls, two walls.',
};

const KEYS = [
  'ballX', 'ballY', 'ballVx', 'ballVy', 'inPlay', 'serveWait', 'paddleX', 'paddleW',
  'points', 'livesLeft', 'wall', 'bricksLeft', 'hits', 'speedLevel', 'hitOrange', 'hitRed', 'bricks',
] as const;

export class Breakout implements Game {
  readonly spec = SPEC;
  /** Ball top-left corner, px. */
  private ballX = 0;
  private ballY = 0;
  private ballVx = 0;
  private ballVy = 0;
  private inPlay = false;
  /** Frames left before a waiting ball launches by itself. */
  private serveWait = 0;
  /** Paddle left edge, px. */
  private paddleX = 0;
  private paddleW = PADDLE_W;
  private points = 0;
  private livesLeft = LIVES;
  /** 0 = first wall, 1 = second wall. */
  private wall = 0;
  private bricksLeft = N_BRICKS;
  /** Brick hits by the current ball (speed-ups at 4 and 12). */
  private hits = 0;
  private speedLevel = 0;
  private hitOrange = false;
  private hitRed = false;
  /** 1 where a brick stands, row-major from the top-left. */
  private readonly bricks = new Uint8Array(N_BRICKS);

  get score(): number {
    return this.points;
  }
  get lives(): number {
    return this.livesLeft;
  }
  get over(): boolean {
    return this.livesLeft <= 0 || (this.wall === 1 && this.bricksLeft === 0);
  }

  constructor(private readonly rng: Rng) {}

  reset(): void {
    this.points = 0;
    this.livesLeft = LIVES;
    this.wall = 0;
    this.bricks.fill(1);
    this.bricksLeft = N_BRICKS;
    this.paddleW = PADDLE_W;
    this.paddleX = (FIELD_LEFT + FIELD_RIGHT - PADDLE_W) / 2;
    this.newBall(0);
  }

  /** The next ball waits off screen for FIRE (after `pause` frames); its speed-ups start over. */
  private newBall(pause: number): void {
    this.inPlay = false;
    this.serveWait = pause + AUTO_SERVE;
    this.ballX = this.paddleX + (this.paddleW - BALL_W) / 2;
    this.ballY = PADDLE_Y - BALL_H;
    this.ballVx = 0;
    this.ballVy = 0;
    this.hits = 0;
    this.speedLevel = 0;
    this.hitOrange = false;
    this.hitRed = false;
  }

  /** Launches the waiting ball up off the paddle, at a random angle to a random side. */
  private serve(): void {
    this.inPlay = true;
    this.serveWait = 0;
    const angle = this.rng.range(SERVE_MIN_ANGLE, SERVE_MAX_ANGLE) * (Math.PI / 180);
    const side = this.rng.next() < 0.5 ? -1 : 1;
    this.ballVx = side * SPEEDS[0] * Math.sin(angle);
    this.ballVy = -SPEEDS[0] * Math.cos(angle);
  }

  tick(action: number): number {
    if (this.over) return 0;
    if (action === RIGHT) {
      this.paddleX += PADDLE_SPEED;
      if (this.paddleX > FIELD_RIGHT - this.paddleW) this.paddleX = FIELD_RIGHT - this.paddleW;
    } else if (action === LEFT) {
      this.paddleX -= PADDLE_SPEED;
      if (this.paddleX < FIELD_LEFT) this.paddleX = FIELD_LEFT;
    }

    if (!this.inPlay) {
      // The waiting ball rides on the paddle.
      this.ballX = this.paddleX + (this.paddleW - BALL_W) / 2;
      this.serveWait--;
      if ((action === FIRE && this.serveWait <= AUTO_SERVE) || this.serveWait <= 0) this.serve();
      return 0;
    }

    // Move in substeps of at most MAX_STEP px, x then y, so every brick and the paddle are met on the way.
    // A collision ends the frame's movement (the ball is put back where it touched and turned around).
    const ax = this.ballVx < 0 ? -this.ballVx : this.ballVx;
    const ay = this.ballVy < 0 ? -this.ballVy : this.ballVy;
    const n = Math.ceil((ax > ay ? ax : ay) / MAX_STEP);
    const sx = this.ballVx / n;
    const sy = this.ballVy / n;
    let reward = 0;
    for (let i = 0; i < n; i++) {
      // Horizontal: side walls, then the sides of bricks.
      let x = this.ballX + sx;
      if (x < FIELD_LEFT) {
        x = 2 * FIELD_LEFT - x;
        this.ballVx = -this.ballVx;
      } else if (x > FIELD_RIGHT - BALL_W) {
        x = 2 * (FIELD_RIGHT - BALL_W) - x;
        this.ballVx = -this.ballVx;
      }
      const y = this.ballY;
      if (y + BALL_H > BRICK_TOP && y < BRICK_BOTTOM) {
        const k = this.brickAt(x, y);
        if (k >= 0) {
          reward += this.breakBrick(k);
          this.ballVx = -this.ballVx;
          break;
        }
      }
      this.ballX = x;

      // Vertical: top wall, bricks, paddle.
      let ny = y + sy;
      if (ny < FIELD_TOP) {
        ny = 2 * FIELD_TOP - ny;
        this.ballVy = -this.ballVy;
        if (this.paddleW === PADDLE_W) {
          this.paddleW = PADDLE_W_SMALL;
          this.paddleX += (PADDLE_W - PADDLE_W_SMALL) / 2;
        }
        this.ballY = ny;
        break;
      }
      if (ny + BALL_H > BRICK_TOP && ny < BRICK_BOTTOM) {
        const k = this.brickAt(x, ny);
        if (k >= 0) {
          reward += this.breakBrick(k);
          this.ballVy = -this.ballVy;
          break;
        }
      }
      if (sy > 0 && ny + BALL_H >= PADDLE_Y && y + BALL_H < PADDLE_Y) {
        const cx = x + BALL_W / 2;
        const half = this.paddleW / 2 + BALL_W / 2;
        const offset = (cx - (this.paddleX + this.paddleW / 2)) / half;
        if (offset >= -1 && offset <= 1) {
          this.bounce(offset);
          this.ballY = PADDLE_Y - BALL_H;
          break;
        }
      }
      this.ballY = ny;
      if (sx > 0 !== this.ballVx > 0) break; // turned by a side wall: the remaining substeps would go the old way
    }

    if (this.ballY >= LOST_Y) {
      this.livesLeft--;
      this.newBall(LOST_PAUSE);
    }
    return reward;
  }

  /** The standing brick the ball overlaps at (x, y), preferring the column under its centre; -1 if none. */
  private brickAt(x: number, y: number): number {
    let r0 = Math.floor((y - BRICK_TOP) / BRICK_H);
    let r1 = Math.ceil((y + BALL_H - BRICK_TOP) / BRICK_H) - 1;
    if (r0 < 0) r0 = 0;
    if (r1 > BRICK_ROWS - 1) r1 = BRICK_ROWS - 1;
    let cc = Math.floor((x + BALL_W / 2 - FIELD_LEFT) / BRICK_W);
    let co = Math.floor((x - FIELD_LEFT) / BRICK_W);
    if (co === cc) co = Math.ceil((x + BALL_W - FIELD_LEFT) / BRICK_W) - 1;
    if (cc < 0) cc = 0;
    else if (cc > BRICK_COLS - 1) cc = BRICK_COLS - 1;
    if (co < 0) co = 0;
    else if (co > BRICK_COLS - 1) co = BRICK_COLS - 1;
    // Rows nearest the direction of travel first: a standing brick behind the ball would have stopped it.
    const down = this.ballVy > 0;
    for (let j = 0; j <= r1 - r0; j++) {
      const r = down ? r1 - j : r0 + j;
      const base = r * BRICK_COLS;
      if (this.bricks[base + cc] !== 0) return base + cc;
      if (this.bricks[base + co] !== 0) return base + co;
    }
    return -1;
  }

  /** Removes brick k and returns its points; applies the speed-ups and brings the second wall. */
  private breakBrick(k: number): number {
    this.bricks[k] = 0;
    this.bricksLeft--;
    const row = (k / BRICK_COLS) | 0;
    const gained = ROW_POINTS[row];
    this.points += gained;
    this.hits++;
    let level = this.speedLevel;
    if (this.hits === 4 || this.hits === 12) level++;
    if (row === 1 && !this.hitOrange) {
      this.hitOrange = true;
      level++;
    }
    if (row === 0 && !this.hitRed) {
      this.hitRed = true;
      level++;
    }
    if (level > SPEEDS.length - 1) level = SPEEDS.length - 1;
    if (level !== this.speedLevel) {
      const f = SPEEDS[level] / SPEEDS[this.speedLevel];
      this.ballVx *= f;
      this.ballVy *= f;
      this.speedLevel = level;
    }
    if (this.bricksLeft === 0 && this.wall === 0) {
      // The second wall; the paddle gets its full width back.
      this.wall = 1;
      this.bricks.fill(1);
      this.bricksLeft = N_BRICKS;
      if (this.paddleW !== PADDLE_W) {
        this.paddleX -= (PADDLE_W - this.paddleW) / 2;
        this.paddleW = PADDLE_W;
        if (this.paddleX < FIELD_LEFT) this.paddleX = FIELD_LEFT;
        if (this.paddleX > FIELD_RIGHT - PADDLE_W) this.paddleX = FIELD_RIGHT - PADDLE_W;
      }
    }
    return gained;
  }

  /** Sends the ball back up; the further from the paddle centre it hit, the flatter it leaves. */
  private bounce(offset: number): void {
    const side = offset > 0 ? 1 : offset < 0 ? -1 : this.ballVx >= 0 ? 1 : -1;
    const a = MIN_ANGLE + offset * side * (MAX_ANGLE - MIN_ANGLE);
    const speed = SPEEDS[this.speedLevel];
    this.ballVx = side * speed * Math.sin(a);
    this.ballVy = -speed * Math.cos(a);
  }

  /** Centre x where the falling ball will reach the paddle row, folding its path at the side walls. */
  private landingX(): number {
    const t = (PADDLE_Y - BALL_H - this.ballY) / this.ballVy;
    if (t <= 0) return this.ballX + BALL_W / 2;
    const span = FIELD_RIGHT - BALL_W - FIELD_LEFT;
    let u = (this.ballX + this.ballVx * t - FIELD_LEFT) % (2 * span);
    if (u < 0) u += 2 * span;
    if (u > span) u = 2 * span - u;
    return FIELD_LEFT + u + BALL_W / 2;
  }

  writeRam(out: Float32Array, o: number): void {
    const cx = this.ballX + BALL_W / 2;
    const pcx = this.paddleX + this.paddleW / 2;
    out[o] = cx / 160;
    out[o + 1] = clampUnit((this.ballY + BALL_H / 2 - FIELD_TOP) / (PADDLE_Y - FIELD_TOP));
    out[o + 2] = this.ballVx / MAX_SPEED;
    out[o + 3] = this.ballVy / MAX_SPEED;
    out[o + 4] = this.inPlay ? 1 : 0;
    out[o + 5] = pcx / 160;
    out[o + 6] = this.paddleW / PADDLE_W;
    out[o + 7] = clampUnit((cx - pcx) / 80);
    out[o + 8] = this.inPlay && this.ballVy > 0 ? clampUnit((this.landingX() - pcx) / LAND_SCALE) : 0;
    out[o + 9] = this.livesLeft / LIVES;
    out[o + 10] = this.serveWait / (LOST_PAUSE + AUTO_SERVE);
    out[o + 11] = this.speedLevel / (SPEEDS.length - 1);
    out[o + 12] = this.wall;
    const b = this.bricks;
    const base = o + BASE_RAM.length;
    for (let i = 0; i < N_BRICKS; i++) out[base + i] = b[i];
  }

  draw(s: Screen): void {
    s.clear(C.black);
    s.number(this.points, 60, 1, C.grey, 3);
    s.number(this.livesLeft, 108, 1, C.grey, 3);
    s.rect(0, WALL_TOP, 160, FIELD_TOP - WALL_TOP, C.grey);
    s.rect(0, WALL_TOP, FIELD_LEFT, WALL_BOTTOM - WALL_TOP, C.grey);
    s.rect(FIELD_RIGHT, WALL_TOP, 160 - FIELD_RIGHT, WALL_BOTTOM - WALL_TOP, C.grey);
    const b = this.bricks;
    for (let r = 0; r < BRICK_ROWS; r++) {
      const color = ROW_COLORS[r];
      const y = BRICK_TOP + r * BRICK_H;
      // Each run of standing bricks is one rectangle: the same pixels as brick by brick, in fewer calls.
      let c = 0;
      while (c < BRICK_COLS) {
        if (b[r * BRICK_COLS + c] === 0) {
          c++;
          continue;
        }
        const start = c;
        while (c < BRICK_COLS && b[r * BRICK_COLS + c] !== 0) c++;
        s.rect(FIELD_LEFT + start * BRICK_W, y, (c - start) * BRICK_W, BRICK_H, color);
      }
    }
    s.rect(this.paddleX, PADDLE_Y, this.paddleW, PADDLE_H, C.breakoutPaddle);
    // A lost ball's successor appears on the paddle after the pause.
    if (this.inPlay || this.serveWait <= AUTO_SERVE) s.rect(this.ballX, this.ballY, BALL_W, BALL_H, C.breakoutPaddle);
  }

  getState() {
    return takeSnapshot(this, KEYS);
  }

  setState(state: unknown): void {
    // Range checks that the type checks of restoreSnapshot cannot make (a speed level past the table would
    // turn the ball's velocity into NaN); made first so a bad snapshot leaves the game as it was.
    if (isRecord(state)) {
      const what = 'Breakout state';
      const int = (k: string, lo: number, hi: number) => {
        const v = state[k];
        if (typeof v === 'number' && !(Number.isInteger(v) && v >= lo && v <= hi)) {
          throw new TypeError(`${what}.${k} must be an integer in [${lo}, ${hi}], got ${describe(v)}`);
        }
      };
      int('speedLevel', 0, SPEEDS.length - 1);
      int('wall', 0, 1);
      int('livesLeft', 0, LIVES);
      int('bricksLeft', 0, N_BRICKS);
      const w = state.paddleW;
      if (typeof w === 'number' && w !== PADDLE_W && w !== PADDLE_W_SMALL) {
        throw new TypeError(`${what}.paddleW must be ${PADDLE_W} or ${PADDLE_W_SMALL}, got ${describe(w)}`);
      }
      const b = state.bricks;
      if (Array.isArray(b) && b.length === N_BRICKS) {
        let standing = 0;
        for (let i = 0; i < N_BRICKS; i++) {
          if (b[i] !== 0 && b[i] !== 1) throw new TypeError(`${what}.bricks[${i}] must be 0 or 1, got ${describe(b[i])}`);
          standing += b[i] as number;
        }
        if (typeof state.bricksLeft === 'number' && state.bricksLeft !== standing) {
          throw new TypeError(`${what}.bricksLeft is ${state.bricksLeft} but ${standing} bricks stand`);
        }
      }
    }
    restoreSnapshot(this, KEYS, state, 'Breakout state');
  }
}
