/**
 * Plays a run's saved policy and reports the mean and spread of the true return.
 *   npm run eval -- runs/pong-true [--episodes 20] [--sample] [--seed 1000]
 * writes eval.json (most likely actions) or, with --sample, eval-sampled.json.
 */
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { makeEnv } from '../env/index.js';
import { Rng } from '../env/rng.js';
import { BACKENDS, type BackendName, initTf } from '../learning/tf.js';
import { netAction } from '../learning/policy.js';
import { actionShares, EVAL_SEED, evaluatePolicy } from '../session/evaluate.js';
import { checkpointRewardModel, createNet, envOptionsOf, trainedCheckpoint } from '../session/trainer.js';
import { RunFolder } from '../store/run.js';
import { fail, integer, positiveInt } from './args.js';

interface Flags {
  episodes: number;
  sample?: boolean;
  seed: number;
  backend?: BackendName;
}

const program = new Command('eval')
  .description("Play a run's saved policy on the true game score.")
  .argument('<run>', 'run folder')
  .option('--episodes <n>', 'episodes to play', positiveInt, 20)
  .option('--sample', "sample actions from the policy and write eval-sampled.json (by default the most likely action is taken, as Stable-Baselines3's evaluate_policy does, into eval.json)")
  .option('--seed <n>', 'seed of the first evaluation episode (episode i uses seed + i)', integer, EVAL_SEED)
  .addOption(new Option('--backend <name>', 'force a tfjs backend').choices(BACKENDS))
  .showHelpAfterError('(run with --help for the options)');

async function main(): Promise<void> {
  program.parse();
  const [dir] = program.args;
  const f = program.opts<Flags>();
  const run = RunFolder.open(dir);
  const checkpoint = trainedCheckpoint(run);
  const { meta, weights } = checkpoint;
  const config = meta.config;
  if (f.sample === true && config.agent === 'greedy-h') {
    throw new Error(`--sample: ${dir} is a greedy-h run, whose agent acts greedily on Ĥ; it has no policy to sample from`);
  }
  // The two evaluations are kept apart, so sampling never overwrites the greedy figure (which bench:learning reads).
  const file = f.sample === true ? 'eval-sampled.json' : 'eval.json';
  await initTf(f.backend);
  const env = makeEnv(config.env, envOptionsOf(config));
  const net = createNet(config, env.observationSpace.shape, env.observationSpace.size, env.actionSpace.n);
  net.setWeights(weights);
  // Sampled actions are seeded too, so an evaluation repeats exactly, on a stream apart from the games'.
  const rng = new Rng();
  rng.seed(f.seed, 7);
  const a2cPolicy = (obs: Float32Array | Uint8Array) => netAction(net, obs, f.sample !== true, rng.next());
  let policy = a2cPolicy;
  if (config.agent === 'greedy-h') {
    // Deep TAMER's agent acts greedily on the feedback model Ĥ(s, a).
    const h = checkpointRewardModel(dir, config, checkpoint, env.observationSpace.shape, env.actionSpace.n);
    policy = (obs) => h.greedyActions(Float32Array.from(obs), 1)[0];
  }
  const result = evaluatePolicy(env, policy, f.episodes, f.seed, (i, ret, len) =>
    process.stdout.write(`episode ${i + 1}/${f.episodes}: return ${ret}, ${len} steps\n`),
  );
  const shares = actionShares(env, result.actionCounts);
  run.writeJson(file, {
    env: config.env,
    steps: meta.state.steps,
    episodes: f.episodes,
    policy: config.agent === 'greedy-h' ? 'greedy on H' : f.sample ? 'sampled' : 'greedy',
    seed: f.seed,
    meanReturn: result.mean,
    stdReturn: result.std,
    minReturn: result.min,
    maxReturn: result.max,
    returns: result.returns,
    lengths: result.lengths,
    // What the policy does: a greedy policy can differ from the one A2C trained (sampled) by which actions it takes.
    actionShares: shares,
  });
  console.log(
    `${config.env} after ${meta.state.steps.toLocaleString()} steps: mean true return ${result.mean.toFixed(2)} ± ${result.std.toFixed(2)} ` +
      `(min ${result.min}, max ${result.max}) over ${f.episodes} episodes; written to ${join(dir, file)}`,
  );
  const mix = Object.entries(shares).filter(([, x]) => x >= 0.005).sort((a, b) => b[1] - a[1]);
  console.log(`actions: ${mix.map(([m, x]) => `${m} ${(100 * x).toFixed(0)}%`).join(', ')}`);
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
