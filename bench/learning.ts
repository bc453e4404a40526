/**
 * The learning benchmark (`npm run bench:learning`): A2C on a reward learned from synthetic preferences vs A2C
 * on the true score, at the same step budget, as in Christiano et al. (2017):
 *
 *   normalised score = (learned - random) / (true - random)
 *
 * with each term the mean over seeds of the greedy evaluation (`npm run eval`, 20 episodes) of the final
 * policy, and random the uniformly random policy's mean over 100 episodes. The table also gives it from the
 * mean true return of each run's last 100 training episodes (actions sampled, as the curves of Christiano et
 * al. show it), which can tell a different story: a greedy policy is not what A2C trains; and from the final
 * policy's evaluation with sampled actions (`npm run eval -- --sample`), the policy as A2C trained it. Under the
 * table, each game's best constant action over the same evaluation episodes: a floor a greedy policy can sit on
 * (Space Invaders' always-FIRE scores 77%). The two evaluations' scores come with a 95% bootstrap interval over
 * the seeds and their episodes (`normalisedInterval`): with three seeds, settings whose intervals overlap widely
 * cannot be told apart. Runs are real training processes
 * (`npm run train`), `--jobs` at a time, in `--out`; finished runs are reused, unfinished ones resumed, so the
 * benchmark can be stopped and started again. Prints a markdown table and writes results.json beside the runs.
 *
 *   npm run bench:learning -- --games Pong,Enduro,Seaquest --seeds 1,2,3 --steps 3000000 --labels 1000 \
 *     --teachers oracle,mistake --jobs 2 --out runs/bench-learning
 *
 * `--steps-for Enduro=5000000` gives some games another budget, their true-reward runs the same (Seaquest's and
 * Enduro's learned-reward agents start later than Pong's).
 *
 * Live feedback (Deep TAMER) is benchmarked the same way by naming scalar teachers: each is a `--reward tamer`
 * run with `--feedback` presses, its agent A2C over `--steps` or (`--agent greedy-h`) greedy on Ĥ over
 * `--live-steps`. The expert of scalar-expert and scalar-policy is the true-reward run of the same game and
 * seed (trained first), so those runs show the score as the expert saw it (`--no-mask-score`); with
 * `--expert-seed n` it is seed n's for every seed, one teacher for all the runs as one person would be (seed n's
 * true-reward run is trained too, and counts in the table only if n is among `--seeds`).
 *
 *   npm run bench:learning -- --games Pong --teachers scalar-policy --agent greedy-h --live-steps 30000
 *
 * Both channels at once: a teacher `oracle+scalar-policy` is a `--reward preferences+tamer` run with both
 * synthetic teachers, up to `--labels` labels and `--feedback` presses; the table counts its inputs as both.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { listEnvs, maskScoreMatters } from '../src/env/index.js';
import { TEACHERS } from '../src/learning/preferences/teachers.js';
import { EXPERT_TEACHERS, SCALAR_TEACHERS, type ScalarTeacherName } from '../src/session/tamer.js';
import { AGENTS, effectiveRunConfig, type RunConfig } from '../src/session/trainer.js';
import { bestConstantPolicy, EVAL_SEED, normalisedInterval, normalisedScore, PREFERENCE_TARGET, preferenceTarget, randomPolicyReturns, type TargetCell } from '../src/session/evaluate.js';
import { integer, positiveInt } from '../src/cli/args.js';

const list = (v: string) => v.split(',').map((s) => s.trim()).filter((s) => s !== '');

/** `--steps-for`: game=steps pairs, e.g. "Enduro=5000000,Seaquest=5000000". */
function stepsFor(v: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const pair of list(v)) {
    const [game, n, ...rest] = pair.split('=');
    if (n === undefined || rest.length > 0) throw new InvalidArgumentError(`"${pair}" is not game=steps`);
    if (m.has(game)) throw new InvalidArgumentError(`${game} is given twice`);
    m.set(game, positiveInt(n));
  }
  return m;
}

