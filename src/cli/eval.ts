/**
 * Plays a run's saved policy and reports the mean and spread of the true return.
 *   npm run eval -- runs/pong-true [--episodes 20] [--greedy] [--seed 1000]
 */
import { Command, Option } from 'commander';
import { makeEnv } from '../env/index.js';
import { BACKENDS, type BackendName, initTf, tf } from '../learning/tf.js';
import { createNet, loadCheckpoint } from '../session/trainer.js';
import { RunFolder } from '../store/run.js';
import { fail, integer, positiveInt } from './args.js';

interface Flags {
  episodes: number;
  greedy?: boolean;
  seed: number;
  backend?: BackendName;
}

const program = new Command('eval')
  .description("Play a run's saved policy on the true game score.")
  .argument('<run>', 'run folder')
  .option('--episodes <n>', 'episodes to play', positiveInt, 20)
  .option('--greedy', 'take the most likely action instead of sampling (sampling is the Atari convention)')
  .option('--seed <n>', 'seed of the first evaluation episode (episode i uses seed + i)', integer, 1000)
  .addOption(new Option('--backend <name>', 'force a tfjs backend').choices(BACKENDS))
  .showHelpAfterError('(run with --help for the options)');

function stats(xs: number[]) {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return { mean, std, min: Math.min(...xs), max: Math.max(...xs) };
}

async function main(): Promise<void> {
  program.parse();
  const [dir] = program.args;
  const f = program.opts<Flags>();
  const run = RunFolder.open(dir);
  const { meta, weights } = loadCheckpoint(run.checkpointPath);
  const config = meta.config;
  await initTf(f.backend);
  const env = makeEnv(config.env, { obsType: config.obsType });
  const net = createNet(config, env.observationSpace.shape, env.observationSpace.size, env.actionSpace.n);
  net.setWeights(weights);
  const returns: number[] = [];
  const lengths: number[] = [];
  // A seeded sampler, so an evaluation is repeatable.
  let u = f.seed >>> 0;
  const uniform = () => ((u = (Math.imul(u, 1664525) + 1013904223) >>> 0) / 4294967296);
  const obs = new Float32Array(env.observationSpace.size);
  for (let ep = 0; ep < f.episodes; ep++) {
    env.reset({ seed: f.seed + ep });
    let ret = 0;
    let len = 0;
    while (!env.done) {
      env.writeObs(obs, 0);
      const logits = tf.tidy(() => net.forward(tf.tensor2d(obs, [1, obs.length])).logits.dataSync() as Float32Array);
      let action = 0;
      if (f.greedy) {
        for (let a = 1; a < logits.length; a++) if (logits[a] > logits[action]) action = a;
      } else {
        const max = Math.max(...logits);
        const p = Array.from(logits, (l) => Math.exp(l - max));
        let r = uniform() * p.reduce((a, b) => a + b, 0);
        action = p.length - 1;
        for (let a = 0; a < p.length; a++) if ((r -= p[a]) < 0) { action = a; break; }
      }
      ret += env.step(action).reward;
      len++;
    }
    returns.push(ret);
    lengths.push(len);
    process.stdout.write(`episode ${ep + 1}/${f.episodes}: return ${ret}, ${len} steps\n`);
  }
  const s = stats(returns);
  const result = {
    env: config.env,
    steps: meta.state.steps,
    episodes: f.episodes,
    policy: f.greedy ? 'greedy' : 'sampled',
    seed: f.seed,
    meanReturn: s.mean,
    stdReturn: s.std,
    minReturn: s.min,
    maxReturn: s.max,
    meanLength: stats(lengths).mean,
    returns,
  };
  run.writeJson('eval.json', result);
  console.log(
    `${config.env} after ${meta.state.steps.toLocaleString()} steps: mean true return ${s.mean.toFixed(2)} ± ${s.std.toFixed(2)} ` +
      `(min ${s.min}, max ${s.max}) over ${f.episodes} episodes; written to ${dir}/eval.json`,
  );
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
