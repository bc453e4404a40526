/**
 * Time limit: truncates the episode after `maxSteps` agent steps (ALE's default cap is 108,000 frames).
 * Truncation is reported apart from termination, so learners bootstrap through it.
 */
import type { StepStage } from './stage.js';

export class TimeLimit implements StepStage {
  elapsed = 0;

  constructor(
    private readonly inner: StepStage,
    readonly maxSteps: number,
  ) {}

  get terminated(): boolean {
    return this.inner.terminated;
  }

  get truncated(): boolean {
    return this.inner.truncated || this.elapsed >= this.maxSteps;
  }

  reset(): void {
    this.inner.reset();
    this.elapsed = 0;
  }

  step(action: number): number {
    this.elapsed++;
    return this.inner.step(action);
  }
}
