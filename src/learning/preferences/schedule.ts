/**
 * When labels are asked for (Christiano et al. 2017): a first batch on clips of a random policy before RL
 * starts (25% of the budget by default: the paper's MuJoCo setting and rl-teacher's; the paper's Atari runs
 * took 500 labels first), then labels at a rate proportional to c / (T + c) over agent steps T, so that the
 * budget is used up by the end of the run. Integrating the rate, the labels due by step T are
 *   initial + (budget - initial) * ln(1 + T / c) / ln(1 + totalSteps / c).
 */
import { initialLabels } from '../../shared/label-math.js';

export interface LabelScheduleConfig {
  /** Total labels the run may ask for. */
  budget: number;
  /** Fraction of the budget asked for on random-policy clips before RL (0.25). */
  initialFraction: number;
  /** c in c / (T + c), in agent steps (the paper: 5e6 frames, 1.25e6 agent steps). */
  decaySteps: number;
  /** The run's agent steps. */
  totalSteps: number;
}

export class LabelSchedule {
  readonly initial: number;

  constructor(readonly config: LabelScheduleConfig) {
    const { budget, initialFraction, decaySteps, totalSteps } = config;
    if (!Number.isInteger(budget) || budget < 1) throw new RangeError(`label budget must be a positive integer, got ${budget}`);
    if (!(initialFraction > 0 && initialFraction <= 1)) throw new RangeError(`initial label fraction must be in (0, 1], got ${initialFraction}`);
    if (!(decaySteps > 0)) throw new RangeError(`label decay steps (c) must be positive, got ${decaySteps}`);
    if (!(totalSteps > 0)) throw new RangeError(`total steps must be positive, got ${totalSteps}`);
    this.initial = initialLabels(budget, initialFraction);
  }

  /** Labels that should have been asked for by agent step `step`. */
  due(step: number): number {
    const { budget, decaySteps: c, totalSteps } = this.config;
    const frac = Math.log1p(Math.max(0, step) / c) / Math.log1p(totalSteps / c);
    return Math.min(budget, this.initial + Math.floor((budget - this.initial) * Math.min(1, frac)));
  }
}
