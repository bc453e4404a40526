/**
 * RMSProp as TensorFlow 1 and OpenAI baselines define it (and Stable-Baselines3's RMSpropTFLike): the average
 * of squared gradients starts at 1 (tfjs's RMSPropOptimizer starts it at 0) and epsilon sits inside the square
 * root:  ms <- decay * ms + (1 - decay) * g^2;   w <- w - lr * g / sqrt(ms + eps).
 * And gradient clipping by global norm, which tfjs lacks: all gradients are scaled together by
 * min(1, maxNorm / (norm + 1e-6)), norm being the L2 norm of all of them (as torch's clip_grad_norm_).
 *
 * Both work on all parameters at once as one flat vector: a handful of tfjs ops per update instead of a
 * dozen per variable, which is most of an update's cost for the small networks used on `ram`.
 */
import { tf } from './tf.js';

/** All gradients as one flat vector, in the order of `grads`. */
export function flatten(grads: tf.Tensor[]): tf.Tensor1D {
  return tf.tidy(() => tf.concat(grads.map((g) => tf.reshape(g, [-1]))) as tf.Tensor1D);
}

/** Returns the clipped gradient vector and its norm before clipping. */
export function clipByGlobalNorm(flat: tf.Tensor1D, maxNorm: number): { clipped: tf.Tensor1D; norm: tf.Scalar } {
  return tf.tidy(() => {
    const norm = tf.norm(flat) as tf.Scalar;
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    return { clipped: tf.mul(flat, scale) as tf.Tensor1D, norm };
  });
}

export interface RMSPropOptions {
  decay: number;
  epsilon: number;
}

export class RMSPropTF {
  /** The running average of squared gradients, one entry per parameter. */
  readonly ms: tf.Variable;
  private readonly sizes: number[];

  constructor(
    readonly variables: tf.Variable[],
    readonly options: RMSPropOptions,
  ) {
    if (!(options.decay >= 0 && options.decay < 1)) throw new RangeError(`RMSProp decay must be in [0, 1), got ${options.decay}`);
    if (!(options.epsilon > 0)) throw new RangeError(`RMSProp epsilon must be positive, got ${options.epsilon}`);
    this.sizes = variables.map((v) => v.size);
    const total = this.sizes.reduce((a, b) => a + b, 0);
    this.ms = tf.tidy(() => tf.variable(tf.ones([total]), false));
  }

  /** One step with learning rate `lr` along the flat gradient `g` (in the order of `variables`). */
  apply(g: tf.Tensor1D, lr: number): void {
    const { decay, epsilon } = this.options;
    tf.tidy(() => {
      const ms = tf.add(tf.mul(this.ms, decay), tf.mul(tf.square(g), 1 - decay));
      this.ms.assign(ms);
      const steps = tf.split(tf.mul(tf.div(g, tf.sqrt(tf.add(ms, epsilon))), lr), this.sizes);
      this.variables.forEach((v, i) => v.assign(tf.sub(v, tf.reshape(steps[i], v.shape))));
    });
  }

  getState(): Float32Array {
    return this.ms.dataSync() as Float32Array;
  }

  setState(state: Float32Array): void {
    if (state.length !== this.ms.size) throw new Error(`optimizer state has ${state.length} values, expected ${this.ms.size}`);
    tf.tidy(() => this.ms.assign(tf.tensor1d(state)));
  }

  dispose(): void {
    this.ms.dispose();
  }
}

export interface AdamOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * Adam (Kingma & Ba 2015) on one flat gradient vector, like `RMSPropTF`, so its whole state is two vectors and
 * a step count to checkpoint (tfjs's AdamOptimizer keeps per-variable slots that are awkward to save).
 */
export class FlatAdam {
  readonly m: tf.Variable;
  readonly v: tf.Variable;
  t = 0;
  private readonly sizes: number[];

  constructor(
    readonly variables: tf.Variable[],
    readonly options: AdamOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  ) {
    const { beta1, beta2, epsilon } = options;
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) throw new RangeError(`Adam betas must be in [0, 1), got ${beta1}, ${beta2}`);
    if (!(epsilon > 0)) throw new RangeError(`Adam epsilon must be positive, got ${epsilon}`);
    this.sizes = variables.map((v) => v.size);
    const total = this.sizes.reduce((a, b) => a + b, 0);
    this.m = tf.tidy(() => tf.variable(tf.zeros([total]), false));
    this.v = tf.tidy(() => tf.variable(tf.zeros([total]), false));
  }

  apply(g: tf.Tensor1D, lr: number): void {
    const { beta1, beta2, epsilon } = this.options;
    this.t++;
    const step = (lr * Math.sqrt(1 - beta2 ** this.t)) / (1 - beta1 ** this.t);
    tf.tidy(() => {
      const m = tf.add(tf.mul(this.m, beta1), tf.mul(g, 1 - beta1));
      const v = tf.add(tf.mul(this.v, beta2), tf.mul(tf.square(g), 1 - beta2));
      this.m.assign(m);
      this.v.assign(v);
      const steps = tf.split(tf.mul(tf.div(m, tf.add(tf.sqrt(v), epsilon)), step), this.sizes);
      this.variables.forEach((x, i) => x.assign(tf.sub(x, tf.reshape(steps[i], x.shape))));
    });
  }

  getState(): { t: number; m: Float32Array; v: Float32Array } {
    return { t: this.t, m: this.m.dataSync() as Float32Array, v: this.v.dataSync() as Float32Array };
  }

  setState(state: { t: number; m: Float32Array; v: Float32Array }): void {
    if (state.m.length !== this.m.size || state.v.length !== this.v.size) {
      throw new Error(`Adam state has ${state.m.length}/${state.v.length} values, expected ${this.m.size}`);
    }
    if (!Number.isInteger(state.t) || state.t < 0) throw new Error(`Adam step count must be a non-negative integer, got ${state.t}`);
    this.t = state.t;
    tf.tidy(() => {
      this.m.assign(tf.tensor1d(state.m));
      this.v.assign(tf.tensor1d(state.v));
    });
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}
