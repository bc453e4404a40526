import { describe, expect, it } from 'vitest';
import { LabelSchedule } from '../../../src/learning/preferences/schedule.js';

describe('label schedule', () => {
  const s = new LabelSchedule({ budget: 1000, initialFraction: 0.25, decaySteps: 200_000, totalSteps: 2_000_000 });

  it('asks 25% first, then spends the rest of the budget by the end of the run', () => {
    expect(s.initial).toBe(250);
    expect(s.due(0)).toBe(250);
    expect(s.due(2_000_000)).toBe(1000);
    expect(s.due(5_000_000)).toBe(1000);
    // Half-way through the log-integral: ln(1 + T/c) = ln(11) / 2 -> T = c (sqrt(11) - 1) = 463,325.
    expect(s.due(463_325)).toBeCloseTo(625, -0.5);
  });

  it('asks at a rate that decays like c / (T + c)', () => {
    const rate = (t: number) => s.due(t + 100_000) - s.due(t);
    expect(rate(0)).toBeGreaterThan(rate(500_000));
    expect(rate(500_000)).toBeGreaterThan(rate(1_500_000));
    // c / (T + c) at T = 0 vs T = 1.8M: ratio 10 (within rounding over the 100k window)
    expect(rate(0) / rate(1_800_000)).toBeGreaterThan(7);
  });

  it('rejects bad settings, naming them', () => {
    expect(() => new LabelSchedule({ budget: 0, initialFraction: 0.25, decaySteps: 1, totalSteps: 1 })).toThrow(/label budget/);
    expect(() => new LabelSchedule({ budget: 10, initialFraction: 0, decaySteps: 1, totalSteps: 1 })).toThrow(/initial label fraction/);
    expect(() => new LabelSchedule({ budget: 10, initialFraction: 0.5, decaySteps: 0, totalSteps: 1 })).toThrow(/decay steps/);
  });
});
