/**
 * Cutting clips from the agent's rollouts: segments of `length` agent steps (25 on Atari in Christiano et al.,
 * about 1.7 s of play) started at random moments in random envs. Each clip keeps its record (the env's
 * snapshot at the first step and the actions, enough to re-simulate it exactly) and the observations and
 * actions the reward model trains on. A clip never spans two episodes: one cut by an episode's end is dropped
 * (its record could not replay the automatic reset).
 */
import type { ClipRecord } from '../../env/clip.js';
import type { EnvState } from '../../env/core.js';
import { Rng } from '../../env/rng.js';
import type { VectorEnv, VectorStepResult } from '../../env/vector-env.js';
import type { RolloutObserver } from '../a2c.js';
import { ClipObsBuilder } from './clip-obs.js';
import type { ClipData } from './dataset.js';

export interface Clip extends ClipData {
  record: ClipRecord;
  /** The game's per-step rewards (for synthetic teachers and metrics). */
  trueRewards: Float32Array;
  /** Agent steps of training when the clip was cut. */
  step: number;
}

interface OpenClip {
  state: EnvState;
  t: number;
  observations: ClipObsBuilder;
  actions: Int32Array;
  rewards: Float32Array;
}

export interface ClipRecorderOptions {
  /** Agent steps per clip (25). */
  length: number;
  /** Mean agent steps between clip starts in one env, while it is not recording one. */
  every: number;
  seed: number;
}

export class ClipRecorder implements RolloutObserver {
  private readonly open: (OpenClip | null)[];
  private readonly rng = new Rng();

  constructor(
    private readonly env: VectorEnv,
    readonly options: ClipRecorderOptions,
    /** A fresh clip id and the current training step, from the run that owns the clips. */
    private readonly label: () => { id: string; step: number },
    private readonly onClip: (clip: Clip) => void,
  ) {
    if (!Number.isInteger(options.length) || options.length < 1) throw new RangeError(`clip length must be a positive integer, got ${options.length}`);
    if (!(options.every >= 1)) throw new RangeError(`steps between clips must be at least 1, got ${options.every}`);
    this.open = Array<OpenClip | null>(env.numEnvs).fill(null);
    this.rng.seed(options.seed, 19);
  }

  beforeStep(env: VectorEnv): void {
    const { length, every } = this.options;
    for (let i = 0; i < this.open.length; i++) {
      if (this.open[i] !== null || this.rng.next() >= 1 / every) continue;
      this.open[i] = { state: env.envs[i].getState(), t: 0, observations: new ClipObsBuilder(env.observationSpace, length), actions: new Int32Array(length), rewards: new Float32Array(length) };
    }
  }

  afterStep(obs: Float32Array, actions: Int32Array, result: VectorStepResult): void {
    const size = this.env.obsSize;
    for (let i = 0; i < this.open.length; i++) {
      const c = this.open[i];
      if (c === null) continue;
      // After an episode's last step the env has been reset: the observation the step led to is the final one.
      const end = result.terminated[i] || result.truncated[i] ? result.info.episodes.find((e) => e.index === i) : undefined;
      c.observations.add(c.t, obs.subarray(i * size, (i + 1) * size), end?.finalObs ?? result.obs.subarray(i * size, (i + 1) * size));
      c.actions[c.t] = actions[i];
      c.rewards[c.t] = result.rewards[i];
      c.t++;
      if (c.t === this.options.length) {
        this.open[i] = null;
        this.onClip(this.finish(c));
      } else if (result.terminated[i] || result.truncated[i]) {
        this.open[i] = null;
      }
    }
  }

  private finish(c: OpenClip): Clip {
    const { id, step } = this.label();
    const record: ClipRecord = { id, env: this.env.id, options: { ...c.state.options }, state: c.state, actions: Array.from(c.actions) };
    let trueReturn = 0;
    for (const r of c.rewards) trueReturn += r;
    return { id, ...c.observations.finish(), actions: c.actions, trueReturn, record, trueRewards: c.rewards, step };
  }
}

/**
 * How the random policy of the first clips acts: `uniform`, a uniformly random action every step; `persistent`,
 * a uniformly random action held for K steps with P(K >= k) = 1/k² (capped at 100; about 1.6 steps on
 * average, with a long tail), after Dabney et al.'s (2021) temporally extended ε-greedy. Holding an action gets
 * further (up to speed in Enduro, across the court in Pong), so fewer first clips are worthless: an oracle
 * tells 30% of random 25-step Enduro pairs apart against 16% (Pong 58% against 46%; Space Invaders alike).
 * Dabney et al.'s heavier zeta(2) durations told 43% of Enduro pairs apart but only 46% of Pong's.
 */
export const INITIAL_POLICIES = ['uniform', 'persistent'] as const;
export type InitialPolicy = (typeof INITIAL_POLICIES)[number];

const MAX_HOLD = 100;

/** K with P(K >= k) = 1/k² (u uniform in [0, 1)), capped at MAX_HOLD. */
function holdSteps(u: number): number {
  return Math.min(MAX_HOLD, Math.floor(1 / Math.sqrt(1 - u * 0.999))); // >= 1, as 1 - 0.999 u <= 1
}

/**
 * Clips from a random policy, for the first labels (Christiano et al. label clips of a random policy before
 * RL starts). Plays `env` until `count` clips are cut.
 */
export function randomPolicyClips(
  env: VectorEnv,
  count: number,
  recorderOptions: ClipRecorderOptions,
  nextId: () => string,
  policy: InitialPolicy = 'uniform',
): Clip[] {
  const clips: Clip[] = [];
  const rng = new Rng();
  rng.seed(recorderOptions.seed, 23);
  let steps = 0;
  const recorder = new ClipRecorder(env, recorderOptions, () => ({ id: nextId(), step: 0 }), (c) => clips.push(c));
  let obs = env.reset({ seed: recorderOptions.seed + 100_000 }).obs.slice();
  const actions = new Int32Array(env.numEnvs);
  const held = new Int32Array(env.numEnvs);
  const limit = count * recorderOptions.every * 100 + 1e6;
  while (clips.length < count) {
    for (let i = 0; i < actions.length; i++) {
      if (policy === 'uniform' || held[i]-- <= 0) {
        actions[i] = Math.floor(rng.next() * env.actionSpace.n);
        if (policy === 'persistent') held[i] = holdSteps(rng.next()) - 1;
      }
    }
    recorder.beforeStep(env);
    const r = env.step(actions);
    recorder.afterStep(obs, actions, r);
    obs = r.obs.slice();
    steps += env.numEnvs;
    if (steps > limit) throw new Error(`a random policy gave only ${clips.length} of ${count} clips in ${steps} steps`);
  }
  return clips.slice(0, count);
}