const program = new Command('bench:learning')
  .description('A2C on preferences from synthetic teachers vs A2C on the true score, normalised.')
  .option('--games <ids>', 'comma-separated games', list, ['Pong', 'Enduro', 'Seaquest'])
  .option('--seeds <n,...>', 'comma-separated seeds', (v) => list(v).map((s) => integer(s)), [1, 2, 3])
  .option('--steps <n>', 'agent steps per run', positiveInt, 3_000_000)
  .option('--steps-for <game=n,...>', "another step budget for some games' runs, learned and true reward alike, e.g. Enduro=5000000", stepsFor, new Map<string, number>())
  .option('--labels <n>', 'label budget of the preference runs', positiveInt, 1000)
  .option('--teachers <names>', 'comma-separated synthetic teachers: preference (B-Pref), live-feedback (scalar-*), or both joined by + (oracle+scalar-policy)', list, ['oracle', 'mistake'])
  .option('--feedback <n>', 'press budget of the live-feedback runs', positiveInt, 1000)
  .addOption(new Option('--agent <kind>', 'agent of the live-feedback runs').choices(AGENTS).default('a2c'))
  // 30,000 (33 minutes of play at 15 a second): at 20,000 scalar-policy's teacher had used 963 of its 1,000
  // presses on average (Space Invaders, nine seeds), and greedy on Ĥ scored 46% against 56% at 30,000.
  .option('--live-steps <n>', 'live steps of a greedy-h run', positiveInt, 30_000)
  .option('--episodes <n>', 'evaluation episodes per run', positiveInt, 20)
  .option('--jobs <n>', 'training processes at once', positiveInt, 2)
  .option('--out <dir>', 'folder of the runs', 'runs/bench-learning')
  .option('--expert-seed <n>', "the expert of scalar-expert and scalar-policy for every seed: this seed's true-reward run (default: each seed's own)", integer)
  .option('--extra <flags>', 'extra flags for the learned-reward runs, e.g. "--selection uniform" or "--feedback-delay 0.2,1"', '')
  .option('--true-extra <flags>', 'extra flags for the true-reward runs, e.g. the same "--state-entropy 1" as the learned-reward runs, so that the two agents differ in their reward alone', '')
  .showHelpAfterError();

interface Opts {
  games: string[];
  seeds: number[];
  steps: number;
  stepsFor: Map<string, number>;
  labels: number;
  teachers: string[];
  feedback: number;
  agent: (typeof AGENTS)[number];
  liveSteps: number;
  episodes: number;
  jobs: number;
  out: string;
  expertSeed?: number;
  extra: string;
  trueExtra: string;
}

interface Job {
  game: string;
  seed: number;
  /** 'true' or a teacher name. */
  reward: string;
  /** The teachers that name stands for; null for the true reward. */
  teachers: Teachers | null;
  dir: string;
  /** Its --steps: agent steps, or live steps for a greedy-h run. */
  steps: number;
  /** The true-reward run whose policy or critic judges for an expert teacher: the same game's, of the same seed or `--expert-seed`. */
  expert: Job | null;
  /** Settles when the job is complete. */
  done?: Promise<void>;
}

const isScalar = (teacher: string): teacher is ScalarTeacherName => (SCALAR_TEACHERS as readonly string[]).includes(teacher);

/** A teacher named on the command line: of clip pairs, of live presses, or one of each ("oracle+scalar-policy"). */
interface Teachers {
  preferences: string | null;
  scalar: ScalarTeacherName | null;
}

function parseTeachers(name: string): Teachers {
  const parts = name.split('+');
  const known = [...Object.keys(TEACHERS), ...SCALAR_TEACHERS].join(', ');
  const preferences = parts.find((p) => Object.hasOwn(TEACHERS, p)) ?? null;
  const scalar = parts.find(isScalar) ?? null;
  const count = (preferences === null ? 0 : 1) + (scalar === null ? 0 : 1);
  if (count === 0 || count !== parts.length || (parts.length === 2 && parts[0] !== preferences)) {
    throw new Error(`unknown teacher "${name}": name one of ${known}, or a preference teacher and a scalar one joined by + (oracle+scalar-policy)`);
  }
  return { preferences, scalar };
}

