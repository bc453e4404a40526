/**
 * The bridge between the learned reward model and its exported form: `rewardModelSpec` turns a RewardModel
 * into the RewardEnsembleSpec both exporters take, and `readExportedRewardModel` + `loadRewardModel` bring an
 * export (reward-card.json, model.json, weights.bin) back into a RewardModel, to train a new agent on it.
 *
 * The exported weights have each member's normalisation folded into its output layer (see model-spec.ts);
 * the card keeps the constants, so loading unfolds them: W = W'/scale, b = b'/scale + shift. That gives back
 * the raw outputs the Bradley-Terry loss trains (fine-tuning needs them), equal to the original's to float32
 * rounding.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RewardInput, RewardModel, RewardModelConfig } from '../learning/preferences/reward-model.js';
import type { tf } from '../learning/tf.js';
import { CARD_FILE, type RewardCard, readRewardCard } from './card.js';
import { type DenseLayerSpec, type RewardEnsembleSpec, validateRewardEnsembleSpec } from './model-spec.js';

/**
 * The model as plain numbers: each member's dense layers (leaky ReLU after every hidden layer, the output
 * layer linear with `model.heads` units) and its shift and scale. `numActions` of the spec is the number of
 * outputs: the game's actions, or 1 for a reward of the state alone (`actionDependent: false`).
 */
export function rewardModelSpec(model: RewardModel): RewardEnsembleSpec {
  const alpha = model.config.leakyAlpha;
  const { input } = model.config;
  const n = model.obsSize;
  const members = model.memberLayers().map((layers, m) => ({
    layers: layers.map((l, i): DenseLayerSpec => {
      const { kernel, inputs } = i === 0 ? firstLayerToFile(input, l.kernel, n, l.units) : { kernel: l.kernel.slice(), inputs: l.inputs };
      return i < layers.length - 1
        ? { ...l, inputs, kernel, bias: l.bias.slice(), activation: 'leakyRelu', alpha }
        : { ...l, inputs, kernel, bias: l.bias.slice(), activation: 'linear' };
    }),
    shift: model.shift[m],
    scale: model.scale[m],
  }));
  const spec = { obsSize: input === 'state' ? n : 2 * n, numActions: model.heads, members };
  validateRewardEnsembleSpec(spec);
  return spec;
}

/**
 * The first layer's kernel (row-major [inputs, units]) in the file's layout. A transition model reads
 * [s, s' - s] inside (see RewardModel.inputs) and a delta model s' - s; exported, both read [s, s'], which is
 * what a user has at hand. The first layer is the same map:
 *   transition: [s, d] K = s K1 + (s' - s) K2 = s (K1 - K2) + s' K2, so the top half becomes K1 - K2;
 *   delta: (s' - s) K = s (-K) + s' K, so the kernel becomes [-K; K].
 */
function firstLayerToFile(input: RewardInput, kernel: Float32Array, n: number, units: number): { kernel: Float32Array; inputs: number } {
  if (input === 'state') return { kernel: kernel.slice(), inputs: n };
  if (input === 'delta') {
    const out = new Float32Array(2 * kernel.length);
    for (let i = 0; i < kernel.length; i++) {
      out[i] = -kernel[i];
      out[kernel.length + i] = kernel[i];
    }
    return { kernel: out, inputs: 2 * n };
  }
  const out = kernel.slice();
  for (let i = 0; i < n * units; i++) out[i] = kernel[i] - kernel[n * units + i];
  return { kernel: out, inputs: 2 * n };
}

/**
 * firstLayerToFile undone: transition K1 = K1' + K2'; delta K = the bottom half. A kernel of another width is
 * kept as it is (validation then names the mismatch).
 */
function firstLayerFromFile(input: RewardInput, kernel: Float32Array, stored: number, n: number, units: number): { kernel: Float32Array; inputs: number } {
  if (input === 'state' || stored !== 2 * n) return { kernel, inputs: stored };
  if (input === 'delta') return { kernel: kernel.slice(n * units), inputs: n };
  const out = kernel.slice();
  for (let i = 0; i < n * units; i++) out[i] = kernel[i] + kernel[n * units + i];
  return { kernel: out, inputs: stored };
}

/** What a card's model reads (cards written before transition models existed read the state). */
export function inputOf(card: RewardCard): RewardInput {
  return card.model.input ?? 'state';
}

/**
 * The settings a RewardModel needs to hold an exported model's weights, and how preferences rated its actions
 * where the card says (statePreferences; absent, the run that fine-tunes it decides).
 */
export function architectureOf(card: RewardCard): Pick<RewardModelConfig, 'members' | 'hidden' | 'leakyAlpha' | 'actionDependent' | 'input'> & Partial<Pick<RewardModelConfig, 'statePreferences'>> {
  const { members, hidden, leakyAlpha, actionDependent, statePreferences } = card.model;
  return { members, hidden, leakyAlpha, actionDependent, input: inputOf(card), ...(statePreferences !== undefined && { statePreferences }) };
}

export interface ExportedRewardModel {
  card: RewardCard;
  /** The model with raw (unfolded) weights and the card's normalisation. */
  spec: RewardEnsembleSpec;
}

