import { beforeAll, describe, expect, it } from 'vitest';
import { tamerLoss } from '../../../src/learning/tamer/loss.js';
import { initTf, tf } from '../../../src/learning/tf.js';

beforeAll(async () => {
  await initTf();
});

// Two rows, three actions. Taken: action 1 (Ĥ 0.6, h 1, w 0.5) and action 2 (Ĥ 0.8, h -1, w 0.25).
const H = [
  [0.5, 0.6, -0.2],
  [0.0, 0.3, 0.8],
];
const actions = [1, 2];
const h = [1, -1];
const w = [0.5, 0.25];

describe('Deep TAMER loss', () => {
  it('is the weighted squared error of the taken actions, averaged over the batch', () => {
    const loss = tf.tidy(() => tamerLoss(tf.tensor2d(H), actions, h, w).dataSync()[0]);
    // (0.5 * (0.6 - 1)^2 + 0.25 * (0.8 + 1)^2) / 2 = (0.08 + 0.81) / 2
    expect(loss).toBeCloseTo(0.445, 6);
  });

  it('has zero gradient for every action not taken', () => {
    const g = tf.tidy(() => tf.grad((p: tf.Tensor) => tamerLoss(p as tf.Tensor2D, actions, h, w))(tf.tensor2d(H)).arraySync() as number[][]);
    // d/dĤ(s_i, a_i) = 2 w_i (Ĥ - h_i) / batch
    const expected = [
      [0, 2 * 0.5 * (0.6 - 1) / 2, 0],
      [0, 0, 2 * 0.25 * (0.8 + 1) / 2],
    ];
    g.forEach((row, i) => row.forEach((x, a) => expect(x).toBeCloseTo(expected[i][a], 6)));
  });

  it('leaks no tensors', () => {
    const pred = tf.tensor2d(H);
    const before = tf.memory().numTensors;
    tamerLoss(pred, actions, h, w).dispose();
    tf.grad((p: tf.Tensor) => tamerLoss(p as tf.Tensor2D, actions, h, w))(pred).dispose();
    expect(tf.memory().numTensors).toBe(before);
    pred.dispose();
  });

  it('rejects mismatched lengths and actions out of range', () => {
    const pred = tf.tensor2d(H);
    expect(() => tamerLoss(pred, [1], h, w)).toThrow(/actions must have one entry per prediction row \(2\), got 1/);
    expect(() => tamerLoss(pred, actions, h, [1, 1, 1])).toThrow(/weights must have one entry/);
    expect(() => tamerLoss(pred, [1, 3], h, w)).toThrow(/action 1 must be an integer in \[0, 3\), got 3/);
    expect(() => tamerLoss(pred, [0.5, 1], h, w)).toThrow(/action 0 must be an integer/);
    pred.dispose();
  });
});
