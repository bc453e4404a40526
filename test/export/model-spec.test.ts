import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type RewardEnsembleSpec, foldedMembers, validateRewardEnsembleSpec } from '../../src/export/model-spec.js';
import { toOnnx } from '../../src/export/onnx.js';
import { toTfjsArtifacts, writeTfjsModel } from '../../src/export/tfjs-format.js';
import { initTf } from '../../src/learning/tf.js';
import { randomImageSpec, randomSpec } from './reference.js';

beforeAll(async () => {
  await initTf();
});

/** obsSize 4, 3 actions, two members of one hidden layer of 5 (leakyRelu 0.01, then relu). */
function goodSpec(): RewardEnsembleSpec {
  return randomSpec(1, {
    obsSize: 4,
    numActions: 3,
    members: [
      { hidden: [5], activation: 'leakyRelu' },
      { hidden: [5], activation: 'relu' },
    ],
  });
}

function broken(change: (spec: RewardEnsembleSpec) => void, good = goodSpec): RewardEnsembleSpec {
  const spec = structuredClone(good());
  change(spec);
  return spec;
}

/** A 9x8x2 image, two members of convolutions 3/2 (4 filters) and 2/1 (3 filters, output 3x2x3), then 5 units. */
function goodImageSpec(): RewardEnsembleSpec {
  return randomImageSpec(2, { image: { height: 9, width: 8, channels: 2 }, convs: [[3, 2, 4], [2, 1, 3]], hidden: [5], members: 2, numActions: 3 });
}
const brokenImage = (change: (spec: RewardEnsembleSpec) => void) => broken(change, goodImageSpec);

