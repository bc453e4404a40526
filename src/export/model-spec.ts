/**
 * The reward-model ensemble as plain numbers, the one input of both exporters (`tfjs-format.ts`, `onnx.ts`).
 * Meaning: for `obs` float32 [batch, obsSize] (or [batch, height, width, channels] for an `image` spec),
 * `reward` float32 [batch, numActions] is the mean over members of (raw_m(obs) − shift_m) · scale_m, where raw_m
 * is member m's network: its convolutions (image specs only; 'valid' padding, channel-last), their output
 * flattened in (row, column, channel) order, then its dense layers; output[a] is the reward of taking action a.
 * `validateRewardEnsembleSpec` checks a spec once for both exporters, and `foldedMembers` folds each member's
 * normalisation into its last (linear) layer, so that both formats are plain layer stacks and a mean.
 */

import { convOut } from '../learning/nets.js';

export const ACTIVATIONS = ['relu', 'leakyRelu', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** One dense layer; kernel is row-major [inputs, units] (tfjs's layout), bias [units]. */
export interface DenseLayerSpec {
  inputs: number;
  units: number;
  kernel: Float32Array;
  bias: Float32Array;
  activation: Activation;
  /** leakyRelu slope for negative inputs; required there (tfjs's default 0.3 and ONNX's 0.01 differ). */
  alpha?: number;
}

/** One 2-D convolution, 'valid' padding; kernel is row-major [size, size, inChannels, filters] (tfjs's HWIO), bias [filters]. */
export interface ConvLayerSpec {
  size: number;
  stride: number;
  inChannels: number;
  filters: number;
  kernel: Float32Array;
  bias: Float32Array;
  activation: Activation;
  alpha?: number;
}

/** The input of an image spec: obs is [batch, height, width, channels], channel-last. */
export interface ImageSpec {
  height: number;
  width: number;
  channels: number;
}

/**
 * One ensemble member: its convolutions (image specs only), then dense layers, the last with numActions units,
 * and its output normalisation.
 */
export interface MemberSpec {
  /** Present, and not empty, exactly when the spec has an `image`. */
  convs?: ConvLayerSpec[];
  layers: DenseLayerSpec[];
  /** normalised = (raw - shift) * scale */
  shift: number;
  scale: number;
}

export interface RewardEnsembleSpec {
  /** Numbers in one input row (height x width x channels for an image spec). */
  obsSize: number;
  numActions: number;
  /** Present for a convolutional model: the shape of one input. */
  image?: ImageSpec;
  members: MemberSpec[];
}

/** The output shape of a 'valid' convolution of `size` and `stride` over height x width. */
export function convOutputShape(height: number, width: number, size: number, stride: number): [number, number] {
  return [convOut(height, size, stride), convOut(width, size, stride)];
}

function checkPositiveInt(what: string, x: unknown): void {
  if (!Number.isInteger(x) || (x as number) < 1) throw new RangeError(`${what} must be a positive integer, got ${String(x)}`);
}

function checkFiniteArray(what: string, xs: unknown, length: number, shape: string): void {
  if (!(xs instanceof Float32Array)) {
    throw new TypeError(`${what} must be a Float32Array of length ${length} ${shape}, got ${xs === null ? 'null' : typeof xs}`);
  }
  if (xs.length !== length) throw new RangeError(`${what} has length ${xs.length}; expected ${length} ${shape}`);
  const bad = xs.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new RangeError(`${what}[${bad}] is ${xs[bad]}; all weights must be finite`);
}

function checkLayer(where: string, layer: DenseLayerSpec, inputs: number, inputsFrom: string, last: boolean): void {
  checkPositiveInt(`${where}.inputs`, layer.inputs);
  checkPositiveInt(`${where}.units`, layer.units);
  if (layer.inputs !== inputs) {
    throw new RangeError(`${where}.inputs is ${layer.inputs}; expected ${inputs} (${inputsFrom})`);
  }
  checkFiniteArray(`${where}.kernel`, layer.kernel, layer.inputs * layer.units, `([inputs=${layer.inputs}, units=${layer.units}] row-major)`);
  checkFiniteArray(`${where}.bias`, layer.bias, layer.units, `([units=${layer.units}])`);
  checkActivation(where, layer);
  if (last && layer.activation !== 'linear') {
    throw new RangeError(`${where} is the output layer and must be linear (got "${layer.activation}"): the normalisation is folded into it`);
  }
}

/** Checks one convolution fed by `shape` (height, width, channels) and returns its output shape. */
function checkConv(where: string, conv: ConvLayerSpec, [h, w, c]: [number, number, number], inputsFrom: string): [number, number, number] {
  for (const k of ['size', 'stride', 'inChannels', 'filters'] as const) checkPositiveInt(`${where}.${k}`, conv[k]);
  if (conv.inChannels !== c) throw new RangeError(`${where}.inChannels is ${conv.inChannels}; expected ${c} (${inputsFrom})`);
  const [oh, ow] = convOutputShape(h, w, conv.size, conv.stride);
  if (oh < 1 || ow < 1) throw new RangeError(`${where}: a ${conv.size}x${conv.size} kernel does not fit its ${h}x${w} input`);
  const { size, inChannels, filters } = conv;
  checkFiniteArray(`${where}.kernel`, conv.kernel, size * size * inChannels * filters, `([size=${size}, size=${size}, inChannels=${inChannels}, filters=${filters}] row-major)`);
  checkFiniteArray(`${where}.bias`, conv.bias, filters, `([filters=${filters}])`);
  checkActivation(where, conv);
  return [oh, ow, filters];
}

function checkActivation(where: string, layer: { activation: Activation; alpha?: number }): void {
  if (!(ACTIVATIONS as readonly unknown[]).includes(layer.activation)) {
    throw new RangeError(`${where}.activation is "${String(layer.activation)}"; known: ${ACTIVATIONS.join(', ')}`);
  }
  if (layer.activation === 'leakyRelu') {
    if (typeof layer.alpha !== 'number' || !Number.isFinite(layer.alpha)) {
      throw new RangeError(`${where} is leakyRelu but alpha is ${String(layer.alpha)}; give the negative slope as a finite number (e.g. 0.01)`);
    }
  } else if (layer.alpha !== undefined) {
    throw new RangeError(`${where} has alpha ${layer.alpha} but activation "${layer.activation}"; alpha only applies to leakyRelu`);
  }
}

/** Throws an error naming the first problem found (shapes, non-finite numbers, activations, normalisation). */
export function validateRewardEnsembleSpec(spec: RewardEnsembleSpec): void {
  checkPositiveInt('obsSize', spec.obsSize);
  checkPositiveInt('numActions', spec.numActions);
  const { image } = spec;
  if (image !== undefined) {
    for (const k of ['height', 'width', 'channels'] as const) checkPositiveInt(`image.${k}`, image[k]);
    if (image.height * image.width * image.channels !== spec.obsSize) {
      throw new RangeError(`obsSize is ${spec.obsSize}; an image of ${image.height}x${image.width}x${image.channels} holds ${image.height * image.width * image.channels}`);
    }
  }
  if (!Array.isArray(spec.members) || spec.members.length === 0) throw new RangeError('members is empty; an ensemble needs at least one member');
  spec.members.forEach((member, m) => {
    if (!Array.isArray(member.layers) || member.layers.length === 0) throw new RangeError(`members[${m}].layers is empty; a member needs at least its output layer`);
    let inputs = spec.obsSize;
    let from = 'obsSize';
    if (image === undefined) {
      if (member.convs !== undefined) throw new RangeError(`members[${m}] has convolutions but the spec has no image shape to feed them`);
    } else {
      if (!Array.isArray(member.convs) || member.convs.length === 0) throw new RangeError(`members[${m}].convs is empty; an image spec's members start with convolutions`);
      let shape: [number, number, number] = [image.height, image.width, image.channels];
      member.convs.forEach((conv, l) => {
        shape = checkConv(`members[${m}].convs[${l}]`, conv, shape, l === 0 ? 'image.channels' : `convs[${l - 1}].filters`);
      });
      inputs = shape[0] * shape[1] * shape[2];
      from = `the last convolution's ${shape.join('x')} output, flattened`;
    }
    member.layers.forEach((layer, l) => {
      const inputsFrom = l === 0 ? from : `layers[${l - 1}].units`;
      checkLayer(`members[${m}].layers[${l}]`, layer, inputs, inputsFrom, l === member.layers.length - 1);
      inputs = layer.units;
    });
    if (inputs !== spec.numActions) {
      throw new RangeError(`members[${m}]'s output layer has ${inputs} units; expected numActions = ${spec.numActions}`);
    }
    if (!Number.isFinite(member.shift)) throw new RangeError(`members[${m}].shift is ${member.shift}; it must be finite`);
    if (!Number.isFinite(member.scale) || member.scale === 0) {
      throw new RangeError(`members[${m}].scale is ${member.scale}; it must be finite and non-zero`);
    }
  });
}

/** A member whose output normalisation is folded into its last layer (shift 0, scale 1). */
export interface FoldedMember {
  convs: ConvLayerSpec[];
  layers: DenseLayerSpec[];
}

/**
 * Validates the spec and returns each member's layers with the normalisation folded into the last one:
 * (xW + b − shift)·scale = x(W·scale) + (b − shift)·scale. The other layers are not copied.
 */
export function foldedMembers(spec: RewardEnsembleSpec): FoldedMember[] {
  validateRewardEnsembleSpec(spec);
  return spec.members.map((member, m) => {
    const last = member.layers[member.layers.length - 1];
    const folded: DenseLayerSpec = {
      ...last,
      kernel: last.kernel.map((w) => w * member.scale),
      bias: last.bias.map((b) => (b - member.shift) * member.scale),
    };
    // A large scale can overflow float32 even when every input number is finite.
    checkFiniteArray(`members[${m}]'s output kernel times scale`, folded.kernel, folded.kernel.length, '');
    checkFiniteArray(`members[${m}]'s (output bias - shift) times scale`, folded.bias, folded.bias.length, '');
    return { convs: member.convs ?? [], layers: [...member.layers.slice(0, -1), folded] };
  });
}
