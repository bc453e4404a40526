import { describe, expect, it } from 'vitest';
import { assignCredit, creditWeights, uniformDelay } from '../../../src/learning/tamer/credit.js';

const delay = uniformDelay(); // [0.2 s, 4 s]: density 1 / 3.8 per second
const W = 3.8;
const weight = (tf: number, start: number, end: number) => creditWeights(tf, [{ start, end }], delay)[0];

describe('TAMER credit weights', () => {
  it('gives a step inside the delay window its duration over 3.8 s', () => {
    // t_f - end = 1.5, t_f - start = 2
    expect(weight(10, 8, 8.5)).toBeCloseTo(0.5 / W, 12);
  });

  it('gives the whole window weight 1 and nothing to steps just past its edges', () => {
    expect(weight(10, 6, 9.8)).toBeCloseTo(1, 12);
    expect(weight(10, 9.8, 9.9)).toBe(0); // starts where the window ends (0.2 s before t_f)
    expect(weight(10, 5.5, 6)).toBe(0); // ends where the window starts (4 s before t_f)
  });

  it('gives a step straddling a bound only the part inside the window', () => {
    // 0.2 s bound: [t_f - end, t_f - start] = [0.1, 0.3] -> mass of [0.2, 0.3]
    expect(weight(10, 9.7, 9.9)).toBeCloseTo(0.1 / W, 12);
    // 4 s bound: [3.8, 4.1] -> mass of [3.8, 4]
    expect(weight(10, 5.9, 6.2)).toBeCloseTo(0.2 / W, 12);
  });

  it('gives nothing to steps too recent or too old', () => {
    expect(weight(10, 9.85, 9.95)).toBe(0);
    expect(weight(10, 10, 10.5)).toBe(0); // after the feedback
    expect(weight(10, 4, 5.5)).toBe(0);
  });

  it('sums to 1 over consecutive 15 Hz steps that cover the window', () => {
    const steps = Array.from({ length: 90 }, (_, i) => ({ start: 4 + i / 15, end: 4 + (i + 1) / 15 })); // [4, 10]
    const w = creditWeights(10, steps, delay);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(w.every((x) => x >= 0 && x <= 1)).toBe(true);
    // 3.8 s of 1/15 s steps: 57 steps (the window's bounds fall on step boundaries here).
    expect(w.filter((x) => x > 0).length).toBe(57);
    expect(w[60]).toBeCloseTo(1 / 15 / W, 12);
  });

  it('follows another uniform window', () => {
    expect(creditWeights(10, [{ start: 9, end: 9.5 }], uniformDelay(0, 1))[0]).toBeCloseTo(0.5, 12);
  });
});

describe('assignCredit', () => {
  const steps = [
    { start: 7, end: 8 },
    { start: 8, end: 9 },
    { start: 9, end: 10 },
  ];

  it('returns the credited steps with their weights', () => {
    // t_f = 10.5: step 0 covers delays [2.5, 3.5], step 1 [1.5, 2.5], step 2 [0.5, 1.5], all inside the window
    expect(assignCredit({ time: 10.5, value: 1 }, steps, delay, 11)).toEqual([
      { stepIndex: 0, weight: expect.closeTo(1 / W, 12) },
      { stepIndex: 1, weight: expect.closeTo(1 / W, 12) },
      { stepIndex: 2, weight: expect.closeTo(1 / W, 12) },
    ]);
    // t_f = 11.5: step 0 [3.5, 4.5] -> 0.5 s, steps 1 and 2 whole
    const credits = assignCredit({ time: 11.5, value: -0.5 }, steps, delay, 11.5);
    expect(credits.map((c) => c.stepIndex)).toEqual([0, 1, 2]);
    expect(credits[0].weight).toBeCloseTo(0.5 / W, 12);
    // t_f = 13.5: only step 2 [3.5, 4.5]
    expect(assignCredit({ time: 13.5, value: 0 }, steps, delay, 14)).toEqual([{ stepIndex: 2, weight: expect.closeTo(0.5 / W, 12) }]);
  });

  it('rejects feedback values outside [-1, 1] or not finite', () => {
    expect(() => assignCredit({ time: 10.5, value: 1.5 }, steps, delay, 11)).toThrow(/feedback value must be a finite number in \[-1, 1\], got 1.5/);
    expect(() => assignCredit({ time: 10.5, value: NaN }, steps, delay, 11)).toThrow(/feedback value .* got NaN/);
  });

  it('rejects feedback from the future and non-finite times', () => {
    expect(() => assignCredit({ time: 10.5, value: 1 }, steps, delay, 10.2)).toThrow(/feedback at t=10.5 s is later than now \(t=10.2 s\)/);
    expect(() => assignCredit({ time: Infinity, value: 1 }, steps, delay, 11)).toThrow(/feedback time must be a finite/);
  });

  it('rejects feedback that credits no step, saying where the steps and the window are', () => {
    expect(() => assignCredit({ time: 20, value: 1 }, steps, delay, 20)).toThrow(
      'feedback at t=20 s credits no step: the last step ended at t=10 s, the delay window is [0.2 s, 4 s]',
    );
    expect(() => assignCredit({ time: 10.1, value: 1 }, [{ start: 9.95, end: 10 }], delay, 10.1)).toThrow(/t=10.1 s credits no step: the last step ended at t=10 s/);
    expect(() => assignCredit({ time: 5, value: 1 }, [], delay, 5)).toThrow(/credits no step: no recent steps were given/);
  });

  it('rejects malformed steps and delay windows', () => {
    expect(() => creditWeights(10, [{ start: 9, end: 8 }], delay)).toThrow(/step 0 must have finite times with end >= start, got start=9, end=8/);
    expect(() => creditWeights(10, [{ start: 8, end: 9 }, { start: NaN, end: 9 }], delay)).toThrow(/step 1/);
    expect(() => uniformDelay(-0.1, 4)).toThrow(/finite 0 <= min < max seconds, got min=-0.1, max=4/);
    expect(() => uniformDelay(4, 0.2)).toThrow(/min=4, max=0.2/);
    expect(() => uniformDelay(0.2, Infinity)).toThrow(/finite/);
  });
});
