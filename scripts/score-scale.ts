/**
 * How large the game's score is per agent step under the uniformly random policy: the mean and standard
 * deviation of the true reward per step, for comparing with the scale a learned reward is normalised to
 * (`--reward-std`, 0.05 by default). The true-reward baseline learns from the raw score, so on a game whose
 * score varies by 0.16 a step (Breakout) a learned reward at 0.05 pays a third of what the baseline is paid.
 *   npx tsx scripts/score-scale.ts                 # every game
 *   npx tsx scripts/score-scale.ts Breakout Pong   # some
 */
import { listEnvs } from '../src/env/index.js';
import { Rng } from '../src/env/rng.js';
import { VectorEnv } from '../src/env/vector-env.js';
import { REWARD_MODEL_DEFAULTS } from '../src/learning/preferences/reward-model.js';

const DEFAULT_STD = REWARD_MODEL_DEFAULTS.rewardStd;

const ENVS = 16;
const STEPS = 20_000; // per env: 320,000 agent steps a game

const games = process.argv.length > 2 ? process.argv.slice(2) : listEnvs();
for (const id of games) {
  const env = VectorEnv.make(id, ENVS, { obsType: 'ram' });
  env.reset({ seed: 1 });
  const rng = new Rng(1);
  const actions = new Int32Array(ENVS);
  let n = 0;
  let sum = 0;
  let squares = 0;
  let nonZero = 0;
  for (let t = 0; t < STEPS; t++) {
    for (let i = 0; i < ENVS; i++) actions[i] = Math.floor(rng.next() * env.actionSpace.n);
    for (const r of env.step(actions).rewards) {
      n++;
      sum += r;
      squares += r * r;
      if (r !== 0) nonZero++;
    }
  }
  const mean = sum / n;
  const std = Math.sqrt(squares / n - mean * mean);
  console.log(`${id}: mean ${mean.toFixed(4)}, std ${std.toFixed(4)} per step (${((100 * nonZero) / n).toFixed(1)}% of ${n} random steps score), ${(std / DEFAULT_STD).toFixed(1)}x the default --reward-std ${DEFAULT_STD}`);
}
