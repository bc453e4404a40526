/** Small helpers for benchmarks: medians of repeated runs, since these machines are shared and noisy. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `fn` (which returns a count of work done) for about `seconds`, returning the rate per second. */
export function rate(fn: () => number, seconds: number): number {
  let done = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    done += fn();
    elapsed = performance.now() - start;
  }
  return (done * 1000) / elapsed;
}

export function formatRate(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

/** The `p` quantile (0-1) of an ascending array, as the nearest rank below: p95 of 40 values is the 39th. */
export function quantile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