const needsExpert = (t: Teachers) => t.scalar !== null && EXPERT_TEACHERS.includes(t.scalar);
/** Whether a job trains from a true-reward run (its scalar teacher's expert), so waits for it. */
const waitsForExpert = (job: Job) => job.teachers !== null && needsExpert(job.teachers);

/** The training flags of a job's reward. */
function rewardFlags(job: Job, o: Opts): string[] {
  const t = job.teachers;
  const flags = (text: string) => text.split(/\s+/).filter((f) => f !== '');
  if (t === null) return ['--reward', 'true', ...flags(o.trueExtra)];
  const extra = flags(o.extra);
  const prefs = t.preferences === null ? [] : ['--teacher', t.preferences, '--labels', String(o.labels)];
  if (t.scalar === null) return ['--reward', 'preferences', ...prefs, ...extra];
  // The expert was trained on the true score without the mask; where the mask hides something, the run must see
  // what its expert saw.
  const unmasked = needsExpert(t) && maskScoreMatters(job.game, 'ram') ? ['--no-mask-score'] : [];
  const expert = needsExpert(t) ? ['--expert', job.expert!.dir, ...unmasked] : [];
  const reward = t.preferences === null ? 'tamer' : 'preferences+tamer';
  return ['--reward', reward, ...prefs, '--teacher', t.scalar, '--feedback', String(o.feedback), '--agent', o.agent, ...expert, ...extra];
}

function read(dir: string, name: string): Record<string, unknown> | null {
  const path = join(dir, name);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : null;
}

/** A TypeScript script of the project in a process of its own, its output piped. */
const spawnTsx = (script: string, args: string[]) => spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });

/** Runs `npm run <script> -- args`, appending its output to `log`; rejects on a non-zero exit. */
function run(script: string, args: string[], log: string): Promise<void> {
  // A new --out folder does not exist yet: the stream opens before the child makes its run folder inside it.
  mkdirSync(dirname(log), { recursive: true });
  return new Promise((resolve, reject) => {
    const out = createWriteStream(log, { flags: 'a' });
    const child = spawnTsx(script, args);
    child.stdout.pipe(out);
    child.stderr.pipe(out);
    out.on('error', (err) => {
      child.kill(); // its output has nowhere to go
      reject(err);
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${script} ${args.join(' ')} exited with ${code}; see ${log}`))));
  });
}

/** Runs a script of the project (spawnTsx) and resolves to what it printed on stdout; rejects with its stderr on a non-zero exit. */
function capture(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnTsx(script, args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${script} ${args.join(' ')} exited with ${code}: ${stderr.trim()}`))));
  });
}

/**
 * A run's settings as far as its figures depend on them: config.json as the run trains on it (every default
 * filled in, and what runs made before a setting existed were made under), without its bookkeeping (version,
 * id, kind, how often it logs and checkpoints), and the expert as the folder it is (a run linked in from
 * another benchmark names it by another path).
 */
function settingsOf(config: Record<string, unknown>): Record<string, unknown> {
  const { version: _v, id: _i, kind: _k, ...stored } = config;
  const { logEvery: _l, checkpointEvery: _c, ...rest } = effectiveRunConfig(stored as unknown as RunConfig);
  const expert = rest.tamer?.expert;
  return { ...rest, ...(expert != null && { tamer: { ...rest.tamer!, expert: existsSync(expert) ? realpathSync(expert) : expert } }) };
}

/** Where two JSON values differ, one line per differing leaf: `a2c.entCoef 0.01 -> 0.03`. */
function settingDifferences(had: unknown, wanted: unknown, path = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(had) && isObject(wanted)) {
    const keys = [...new Set([...Object.keys(had), ...Object.keys(wanted)])].sort();
    return keys.flatMap((k) => settingDifferences(had[k], wanted[k], path === '' ? k : `${path}.${k}`));
  }
  const text = (v: unknown) => (v === undefined ? '(none)' : isObject(v) ? '{...}' : JSON.stringify(v));
  return text(had) === text(wanted) ? [] : [`${path} ${text(had)} -> ${text(wanted)}`];
}

