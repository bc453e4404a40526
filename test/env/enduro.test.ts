import { describe, expect, it } from 'vitest';
import { Enduro } from '../../src/env/games/enduro.js';
import { makeEnv } from '../../src/env/index.js';
import { Rng } from '../../src/env/rng.js';
import type { Snapshot } from '../../src/env/snapshot.js';

const NOOP = 0;
const FIRE = 1;
const RIGHT = 2;
const DOWN = 4;
const RIGHTFIRE = 7;
const LEFTFIRE = 8;
const SLOTS = 8;
const DAY_FRAMES = 7200;

function fresh(seed = 1): Enduro {
  const game = new Enduro(new Rng(seed));
  game.reset();
  return game;
}

/** A snapshot with no traffic, no bend and nothing due to spawn for a while, plus the given fields. */
function calm(game: Enduro, fields: Snapshot): Snapshot {
  const s = game.getState();
  const zeros = new Array<number>(SLOTS).fill(0);
  return {
    ...s,
    carActive: zeros, carZ: zeros, carX: zeros, carVx: zeros, carLane: zeros, carColor: zeros,
    curve: 0, curveTarget: 0, curveLeft: 1e6, spawnGap: 1e6, crash: 0,
    ...fields,
  };
}

/** Slot arrays with one car in slot 0. */
function oneCar(z: number, lane: number): Snapshot {
  const arr = (v: number) => [v, 0, 0, 0, 0, 0, 0, 0];
  return { carActive: arr(1), carZ: arr(z), carX: arr(((lane - 1) * 2) / 3), carVx: arr(0.002), carLane: arr(lane), carColor: arr(1) };
}

const speed = (g: Enduro) => g.getState().speed as number;
const carZ = (g: Enduro) => (g.getState().carZ as number[])[0];

