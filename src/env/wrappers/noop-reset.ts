/**
 * No-op starts (Mnih et al. 2015; Machado et al. 2018: at most 30): reset plays a uniformly random number of
 * NOOP frames in 1..noopMax, so episodes do not all start from the same state. Frames, not agent steps, as
 * baselines' NoopResetEnv sits below MaxAndSkipEnv.
 */
import type { Emulator } from '../emulator.js';
import { Rng } from '../rng.js';
import type { FrameStage } from './stage.js';

export const NOOP = 0;

export class NoopReset implements FrameStage {
  readonly rng = new Rng();

  constructor(
    private readonly emulator: Emulator,
    readonly noopMax: number,
  ) {}

  get over(): boolean {
    return this.emulator.over;
  }

  seed(seed: number): void {
    this.rng.seed(seed, 2);
  }

  reset(): void {
    this.emulator.reset();
    if (this.noopMax === 0) return;
    const noops = 1 + this.rng.int(this.noopMax);
    for (let i = 0; i < noops; i++) {
      this.emulator.act(NOOP);
      if (this.emulator.over) this.emulator.reset();
    }
  }

  act(action: number): number {
    return this.emulator.act(action);
  }
}