const cases: [string, RewardEnsembleSpec, RegExp][] = [
  ['no members', broken((s) => (s.members = [])), /members is empty/],
  ['a member without layers', broken((s) => (s.members[1].layers = [])), /members\[1\]\.layers is empty/],
  ['obsSize not a positive integer', broken((s) => (s.obsSize = 0)), /obsSize must be a positive integer, got 0/],
  ['first layer not fed by obsSize', broken((s) => (s.obsSize = 6)), /members\[0\]\.layers\[0\]\.inputs is 4; expected 6 \(obsSize\)/],
  [
    'a layer not fed by the one before',
    broken((s) => {
      s.members[1].layers[1] = { ...s.members[1].layers[1], inputs: 2, kernel: new Float32Array(2 * 3) };
    }),
    /members\[1\]\.layers\[1\]\.inputs is 2; expected 5 \(layers\[0\]\.units\)/,
  ],
  ['a kernel of the wrong size', broken((s) => (s.members[0].layers[0].kernel = new Float32Array(19))), /members\[0\]\.layers\[0\]\.kernel has length 19; expected 20/],
  ['a bias of the wrong size', broken((s) => (s.members[0].layers[1].bias = new Float32Array(4))), /members\[0\]\.layers\[1\]\.bias has length 4; expected 3/],
  ['a kernel that is not a Float32Array', broken((s) => (s.members[0].layers[0].kernel = [] as unknown as Float32Array)), /kernel must be a Float32Array/],
  ['an output of the wrong width', broken((s) => (s.numActions = 4)), /members\[0\]'s output layer has 3 units; expected numActions = 4/],
  ['a NaN weight', broken((s) => (s.members[1].layers[0].kernel[7] = NaN)), /members\[1\]\.layers\[0\]\.kernel\[7\] is NaN; all weights must be finite/],
  ['an infinite bias', broken((s) => (s.members[0].layers[1].bias[2] = Infinity)), /members\[0\]\.layers\[1\]\.bias\[2\] is Infinity/],
  ['an unknown activation', broken((s) => (s.members[0].layers[0].activation = 'tanh' as 'relu')), /activation is "tanh"; known: relu, leakyRelu, linear/],
  ['leakyRelu without alpha', broken((s) => delete s.members[0].layers[0].alpha), /layers\[0\] is leakyRelu but alpha is undefined/],
  ['alpha on a relu layer', broken((s) => (s.members[1].layers[0].alpha = 0.1)), /alpha 0\.1 but activation "relu"/],
  ['a non-linear output layer', broken((s) => (s.members[1].layers[1].activation = 'relu')), /layers\[1\] is the output layer and must be linear/],
  ['a non-finite shift', broken((s) => (s.members[0].shift = NaN)), /members\[0\]\.shift is NaN/],
  ['a zero scale', broken((s) => (s.members[1].scale = 0)), /members\[1\]\.scale is 0; it must be finite and non-zero/],
  [
    'a scale that overflows float32 when folded',
    broken((s) => {
      s.members[0].layers[1].kernel[2] = 100;
      s.members[0].scale = 1e38;
    }),
    /members\[0\]'s output kernel times scale\[2\] is Infinity/,
  ],
  ['an image that is not obsSize numbers', brokenImage((s) => (s.obsSize = 100)), /obsSize is 100; an image of 9x8x2 holds 144/],
  ['an image of no width', brokenImage((s) => (s.image!.width = 0)), /image\.width must be a positive integer, got 0/],
  ['convolutions without an image', broken((s) => (s.members[0].convs = goodImageSpec().members[0].convs)), /members\[0\] has convolutions but the spec has no image shape/],
  ['an image member without convolutions', brokenImage((s) => delete s.members[1].convs), /members\[1\]\.convs is empty/],
  ['a convolution not fed by the image', brokenImage((s) => (s.image = { height: 9, width: 4, channels: 4 })), /members\[0\]\.convs\[0\]\.inChannels is 2; expected 4 \(image\.channels\)/],
  [
    'a convolution not fed by the one before',
    brokenImage((s) => (s.members[1].convs![1] = { ...s.members[1].convs![1], inChannels: 2, kernel: new Float32Array(2 * 2 * 2 * 3) })),
    /members\[1\]\.convs\[1\]\.inChannels is 2; expected 4 \(convs\[0\]\.filters\)/,
  ],
  ['a kernel too large for its input', brokenImage((s) => (s.image = { height: 3, width: 24, channels: 2 })), /members\[0\]\.convs\[1\]: a 2x2 kernel does not fit its 1x11 input/],
  ['a convolution kernel of the wrong size', brokenImage((s) => (s.members[0].convs![0].kernel = new Float32Array(5))), /convs\[0\]\.kernel has length 5; expected 72 \(\[size=3, size=3, inChannels=2, filters=4\]/],
  ['a NaN convolution bias', brokenImage((s) => (s.members[0].convs![1].bias[1] = NaN)), /members\[0\]\.convs\[1\]\.bias\[1\] is NaN/],
  ['a zero stride', brokenImage((s) => (s.members[0].convs![0].stride = 0)), /members\[0\]\.convs\[0\]\.stride must be a positive integer, got 0/],
  ['filters that do not match the kernel', brokenImage((s) => (s.members[0].convs![1].filters = 2)), /convs\[1\]\.kernel has length 48; expected 32/],
  [
    'a first dense layer of the wrong width',
    brokenImage((s) => (s.members[0].layers[0] = { ...s.members[0].layers[0], inputs: 20, kernel: new Float32Array(20 * 5) })),
    /members\[0\]\.layers\[0\]\.inputs is 20; expected 18 \(the last convolution's 3x2x3 output, flattened\)/,
  ],
];

describe('reward ensemble spec validation', () => {
  it('accepts a good spec, dense or convolutional', () => {
    expect(() => validateRewardEnsembleSpec(goodSpec())).not.toThrow();
    expect(() => validateRewardEnsembleSpec(goodImageSpec())).not.toThrow();
  });

  it.each(cases)('names the problem: %s', async (_, spec, message) => {
    expect(() => foldedMembers(spec)).toThrow(message);
    // Both exporters validate through the same function, before writing anything.
    expect(() => toOnnx(spec)).toThrow(message);
    await expect(toTfjsArtifacts(spec)).rejects.toThrow(message);
    const dir = join(mkdtempSync(join(tmpdir(), 'rlhf-arcade-bad-spec-')), 'model');
    await expect(writeTfjsModel(spec, dir)).rejects.toThrow(message);
    expect(existsSync(dir)).toBe(false);
    rmSync(join(dir, '..'), { recursive: true });
  });

  it('folds (raw - shift) * scale into the output layer and leaves the spec untouched', () => {
    const spec = goodSpec();
    const [{ convs, layers }] = foldedMembers(spec);
    const out = spec.members[0].layers[1];
    const { shift, scale } = spec.members[0];
    expect(convs).toEqual([]);
    expect(layers[0]).toBe(spec.members[0].layers[0]);
    expect(layers[1].kernel[4]).toBeCloseTo(out.kernel[4] * scale, 6);
    expect(layers[1].bias[2]).toBeCloseTo((out.bias[2] - shift) * scale, 6);
    expect(out.kernel).not.toBe(layers[1].kernel);
  });

  it('leaves the convolutions of an image spec as they are', () => {
    const spec = goodImageSpec();
    const [{ convs, layers }] = foldedMembers(spec);
    expect(convs).toBe(spec.members[0].convs);
    expect(layers[0]).toBe(spec.members[0].layers[0]);
  });
});
