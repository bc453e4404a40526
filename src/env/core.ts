/**
 * The core env API, shaped like Gymnasium's so RL people recognise it: `reset({ seed })` gives
 * `{ obs, info }`, `step(action)` gives `{ obs, reward, terminated, truncated, info }`. `terminated` means the
 * game ended (the MDP's terminal state); `truncated` means a time limit cut the episode. They never merge.
 */

/** A finite set of actions {0, ..., n-1}, with ALE's names for them. */
export interface Discrete {
  readonly kind: 'discrete';
  readonly n: number;
  readonly meanings: readonly string[];
}

/** A box of numbers with a shape, bounds and element type. Observations are flat arrays in row-major order. */
export interface Box {
  readonly kind: 'box';
  readonly shape: readonly number[];
  readonly low: number;
  readonly high: number;
  readonly dtype: 'float32' | 'uint8';
  /** Product of `shape`: the length of a flat observation. */
  readonly size: number;
}

export type Observation = Float32Array | Uint8Array;

export type ObsType = 'ram' | 'pixels';

export interface EnvOptions {
  /** 'ram': the game's normalised feature vector; 'pixels': 84x84 grayscale, max-pooled, stack of 4. */
  obsType: ObsType;
  /** Frames per agent step; the action is repeated and rewards summed (ALE/Machado et al.: 4). */
  frameSkip: number;
  /** Sticky actions: per-frame probability of repeating the previous action (Machado et al.: 0.25). */
  repeatActionProbability: number;
  /** Reset performs 1..noopMax no-op frames, uniformly (Mnih et al. 2015: 30). 0 disables. */
  noopMax: number;
  /** Agent steps before the episode is truncated (default: ALE's 108,000 frames / frameSkip). */
  maxEpisodeSteps: number;
  /** Black out the score area of pixels and zero the score features of ram (Christiano et al. 2017). */
  maskScore: boolean;
}

export interface StepInfo {
  /** Lives left. */
  lives: number;
  /** The game's raw score; the sum of an episode's rewards equals its change. */
  score: number;
  /** Agent steps since reset. */
  episodeStep: number;
  /** Emulator frames since reset (including no-op starts). */
  frame: number;
}

export interface ResetResult<O extends Observation = Observation> {
  obs: O;
  info: StepInfo;
}

export interface StepResult<O extends Observation = Observation> {
  obs: O;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: StepInfo;
}

/** A JSON-serialisable snapshot of everything that affects an env's future. */
export interface EnvState {
  version: number;
  id: string;
  options: EnvOptions;
  [part: string]: unknown;
}

export interface Env<O extends Observation = Observation> {
  readonly id: string;
  readonly options: Readonly<EnvOptions>;
  readonly actionSpace: Discrete;
  readonly observationSpace: Box;
  reset(opts?: { seed?: number }): ResetResult<O>;
  step(action: number): StepResult<O>;
  /** The current frame at the Atari's native 160x210, RGBA, in the fixed palette. */
  render(): Uint8ClampedArray;
  getState(): EnvState;
  setState(state: unknown): void;
}
