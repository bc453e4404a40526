/**
 * An Atari-style env: a game under the ALE stack of wrappers, assembled in ALE's order:
 *
 *   Emulator (sticky actions, per frame) -> NoopReset (per frame) -> FrameSkip + max-pool (per agent step)
 *   -> TimeLimit -> observation (ram | pixels: grayscale, resize 84x84, stack 4, optional score mask)
 */
import type { Discrete, Env, EnvOptions, EnvState, Observation, ResetResult, StepInfo, StepResult } from './core.js';
import { Emulator } from './emulator.js';
import type { GameFactory } from './game.js';
import { Rng } from './rng.js';
import { PALETTE_RGBA32, SCREEN_HEIGHT, SCREEN_WIDTH } from './screen.js';
import { describe, isRecord } from './snapshot.js';
import { FrameSkip } from './wrappers/frame-skip.js';
import { NoopReset } from './wrappers/noop-reset.js';
import { type Observer, PixelObserver, RamObserver } from './wrappers/observation.js';
import { TimeLimit } from './wrappers/time-limit.js';

/** Version of the snapshot format returned by `getState`. */
export const ENV_STATE_VERSION = 1;

export class AtariEnv implements Env {
  readonly actionSpace: Discrete;
  readonly emulator: Emulator;
  private readonly noop: NoopReset;
  private readonly skip: FrameSkip;
  private readonly limit: TimeLimit;
  private readonly observer: Observer;
  private seeded = false;
  private needsReset = true;

  constructor(
    readonly id: string,
    createGame: GameFactory,
    readonly options: Readonly<EnvOptions>,
  ) {
    this.emulator = new Emulator(createGame, options.repeatActionProbability);
    this.noop = new NoopReset(this.emulator, options.noopMax);
    this.skip = new FrameSkip(this.noop, this.emulator, options.frameSkip);
    this.limit = new TimeLimit(this.skip, options.maxEpisodeSteps);
    const game = this.emulator.game;
    this.observer =
      options.obsType === 'ram'
        ? new RamObserver(game, options.maskScore)
        : new PixelObserver(this.skip, options.maskScore, game.spec.scoreRows);
    const meanings = game.spec.actions;
    this.actionSpace = { kind: 'discrete', n: meanings.length, meanings };
  }

  get observationSpace() {
    return this.observer.space;
  }

  /** The episode has ended (terminated or truncated) and `reset` must come before the next `step`. */
  get done(): boolean {
    return this.needsReset;
  }

  get terminated(): boolean {
    return this.limit.terminated;
  }

  get truncated(): boolean {
    return this.limit.truncated;
  }

  /** Called with every emulator frame (palette indices, 160x210) during steps, e.g. to replay at 60 fps. */
  set onFrame(listener: ((pixels: Uint8Array) => void) | null) {
    this.skip.onFrame = listener;
  }

  reset(opts: { seed?: number } = {}): ResetResult {
    if (!isRecord(opts)) throw new TypeError(`reset options must be an object like { seed: 1 }, got ${describe(opts)}`);
    const { seed } = opts;
    if (seed !== undefined) {
      if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${describe(seed)}`);
      this.seedAll(seed);
    } else if (!this.seeded) {
      this.seedAll(Math.floor(Math.random() * 2 ** 31));
    }
    this.limit.reset();
    this.observer.observeReset();
    this.needsReset = false;
    return { obs: this.observer.obs.slice(), info: this.info() };
  }

  private seedAll(seed: number): void {
    this.emulator.seed(seed);
    this.noop.seed(seed);
    this.seeded = true;
  }

  /** `step` without building the result: returns the reward; read the rest from the env. */
  advance(action: number): number {
    if (!(Number.isInteger(action) && action >= 0 && action < this.actionSpace.n)) {
      throw new RangeError(
        `action for ${this.id} must be an integer in [0, ${this.actionSpace.n}) (${this.actionSpace.meanings.join(', ')}), got ${describe(action)}`,
      );
    }
    if (this.needsReset) {
      throw new Error(`${this.id}: step() called ${this.seeded ? 'after the episode ended' : 'before reset()'}; call reset() first`);
    }
    const reward = this.limit.step(action);
    this.observer.observe();
    if (this.limit.terminated || this.limit.truncated) this.needsReset = true;
    return reward;
  }

  step(action: number): StepResult {
    const reward = this.advance(action);
    return {
      obs: this.observer.obs.slice(),
      reward,
      terminated: this.limit.terminated,
      truncated: this.limit.truncated,
      info: this.info(),
    };
  }

  /** Copies the current observation into `out` at `offset` (converting bytes to floats if needed). */
  writeObs(out: Float32Array | Uint8Array, offset: number): void {
    out.set(this.observer.obs, offset);
  }

  /** The current observation, owned by the env and overwritten by the next step. */
  get obs(): Observation {
    return this.observer.obs;
  }

  info(): StepInfo {
    const g = this.emulator.game;
    return { lives: g.lives, score: g.score, episodeStep: this.limit.elapsed, frame: this.emulator.frame };
  }

  render(): Uint8ClampedArray {
    const out = new Uint8ClampedArray(SCREEN_WIDTH * SCREEN_HEIGHT * 4);
    renderRgba(this.emulator.draw(), out);
    return out;
  }

  getState(): EnvState {
    return {
      version: ENV_STATE_VERSION,
      id: this.id,
      options: { ...this.options },
      emulator: this.emulator.getState(),
      noopRng: this.noop.rng.getState(),
      episodeStep: this.limit.elapsed,
      needsReset: this.needsReset,
      observation: this.observer.getState(),
    };
  }

  setState(state: unknown): void {
    const what = `${this.id} snapshot`;
    if (!isRecord(state)) throw new TypeError(`${what} must be an object from getState(), got ${describe(state)}`);
    if (state.version !== ENV_STATE_VERSION) {
      throw new TypeError(`${what} has version ${describe(state.version)}; this build reads version ${ENV_STATE_VERSION}`);
    }
    if (state.id !== this.id) throw new TypeError(`${what} is of env ${describe(state.id)}, not "${this.id}"`);
    for (const k of Object.keys(this.options) as (keyof EnvOptions)[]) {
      if (!isRecord(state.options) || state.options[k] !== this.options[k]) {
        throw new TypeError(
          `${what} was taken with option ${k} = ${describe(isRecord(state.options) ? state.options[k] : undefined)}, but this env has ${describe(this.options[k])}`,
        );
      }
    }
    if (!Number.isInteger(state.episodeStep) || (state.episodeStep as number) < 0) {
      throw new TypeError(`${what}.episodeStep must be a non-negative integer, got ${describe(state.episodeStep)}`);
    }
    if (typeof state.needsReset !== 'boolean') throw new TypeError(`${what}.needsReset must be a boolean`);
    // Check every part before changing any, so a bad snapshot leaves the env as it was.
    this.observer.checkState(state.observation, `${what}.observation`);
    Rng.check(state.noopRng, `${what}.noopRng`);
    this.emulator.setState(state.emulator, `${what}.emulator`);
    this.noop.rng.setState(state.noopRng);
    this.observer.setState(state.observation, `${what}.observation`);
    this.limit.elapsed = state.episodeStep as number;
    this.needsReset = state.needsReset;
    this.seeded = true;
  }
}

/** Palette indices to RGBA. */
export function renderRgba(pixels: Uint8Array, out: Uint8ClampedArray): void {
  const px = new Uint32Array(out.buffer, out.byteOffset, pixels.length);
  for (let i = 0; i < pixels.length; i++) px[i] = PALETTE_RGBA32[pixels[i]];
}
