/**
 * RMSProp as TensorFlow 1 and OpenAI baselines define it (and Stable-Baselines3's RMSpropTFLike): the average
 * of squared gradients starts at 1 (tfjs's RMSPropOptimizer starts it at 0) and epsilon sits inside the square
 * root:  ms <- decay * ms + (1 - decay) * g^2;   w <- w - lr * g / sqrt(ms + eps).
 * And gradient clipping by global norm, which tfjs lacks: all gradients are scaled by
 * min(1, maxNorm / (norm + 1e-6)), where norm is the L2 norm of all of them together (as torch's clip_grad_norm_).
 */
import { tf } from './tf.js';

export function globalNorm(grads: tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
}

/** Returns the clipped gradients (new tensors) and the norm before clipping. */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): { clipped: tf.Tensor[]; norm: tf.Scalar } {
  return tf.tidy(() => {
    const norm = globalNorm(grads);
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    return { clipped: grads.map((g) => tf.mul(g, scale)), norm };
  });
}

export interface RMSPropOptions {
  decay: number;
  epsilon: number;
}

export class RMSPropTF {
  readonly ms: tf.Variable[];

  constructor(
    readonly variables: tf.Variable[],
    readonly options: RMSPropOptions,
  ) {
    if (!(options.decay >= 0 && options.decay < 1)) throw new RangeError(`RMSProp decay must be in [0, 1), got ${options.decay}`);
    if (!(options.epsilon > 0)) throw new RangeError(`RMSProp epsilon must be positive, got ${options.epsilon}`);
    this.ms = variables.map((v) => tf.tidy(() => tf.variable(tf.onesLike(v), false)));
  }

  /** One step with learning rate `lr`; `grads[i]` belongs to `variables[i]`. */
  apply(grads: tf.Tensor[], lr: number): void {
    const { decay, epsilon } = this.options;
    tf.tidy(() => {
      for (let i = 0; i < this.variables.length; i++) {
        const g = grads[i];
        const ms = tf.add(tf.mul(this.ms[i], decay), tf.mul(tf.square(g), 1 - decay));
        this.ms[i].assign(ms);
        this.variables[i].assign(tf.sub(this.variables[i], tf.mul(lr, tf.div(g, tf.sqrt(tf.add(ms, epsilon))))));
      }
    });
  }

  getState(): Float32Array[] {
    return this.ms.map((m) => m.dataSync() as Float32Array);
  }

  setState(state: Float32Array[]): void {
    if (state.length !== this.ms.length) throw new Error(`optimizer state has ${state.length} slots, expected ${this.ms.length}`);
    this.ms.forEach((m, i) => {
      if (state[i].length !== m.size) throw new Error(`optimizer slot ${i} has ${state[i].length} values, expected ${m.size}`);
      tf.tidy(() => m.assign(tf.tensor(state[i], m.shape)));
    });
  }

  dispose(): void {
    for (const m of this.ms) m.dispose();
  }
}
