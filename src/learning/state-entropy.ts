/**
 * A state-entropy exploration bonus, as PEBBLE's unsupervised pretraining (Lee et al. 2021) and RE3 (Seo et al.
 * 2021): each observation is paid the particle estimate of the state entropy's share it adds, log(1 + the
 * distance to its k-th nearest neighbour) among the states the agent visited lately. An agent paid it goes where
 * it has not been, so its clips show more of the game than a learned reward's first guess would lead it to.
 *
 * The recent states are a memory of `capacity` observations taken from the rollouts (every `stride`-th of each,
 * starting at a place that turns with the updates, so that every env and step is kept in turn). The bonus of a
 * rollout is standardised over the rollout (zero mean, unit standard deviation), so that its scale is the
 * caller's and a constant part of the novelty (counters that change every step) pays nothing; the caller
 * multiplies it by its coefficient. It reads observations as they are (the ram features, each in [-1, 1]).
 */
import { tf } from './tf.js';

/** The neighbour whose distance is the estimate (RE3 and PEBBLE: k = 3 and 5; we take RE3's). */
export const STATE_ENTROPY_K = 3;
/** Observations kept in the memory. */
export const STATE_ENTROPY_MEMORY = 1024;
/** One of this many observations of a rollout goes into the memory. */
export const STATE_ENTROPY_STRIDE = 4;

/** The agent steps over which a new run's bonus falls to 0 unless told: the first third of the run. */
export function defaultStateEntropySteps(totalSteps: number): number {
  return Math.max(1, Math.round(totalSteps / 3));
}

export interface StateEntropyState {
  /** capacity x obsSize; only the first `size` rows are filled. */
  memory: Float32Array;
  size: number;
  /** The row the next remembered observation overwrites once the memory is full. */
  next: number;
  /** Rollouts seen (turns the place remembering starts at). */
  rollouts: number;
}

export class StateEntropy {
  private readonly memory: Float32Array;
  private size = 0;
  private next = 0;
  private rollouts = 0;

  constructor(
    readonly obsSize: number,
    readonly capacity = STATE_ENTROPY_MEMORY,
    readonly k = STATE_ENTROPY_K,
    readonly stride = STATE_ENTROPY_STRIDE,
  ) {
    if (!Number.isInteger(capacity) || capacity < k) throw new RangeError(`the state-entropy memory must hold at least k = ${k} observations, got ${capacity}`);
    this.memory = new Float32Array(capacity * obsSize);
  }

  /** log(1 + distance to the k-th nearest remembered observation) of each of the `n` observations; zeros while fewer than k are remembered. */
  novelty(obs: Float32Array, n: number): Float32Array {
    const out = new Float32Array(n);
    if (this.size < this.k) return out;
    const d = this.obsSize;
    const m = this.size;
    // |x - y|^2 = |x|^2 + |y|^2 - 2 x.y, the products as one matrix multiplication.
    const dist2 = tf.tidy(() => {
      const x = tf.tensor2d(obs.subarray(0, n * d), [n, d]);
      const y = tf.tensor2d(this.memory.subarray(0, m * d), [m, d]);
      const xx = tf.sum(tf.square(x), 1, true);
      const yy = tf.reshape(tf.sum(tf.square(y), 1), [1, m]);
      return tf.sub(tf.add(xx, yy), tf.mul(2, tf.matMul(x, y, false, true)));
    });
    const all = dist2.dataSync() as Float32Array;
    dist2.dispose();
    const nearest = new Float64Array(this.k);
    for (let i = 0; i < n; i++) {
      nearest.fill(Infinity);
      const row = all.subarray(i * m, (i + 1) * m);
      for (let j = 0; j < m; j++) {
        const v = row[j];
        if (v >= nearest[this.k - 1]) continue;
        let p = this.k - 1;
        while (p > 0 && nearest[p - 1] > v) {
          nearest[p] = nearest[p - 1];
          p--;
        }
        nearest[p] = v;
      }
      out[i] = Math.log1p(Math.sqrt(Math.max(0, nearest[this.k - 1])));
    }
    return out;
  }

  /** Keeps every `stride`-th of the `n` observations (oldest overwritten first once full). */
  remember(obs: Float32Array, n: number): void {
    const d = this.obsSize;
    for (let i = this.rollouts % this.stride; i < n; i += this.stride) {
      this.memory.set(obs.subarray(i * d, (i + 1) * d), this.next * d);
      this.next = (this.next + 1) % this.capacity;
      this.size = Math.min(this.size + 1, this.capacity);
    }
    this.rollouts++;
  }

  /** The rollout's bonus, standardised over its `n` observations (zeros where they do not differ), then remembers them. */
  bonus(obs: Float32Array, n: number): Float32Array {
    const nov = this.novelty(obs, n);
    this.remember(obs, n);
    let mean = 0;
    for (const v of nov) mean += v;
    mean /= n;
    let sq = 0;
    for (const v of nov) sq += (v - mean) ** 2;
    const std = Math.sqrt(sq / n);
    if (!(std > 1e-8)) return nov.fill(0);
    for (let i = 0; i < n; i++) nov[i] = (nov[i] - mean) / std;
    return nov;
  }

  getState(): StateEntropyState {
    return { memory: this.memory.slice(), size: this.size, next: this.next, rollouts: this.rollouts };
  }

  setState(s: StateEntropyState): void {
    if (s.memory.length !== this.memory.length) {
      throw new RangeError(`the state-entropy memory holds ${s.memory.length} numbers, this run's ${this.memory.length} (${this.capacity} observations of ${this.obsSize})`);
    }
    const within = (v: number, max: number) => Number.isInteger(v) && v >= 0 && v <= max;
    if (!within(s.size, this.capacity) || !within(s.next, this.capacity - 1) || !within(s.rollouts, Number.MAX_SAFE_INTEGER)) {
      throw new RangeError(`the state-entropy memory's bookkeeping is out of range: size ${s.size}, next ${s.next}, rollouts ${s.rollouts} (capacity ${this.capacity})`);
    }
    this.memory.set(s.memory);
    this.size = s.size;
    this.next = s.next;
    this.rollouts = s.rollouts;
  }
}
