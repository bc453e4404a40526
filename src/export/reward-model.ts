/**
 * The bridge between the learned reward model and its exported form: `rewardModelSpec` turns a RewardModel
 * into the RewardEnsembleSpec both exporters take, and `readExportedRewardModel` + `loadRewardModel` bring an
 * export (reward-card.json, model.json, weights.bin) back into a RewardModel, to train a new agent on it.
 *
 * The exported weights have each member's normalisation folded into its output layer (see model-spec.ts);
 * the card keeps the constants, so loading unfolds them: W = W'/scale, b = b'/scale + shift. That gives back
 * the raw outputs the Bradley-Terry loss trains (fine-tuning needs them), equal to the original's to float32
 * rounding. A pixel model's exported first convolution reads the bytes as they are (0-255): the model's
 * 1/255 is folded into its kernel, and unfolded on loading the same way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RewardInput, RewardModel, RewardModelConfig } from '../learning/preferences/reward-model.js';
import type { tf } from '../learning/tf.js';
import { CARD_FILE, type RewardCard, readRewardCard } from './card.js';
import { type ConvLayerSpec, type DenseLayerSpec, type ImageSpec, type RewardEnsembleSpec, validateRewardEnsembleSpec } from './model-spec.js';

/** What a pixel model's first convolution multiplies its bytes by (RewardModel's scaling to [0, 1]). */
const PIXEL_SCALE = 1 / 255;

/**
 * The model as plain numbers: each member's convolutions (pixels) and dense layers (leaky ReLU after every
 * convolution and hidden layer, the output layer linear with `model.heads` units) and its shift and scale.
 * `numActions` of the spec is the number of outputs: the game's actions, or 1 for a reward of the state alone
 * (`actionDependent: false`). The spec's input is what a user has at hand: the observation, or for a transition
 * or delta model s then s' (as a row of 2 x its size, or for pixels as 2 x its frames stacked, s's first).
 */
export function rewardModelSpec(model: RewardModel): RewardEnsembleSpec {
  const alpha = model.config.leakyAlpha;
  const { input } = model.config;
  const n = model.obsSize;
  const halves = input === 'state' ? 1 : 2;
  const { image } = model;
  const members = model.memberWeights().map(({ convs, layers }, m) => ({
    ...(image !== null && {
      convs: convs.map((c, i): ConvLayerSpec => {
        const { kernel, inputs } = i === 0 ? firstLayerToFile(input, c.kernel, c.size * c.size, image[2], c.filters, PIXEL_SCALE) : { kernel: c.kernel.slice(), inputs: c.inChannels };
        return { ...c, inChannels: inputs, kernel, bias: c.bias.slice(), activation: 'leakyRelu', alpha };
      }),
    }),
    layers: layers.map((l, i): DenseLayerSpec => {
      const { kernel, inputs } = i === 0 && image === null ? firstLayerToFile(input, l.kernel, 1, n, l.units, 1) : { kernel: l.kernel.slice(), inputs: l.inputs };
      return i < layers.length - 1
        ? { ...l, inputs, kernel, bias: l.bias.slice(), activation: 'leakyRelu', alpha }
        : { ...l, inputs, kernel, bias: l.bias.slice(), activation: 'linear' };
    }),
    shift: model.shift[m],
    scale: model.scale[m],
  }));
  const spec: RewardEnsembleSpec = {
    obsSize: halves * n,
    numActions: model.heads,
    ...(image !== null && { image: { height: image[0], width: image[1], channels: halves * image[2] } }),
    members,
  };
  validateRewardEnsembleSpec(spec);
  return spec;
}

