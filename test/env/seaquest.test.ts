import { describe, expect, it } from 'vitest';
import { Seaquest } from '../../src/env/games/seaquest.js';
import { makeEnv } from '../../src/env/index.js';
import { Rng } from '../../src/env/rng.js';

const NOOP = 0;
const FIRE = 1;
const UP = 2;
const DOWN = 5;
const SURFACE_Y = 41; // the sub's top row when surfaced
const laneTop = (lane: number) => 71 + 23 * lane - 4;
const quiet = {
  eMask: [0, 0, 0, 0],
  eTimer: [99_999, 99_999, 99_999, 99_999],
  tActive: [0, 0, 0, 0],
  dActive: [0, 0, 0, 0],
  dTimer: [99_999, 99_999, 99_999, 99_999],
};

/** A game past its first refill, with empty lanes that stay empty, then `overrides` applied to the state. */
function playing(overrides: Record<string, unknown> = {}): Seaquest {
  const game = new Seaquest(new Rng(1));
  game.reset();
  for (let i = 0; i < 64; i++) game.tick(NOOP); // the tank fills before the sub can move
  expect(game.getState().phase).toBe(0);
  game.setState({ ...game.getState(), ...quiet, ...overrides });
  return game;
}

/** The player sub level with lane `lane`, under water, facing right. */
const inLane = (lane: number) => ({ playerX: 40, playerY: laneTop(lane), facing: 1, dived: true });

