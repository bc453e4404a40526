import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RewardEnsembleSpec } from '../../src/export/model-spec.js';
import { buildTfjsModel, toTfjsArtifacts, writeTfjsModel } from '../../src/export/tfjs-format.js';
import { initTf, tf } from '../../src/learning/tf.js';
import { fileLoader, maxAbsDiff, randomImageSpec, randomImages, randomObs, randomSpec, referenceReward, threeMemberSpec } from './reference.js';

const dir = mkdtempSync(join(tmpdir(), 'rlhf-arcade-tfjs-export-'));

beforeAll(async () => {
  await initTf();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function predict(model: tf.LayersModel, obs: Float32Array, dims: number[]): { shape: number[]; data: Float32Array } {
  return tf.tidy(() => {
    const out = model.predict(tf.tensor(obs, dims)) as tf.Tensor;
    return { shape: out.shape, data: out.dataSync() as Float32Array };
  });
}

async function expectRoundTrip(spec: RewardEnsembleSpec, name: string, batch: number): Promise<tf.LayersModel> {
  const modelJsonPath = await writeTfjsModel(spec, join(dir, name));
  const model = await tf.loadLayersModel(fileLoader(modelJsonPath));
  const { image } = spec;
  const obs = (image === undefined ? randomObs : randomImages)(200 + batch, batch, spec.obsSize);
  const { shape, data } = predict(model, obs, image === undefined ? [batch, spec.obsSize] : [batch, image.height, image.width, image.channels]);
  expect(shape).toEqual([batch, spec.numActions]);
  expect(maxAbsDiff(data, referenceReward(spec, obs))).toBeLessThan(1e-5);
  return model;
}

describe('tfjs LayersModel export', () => {
  it('writes model.json and weights.bin that tf.loadLayersModel reads back to the same rewards', async () => {
    const spec = threeMemberSpec(1);
    const model = await expectRoundTrip(spec, 'three', 5);
    expect(model.inputNames).toEqual(['obs']);
    expect(model.inputs.map((t) => t.shape)).toEqual([[null, 11]]);
    expect(model.outputNames).toEqual(['reward']);
    model.dispose();
    expect(readdirSync(join(dir, 'three')).sort()).toEqual(['model.json', 'weights.bin']);
    const modelJson = JSON.parse(readFileSync(join(dir, 'three', 'model.json'), 'utf8')) as tf.io.ModelJSON;
    expect(modelJson.weightsManifest.map((g) => g.paths)).toEqual([['./weights.bin']]);
    expect(modelJson.userDefinedMetadata).toMatchObject({ producer: 'rlhf-arcade', obsSize: 11, numActions: 6, members: 3 });
    // 3 members x (11x64 + 64 + 64x64 + 64 + 64x6 + 6) float32 weights.
    expect(readFileSync(join(dir, 'three', 'weights.bin')).length).toBe(3 * (11 * 64 + 64 + 64 * 64 + 64 + 64 * 6 + 6) * 4);
  });

  it('handles a single member (no average layer) and relu and linear hidden layers', async () => {
    const single = randomSpec(2, { obsSize: 5, numActions: 3, members: [{ hidden: [8], activation: 'relu' }] });
    (await expectRoundTrip(single, 'single', 2)).dispose();
    const mixed = randomSpec(3, {
      obsSize: 9,
      numActions: 4,
      members: [
        { hidden: [16, 16], activation: 'leakyRelu' },
        { hidden: [12], activation: 'linear' },
      ],
      alpha: 0.2,
    });
    (await expectRoundTrip(mixed, 'mixed', 3)).dispose();
  });

  it('round-trips a convolutional ensemble that reads channel-last images', async () => {
    const spec = randomImageSpec(8, { image: { height: 13, width: 11, channels: 2 }, convs: [[3, 2, 4], [3, 1, 3]], hidden: [6], members: 3, numActions: 4 });
    const model = await expectRoundTrip(spec, 'cnn', 3);
    expect(model.inputs.map((t) => t.shape)).toEqual([[null, 13, 11, 2]]);
    expect(model.layers.map((l) => l.name)).toContain('member2_conv1');
    model.dispose();
    const modelJson = JSON.parse(readFileSync(join(dir, 'cnn', 'model.json'), 'utf8')) as tf.io.ModelJSON;
    expect(modelJson.userDefinedMetadata).toMatchObject({ obsSize: 13 * 11 * 2, obsShape: [13, 11, 2] });
    const single = randomImageSpec(9, { image: { height: 7, width: 9, channels: 3 }, convs: [[2, 1, 2]], hidden: [], members: 1, numActions: 2 });
    (await expectRoundTrip(single, 'cnn-single', 2)).dispose();
  });

  it('overwrites an earlier export in place', async () => {
    await writeTfjsModel(threeMemberSpec(5), join(dir, 'again'));
    (await expectRoundTrip(threeMemberSpec(6), 'again', 4)).dispose();
    expect(readdirSync(join(dir, 'again')).sort()).toEqual(['model.json', 'weights.bin']);
  });

  it('leaves no tensors behind', async () => {
    const spec = threeMemberSpec(7);
    await toTfjsArtifacts(spec); // the first call also creates tfjs's lazily built kernels and constants
    const before = tf.memory().numTensors;
    const { modelJson, weightsBin } = await toTfjsArtifacts(spec);
    buildTfjsModel(spec).dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(modelJson.weightsManifest[0].weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * 4, 0)).toBe(weightsBin.length);
  });
});
