/**
 * Test helpers for the exporters: random ensemble specs, and the spec's meaning computed in tfjs straight from
 * the spec (normalisation applied after each member, not folded), independent of both exporters.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Rng } from '../../src/env/rng.js';
import { type Activation, type ConvLayerSpec, convOutputShape, type DenseLayerSpec, type ImageSpec, type RewardEnsembleSpec } from '../../src/export/model-spec.js';
import { tf } from '../../src/learning/tf.js';

export interface RandomSpecOptions {
  obsSize: number;
  numActions: number;
  /** Hidden layer sizes and activation, one entry per member. */
  members: { hidden: number[]; activation: Activation }[];
  alpha?: number;
}

function randomLayer(rng: Rng, inputs: number, units: number, activation: Activation, alpha: number): DenseLayerSpec {
  // Glorot-uniform weights keep activations of order 1 through the stack, as a trained net's would be.
  const limit = Math.sqrt(6 / (inputs + units));
  const kernel = Float32Array.from({ length: inputs * units }, () => rng.range(-limit, limit));
  const bias = Float32Array.from({ length: units }, () => rng.range(-0.1, 0.1));
  return { inputs, units, kernel, bias, activation, ...(activation === 'leakyRelu' ? { alpha } : {}) };
}

export function randomSpec(seed: number, options: RandomSpecOptions): RewardEnsembleSpec {
  const rng = new Rng(seed);
  const members = options.members.map(({ hidden, activation }) => {
    const sizes = [options.obsSize, ...hidden];
    const layers = hidden.map((units, l) => randomLayer(rng, sizes[l], units, activation, options.alpha ?? 0.01));
    layers.push(randomLayer(rng, sizes[sizes.length - 1], options.numActions, 'linear', 0));
    return { layers, shift: rng.range(-1, 1), scale: rng.range(0.5, 2) };
  });
  return { obsSize: options.obsSize, numActions: options.numActions, members };
}

export interface RandomImageSpecOptions {
  image: ImageSpec;
  /** [size, stride, filters] of each convolution (leakyRelu), as RewardModelConfig.conv. */
  convs: [number, number, number][];
  hidden: number[];
  members: number;
  numActions: number;
  alpha?: number;
}

/** A convolutional spec: every member leakyRelu convolutions, then leakyRelu dense layers and a linear output. */
export function randomImageSpec(seed: number, options: RandomImageSpecOptions): RewardEnsembleSpec {
  const rng = new Rng(seed);
  const alpha = options.alpha ?? 0.01;
  const { height, width, channels } = options.image;
  const members = Array.from({ length: options.members }, () => {
    let [h, w, c] = [height, width, channels];
    const convs = options.convs.map(([size, stride, filters], l): ConvLayerSpec => {
      // Inputs are bytes (0-255), as the pixel observations: weights small enough to keep activations of order 1.
      const fanIn = size * size * c * (l === 0 ? 255 : 1);
      const kernel = Float32Array.from({ length: size * size * c * filters }, () => rng.range(-1, 1) * Math.sqrt(3 / fanIn));
      const bias = Float32Array.from({ length: filters }, () => rng.range(-0.1, 0.1));
      const layer = { size, stride, inChannels: c, filters, kernel, bias, activation: 'leakyRelu' as const, alpha };
      [h, w] = convOutputShape(h, w, size, stride);
      c = filters;
      return layer;
    });
    const sizes = [h * w * c, ...options.hidden];
    const layers = options.hidden.map((units, l) => randomLayer(rng, sizes[l], units, 'leakyRelu', alpha));
    layers.push(randomLayer(rng, sizes[sizes.length - 1], options.numActions, 'linear', 0));
    return { convs, layers, shift: rng.range(-1, 1), scale: rng.range(0.5, 2) };
  });
  return { obsSize: height * width * channels, numActions: options.numActions, image: { ...options.image }, members };
}

/** Bytes 0-255 as float32, as pixel observations are. */
export function randomImages(seed: number, batch: number, obsSize: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: batch * obsSize }, () => Math.floor(rng.range(0, 256)));
}

/** The spec of the task: obsSize 11, 6 actions, 3 members of 64-64 leakyRelu(0.01). */
export function threeMemberSpec(seed: number): RewardEnsembleSpec {
  const member = { hidden: [64, 64], activation: 'leakyRelu' as const };
  return randomSpec(seed, { obsSize: 11, numActions: 6, members: [member, member, member], alpha: 0.01 });
}

export function randomObs(seed: number, batch: number, obsSize: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: batch * obsSize }, () => rng.range(-2, 2));
}

/** mean over members of (raw_m(obs) − shift_m) · scale_m, as [batch * numActions] row-major. */
export function referenceReward(spec: RewardEnsembleSpec, obs: Float32Array): Float32Array {
  return tf.tidy(() => {
    const batch = obs.length / spec.obsSize;
    const x = tf.tensor2d(obs, [batch, spec.obsSize]);
    const activate = <T extends tf.Tensor>(h: T, layer: { activation: Activation; alpha?: number }): T =>
      layer.activation === 'relu' ? tf.relu(h) : layer.activation === 'leakyRelu' ? tf.leakyRelu(h, layer.alpha) : h;
    const normalised = spec.members.map((member) => {
      let h: tf.Tensor2D = x;
      if (spec.image !== undefined) {
        const { height, width, channels } = spec.image;
        let z = tf.reshape(x, [batch, height, width, channels]) as tf.Tensor4D;
        for (const c of member.convs ?? []) {
          z = activate(tf.add(tf.conv2d(z, tf.tensor4d(c.kernel, [c.size, c.size, c.inChannels, c.filters]), c.stride, 'valid'), tf.tensor1d(c.bias)), c);
        }
        h = tf.reshape(z, [batch, -1]);
      }
      for (const layer of member.layers) {
        h = activate(tf.add(tf.matMul(h, tf.tensor2d(layer.kernel, [layer.inputs, layer.units])), tf.tensor1d(layer.bias)), layer);
      }
      return tf.mul(tf.sub(h, member.shift), member.scale);
    });
    return tf.mean(tf.stack(normalised), 0).dataSync() as Float32Array;
  });
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/**
 * What tf.loadLayersModel('file://…') does with tfjs-node (absent here): read model.json, then each weights
 * group's paths relative to it, through tfjs's own getModelArtifactsForJSON.
 */
export function fileLoader(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: () => {
      const modelJson = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = manifest.flatMap((group) => group.paths.map((p) => new Uint8Array(readFileSync(join(dirname(modelJsonPath), p)))));
        return [specs, tf.io.concatenateArrayBuffers(buffers.map((b) => b.slice().buffer))];
      });
    },
  };
}
