import { describe, expect, it } from 'vitest';
import { Breakout } from '../../src/env/games/breakout.js';
import { makeEnv } from '../../src/env/index.js';
import { Rng } from '../../src/env/rng.js';
import type { Snapshot } from '../../src/env/snapshot.js';

const NOOP = 0;
const FIRE = 1;
const RIGHT = 2;
const LEFT = 3;

// Layout (see breakout.ts): bricks are 8x6 from x = 8 and y = 57, 18 columns, 6 rows; paddle top at y = 189.
const brickX = (c: number) => 8 + 8 * c;
const brickY = (r: number) => 57 + 6 * r;
const PADDLE_Y = 189;

function fresh(seed = 1): Breakout {
  const game = new Breakout(new Rng(seed));
  game.reset();
  return game;
}

/** A game in a crafted state: the reset state with `fields` replaced (`bricksLeft` follows `bricks`). */
function crafted(fields: Snapshot, seed = 1): Breakout {
  const game = fresh(seed);
  const bricksLeft = Array.isArray(fields.bricks) ? fields.bricks.reduce((a, b) => a + b, 0) : 108;
  game.setState({ ...game.getState(), bricksLeft, ...fields });
  return game;
}

interface State {
  ballX: number;
  ballY: number;
  ballVx: number;
  ballVy: number;
  inPlay: boolean;
  paddleX: number;
  paddleW: number;
  wall: number;
  bricksLeft: number;
  bricks: number[];
}

function state(game: Breakout): State {
  return game.getState() as unknown as State;
}

const speed = (g: Breakout) => Math.hypot(state(g).ballVx, state(g).ballVy);

/** Bricks with the given [row, col] cells removed. */
function bricksWithout(...cells: [number, number][]): number[] {
  const b = new Array<number>(108).fill(1);
  for (const [r, c] of cells) b[r * 18 + c] = 0;
  return b;
}

/** Ticks until a frame gives a reward (or `max` frames pass); returns that reward. */
function untilReward(game: Breakout, max = 200): number {
  for (let i = 0; i < max; i++) {
    const r = game.tick(NOOP);
    if (r !== 0) return r;
  }
  return 0;
}