/**
 * A run already in --out is reused (or resumed) only if it was made with the settings this benchmark would give
 * it now; otherwise its figures would stand in the table for a setting they were not made with.
 */
async function checkSettings(job: Job, args: string[]): Promise<void> {
  const had = read(job.dir, 'config.json');
  if (had === null) return;
  const wanted = JSON.parse(await capture('src/cli/train.ts', [...args, '--dry-run'])) as Record<string, unknown>;
  let diffs: string[];
  try {
    diffs = settingDifferences(settingsOf(had), settingsOf(wanted));
  } catch (err) {
    throw new Error(`${join(job.dir, 'config.json')}: ${(err as Error).message}`);
  }
  if (diffs.length > 0) {
    throw new Error(
      `${job.dir} was made with other settings than this benchmark gives it (${diffs.join('; ')}); ` +
        'give another --out, or move that run away',
    );
  }
}

async function complete(job: Job, o: Opts): Promise<void> {
  const log = `${job.dir}.log`;
  if (waitsForExpert(job)) await job.expert!.done; // the expert first
  const newRun = [
    '--env', job.game, '--steps', String(job.steps), '--seed', String(job.seed), '--out', job.dir,
    '--log-every', String(Math.min(50_000, job.steps / 4)), ...rewardFlags(job, o),
  ];
  await checkSettings(job, newRun);
  if (read(job.dir, 'summary.json') === null) {
    const args = existsSync(join(job.dir, 'config.json')) ? ['--out', job.dir, '--resume'] : newRun;
    process.stderr.write(`training ${job.dir}\n`);
    await run('src/cli/train.ts', args, log);
  }
  const steps = read(job.dir, 'summary.json')?.steps;
  if (read(job.dir, 'eval.json')?.steps !== steps) await run('src/cli/eval.ts', [job.dir, '--episodes', String(o.episodes)], log);
  if (sampled(o) && read(job.dir, 'eval-sampled.json')?.steps !== steps) {
    await run('src/cli/eval.ts', [job.dir, '--episodes', String(o.episodes), '--sample'], log);
  }
  process.stderr.write(`done ${job.dir}\n`);
}

/**
 * Whether the runs' policies are also evaluated with sampled actions: when the learned-reward agents are A2C
 * (a greedy-h agent acts greedily on Ĥ; its table has no sampled column, so its true-reward runs need none).
 */
const sampled = (o: Opts) => o.agent === 'a2c';

async function pool(jobs: Job[], width: number, o: Opts): Promise<void> {
  // Runs that wait for their expert go after every true-reward run: taken in seed order, one would hold a
  // worker idle while its expert trains (with two workers, half the machine).
  const queue = [...jobs.filter((job) => !waitsForExpert(job)), ...jobs.filter(waitsForExpert)];
  const failures: string[] = [];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
        job.done = complete(job, o);
        await job.done.catch((err: Error) => failures.push(err.message));
      }
    }),
  );
  if (failures.length > 0) throw new Error(failures.join('\n'));
}

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** A benchmark run's files: summary.json, eval.json and (when sampled evaluations are made) eval-sampled.json. */
interface RunFiles {
  s: Record<string, unknown>;
  e: Record<string, unknown>;
  sampled: Record<string, unknown> | null;
}

/** Each run's evaluation returns, per episode: the greedy evaluation's, or the sampled one's. */
const episodeReturns = (runs: RunFiles[], which: 'e' | 'sampled') => runs.map((r) => r[which]!.returns as number[]);

const pct = (x: number) => (100 * x).toFixed(0);

/**
 * The normalised score, or why there is none: it only means something when the true reward beats random.
 * `interval`: the cell's bootstrap interval; null when it is unbounded, undefined when the cell has none.
 */
