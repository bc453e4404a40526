/**
 * Headless trainer.
 *   npm run train -- --env Pong --reward true --steps 2000000 --seed 1 --out runs/pong-true
 *   npm run train -- --out runs/pong-true --resume [--steps 3000000]
 */
import { Command, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import { listEnvs } from '../env/index.js';
import { A2C_DEFAULTS } from '../learning/a2c.js';
import { BACKENDS, type BackendName, describeBackend } from '../learning/tf.js';
import { REWARD_SOURCES, type RewardName, type RunConfig, Trainer } from '../session/trainer.js';
import { fail, integer, nonNegativeNumber, oneOf, positiveInt, positiveNumber } from './args.js';

interface Flags {
  env?: string;
  reward: RewardName;
  obs: 'ram' | 'pixels';
  steps?: number;
  seed: number;
  out: string;
  resume?: boolean;
  backend?: BackendName;
  numEnvs: number;
  nSteps: number;
  lr: number;
  entCoef: number;
  hidden: number[];
  logEvery: number;
  checkpointEvery: number;
}

const program = new Command('train')
  .description('Train an A2C agent on a game, headless, into a run folder.')
  .addOption(new Option('--env <id>', 'game').choices(listEnvs()))
  .addOption(new Option('--reward <source>', 'where the agent\'s reward comes from').choices(REWARD_SOURCES).default('true'))
  .addOption(new Option('--obs <type>', 'observation type').choices(['ram', 'pixels']).default('ram'))
  .option('--steps <n>', 'total agent steps to train for', positiveInt)
  .option('--seed <n>', 'random seed', integer, 1)
  .requiredOption('--out <dir>', 'run folder (must be new unless --resume)')
  .option('--resume', 'continue the run in --out from its last checkpoint')
  .addOption(new Option('--backend <name>', 'force a tfjs backend (default: the first that loads)').choices(BACKENDS))
  .option('--num-envs <n>', 'parallel envs', positiveInt, A2C_DEFAULTS.numEnvs)
  .option('--n-steps <n>', 'steps per env per update', positiveInt, A2C_DEFAULTS.nSteps)
  .option('--lr <x>', 'initial learning rate (decays linearly to 0)', positiveNumber, A2C_DEFAULTS.lr)
  .option('--ent-coef <x>', 'entropy coefficient', nonNegativeNumber, A2C_DEFAULTS.entCoef)
  .option('--hidden <sizes>', 'MLP hidden layer sizes, comma-separated', (v) => v.split(',').map((s) => positiveInt(s)), [64, 64])
  .option('--log-every <n>', 'agent steps between metrics lines', positiveInt, 20_000)
  .option('--checkpoint-every <n>', 'agent steps between checkpoints', positiveInt, 250_000)
  .showHelpAfterError('(run with --help for the options)');

async function main(): Promise<void> {
  program.parse();
  const f = program.opts<Flags>();
  let trainer: Trainer;
  if (f.resume) {
    // A resumed run keeps its settings; only the target and the backend may change.
    const fixed = program.options
      .map((o) => o.attributeName())
      .filter((name) => !['out', 'resume', 'steps', 'backend'].includes(name) && program.getOptionValueSource(name) === 'cli');
    if (fixed.length > 0) {
      const flags = fixed.map((n) => `--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ');
      fail(`${flags} cannot change when resuming: the run keeps the settings in ${f.out}/config.json (only --steps and --backend may be given)`);
    }
    trainer = await Trainer.resume(f.out, f.steps, f.backend);
  } else {
    if (f.env === undefined) fail('--env is required for a new run (or pass --resume to continue one)');
    if (f.steps === undefined) fail('--steps is required for a new run');
    const config: RunConfig = {
      env: f.env,
      obsType: f.obs,
      reward: f.reward,
      seed: f.seed,
      steps: f.steps,
      a2c: { ...A2C_DEFAULTS, numEnvs: f.numEnvs, nSteps: f.nSteps, lr: f.lr, entCoef: f.entCoef },
      net: f.obs === 'ram' ? { kind: 'mlp', hidden: f.hidden } : { kind: 'cnn' },
      logEvery: f.logEvery,
      checkpointEvery: f.checkpointEvery,
    };
    trainer = await Trainer.create(f.out, config, f.backend);
  }
  const { config } = trainer;
  console.log(
    `${f.resume ? 'resuming' : 'training'} ${config.env} (${config.obsType}) on reward "${config.reward}", seed ${config.seed}, ` +
      `backend ${describeBackend(trainer.backend)}, ${trainer.a2c.steps.toLocaleString()} of ${config.steps.toLocaleString()} steps done -> ${f.out}`,
  );
  process.once('SIGINT', () => {
    process.stderr.write('\nstopping after this update; a checkpoint will be written (Ctrl-C again to abort)\n');
    trainer.stop();
  });

  // A live bar on a terminal; a plain line per logging interval when the output goes to a file or a pipe.
  const tty = process.stderr.isTTY === true;
  const bar = new SingleBar({
    format: '{bar} {percentage}% | {value}/{total} steps | {sps} steps/s | return {ret} over {episodes} episodes | ETA {eta_formatted}',
    hideCursor: true,
  });
  if (tty) bar.start(config.steps, trainer.a2c.steps, { sps: '-', ret: '-', episodes: trainer.episodes });
  const summary = await trainer.train((p) => {
    const fields = {
      sps: Math.round(p.sps).toLocaleString(),
      ret: Number.isNaN(p.meanTrueReturn) ? '-' : p.meanTrueReturn.toFixed(2),
      episodes: p.episodes,
    };
    if (tty) bar.update(p.steps, fields);
    else process.stderr.write(`${p.steps}/${p.totalSteps} steps | ${fields.sps} steps/s | return ${fields.ret} over ${fields.episodes} episodes\n`);
  });
  if (tty) bar.stop();
  const done = summary.steps >= config.steps;
  console.log(
    `${done ? 'done' : 'stopped'}: ${summary.steps.toLocaleString()} steps, ${Math.round(summary.sps).toLocaleString()} steps/s, ` +
      `mean true return ${summary.meanTrueReturn.toFixed(2)} (last ${Math.min(100, trainer.recentReturns.length)} episodes)` +
      `${done ? `; summary in ${trainer.run.summaryPath}` : `; continue with --resume`}`,
  );
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
