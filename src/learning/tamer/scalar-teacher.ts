/**
 * A synthetic scalar teacher for TAMER: it watches play in real time and presses "good" (+1) or "bad" (−1)
 * the way a person would, late. Each step with a non-zero signal (the sign of its true reward in mode
 * 'reward', of the advantage the caller gives in mode 'advantage') is reacted to with probability
 * `reactProb`; the reaction is to a moment uniform within the step (what the credit model of Knox & Stone
 * 2008 assumes) and lands a delay drawn from `delay` later; its sign is flipped with probability `errorProb`;
 * and a press closer than 1 / `maxRate` seconds to another is dropped, as a person cannot press faster.
 *
 * The trainer drives it on its own clock (real or simulated wall-clock seconds; ~15 agent steps/s):
 *
 *   const teacher = new ScalarTeacher({ reactProb: 0.5, errorProb: 0.1 }, seed);
 *   // after each played step:
 *   teacher.observe({ start, end, reward });
 *   for (const f of teacher.due(end)) {
 *     const credits = assignCredit(f, recentSteps, teacher.params.delay, end);
 *     // store credits in the replay buffer, update the reward net
 *   }
 *
 * `due(now)` hands over, in time order, the presses whose time has come, so feedback reaches the trainer
 * 0.2–4 s after the step it is about, with later steps already played. Deterministic given the seed.
 */
import { Rng } from '../../env/rng.js';
import { type DelayDensity, type Feedback, type StepSpan, uniformDelay } from './credit.js';

export type ScalarTeacherMode = 'reward' | 'advantage';

export interface ScalarTeacherParams {
  /** 'reward': the sign of the step's true reward; 'advantage': the sign of the advantage given with it. */
  mode: ScalarTeacherMode;
  /** Probability of reacting to a step with a non-zero signal. */
  reactProb: number;
  /** Most presses per second: a press within 1 / maxRate s of another is dropped (Infinity: no limit). */
  maxRate: number;
  /** Probability of pressing the wrong sign, in [0, 0.5] (as B-Pref's epsilon). */
  errorProb: number;
  /** The reaction delay; the credit assignment should use the same density. */
  delay: DelayDensity;
}

export const SCALAR_TEACHER_DEFAULTS: ScalarTeacherParams = {
  mode: 'reward',
  reactProb: 1,
  maxRate: Infinity,
  errorProb: 0,
  delay: uniformDelay(),
};

/** A step as the teacher saw it: its time on screen and its true reward (and advantage, for that mode). */
export interface PlayedStep extends StepSpan {
  reward: number;
  advantage?: number;
}

/** A press. `step` and `delay` are the ground truth, for tests and benchmarks; a person would not say them. */
export interface TeacherFeedback extends Feedback {
  /** Which observed step it is about, counting from 0. */
  step: number;
  /** Seconds from the moment reacted to until the press. */
  delay: number;
}

export function validateScalarTeacherParams(p: ScalarTeacherParams): ScalarTeacherParams {
  const bad = (name: string, want: string, got: unknown) => new RangeError(`scalar teacher ${name} must be ${want}, got ${got}`);
  if (p.mode !== 'reward' && p.mode !== 'advantage') throw bad('mode', '"reward" or "advantage"', JSON.stringify(p.mode));
  if (!(p.reactProb > 0 && p.reactProb <= 1)) throw bad('reactProb (probability of reacting)', 'in (0, 1]', p.reactProb);
  if (!(p.maxRate > 0)) throw bad('maxRate (presses per second)', 'positive (Infinity for no limit)', p.maxRate);
  if (!(p.errorProb >= 0 && p.errorProb <= 0.5)) throw bad('errorProb (probability of a wrong sign)', 'in [0, 0.5]', p.errorProb);
  return p;
}

export class ScalarTeacher {
  readonly params: ScalarTeacherParams;
  private readonly rng = new Rng();
  /** Presses not yet due, sorted by time. */
  private readonly pending: TeacherFeedback[] = [];
  private steps = 0;
  private lastEnd = -Infinity;
  private lastPoll = -Infinity;
  private lastPress = -Infinity;

  constructor(params: Partial<ScalarTeacherParams> = {}, seed = 0) {
    this.params = validateScalarTeacherParams({ ...SCALAR_TEACHER_DEFAULTS, ...params });
    this.rng.seed(seed, 29);
  }

  /** Tells the teacher about a played step; steps come in order and do not overlap. */
  observe(step: PlayedStep): void {
    const { start, end, reward, advantage } = step;
    if (!(Number.isFinite(start) && Number.isFinite(end) && end >= start)) {
      throw new RangeError(`played step ${this.steps} must have finite times with end >= start, got start=${start}, end=${end}`);
    }
    if (start < this.lastEnd) {
      throw new RangeError(`played step ${this.steps} starts at ${start} s, before the previous step ended (${this.lastEnd} s); steps come in order`);
    }
    if (!Number.isFinite(reward)) throw new RangeError(`played step ${this.steps} reward must be finite, got ${reward}`);
    const signal = this.params.mode === 'reward' ? reward : advantage;
    if (!Number.isFinite(signal)) {
      throw new TypeError(`scalar teacher in advantage mode needs a finite advantage with every step; step ${this.steps} has ${advantage}`);
    }
    const index = this.steps++;
    this.lastEnd = end;
    if (signal === 0) return;
    // Always four draws per eligible step, so runs with different parameters see the same random numbers.
    const react = this.rng.next() < this.params.reactProb;
    const wrong = this.rng.next() < this.params.errorProb;
    const moment = this.rng.range(start, end);
    const delay = this.params.delay.quantile(this.rng.next());
    if (!react) return;
    const sign = Math.sign(signal as number);
    this.press({ time: moment + delay, value: wrong ? -sign : sign, step: index, delay });
  }

  /** Removes and returns, oldest first, the presses at or before `now`; `now` must not go back. */
  due(now: number): TeacherFeedback[] {
    if (Number.isNaN(now) || now < this.lastPoll) {
      throw new RangeError(`scalar teacher polled at now=${now} s, before its previous poll at ${this.lastPoll} s; the clock must not go back`);
    }
    this.lastPoll = now;
    let n = 0;
    while (n < this.pending.length && this.pending[n].time <= now) n++;
    const out = this.pending.splice(0, n);
    if (n > 0) this.lastPress = out[n - 1].time;
    return out;
  }

  /** Queues a press in time order unless it is too close to a neighbouring one. */
  private press(f: TeacherFeedback): void {
    const gap = 1 / this.params.maxRate;
    let i = this.pending.length;
    while (i > 0 && this.pending[i - 1].time > f.time) i--;
    const before = i > 0 ? this.pending[i - 1].time : this.lastPress;
    const after = i < this.pending.length ? this.pending[i].time : Infinity;
    if (f.time - before < gap || after - f.time < gap) return;
    this.pending.splice(i, 0, f);
  }
}
