/**
 * A clip's observations as the reward model reads them: step-major rows of `obsSize` values, the observation
 * each action was taken in (`obs`) and the one it led to (`next`).
 *
 * For `ram` the rows are stored as they are (Float32). For `pixels` (84x84 bytes, a stack of the last 4 frames,
 * oldest first, height x width x stack) each frame is stored once, as bytes: step t's observation is frames
 * t..t+3 and the one it led to frames t+1..t+4, so a 25-step clip is 29 frames of 7,056 bytes (205 KB) instead
 * of 2 x 25 stacks of 28,224 Float32 values (5.6 MB). A run keeps a pool of 500 clips and the clips of every
 * label (up to two each), which as Float32 rows would take 14 GB at 1,000 labels; as frames about 0.5 GB.
 */
import type { Box } from '../../env/core.js';

/** Steps of stacked image observations, each frame stored once (see the module comment). */
export class FrameSteps {
  readonly length: number;

  constructor(
    /** Frames one after another, `plane` bytes each. */
    readonly frames: Uint8Array,
    /** Values per frame (height x width). */
    readonly plane: number,
    /** Frames per observation. */
    readonly stack: number,
    /** The frame at which step 0's stack starts. */
    readonly first: number,
    readonly steps: number,
  ) {
    if ((first + steps - 1 + stack) * plane > frames.length) {
      throw new RangeError(`${steps} steps of ${stack} stacked frames from frame ${first} need ${first + steps - 1 + stack} frames, got ${frames.length / plane}`);
    }
    this.length = steps * plane * stack;
  }

  /** Writes every step as a row of plane x stack values (pixel-major, stack innermost) at `out[offset]`. */
  write(out: Float32Array | Uint8Array, offset: number): void {
    const { frames, plane, stack } = this;
    const row = plane * stack;
    for (let t = 0; t < this.steps; t++) {
      const at = offset + t * row;
      for (let k = 0; k < stack; k++) {
        const f = (this.first + t + k) * plane;
        for (let p = 0; p < plane; p++) out[at + p * stack + k] = frames[f + p];
      }
    }
  }
}

/** A clip's observation rows: the values themselves, or frames shared between steps. */
export type ClipObs = Float32Array | FrameSteps;

/** Writes every row of `src` at `out[offset]`. */
export function writeClipObs(src: ClipObs, out: Float32Array, offset: number): void {
  if (src instanceof FrameSteps) src.write(out, offset);
  else out.set(src, offset);
}

/** Stacked frames: height x width bytes a frame (`plane`), `stack` frames an observation, stack innermost. */
export interface FrameLayout {
  plane: number;
  stack: number;
}

/**
 * The frame layout of observations of this space when they are stacked frames of bytes (height x width x
 * stack, stack innermost: the `pixels` observation, stored as frames); null for flat (ram) ones.
 */
export function frameLayout(space: Box): FrameLayout | null {
  return space.dtype === 'uint8' && space.shape.length === 3 ? { plane: space.shape[0] * space.shape[1], stack: space.shape[2] } : null;
}

/**
 * Collects one clip's observations step by step: `add(t, obs, next)` for t = 0, 1, …, then `finish()`. For
 * stacked frames it checks that each observation is the last one shifted by a new frame (a clip never spans a
 * reset), and throws if not rather than store wrong observations.
 */
export class ClipObsBuilder {
  private readonly size: number;
  private readonly frames: Uint8Array | null;
  private readonly obs: Float32Array | null;
  private readonly next: Float32Array | null;
  private readonly plane: number;
  private readonly stack: number;

  constructor(
    space: Box,
    readonly steps: number,
  ) {
    this.size = space.size;
    const layout = frameLayout(space);
    if (layout !== null) {
      ({ stack: this.stack, plane: this.plane } = layout);
      this.frames = new Uint8Array((steps + this.stack) * this.plane);
      this.obs = this.next = null;
    } else {
      this.stack = this.plane = 0;
      this.frames = null;
      this.obs = new Float32Array(steps * this.size);
      this.next = new Float32Array(steps * this.size);
    }
  }

  add(t: number, obs: ArrayLike<number>, next: ArrayLike<number>): void {
    const { frames, plane, stack, size } = this;
    if (frames === null) {
      this.obs!.set(obs, t * size);
      this.next!.set(next, t * size);
      return;
    }
    if (t === 0) {
      for (let k = 0; k < stack; k++) for (let p = 0; p < plane; p++) frames[k * plane + p] = obs[p * stack + k];
    }
    // next holds frames t+1 .. t+stack: the first stack-1 are already stored, the last is new.
    for (let k = 0; k < stack - 1; k++) {
      const f = (t + 1 + k) * plane;
      for (let p = 0; p < plane; p++) {
        if (frames[f + p] !== next[p * stack + k]) {
          throw new Error(`step ${t}'s next observation is not its observation shifted by one frame (pixel ${p}, stacked frame ${k}); a clip's frames cannot be shared`);
        }
      }
    }
    const f = (t + stack) * plane;
    for (let p = 0; p < plane; p++) frames[f + p] = next[p * stack + stack - 1];
  }

  finish(): { obs: ClipObs; next: ClipObs } {
    if (this.frames === null) return { obs: this.obs!, next: this.next! };
    return {
      obs: new FrameSteps(this.frames, this.plane, this.stack, 0, this.steps),
      next: new FrameSteps(this.frames, this.plane, this.stack, 1, this.steps),
    };
  }
}
