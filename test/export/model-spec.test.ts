import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type RewardEnsembleSpec, foldedMemberLayers, validateRewardEnsembleSpec } from '../../src/export/model-spec.js';
import { toOnnx } from '../../src/export/onnx.js';
import { toTfjsArtifacts, writeTfjsModel } from '../../src/export/tfjs-format.js';
import { initTf } from '../../src/learning/tf.js';
import { randomSpec } from './reference.js';

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

function broken(change: (spec: RewardEnsembleSpec) => void): RewardEnsembleSpec {
  const spec = structuredClone(goodSpec());
  change(spec);
  return spec;
}

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
];

describe('reward ensemble spec validation', () => {
  it('accepts a good spec', () => {
    expect(() => validateRewardEnsembleSpec(goodSpec())).not.toThrow();
  });

  it.each(cases)('names the problem: %s', async (_, spec, message) => {
    expect(() => foldedMemberLayers(spec)).toThrow(message);
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
    const [member] = foldedMemberLayers(spec);
    const out = spec.members[0].layers[1];
    const { shift, scale } = spec.members[0];
    expect(member[0]).toBe(spec.members[0].layers[0]);
    expect(member[1].kernel[4]).toBeCloseTo(out.kernel[4] * scale, 6);
    expect(member[1].bias[2]).toBeCloseTo((out.bias[2] - shift) * scale, 6);
    expect(out.kernel).not.toBe(member[1].kernel);
  });
});
