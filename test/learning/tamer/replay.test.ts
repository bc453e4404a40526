import { describe, expect, it } from 'vitest';
import { FeedbackReplay } from '../../../src/learning/tamer/replay.js';

const isId = (x: unknown): x is number => Number.isInteger(x);
const entry = (step: number, weight = 0.1) => ({ step, action: step % 4, feedback: step % 2 === 0 ? 1 : -1, weight });

function filled(n: number, capacity = 100, seed = 0): FeedbackReplay<number> {
  const r = new FeedbackReplay<number>(capacity, seed);
  for (let i = 0; i < n; i++) r.add(entry(i));
  return r;
}

describe('feedback replay buffer', () => {
  it('stores only entries with w > 0 and rejects invalid ones', () => {
    const r = new FeedbackReplay<number>();
    expect(r.capacity).toBe(100_000);
    expect(r.add(entry(0, 0))).toBe(false);
    expect(r.size).toBe(0);
    expect(r.add(entry(1, 0.3))).toBe(true);
    expect(r.size).toBe(1);
    expect(() => r.add(entry(2, -0.1))).toThrow(/weight must be in \[0, 1\], got -0.1/);
    expect(() => r.add(entry(2, 1.5))).toThrow(/weight must be in \[0, 1\]/);
    expect(() => r.add({ ...entry(2), feedback: 2 })).toThrow(/feedback must be a finite number in \[-1, 1\], got 2/);
    expect(() => r.add({ ...entry(2), action: -1 })).toThrow(/action must be a non-negative integer, got -1/);
    expect(r.size).toBe(1);
    expect(() => new FeedbackReplay(0)).toThrow(/capacity must be a positive integer, got 0/);
  });

  it('evicts the oldest entries first when full', () => {
    const r = filled(7, 3);
    expect(r.size).toBe(3);
    expect(r.getState().entries.map((e) => e.step)).toEqual([4, 5, 6]);
    r.add(entry(7));
    expect(r.getState().entries.map((e) => e.step)).toEqual([5, 6, 7]);
  });

  it('samples distinct entries, deterministically by seed, covering the buffer', () => {
    const steps = (r: FeedbackReplay<number>) => Array.from({ length: 50 }, () => r.sample(4).map((e) => e.step));
    const a = steps(filled(20, 100, 7));
    expect(steps(filled(20, 100, 7))).toEqual(a);
    expect(steps(filled(20, 100, 8))).not.toEqual(a);
    for (const batch of a) expect(new Set(batch).size).toBe(4);
    expect(new Set(a.flat()).size).toBe(20);
    // A batch larger than the buffer is the whole buffer, once each.
    expect(filled(5).sample(8).map((e) => e.step).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(() => new FeedbackReplay<number>().sample(8)).toThrow(/empty feedback replay buffer/);
    expect(() => filled(5).sample(0)).toThrow(/batch size must be a positive integer, got 0/);
  });

  it('samples each entry about equally often', () => {
    const r = filled(10);
    const counts = new Array(10).fill(0);
    for (let k = 0; k < 5000; k++) for (const e of r.sample(3)) counts[e.step]++;
    for (const c of counts) expect(c / 5000).toBeCloseTo(0.3, 1);
  });

  it('round-trips its state through JSON, sampler included', () => {
    const r = filled(7, 5, 3); // wrapped: the ring's head is not at 0
    r.sample(2);
    const json = JSON.parse(JSON.stringify(r.getState()));
    const s = new FeedbackReplay<number>(5, 99);
    s.setState(json, isId);
    expect(s.size).toBe(5);
    expect(s.getState()).toEqual(r.getState());
    expect(s.sample(3)).toEqual(r.sample(3));
    s.add(entry(7));
    r.add(entry(7));
    expect(s.getState().entries).toEqual(r.getState().entries);
  });

  it('rejects bad states without changing the buffer', () => {
    const r = filled(3, 3);
    const good = r.getState();
    expect(() => r.setState(null, isId)).toThrow(/must be an object with an entries array/);
    expect(() => filled(0, 2).setState(good, isId)).toThrow(/holds 3 entries, more than this buffer's capacity 2/);
    expect(() => r.setState({ ...good, entries: [{ ...entry(0), step: 'x' }] }, isId)).toThrow(/entry 0 has an invalid step: "x"/);
    expect(() => r.setState({ ...good, entries: [entry(0, 0)] }, isId)).toThrow(/entry 0 must have weight > 0/);
    expect(() => r.setState({ ...good, rng: [1, 2] }, isId)).toThrow(/feedback replay rng state must be an array of four/);
    expect(r.getState()).toEqual(good);
  });
});
