import { beforeAll, describe, expect, it } from 'vitest';
import { createCnnActorCritic } from '../../src/learning/nets.js';
import { initTf, tf } from '../../src/learning/tf.js';

// The wasm backend's added filter gradient and its matrix products with transposed operands, against the cpu
// backend's (tfjs's reference kernels), in one process: tensors are made from fixed seeds and copied between
// the backends as plain arrays.
beforeAll(async () => {
  await initTf('wasm');
});

type Case = { name: string; n: number; h: number; w: number; c: number; k: [number, number]; co: number; strides: [number, number]; pad: 'valid' | 'same' };

async function filterGrad(backend: 'cpu' | 'wasm', t: Case, xs: number[], ws: number[], dys: number[]): Promise<{ dw: Float32Array; dx: Float32Array }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.tensor4d(xs, [t.n, t.h, t.w, t.c]);
    const filter = tf.tensor4d(ws, [...t.k, t.c, t.co]);
    const out = tf.conv2d(x, filter, t.strides, t.pad);
    const dy = tf.tensor(dys, out.shape);
    const f = (xx: tf.Tensor, ff: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, t.strides, t.pad), dy));
    const [dx, dw] = tf.grads(f)([x, filter]);
    return { dw: dw.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array };
  });
}

function maxRelativeError(got: Float32Array, want: Float32Array): number {
  let scale = 0;
  let error = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    error = Math.max(error, Math.abs(got[i] - want[i]));
  }
  return error / scale;
}

describe('the wasm backend trains convolutions (Conv2DBackpropFilter added, Conv2DBackpropInput made fast)', () => {
  const cases: Case[] = [
    { name: 'stride 1', n: 2, h: 9, w: 9, c: 3, k: [3, 3], co: 5, strides: [1, 1], pad: 'valid' },
    { name: 'stride 2, span not divisible by it', n: 2, h: 10, w: 9, c: 3, k: [3, 3], co: 4, strides: [2, 2], pad: 'valid' },
    { name: 'the Nature CNN first layer (8x8, stride 4, 84x84x4)', n: 3, h: 84, w: 84, c: 4, k: [8, 8], co: 8, strides: [4, 4], pad: 'valid' },
    { name: 'unequal strides and kernel sides', n: 2, h: 11, w: 13, c: 2, k: [3, 4], co: 3, strides: [2, 3], pad: 'valid' },
    { name: "'same' padding", n: 2, h: 9, w: 8, c: 3, k: [3, 3], co: 4, strides: [2, 2], pad: 'same' },
  ];
  for (const t of cases) {
    it(`matches the cpu backend: ${t.name}`, async () => {
      const xs = Array.from(tf.randomUniform([t.n * t.h * t.w * t.c], -1, 1, 'float32', 1).dataSync());
      const outShape = tf.tidy(() => tf.conv2d(tf.zeros([t.n, t.h, t.w, t.c]) as tf.Tensor4D, tf.zeros([...t.k, t.c, t.co]) as tf.Tensor4D, t.strides, t.pad).shape);
      const dys = Array.from(tf.randomNormal([outShape.reduce((a, b) => a * b, 1)], 0, 1, 'float32', 2).dataSync());
      const ws = Array.from(tf.randomNormal([t.k[0] * t.k[1] * t.c * t.co], 0, 1, 'float32', 3).dataSync());
      const want = await filterGrad('cpu', t, xs, ws, dys);
      const got = await filterGrad('wasm', t, xs, ws, dys);
      expect(got.dw.length).toBe(want.dw.length);
      expect(maxRelativeError(got.dw, want.dw)).toBeLessThan(1e-5);
      expect(maxRelativeError(got.dx, want.dx)).toBeLessThan(1e-5);
      // No buffer of the kernel's own is left behind on wasm (its intermediates are backend data, not tensors).
      const before = tf.backend().numDataIds();
      await filterGrad('wasm', t, xs, ws, dys);
      expect(tf.backend().numDataIds()).toBe(before);
    });
  }

  it('matches the cpu kernels (both gradients) for a numeric pad, an explicit one, and a pad rounded up', async () => {
    const [n, h, w, c, k, co, stride] = [2, 10, 9, 3, 3, 4, 2];
    const xs = Array.from(tf.randomUniform([n * h * w * c], -1, 1, 'float32', 7).dataSync());
    const ws = Array.from(tf.randomNormal([k * k * c * co], 0, 1, 'float32', 9).dataSync());
    const cases = [
      { pad: 1, dimRoundingMode: undefined },
      { pad: [[0, 0], [2, 0], [0, 1], [0, 0]], dimRoundingMode: undefined },
      { pad: 0, dimRoundingMode: 'ceil' }, // one output row more than the input spans: zeros below
    ] as const;
    for (const { pad, dimRoundingMode } of cases) {
      const info = tf.backend_util.computeConv2DInfo([n, h, w, c], [k, k, c, co], stride, 1, pad as never, dimRoundingMode);
      const dys = Array.from(tf.randomNormal([n * info.outHeight * info.outWidth * co], 0, 1, 'float32', 8).dataSync());
      const grad = async (backend: 'cpu' | 'wasm') => {
        await tf.setBackend(backend);
        const x = tf.tensor4d(xs, [n, h, w, c]);
        const dy = tf.tensor4d(dys, [n, info.outHeight, info.outWidth, co]);
        const attrs = { strides: stride, pad, dataFormat: 'NHWC', dimRoundingMode, filterShape: [k, k, c, co] };
        const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as never) as tf.Tensor;
        const filter = tf.tensor4d(ws, [k, k, c, co]);
        const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: [n, h, w, c] } as never) as tf.Tensor;
        const out = { dw: dw.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array };
        tf.dispose([x, dy, dw, filter, dx]);
        return out;
      };
      const want = await grad('cpu');
      const got = await grad('wasm');
      expect(maxRelativeError(got.dw, want.dw), JSON.stringify({ pad, dimRoundingMode })).toBeLessThan(1e-5);
      expect(maxRelativeError(got.dx, want.dx), JSON.stringify({ pad, dimRoundingMode })).toBeLessThan(1e-5);
    }
    await tf.setBackend('wasm');
  });

  it('the pixel CNN gets the same gradients on wasm as on cpu', async () => {
    const obs = Array.from(tf.randomUniform([2 * 84 * 84 * 4], 0, 255, 'float32', 3).dataSync());
    const grads = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const net = createCnnActorCritic([84, 84, 4], 6, 7);
      const { grads: g, value } = tf.variableGrads(() => {
        const { logits, values } = net.forward(tf.tensor2d(obs, [2, 84 * 84 * 4]));
        return tf.add(tf.sum(tf.square(logits)), tf.sum(values)) as tf.Scalar;
      }, net.variables);
      const out = net.variables.map((v) => g[v.name].dataSync() as Float32Array);
      tf.dispose([value, ...Object.values(g)]);
      net.dispose();
      return out;
    };
    const want = await grads('cpu');
    const got = await grads('wasm');
    expect(got).toHaveLength(want.length);
    // Every layer's gradient, the convolutions' filters among them, agrees (float32 sums in another order).
    for (let i = 0; i < want.length; i++) expect(maxRelativeError(got[i], want[i])).toBeLessThan(1e-4);
    await tf.setBackend('wasm');
  });
});

