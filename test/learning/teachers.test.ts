import { describe, expect, it } from 'vitest';
import { SyntheticTeacher } from '../../src/learning/preferences/teachers.js';

const clip = (...r: number[]) => r;

describe('synthetic teachers (B-Pref)', () => {
  it('oracle prefers the higher true return and says equal on a tie', () => {
    const t = new SyntheticTeacher('oracle');
    expect(t.answer(clip(1, 0, 0), clip(0, 0, 0))).toBe('left');
    expect(t.answer(clip(0, 0, -1), clip(0, 0, 0))).toBe('right');
    expect(t.answer(clip(1, 0, 0), clip(0, 0, 1))).toBe('equal');
  });

  it('stochastic answers with Bradley-Terry probability sigmoid(beta * difference)', () => {
    const t = new SyntheticTeacher('stochastic', { beta: 1 }, 3);
    let left = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) if (t.answer(clip(1, 0), clip(0, 0)) === 'left') left++;
    expect(left / n).toBeCloseTo(1 / (1 + Math.exp(-1)), 1.5); // 0.731
  });

  it('myopic weights later steps more', () => {
    const t = new SyntheticTeacher('myopic'); // gamma 0.9
    // Early reward 1 (weight 0.81) against a late reward 0.9 (weight 1): the late one wins.
    expect(t.answer(clip(1, 0, 0), clip(0, 0, 0.9))).toBe('right');
    expect(new SyntheticTeacher('oracle').answer(clip(1, 0, 0), clip(0, 0, 0.9))).toBe('left');
  });

  it('mistake flips the answer with probability epsilon', () => {
    const t = new SyntheticTeacher('mistake', {}, 5); // epsilon 0.1
    let wrong = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) if (t.answer(clip(2), clip(1)) === 'right') wrong++;
    expect(wrong / n).toBeGreaterThan(0.09);
    expect(wrong / n).toBeLessThan(0.11);
  });

  it("skip answers can't tell when both clips are nearly worthless", () => {
    const t = new SyntheticTeacher('skip'); // skip ratio 0.1
    t.setReturnScale(100, 100); // 1 point per step on average: delta_skip = 0.1 * 1 * H
    expect(t.answer(clip(0, 0.1, 0), clip(0, 0, 0.1))).toBe('cant-tell'); // both below 0.3
    expect(t.answer(clip(0, 1, 0), clip(0, 0, 0))).toBe('left');
  });

  it('equal answers equal when the returns are within the threshold', () => {
    const t = new SyntheticTeacher('equal'); // equal ratio 0.1
    t.setReturnScale(100, 100); // delta_equal = 0.1 * 1 * 3 = 0.3
    expect(t.answer(clip(1, 1, 1), clip(1, 1, 1.2))).toBe('equal');
    expect(t.answer(clip(1, 1, 1), clip(1, 1, 1.5))).toBe('right');
  });

  it('rejects unknown teachers, out-of-range parameters and mismatched clips', () => {
    expect(() => new SyntheticTeacher('oracel')).toThrow(/unknown teacher "oracel"; known: oracle/);
    expect(() => new SyntheticTeacher('stochastic', { beta: 0 })).toThrow(/beta/);
    expect(() => new SyntheticTeacher('myopic', { gamma: 1.5 })).toThrow(/gamma/);
    expect(() => new SyntheticTeacher('mistake', { epsilon: 0.7 })).toThrow(/epsilon.*\[0, 0.5\]/);
    expect(() => new SyntheticTeacher('oracle').answer([1, 2], [1])).toThrow(/equal, non-zero length/);
  });
});
