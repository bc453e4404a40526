import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RewardEnsembleSpec } from '../../src/export/model-spec.js';
import { ONNX_IR_VERSION, ONNX_OPSET, toOnnx } from '../../src/export/onnx.js';
import { initTf } from '../../src/learning/tf.js';
import { maxAbsDiff, randomImageSpec, randomImages, randomObs, randomSpec, referenceReward, threeMemberSpec } from './reference.js';

beforeAll(async () => {
  await initTf();
  // In Node, onnxruntime-web's "node" export loads its .wasm from its own dist folder (no fetch, no wasmPaths);
  // one thread, as tfjs's wasm backend runs in Node, and no worker to start.
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
});

async function runOnnx(bytes: Uint8Array, obs: Float32Array, dims: number[]): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    expect(session.inputNames).toEqual(['obs']);
    expect(session.outputNames).toEqual(['reward']);
    const { reward } = await session.run({ obs: new ort.Tensor('float32', obs, dims) });
    return reward;
  } finally {
    await session.release();
  }
}

async function expectMatchesReference(spec: RewardEnsembleSpec, batches: number[]): Promise<void> {
  const bytes = toOnnx(spec);
  for (const batch of batches) {
    const { image } = spec;
    const obs = (image === undefined ? randomObs : randomImages)(100 + batch, batch, spec.obsSize);
    const reward = await runOnnx(bytes, obs, image === undefined ? [batch, spec.obsSize] : [batch, image.height, image.width, image.channels]);
    expect(reward.dims).toEqual([batch, spec.numActions]);
    expect(maxAbsDiff(reward.data as Float32Array, referenceReward(spec, obs))).toBeLessThan(1e-5);
  }
}

describe('toOnnx', () => {
  it('runs in onnxruntime and gives the ensemble mean of normalised rewards for any batch size', async () => {
    // Batch 1 and 7: the batch dimension is symbolic, nothing was fixed at export.
    await expectMatchesReference(threeMemberSpec(1), [1, 7]);
  });

  it('handles a single member (no Mean node), relu and linear hidden layers, and a deeper stack', async () => {
    await expectMatchesReference(randomSpec(2, { obsSize: 5, numActions: 3, members: [{ hidden: [8], activation: 'relu' }] }), [4]);
    const mixed = randomSpec(3, {
      obsSize: 9,
      numActions: 4,
      members: [
        { hidden: [16, 16, 16], activation: 'relu' },
        { hidden: [12], activation: 'linear' },
        { hidden: [], activation: 'linear' },
      ],
      alpha: 0.2,
    });
    await expectMatchesReference(mixed, [3]);
  });

  it('runs a convolutional ensemble on channel-last images as tfjs computes it', async () => {
    // Odd sizes and strides, so that a transposed axis or kernel would show; 2 frames in, as a small pixel stack.
    const spec = randomImageSpec(5, { image: { height: 13, width: 11, channels: 2 }, convs: [[3, 2, 4], [3, 1, 3]], hidden: [6], members: 3, numActions: 4 });
    await expectMatchesReference(spec, [1, 3]);
    const single = randomImageSpec(6, { image: { height: 7, width: 9, channels: 3 }, convs: [[2, 1, 2]], hidden: [], members: 1, numActions: 2 });
    await expectMatchesReference(single, [2]);
  });

  it('declares an image input channel-last and stores convolution kernels as ONNX wants them', () => {
    const spec = randomImageSpec(7, { image: { height: 9, width: 8, channels: 2 }, convs: [[3, 2, 4]], hidden: [5], members: 2, numActions: 3 });
    const model = onnxProto.onnx.ModelProto.decode(toOnnx(spec));
    const dims = (v: onnxProto.onnx.IValueInfoProto) => v.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue));
    expect(model.graph?.input?.map((v) => [v.name, dims(v)])).toEqual([['obs', ['batch', 9, 8, 2]]]);
    expect(model.docString).toMatch(/2 CNN\(s\) reading channel-last images/);
    const kernel = model.graph?.initializer?.find((t) => t.name === 'member1/conv0/kernel');
    expect(kernel?.dims?.map(Number)).toEqual([4, 2, 3, 3]);
    // OIHW[o=3, i=1, y=2, x=0] is HWIO[y=2, x=0, i=1, o=3].
    const oihw = new Float32Array(new Uint8Array(kernel!.rawData!).buffer);
    expect(oihw[((3 * 2 + 1) * 3 + 2) * 3 + 0]).toBe(spec.members[1].convs![0].kernel[((2 * 3 + 0) * 2 + 1) * 4 + 3]);
  });

  it('declares a dynamic batch, the opset, the producer and what the output means', () => {
    const spec = threeMemberSpec(4);
    const model = onnxProto.onnx.ModelProto.decode(toOnnx(spec));
    expect(Number(model.irVersion)).toBe(ONNX_IR_VERSION);
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', ONNX_OPSET]]);
    expect(model.producerName).toBe('rlhf-arcade');
    expect(model.docString).toMatch(/mean over members of \(raw - shift\) \* scale/);
    const dims = (v: onnxProto.onnx.IValueInfoProto) => v.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue));
    expect(model.graph?.input?.map((v) => [v.name, dims(v)])).toEqual([['obs', ['batch', 11]]]);
    expect(model.graph?.output?.map((v) => [v.name, dims(v)])).toEqual([['reward', ['batch', 6]]]);
    expect(Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]))).toEqual({ obs_size: '11', num_actions: '6', members: '3' });
    // Three layers per member, each a kernel and a bias, as float raw_data.
    expect(model.graph?.initializer).toHaveLength(18);
    const kernel = model.graph?.initializer?.find((t) => t.name === 'member0/dense0/kernel');
    expect(kernel?.dims?.map(Number)).toEqual([11, 64]);
    expect(kernel?.rawData?.length).toBe(11 * 64 * 4);
    expect(new Float32Array(new Uint8Array(kernel!.rawData!).buffer)).toEqual(spec.members[0].layers[0].kernel);
  });
});
