import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/env/rng.js';
import { disagreement, drawPairs, pairKey, topIndices } from '../../../src/learning/preferences/query.js';

describe('query selection', () => {
  it('keys a pair the same in either order', () => {
    expect(pairKey('c1', 'c2')).toBe(pairKey('c2', 'c1'));
    expect(pairKey('c1', 'c2')).not.toBe(pairKey('c1', 'c3'));
  });

  it('ranks pairs by the variance of the members\' predicted preference', () => {
    // pair 0: members agree (0.5, 0.5, 0.5): variance 0
    // pair 1: 0.1, 0.5, 0.9: mean 0.5, variance (0.16 + 0 + 0.16) / 3 = 0.106667
    // pair 2: 0.2, 0.3, 0.4: mean 0.3, variance (0.01 + 0 + 0.01) / 3 = 0.006667
    const probs = [Float32Array.of(0.5, 0.1, 0.2), Float32Array.of(0.5, 0.5, 0.3), Float32Array.of(0.5, 0.9, 0.4)];
    const v = disagreement(probs);
    expect(v[0]).toBeCloseTo(0, 6);
    expect(v[1]).toBeCloseTo(0.32 / 3, 6);
    expect(v[2]).toBeCloseTo(0.02 / 3, 6);
    expect(topIndices(v, 2)).toEqual([1, 2]);
    expect(topIndices([1, 3, 3, 0], 3)).toEqual([1, 2, 0]);
  });

  it('never draws a pair twice, in either order, nor one asked before, nor a clip with itself', () => {
    const pool = Array.from({ length: 6 }, (_, i) => ({ id: `c${i}` }));
    const asked = new Set([pairKey('c0', 'c1'), pairKey('c2', 'c3')]);
    const pairs = drawPairs(pool, 100, asked, new Rng(1));
    // 6 clips make 15 pairs; 2 were asked.
    expect(pairs.length).toBe(13);
    const keys = pairs.map(([a, b]) => pairKey(a.id, b.id));
    expect(new Set(keys).size).toBe(13);
    expect(keys.some((k) => asked.has(k))).toBe(false);
    expect(pairs.every(([a, b]) => a.id !== b.id)).toBe(true);
  });
});
