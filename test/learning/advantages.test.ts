import { describe, expect, it } from 'vitest';
import { computeAdvantages } from '../../src/learning/advantages.js';

const base = {
  numSteps: 3,
  numEnvs: 1,
  rewards: Float32Array.from([1, 0, 2]),
  values: Float32Array.from([0.5, 0.4, 0.3]),
  lastValues: Float32Array.from([1]),
  ended: Uint8Array.from([0, 0, 0]),
  bootstrap: Float32Array.from([0, 0, 0]),
  gamma: 0.9,
  lambda: 1,
};

function close(actual: Float32Array, expected: number[]) {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, 5));
}

describe('computeAdvantages', () => {
  it('gives n-step returns with lambda = 1, bootstrapped from the last value', () => {
    const { returns, advantages } = computeAdvantages(base);
    // R2 = 2 + 0.9 * 1, R1 = 0 + 0.9 * R2, R0 = 1 + 0.9 * R1
    close(returns, [3.349, 2.61, 2.9]);
    close(advantages, [3.349 - 0.5, 2.61 - 0.4, 2.9 - 0.3]);
  });

  it('does not bootstrap across a termination', () => {
    const { returns } = computeAdvantages({ ...base, ended: Uint8Array.from([0, 1, 0]) });
    // R1 = 0 (the episode ended), R0 = 1 + 0.9 * 0; R2 starts the next episode.
    close(returns, [1, 0, 2.9]);
  });

  it('bootstraps a truncated step from the value of its final observation', () => {
    const { returns } = computeAdvantages({
      ...base,
      ended: Uint8Array.from([0, 1, 0]),
      bootstrap: Float32Array.from([0, 5, 0]),
    });
    // R1 = 0 + 0.9 * V(final) = 4.5, R0 = 1 + 0.9 * 4.5
    close(returns, [5.05, 4.5, 2.9]);
  });

  it('computes GAE with lambda < 1', () => {
    const { advantages } = computeAdvantages({ ...base, lambda: 0.5 });
    // deltas: d2 = 2 + 0.9*1 - 0.3 = 2.6, d1 = 0 + 0.9*0.3 - 0.4 = -0.13, d0 = 1 + 0.9*0.4 - 0.5 = 0.86
    // A2 = 2.6, A1 = -0.13 + 0.45 * 2.6 = 1.04, A0 = 0.86 + 0.45 * 1.04 = 1.328
    close(advantages, [1.328, 1.04, 2.6]);
  });

  it('keeps envs apart (step-major layout)', () => {
    const { returns } = computeAdvantages({
      numSteps: 2,
      numEnvs: 2,
      rewards: Float32Array.from([1, 10, 1, 10]),
      values: new Float32Array(4),
      lastValues: Float32Array.from([0, 100]),
      ended: Uint8Array.from([0, 0, 0, 1]),
      bootstrap: new Float32Array(4),
      gamma: 0.5,
      lambda: 1,
    });
    // env 0: R1 = 1, R0 = 1 + 0.5; env 1 ended at t = 1: R1 = 10, R0 = 10 + 0.5 * 10
    close(returns, [1.5, 15, 1, 10]);
  });
});
