/**
 * Pong: the player (green, right) against the built-in opponent (orange, left). First to 21 points ends the
 * game; each point is +1 or -1. The opponent tracks the ball at a limited speed, so returns hit off the edge
 * of the paddle (steep angles) beat it, as in the Atari original.
 */
import { type Game, type GameSpec, clampUnit } from '../game.js';
import type { Rng } from '../rng.js';
import { C, type Screen } from '../screen.js';
import { restoreSnapshot, takeSnapshot } from '../snapshot.js';

const TOP = 34; // first row of the playing field
const BOTTOM = 194; // first row below it
const PADDLE_H = 16;
const PADDLE_W = 4;
const BALL_W = 2;
const BALL_H = 4;
const OPP_X = 16;
const PLAYER_X = 140;
const WIN_POINTS = 21;
const SERVE_DELAY = 40; // frames the ball waits at the centre before a serve
const BALL_SPEED_X = 2; // horizontal speed of a serve, px/frame
const BALL_MAX_SPEED_X = 4;
const BALL_MAX_SPEED_Y = 3.2;
const PADDLE_ACCEL = 0.8;
const PADDLE_MAX_SPEED = 4.5;
const PADDLE_FRICTION = 0.6;
const OPP_MAX_SPEED = 1.75; // slower than the steepest returns: the opponent can be beaten

const SPEC: GameSpec = {
  id: 'Pong',
  actions: ['NOOP', 'FIRE', 'RIGHT', 'LEFT', 'RIGHTFIRE', 'LEFTFIRE'],
  ram: [
    { name: 'ball.x', doc: 'ball centre x; 0 = left edge, 1 = right edge of the screen' },
    { name: 'ball.y', doc: 'ball centre y; 0 = top wall, 1 = bottom wall' },
    { name: 'ball.vx', doc: 'ball x velocity / 4 px per frame (positive = towards the player)' },
    { name: 'ball.vy', doc: 'ball y velocity / 3.2 px per frame (positive = down)' },
    { name: 'player.y', doc: 'player paddle centre y; 0 = top wall, 1 = bottom wall' },
    { name: 'player.vy', doc: 'player paddle velocity / 4.5 px per frame' },
    { name: 'player.toBall', doc: 'ball centre y minus player paddle centre y, / field height (positive = ball below)' },
    { name: 'opponent.y', doc: 'opponent paddle centre y; 0 = top wall, 1 = bottom wall' },
    { name: 'ball.inPlay', doc: '1 while the ball is in play, 0 while it waits to be served' },
    { name: 'score.player', doc: 'player points / 21', leaksScore: true },
    { name: 'score.opponent', doc: 'opponent points / 21', leaksScore: true },
  ],
  scoreRows: [0, 24],
  summary: 'Return the ball past the orange opponent; first to 21 points wins. RIGHT moves up, LEFT moves down.',
};

const KEYS = [
  'ballX', 'ballY', 'ballVx', 'ballVy', 'playerY', 'playerVy', 'oppY',
  'serveTimer', 'playerPoints', 'oppPoints', 'rally',
] as const;

export class Pong implements Game {
  readonly spec = SPEC;
  private ballX = 0;
  private ballY = 0;
  private ballVx = 0;
  private ballVy = 0;
  private playerY = 0;
  private playerVy = 0;
  private oppY = 0;
  private serveTimer = 0;
  private playerPoints = 0;
  private oppPoints = 0;
  private rally = 0;

  get score(): number {
    return this.playerPoints - this.oppPoints;
  }
  get lives(): number {
    return 0;
  }
  get over(): boolean {
    return this.playerPoints >= WIN_POINTS || this.oppPoints >= WIN_POINTS;
  }

  constructor(private readonly rng: Rng) {}

  reset(): void {
    this.playerPoints = 0;
    this.oppPoints = 0;
    this.playerY = (TOP + BOTTOM - PADDLE_H) / 2;
    this.oppY = this.playerY;
    this.playerVy = 0;
    this.newServe();
  }

  private newServe(): void {
    this.ballX = (160 - BALL_W) / 2;
    this.ballY = (TOP + BOTTOM - BALL_H) / 2;
    this.ballVx = 0;
    this.ballVy = 0;
    this.rally = 0;
    this.serveTimer = SERVE_DELAY;
  }

