/**
 * The Deep TAMER loss (Warnell et al. 2018): the net predicts the human's reinforcement Ĥ(s, ·) for every
 * action, and a feedback h credited to (s, a) with weight w trains only the taken action's output:
 *   loss = (1 / batch) Σ_i w_i (Ĥ(s_i, a_i) − h_i)².
 *
 * Normalised by the batch size, not by Σ w: w is the probability that the feedback was about that step, so a
 * batch of weakly credited steps should move the net less than a batch of surely credited ones; dividing by
 * Σ w would scale every batch to full strength and let uncertain credit count as much as certain credit.
 */
import { tf } from '../tf.js';

/**
 * `predicted` is Ĥ for a batch, [batch, numActions]; `actions`, `feedback` (h) and `weights` (w) have one
 * entry per row.
 */
export function tamerLoss(
  predicted: tf.Tensor2D,
  actions: ArrayLike<number>,
  feedback: ArrayLike<number>,
  weights: ArrayLike<number>,
): tf.Scalar {
  const [B, A] = predicted.shape;
  if (B === 0) throw new RangeError('the TAMER loss needs a non-empty batch, got 0 rows of predictions');
  for (const [name, xs] of [['actions', actions], ['feedback', feedback], ['weights', weights]] as const) {
    if (xs.length !== B) throw new RangeError(`TAMER loss ${name} must have one entry per prediction row (${B}), got ${xs.length}`);
  }
  // Only the taken action's output: one-hot times sum, as the wasm backend lacks gather's gradient.
  const oneHot = new Float32Array(B * A);
  for (let i = 0; i < B; i++) {
    const a = actions[i];
    if (!(Number.isInteger(a) && a >= 0 && a < A)) {
      throw new RangeError(`TAMER loss action ${i} must be an integer in [0, ${A}), got ${a}`);
    }
    oneHot[i * A + a] = 1;
  }
  return tf.tidy(() => {
    const taken = tf.sum(tf.mul(predicted, tf.tensor2d(oneHot, [B, A])), 1);
    const err = tf.sub(taken, tf.tensor1d(Float32Array.from(feedback)));
    return tf.mean(tf.mul(tf.tensor1d(Float32Array.from(weights)), tf.square(err))) as tf.Scalar;
  });
}
