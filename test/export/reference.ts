/**
 * Test helpers for the exporters: random ensemble specs, and the spec's meaning computed in tfjs straight from
 * the spec (normalisation applied after each member, not folded), independent of both exporters.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Rng } from '../../src/env/rng.js';
import type { Activation, DenseLayerSpec, RewardEnsembleSpec } from '../../src/export/model-spec.js';
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
    const x = tf.tensor2d(obs, [obs.length / spec.obsSize, spec.obsSize]);
    const normalised = spec.members.map((member) => {
      let h: tf.Tensor2D = x;
      for (const layer of member.layers) {
        h = tf.add(tf.matMul(h, tf.tensor2d(layer.kernel, [layer.inputs, layer.units])), tf.tensor1d(layer.bias));
        if (layer.activation === 'relu') h = tf.relu(h);
        if (layer.activation === 'leakyRelu') h = tf.leakyRelu(h, layer.alpha);
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