/**
 * A first layer's kernel in the file's layout, times `scale`. The kernel is row-major [positions, inputs,
 * units]: a dense layer's [inputs, units] (one position), or a convolution's [size, size, inChannels, filters]
 * (size x size positions, its input channels, its filters); `n` is the observation's inputs (values, or frames).
 * A transition model reads [s, s' - s] inside (see RewardModel.inputs) and a delta model s' - s; exported, both
 * read [s, s'], which is what a user has at hand. The first layer is the same map:
 *   transition: [s, d] K = s K1 + (s' - s) K2 = s (K1 - K2) + s' K2, so the first half becomes K1 - K2;
 *   delta: (s' - s) K = s (-K) + s' K, so the kernel becomes [-K; K].
 */
function firstLayerToFile(input: RewardInput, kernel: Float32Array, positions: number, n: number, units: number, scale: number): { kernel: Float32Array; inputs: number } {
  if (input === 'state') return { kernel: kernel.map((k) => k * scale), inputs: n };
  const out = new Float32Array(positions * 2 * n * units);
  const inside = input === 'delta' ? n : 2 * n;
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < n; i++) {
      for (let u = 0; u < units; u++) {
        const s = p * 2 * n + i;
        const k = kernel[(p * inside + i) * units + u];
        if (input === 'delta') {
          out[s * units + u] = -k * scale;
          out[(s + n) * units + u] = k * scale;
        } else {
          const k2 = kernel[(p * inside + n + i) * units + u];
          out[s * units + u] = (k - k2) * scale;
          out[(s + n) * units + u] = k2 * scale;
        }
      }
    }
  }
  return { kernel: out, inputs: 2 * n };
}

/**
 * firstLayerToFile undone, `scale` being the inverse of the one it applied: transition K1 = K1' + K2';
 * delta K = the second half. A kernel of another width is kept as it is (validation then names the mismatch).
 */
function firstLayerFromFile(input: RewardInput, kernel: Float32Array, stored: number, positions: number, n: number, units: number, scale: number): { kernel: Float32Array; inputs: number } {
  if (input !== 'state' && stored !== 2 * n) return { kernel, inputs: stored };
  if (input === 'state') return { kernel: kernel.map((k) => k * scale), inputs: stored };
  const inside = input === 'delta' ? n : 2 * n;
  const out = new Float32Array(positions * inside * units);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < n; i++) {
      for (let u = 0; u < units; u++) {
        const s = p * 2 * n + i;
        const k2 = kernel[(s + n) * units + u];
        if (input === 'delta') {
          out[(p * inside + i) * units + u] = k2 * scale;
        } else {
          out[(p * inside + i) * units + u] = (kernel[s * units + u] + k2) * scale;
          out[(p * inside + n + i) * units + u] = k2 * scale;
        }
      }
    }
  }
  return { kernel: out, inputs: inside };
}

/** What a card's model reads (cards written before transition models existed read the state). */
export function inputOf(card: RewardCard): RewardInput {
  return card.model.input ?? 'state';
}

/**
 * The settings a RewardModel needs to hold an exported model's weights, how preferences rated its actions and
 * what its agent was paid where the card says (statePreferences, stateReward; absent, the run that fine-tunes it
 * decides).
 */
export function architectureOf(
  card: RewardCard,
): Pick<RewardModelConfig, 'members' | 'hidden' | 'leakyAlpha' | 'actionDependent' | 'input'> & Partial<Pick<RewardModelConfig, 'statePreferences' | 'stateReward' | 'conv' | 'frozenEncoder'>> {
  const { members, hidden, leakyAlpha, actionDependent, statePreferences, stateReward, conv, frozenEncoder } = card.model;
  return {
    members,
    hidden,
    leakyAlpha,
    actionDependent,
    input: inputOf(card),
    ...(statePreferences !== undefined && { statePreferences }),
    ...(stateReward !== undefined && { stateReward }),
    ...(conv !== undefined && { conv: conv.map(([k, s, f]) => [k, s, f] as [number, number, number]) }),
    ...(frozenEncoder === true && { frozenEncoder }),
  };
}

export interface ExportedRewardModel {
  card: RewardCard;
  /**
   * The model with raw (unfolded) weights and the card's normalisation, in the RewardModel's own layout: its
   * first layer reads what RewardModel.inputs builds (for pixels, scaled to [0, 1]), not the file's input.
   */
  spec: RewardEnsembleSpec;
}