describe('Seaquest mechanics', () => {
  it('waits at the surface while the tank fills, then can dive', () => {
    const game = new Seaquest(new Rng(1));
    game.reset();
    game.tick(DOWN);
    expect(game.getState().playerY).toBe(SURFACE_Y);
    for (let i = 0; i < 64; i++) game.tick(NOOP);
    for (let i = 0; i < 5; i++) game.tick(DOWN);
    expect(game.getState().playerY).toBe(SURFACE_Y + 5);
  });

  it('scores 20 for torpedoing a shark, and the reward is the score change', () => {
    const game = playing({ ...inLane(1), eMask: [0, 1, 0, 0], eType: [0, 0, 0, 0], eDir: [0, -1, 0, 0], eX: [0, 100, 0, 0] });
    let total = 0;
    let hitFrame = -1;
    for (let f = 0; f < 40; f++) {
      const before = game.score;
      const r = game.tick(FIRE);
      expect(game.score - before).toBe(r);
      total += r;
      if (r > 0 && hitFrame < 0) hitFrame = f;
    }
    expect(total).toBe(20);
    expect(game.score).toBe(20);
    expect(hitFrame).toBeGreaterThan(0);
    expect(game.getState().eMask).toEqual([0, 0, 0, 0]);
    expect(game.lives).toBe(4);
  });

  it('misses an enemy in another lane', () => {
    const game = playing({ ...inLane(0), eMask: [0, 1, 0, 0], eType: [0, 0, 0, 0], eDir: [0, -1, 0, 0], eX: [0, 100, 0, 0] });
    let total = 0;
    for (let f = 0; f < 40; f++) total += game.tick(FIRE);
    expect(total).toBe(0);
    expect(game.getState().eMask).toEqual([0, 1, 0, 0]);
  });

  it('raises the value of a kill after a successful surfacing', () => {
    const game = playing({ ...inLane(2), level: 2, eMask: [0, 0, 1, 0], eType: [0, 0, 1, 0], eDir: [0, 0, -1, 0], eX: [0, 0, 90, 0], eFire: [999, 999, 999, 999] });
    let total = 0;
    for (let f = 0; f < 40; f++) total += game.tick(FIRE);
    expect(total).toBe(40);
  });

  it('loses a life on touching an enemy, and brings the next sub up at the surface', () => {
    const game = playing({ ...inLane(3), eMask: [0, 0, 0, 1], eType: [0, 0, 0, 0], eDir: [0, 0, 0, -1], eX: [0, 0, 0, 58] });
    let frames = 0;
    while (game.lives === 4 && frames < 20) {
      game.tick(NOOP);
      frames++;
    }
    expect(game.lives).toBe(3);
    expect(frames).toBeLessThan(20);
    expect(game.over).toBe(false);
    for (let i = 0; i < 61; i++) game.tick(NOOP);
    const s = game.getState();
    expect(s.playerY).toBe(SURFACE_Y);
    expect(s.dived).toBe(false);
    expect(s.eMask).toEqual([0, 0, 0, 0]);
  });

  it('loses a life on being hit by an enemy torpedo', () => {
    const game = playing({ ...inLane(1), tActive: [0, 1, 0, 0], tX: [0, 70, 0, 0], tDir: [0, -1, 0, 0] });
    for (let f = 0; f < 30; f++) game.tick(NOOP);
    expect(game.lives).toBe(3);
  });

  it('enemy subs fire along their lane', () => {
    const game = playing({ ...inLane(0), eMask: [0, 1, 0, 0], eType: [0, 1, 0, 0], eDir: [0, 1, 0, 0], eX: [0, 20, 0, 0], eFire: [0, 2, 0, 0] });
    for (let f = 0; f < 3; f++) game.tick(NOOP);
    const s = game.getState();
    expect(s.tActive).toEqual([0, 1, 0, 0]);
    expect((s.tX as number[])[1]).toBeGreaterThan(30);
  });

  it('collects a diver by touching it', () => {
    const game = playing({ ...inLane(2), divers: 2, dActive: [0, 0, 1, 0], dX: [0, 0, 50, 0], dDir: [0, 0, -1, 0] });
    game.tick(NOOP);
    expect(game.getState().divers).toBe(3);
    expect(game.getState().dActive).toEqual([0, 0, 0, 0]);
  });

  it('loses a life when the oxygen runs out', () => {
    const game = playing({ ...inLane(1), oxygen: 5 });
    for (let f = 0; f < 4; f++) game.tick(NOOP);
    expect(game.lives).toBe(4);
    game.tick(NOOP);
    expect(game.lives).toBe(3);
  });

  it('does not use oxygen at the surface before the dive', () => {
    const game = playing({ oxygen: 5 });
    for (let f = 0; f < 50; f++) game.tick(NOOP);
    expect(game.lives).toBe(4);
  });

  it('surfacing with a diver refills the tank, uses the diver and scores 20 per oxygen unit left', () => {
    const game = playing({ playerY: SURFACE_Y + 1, dived: true, divers: 2, oxygen: 40 * 32 });
    const r = game.tick(UP);
    expect(r).toBe(800);
    expect(game.score).toBe(800);
    expect(game.lives).toBe(4);
    let s = game.getState();
    expect(s.divers).toBe(1);
    expect(s.level).toBe(1);
    for (let f = 0; f < 64; f++) game.tick(NOOP);
    s = game.getState();
    expect(s.oxygen).toBe(64 * 32);
    expect(s.phase).toBe(0);
    expect(s.dived).toBe(false);
  });

  it('surfacing with six divers pays the diver bonus and uses them all', () => {
    const game = playing({ playerY: SURFACE_Y + 1, dived: true, divers: 6, oxygen: 10 * 32 });
    expect(game.tick(UP)).toBe(10 * 20 + 6 * 50);
    expect(game.getState().divers).toBe(0);
  });

  it('surfacing with no divers after a dive loses a life', () => {
    const game = playing({ playerY: SURFACE_Y + 1, dived: true, divers: 0 });
    expect(game.tick(UP)).toBe(0);
    expect(game.lives).toBe(3);
    expect(game.score).toBe(0);
  });

  it('ends the game at 0 lives, as a termination', () => {
    const env = makeEnv('Seaquest', { repeatActionProbability: 0, noopMax: 0 });
    env.reset({ seed: 1 });
    for (let i = 0; i < 16; i++) env.step(NOOP); // the first refill
    const state = env.getState();
    const emulator = state.emulator as { game: Record<string, unknown> };
    emulator.game = { ...emulator.game, ...quiet, ...inLane(0), livesLeft: 1, divers: 0, playerY: SURFACE_Y + 1 };
    env.setState(state);
    const r = env.step(UP);
    expect(r.terminated).toBe(true);
    expect(r.truncated).toBe(false);
    expect(r.info.lives).toBe(0);
    expect(() => env.step(NOOP)).toThrow();
  });

  it('ends random-policy episodes by itself, with all four lives lost', () => {
    const env = makeEnv('Seaquest', { repeatActionProbability: 0.25 });
    env.reset({ seed: 3 });
    const policy = new Rng(9);
    let steps = 0;
    while (!env.done && steps < 20_000) {
      env.advance(policy.int(18));
      steps++;
    }
    expect(env.terminated).toBe(true);
    expect(env.info().lives).toBe(0);
    expect(steps).toBeGreaterThan(100);
  });
});

