/**
 * How a live-feedback run's reward net Ĥ(s, a) splits into a part of the state (its mean over actions) and a
 * part of the action, over 3,000 states of random play, and which action it rates highest how often:
 *   npx tsx scripts/h-actions.ts runs/bench-both-norm/both-*-s?
 * An argmax on one action in every state is an action bias, which A2C rewarded per step settles on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeEnv } from '../src/env/index.js';
import { Rng } from '../src/env/rng.js';
import { initTf } from '../src/learning/tf.js';
import { checkpointRewardModel, envOptionsOf, loadCheckpoint, type RunConfig } from '../src/session/trainer.js';

const ROWS = 3000;
const dirs = process.argv.slice(2);
if (dirs.length === 0) throw new Error('usage: npx tsx scripts/h-actions.ts <run folder>...');
await initTf();
for (const dir of dirs) {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as RunConfig;
  if (config.tamer === undefined) throw new Error(`${dir} has no live feedback: its reward does not depend on the action`);
  const env = makeEnv(config.env, envOptionsOf(config));
  const A = env.actionSpace.n;
  const n = env.observationSpace.size;
  const model = checkpointRewardModel(dir, config, loadCheckpoint(join(dir, 'checkpoints', 'latest.ckpt')), env.observationSpace.shape, A);
  const rng = new Rng(7);
  const obs = new Float32Array(ROWS * n);
  let o = env.reset({ seed: 7 }).obs;
  for (let i = 0; i < ROWS; i++) {
    obs.set(o, i * n);
    const r = env.step(Math.floor(rng.next() * A));
    o = r.terminated || r.truncated ? env.reset({ seed: 8 + i }).obs : r.obs;
  }
  const byAction = Array.from({ length: A }, (_, a) => model.predict(obs, new Int32Array(ROWS).fill(a), ROWS));
  const means = new Float64Array(ROWS);
  const argmax = new Array<number>(A).fill(0);
  let within = 0;
  for (let i = 0; i < ROWS; i++) {
    let best = 0;
    for (let a = 0; a < A; a++) {
      means[i] += byAction[a][i] / A;
      if (byAction[a][i] > byAction[best][i]) best = a;
    }
    for (let a = 0; a < A; a++) within += (byAction[a][i] - means[i]) ** 2 / (A * ROWS);
    argmax[best]++;
  }
  const mu = means.reduce((s, x) => s + x, 0) / ROWS;
  const between = means.reduce((s, x) => s + (x - mu) ** 2, 0) / ROWS;
  const shares = env.actionSpace.meanings.map((m, a) => `${m} ${((100 * argmax[a]) / ROWS).toFixed(0)}%`).join(', ');
  console.log(`${dir}: state part std ${Math.sqrt(between).toFixed(4)}, action part std ${Math.sqrt(within).toFixed(4)}; highest-rated action: ${shares}`);
  model.dispose();
}
