import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/env/rng.js';
import { answerTarget, type ClipData, poissonOne, PreferenceDataset } from '../../../src/learning/preferences/dataset.js';

const clip = (id: string, H = 3, D = 2): ClipData => ({ id, obs: new Float32Array(H * D), next: new Float32Array(H * D), actions: new Int32Array(H), trueReturn: 0 });
const dataset = (o: Partial<{ members: number; valFraction: number; maxLabels: number; seed: number }> = {}) =>
  new PreferenceDataset({ members: 3, valFraction: 1 / Math.E, maxLabels: 3000, seed: 1, ...o });

describe('preference dataset', () => {
  it('turns answers into the probability that the left clip is preferred; "can\'t tell" is not trained on', () => {
    expect(answerTarget('left')).toBe(1);
    expect(answerTarget('right')).toBe(0);
    expect(answerTarget('equal')).toBe(0.5);
    expect(answerTarget('cant-tell')).toBeNull();
    const d = dataset();
    expect(d.add('p0', clip('a'), clip('b'), 'cant-tell')).toBeNull();
    expect(d.size).toBe(0);
    expect(d.add('p1', clip('a'), clip('b'), 'equal')?.target).toBe(0.5);
    expect(d.size).toBe(1);
  });

  it('draws Poisson(1) bootstrap counts: P(0) = 1/e, mean 1', () => {
    const rng = new Rng(3);
    const draws = Array.from({ length: 20_000 }, () => poissonOne(rng.next()));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const zeros = draws.filter((k) => k === 0).length / draws.length;
    expect(mean).toBeGreaterThan(0.97);
    expect(mean).toBeLessThan(1.03);
    expect(zeros).toBeGreaterThan(Math.exp(-1) - 0.015);
    expect(zeros).toBeLessThan(Math.exp(-1) + 0.015);
    expect(poissonOne(0)).toBe(0);
    expect(poissonOne(0.999999)).toBeGreaterThanOrEqual(5);
  });

  it('holds out about 1/e of the labels and gives each member its own resample', () => {
    const d = dataset();
    for (let i = 0; i < 3000; i++) d.add(`p${i}`, clip(`a${i}`), clip(`b${i}`), 'left');
    expect(d.heldOut.length / 3000).toBeGreaterThan(1 / Math.E - 0.03);
    expect(d.heldOut.length / 3000).toBeLessThan(1 / Math.E + 0.03);
    expect(d.heldOut.length + d.train.length).toBe(3000);
    const counts = d.train.map((c) => Array.from(c.counts));
    // Members differ in which labels they see, and each sees about |train| labels in all.
    const differ = counts.filter((c) => c[0] !== c[1] || c[1] !== c[2]).length;
    expect(differ / counts.length).toBeGreaterThan(0.5);
    for (let m = 0; m < 3; m++) {
      const total = counts.reduce((s, c) => s + c[m], 0);
      expect(total / d.train.length).toBeGreaterThan(0.9);
      expect(total / d.train.length).toBeLessThan(1.1);
    }
    // Minibatches of member 0 only contain labels with a non-zero count for member 0.
    const batch = d.sample(0, 500, new Rng(5));
    expect(batch.every((c) => c.counts[0] > 0 && !c.heldOut)).toBe(true);
  });

  it('draws split and counts from the pair id and seed, not from the order labels arrive in', () => {
    const a = dataset();
    const b = dataset();
    const ids = Array.from({ length: 50 }, (_, i) => `p${i}`);
    for (const id of ids) a.add(id, clip('x'), clip('y'), 'left');
    for (const id of [...ids].reverse()) b.add(id, clip('x'), clip('y'), 'left');
    const key = (d: PreferenceDataset) =>
      Object.fromEntries([...d.train, ...d.heldOut].map((c) => [c.pairId, `${c.heldOut}:${Array.from(c.counts)}`]));
    expect(key(a)).toEqual(key(b));
    const other = dataset({ seed: 2 });
    for (const id of ids) other.add(id, clip('x'), clip('y'), 'left');
    expect(key(other)).not.toEqual(key(a));
  });

  it('keeps only the most recent maxLabels, and forgets undone labels', () => {
    const d = dataset({ maxLabels: 10, valFraction: 0 });
    for (let i = 0; i < 15; i++) d.add(`p${i}`, clip('x'), clip('y'), 'right');
    expect(d.size).toBe(10);
    expect(d.train.map((c) => c.pairId)).toEqual(Array.from({ length: 10 }, (_, i) => `p${i + 5}`));
    d.remove('p14');
    expect(d.train.map((c) => c.pairId)).not.toContain('p14');
    expect(d.train.map((c) => c.pairId)).toContain('p4');
  });

  it('rejects clips of different lengths and bad settings', () => {
    expect(() => dataset().add('p', clip('a', 3), clip('b', 4), 'left')).toThrow(/differ in length/);
    expect(() => dataset({ members: 0 })).toThrow(/members/);
    expect(() => dataset({ valFraction: 1 })).toThrow(/validation fraction/);
  });
});