describe('Seaquest snapshots and features', () => {
  it('replays identical rewards and frames from a snapshot, also through JSON', () => {
    const env = makeEnv('Seaquest', { obsType: 'ram' });
    env.reset({ seed: 11 });
    const policy = new Rng(4);
    for (let t = 0; t < 300 && !env.done; t++) env.step(policy.int(18));
    const snap = JSON.parse(JSON.stringify(env.getState())) as unknown;
    const actions = Array.from({ length: 400 }, () => policy.int(18));
    const run = () => {
      const out: number[] = [];
      for (const a of actions) {
        if (env.done) break;
        out.push(env.step(a).reward, ...env.obs);
      }
      return out;
    };
    const first = run();
    env.setState(snap);
    expect(run()).toEqual(first);
    const fresh = makeEnv('Seaquest', { obsType: 'ram' });
    fresh.setState(snap);
    const again: number[] = [];
    for (const a of actions) {
      if (fresh.done) break;
      again.push(fresh.step(a).reward, ...fresh.obs);
    }
    expect(again).toEqual(first);
  });

  it('snapshots every field of the game', () => {
    const game = new Seaquest(new Rng(1));
    game.reset();
    const fields = Object.keys(game).filter((k) => k !== 'spec' && k !== 'rng');
    expect(Object.keys(game.getState()).sort()).toEqual(fields.sort());
  });

  it('rejects a malformed snapshot naming the field', () => {
    const game = new Seaquest(new Rng(1));
    game.reset();
    const s = game.getState();
    expect(() => game.setState({ ...s, eX: [1, 2] })).toThrow(/eX/);
    expect(() => game.setState({ ...s, oxygen: Number.NaN })).toThrow(/oxygen/);
    const { divers: _, ...missing } = s;
    expect(() => game.setState(missing)).toThrow(/divers/);
  });

  it('writes every documented ram feature inside [-1, 1] during play', () => {
    const game = new Seaquest(new Rng(2));
    game.reset();
    const n = game.spec.ram.length;
    const out = new Float32Array(n + 1).fill(Number.NaN);
    const policy = new Rng(3);
    for (let f = 0; f < 20_000; f++) {
      if (game.over) game.reset();
      game.tick(policy.int(18));
      if (f % 7 === 0) {
        game.writeRam(out, 0);
        for (let i = 0; i < n; i++) {
          if (!(out[i] >= -1 && out[i] <= 1)) throw new Error(`${game.spec.ram[i].name} = ${out[i]} at frame ${f}`);
        }
        expect(out[n]).toBeNaN();
      }
    }
    expect(new Set(game.spec.ram.map((f) => f.name)).size).toBe(n);
  });

  it('shows the lanes in the ram: an enemy group and the player position', () => {
    const game = playing({ ...inLane(2), eMask: [0, 0, 3, 0], eType: [0, 0, 1, 0], eDir: [0, 0, -1, 0], eX: [0, 0, 80, 0] });
    const out = new Float32Array(game.spec.ram.length);
    game.writeRam(out, 0);
    const at = (name: string) => out[game.spec.ram.findIndex((f) => f.name === name)];
    expect(at('lane2.enemy.active')).toBe(1);
    expect(at('lane2.enemy.type')).toBe(1);
    expect(at('lane2.enemy.dir')).toBe(-1);
    expect(at('lane2.enemy.count')).toBeCloseTo(2 / 3);
    expect(at('lane2.enemy.x0')).toBeCloseTo(80 / 160);
    expect(at('lane1.enemy.active')).toBe(0);
    expect(at('lane.depth')).toBeCloseTo(0);
    expect(at('dived')).toBe(1);
  });
});
