/**
 * Credit assignment of TAMER (Knox & Stone 2008) as Deep TAMER uses it (Warnell et al. 2018): a person's
 * feedback arrives some time after what it is about, so a feedback at t_f is spread over the recent steps by
 * the probability that the person's delay put the step they reacted to there. A step shown during [t_s, t_e]
 * gets
 *   w = ∫_{t_f − t_e}^{t_f − t_s} f_delay(t) dt,
 * with f_delay = Uniform[0.2 s, 4 s] in both papers. Weights lie in [0, 1] and sum to at most 1 over
 * non-overlapping steps (to exactly 1 when the steps cover the whole delay window).
 *
 * `creditWeights` gives the dense weights; `assignCredit` is what a trainer calls on each feedback before
 * storing anything: it checks the feedback and returns only the credited steps.
 */

/** A distribution of the person's reaction delay, in seconds. */
export interface DelayDensity {
  /** Shortest delay with non-zero density. */
  readonly min: number;
  /** Longest delay with non-zero density (may be Infinity). */
  readonly max: number;
  /** P[delay <= t] = ∫_{-∞}^t f_delay; the mass of [a, b] is cdf(b) − cdf(a). */
  cdf(t: number): number;
  /** The inverse of `cdf`: quantile(u) for u uniform in [0, 1) samples a delay. */
  quantile(u: number): number;
}

/** Uniform delay density on [min, max] seconds; the default is TAMER's [0.2 s, 4 s]. */
export function uniformDelay(min = 0.2, max = 4.0): DelayDensity {
  if (!(Number.isFinite(min) && Number.isFinite(max) && min >= 0 && min < max)) {
    throw new RangeError(`a uniform delay needs finite 0 <= min < max seconds, got min=${min}, max=${max}`);
  }
  const width = max - min;
  return {
    min,
    max,
    cdf: (t) => (t <= min ? 0 : t >= max ? 1 : (t - min) / width),
    quantile: (u) => min + width * u,
  };
}

/** A step's time on screen, in wall-clock seconds. */
export interface StepSpan {
  start: number;
  end: number;
}

/** One feedback event: when it was given (same clock as the steps) and its value in [-1, 1]. */
export interface Feedback {
  time: number;
  value: number;
}

/** A step that a feedback credits, by its index in the steps given. */
export interface Credit {
  stepIndex: number;
  weight: number;
}

/** The credit weight of each step (same order) for a feedback at `feedbackTime`; 0 for uncredited steps. */
export function creditWeights(feedbackTime: number, steps: readonly StepSpan[], delay: DelayDensity): number[] {
  if (!Number.isFinite(feedbackTime)) throw new RangeError(`feedback time must be a finite number of seconds, got ${feedbackTime}`);
  return steps.map(({ start, end }, i) => {
    if (!(Number.isFinite(start) && Number.isFinite(end) && end >= start)) {
      throw new RangeError(`step ${i} must have finite times with end >= start, got start=${start}, end=${end}`);
    }
    // The step is credited with the delay mass that would put the reaction's cause inside it.
    return delay.cdf(feedbackTime - start) - delay.cdf(feedbackTime - end);
  });
}

/**
 * Checks a feedback against the clock and returns the steps it credits (weight > 0), in step order. Throws,
 * before anything is stored, for a value outside [-1, 1], a time after `now`, or a feedback that credits no
 * step (it came too soon after the steps given, or too long after them).
 */
export function assignCredit(feedback: Feedback, recentSteps: readonly StepSpan[], delay: DelayDensity, now: number): Credit[] {
  const { time, value } = feedback;
  if (!(Number.isFinite(value) && value >= -1 && value <= 1)) {
    throw new RangeError(`feedback value must be a finite number in [-1, 1], got ${value}`);
  }
  if (!Number.isFinite(time)) throw new RangeError(`feedback time must be a finite number of seconds, got ${time}`);
  if (!(time <= now)) {
    throw new RangeError(`feedback at t=${secs(time)} is later than now (t=${secs(now)}); feedback times must come from the steps' clock, not ahead of it`);
  }
  const credits: Credit[] = [];
  creditWeights(time, recentSteps, delay).forEach((weight, stepIndex) => {
    if (weight > 0) credits.push({ stepIndex, weight });
  });
  if (credits.length === 0) {
    const window = `the delay window is [${secs(delay.min)}, ${secs(delay.max)}]`;
    const steps =
      recentSteps.length === 0
        ? 'no recent steps were given'
        : `the last step ended at t=${secs(Math.max(...recentSteps.map((s) => s.end)))}`;
    throw new RangeError(`feedback at t=${secs(time)} credits no step: ${steps}, ${window}`);
  }
  return credits;
}

/** Seconds for messages, to the millisecond. */
function secs(t: number): string {
  return `${Number.isFinite(t) ? Number(t.toFixed(3)) : t} s`;
}
