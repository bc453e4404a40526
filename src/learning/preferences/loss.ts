/**
 * The preference loss of Christiano et al. (2017): the Bradley-Terry model over the clips' summed predicted
 * rewards, mixed with a chance `noise` that the answer was uniformly random,
 *   P[left preferred] = noise / 2 + (1 - noise) * sigmoid(sum r(left) - sum r(right)),
 * and the cross-entropy against the label's distribution: left = 1, right = 0, equal = 0.5 ("can't tell"
 * answers are not trained on). Computed in log space for stability.
 */
import { tf } from '../tf.js';

/** Mean cross-entropy over a batch; `target` is the probability that the left clip is preferred. */
export function preferenceLoss(sumLeft: tf.Tensor1D, sumRight: tf.Tensor1D, target: tf.Tensor1D, noise: number): tf.Scalar {
  if (!(noise >= 0 && noise < 1)) throw new RangeError(`preference noise must be in [0, 1), got ${noise}`);
  return tf.tidy(() => {
    const d = tf.sub(sumLeft, sumRight);
    // log P[left] and log P[right] without forming sigmoid(d) in float: log(n/2 + (1 - n) * sigmoid(d)).
    const logSigL = tf.neg(tf.softplus(tf.neg(d)));
    const logSigR = tf.neg(tf.softplus(d));
    const mixed = (logSig: tf.Tensor) =>
      noise === 0 ? logSig : tf.log(tf.add(noise / 2, tf.mul(1 - noise, tf.exp(logSig))));
    const logPL = mixed(logSigL);
    const logPR = mixed(logSigR);
    const ce = tf.neg(tf.add(tf.mul(target, logPL), tf.mul(tf.sub(1, target), logPR)));
    return tf.mean(ce) as tf.Scalar;
  });
}
