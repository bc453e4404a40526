/**
 * The labels the reward model trains on: pairs of clips with the probability that the left one is preferred
 * (left 1, right 0, equal 0.5; "can't tell" answers stay in the run's label store but are never trained on).
 *
 * As Christiano et al. (2017):
 * - 1/e of the labels are held out for validation (the L2 weight is tuned on them, and they give the
 *   validation accuracy and the predicted-vs-true return correlation);
 * - each ensemble member trains on its own bootstrap resample of the labels. It is drawn online (Oza & Russell
 *   2001): each label gets, per member, a Poisson(1) count of copies, which is what resampling |D| labels with
 *   replacement gives each label as |D| grows, and stays fixed as labels arrive, so members keep different data;
 * - only the most recent `maxLabels` (3,000) labels are used.
 * Split and counts are drawn from the pair's id and the run's seed, so they do not depend on the order labels
 * arrive in, and a resumed run or an undo-and-relabel gives the same draws.
 */
import { Rng } from '../../env/rng.js';
import { type ClipObs, writeClipObs } from './clip-obs.js';
import type { Answer } from './teachers.js';

/** What the reward model needs of a clip. */
export interface ClipData {
  id: string;
  /** length x obsSize, step-major: the observation each action was taken in (pixels: as shared frames). */
  obs: ClipObs;
  /** length x obsSize: the observation after each step (for a reward model of transitions). */
  next: ClipObs;
  actions: Int32Array;
  /** The game's return over the clip: for metrics and synthetic teachers only, never for training. */
  trueReturn: number;
}

export interface Comparison {
  pairId: string;
  left: ClipData;
  right: ClipData;
  /** Probability that the left clip is preferred. */
  target: number;
  heldOut: boolean;
  /** Bootstrap copies per ensemble member. */
  counts: Uint8Array;
  /** A person gave the answer a second look (changed or kept it from the history): a label screen trusts it. */
  reviewed: boolean;
}

/**
 * The steps of equal-length clips one after another: obs (clips x length x obsSize) and actions, and next
 * likewise when `withNext` (for a reward model of transitions).
 */
export function stackClips(clips: readonly ClipData[], obsSize: number, withNext: boolean): { obs: Float32Array; next?: Float32Array; actions: Int32Array } {
  const H = clips.length > 0 ? clips[0].actions.length : 0;
  const obs = new Float32Array(clips.length * H * obsSize);
  const next = withNext ? new Float32Array(clips.length * H * obsSize) : undefined;
  const actions = new Int32Array(clips.length * H);
  clips.forEach((c, i) => {
    if (c.actions.length !== H) throw new RangeError(`clip ${c.id} has ${c.actions.length} steps, the others ${H}`);
    if (c.obs.length !== H * obsSize) throw new RangeError(`clip ${c.id} has ${c.obs.length} observation values, not ${H} steps of ${obsSize}`);
    writeClipObs(c.obs, obs, i * H * obsSize);
    if (next !== undefined) writeClipObs(c.next, next, i * H * obsSize);
    actions.set(c.actions, i * H);
  });
  return { obs, next, actions };
}

/** The label distribution of an answer; null for "can't tell", which is not trained on. */
export function answerTarget(answer: Answer): number | null {
  switch (answer) {
    case 'left':
      return 1;
    case 'right':
      return 0;
    case 'equal':
      return 0.5;
    case 'cant-tell':
      return null;
  }
}

/** 32-bit FNV-1a of a string: a stable seed from a pair's id. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A Poisson(1) draw by inversion (counts above 7 have probability < 1e-5 and are capped). */
export function poissonOne(u: number): number {
  let k = 0;
  let p = Math.exp(-1);
  let cdf = p;
  while (u > cdf && k < 7) {
    k++;
    p /= k;
    cdf += p;
  }
  return k;
}

export interface DatasetOptions {
  members: number;
  /** Fraction held out for validation (1/e). */
  valFraction: number;
  /** Only the most recent labels are trained on (3,000). */
  maxLabels: number;
  seed: number;
}

export class PreferenceDataset {
  private readonly items = new Map<string, Comparison>();
  private activeCache: { train: Comparison[]; heldOut: Comparison[]; perMember: Comparison[][]; trainable: Comparison[]; leftOut: Comparison[] } | null = null;
  /** Training labels not sampled for now (screen.ts): the pair ids a label screen does not trust. */
  private distrusted: ReadonlySet<string> = new Set();

