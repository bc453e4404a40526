/**
 * Frame skip with max-pooling (ALE/Machado et al.: 4 frames): the agent's action is applied for `frameSkip`
 * frames and their rewards are summed. When `capture` is on (pixel observations), the last two frames are
 * drawn so the observation can take their pixel-wise maximum, which removes the flicker of objects drawn on
 * alternate frames. This is the only place frames are skipped.
 */
import type { Emulator } from '../emulator.js';
import { Screen } from '../screen.js';
import type { FrameStage, StepStage } from './stage.js';

export class FrameSkip implements StepStage {
  /** Draw the last two frames of each step into `last` and `previous`. */
  capture = false;
  /** Called after every frame with the frame drawn in palette indices (e.g. to replay a clip at 60 fps). */
  onFrame: ((pixels: Uint8Array) => void) | null = null;
  readonly last = new Screen();
  readonly previous = new Screen();
  /** `previous` holds this step's second-to-last frame (false after a one-frame step or an early end). */
  hasPrevious = false;

  constructor(
    private readonly inner: FrameStage,
    private readonly emulator: Emulator,
    readonly frameSkip: number,
  ) {}

  get terminated(): boolean {
    return this.inner.over;
  }

  get truncated(): boolean {
    return false;
  }

  reset(): void {
    this.inner.reset();
    this.hasPrevious = false;
  }

  /** Draws the current frame into `last`, alone (after a reset there is no second frame to pool). */
  captureCurrent(): void {
    this.emulator.draw(this.last);
    this.hasPrevious = false;
  }

  step(action: number): number {
    const k = this.frameSkip;
    let reward = 0;
    this.hasPrevious = false;
    for (let i = 0; i < k; i++) {
      reward += this.inner.act(action);
      const over = this.inner.over;
      if (this.onFrame !== null) this.onFrame(this.emulator.draw());
      if (this.capture) {
        if (i === k - 1 || over) this.emulator.draw(this.last);
        else if (i === k - 2) {
          this.emulator.draw(this.previous);
          this.hasPrevious = true;
        }
      }
      if (over) break;
    }
    return reward;
  }
}