function normalisedCell(learned: number, truth: number, random: number, interval?: [number, number] | null): string {
  const score = normalisedScore(learned, truth, random);
  if (score === null) return `n/a (true reward ${truth.toFixed(1)} does not beat random ${random.toFixed(1)})`;
  const bounds = interval === undefined ? '' : interval === null ? ' (interval unbounded)' : ` (${pct(interval[0])}-${pct(interval[1])}%)`;
  return `${pct(score)}%${bounds}`;
}

/** What the target's verdicts read of a table row (the row has more: results.json keeps it whole). */
type Row = {
  game: string;
  teacher: string;
  labels: number;
  normalised: number | null;
  truth: number;
  random: number;
  normalisedTraining: number | null;
  truthTraining: number;
  learnedSampled: number | null;
  truthSampled: number | null;
  bestConstant: { action: string; meanReturn: number };
};

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<Opts>();
  for (const g of o.games) if (!listEnvs().includes(g)) throw new Error(`unknown game "${g}"; known: ${listEnvs().join(', ')}`);
  for (const g of o.stepsFor.keys()) if (!o.games.includes(g)) throw new Error(`--steps-for names ${g}, which is not one of --games (${o.games.join(', ')})`);
  const stepsOf = (game: string) => o.stepsFor.get(game) ?? o.steps;
  const teachers = new Map(o.teachers.map((name) => [name, parseTeachers(name)]));
  for (const t of teachers.values()) {
    if (t.preferences !== null && o.agent === 'greedy-h') throw new Error('--agent greedy-h acts on the feedback model alone: it takes scalar teachers only');
  }
  const expertNamed = [...teachers.values()].some(needsExpert);
  if (o.expertSeed !== undefined && !expertNamed) {
    throw new Error(`--expert-seed names the expert of ${EXPERT_TEACHERS.join(' and ')}; no teacher in --teachers (${o.teachers.join(', ')}) has one`);
  }
  const jobs: Job[] = [];
  for (const game of o.games) {
    const truthOf = new Map<number, Job>();
    const truthRun = (seed: number): Job => {
      const job: Job = { game, seed, reward: 'true', teachers: null, dir: join(o.out, `true-${game}-${stepsOf(game)}-s${seed}`), steps: stepsOf(game), expert: null };
      truthOf.set(seed, job);
      jobs.push(job);
      return job;
    };
    for (const seed of o.seeds) truthRun(seed);
    // Seed n's true-reward run judges for every seed; trained too when n is not among the seeds.
    const sharedExpert = o.expertSeed === undefined ? null : (truthOf.get(o.expertSeed) ?? truthRun(o.expertSeed));
    for (const seed of o.seeds) {
      for (const reward of o.teachers) {
        const t = teachers.get(reward)!;
        const steps = o.agent === 'greedy-h' ? o.liveSteps : stepsOf(game);
        const name =
          t.scalar === null
            ? `pref-${reward}-${o.labels}-${game}`
            : t.preferences === null
              ? `tamer-${o.agent}-${reward}-${o.feedback}-${game}`
              : `both-${t.preferences}-${o.labels}-${t.scalar}-${o.feedback}-${game}`;
        const judgedBy = sharedExpert !== null && needsExpert(t) ? `-expert${o.expertSeed}` : '';
        jobs.push({ game, seed, reward, teachers: t, dir: join(o.out, `${name}${judgedBy}-${steps}-s${seed}`), steps, expert: sharedExpert ?? truthOf.get(seed)! });
      }
    }
  }
  await pool(jobs, o.jobs, o);

  const rows: Row[] = [];
  const count = (n: number) => n.toLocaleString('en-US');
  const otherSteps = o.games.filter((g) => o.stepsFor.has(g)).map((g) => `${g} ${count(stepsOf(g))}`);
  const budget = `${count(o.steps)}${otherSteps.length === 0 ? '' : ` (${otherSteps.join(', ')})`}`;
  const agent = o.agent === 'greedy-h' ? `greedy on Ĥ over ${count(o.liveSteps)} live steps` : `A2C on ${budget} agent steps`;
  console.log(
    `\n${agent} (true reward: A2C on ${budget}${o.trueExtra.trim() === '' ? '' : `, with ${o.trueExtra.trim()}`}); greedy evaluation over ${o.episodes} episodes; mean over seeds ${o.seeds.join(', ')}; ` +
      `in brackets, a 95% bootstrap interval over the seeds and their episodes.` +
      `${o.expertSeed !== undefined ? ` The expert teachers of every seed judge by seed ${o.expertSeed}'s true-reward run.` : ''}\n`,
  );
  console.log(
    '| game | teacher | labels | presses | normalised score | learned (per seed) | true reward | random | normalised, training episodes | learned / true, training | normalised, sampled evaluation | learned / true, sampled | val. accuracy | pred-true corr. | wall time / run | backend |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  const floors: string[] = [];
  for (const game of o.games) {
    const random = randomPolicyReturns(game, 100, 777).mean;
    // The best constant action over the evaluation's own episodes: a floor that a greedy policy may sit on.
    const constant = bestConstantPolicy(game, o.episodes, EVAL_SEED);
    const byReward = (reward: string): RunFiles[] =>
      jobs
        // Only --seeds' runs: an --expert-seed outside them trains its true-reward run but is not one of the table's.
        .filter((j) => j.game === game && j.reward === reward && o.seeds.includes(j.seed))
        .map((j) => ({ s: read(j.dir, 'summary.json')!, e: read(j.dir, 'eval.json')!, sampled: sampled(o) ? read(j.dir, 'eval-sampled.json')! : null }));
    const truthRuns = byReward('true');
    const truth = meanOf(truthRuns.map((r) => r.e.meanReturn as number));
    const truthSampled = sampled(o) ? meanOf(truthRuns.map((r) => r.sampled!.meanReturn as number)) : null;
    const truthTraining = meanOf(truthRuns.map((r) => r.s.meanTrueReturn as number));
    // A run that ended no training episode has no training return (its summary says 0).
    const episodesEnded = (rs: RunFiles[]) => rs.every((r) => (r.s.episodes as number) > 0);
    floors.push(`${game}: always ${constant.meaning}, ${constant.evaluation.mean.toFixed(1)} (${normalisedCell(constant.evaluation.mean, truth, random)})`);
    for (const teacher of o.teachers) {
      const t = teachers.get(teacher)!;
      const runs = byReward(teacher);
      const learned = meanOf(runs.map((r) => r.e.meanReturn as number));
      const used = (key: string) => meanOf(runs.map((r) => r.s[key] as number));
      const interval = truth > random ? normalisedInterval(episodeReturns(runs, 'e'), episodeReturns(truthRuns, 'e'), random) : null;
      const trainingEnded = episodesEnded(runs) && episodesEnded(truthRuns);
      const intervalSampled =
        truthSampled !== null && truthSampled > random ? normalisedInterval(episodeReturns(runs, 'sampled'), episodeReturns(truthRuns, 'sampled'), random) : null;
      const row = {
        game,
        teacher: t.scalar === null ? teacher : `${teacher} (${o.agent})`,
        labels: t.preferences === null ? 0 : used('labelsUsed'),
        presses: t.scalar === null ? 0 : used('feedbackUsed'),
        normalised: normalisedScore(learned, truth, random),
        // 95% bootstrap interval over seeds and episodes (null when the true reward does not clearly beat random).
        normalisedInterval: interval,
        learned,
        truth,
        random,
        valAccuracy: used('rewardModelValAccuracy'),
        correlation: used('predTrueCorrelation'),
        wallMinutes: meanOf(runs.map((r) => (r.s.wallSeconds as number) / 60)),
        backend: runs[0].s.backend,
        perSeed: runs.map((r) => r.e.meanReturn as number),
        // The last 100 training episodes (a greedy-h run's are its live episodes).
        learnedTraining: used('meanTrueReturn'),
        truthTraining,
        normalisedTraining: trainingEnded ? normalisedScore(used('meanTrueReturn'), truthTraining, random) : null,
        // The final policy with sampled actions, against the true-reward runs' final policies sampled.
        learnedSampled: sampled(o) ? meanOf(runs.map((r) => r.sampled!.meanReturn as number)) : null,
        truthSampled,
        normalisedSampledInterval: intervalSampled,
        bestConstant: { action: constant.meaning, meanReturn: constant.evaluation.mean },
      };
      rows.push(row);
      const prefs = t.preferences !== null;
      console.log(
        `| ${game} | ${row.teacher} | ${prefs ? row.labels.toFixed(0) : '-'} | ${t.scalar !== null ? row.presses.toFixed(0) : '-'} | ${normalisedCell(learned, truth, random, interval)} | ` +
          `${learned.toFixed(1)} (${row.perSeed.map((x) => x.toFixed(1)).join(', ')}) | ${truth.toFixed(1)} | ${random.toFixed(1)} | ` +
          `${!trainingEnded ? 'n/a (a run ended no training episode)' : normalisedCell(row.learnedTraining, truthTraining, random)} | ${row.learnedTraining.toFixed(1)} / ${truthTraining.toFixed(1)} | ` +
          `${row.learnedSampled === null || truthSampled === null ? '- | -' : `${normalisedCell(row.learnedSampled, truthSampled, random, intervalSampled)} | ${row.learnedSampled.toFixed(1)} / ${truthSampled.toFixed(1)}`} | ` +
          `${prefs ? row.valAccuracy.toFixed(2) : '-'} | ${prefs ? row.correlation.toFixed(2) : '-'} | ${row.wallMinutes.toFixed(1)} min | ${row.backend} |`,
      );
    }
  }
  console.log(`\nThe best constant action over the same ${o.episodes} evaluation episodes, normalised like the greedy column:`);
  for (const line of floors) console.log(`- ${line}`);
  printTargetVerdicts(rows);
  writeFileSync(join(o.out, 'results.json'), `${JSON.stringify({ options: o, rows }, null, 2)}\n`);
}

