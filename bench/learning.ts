/**
 * The learning benchmark (`npm run bench:learning`): A2C on a reward learned from synthetic preferences vs A2C
 * on the true score, at the same step budget, as in Christiano et al. (2017):
 *
 *   normalised score = (learned - random) / (true - random)
 *
 * with each term the mean over seeds of the greedy evaluation (`npm run eval`, 20 episodes) of the final
 * policy, and random the uniformly random policy's mean over 100 episodes. Runs are real training processes
 * (`npm run train`), `--jobs` at a time, in `--out`; finished runs are reused, unfinished ones resumed, so the
 * benchmark can be stopped and started again. Prints a markdown table and writes results.json beside the runs.
 *
 *   npm run bench:learning -- --games Pong,Enduro,Seaquest --seeds 1,2,3 --steps 3000000 --labels 1000 \
 *     --teachers oracle,mistake --jobs 2 --out runs/bench-learning
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { listEnvs } from '../src/env/index.js';
import { TEACHERS } from '../src/learning/preferences/teachers.js';
import { randomPolicyReturns } from '../src/session/evaluate.js';
import { integer, positiveInt } from '../src/cli/args.js';

const list = (v: string) => v.split(',').map((s) => s.trim()).filter((s) => s !== '');

const program = new Command('bench:learning')
  .description('A2C on preferences from synthetic teachers vs A2C on the true score, normalised.')
  .option('--games <ids>', 'comma-separated games', list, ['Pong', 'Enduro', 'Seaquest'])
  .option('--seeds <n,...>', 'comma-separated seeds', (v) => list(v).map((s) => integer(s)), [1, 2, 3])
  .option('--steps <n>', 'agent steps per run', positiveInt, 3_000_000)
  .option('--labels <n>', 'label budget of the preference runs', positiveInt, 1000)
  .option('--teachers <names>', 'comma-separated synthetic teachers', list, ['oracle', 'mistake'])
  .option('--episodes <n>', 'evaluation episodes per run', positiveInt, 20)
  .option('--jobs <n>', 'training processes at once', positiveInt, 2)
  .option('--out <dir>', 'folder of the runs', 'runs/bench-learning')
  .option('--extra <flags>', 'extra flags for the preference runs, e.g. "--selection uniform"', '')
  .showHelpAfterError();

interface Opts {
  games: string[];
  seeds: number[];
  steps: number;
  labels: number;
  teachers: string[];
  episodes: number;
  jobs: number;
  out: string;
  extra: string;
}

interface Job {
  game: string;
  seed: number;
  /** 'true' or a teacher name. */
  reward: string;
  dir: string;
}

function read(dir: string, name: string): Record<string, unknown> | null {
  const path = join(dir, name);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : null;
}

/** Runs `npm run <script> -- args`, appending its output to `log`; rejects on a non-zero exit. */
function run(script: string, args: string[], log: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(log, { flags: 'a' });
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${script} ${args.join(' ')} exited with ${code}; see ${log}`))));
  });
}

async function complete(job: Job, o: Opts): Promise<void> {
  const log = `${job.dir}.log`;
  if (read(job.dir, 'summary.json') === null) {
    const args = existsSync(join(job.dir, 'config.json'))
      ? ['--out', job.dir, '--resume']
      : [
          '--env', job.game, '--steps', String(o.steps), '--seed', String(job.seed), '--out', job.dir, '--log-every', '50000',
          ...(job.reward === 'true' ? ['--reward', 'true'] : ['--reward', 'preferences', '--teacher', job.reward, '--labels', String(o.labels), ...list(o.extra.replace(/ /g, ','))]),
        ];
    process.stderr.write(`training ${job.dir}\n`);
    await run('src/cli/train.ts', args, log);
  }
  const evaluation = read(job.dir, 'eval.json');
  if (evaluation === null || evaluation.steps !== read(job.dir, 'summary.json')?.steps) {
    await run('src/cli/eval.ts', [job.dir, '--episodes', String(o.episodes)], log);
  }
  process.stderr.write(`done ${job.dir}\n`);
}

async function pool(jobs: Job[], width: number, o: Opts): Promise<void> {
  const queue = [...jobs];
  const failures: string[] = [];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
        await complete(job, o).catch((err: Error) => failures.push(err.message));
      }
    }),
  );
  if (failures.length > 0) throw new Error(failures.join('\n'));
}

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The normalised score, or why there is none: it only means something when the true reward beats random. */
function normalisedCell(learned: number, truth: number, random: number): string {
  if (!(truth > random)) return `n/a (true reward ${truth.toFixed(1)} does not beat random ${random.toFixed(1)})`;
  return `${((100 * (learned - random)) / (truth - random)).toFixed(0)}%`;
}

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<Opts>();
  for (const g of o.games) if (!listEnvs().includes(g)) throw new Error(`unknown game "${g}"; known: ${listEnvs().join(', ')}`);
  for (const t of o.teachers) if (!Object.hasOwn(TEACHERS, t)) throw new Error(`unknown teacher "${t}"; known: ${Object.keys(TEACHERS).join(', ')}`);
  const jobs: Job[] = [];
  for (const game of o.games) {
    for (const seed of o.seeds) {
      for (const reward of ['true', ...o.teachers]) {
        const name = reward === 'true' ? `true-${game}` : `pref-${reward}-${o.labels}-${game}`;
        jobs.push({ game, seed, reward, dir: join(o.out, `${name}-${o.steps}-s${seed}`) });
      }
    }
  }
  await pool(jobs, o.jobs, o);

  const rows: Record<string, unknown>[] = [];
  console.log(`\nA2C on ${o.steps.toLocaleString('en-US')} agent steps; greedy evaluation over ${o.episodes} episodes; mean over seeds ${o.seeds.join(', ')}.\n`);
  console.log('| game | teacher | labels | normalised score | learned | true reward | random | val. accuracy | pred-true corr. | wall time / run | backend |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const game of o.games) {
    const random = randomPolicyReturns(game, 100, 777).mean;
    const byReward = (reward: string) => jobs.filter((j) => j.game === game && j.reward === reward).map((j) => ({ s: read(j.dir, 'summary.json')!, e: read(j.dir, 'eval.json')! }));
    const truth = meanOf(byReward('true').map((r) => r.e.meanReturn as number));
    for (const teacher of o.teachers) {
      const runs = byReward(teacher);
      const learned = meanOf(runs.map((r) => r.e.meanReturn as number));
      const row = {
        game,
        teacher,
        labels: meanOf(runs.map((r) => r.s.labelsUsed as number)),
        normalised: (learned - random) / (truth - random),
        learned,
        truth,
        random,
        valAccuracy: meanOf(runs.map((r) => r.s.rewardModelValAccuracy as number)),
        correlation: meanOf(runs.map((r) => r.s.predTrueCorrelation as number)),
        wallMinutes: meanOf(runs.map((r) => (r.s.wallSeconds as number) / 60)),
        backend: runs[0].s.backend,
        perSeed: runs.map((r) => r.e.meanReturn),
      };
      rows.push(row);
      console.log(
        `| ${game} | ${teacher} | ${row.labels.toFixed(0)} | ${normalisedCell(learned, truth, random)} | ${learned.toFixed(1)} | ${truth.toFixed(1)} | ${random.toFixed(1)} | ` +
          `${row.valAccuracy.toFixed(2)} | ${row.correlation.toFixed(2)} | ${row.wallMinutes.toFixed(1)} min | ${row.backend} |`,
      );
    }
  }
  writeFileSync(join(o.out, 'results.json'), `${JSON.stringify({ options: o, rows }, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
