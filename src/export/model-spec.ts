/**
 * The reward-model ensemble as plain numbers, the one input of both exporters (`tfjs-format.ts`, `onnx.ts`).
 * Meaning: for `obs` float32 [batch, obsSize], `reward` float32 [batch, numActions] is the mean over members of
 * (raw_m(obs) − shift_m) · scale_m, where raw_m is member m's MLP; output[a] is the reward of taking action a.
 * `validateRewardEnsembleSpec` checks a spec once for both exporters, and `foldedMemberLayers` folds each
 * member's normalisation into its last (linear) layer, so that both formats are plain dense stacks and a mean.
 */

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

/** One ensemble member: an MLP whose last layer has numActions units, and its output normalisation. */
export interface MlpMemberSpec {
  layers: DenseLayerSpec[];
  /** normalised = (raw - shift) * scale */
  shift: number;
  scale: number;
}

export interface RewardEnsembleSpec {
  obsSize: number;
  numActions: number;
  members: MlpMemberSpec[];
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
  if (last && layer.activation !== 'linear') {
    throw new RangeError(`${where} is the output layer and must be linear (got "${layer.activation}"): the normalisation is folded into it`);
  }
}

/** Throws an error naming the first problem found (shapes, non-finite numbers, activations, normalisation). */
export function validateRewardEnsembleSpec(spec: RewardEnsembleSpec): void {
  checkPositiveInt('obsSize', spec.obsSize);
  checkPositiveInt('numActions', spec.numActions);
  if (!Array.isArray(spec.members) || spec.members.length === 0) throw new RangeError('members is empty; an ensemble needs at least one member');
  spec.members.forEach((member, m) => {
    if (!Array.isArray(member.layers) || member.layers.length === 0) throw new RangeError(`members[${m}].layers is empty; a member needs at least its output layer`);
    let inputs = spec.obsSize;
    member.layers.forEach((layer, l) => {
      const inputsFrom = l === 0 ? 'obsSize' : `layers[${l - 1}].units`;
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

/**
 * Validates the spec and returns each member's layers with the normalisation folded into the last one:
 * (xW + b − shift)·scale = x(W·scale) + (b − shift)·scale. The input layers are not copied.
 */
export function foldedMemberLayers(spec: RewardEnsembleSpec): DenseLayerSpec[][] {
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
    return [...member.layers.slice(0, -1), folded];
  });
}
