import { describe, expect, it } from 'vitest';
import { assignCredit, uniformDelay } from '../../../src/learning/tamer/credit.js';
import { type PlayedStep, ScalarTeacher, type TeacherFeedback } from '../../../src/learning/tamer/scalar-teacher.js';

const DT = 1 / 15; // agent steps per second of wall clock

/** Plays steps with these rewards at 15 Hz, polling after each step and once more after the last delay. */
function play(teacher: ScalarTeacher, rewards: number[]): { steps: PlayedStep[]; events: TeacherFeedback[] } {
  const steps: PlayedStep[] = [];
  const events: TeacherFeedback[] = [];
  rewards.forEach((reward, i) => {
    const step = { start: i * DT, end: (i + 1) * DT, reward };
    steps.push(step);
    teacher.observe(step);
    const due = teacher.due(step.end);
    expect(due.every((f) => f.time <= step.end)).toBe(true);
    events.push(...due);
  });
  events.push(...teacher.due(rewards.length * DT + 4));
  return { steps, events };
}

const rewards = (n: number, r = 1) => new Array<number>(n).fill(r);

describe('synthetic scalar teacher', () => {
  it('presses the sign of the reward 0.2 to 4 s after the step, uniformly in between', () => {
    const { steps, events } = play(new ScalarTeacher({}, 1), rewards(20_000));
    expect(events.length).toBe(20_000);
    const outside = events.filter((f) => {
      const s = steps[f.step];
      return f.value !== 1 || !(f.delay >= 0.2 && f.delay < 4) || !(f.time >= s.start + 0.2 && f.time < s.end + 4);
    });
    expect(outside).toEqual([]);
    const delays = events.map((f) => f.delay);
    expect(delays.reduce((a, b) => a + b, 0) / delays.length).toBeCloseTo(2.1, 1); // SE 0.008
    // Each quarter of [0.2, 4] holds a quarter of the delays.
    for (let q = 0; q < 4; q++) {
      const lo = 0.2 + 0.95 * q;
      const share = delays.filter((d) => d >= lo && d < lo + 0.95).length / delays.length;
      expect(share).toBeCloseTo(0.25, 1.5);
    }
  });

  it('hands presses over in time order, only once their time has come', () => {
    const teacher = new ScalarTeacher({}, 2);
    const { events } = play(teacher, rewards(300));
    expect(events.every((f, i) => i === 0 || f.time >= events[i - 1].time)).toBe(true);
    expect(teacher.due(1e9)).toEqual([]);
  });

  it('gives no feedback on zero-reward steps and -1 on negative ones', () => {
    const r = Array.from({ length: 600 }, (_, i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? 2.5 : -0.1));
    const { events } = play(new ScalarTeacher({}, 3), r);
    expect(events.length).toBe(400);
    for (const f of events) {
      expect(r[f.step]).not.toBe(0);
      expect(f.value).toBe(Math.sign(r[f.step]));
    }
  });

  it('flips the sign with the error probability', () => {
    const { events } = play(new ScalarTeacher({ errorProb: 0.2 }, 4), rewards(20_000));
    const wrong = events.filter((f) => f.value === -1).length / events.length;
    expect(wrong).toBeGreaterThan(0.19);
    expect(wrong).toBeLessThan(0.21);
  });

  it('reacts to an eligible step with the reaction probability', () => {
    const { events } = play(new ScalarTeacher({ reactProb: 0.3 }, 5), rewards(20_000));
    expect(events.length / 20_000).toBeGreaterThan(0.29);
    expect(events.length / 20_000).toBeLessThan(0.31);
  });

  it('presses at most maxRate times a second', () => {
    const n = 3000; // 200 s of play
    const { events } = play(new ScalarTeacher({ maxRate: 2 }, 6), rewards(n));
    const gaps = events.slice(1).map((f, i) => f.time - events[i].time);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0.5);
    expect(events.length).toBeLessThanOrEqual(2 * (n * DT + 4) + 1);
    expect(events.length).toBeGreaterThan(200); // the limit binds, but presses still come
  });

  it('in advantage mode presses the sign of the advantage given', () => {
    const teacher = new ScalarTeacher({ mode: 'advantage' }, 7);
    teacher.observe({ start: 0, end: DT, reward: 1, advantage: -0.4 });
    teacher.observe({ start: DT, end: 2 * DT, reward: 1, advantage: 0 });
    expect(teacher.due(10).map((f) => [f.step, f.value])).toEqual([[0, -1]]);
    expect(() => teacher.observe({ start: 1, end: 1.1, reward: 1 })).toThrow(/advantage mode needs a finite advantage with every step; step 2 has undefined/);
  });

  it('is deterministic given the seed', () => {
    const run = (seed: number) => play(new ScalarTeacher({ reactProb: 0.5, errorProb: 0.1, maxRate: 3 }, seed), rewards(500)).events;
    expect(run(11)).toEqual(run(11));
    expect(run(11)).not.toEqual(run(12));
  });

  it("makes feedback that credit assignment accepts and that credits the step it is about", () => {
    const delay = uniformDelay();
    const teacher = new ScalarTeacher({ delay }, 8);
    const { steps, events } = play(teacher, rewards(150));
    for (const f of events) {
      const credits = assignCredit(f, steps, delay, f.time);
      expect(credits.find((c) => c.stepIndex === f.step)?.weight).toBeGreaterThan(0);
    }
  });

  it('rejects bad parameters, steps and clocks', () => {
    expect(() => new ScalarTeacher({ reactProb: 0 })).toThrow(/reactProb \(probability of reacting\) must be in \(0, 1\], got 0/);
    expect(() => new ScalarTeacher({ reactProb: 1.5 })).toThrow(/reactProb/);
    expect(() => new ScalarTeacher({ errorProb: 0.7 })).toThrow(/errorProb .* must be in \[0, 0.5\], got 0.7/);
    expect(() => new ScalarTeacher({ maxRate: 0 })).toThrow(/maxRate \(presses per second\) must be positive/);
    expect(() => new ScalarTeacher({ mode: 'score' as 'reward' })).toThrow(/mode must be "reward" or "advantage", got "score"/);
    const t = new ScalarTeacher();
    expect(() => t.observe({ start: 1, end: 0.5, reward: 1 })).toThrow(/played step 0 must have finite times with end >= start/);
    expect(() => t.observe({ start: 0, end: 1, reward: NaN })).toThrow(/played step 0 reward must be finite, got NaN/);
    t.observe({ start: 0, end: 1, reward: 1 });
    expect(() => t.observe({ start: 0.5, end: 1.5, reward: 1 })).toThrow(/played step 1 starts at 0.5 s, before the previous step ended \(1 s\)/);
    t.due(2);
    expect(() => t.due(1)).toThrow(/polled at now=1 s, before its previous poll at 2 s/);
    expect(() => t.due(NaN)).toThrow(/polled at now=NaN/);
  });
});
