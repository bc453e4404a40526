/**
 * N copies of one env stepped together, with batched Float32Array observations and auto-reset: when a copy's
 * episode ends, its final observation and episode statistics are reported in `info.episodes` and the copy is
 * reset, so the returned observation is already the first of its next episode (Gymnasium's same-step reset).
 *
 * The arrays in a result are owned by the VectorEnv and overwritten by the next call: copy what you keep.
 */
import type { AtariEnv } from './atari-env.js';
import type { Box, Discrete, EnvOptions, EnvState } from './core.js';
import { makeEnv } from './index.js';
import { describe } from './snapshot.js';

export interface EpisodeEnd {
  /** Which copy ended. */
  index: number;
  /** The observation the episode ended on (the copy has been reset since). */
  finalObs: Float32Array;
  /** Sum of the game's rewards over the episode (the true return). */
  return: number;
  /** Agent steps in the episode. */
  length: number;
  terminated: boolean;
  truncated: boolean;
}

export interface VectorEnvState {
  envs: EnvState[];
  episodeReturn: number[];
  episodeLength: number[];
}

export interface VectorStepResult {
  /** numEnvs x obsSize, row-major. */
  obs: Float32Array;
  rewards: Float32Array;
  /** 1 where the copy's game ended this step. */
  terminated: Uint8Array;
  /** 1 where a time limit cut the copy's episode this step. */
  truncated: Uint8Array;
  info: { lives: Int32Array; scores: Float64Array; episodes: EpisodeEnd[] };
}

export class VectorEnv {
  readonly id: string;
  readonly envs: AtariEnv[];
  readonly numEnvs: number;
  readonly obsSize: number;
  readonly actionSpace: Discrete;
  readonly observationSpace: Box;
  private readonly obs: Float32Array;
  private readonly rewards: Float32Array;
  private readonly terminated: Uint8Array;
  private readonly truncated: Uint8Array;
  private readonly lives: Int32Array;
  private readonly scores: Float64Array;
  private readonly episodeReturn: Float64Array;
  private readonly episodeLength: Int32Array;

  /** `numEnvs` copies of the env `id` with the given options. */
  static make(id: string, numEnvs: number, options: Partial<EnvOptions> = {}): VectorEnv {
    if (!Number.isInteger(numEnvs) || numEnvs < 1) {
      throw new RangeError(`numEnvs must be a positive integer, got ${describe(numEnvs)}`);
    }
    return new VectorEnv(Array.from({ length: numEnvs }, () => makeEnv(id, options)));
  }

  /** Copies of one env; they must share id and options. */
  constructor(envs: AtariEnv[]) {
    if (envs.length === 0) throw new RangeError('a VectorEnv needs at least one env');
    const { id, options } = envs[0];
    for (const e of envs) {
      if (e.id !== id || JSON.stringify(e.options) !== JSON.stringify(options)) {
        throw new TypeError(
          e.id !== id ? `a VectorEnv needs copies of one env; got ${id} and ${e.id}` : `a VectorEnv needs copies of one env; the ${id} copies have different options`,
        );
      }
    }
    this.id = id;
    this.numEnvs = envs.length;
    this.envs = envs;
    this.actionSpace = this.envs[0].actionSpace;
    this.observationSpace = this.envs[0].observationSpace;
    this.obsSize = this.observationSpace.size;
    this.obs = new Float32Array(this.numEnvs * this.obsSize);
    this.rewards = new Float32Array(this.numEnvs);
    this.terminated = new Uint8Array(this.numEnvs);
    this.truncated = new Uint8Array(this.numEnvs);
    this.lives = new Int32Array(this.numEnvs);
    this.scores = new Float64Array(this.numEnvs);
    this.episodeReturn = new Float64Array(this.numEnvs);
    this.episodeLength = new Int32Array(this.numEnvs);
  }

