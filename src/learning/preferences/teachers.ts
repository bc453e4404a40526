/**
 * Synthetic teachers, following B-Pref (Lee et al. 2021): they answer "which of these two clips is better?"
 * from the clips' true rewards, through the same answers a person gives, so the whole preference loop can run
 * without a person. The steps, in B-Pref's order:
 *
 *   1. skip:    both clips nearly worthless (max of the two returns < delta_skip)  -> "can't tell"
 *   2. equal:   returns closer than delta_equal                                   -> "equal"
 *   3. myopic:  returns weighted by gamma^(H - t), so later steps count more
 *   4. rationality beta: P[left] = sigmoid(beta * (R_left - R_right)); beta = Infinity answers the argmax
 *      (and "equal" on an exact tie)
 *   5. mistake: the answer is flipped with probability epsilon
 *
 * B-Pref scales the thresholds with the task: delta = ratio * (mean of the last 10 true episode returns) *
 * H / (episode length), i.e. `ratio` times the average true return of H steps; `setReturnScale` gives it.
 */
import { Rng } from '../../env/rng.js';

/** The answers a labeler (person or teacher) can give about a pair: left, right, equal, or can't tell. */
export const ANSWERS = ['left', 'right', 'equal', 'cant-tell'] as const;
export type Answer = (typeof ANSWERS)[number];

export interface TeacherParams {
  /** Rationality; Infinity = always the better clip. */
  beta: number;
  /** Myopic discount; 1 = all steps count the same. */
  gamma: number;
  /** Probability of flipping the answer. */
  epsilon: number;
  /** "Can't tell" when both returns are below this fraction of an average H-step return. */
  skipRatio: number;
  /** "Equal" when the returns differ by less than this fraction of an average H-step return. */
  equalRatio: number;
}

/** B-Pref's named teachers. */
export const TEACHERS = {
  oracle: { beta: Infinity, gamma: 1, epsilon: 0, skipRatio: 0, equalRatio: 0 },
  stochastic: { beta: 1, gamma: 1, epsilon: 0, skipRatio: 0, equalRatio: 0 },
  myopic: { beta: Infinity, gamma: 0.9, epsilon: 0, skipRatio: 0, equalRatio: 0 },
  mistake: { beta: Infinity, gamma: 1, epsilon: 0.1, skipRatio: 0, equalRatio: 0 },
  skip: { beta: Infinity, gamma: 1, epsilon: 0, skipRatio: 0.1, equalRatio: 0 },
  equal: { beta: Infinity, gamma: 1, epsilon: 0, skipRatio: 0, equalRatio: 0.1 },
} as const satisfies Record<string, TeacherParams>;

export type TeacherName = keyof typeof TEACHERS;

export function validateTeacherParams(p: TeacherParams): TeacherParams {
  const bad = (name: string, want: string, got: number) => new RangeError(`teacher ${name} must be ${want}, got ${got}`);
  if (!(p.beta > 0)) throw bad('beta (rationality)', 'positive (Infinity for a perfectly rational teacher)', p.beta);
  if (!(p.gamma > 0 && p.gamma <= 1)) throw bad('gamma (myopia)', 'in (0, 1]', p.gamma);
  if (!(p.epsilon >= 0 && p.epsilon <= 0.5)) throw bad('epsilon (mistake probability)', 'in [0, 0.5]', p.epsilon);
  if (!(p.skipRatio >= 0 && Number.isFinite(p.skipRatio))) throw bad('skipRatio', 'a finite number >= 0', p.skipRatio);
  if (!(p.equalRatio >= 0 && Number.isFinite(p.equalRatio))) throw bad('equalRatio', 'a finite number >= 0', p.equalRatio);
  return p;
}

export class SyntheticTeacher {
  readonly params: TeacherParams;
  private readonly rng: Rng;
  /** Average true return per agent step, for B-Pref's thresholds. */
  private returnPerStep = 0;

  constructor(
    readonly name: string,
    params: Partial<TeacherParams> = {},
    seed = 0,
  ) {
    const base = (TEACHERS as Record<string, TeacherParams>)[name];
    if (base === undefined && Object.keys(params).length === 0) {
      throw new RangeError(`unknown teacher "${name}"; known: ${Object.keys(TEACHERS).join(', ')}`);
    }
    this.params = validateTeacherParams({ ...(base ?? TEACHERS.oracle), ...params });
    this.rng = new Rng(seed);
    this.rng.seed(seed, 11);
  }

  /**
   * Sets the scale of the skip and equal thresholds from recent true episodes, as B-Pref: the mean return
   * of the last 10 episodes over their mean length.
   */
  setReturnScale(meanEpisodeReturn: number, meanEpisodeLength: number): void {
    if (!(meanEpisodeLength > 0) || !Number.isFinite(meanEpisodeReturn)) {
      throw new RangeError(`return scale needs a finite mean return and a positive mean length, got ${meanEpisodeReturn} over ${meanEpisodeLength}`);
    }
    this.returnPerStep = meanEpisodeReturn / meanEpisodeLength;
  }

  /** Answers for two clips given their true per-step rewards (equal lengths). */
  answer(left: ArrayLike<number>, right: ArrayLike<number>): Answer {
    if (left.length !== right.length || left.length === 0) {
      throw new RangeError(`a teacher compares clips of equal, non-zero length; got ${left.length} and ${right.length} steps`);
    }
    const { beta, gamma, epsilon, skipRatio, equalRatio } = this.params;
    const H = left.length;
    const sumL = sum(left);
    const sumR = sum(right);
    const scale = Math.abs(this.returnPerStep) * H;
    if (skipRatio > 0 && Math.max(sumL, sumR) < skipRatio * scale) return 'cant-tell';
    if (equalRatio > 0 && Math.abs(sumL - sumR) < equalRatio * scale) return 'equal';
    const l = discounted(left, gamma);
    const r = discounted(right, gamma);
    let answer: Answer;
    if (beta === Infinity) {
      if (l === r) return 'equal';
      answer = l > r ? 'left' : 'right';
    } else {
      const pLeft = 1 / (1 + Math.exp(-beta * (l - r)));
      answer = this.rng.next() < pLeft ? 'left' : 'right';
    }
    if (epsilon > 0 && this.rng.next() < epsilon) answer = answer === 'left' ? 'right' : 'left';
    return answer;
  }
}

function sum(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s;
}

/** Sum of gamma^(H - 1 - t) * r_t: the last step has weight 1, earlier ones less. */
function discounted(xs: ArrayLike<number>, gamma: number): number {
  if (gamma === 1) return sum(xs);
  let s = 0;
  for (let t = 0; t < xs.length; t++) s = s * gamma + xs[t];
  return s;
}