  tick(action: number): number {
    if (this.over) return 0;
    // Player paddle: RIGHT moves up, LEFT moves down (ALE's paddle mapping), with a little inertia.
    const up = action === 2 || action === 4;
    const down = action === 3 || action === 5;
    if (up) this.playerVy = Math.max(-PADDLE_MAX_SPEED, this.playerVy - PADDLE_ACCEL);
    else if (down) this.playerVy = Math.min(PADDLE_MAX_SPEED, this.playerVy + PADDLE_ACCEL);
    else this.playerVy *= PADDLE_FRICTION;
    this.playerY += this.playerVy;
    if (this.playerY < TOP || this.playerY > BOTTOM - PADDLE_H) {
      this.playerY = this.playerY < TOP ? TOP : BOTTOM - PADDLE_H;
      this.playerVy = 0;
    }

    // Opponent: follows the ball while it approaches, drifts back to the centre otherwise.
    const target = this.ballVx < 0 ? this.ballY + BALL_H / 2 - PADDLE_H / 2 : (TOP + BOTTOM - PADDLE_H) / 2;
    const d = target - this.oppY;
    this.oppY += d > OPP_MAX_SPEED ? OPP_MAX_SPEED : d < -OPP_MAX_SPEED ? -OPP_MAX_SPEED : d;
    if (this.oppY < TOP) this.oppY = TOP;
    if (this.oppY > BOTTOM - PADDLE_H) this.oppY = BOTTOM - PADDLE_H;

    if (this.serveTimer > 0) {
      this.serveTimer--;
      if (this.serveTimer === 0) {
        this.ballVx = this.rng.next() < 0.5 ? -BALL_SPEED_X : BALL_SPEED_X;
        this.ballVy = (this.rng.next() < 0.5 ? -1 : 1) * this.rng.range(0.5, 1.5);
      }
      return 0;
    }

    const prevX = this.ballX;
    this.ballX += this.ballVx;
    this.ballY += this.ballVy;
    if (this.ballY < TOP) {
      this.ballY = 2 * TOP - this.ballY;
      this.ballVy = -this.ballVy;
    } else if (this.ballY > BOTTOM - BALL_H) {
      this.ballY = 2 * (BOTTOM - BALL_H) - this.ballY;
      this.ballVy = -this.ballVy;
    }

    // Paddle hits are swept along x so a fast ball cannot pass through a paddle between two frames.
    if (this.ballVx > 0 && prevX + BALL_W <= PLAYER_X && this.ballX + BALL_W >= PLAYER_X) {
      if (this.hits(this.playerY)) this.bounce(this.playerY, PLAYER_X - BALL_W);
    } else if (this.ballVx < 0 && prevX >= OPP_X + PADDLE_W && this.ballX <= OPP_X + PADDLE_W) {
      if (this.hits(this.oppY)) this.bounce(this.oppY, OPP_X + PADDLE_W);
    }

    if (this.ballX < -BALL_W) {
      this.playerPoints++;
      this.newServe();
      return 1;
    }
    if (this.ballX > 160) {
      this.oppPoints++;
      this.newServe();
      return -1;
    }
    return 0;
  }

  private hits(paddleY: number): boolean {
    return this.ballY + BALL_H >= paddleY && this.ballY <= paddleY + PADDLE_H;
  }

  /** Reflects the ball off a paddle; the further from its centre it hits, the steeper it leaves. */
  private bounce(paddleY: number, x: number): void {
    const offset = (this.ballY + BALL_H / 2 - (paddleY + PADDLE_H / 2)) / ((PADDLE_H + BALL_H) / 2);
    this.rally++;
    const speedX = Math.min(BALL_MAX_SPEED_X, BALL_SPEED_X + 0.15 * this.rally);
    this.ballVx = this.ballVx > 0 ? -speedX : speedX;
    this.ballVy = clampUnit(offset) * BALL_MAX_SPEED_Y;
    this.ballX = x;
  }

  writeRam(out: Float32Array, o: number): void {
    const field = BOTTOM - TOP;
    // The ball leaves the screen by a pixel or two before a point is scored.
    out[o] = clampUnit((this.ballX + BALL_W / 2) / 160);
    out[o + 1] = (this.ballY + BALL_H / 2 - TOP) / field;
    out[o + 2] = this.ballVx / BALL_MAX_SPEED_X;
    out[o + 3] = this.ballVy / BALL_MAX_SPEED_Y;
    out[o + 4] = (this.playerY + PADDLE_H / 2 - TOP) / field;
    out[o + 5] = this.playerVy / PADDLE_MAX_SPEED;
    out[o + 6] = (this.ballY + BALL_H / 2 - (this.playerY + PADDLE_H / 2)) / field;
    out[o + 7] = (this.oppY + PADDLE_H / 2 - TOP) / field;
    out[o + 8] = this.serveTimer > 0 ? 0 : 1;
    out[o + 9] = this.playerPoints / WIN_POINTS;
    out[o + 10] = this.oppPoints / WIN_POINTS;
  }

  draw(s: Screen): void {
    s.clear(C.pongField);
    s.rect(0, 24, 160, TOP - 24, C.pongBorder);
    s.rect(0, BOTTOM, 160, 210 - BOTTOM, C.pongBorder);
    s.number(this.oppPoints, 48, 2, C.pongOpponent, 4);
    s.number(this.playerPoints, 128, 2, C.pongPlayer, 4);
    s.rect(OPP_X, this.oppY, PADDLE_W, PADDLE_H, C.pongOpponent);
    s.rect(PLAYER_X, this.playerY, PADDLE_W, PADDLE_H, C.pongPlayer);
    if (this.serveTimer === 0) s.rect(this.ballX, this.ballY, BALL_W, BALL_H, C.white);
  }

  getState() {
    return takeSnapshot(this, KEYS);
  }

  setState(state: unknown): void {
    restoreSnapshot(this, KEYS, state, 'Pong state');
  }
}
