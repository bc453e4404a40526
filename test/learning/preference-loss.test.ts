import { beforeAll, describe, expect, it } from 'vitest';
import { preferenceLoss } from '../../src/learning/preferences/loss.js';
import { initTf, tf } from '../../src/learning/tf.js';

beforeAll(async () => {
  await initTf();
});

function loss(l: number[], r: number[], y: number[], noise: number): number {
  return tf.tidy(() => preferenceLoss(tf.tensor1d(l), tf.tensor1d(r), tf.tensor1d(y), noise).dataSync()[0]);
}

describe('preference loss (Bradley-Terry with 10% random answers)', () => {
  // sum r(left) - sum r(right) = 1: sigmoid(1) = 0.731059; with noise 0.1, P[left] = 0.05 + 0.9 * 0.731059 = 0.707953
  const pLeft = 0.05 + 0.9 / (1 + Math.exp(-1));

  it('matches hand-worked numbers for left, right and equal labels', () => {
    expect(loss([1], [0], [1], 0.1)).toBeCloseTo(-Math.log(pLeft), 5); // 0.345352
    expect(loss([1], [0], [0], 0.1)).toBeCloseTo(-Math.log(1 - pLeft), 5); // 1.231033
    expect(loss([1], [0], [0.5], 0.1)).toBeCloseTo(-0.5 * Math.log(pLeft) - 0.5 * Math.log(1 - pLeft), 5); // 0.788193
  });

  it('is the plain Bradley-Terry cross-entropy without noise, and averages over the batch', () => {
    expect(loss([1], [0], [1], 0)).toBeCloseTo(Math.log(1 + Math.exp(-1)), 5);
    expect(loss([1, 0], [0, 0], [1, 0.5], 0)).toBeCloseTo((Math.log(1 + Math.exp(-1)) + Math.log(2)) / 2, 5);
  });

  it('stays finite for very confident wrong predictions (the noise floor bounds it)', () => {
    const l = loss([500], [0], [0], 0.1);
    expect(l).toBeCloseTo(-Math.log(0.05), 4);
  });

  it('rejects an impossible noise level', () => {
    expect(() => loss([1], [0], [1], 1)).toThrow(/noise must be in \[0, 1\)/);
  });
});
