/**
 * Learning curves from run folders: mean true return of the last 100 episodes against agent steps, one SVG
 * per game, with the random policy's mean return as a dashed line.
 *   npx tsx scripts/plot-curves.ts --out docs/curves runs/a2c-Pong-s1 runs/a2c-Pong-s2 ...
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomPolicyReturns } from '../src/session/evaluate.js';
import { lineChart, type Series } from './lib/svg-plot.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { out: { type: 'string', default: 'docs/curves' }, 'random-episodes': { type: 'string', default: '100' } },
});
if (positionals.length === 0) throw new Error('name at least one run folder');
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const byEnv = new Map<string, { run: string; reward: string; points: [number, number][] }[]>();
for (const dir of positionals) {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const points = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((m) => m.meanTrueReturn !== null && Number.isFinite(m.meanTrueReturn))
    .map((m): [number, number] => [m.steps, m.meanTrueReturn]);
  const list = byEnv.get(config.env) ?? [];
  list.push({ run: basename(dir), reward: config.reward, points });
  byEnv.set(config.env, list);
}
mkdirSync(values.out, { recursive: true });
for (const [env, runs] of byEnv) {
  const random = randomPolicyReturns(env, Number(values['random-episodes']), 777).mean;
  const maxStep = Math.max(...runs.flatMap((r) => r.points.map((p) => p[0])));
  const series: Series[] = runs.map((r, i) => ({ label: `${r.run} (reward: ${r.reward})`, points: r.points, color: COLORS[i % COLORS.length] }));
  series.push({ label: `random policy (${random.toFixed(1)})`, points: [[0, random], [maxStep, random]], color: '#777', dashed: true });
  const file = join(values.out, `${env}.svg`);
  writeFileSync(file, lineChart({ title: `${env}: A2C learning curve`, xLabel: 'agent steps', yLabel: 'mean true return (last 100 episodes)', series }));
  console.log(`wrote ${file}`);
}
