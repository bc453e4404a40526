/**
 * The reward-model ensemble as a tfjs LayersModel: a functional model with one input `obs` [batch, obsSize]
 * ([batch, height, width, channels] for an image spec), one stack per member (an image spec's convolutions
 * `member<m>_conv<l>`, each followed by `member<m>_conv_leaky_relu<l>` when leaky, and `member<m>_flatten`; then
 * dense layers `member<m>_dense<l>`, a `member<m>_leaky_relu<l>` layer after each
 * leakyRelu dense layer, each member's normalisation folded into its last layer) and, with two or more members,
 * an `average` layer; the output layer is named `reward` [batch, numActions]. On disk it is the standard pair
 * `model.json` (Keras topology, `weightsManifest` pointing at `./weights.bin`, and `userDefinedMetadata`
 * saying what the output means) and `weights.bin` (float32, little-endian). Load it in tfjs with
 * `await tf.loadLayersModel('file://…/model.json')` (tfjs-node) or an http(s) URL, then `model.predict(obs)`;
 * in Python with the tensorflowjs package: `tensorflowjs.converters.load_keras_model("model.json")`, or
 * convert it to Keras with `tensorflowjs_converter --input_format tfjs_layers_model --output_format keras`.
 * The caller initialises tfjs first (`initTf` in `src/learning/tf.ts`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../learning/tf.js';
import { writeFileAtomic } from '../store/atomic.js';
import { type Activation, type RewardEnsembleSpec, foldedMembers } from './model-spec.js';

const WEIGHTS_FILE = 'weights.bin';

export interface TfjsArtifacts {
  /** The contents of model.json; its weightsManifest names `./weights.bin`. */
  modelJson: tf.io.ModelJSON;
  /** The contents of weights.bin. */
  weightsBin: Uint8Array;
}

/** What the output means, stored with the model (tfjs's userDefinedMetadata). */
function describeOutput(spec: RewardEnsembleSpec): Record<string, unknown> {
  return {
    producer: 'rlhf-arcade',
    obsSize: spec.obsSize,
    ...(spec.image !== undefined && { obsShape: [spec.image.height, spec.image.width, spec.image.channels] }),
    numActions: spec.numActions,
    members: spec.members.length,
    output: 'reward[b, a]: normalised reward of taking action a given obs[b] (mean over members of (raw - shift) * scale, folded into the weights)',
  };
}

/** Builds the model with the spec's weights; the caller disposes it. Throws if the spec is invalid. */
export function buildTfjsModel(spec: RewardEnsembleSpec): tf.LayersModel {
  const members = foldedMembers(spec);
  const { image } = spec;
  const obs = tf.input({ shape: image === undefined ? [spec.obsSize] : [image.height, image.width, image.channels], name: 'obs', dtype: 'float32' });
  const weighted: { layer: tf.layers.Layer; kernel: tf.Tensor; bias: Float32Array }[] = [];
  // tfjs's own activations know relu and linear; a leaky layer is followed by a LeakyReLU layer.
  const activate = (h: tf.SymbolicTensor, activation: Activation, alpha: number | undefined, name: string) =>
    activation === 'leakyRelu' ? (tf.layers.leakyReLU({ alpha, name }).apply(h) as tf.SymbolicTensor) : h;
  const builtIn = (activation: Activation) => (activation === 'relu' ? 'relu' : 'linear');
  const memberOutputs = members.map(({ convs, layers }, m) => {
    let h = obs;
    convs.forEach((c, l) => {
      const layer = tf.layers.conv2d({
        filters: c.filters,
        kernelSize: c.size,
        strides: c.stride,
        padding: 'valid',
        dataFormat: 'channelsLast',
        activation: builtIn(c.activation),
        kernelInitializer: 'zeros',
        name: `member${m}_conv${l}`,
      });
      h = layer.apply(h) as tf.SymbolicTensor;
      weighted.push({ layer, kernel: tf.tensor4d(c.kernel, [c.size, c.size, c.inChannels, c.filters]), bias: c.bias });
      h = activate(h, c.activation, c.alpha, `member${m}_conv_leaky_relu${l}`);
    });
    if (convs.length > 0) h = tf.layers.flatten({ name: `member${m}_flatten` }).apply(h) as tf.SymbolicTensor;
    layers.forEach((d, l) => {
      const isModelOutput = members.length === 1 && l === layers.length - 1;
      const layer = tf.layers.dense({
        units: d.units,
        activation: builtIn(d.activation),
        // The weights are set below; zeros skip drawing random initial values.
        kernelInitializer: 'zeros',
        name: isModelOutput ? 'reward' : `member${m}_dense${l}`,
      });
      h = layer.apply(h) as tf.SymbolicTensor;
      weighted.push({ layer, kernel: tf.tensor2d(d.kernel, [d.inputs, d.units]), bias: d.bias });
      h = activate(h, d.activation, d.alpha, `member${m}_leaky_relu${l}`);
    });
    return h;
  });
  const reward = memberOutputs.length === 1 ? memberOutputs[0] : (tf.layers.average({ name: 'reward' }).apply(memberOutputs) as tf.SymbolicTensor);
  const model = tf.model({ inputs: obs, outputs: reward, name: 'reward_ensemble' });
  for (const { layer, kernel, bias } of weighted) {
    tf.tidy(() => layer.setWeights([kernel, tf.tensor1d(bias)]));
    kernel.dispose();
  }
  model.setUserDefinedMetadata(describeOutput(spec));
  return model;
}

/** The model.json and weights.bin of the spec's model, in memory. Throws if the spec is invalid. */
export async function toTfjsArtifacts(spec: RewardEnsembleSpec): Promise<TfjsArtifacts> {
  const model = buildTfjsModel(spec);
  let saved: tf.io.ModelArtifacts | undefined;
  try {
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
  } finally {
    model.dispose();
  }
  if (saved?.modelTopology === undefined || saved.weightSpecs === undefined || saved.weightData === undefined) {
    throw new Error('tfjs saved the reward model without its topology or weights');
  }
  return {
    modelJson: {
      format: saved.format,
      generatedBy: saved.generatedBy,
      convertedBy: saved.convertedBy,
      modelTopology: saved.modelTopology,
      weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: saved.weightSpecs }],
      userDefinedMetadata: saved.userDefinedMetadata,
    },
    weightsBin: new Uint8Array(tf.io.CompositeArrayBuffer.join(saved.weightData)),
  };
}

/**
 * Writes `model.json` and `weights.bin` into `dir` (created if missing), each durably (fsync + rename); the
 * weights first, so that a new model.json never appears before its weights. Returns the path of model.json.
 */
export async function writeTfjsModel(spec: RewardEnsembleSpec, dir: string): Promise<string> {
  const { modelJson, weightsBin } = await toTfjsArtifacts(spec);
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, WEIGHTS_FILE), weightsBin);
  const modelJsonPath = join(dir, 'model.json');
  writeFileAtomic(modelJsonPath, JSON.stringify(modelJson));
  return modelJsonPath;
}
