/**
 * Which pairs of clips to ask about. `uniform` draws pairs at random from the recent clips; `disagreement`
 * (Christiano et al. 2017) draws `oversample` (10) times as many candidates and asks about those whose
 * predicted preference P[left > right] varies most across the ensemble's members (the paper notes this
 * sometimes hurts; B-Pref and PEBBLE use the same rule). A pair is never asked twice, in either order.
 */
import type { Rng } from '../../env/rng.js';

export const SELECTIONS = ['uniform', 'disagreement'] as const;
export type Selection = (typeof SELECTIONS)[number];

/** The same key for (a, b) and (b, a). */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/**
 * Up to `count` distinct pairs of distinct clips never asked before (by `asked` keys), drawn uniformly.
 * Fewer when the pool runs out of new pairs.
 */
export function drawPairs<T extends { id: string }>(pool: readonly T[], count: number, asked: ReadonlySet<string>, rng: Rng): [T, T][] {
  const pairs: [T, T][] = [];
  const seen = new Set<string>();
  const n = pool.length;
  const possible = (n * (n - 1)) / 2;
  for (let tries = 0; pairs.length < count && tries < count * 20 + 100 && seen.size < possible; tries++) {
    const i = Math.floor(rng.next() * n);
    const j = Math.floor(rng.next() * n);
    if (i === j) continue;
    const key = pairKey(pool[i].id, pool[j].id);
    if (asked.has(key) || seen.has(key)) continue;
    seen.add(key);
    pairs.push([pool[i], pool[j]]);
  }
  return pairs;
}

/** Variance across members of each pair's predicted preference; probs[m][i] is member m's P for pair i. */
export function disagreement(probs: readonly Float32Array[]): Float64Array {
  const M = probs.length;
  const n = M > 0 ? probs[0].length : 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let mean = 0;
    for (const p of probs) mean += p[i];
    mean /= M;
    let v = 0;
    for (const p of probs) v += (p[i] - mean) ** 2;
    out[i] = v / M;
  }
  return out;
}

/** Indices of the `count` largest scores, largest first (ties keep the earlier index first). */
export function topIndices(scores: ArrayLike<number>, count: number): number[] {
  return Array.from({ length: scores.length }, (_, i) => i)
    .sort((a, b) => scores[b] - scores[a] || a - b)
    .slice(0, count);
}