describe('Enduro mechanics', () => {
  it('gives +1 for passing a car and -1 for being passed back, as the score changes', () => {
    const game = fresh();
    // At top speed (2) a car 0.5 ahead in another lane is passed in the next frame (traffic drives at 0.8).
    game.setState(calm(game, { ...oneCar(0.5, 2), px: -2 / 3, speed: 2 }));
    expect(game.tick(FIRE)).toBe(1);
    expect(game.score).toBe(1);
    expect(carZ(game)).toBeLessThan(0);

    // Standing still, a car just behind passes the player back.
    game.setState(calm(game, { ...oneCar(-0.5, 2), px: -2 / 3, speed: 0, dayPassed: 5, points: 5 }));
    expect(game.tick(NOOP)).toBe(-1);
    expect(game.score).toBe(4);
    expect(game.getState().dayPassed).toBe(4);
  });

  it('never counts above the quota: being passed with no cars passed today costs nothing', () => {
    const game = fresh();
    game.setState(calm(game, { ...oneCar(-0.5, 2), px: -2 / 3, speed: 0, dayPassed: 0, points: 7 }));
    expect(game.tick(NOOP)).toBe(0);
    expect(game.score).toBe(7);
    expect(carZ(game)).toBeGreaterThan(0);
  });

  it('accelerates on FIRE, brakes on DOWN and coasts down slowly on NOOP', () => {
    const game = fresh();
    const start = calm(game, { speed: 1 });
    const after = (action: number) => {
      game.setState(start);
      for (let i = 0; i < 10; i++) game.tick(action);
      return speed(game);
    };
    const fire = after(FIRE);
    const coast = after(NOOP);
    const brake = after(DOWN);
    expect(fire).toBeGreaterThan(1.1);
    expect(coast).toBeLessThan(1);
    expect(coast).toBeGreaterThan(0.9);
    expect(brake).toBeLessThan(0.9);
    // Top speed is capped; braking stops at 0.
    game.setState(start);
    for (let i = 0; i < 400; i++) game.tick(FIRE);
    expect(speed(game)).toBe(2);
    for (let i = 0; i < 400; i++) game.tick(DOWN);
    expect(speed(game)).toBe(0);
  });

  it('steers with RIGHT and LEFT, and a bend pushes the car outwards', () => {
    const game = fresh();
    game.setState(calm(game, { px: 0, speed: 1 }));
    for (let i = 0; i < 8; i++) game.tick(RIGHTFIRE);
    expect(game.getState().px).toBeGreaterThan(0.15);
    game.setState(calm(game, { px: 0, speed: 1 }));
    for (let i = 0; i < 8; i++) game.tick(LEFTFIRE);
    expect(game.getState().px).toBeLessThan(-0.15);
    // A right bend at speed drifts the car left when it goes straight.
    game.setState(calm(game, { px: 0, speed: 2, curve: 1, curveTarget: 1 }));
    for (let i = 0; i < 20; i++) game.tick(FIRE);
    expect(game.getState().px).toBeLessThan(-0.1);
    // Steering keeps the car on the road.
    for (let i = 0; i < 200; i++) game.tick(RIGHT);
    expect(game.getState().px).toBeLessThanOrEqual(1);
  });

  it('a collision knocks the car back behind the other car with almost no speed, and stalls FIRE', () => {
    const game = fresh();
    game.setState(calm(game, { ...oneCar(3, 1), px: 0, speed: 2 }));
    let reward = 0;
    for (let i = 0; i < 4; i++) reward += game.tick(FIRE);
    expect(reward).toBe(0); // the car was hit, not passed
    expect(speed(game)).toBeLessThan(0.2);
    expect(carZ(game)).toBeGreaterThan(0);
    const s = game.getState();
    expect(s.crash).toBeGreaterThan(0);
    for (let i = 0; i < 10; i++) game.tick(FIRE);
    expect(speed(game)).toBeLessThan(0.1); // FIRE does nothing while stalled
    // The same car in the next lane is passed without a collision.
    game.setState(calm(game, { ...oneCar(3, 2), px: 0, speed: 2 }));
    reward = 0;
    for (let i = 0; i < 4; i++) reward += game.tick(FIRE);
    expect(reward).toBe(1);
    expect(speed(game)).toBe(2);
  });

  it('ends the game when a day ends without the quota (terminated, not truncated)', () => {
    const env = makeEnv('Enduro', { repeatActionProbability: 0, noopMax: 0 });
    env.reset({ seed: 1 });
    const state = env.getState();
    const emulator = state.emulator as { game: Snapshot };
    emulator.game = { ...emulator.game, dayFrame: DAY_FRAMES - 2, dayPassed: 79 };
    env.setState(state);
    const r = env.step(NOOP);
    expect(r.terminated).toBe(true);
    expect(r.truncated).toBe(false);
    expect(env.emulator.game.over).toBe(true);
    expect(() => env.step(NOOP)).toThrow();
  });

  it('meeting the quota continues to the next day with a new quota', () => {
    const env = makeEnv('Enduro', { repeatActionProbability: 0, noopMax: 0, obsType: 'ram' });
    env.reset({ seed: 1 });
    const state = env.getState();
    const emulator = state.emulator as { game: Snapshot };
    emulator.game = { ...emulator.game, dayFrame: DAY_FRAMES - 2, dayPassed: 80, points: 80 };
    env.setState(state);
    const quotaLeft = env.emulator.game.spec.ram.findIndex((f) => f.name === 'day.quotaLeft');
    expect(env.obs[quotaLeft]).toBe(0);
    const r = env.step(NOOP);
    expect(r.terminated).toBe(false);
    const g = env.emulator.game.getState();
    expect(g.day).toBe(2);
    expect(g.dayPassed).toBe(0);
    expect(g.dayFrame).toBe(2);
    expect(r.info.score).toBe(80);
    expect(env.obs[quotaLeft]).toBe(1); // day 2's full quota (100) to go
  });

  it('snapshots replay exactly, also through JSON', () => {
    const env = makeEnv('Enduro', { noopMax: 0 });
    env.reset({ seed: 3 });
    for (let t = 0; t < 200; t++) env.step(t % 3 === 0 ? RIGHTFIRE : FIRE);
    const snap = JSON.parse(JSON.stringify(env.getState())) as unknown;
    const play = () => {
      const out: number[] = [];
      for (let t = 0; t < 300; t++) {
        const r = env.step((t * 7) % 9);
        out.push(r.reward, ...r.obs);
      }
      return out;
    };
    const a = play();
    env.setState(snap);
    expect(play()).toEqual(a);
    const withGame = (game: unknown) => ({ ...(snap as object), emulator: { ...(env.getState().emulator as object), game } });
    const game = env.emulator.game.getState();
    expect(() => env.setState(withGame({ speed: 1 }))).toThrow(/Enduro state/);
    expect(() => env.setState(withGame({ ...game, carLane: [0, 1, 2, 3, 0, 0, 0, 0] }))).toThrow(/carLane/);
    expect(() => env.setState(withGame({ ...game, carZ: [0, 1, 2] }))).toThrow(/carZ/);
  });

  it('rewards driving fast around the traffic: a simple lane-choosing policy meets the quota, random play does not', () => {
    const play = (policy: (ram: Float32Array, rng: Rng) => number) => {
      const env = makeEnv('Enduro', { obsType: 'ram' });
      let obs = env.reset({ seed: 11 }).obs as Float32Array;
      const rng = new Rng(4);
      let score = 0;
      for (let t = 0; t < 1800 && !env.done; t++) {
        const r = env.step(policy(obs, rng));
        obs = r.obs as Float32Array;
        score += r.reward;
      }
      return { score, day: env.emulator.game.getState().day as number, over: env.emulator.game.over };
    };
    const random = play((_, rng) => rng.int(9));
    // FIRE, and steer towards the lane whose nearest car ahead is farthest away (ram 8, 10, 12).
    const scripted = play((ram) => {
      let best = 0;
      for (let l = 1; l < 3; l++) if (ram[8 + 2 * l] > ram[8 + 2 * best] + 0.01) best = l;
      const dx = ((best - 1) * 2) / 3 - ram[0];
      return dx > 0.05 ? RIGHTFIRE : dx < -0.05 ? LEFTFIRE : FIRE;
    });
    expect(random.score).toBeLessThan(10);
    expect(random.over).toBe(true);
    expect(scripted.score).toBeGreaterThanOrEqual(80);
    expect(scripted.day).toBe(2);
  });
});