describe('Breakout mechanics', () => {
  it('has the ALE minimal action set and score rows above the walls', () => {
    const game = fresh();
    expect(game.spec.actions).toEqual(['NOOP', 'FIRE', 'RIGHT', 'LEFT']);
    expect(game.spec.scoreRows[1]).toBeLessThanOrEqual(20);
    expect(game.lives).toBe(5);
    expect(game.score).toBe(0);
    expect(game.over).toBe(false);
  });

  it('keeps a new ball on the paddle until FIRE, which serves it upwards', () => {
    const game = fresh();
    for (let i = 0; i < 20; i++) game.tick(RIGHT);
    let s = state(game);
    expect(s.inPlay).toBe(false);
    expect(s.ballX + 1).toBeCloseTo(s.paddleX + s.paddleW / 2);
    expect(s.ballY + 4).toBe(PADDLE_Y);
    game.tick(FIRE);
    s = state(game);
    expect(s.inPlay).toBe(true);
    expect(s.ballVy).toBeLessThan(0);
    game.tick(NOOP);
    expect(state(game).ballY).toBeLessThan(PADDLE_Y - 4);
  });

  it('serves by itself after two seconds without FIRE', () => {
    const game = fresh();
    for (let i = 0; i < 119; i++) game.tick(NOOP);
    expect(state(game).inPlay).toBe(false);
    game.tick(NOOP);
    expect(state(game).inPlay).toBe(true);
  });

  it('gives each row its points, and the reward equals the score change', () => {
    // The bottom (blue) row: 1 point.
    let game = crafted({ inPlay: true, ballX: brickX(5) + 3, ballY: 110, ballVx: 0, ballVy: -1.5 });
    expect(untilReward(game)).toBe(1);
    expect(game.score).toBe(1);
    expect(state(game).bricks[5 * 18 + 5]).toBe(0);
    expect(state(game).bricksLeft).toBe(107);
    expect(state(game).ballVy).toBeGreaterThan(0); // bounced back down

    // Through a gap to the amber row (4 points) and to the red row (7 points).
    const gapTo = (row: number) => {
      const cells: [number, number][] = [];
      for (let r = row + 1; r < 6; r++) cells.push([r, 9]);
      return bricksWithout(...cells);
    };
    game = crafted({ inPlay: true, ballX: brickX(9) + 3, ballY: 110, ballVx: 0, ballVy: -1.5, bricks: gapTo(2) });
    expect(untilReward(game)).toBe(4);
    expect(game.score).toBe(4);
    game = crafted({ inPlay: true, ballX: brickX(9) + 3, ballY: 110, ballVx: 0, ballVy: -1.5, bricks: gapTo(0), points: 10 });
    expect(untilReward(game)).toBe(7);
    expect(game.score).toBe(17);
  });

  it('rewards sum to the score over a random-policy episode', () => {
    const env = makeEnv('Breakout', { repeatActionProbability: 0.25 });
    env.reset({ seed: 3 });
    const policy = new Rng(4);
    let total = 0;
    for (let t = 0; t < 5000 && !env.done; t++) total += env.step(policy.int(4)).reward;
    expect(env.done).toBe(true);
    expect(total).toBe(env.info().score);
  });

  it('breaks only one brick per contact and never lets the ball through a brick, even at top speed', () => {
    // Straight up at several times the top speed into a full wall: the bottom brick goes, nothing above it.
    for (const vy of [-3.5, -12, -30]) {
      const game = crafted({ inPlay: true, ballX: brickX(4) + 3, ballY: 100, ballVx: 0, ballVy: vy, speedLevel: 4 });
      let reward = 0;
      for (let i = 0; i < 3; i++) reward += game.tick(NOOP);
      expect(reward, `vy ${vy}`).toBe(1);
      const s = state(game);
      expect(s.bricksLeft).toBe(107);
      expect(s.bricks[5 * 18 + 4], `vy ${vy}`).toBe(0);
      expect(s.bricks[4 * 18 + 4], `vy ${vy}`).toBe(1);
      expect(s.ballY).toBeGreaterThanOrEqual(brickY(6));
    }
  });

  it('never ends a frame with the ball inside a standing brick, nor passes one on its way', () => {
    const rng = new Rng(11);
    const game = fresh(5);
    let checked = 0;
    for (let trial = 0; trial < 300; trial++) {
      const bricks = Array.from({ length: 108 }, (): number => (rng.next() < 0.6 ? 1 : 0));
      const angle = rng.range(0, 2 * Math.PI);
      const v = rng.range(1.5, 10);
      // Start anywhere in the field outside the bricks.
      let x = rng.range(8, 150);
      let y = rng.range(32, 185);
      const col = Math.floor((x + 1 - 8) / 8);
      if (y + 4 > 57 && y < 93) y = rng.next() < 0.5 ? 40 : 100;
      x = Math.min(Math.max(x, 8), 150);
      game.setState({
        ...game.getState(),
        inPlay: true, ballX: x, ballY: y, ballVx: v * Math.cos(angle), ballVy: v * Math.sin(angle), bricks,
        bricksLeft: bricks.reduce((a, b) => a + b, 0), paddleX: 8 + (col % 16) * 8,
      });
      for (let f = 0; f < 60; f++) {
        const p = state(game);
        game.tick(rng.int(4));
        const s = state(game);
        if (!s.inPlay) break;
        if (s.ballVx === p.ballVx && s.ballVy === p.ballVy && s.bricksLeft === p.bricksLeft) {
          // No bounce this frame: the straight path from p to s must not cross a standing brick.
          for (let t = 0; t <= 1; t += 1 / 64) {
            const x = p.ballX + (s.ballX - p.ballX) * t;
            const y = p.ballY + (s.ballY - p.ballY) * t;
            for (const [bx, by] of [[x + 0.01, y + 0.01], [x + 1.99, y + 0.01], [x + 0.01, y + 3.99], [x + 1.99, y + 3.99]]) {
              const c = Math.floor((bx - 8) / 8);
              const r = Math.floor((by - 57) / 6);
              if (r >= 0 && r < 6 && c >= 0 && c < 18 && s.bricks[r * 18 + c] === 1) {
                expect.fail(`ball passed through brick ${r},${c} from (${p.ballX}, ${p.ballY}) to (${s.ballX}, ${s.ballY})`);
              }
            }
          }
        }
        const outside = s.ballX < 8 || s.ballX + 2 > 152 || s.ballY < 32;
        if (outside) expect.fail(`ball (${s.ballX}, ${s.ballY}) left the field`);
        for (let r = 0; r < 6; r++) {
          for (let c = 0; c < 18; c++) {
            if (s.bricks[r * 18 + c] === 0) continue;
            const overlaps = s.ballX < brickX(c) + 8 && s.ballX + 2 > brickX(c) && s.ballY < brickY(r) + 6 && s.ballY + 4 > brickY(r);
            if (overlaps) expect.fail(`ball (${s.ballX}, ${s.ballY}) inside brick ${r},${c} (trial ${trial}, frame ${f})`);
          }
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(5000);
  });

  it('returns the ball off the paddle at any speed, flatter the further from its centre', () => {
    const vxAfter = (offset: number, vy: number) => {
      // Paddle centre at 80; the ball centre lands `offset` px right of it.
      const game = crafted({ inPlay: true, paddleX: 72, ballX: 79 + offset, ballY: PADDLE_Y - 4 - 2 * vy, ballVx: 0, ballVy: vy });
      for (let i = 0; i < 3; i++) game.tick(NOOP);
      const s = state(game);
      expect(s.ballVy, `offset ${offset}, vy ${vy}`).toBeLessThan(0);
      expect(game.lives).toBe(5);
      return s.ballVx;
    };
    expect(vxAfter(7, 1.5)).toBeGreaterThan(vxAfter(2, 1.5));
    expect(vxAfter(2, 1.5)).toBeGreaterThan(0);
    expect(vxAfter(-7, 1.5)).toBeLessThan(vxAfter(-2, 1.5));
    expect(vxAfter(-2, 1.5)).toBeLessThan(0);
    // A ball far faster than the game ever makes still meets the paddle.
    expect(vxAfter(0, 20)).not.toBe(0);
  });

  it('loses a life when the ball passes the paddle, and the next ball waits', () => {
    const game = crafted({ inPlay: true, paddleX: 8, ballX: 120, ballY: 180, ballVx: 0, ballVy: 2 });
    let reward = 0;
    for (let i = 0; i < 20; i++) reward += game.tick(NOOP);
    expect(reward).toBe(0);
    expect(game.lives).toBe(4);
    expect(state(game).inPlay).toBe(false);
    // FIRE does nothing during the pause after a lost ball, then serves.
    game.tick(FIRE);
    expect(state(game).inPlay).toBe(false);
    for (let i = 0; i < 60; i++) game.tick(FIRE);
    expect(state(game).inPlay).toBe(true);
    expect(game.over).toBe(false);
  });

  it('ends the episode (terminated) when the last ball is lost', () => {
    const env = makeEnv('Breakout', { repeatActionProbability: 0, noopMax: 0 });
    env.reset({ seed: 1 });
    const snap = env.getState();
    const emulator = snap.emulator as { game: Snapshot };
    emulator.game = { ...emulator.game, livesLeft: 1, inPlay: true, paddleX: 8, ballX: 120, ballY: 185, ballVx: 0, ballVy: 2 };
    env.setState(snap);
    const r = env.step(NOOP);
    expect(env.step(NOOP).terminated || r.terminated).toBe(true);
    expect(env.info().lives).toBe(0);
    expect(env.truncated).toBe(false);
  });

  it('speeds the ball up after 4 and 12 hits and on the first orange and red contact', () => {
    const hitBlue = (fields: Snapshot) => {
      const game = crafted({ inPlay: true, ballX: brickX(5) + 3, ballY: 110, ballVx: 0.9, ballVy: -1.2, ...fields });
      const before = speed(game);
      untilReward(game);
      return speed(game) / before;
    };
    expect(hitBlue({ hits: 0 })).toBeCloseTo(1);
    expect(hitBlue({ hits: 3 })).toBeCloseTo(2 / 1.5); // the 4th hit: level 0 -> 1
    expect(hitBlue({ hits: 5, speedLevel: 1, ballVx: 1.2, ballVy: -1.6 })).toBeCloseTo(1);
    expect(hitBlue({ hits: 11, speedLevel: 1, ballVx: 1.2, ballVy: -1.6 })).toBeCloseTo(2.5 / 2); // the 12th

    const hitRow = (row: number, fields: Snapshot) => {
      const cells: [number, number][] = [];
      for (let r = row + 1; r < 6; r++) cells.push([r, 9]);
      const game = crafted({ inPlay: true, ballX: brickX(9) + 3, ballY: 110, ballVx: 0, ballVy: -1.5, hits: 5, bricks: bricksWithout(...cells), ...fields });
      const before = speed(game);
      expect(untilReward(game)).toBe(7);
      return speed(game) / before;
    };
    expect(hitRow(1, {})).toBeCloseTo(2 / 1.5); // first orange contact
    expect(hitRow(1, { hitOrange: true })).toBeCloseTo(1); // only the first
    expect(hitRow(0, { hitOrange: true })).toBeCloseTo(2 / 1.5); // first red contact
    expect(hitRow(0, { hitOrange: true, hitRed: true })).toBeCloseTo(1);
  });

  it('starts each new ball slow again', () => {
    const game = crafted({ inPlay: true, paddleX: 8, ballX: 120, ballY: 180, ballVx: 0, ballVy: 3.5, speedLevel: 4, hits: 20 });
    for (let i = 0; i < 10; i++) game.tick(NOOP);
    for (let i = 0; i < 200 && !state(game).inPlay; i++) game.tick(FIRE);
    expect(state(game).inPlay).toBe(true);
    expect(speed(game)).toBeCloseTo(1.5);
  });

  it('halves the paddle when the ball first reaches the top wall', () => {
    const cells: [number, number][] = [];
    for (let r = 0; r < 6; r++) cells.push([r, 3]);
    const game = crafted({ inPlay: true, ballX: brickX(3) + 3, ballY: 110, ballVx: 0, ballVy: -3, bricks: bricksWithout(...cells) });
    expect(state(game).paddleW).toBe(16);
    let reward = 0;
    for (let i = 0; i < 40; i++) reward += game.tick(NOOP);
    expect(reward).toBe(0);
    expect(state(game).paddleW).toBe(8);
    expect(state(game).ballVy).toBeGreaterThan(0);
  });

  it('brings a second wall when the first is cleared, and ends the game when that one is cleared', () => {
    const last = bricksWithout();
    last.fill(0);
    last[5 * 18 + 5] = 1;
    const setup = { inPlay: true, ballX: brickX(5) + 3, ballY: 110, ballVx: 0, ballVy: -1.5, bricks: last, bricksLeft: 1 };
    let game = crafted({ ...setup, points: 431 });
    expect(untilReward(game)).toBe(1);
    expect(state(game).wall).toBe(1);
    expect(state(game).bricksLeft).toBe(108);
    expect(state(game).bricks.every((b) => b === 1)).toBe(true);
    expect(game.over).toBe(false);

    game = crafted({ ...setup, wall: 1, points: 863 });
    expect(untilReward(game)).toBe(1);
    expect(game.score).toBe(864);
    expect(game.over).toBe(true);
    expect(game.tick(FIRE)).toBe(0);
  });

  it('moves the paddle with RIGHT and LEFT, stopping at the walls', () => {
    const game = fresh();
    const x0 = state(game).paddleX;
    game.tick(RIGHT);
    expect(state(game).paddleX).toBeGreaterThan(x0);
    for (let i = 0; i < 100; i++) game.tick(LEFT);
    expect(state(game).paddleX).toBe(8);
    for (let i = 0; i < 100; i++) game.tick(RIGHT);
    expect(state(game).paddleX).toBe(152 - 16);
  });
});

describe('Breakout state and features', () => {
  it('replays identically from a snapshot, also after a JSON round trip', () => {
    const env = makeEnv('Breakout', { repeatActionProbability: 0.25 });
    env.reset({ seed: 8 });
    const policy = new Rng(2);
    for (let t = 0; t < 40; t++) env.step(policy.int(4));
    const snap = JSON.parse(JSON.stringify(env.getState())) as unknown;
    const actions = Array.from({ length: 300 }, () => policy.int(4));
    const run = () => {
      const out: number[] = [];
      for (const a of actions) {
        if (env.done) break;
        const r = env.step(a);
        out.push(r.reward, ...(r.obs as Float32Array));
      }
      return out;
    };
    const first = run();
    env.setState(snap);
    expect(run()).toEqual(first);
  });

  it('rejects a malformed snapshot, naming the field', () => {
    const game = fresh();
    const s = game.getState();
    expect(() => game.setState({ ...s, ballX: 'x' })).toThrow(/ballX/);
    expect(() => game.setState({ ...s, bricks: [1, 0] })).toThrow(/bricks/);
    const { hitRed: _, ...missing } = s;
    expect(() => game.setState(missing)).toThrow(/hitRed/);
    expect(() => game.setState({ ...s, speedLevel: 5 })).toThrow(/speedLevel/);
    expect(() => game.setState({ ...s, bricks: new Array(108).fill(2) })).toThrow(/bricks/);
    expect(() => game.setState({ ...s, bricksLeft: 100 })).toThrow(/bricksLeft/);
    // A rejected snapshot leaves the game as it was.
    expect(game.getState()).toEqual(s);
  });

  it('writes documented ram features in [-1, 1] that follow the ball, paddle and bricks', () => {
    const game = crafted({ inPlay: true, ballX: 40, ballY: 150, ballVx: -3.5, ballVy: 3.5, paddleX: 100, bricks: bricksWithout([0, 0]) });
    const n = game.spec.ram.length;
    expect(n).toBe(13 + 108);
    for (const f of game.spec.ram) expect(f.doc.length).toBeGreaterThan(10);
    const out = new Float32Array(n + 2).fill(9);
    game.writeRam(out, 1);
    expect(out[0]).toBe(9);
    expect(out[n + 1]).toBe(9);
    const ram = out.subarray(1, n + 1);
    for (const v of ram) expect(v >= -1 && v <= 1).toBe(true);
    const at = (name: string) => ram[game.spec.ram.findIndex((f) => f.name === name)];
    expect(at('ball.x')).toBeCloseTo(41 / 160);
    expect(at('ball.vx')).toBeCloseTo(-1);
    expect(at('ball.vy')).toBeCloseTo(1);
    expect(at('paddle.x')).toBeCloseTo(108 / 160);
    expect(at('ball.dx')).toBeCloseTo((41 - 108) / 80);
    expect(at('ball.landDx')).toBe(-1); // (12 - 108) / 16, clamped; see below

    expect(at('lives')).toBe(1);
    expect(at('brick.0.0')).toBe(0);
    expect(at('brick.0.1')).toBe(1);

    // Falling at 45 degrees from x = 40: 35 px to the paddle row, 3 px past the left wall, back to x = 11.
    const near = crafted({ inPlay: true, ballX: 40, ballY: 150, ballVx: -3.5, ballVy: 3.5, paddleX: 12 });
    near.writeRam(out, 1);
    expect(at('ball.landDx')).toBeCloseTo((12 - 20) / 16);
    near.setState({ ...near.getState(), ballVy: -3.5 });
    near.writeRam(out, 1);
    expect(at('ball.landDx')).toBe(0); // rising

    // Random play keeps every feature in range.
    const env = makeEnv('Breakout', {});
    env.reset({ seed: 2 });
    const policy = new Rng(3);
    let bad = 0;
    for (let t = 0; t < 2000 && !env.done; t++) {
      for (const v of env.step(policy.int(4)).obs) if (!(v >= -1 && v <= 1)) bad++;
    }
    expect(bad).toBe(0);
  });

  it('draws the wall, paddle and ball in the right places', () => {
    const game = crafted({ inPlay: true, ballX: 60, ballY: 150, ballVx: 1, ballVy: 1, paddleX: 100 });
    const env = makeEnv('Breakout', { noopMax: 0 });
    env.reset({ seed: 1 });
    const snap = env.getState();
    (snap.emulator as { game: Snapshot }).game = game.getState();
    env.setState(snap);
    const rgba = env.render();
    const px = (x: number, y: number) => rgba[(y * 160 + x) * 4] + rgba[(y * 160 + x) * 4 + 1] + rgba[(y * 160 + x) * 4 + 2];
    expect(px(61, 152)).toBeGreaterThan(0); // ball
    expect(px(58, 152)).toBe(0);
    expect(px(108, 190)).toBeGreaterThan(0); // paddle
    expect(px(80, 60)).toBeGreaterThan(0); // a brick
    expect(px(80, 110)).toBe(0); // empty field
    expect(px(2, 100)).toBeGreaterThan(0); // left wall
  });
});