/**
 * Under a table of preference runs with both the `oracle` and `mistake` teachers: the preference target read by each
 * of the three measures (preferenceTarget), since the acceptance does not say which score counts.
 */
function printTargetVerdicts(rows: readonly Row[]): void {
  // Teachers named oracle and mistake alone: a both-channel row is named oracle+scalar-policy.
  const prefRows = rows.filter((r) => Object.hasOwn(PREFERENCE_TARGET.bars, r.teacher));
  if (!Object.keys(PREFERENCE_TARGET.bars).every((t) => prefRows.some((r) => r.teacher === t))) return;
  // Each measure's normalised score of a row and the true-reward score it is normalised by (null: not measured).
  const measures: [string, (r: Row) => { score: number | null; truth: number | null }][] = [
    ['greedy', (r) => ({ score: r.normalised, truth: r.truth })],
    ['training episodes', (r) => ({ score: r.normalisedTraining, truth: r.truthTraining })],
    ['sampled', (r) => ({ score: r.learnedSampled === null || r.truthSampled === null ? null : normalisedScore(r.learnedSampled, r.truthSampled, r.random), truth: r.truthSampled })],
  ];
  const { bars, requiredGame, games } = PREFERENCE_TARGET;
  console.log(
    `\nThe preference target (at least ${100 * bars.oracle}% with oracle and ${100 * bars.mistake}% with mistake, at most ${PREFERENCE_TARGET.maxLabels} labels, on ${requiredGame} and ${games - 1} other games), by each measure:`,
  );
  for (const [name, score] of measures) {
    const cells: TargetCell[] = prefRows.map((r) => {
      const { score: normalised, truth } = score(r);
      const constant = truth === null ? null : normalisedScore(r.bestConstant.meanReturn, truth, r.random);
      return { game: r.game, teacher: r.teacher, labels: r.labels, normalised, constant };
    });
    const v = preferenceTarget(cells);
    const failing = v.failing.map((f) => `${f.game} (${f.why.join(', ')})`).join('; ');
    console.log(`- ${name}: ${v.met ? 'met' : 'not met'}; both bars: ${v.passing.join(', ') || 'none'}${failing === '' ? '' : `; short: ${failing}`}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
