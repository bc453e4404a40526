/**
 * A markdown table of trained runs next to the random policy: per game, the mean true return of the last
 * 100 training episodes, the evaluation (`npm run eval`) mean ± std, and the random policy's return.
 *   npx tsx scripts/results-table.ts runs/a2c-Pong-s1 runs/a2c-Breakout-s1 ...
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomPolicyReturns } from '../src/session/evaluate.js';

const runs = process.argv.slice(2);
if (runs.length === 0) throw new Error('name at least one run folder');
const read = (dir: string, name: string) => (existsSync(join(dir, name)) ? JSON.parse(readFileSync(join(dir, name), 'utf8')) : null);
const randomCache = new Map<string, ReturnType<typeof randomPolicyReturns>>();
console.log('| game | reward | steps | seed | last 100 training episodes | evaluation (episodes) | random policy (100 episodes) | steps/s | backend |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---|');
for (const dir of runs) {
  const config = read(dir, 'config.json');
  const summary = read(dir, 'summary.json');
  const evaluation = read(dir, 'eval.json');
  if (config === null || summary === null) {
    console.error(`skipping ${dir}: no config.json or summary.json (unfinished run?)`);
    continue;
  }
  if (!randomCache.has(config.env)) randomCache.set(config.env, randomPolicyReturns(config.env, 100, 777));
  const random = randomCache.get(config.env)!;
  const ev = evaluation === null ? '-' : `${evaluation.meanReturn.toFixed(1)} ± ${evaluation.stdReturn.toFixed(1)} (${evaluation.episodes})`;
  console.log(
    `| ${config.env} | ${config.reward} | ${summary.steps.toLocaleString('en-US')} | ${config.seed} | ${summary.meanTrueReturn.toFixed(1)} | ${ev} | ` +
      `${random.mean.toFixed(1)} ± ${random.std.toFixed(1)} | ${Math.round(summary.sps).toLocaleString('en-US')} | ${summary.backend} |`,
  );
}
