import { beforeAll, describe, expect, it } from 'vitest';
import { clipByGlobalNorm, flatten, RMSPropTF } from '../../src/learning/optim.js';
import { initTf, tf } from '../../src/learning/tf.js';

beforeAll(async () => {
  await initTf();
});

describe('clipByGlobalNorm', () => {
  it('scales all gradients together when their joint norm exceeds the limit', () => {
    const grads = [tf.tensor1d([3, 4]), tf.tensor2d([[12]])]; // joint norm 13
    const flat = flatten(grads);
    const { clipped, norm } = clipByGlobalNorm(flat, 6.5);
    expect(norm.dataSync()[0]).toBeCloseTo(13, 4);
    expect(Array.from(clipped.dataSync())).toEqual([expect.closeTo(1.5, 4), expect.closeTo(2, 4), expect.closeTo(6, 4)]);
    tf.dispose([...grads, flat, clipped, norm]);
  });

  it('leaves gradients under the limit alone', () => {
    const grads = tf.tensor1d([0.3, 0.4]);
    const { clipped, norm } = clipByGlobalNorm(grads, 0.5 + 1e-3);
    expect(clipped.dataSync()[0]).toBeCloseTo(0.3, 5);
    tf.dispose([grads, clipped, norm]);
  });
});

describe('RMSPropTF', () => {
  it('starts the squared-gradient average at 1 and puts epsilon inside the square root', () => {
    const w = tf.variable(tf.tensor1d([1, -1]));
    const u = tf.variable(tf.tensor2d([[3]]));
    const opt = new RMSPropTF([w, u], { decay: 0.99, epsilon: 1e-5 });
    const g = tf.tensor1d([2, 0.5]);
    opt.apply(tf.tensor1d([2, 0.5, 0]), 0.1);
    expect(u.dataSync()[0]).toBe(3); // a zero gradient moves nothing
    // ms = 0.99 * 1 + 0.01 * g^2; w -= 0.1 * g / sqrt(ms + 1e-5)
    const ms0 = 0.99 + 0.01 * 4;
    const ms1 = 0.99 + 0.01 * 0.25;
    const [w0, w1] = w.dataSync();
    expect(w0).toBeCloseTo(1 - (0.1 * 2) / Math.sqrt(ms0 + 1e-5), 6);
    expect(w1).toBeCloseTo(-1 - (0.1 * 0.5) / Math.sqrt(ms1 + 1e-5), 6);
    expect(Array.from(opt.getState())).toEqual([expect.closeTo(ms0, 6), expect.closeTo(ms1, 6), expect.closeTo(0.99, 6)]);
    // tfjs's own RMSProp (average starting at 0) would have taken a ten times larger first step.
    const ref = tf.variable(tf.tensor1d([1, -1]));
    tf.train.rmsprop(0.1, 0.99, 0, 1e-5).applyGradients([{ name: ref.name, tensor: g }]);
    expect(1 - ref.dataSync()[0]).toBeGreaterThan(5 * (1 - w0));
    tf.dispose([w, u, g, ref]);
    opt.dispose();
  });

  it('rejects impossible settings', () => {
    expect(() => new RMSPropTF([], { decay: 1, epsilon: 1e-5 })).toThrow(/decay/);
    expect(() => new RMSPropTF([], { decay: 0.9, epsilon: 0 })).toThrow(/epsilon/);
  });
});
