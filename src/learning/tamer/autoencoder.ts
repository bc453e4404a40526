/**
 * Deep TAMER's encoder (Warnell et al. 2018): before any feedback, a convolutional autoencoder learns to
 * reconstruct frames of a random policy, and its encoder, frozen, is the state representation under Ĥ's heads,
 * so that the few presses a person gives train only the small dense layers on top.
 *
 * The encoder is the reward model's own convolutions (member 0's, then shared by every member); the decoder
 * mirrors them with transposed convolutions back to the 84x84 stack of frames (the same kernels, strides and
 * shapes in reverse; leaky ReLU between, linear at the end), trained with Adam on the mean squared error to the
 * frames scaled to [0, 1]. The decoder is thrown away.
 */
import { Rng } from '../../env/rng.js';
import { convOut } from '../nets.js';
import type { RewardModel } from '../preferences/reward-model.js';
import { tf } from '../tf.js';

export interface EncoderPretraining {
  /** Frames of a random policy to learn from (each an observation: a stack of frames, as bytes). */
  frames: number;
  /** Passes over them. */
  epochs: number;
}

export const ENCODER_PRETRAINING_DEFAULTS: EncoderPretraining = { frames: 5000, epochs: 3 };

const BATCH = 32;
const LR = 1e-3;

/**
 * Trains `model`'s convolutions as the encoder of an autoencoder on `observations` (stacked frames as bytes,
 * the model's image shape), then gives every member those weights. Returns the mean reconstruction loss of each
 * epoch. The model should freeze them (`frozenEncoder`) from then on.
 */
export function pretrainEncoder(model: RewardModel, observations: readonly Uint8Array[], epochs: number, seed: number): number[] {
  if (model.image === null) throw new Error('only a model that reads stacked frames (pixels) has an encoder to pretrain');
  if (observations.length === 0) throw new RangeError('pretraining the encoder needs frames');
  if (!(Number.isInteger(epochs) && epochs > 0)) throw new RangeError(`encoder pretraining epochs must be a positive integer, got ${epochs}`);
  const [h, w, c] = model.image;
  const encoder = model.encoder(0);
  // The shapes each convolution reads: the decoder gives them back in reverse.
  const shapes: [number, number, number][] = [[h, w, c]];
  for (const { w: k, stride } of encoder) {
    const [size, , , filters] = k.shape;
    const [ph, pw] = shapes[shapes.length - 1];
    shapes.push([convOut(ph, size, stride), convOut(pw, size, stride), filters]);
  }
  const init = tf.initializers.glorotUniform({ seed });
  const decoder = encoder.map(({ w: k }, i) => ({
    w: tf.variable(init.apply(k.shape) as tf.Tensor4D),
    b: tf.variable(tf.zeros([shapes[i][2]])),
  }));
  const optimizer = tf.train.adam(LR);
  const variables = [...encoder.flatMap(({ w: k, b }) => [k, b]), ...decoder.flatMap(({ w: k, b }) => [k, b])];
  const rng = new Rng();
  rng.seed(seed, 41);
  const order = Array.from(observations, (_, i) => i);
  const losses: number[] = [];
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      let sum = 0;
      for (let first = 0; first < order.length; first += BATCH) {
        const batch = order.slice(first, first + BATCH);
        const data = new Float32Array(batch.length * h * w * c);
        batch.forEach((o, i) => data.set(observations[o], i * h * w * c));
        const loss = tf.tidy((): tf.Scalar => {
          const x = tf.mul(tf.tensor4d(data, [batch.length, h, w, c]), 1 / 255) as tf.Tensor4D;
          const value = optimizer.minimize(
            () => {
              let z = x;
              for (const { w: k, b, stride } of encoder) z = tf.leakyRelu(tf.add(tf.conv2d(z, k as tf.Tensor4D, stride, 'valid'), b), model.config.leakyAlpha) as tf.Tensor4D;
              for (let i = decoder.length - 1; i >= 0; i--) {
                const [oh, ow, oc] = shapes[i];
                z = tf.add(tf.conv2dTranspose(z, decoder[i].w as tf.Tensor4D, [batch.length, oh, ow, oc], encoder[i].stride, 'valid'), decoder[i].b) as tf.Tensor4D;
                if (i > 0) z = tf.leakyRelu(z, model.config.leakyAlpha) as tf.Tensor4D;
              }
              return tf.mean(tf.square(tf.sub(z, x))) as tf.Scalar;
            },
            true,
            variables,
          );
          if (value === null) throw new Error('the autoencoder gave no loss');
          return value;
        });
        sum += loss.dataSync()[0] * batch.length;
        loss.dispose();
      }
      losses.push(sum / order.length);
    }
  } finally {
    optimizer.dispose();
    for (const { w: k, b } of decoder) {
      k.dispose();
      b.dispose();
    }
  }
  model.shareEncoder();
  return losses;
}