/** Layer names in model.json: `member<m>_conv<l>`, `member<m>_dense<l>`, and `reward` for a single member's output layer. */
const WEIGHT_NAME = /^(?:member(\d+)_(conv|dense)(\d+)|reward)\/(kernel|bias)$/;

interface StoredLayer {
  kernel?: Float32Array;
  bias?: Float32Array;
  shape?: number[];
}

/**
 * The strides are in model.json's topology only (the weights say kernel sizes and filters): each Conv2D layer
 * `member<m>_conv<l>` must be the card's `model.conv[l]`, else the model would load with other strides.
 */
function checkConvTopology(modelJson: tf.io.ModelJSON, card: RewardCard, modelPath: string): void {
  const conv = card.model.conv ?? [];
  const topology = modelJson.modelTopology as { config?: { layers?: { class_name?: string; config?: { name?: string; kernel_size?: number[]; strides?: number[]; filters?: number } }[] } } | undefined;
  for (const layer of topology?.config?.layers ?? []) {
    if (layer.class_name !== 'Conv2D') continue;
    const { name = '', kernel_size: k, strides: s, filters: f } = layer.config ?? {};
    const l = Number(/^member\d+_conv(\d+)$/.exec(name)?.[1] ?? Number.NaN);
    const want = conv[l];
    if (want === undefined || k?.[0] !== want[0] || k?.[1] !== want[0] || s?.[0] !== want[1] || s?.[1] !== want[1] || f !== want[2]) {
      throw new Error(
        `${modelPath}: layer ${name} is a ${k?.join('x')} convolution of stride ${s?.join('x')} and ${f} filters; the card's model.conv says ${want === undefined ? 'no such layer' : `[${want.join(', ')}]`} ([kernel size, stride, filters])`,
      );
    }
  }
}

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
  checkConvTopology(modelJson, card, modelPath);
  const manifest = modelJson.weightsManifest?.[0];
  if (modelJson.weightsManifest?.length !== 1 || manifest?.paths.length !== 1) {
    throw new Error(`${modelPath}: expected one weights group in one file (as npm run export writes), got ${JSON.stringify(modelJson.weightsManifest?.map((g) => g.paths))}`);
  }
  const weightsPath = join(dir, manifest.paths[0]);
  const bytes = readFileSync(weightsPath);
  if (bytes.length % 4 !== 0) throw new Error(`${weightsPath} is ${bytes.length} bytes, not whole float32 values (truncated?)`);
  const data = new Float32Array(new Uint8Array(bytes).buffer);
  const { members: M, hidden, conv = [] } = card.model;
  const depth = hidden.length + 1;
  const slots = () => ({ convs: conv.map((): StoredLayer => ({})), layers: Array.from({ length: depth }, (): StoredLayer => ({})) });
  const stored = Array.from({ length: M }, slots);
  const shape = `${M} members of ${conv.length > 0 ? `${conv.length} convolutions and ` : ''}${depth} dense layers`;
  let offset = 0;
  for (const w of manifest.weights) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (w.dtype !== 'float32') throw new Error(`${modelPath}: weight ${w.name} is ${w.dtype}; only float32 is read`);
    if (offset + size > data.length) throw new Error(`${weightsPath} is too short for the weights ${modelPath} lists (truncated?)`);
    const values = data.slice(offset, offset + size);
    offset += size;
    const m = WEIGHT_NAME.exec(w.name);
    if (m === null) throw new Error(`${modelPath}: unexpected weight "${w.name}"; expected member<m>_conv<l> or member<m>_dense<l>, then /kernel or /bias`);
    const [member, kind, layer] = m[1] === undefined ? [0, 'dense', depth - 1] : [Number(m[1]), m[2], Number(m[3])];
    const slot = member < M ? (kind === 'conv' ? stored[member].convs : stored[member].layers)[layer] : undefined;
    if (slot === undefined) throw new Error(`${modelPath}: weight ${w.name} does not fit the card's ${shape}`);
    if (m[4] === 'kernel') {
      slot.kernel = values;
      slot.shape = w.shape;
    } else {
      slot.bias = values;
    }
  }
  if (offset !== data.length) throw new Error(`${weightsPath} holds ${data.length} floats; ${modelPath} lists ${offset}`);
  const n = card.observation.size;
  const input = inputOf(card);
  const inside = input === 'transition' ? 2 : 1;
  let image: ImageSpec | undefined;
  if (conv.length > 0) {
    const [height, width, frames] = card.observation.shape;
    image = { height, width, channels: inside * frames };
  }
  const lacks = (m: number, what: string) => new Error(`${modelPath} lacks the kernel or bias of member ${m}'s ${what}`);
  const spec: RewardEnsembleSpec = {
    obsSize: inside * n,
    numActions: card.model.outputs,
    ...(image !== undefined && { image }),
    members: stored.map((member, m) => {
      const { shift, scale } = card.normalisation.members[m];
      const alpha = card.model.leakyAlpha;
      return {
        shift,
        scale,
        ...(image !== undefined && {
          convs: member.convs.map((l, i): ConvLayerSpec => {
            if (l.kernel === undefined || l.bias === undefined || l.shape?.length !== 4) throw lacks(m, `convolution ${i}`);
            const [size, , channels, filters] = l.shape;
            // The file's first convolution reads bytes, and s then s' for a transition or delta model.
            const { kernel, inputs } = i === 0 ? firstLayerFromFile(input, l.kernel, channels, size * size, image.channels / inside, filters, 1 / PIXEL_SCALE) : { kernel: l.kernel, inputs: channels };
            return { size, stride: conv[i][1], inChannels: inputs, filters, kernel, bias: l.bias, activation: 'leakyRelu', alpha };
          }),
        }),
        layers: member.layers.map((l, i): DenseLayerSpec => {
          if (l.kernel === undefined || l.bias === undefined || l.shape?.length !== 2) throw lacks(m, `layer ${i}`);
          const [stored, units] = l.shape;
          const last = i === depth - 1;
          // The file's first layer reads [s, s'] for a transition or delta model; this spec holds the RewardModel's layout.
          const { kernel: raw, inputs } = i === 0 && image === undefined ? firstLayerFromFile(input, l.kernel, stored, 1, n, units, 1) : { kernel: l.kernel, inputs: stored };
          // Unfold the normalisation: the file holds W * scale and (b - shift) * scale.
          const kernel = last ? raw.map((x) => x / scale) : raw;
          const bias = last ? l.bias.map((x) => x / scale + shift) : l.bias;
          return last ? { inputs, units, kernel, bias, activation: 'linear' } : { inputs, units, kernel, bias, activation: 'leakyRelu', alpha };
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
  type Shaped = { convs?: readonly { size: number; stride: number; inChannels: number; filters: number }[]; layers: readonly { inputs: number; units: number }[] };
  const shapes = (members: readonly Shaped[]) =>
    JSON.stringify(members.map((m) => [...(m.convs ?? []).map((c) => [c.size, c.stride, c.inChannels, c.filters]), ...m.layers.map((l) => [l.inputs, l.units])]));
  const want = shapes(model.memberWeights());
  if (want !== shapes(spec.members)) {
    throw new Error(`the exported reward model's layers ${shapes(spec.members)} do not fit this reward model's ${want}`);
  }
  model.setState({
    ...model.getState(),
    // A member's variables: its convolutions' kernels and biases, then its dense layers'.
    weights: spec.members.flatMap((m) => [...(m.convs ?? []), ...m.layers].flatMap((l) => [l.kernel, l.bias])),
    shift: spec.members.map((m) => m.shift),
    scale: spec.members.map((m) => m.scale),
  });
}