  constructor(readonly options: DatasetOptions) {
    const { members, valFraction, maxLabels } = options;
    if (!Number.isInteger(members) || members < 1) throw new RangeError(`ensemble members must be a positive integer, got ${members}`);
    if (!(valFraction >= 0 && valFraction < 1)) throw new RangeError(`validation fraction must be in [0, 1), got ${valFraction}`);
    if (!Number.isInteger(maxLabels) || maxLabels < 1) throw new RangeError(`maxLabels must be a positive integer, got ${maxLabels}`);
  }

  /** Labels trained on or held out (not "can't tell"), within the most recent maxLabels. */
  get size(): number {
    return Math.min(this.items.size, this.options.maxLabels);
  }

  /**
   * Adds a label, or replaces the pair's previous one in its place (a changed answer keeps its age).
   * "can't tell" is not trained on. `reviewed`: a person gave it a second look, so it is never distrusted.
   */
  add(pairId: string, left: ClipData, right: ClipData, answer: Answer, reviewed = false): Comparison | null {
    this.activeCache = null;
    const target = answerTarget(answer);
    if (target === null) {
      this.items.delete(pairId);
      return null;
    }
    if (left.actions.length !== right.actions.length || left.obs.length !== right.obs.length) {
      throw new RangeError(`pair ${pairId}: clips ${left.id} and ${right.id} differ in length`);
    }
    const rng = new Rng();
    rng.seed(hashString(pairId) ^ this.options.seed, 13);
    const heldOut = rng.next() < this.options.valFraction;
    const counts = new Uint8Array(this.options.members);
    for (let m = 0; m < counts.length; m++) counts[m] = poissonOne(rng.next());
    const c: Comparison = { pairId, left, right, target, heldOut, counts, reviewed };
    this.items.set(pairId, c);
    return c;
  }

  /** Forgets a pair's label (after an undo); unknown ids are ignored. */
  remove(pairId: string): void {
    if (this.items.delete(pairId)) this.activeCache = null;
  }

  private active() {
    if (this.activeCache === null) {
      const all = [...this.items.values()].slice(-this.options.maxLabels);
      const train = all.filter((c) => !c.heldOut);
      const leftOut = this.distrusted.size === 0 ? [] : train.filter((c) => this.leaves(c));
      const trainable = leftOut.length === 0 ? train : train.filter((c) => !this.leaves(c));
      const perMember = Array.from({ length: this.options.members }, (_, m) => trainable.flatMap((c) => Array<Comparison>(c.counts[m]).fill(c)));
      this.activeCache = { train, heldOut: all.filter((c) => c.heldOut), perMember, trainable, leftOut };
    }
    return this.activeCache;
  }

  /**
   * Stops sampling the training labels of these pairs (and samples every other again), except those a person
   * reviewed; the labels stay in `train`.
   */
  setDistrusted(pairIds: ReadonlySet<string>): void {
    this.distrusted = pairIds;
    this.activeCache = null;
  }

  /** Whether the label is left out of training: distrusted by a label screen and not reviewed by a person since. */
  private leaves(c: Comparison): boolean {
    return !c.reviewed && this.distrusted.has(c.pairId);
  }

  /** Whether this pair's label is one of `leftOut`. */
  isDistrusted(pairId: string): boolean {
    const c = this.items.get(pairId);
    return c !== undefined && !c.heldOut && this.leaves(c);
  }

  /**
   * Withdraws a person's review of the pair's label (a Keep by mistake): it is distrusted again if the last
   * screening distrusted it, and the next one judges it. Returns whether it was reviewed.
   */
  unreview(pairId: string): boolean {
    const c = this.items.get(pairId);
    if (c === undefined || !c.reviewed) return false;
    c.reviewed = false;
    this.activeCache = null;
    return true;
  }

  /** Whether the pair's label in training was reviewed by a person (add's `reviewed`). */
  isReviewed(pairId: string): boolean {
    return this.items.get(pairId)?.reviewed === true;
  }

  /** Training labels sampled from: `train` less `leftOut`. */
  get trainable(): readonly Comparison[] {
    return this.active().trainable;
  }

  /** Training labels a label screen distrusts (setDistrusted) and no person has reviewed since: not sampled. */
  get leftOut(): readonly Comparison[] {
    return this.active().leftOut;
  }

  get train(): readonly Comparison[] {
    return this.active().train;
  }

  get heldOut(): readonly Comparison[] {
    return this.active().heldOut;
  }

  /**
   * A minibatch for one member, drawn uniformly from its bootstrap resample (from all training labels while
   * its resample is still empty). Empty if there are no training labels.
   */
  sample(member: number, batchSize: number, rng: Rng): Comparison[] {
    const { perMember, trainable } = this.active();
    const pool = perMember[member].length > 0 ? perMember[member] : trainable;
    if (pool.length === 0) return [];
    return Array.from({ length: batchSize }, () => pool[Math.floor(rng.next() * pool.length)]);
  }
}
