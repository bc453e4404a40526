/** Acting from policy logits. */
import type { ActorCritic } from './nets.js';
import { tf } from './tf.js';

/** Samples from softmax(logits) with `uniform` in [0, 1), or takes the argmax when `greedy`. */
export function chooseAction(logits: ArrayLike<number>, greedy: boolean, uniform: number): number {
  let best = 0;
  for (let a = 1; a < logits.length; a++) if (logits[a] > logits[best]) best = a;
  if (greedy) return best;
  const max = logits[best];
  let total = 0;
  for (let a = 0; a < logits.length; a++) total += Math.exp(logits[a] - max);
  let u = uniform * total;
  for (let a = 0; a < logits.length - 1; a++) {
    u -= Math.exp(logits[a] - max);
    if (u < 0) return a;
  }
  return logits.length - 1;
}

/** The action of `net`'s policy for one observation (bytes or floats): `chooseAction` on its logits. */
export function netAction(net: Pick<ActorCritic, 'forward'>, obs: Float32Array | Uint8Array, greedy: boolean, uniform: number): number {
  const logits = tf.tidy(() => net.forward(tf.tensor2d(obs, [1, obs.length], 'float32')).logits.dataSync());
  return chooseAction(logits, greedy, uniform);
}