describe('the wasm backend multiplies transposed matrices (BatchMatMul, _FusedMatMul) as the cpu backend does', () => {
  const values = (n: number, seed: number) => Array.from(tf.randomNormal([n], 0, 1, 'float32', seed).dataSync());
  const products = async (backend: 'cpu' | 'wasm', as: number[], bs: number[], bias: number[]) => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const a = tf.tensor2d(as, [7, 5]);
      const b = tf.tensor2d(bs, [5, 3]);
      const aT = tf.transpose(a);
      const bT = tf.transpose(b);
      const batchA = tf.stack([aT, tf.mul(aT, 2)]) as tf.Tensor3D; // [2, 5, 7]
      const out = [
        tf.matMul(a, b),
        tf.matMul(aT, b, true, false),
        tf.matMul(a, bT, false, true),
        tf.matMul(aT, bT, true, true),
        tf.matMul(batchA, tf.stack([b, b]) as tf.Tensor3D, true, false),
        tf.fused.matMul({ a: aT, b: bT, transposeA: true, transposeB: true, bias: tf.tensor1d(bias), activation: 'relu' }),
      ];
      return out.map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) }));
    });
  };

  it('plain, either operand transposed, both, batched, and fused with a bias and ReLU', async () => {
    const [as, bs, bias] = [values(35, 4), values(15, 5), values(3, 6)];
    const want = await products('cpu', as, bs, bias);
    const got = await products('wasm', as, bs, bias);
    const before = tf.backend().numDataIds();
    await products('wasm', as, bs, bias);
    expect(tf.backend().numDataIds()).toBe(before); // the transposed copies are freed
    expect(got.map((p) => p.shape)).toEqual(want.map((p) => p.shape));
    for (let i = 0; i < want.length; i++) {
      expect(maxRelativeError(Float32Array.from(got[i].data), Float32Array.from(want[i].data))).toBeLessThan(1e-5);
    }
    // Every form gives the one product (the batched one's first half, the fused one before its bias and ReLU).
    for (const i of [1, 2, 3]) expect(maxRelativeError(Float32Array.from(got[i].data), Float32Array.from(got[0].data))).toBeLessThan(1e-6);
    expect(maxRelativeError(Float32Array.from(got[4].data.slice(0, 21)), Float32Array.from(got[0].data))).toBeLessThan(1e-6);
  });
});