  /** Resets every copy; copy i is seeded with seed + i (unseeded copies draw a random seed). */
  reset(opts: { seed?: number } = {}): { obs: Float32Array; info: { lives: Int32Array; scores: Float64Array } } {
    if (opts.seed !== undefined && !Number.isInteger(opts.seed)) {
      throw new RangeError(`seed must be an integer, got ${describe(opts.seed)}`);
    }
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i];
      env.reset(opts.seed === undefined ? {} : { seed: opts.seed + i });
      env.writeObs(this.obs, i * this.obsSize);
      this.episodeReturn[i] = 0;
      this.episodeLength[i] = 0;
      this.readInfo(i);
    }
    return { obs: this.obs, info: { lives: this.lives, scores: this.scores } };
  }

  step(actions: ArrayLike<number>): VectorStepResult {
    if (actions.length !== this.numEnvs) {
      throw new RangeError(`step needs one action per env (${this.numEnvs}), got ${actions.length}`);
    }
    const n = this.actionSpace.n;
    for (let i = 0; i < this.numEnvs; i++) {
      const a = actions[i];
      if (!(Number.isInteger(a) && a >= 0 && a < n)) {
        throw new RangeError(`action ${i} must be an integer in [0, ${n}), got ${describe(a)}; no env was stepped`);
      }
    }
    const episodes: EpisodeEnd[] = [];
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i];
      const reward = env.advance(actions[i]);
      this.rewards[i] = reward;
      this.episodeReturn[i] += reward;
      this.episodeLength[i]++;
      const term = env.terminated;
      const trunc = env.truncated;
      this.terminated[i] = term ? 1 : 0;
      this.truncated[i] = trunc ? 1 : 0;
      if (term || trunc) {
        const finalObs = new Float32Array(this.obsSize);
        env.writeObs(finalObs, 0);
        episodes.push({
          index: i,
          finalObs,
          return: this.episodeReturn[i],
          length: this.episodeLength[i],
          terminated: term,
          truncated: trunc,
        });
        this.episodeReturn[i] = 0;
        this.episodeLength[i] = 0;
        env.reset();
      }
      env.writeObs(this.obs, i * this.obsSize);
      this.readInfo(i);
    }
    return {
      obs: this.obs,
      rewards: this.rewards,
      terminated: this.terminated,
      truncated: this.truncated,
      info: { lives: this.lives, scores: this.scores, episodes },
    };
  }

  /** Snapshots of every copy and of the running episode statistics, JSON-safe. */
  getState(): VectorEnvState {
    return {
      envs: this.envs.map((e) => e.getState()),
      episodeReturn: Array.from(this.episodeReturn),
      episodeLength: Array.from(this.episodeLength),
    };
  }

  /** Restores `getState`'s snapshot and returns the current batched observation. */
  setState(state: unknown): Float32Array {
    const s = state as Partial<VectorEnvState> | null;
    const n = this.numEnvs;
    if (typeof s !== 'object' || s === null || !Array.isArray(s.envs) || s.envs.length !== n) {
      throw new TypeError(`VectorEnv snapshot must hold ${n} env snapshots, got ${describe(s?.envs)}`);
    }
    for (const k of ['episodeReturn', 'episodeLength'] as const) {
      const v = s[k];
      const ok = (x: unknown) => (k === 'episodeLength' ? Number.isInteger(x) && (x as number) >= 0 : Number.isFinite(x));
      if (!Array.isArray(v) || v.length !== n || !v.every(ok)) {
        throw new TypeError(`VectorEnv snapshot ${k} must be ${n} ${k === 'episodeLength' ? 'non-negative integers' : 'numbers'}, got ${describe(v)}`);
      }
    }
    // All or nothing: if copy k's snapshot is bad, copies 0..k-1 go back to where they were.
    const before = this.envs.map((e) => e.getState());
    try {
      s.envs.forEach((e, i) => this.envs[i].setState(e));
    } catch (err) {
      before.forEach((b, i) => this.envs[i].setState(b));
      throw err;
    }
    this.episodeReturn.set(s.episodeReturn as number[]);
    this.episodeLength.set(s.episodeLength as number[]);
    for (let i = 0; i < n; i++) {
      this.envs[i].writeObs(this.obs, i * this.obsSize);
      this.readInfo(i);
    }
    return this.obs;
  }

  private readInfo(i: number): void {
    const game = this.envs[i].emulator.game;
    this.lives[i] = game.lives;
    this.scores[i] = game.score;
  }
}
