/**
 * A conformance checker in the spirit of Gymnasium's `check_env`: every env must pass it, for both
 * observation types. It throws an EnvCheckError naming the first property that fails.
 */
import type { AtariEnv } from './atari-env.js';
import type { Observation } from './core.js';
import { Rng } from './rng.js';

export class EnvCheckError extends Error {
  override name = 'EnvCheckError';
}

export interface CheckOptions {
  /** Agent steps a random-policy episode may take before the check calls it endless. */
  maxEpisodeSteps?: number;
  /** Steps compared in the determinism and replay checks. */
  replaySteps?: number;
  seed?: number;
}

function fail(env: AtariEnv, message: string): never {
  throw new EnvCheckError(`${env.id} (${env.options.obsType}): ${message}`);
}

function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Plays `actions` from the env's current state, recording observations, frames and rewards. */
function record(env: AtariEnv, actions: readonly number[]) {
  const obs: Observation[] = [];
  const frames: Uint8ClampedArray[] = [];
  const rewards: number[] = [];
  for (const a of actions) {
    if (env.done) break;
    const r = env.step(a);
    obs.push(r.obs);
    frames.push(env.render());
    rewards.push(r.reward);
  }
  return { obs, frames, rewards };
}

function sameTrajectory(env: AtariEnv, what: string, a: ReturnType<typeof record>, b: ReturnType<typeof record>): void {
  if (a.rewards.length !== b.rewards.length) fail(env, `${what}: ${a.rewards.length} vs ${b.rewards.length} steps`);
  for (let t = 0; t < a.rewards.length; t++) {
    if (a.rewards[t] !== b.rewards[t]) fail(env, `${what}: reward differs at step ${t}`);
    const o = firstDifference(a.obs[t], b.obs[t]);
    if (o >= 0) fail(env, `${what}: observation differs at step ${t}, index ${o}`);
    const f = firstDifference(a.frames[t], b.frames[t]);
    if (f >= 0) fail(env, `${what}: frame differs at step ${t}, byte ${f}`);
  }
}

function checkInSpace(env: AtariEnv, obs: Observation, when: string): void {
  const space = env.observationSpace;
  const ctor = space.dtype === 'uint8' ? Uint8Array : Float32Array;
  if (!(obs instanceof ctor)) fail(env, `${when}: observation is a ${obs.constructor.name}, space says ${space.dtype}`);
  if (obs.length !== space.size) fail(env, `${when}: observation has ${obs.length} values, space says ${space.size}`);
  for (let i = 0; i < obs.length; i++) {
    const v = obs[i];
    if (!(v >= space.low && v <= space.high)) fail(env, `${when}: observation[${i}] = ${v} is outside [${space.low}, ${space.high}]`);
  }
}

/**
 * Checks an env made by `make` (called several times; each call must give a fresh env of the same spec).
 */
export function checkEnv(make: () => AtariEnv, opts: CheckOptions = {}): void {
  const maxEpisodeSteps = opts.maxEpisodeSteps ?? 30_000;
  const replaySteps = opts.replaySteps ?? 200;
  const seed = opts.seed ?? 7;
  const env = make();
  const policy = new Rng(seed + 1000);
  const n = env.actionSpace.n;

  // Spaces.
  if (!(Number.isInteger(n) && n > 0) || env.actionSpace.meanings.length !== n) {
    fail(env, `action space n = ${n} does not match its ${env.actionSpace.meanings.length} meanings`);
  }
  const space = env.observationSpace;
  if (space.shape.reduce((p, d) => p * d, 1) !== space.size) fail(env, `observation space size ${space.size} != product of shape ${space.shape}`);

  // Same seed, same actions: identical observations, frames and rewards. Different seed: different.
  const actions = Array.from({ length: replaySteps }, () => policy.int(n));
  const a = make();
  const b = make();
  const resetA = a.reset({ seed });
  const resetB = b.reset({ seed });
  if (firstDifference(resetA.obs, resetB.obs) >= 0) fail(env, 'reset with the same seed gives different observations');
  if (firstDifference(a.render(), b.render()) >= 0) fail(env, 'reset with the same seed gives different frames');
  checkInSpace(env, resetA.obs, 'after reset');
  sameTrajectory(env, 'same seed and actions', record(a, actions), record(b, actions));
  const c = make();
  c.reset({ seed: seed + 1 });
  const d = make();
  d.reset({ seed });
  const other = record(c, actions);
  const mine = record(d, actions);
  const differs = other.frames.some((f, t) => t < mine.frames.length && firstDifference(f, mine.frames[t]) >= 0) ||
    other.rewards.length !== mine.rewards.length;
  if (!differs) fail(env, `seeds ${seed} and ${seed + 1} give the same ${replaySteps} frames`);

  // A random-policy episode stays in the space and ends by itself; reset afterwards works.
  env.reset({ seed });
  let ended = false;
  for (let t = 0; t < maxEpisodeSteps; t++) {
    const r = env.step(policy.int(n));
    checkInSpace(env, r.obs, `step ${t}`);
    if (typeof r.reward !== 'number' || !Number.isFinite(r.reward)) fail(env, `reward at step ${t} is ${r.reward}`);
    if (r.terminated || r.truncated) {
      checkInSpace(env, r.obs, 'final step');
      if (!r.terminated) fail(env, `the episode was truncated at step ${t + 1}, not ended by the game`);
      ended = true;
      break;
    }
  }
  if (!ended) fail(env, `a random-policy episode did not end within ${maxEpisodeSteps} steps`);
  let threw = false;
  try {
    env.step(0);
  } catch {
    threw = true;
  }
  if (!threw) fail(env, 'step() after the episode ended did not throw');
  const again = env.reset();
  checkInSpace(env, again.obs, 'reset after the end');
  env.step(0);

  // Snapshots replay exactly through sticky actions, also after a JSON round trip and in a fresh env.
  const e = make();
  e.reset({ seed: seed + 2 });
  for (let t = 0; t < 50 && !e.done; t++) e.step(policy.int(n));
  const snapshot = e.getState();
  const json = JSON.parse(JSON.stringify(snapshot)) as unknown;
  const first = record(e, actions);
  e.setState(snapshot);
  sameTrajectory(env, 'setState replay', first, record(e, actions));
  const f = make();
  f.setState(json);
  sameTrajectory(env, 'setState replay in a fresh env from JSON', first, record(f, actions));

  // Bad input gets an error, not a silent default.
  const g = make();
  g.reset({ seed });
  for (const bad of [-1, n, 0.5, Number.NaN]) {
    let rejected = false;
    try {
      g.step(bad);
    } catch {
      rejected = true;
    }
    if (!rejected) fail(env, `action ${bad} was accepted`);
  }
}