/** Layer names in model.json: `member<m>_dense<l>`, and `reward` for a single member's output layer. */
const WEIGHT_NAME = /^(?:member(\d+)_dense(\d+)|reward)\/(kernel|bias)$/;

/** Reads an export folder (card, model.json, weights.bin), checking each against the others. */
export function readExportedRewardModel(dir: string): ExportedRewardModel {
  const card = readRewardCard(join(dir, CARD_FILE));
  const modelPath = join(dir, card.files.tfjs);
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = JSON.parse(readFileSync(modelPath, 'utf8')) as tf.io.ModelJSON;
  } catch (err) {
    throw new Error(`could not read ${modelPath}: ${(err as Error).message}`);
  }
  const manifest = modelJson.weightsManifest?.[0];
  if (modelJson.weightsManifest?.length !== 1 || manifest?.paths.length !== 1) {
    throw new Error(`${modelPath}: expected one weights group in one file (as npm run export writes), got ${JSON.stringify(modelJson.weightsManifest?.map((g) => g.paths))}`);
  }
  const weightsPath = join(dir, manifest.paths[0]);
  const bytes = readFileSync(weightsPath);
  if (bytes.length % 4 !== 0) throw new Error(`${weightsPath} is ${bytes.length} bytes, not whole float32 values (truncated?)`);
  const data = new Float32Array(new Uint8Array(bytes).buffer);
  const { members: M, hidden } = card.model;
  const depth = hidden.length + 1;
  const layers: { kernel?: Float32Array; bias?: Float32Array; shape?: number[] }[][] = Array.from({ length: M }, () => Array.from({ length: depth }, () => ({})));
  let offset = 0;
  for (const w of manifest.weights) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (w.dtype !== 'float32') throw new Error(`${modelPath}: weight ${w.name} is ${w.dtype}; only float32 is read`);
    if (offset + size > data.length) throw new Error(`${weightsPath} is too short for the weights ${modelPath} lists (truncated?)`);
    const values = data.slice(offset, offset + size);
    offset += size;
    const m = WEIGHT_NAME.exec(w.name);
    if (m === null) throw new Error(`${modelPath}: unexpected weight "${w.name}"; expected member<m>_dense<l>/kernel|bias`);
    const [member, layer] = m[1] === undefined ? [0, depth - 1] : [Number(m[1]), Number(m[2])];
    if (!(member < M && layer < depth)) throw new Error(`${modelPath}: weight ${w.name} does not fit the card's ${M} members of ${depth} layers`);
    const slot = layers[member][layer];
    if (m[3] === 'kernel') {
      slot.kernel = values;
      slot.shape = w.shape;
    } else {
      slot.bias = values;
    }
  }
  if (offset !== data.length) throw new Error(`${weightsPath} holds ${data.length} floats; ${modelPath} lists ${offset}`);
  const n = card.observation.size;
  const input = inputOf(card);
  const spec: RewardEnsembleSpec = {
    obsSize: input === 'transition' ? 2 * n : n,
    numActions: card.model.outputs,
    members: layers.map((member, m) => {
      const { shift, scale } = card.normalisation.members[m];
      return {
        shift,
        scale,
        layers: member.map((l, i): DenseLayerSpec => {
          if (l.kernel === undefined || l.bias === undefined || l.shape?.length !== 2) {
            throw new Error(`${modelPath} lacks the kernel or bias of member ${m}'s layer ${i}`);
          }
          const [stored, units] = l.shape;
          const last = i === depth - 1;
          // The file's first layer reads [s, s'] for a transition or delta model; this spec holds the RewardModel's layout.
          const { kernel: raw, inputs } = i === 0 ? firstLayerFromFile(input, l.kernel, stored, n, units) : { kernel: l.kernel, inputs: stored };
          // Unfold the normalisation: the file holds W * scale and (b - shift) * scale.
          const kernel = last ? raw.map((x) => x / scale) : raw;
          const bias = last ? l.bias.map((x) => x / scale + shift) : l.bias;
          return last ? { inputs, units, kernel, bias, activation: 'linear' } : { inputs, units, kernel, bias, activation: 'leakyRelu', alpha: card.model.leakyAlpha };
        }),
      };
    }),
  };
  try {
    validateRewardEnsembleSpec(spec);
  } catch (err) {
    throw new Error(`${modelPath} does not match ${join(dir, CARD_FILE)}: ${(err as Error).message}`);
  }
  return { card, spec };
}

/**
 * Sets `model`'s weights and normalisation to the spec's (its optimizer and generator states are kept, as
 * they are for a fresh model). The model must have the spec's architecture.
 */
export function loadRewardModel(model: RewardModel, spec: RewardEnsembleSpec): void {
  const shapes = (members: readonly (readonly { inputs: number; units: number }[])[]) => JSON.stringify(members.map((m) => m.map((l) => [l.inputs, l.units])));
  const want = shapes(model.memberLayers());
  if (want !== shapes(spec.members.map((m) => m.layers))) {
    throw new Error(`the exported reward model's layers ${shapes(spec.members.map((m) => m.layers))} do not fit this reward model's ${want}`);
  }
  model.setState({
    ...model.getState(),
    weights: spec.members.flatMap((m) => m.layers.flatMap((l) => [l.kernel, l.bias])),
    shift: spec.members.map((m) => m.shift),
    scale: spec.members.map((m) => m.scale),
  });
}
