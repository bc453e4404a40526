/**
 * Which observation features a run's learned reward follows: r̂ over the states of a policy's play (actions
 * sampled), correlated with each `ram` feature, the strongest first.
 *   npx tsx scripts/reward-features.ts <run with a reward model> [<run whose policy plays>] [--steps 6000] [--top 12]
 * The policy is the first run's own unless a second run is given (a true-reward run, say). On Space Invaders,
 * for example, the state model of a 1,000-label oracle run follows `aim.onTarget` (a shot fired now would hit).
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { makeEnv } from '../src/env/index.js';
import { Rng } from '../src/env/rng.js';
import { chooseAction } from '../src/learning/policy.js';
import { pearson, RewardModel } from '../src/learning/preferences/reward-model.js';
import { initTf, tf } from '../src/learning/tf.js';
import { positiveInt } from '../src/cli/args.js';
import { createNet, envOptionsOf, loadCheckpoint, rewardModelConfigOf } from '../src/session/trainer.js';

const program = new Command('reward-features')
  .argument('<run>', 'a run folder with a reward model (preferences or live feedback)')
  .argument('[policy]', 'a run folder whose policy plays (default: <run>)')
  .option('--steps <n>', 'agent steps of play', positiveInt, 6000)
  .option('--top <n>', 'features to print', positiveInt, 12)
  .parse();
const [rmDir, policyDir = rmDir] = program.args;
const { steps: T, top } = program.opts<{ steps: number; top: number }>();

await initTf();
const ck = loadCheckpoint(join(rmDir, 'checkpoints', 'latest.ckpt'));
const config = ck.meta.config;
if (ck.rewardModel === null) throw new Error(`${rmDir} has no reward model: it was trained on the ${config.reward} reward`);
if (config.obsType !== 'ram') throw new Error(`${rmDir} reads ${config.obsType}: features are named for ram observations only`);
const env = makeEnv(config.env, envOptionsOf(config));
const n = env.observationSpace.size;
const model = new RewardModel(n, env.actionSpace.n, rewardModelConfigOf(config), config.seed);
model.setState(ck.rewardModel);
const pk = loadCheckpoint(join(policyDir, 'checkpoints', 'latest.ckpt'));
if (pk.meta.config.env !== config.env) throw new Error(`${policyDir} plays ${pk.meta.config.env}, not ${config.env}`);
const net = createNet(pk.meta.config, env.observationSpace.shape, n, env.actionSpace.n);
net.setWeights(pk.weights);

const obs = new Float32Array(T * n);
const next = new Float32Array(T * n);
const actions = new Int32Array(T);
const rng = new Rng(3);
let o = env.reset({ seed: 7 }).obs;
for (let t = 0; t < T; t++) {
  const logits = tf.tidy(() => net.forward(tf.tensor2d(o, [1, n], 'float32')).logits.dataSync());
  const a = chooseAction(logits, false, rng.next());
  obs.set(o, t * n);
  actions[t] = a;
  const r = env.step(a);
  next.set(r.obs, t * n);
  o = r.terminated || r.truncated ? env.reset().obs : r.obs;
}
const rhat = Array.from(model.predict(obs, actions, T, next));
const names = env.emulator.game.spec.ram.map((f) => f.name);
const rows = names
  .map((name, f) => ({ name, r: pearson(rhat, Array.from({ length: T }, (_, t) => obs[t * n + f])) }))
  .filter((row) => Number.isFinite(row.r))
  .sort((a, b) => Math.abs(b.r) - Math.abs(a.r));
console.log(`${rmDir} (${model.config.input} model), over ${T} steps of ${policyDir === rmDir ? 'its own' : `${policyDir}'s`} sampled play:`);
for (const { name, r } of rows.slice(0, top)) console.log(`  ${name.padEnd(24)} ${r >= 0 ? ' ' : ''}${r.toFixed(2)}`);
model.dispose();
