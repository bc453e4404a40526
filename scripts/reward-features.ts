/**
 * Which observation features a run's learned reward follows: r̂ over the steps of a policy's play (actions
 * sampled), correlated with the step's true reward, then with each `ram` feature, the strongest first (and, for a
 * model that reads the step's change, with each feature's change, Δ; a delta model gets the changes alone).
 *   npx tsx scripts/reward-features.ts <run with a reward model> [<run whose policy plays>] [--steps 6000] [--top 12]
 * The policy is the first run's own unless a second run is given (one that sees the same observations). On Space Invaders,
 * for example, the state model of a 1,000-label oracle run follows `aim.onTarget` (a shot fired now would hit).
 */
import { Command } from 'commander';
import { makeEnv } from '../src/env/index.js';
import { Rng } from '../src/env/rng.js';
import { netAction } from '../src/learning/policy.js';
import { pearson } from '../src/learning/preferences/reward-model.js';
import { initTf } from '../src/learning/tf.js';
import { fail, positiveInt } from '../src/cli/args.js';
import { checkpointRewardModel, createNet, envOptionsOf, loadCheckpoint, seesTheSame } from '../src/session/trainer.js';
import { RunFolder } from '../src/store/run.js';

const program = new Command('reward-features')
  .argument('<run>', 'a run folder with a learned reward model (preferences or live feedback)')
  .argument('[policy]', 'a run folder whose A2C policy plays (default: <run>)')
  .option('--steps <n>', 'agent steps of play', positiveInt, 6000)
  .option('--top <n>', 'features to print', positiveInt, 12)
  .parse();

async function main(): Promise<void> {
  const [rmDir, policyDir = rmDir] = program.args;
  const { steps: T, top } = program.opts<{ steps: number; top: number }>();
  const ck = loadCheckpoint(RunFolder.open(rmDir).checkpointPath);
  const pk = policyDir === rmDir ? ck : loadCheckpoint(RunFolder.open(policyDir).checkpointPath);
  const config = ck.meta.config;
  const theirs = pk.meta.config;
  const ours = envOptionsOf(config);
  if (ours.obsType !== 'ram') throw new Error(`${rmDir} reads ${ours.obsType}: features are named for ram observations only`);
  // The policy must see what it was trained on (as an expert teacher must).
  if (!seesTheSame(theirs, config)) {
    const its = envOptionsOf(theirs);
    throw new Error(
      `the policy's run ${policyDir} sees ${theirs.env} (${its.obsType}, maskScore ${its.maskScore}), the reward's run ${rmDir} ` +
        `${config.env} (${ours.obsType}, maskScore ${ours.maskScore}): give a policy run that sees what the reward's run sees`,
    );
  }
  if (theirs.agent === 'greedy-h') throw new Error(`${policyDir} is a greedy-h run: its agent acts on Ĥ, and its A2C policy was never trained`);
  await initTf();
  const env = makeEnv(config.env, ours);
  const n = env.observationSpace.size;
  const model = checkpointRewardModel(rmDir, config, ck, env.observationSpace.shape, env.actionSpace.n);
  const net = createNet(theirs, env.observationSpace.shape, n, env.actionSpace.n);
  net.setWeights(pk.weights);

  const obs = new Float32Array(T * n);
  const next = new Float32Array(T * n);
  const actions = new Int32Array(T);
  const score = new Array<number>(T);
  const rng = new Rng(3);
  let o = env.reset({ seed: 7 }).obs;
  for (let t = 0; t < T; t++) {
    const a = netAction(net, o, false, rng.next());
    obs.set(o, t * n);
    actions[t] = a;
    const r = env.step(a);
    next.set(r.obs, t * n);
    score[t] = r.reward;
    o = r.terminated || r.truncated ? env.reset().obs : r.obs;
  }
  const rhat = Array.from(model.predict(obs, actions, T, next));
  // A model that reads the step's change is also compared with each feature's change (Δ), which is all a
  // delta model sees; the step's true reward comes first, for scale.
  const column = (f: number, change: boolean) => Array.from({ length: T }, (_, t) => (change ? next[t * n + f] - obs[t * n + f] : obs[t * n + f]));
  const rows = env.emulator.game.spec.ram
    .flatMap(({ name }, f) => [
      ...(model.config.input !== 'delta' ? [{ name, r: pearson(rhat, column(f, false)) }] : []),
      ...(model.readsNext ? [{ name: `Δ${name}`, r: pearson(rhat, column(f, true)) }] : []),
    ])
    .filter((row) => Number.isFinite(row.r))
    .sort((a, b) => Math.abs(b.r) - Math.abs(a.r));
  console.log(`${rmDir} (${model.config.input} model), over ${T} steps of ${policyDir === rmDir ? 'its own' : `${policyDir}'s`} sampled play:`);
  const line = (name: string, r: number) => console.log(`  ${name.padEnd(24)} ${r >= 0 ? ' ' : ''}${r.toFixed(2)}`);
  line('(the true reward)', pearson(rhat, score));
  for (const { name, r } of rows.slice(0, top)) line(name, r);
  model.dispose();
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
