/**
 * Deep TAMER's feedback replay buffer (Warnell et al. 2018): every (step, action, h, w) with w > 0 that
 * credit assignment produced, so that the reward net keeps training on old feedback between new ones
 * (an update from the buffer every b steps, b = 10 and batch 8 in a replication).
 *
 * A "step" is whatever the trainer uses to find the observation again, typed by `S`: a step record id is
 * best, since a checkpoint then stays small and `getState` is JSON-safe (it is JSON-safe exactly when `S` is).
 * When full, the oldest entry is evicted first (FIFO). Minibatches are drawn uniformly without replacement,
 * so one feedback is never counted twice in an update while the buffer is still smaller than the batch.
 */
import { Rng, type RngState } from '../../env/rng.js';

export interface FeedbackEntry<S> {
  step: S;
  /** The action taken at the step. */
  action: number;
  /** The feedback value h, in [-1, 1]. */
  feedback: number;
  /** Its credit weight w, in (0, 1]. */
  weight: number;
}

export interface FeedbackReplayState<S> {
  /** Oldest first. */
  entries: FeedbackEntry<S>[];
  rng: RngState;
}

/**
 * At 15 steps/s one feedback credits about 57 steps (the 3.8 s window), so this holds some 1,750 feedbacks:
 * half an hour at one a second, twice the 15 minutes of feedback Deep TAMER trained Bowling on.
 */
export const DEFAULT_REPLAY_CAPACITY = 100_000;

export class FeedbackReplay<S> {
  /** Ring buffer: the oldest entry is at `head` once the buffer is full. */
  private readonly entries: FeedbackEntry<S>[] = [];
  private head = 0;
  private readonly rng = new Rng();

  constructor(
    readonly capacity = DEFAULT_REPLAY_CAPACITY,
    seed = 0,
  ) {
    if (!(Number.isInteger(capacity) && capacity > 0)) {
      throw new RangeError(`feedback replay capacity must be a positive integer, got ${capacity}`);
    }
    this.rng.seed(seed, 23);
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * Stores an entry, evicting the oldest when full. A zero weight is not stored (it carries no gradient) and
   * returns false; anything that is not a valid entry throws.
   */
  add(entry: FeedbackEntry<S>): boolean {
    checkEntry(entry, 'feedback replay entry');
    if (entry.weight === 0) return false;
    const copy = { ...entry };
    if (this.entries.length < this.capacity) {
      this.entries.push(copy);
    } else {
      this.entries[this.head] = copy;
      this.head = (this.head + 1) % this.capacity;
    }
    return true;
  }

  /** min(batchSize, size) distinct entries, uniformly at random from the seeded generator. */
  sample(batchSize: number): FeedbackEntry<S>[] {
    if (!(Number.isInteger(batchSize) && batchSize > 0)) {
      throw new RangeError(`feedback replay batch size must be a positive integer, got ${batchSize}`);
    }
    const n = this.entries.length;
    if (n === 0) throw new RangeError('cannot sample from an empty feedback replay buffer; add feedback first');
    // Floyd's algorithm: k distinct indices in O(k) draws, without shuffling all n.
    const k = Math.min(batchSize, n);
    const picked = new Set<number>();
    for (let j = n - k; j < n; j++) {
      const t = this.rng.int(j + 1);
      picked.add(picked.has(t) ? j : t);
    }
    // Indices count from the oldest entry, so a buffer restored from `getState` samples the same.
    return [...picked].map((i) => ({ ...this.entries[(this.head + i) % n] }));
  }

  /** The entries, oldest first, and the sampler's state. JSON-safe when `S` is. */
  getState(): FeedbackReplayState<S> {
    const ordered = [...this.entries.slice(this.head), ...this.entries.slice(0, this.head)];
    return { entries: ordered.map((e) => ({ ...e })), rng: this.rng.getState() };
  }

  /** Restores `getState`'s snapshot; `isStep` checks each stored step, as a checkpoint is untrusted JSON. */
  setState(state: unknown, isStep: (step: unknown) => step is S): void {
    const s = state as Partial<FeedbackReplayState<S>> | null;
    if (typeof s !== 'object' || s === null || !Array.isArray(s.entries)) {
      throw new TypeError(`feedback replay state must be an object with an entries array, got ${JSON.stringify(s)}`);
    }
    if (s.entries.length > this.capacity) {
      throw new RangeError(`feedback replay state holds ${s.entries.length} entries, more than this buffer's capacity ${this.capacity}`);
    }
    s.entries.forEach((e, i) => {
      checkEntry(e, `feedback replay state entry ${i}`);
      if (!(e.weight > 0)) throw new RangeError(`feedback replay state entry ${i} must have weight > 0, got ${e.weight}`);
      if (!isStep(e.step)) throw new TypeError(`feedback replay state entry ${i} has an invalid step: ${JSON.stringify(e.step)}`);
    });
    this.rng.setState(s.rng, 'feedback replay rng state');
    this.entries.length = 0;
    for (const e of s.entries) this.entries.push({ ...e });
    this.head = 0;
  }
}

function checkEntry<S>(e: FeedbackEntry<S>, what: string): void {
  if (typeof e !== 'object' || e === null) throw new TypeError(`${what} must be an object, got ${JSON.stringify(e)}`);
  if (!(Number.isInteger(e.action) && e.action >= 0)) {
    throw new RangeError(`${what} action must be a non-negative integer, got ${e.action}`);
  }
  if (!(Number.isFinite(e.feedback) && e.feedback >= -1 && e.feedback <= 1)) {
    throw new RangeError(`${what} feedback must be a finite number in [-1, 1], got ${e.feedback}`);
  }
  if (!(e.weight >= 0 && e.weight <= 1)) throw new RangeError(`${what} weight must be in [0, 1], got ${e.weight}`);
}
