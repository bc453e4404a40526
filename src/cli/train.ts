/**
 * Headless trainer.
 *   npm run train -- --env Pong --reward true --steps 2000000 --seed 1 --out runs/pong-true
 *   npm run train -- --env Pong --reward preferences --teacher oracle --labels 1000 --steps 2000000 --seed 1 --out runs/pong-pref
 *   npm run train -- --out runs/pong-true --resume [--steps 3000000]
 *   npm run train -- --env Pong --reward preferences --teacher oracle --steps 2000000 --out runs/x --dry-run   (the settings, nothing trained)
 *   npm run train -- --env Pong --reward-model exported/pong [--reward-model-mode fine-tune --teacher oracle] --steps 2000000 --out runs/pong-rm
 */
import { ENCODER_PRETRAINING_DEFAULTS } from '../learning/tamer/autoencoder.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import { listEnvs } from '../env/index.js';
import { A2C_DEFAULTS, EPISODE_ENDS, type EpisodeEnds } from '../learning/a2c.js';
import { defaultStateEntropySteps } from '../learning/state-entropy.js';
import { SELECTIONS, type Selection } from '../learning/preferences/query.js';
import { TEACHERS, type TeacherName, type TeacherParams } from '../learning/preferences/teachers.js';
import { BACKENDS, type BackendName, describeBackend } from '../learning/tf.js';
import { PREFERENCE_DEFAULTS } from '../session/preferences.js';
import { EXPERT_TEACHERS, SCALAR_TEACHERS, type ScalarTeacherName, TAMER_DEFAULTS } from '../session/tamer.js';
import { AGENTS, episodeEndsFor, FEEDBACK_ALONE_GAMMA, FEEDBACK_ALONE_REWARD_STD, gammaFor, REWARD_SOURCES, type RewardName, newRunConfig, type RunConfig, Trainer } from '../session/trainer.js';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CARD_FILE, readRewardCard } from '../export/card.js';
import { architectureOf, inputOf } from '../export/reward-model.js';
import { INITIAL_POLICIES, type InitialPolicy } from '../learning/preferences/clips.js';
import { REWARD_INPUTS, REWARD_MODEL_DEFAULTS, type RewardInput } from '../learning/preferences/reward-model.js';
import { REWARD_MODEL_MODES, type RewardModelMode } from '../session/imported-reward.js';
import { fail, integer, nonNegativeNumber, positiveInt, positiveNumber, probability, unitInterval } from './args.js';
import { AGENT_REWARDS } from '../shared/api.js';
import { gameDefaults, gamesWithExtra, NORMALISE_ON, type NormaliseOn, preferenceRunDefaults } from '../shared/game-defaults.js';

interface Flags {
  env?: string;
  reward: RewardName;
  obs: 'ram' | 'pixels';
  steps?: number;
  seed: number;
  out: string;
  resume?: boolean;
  dryRun?: boolean;
  backend?: BackendName;
  numEnvs: number;
  nSteps: number;
  lr: number;
  entCoef: number;
  stateEntropy?: number;
  stateEntropySteps?: number;
  gamma?: number;
  episodeEnds?: EpisodeEnds;
  hidden: number[];
  logEvery: number;
  checkpointEvery: number;
  maskScore?: boolean;
  teacher: string[];
  agent: (typeof AGENTS)[number];
  feedback: number;
  feedbackErrorProb?: number;
  feedbackDelay?: [number, number];
  liveSpeed?: number;
  feedbackWeight?: number;
  pretrainEncoder?: number;
  expert?: string;
  teacherParam: Partial<TeacherParams>;
  labels: number;
  selection: Selection;
  clipLength?: number;
  initialFraction: number;
  initialPolicy: InitialPolicy;
  pretrainEpochs: number;
  labelDecaySteps?: number;
  rewardUpdateEvery: number;
  normaliseOn?: NormaliseOn;
  rewardModel?: string;
  rewardModelMode: RewardModelMode;
  rewardInput?: RewardInput;
  rewardStd?: number;
  rewardMembers?: number;
  answerNoise?: number;
  screenLabels?: boolean;
  rewardDropout?: number;
  agentReward?: AgentReward;
}

type AgentReward = (typeof AGENT_REWARDS)[number];

const TEACHER_PARAMS = ['beta', 'gamma', 'epsilon', 'skipRatio', 'equalRatio'];

/** `--feedback-delay 0.2,4`: the reaction delay's bounds, seconds. */
function delayRange(value: string): [number, number] {
  const parts = value.split(',').map(Number);
  if (parts.length !== 2 || !parts.every(Number.isFinite)) throw new InvalidArgumentError('expected two numbers of seconds, MIN,MAX (e.g. 0.2,4)');
  return [parts[0], parts[1]];
}

/** `--teacher-param epsilon=0.2`, repeatable. */
function teacherParam(value: string, previous: Partial<TeacherParams>): Partial<TeacherParams> {
  const m = /^(\w+)=(.+)$/.exec(value);
  if (m === null || !TEACHER_PARAMS.includes(m[1])) {
    throw new InvalidArgumentError(`expected name=value with name one of ${TEACHER_PARAMS.join(', ')}, got "${value}"`);
  }
  const x = m[2] === 'Infinity' ? Infinity : Number(m[2]);
  if (Number.isNaN(x)) throw new InvalidArgumentError(`expected a number for ${m[1]}, got "${m[2]}"`);
  return { ...previous, [m[1]]: x };
}

const program = new Command('train')
  .description('Train an A2C agent on a game, headless, into a run folder.')
  .addOption(new Option('--env <id>', 'game').choices(listEnvs()))
  .addOption(new Option('--reward <source>', 'where the agent\'s reward comes from').choices(REWARD_SOURCES).default('true'))
  .addOption(new Option('--obs <type>', "observation type (with --reward-model: the exported model's)").choices(['ram', 'pixels']).default('ram'))
  .option('--steps <n>', 'total agent steps to train for', positiveInt)
  .option('--seed <n>', 'random seed', integer, 1)
  .requiredOption('--out <dir>', 'run folder (must be new unless --resume)')
  .option('--resume', 'continue the run in --out from its last checkpoint')
  .option('--dry-run', "print the settings a new run would record in its config.json (every default filled in) and exit, creating nothing (the settings only: the folder, an expert run and the backend are not checked)")
  .addOption(new Option('--backend <name>', 'force a tfjs backend (default: the first that loads)').choices(BACKENDS))
  .option('--num-envs <n>', 'parallel envs', positiveInt, A2C_DEFAULTS.numEnvs)
  .option('--n-steps <n>', 'steps per env per update', positiveInt, A2C_DEFAULTS.nSteps)
  .option('--lr <x>', 'initial learning rate (decays linearly to 0)', positiveNumber, A2C_DEFAULTS.lr)
  .option('--ent-coef <x>', 'entropy coefficient', nonNegativeNumber, A2C_DEFAULTS.entCoef)
  .option(
    '--state-entropy <x>',
    `pay A2C a state-entropy exploration bonus too (PEBBLE's unsupervised exploration, RE3): log(1 + distance to the 3rd nearest of the states visited lately), standardised over each rollout and multiplied by this many of the learned reward's standard deviations (--reward-std; points of score with --reward true); falls to 0 over --state-entropy-steps; ram only (default 1 with --reward preferences on ${gamesWithExtra('explore').join(' and ')} and ram, else 0; --state-entropy 0 for none)`,
    nonNegativeNumber,
  )
  .option('--state-entropy-steps <n>', 'agent steps over which the state-entropy bonus falls linearly to 0 (default: a third of --steps)', positiveInt)
  .option('--gamma <x>', `discount factor of the returns A2C learns, in [0, 1] (default ${A2C_DEFAULTS.gamma}; ${FEEDBACK_ALONE_GAMMA} with --reward tamer: each step's Ĥ alone, as TAMER's myopic agent)`, unitInterval)
  .addOption(
    new Option(
      '--episode-ends <how>',
      `whether the agent's returns see a game over (hidden: they run on into the next episode, as Christiano et al.); by default hidden when live feedback teaches the reward (tamer, preferences+tamer) and ${gameDefaults('episodeEnds')} with preferences alone, else shown`,
    ).choices(EPISODE_ENDS),
  )
  .option('--hidden <sizes>', 'MLP hidden layer sizes, comma-separated', (v) => v.split(',').map((s) => positiveInt(s)), [64, 64])
  .option('--log-every <n>', 'agent steps between metrics lines', positiveInt, 20_000)
  .option('--checkpoint-every <n>', 'agent steps between checkpoints', positiveInt, 250_000)
  .option('--mask-score', 'hide the score from observations (default for --reward preferences)')
  .option('--no-mask-score', 'show the score in observations')
  .option(
    '--teacher <name>',
    `synthetic teacher: for preferences one of ${Object.keys(TEACHERS).join(', ')} (B-Pref); for live feedback ${SCALAR_TEACHERS.join(', ')}; repeat for both channels`,
    (v: string, prev: string[]) => {
      if (!Object.hasOwn(TEACHERS, v) && !(SCALAR_TEACHERS as readonly string[]).includes(v)) {
        throw new InvalidArgumentError(`unknown teacher "${v}"; known: ${[...Object.keys(TEACHERS), ...SCALAR_TEACHERS].join(', ')}`);
      }
      return [...prev, v];
    },
    [] as string[],
  )
  .addOption(new Option('--agent <kind>', 'a2c, or greedy-h: Deep TAMER\'s agent, greedy on the feedback model (--reward tamer)').choices(AGENTS).default('a2c'))
  .option('--feedback <n>', 'live feedback events a synthetic scalar teacher gives at most', positiveInt, TAMER_DEFAULTS.feedback)
  .option('--feedback-error-prob <p>', 'probability the scalar teacher presses the wrong key', nonNegativeNumber)
  .option('--feedback-delay <min,max>', `the reaction delay, Uniform[min, max] seconds, that presses are credited with (and the synthetic teacher presses with) (default ${TAMER_DEFAULTS.delayMin},${TAMER_DEFAULTS.delayMax})`, delayRange)
  .option('--live-speed <steps/s>', `agent steps per second of live play (default ${TAMER_DEFAULTS.stepsPerSecond})`, positiveNumber)
  .option(
    '--pretrain-encoder <frames>',
    `pixels, live feedback alone: first train Ĥ's convolutions as an autoencoder on this many frames of a random policy (${ENCODER_PRETRAINING_DEFAULTS.epochs} passes), then freeze them, as Deep TAMER`,
    positiveInt,
  )
  .option(
    '--feedback-weight <x>',
    `the live feedback channel's weight: a multiplier of the reward net's learning rate for its updates, against 1 for the preferences' (default ${TAMER_DEFAULTS.weight})`,
    positiveNumber,
  )
  .option('--expert <run>', 'for --teacher scalar-expert or scalar-policy: a run trained on the true score whose critic or policy judges the actions')
  .option('--teacher-param <name=value>', `override a teacher parameter (${TEACHER_PARAMS.join(', ')}); repeatable`, teacherParam, {})
  .option('--labels <n>', 'label budget of a preferences run', positiveInt, PREFERENCE_DEFAULTS.labels)
  .addOption(new Option('--selection <rule>', 'how pairs are chosen').choices(SELECTIONS).default(PREFERENCE_DEFAULTS.selection))
  .addOption(
    new Option('--reward-input <what>', `what the reward model reads of a step: the state s, the transition [s, s' - s], or its change s' - s alone (default without live feedback: ${gameDefaults('input')}, else the state; with it the state)`).choices(REWARD_INPUTS),
  )
  .option('--clip-length <n>', `agent steps per clip (default ${PREFERENCE_DEFAULTS.clipLength}; with --reward preferences ${gameDefaults('clipLength')})`, positiveInt)
  .option('--initial-fraction <x>', 'fraction of the labels asked on random-policy clips before RL', positiveNumber, PREFERENCE_DEFAULTS.initialFraction)
  .addOption(
    new Option('--initial-policy <kind>', 'the random policy of those clips: a random action each step, or each held for a while (P(K >= k steps) = 1/k²)')
      .choices(INITIAL_POLICIES)
      .default(PREFERENCE_DEFAULTS.initialPolicy),
  )
  .option('--pretrain-epochs <n>', 'reward-model epochs on the first labels before RL', integer, PREFERENCE_DEFAULTS.pretrainEpochs)
  .option('--label-decay-steps <n>', 'c of the label rate c/(T+c), agent steps (default: a third of --steps)', positiveInt)
  .option('--reward-std <x>', `the standard deviation the learned reward is normalised to (default ${REWARD_MODEL_DEFAULTS.rewardStd}, Christiano et al.'s Atari setting; ${gameDefaults('rewardStd')} with preferences alone; ${FEEDBACK_ALONE_REWARD_STD} with --reward tamer and the a2c agent)`, positiveNumber)
  .option('--reward-members <n>', `ensemble members of the reward model, each trained on a bootstrap resample of the labels (presses train them all alike) (default ${REWARD_MODEL_DEFAULTS.members}, as Christiano et al.; imitation uses 5)`, positiveInt)
  .option('--reward-dropout <p>', `dropout after each hidden layer of the reward model while it trains, in [0, 1) (default ${REWARD_MODEL_DEFAULTS.dropout}; rl-teacher uses 0.5)`, probability)
  .option('--screen-labels', `leave out of training the labels the reward model has good reason to think wrong (RIME's denoising discriminator, for teachers who sometimes click the wrong clip); screened once a pretraining epoch and at each evaluation (the default with --reward preferences on ${gamesWithExtra('screenLabels').join(', ')})`)
  .option('--no-screen-labels', 'train on every label (the default but where --screen-labels is)')
  .option('--answer-noise <p>', `the chance of a uniformly random answer the preference model allows for, in [0, 1) (default ${REWARD_MODEL_DEFAULTS.answerNoise})`, probability)
  .addOption(
    new Option(
      '--agent-reward <what>',
      "with both channels (--reward preferences+tamer), what A2C is paid: the state's mean of Ĥ(s, ·) over the actions, what clips rate (default), or Ĥ(s, a) of the action taken (as runs made before 6 Dec)",
    ).choices(AGENT_REWARDS),
  )
  .addOption(
    new Option(
      '--normalise-on <clips>',
      `what the learned reward is renormalised on while the agent trains: the clips of the agent's latest play (recent, as Christiano et al.), or the random-policy clips of the first labels (initial: a fixed reference, so the reward grows as the agent does more than random play, as a score does) (default initial with --reward preferences on ${gamesWithExtra('normaliseOn').join(', ')}, else recent)`,
    ).choices(NORMALISE_ON),
  )
  .option('--reward-update-every <n>', 'agent steps between reward-model minibatches while the agent trains', positiveInt, PREFERENCE_DEFAULTS.rewardUpdateEvery)
  .option('--reward-model <dir>', 'start from a reward model exported by npm run export (it must match the game and observations)')
  .addOption(
    new Option('--reward-model-mode <mode>', 'frozen: the exported model is the reward, no labels; fine-tune: a preferences run starting from its weights')
      .choices(REWARD_MODEL_MODES)
      .default('frozen'),
  )
  .showHelpAfterError('(run with --help for the options)');

/** `teacherParam` -> `--teacher-param`. */
function flagName(attribute: string): string {
  return `--${attribute.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Fails naming the flags among `attributes` given on the command line. */
function refuseGiven(attributes: string[], why: string): void {
  const given = attributes.filter((name) => program.getOptionValueSource(name) === 'cli');
  // A boolean given as false came from its --no- form.
  const named = (name: string) => (program.getOptionValue(name) === false ? flagName(name).replace(/^--/, '--no-') : flagName(name));
  if (given.length > 0) fail(`${given.map(named).join(', ')} ${why}`);
}

async function main(): Promise<void> {
  program.parse();
  const f = program.opts<Flags>();
  let trainer: Trainer;
  if (f.resume && f.dryRun) fail(`--dry-run shows a new run's settings; a resumed run keeps those in ${f.out}/config.json`);
  if (f.resume) {
    // A resumed run keeps its settings; only the target and the backend may change.
    const fixed = program.options
      .map((o) => o.attributeName())
      .filter((name) => !['out', 'resume', 'steps', 'backend'].includes(name) && program.getOptionValueSource(name) === 'cli');
    if (fixed.length > 0) {
      const flags = fixed.map(flagName).join(', ');
      fail(`${flags} cannot change when resuming: the run keeps the settings in ${f.out}/config.json (only --steps and --backend may be given)`);
    }
    trainer = await Trainer.resume(f.out, f.steps, f.backend);
  } else {
    if (f.env === undefined) fail('--env is required for a new run (or pass --resume to continue one)');
    if (f.steps === undefined) fail('--steps is required for a new run');
    // An exported reward model decides the reward source and, unless given, the observations and whether the score is masked.
    if (f.rewardModel !== undefined && !existsSync(join(f.rewardModel, CARD_FILE))) {
      fail(`--reward-model ${f.rewardModel}: no ${CARD_FILE} there; give a folder written by npm run export`);
    }
    const card = f.rewardModel === undefined ? null : readRewardCard(join(f.rewardModel, CARD_FILE));
    if (card !== null) {
      const reward = f.rewardModelMode === 'frozen' ? 'model' : 'preferences';
      if (program.getOptionValueSource('reward') === 'cli' && f.reward !== reward) fail(`--reward-model-mode ${f.rewardModelMode} trains on reward "${reward}"; drop --reward ${f.reward}`);
      if (f.rewardInput !== undefined) fail(`--reward-input: the exported model reads the ${inputOf(card)} (its card says so); drop --reward-input`);
      if (f.rewardMembers !== undefined) fail(`--reward-members: the exported model has ${card.model.members} (its card says so); drop --reward-members`);
      f.reward = reward;
      if (program.getOptionValueSource('obs') !== 'cli') f.obs = card.observation.type;
    } else if (f.reward === 'model' || program.getOptionValueSource('rewardModelMode') === 'cli') {
      fail('--reward model and --reward-model-mode need --reward-model DIR (a folder written by npm run export)');
    }
    const preferences = f.reward === 'preferences' || f.reward === 'preferences+tamer';
    const tamer = f.reward === 'tamer' || f.reward === 'preferences+tamer';
    const prefTeacher = f.teacher.find((t) => Object.hasOwn(TEACHERS, t)) as TeacherName | undefined;
    const scalarTeacher = f.teacher.find((t) => (SCALAR_TEACHERS as readonly string[]).includes(t)) as ScalarTeacherName | undefined;
    if (preferences && prefTeacher === undefined) {
      fail(`${card !== null ? `--reward-model-mode ${f.rewardModelMode} (training on preferences)` : `--reward ${f.reward}`} needs a preference --teacher (${Object.keys(TEACHERS).join(', ')}) in a headless run (people label through the app: npm start)`);
    }
    if (tamer && scalarTeacher === undefined) {
      fail(`--reward ${f.reward} needs a live-feedback --teacher (${SCALAR_TEACHERS.join(', ')}) in a headless run (people press keys in the app: npm start)`);
    }
    if (!preferences && prefTeacher !== undefined) fail(`--teacher ${prefTeacher} answers clip preferences: it needs --reward preferences or preferences+tamer`);
    if (!tamer && scalarTeacher !== undefined) fail(`--teacher ${scalarTeacher} gives live feedback: it needs --reward tamer or preferences+tamer`);
    if (!tamer) refuseGiven(['feedback', 'feedbackErrorProb', 'feedbackDelay', 'liveSpeed', 'feedbackWeight', 'expert', 'pretrainEncoder'], 'only apply to --reward tamer or preferences+tamer');
    // validateTamerConfig's rule, named by the flags.
    const expertTeacher = scalarTeacher !== undefined && EXPERT_TEACHERS.includes(scalarTeacher);
    if (tamer && expertTeacher && f.expert === undefined) fail(`--teacher ${scalarTeacher} judges actions by an expert run: it needs --expert <run>, a run trained with --reward true`);
    if (tamer && !expertTeacher && f.expert !== undefined) fail(`--expert is for the teachers ${EXPERT_TEACHERS.join(' and ')}, not ${scalarTeacher}`);
    if (!preferences) {
      refuseGiven(['teacherParam', 'labels', 'selection', 'clipLength', 'initialFraction', 'initialPolicy', 'pretrainEpochs', 'labelDecaySteps', 'rewardUpdateEvery', 'normaliseOn', 'rewardInput', 'answerNoise', 'screenLabels'], 'only apply to --reward preferences or preferences+tamer');
      if (!tamer) refuseGiven(['rewardStd', 'rewardMembers', 'rewardDropout'], 'only apply to a learned reward: --reward preferences, tamer or preferences+tamer');
    }
    // Runs learning from clip comparisons alone on the measured games screen and explore unless told (preferenceRunDefaults).
    const extras = preferenceRunDefaults(f.env, f.reward, f.obs, f.agent);
    const stateEntropy = f.stateEntropy ?? (extras.explore ? 1 : 0);
    if (stateEntropy === 0) refuseGiven(['stateEntropySteps'], 'schedules the bonus of --state-entropy, which this run is not paid: give that too');
    if (!(preferences && tamer)) refuseGiven(['agentReward'], 'only applies to --reward preferences+tamer (with one channel the agent is paid the reward net as it is)');
    // The reward net's settings that either channel's net takes (Ĥ reads the state, and answer noise is the Bradley-Terry model's).
    const netSettings = {
      ...(f.rewardStd !== undefined && { rewardStd: f.rewardStd }),
      ...(f.rewardMembers !== undefined && { members: f.rewardMembers }),
      ...(f.rewardDropout !== undefined && { dropout: f.rewardDropout }),
    };
    const config: RunConfig = {
      env: f.env,
      obsType: f.obs,
      reward: f.reward,
      seed: f.seed,
      steps: f.steps,
      a2c: { ...A2C_DEFAULTS, numEnvs: f.numEnvs, nSteps: f.nSteps, lr: f.lr, entCoef: f.entCoef, gamma: f.gamma ?? gammaFor(f.reward, f.agent), episodeEnds: f.episodeEnds ?? episodeEndsFor(f.reward, f.env),
        ...(stateEntropy > 0 && { stateEntropy, stateEntropySteps: f.stateEntropySteps ?? defaultStateEntropySteps(f.steps) }) },
      net: f.obs === 'ram' ? { kind: 'mlp', hidden: f.hidden } : { kind: 'cnn' },
      logEvery: f.logEvery,
      checkpointEvery: f.checkpointEvery,
      maskScore: f.maskScore ?? card?.observation.options.maskScore ?? (preferences || tamer),
      agent: f.agent,
      ...(tamer && {
        tamer: {
          ...TAMER_DEFAULTS,
          teacher: scalarTeacher!,
          feedback: f.feedback,
          teacherParams: f.feedbackErrorProb === undefined ? {} : { errorProb: f.feedbackErrorProb },
          ...(f.feedbackDelay && { delayMin: f.feedbackDelay[0], delayMax: f.feedbackDelay[1] }),
          ...(f.liveSpeed !== undefined && { stepsPerSecond: f.liveSpeed }),
          ...(f.feedbackWeight !== undefined && { weight: f.feedbackWeight }),
          ...(f.pretrainEncoder !== undefined && { pretrainEncoder: { ...ENCODER_PRETRAINING_DEFAULTS, frames: f.pretrainEncoder } }),
          expert: f.expert ?? null,
          ...(!preferences && { rewardModel: netSettings }),
        },
      }),
      ...(preferences && {
        preferences: {
          ...PREFERENCE_DEFAULTS,
          teacher: prefTeacher!,
          teacherParams: f.teacherParam,
          labels: f.labels,
          selection: f.selection,
          clipLength: f.clipLength ?? extras.clipLength,
          initialFraction: f.initialFraction,
          initialPolicy: f.initialPolicy,
          pretrainEpochs: f.pretrainEpochs,
          decaySteps: f.labelDecaySteps ?? null,
          rewardUpdateEvery: f.rewardUpdateEvery,
          normaliseOn: f.normaliseOn ?? extras.normaliseOn,
          ...((f.screenLabels ?? extras.screenLabels) && { screenLabels: true }),
          // Fine-tuning keeps the exported model's layers and input.
          rewardModel: {
            ...PREFERENCE_DEFAULTS.rewardModel,
            ...(card !== null ? architectureOf(card) : f.rewardInput !== undefined && { input: f.rewardInput }),
            ...netSettings,
            ...(f.answerNoise !== undefined && { answerNoise: f.answerNoise }),
            ...(f.agentReward !== undefined && { stateReward: f.agentReward === 'state' }),
          },
        },
      }),
      ...(card !== null && { rewardModelInit: { from: resolve(f.rewardModel!), mode: f.rewardModelMode } }),
    };
    if (f.dryRun) {
      console.log(JSON.stringify(newRunConfig(config), null, 2));
      return;
    }
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
      (trainer.recentReturns.length === 0
        ? 'no episode finished yet'
        : `mean true return ${summary.meanTrueReturn.toFixed(2)} (last ${Math.min(100, trainer.recentReturns.length)} episodes)`) +
      `${done ? `; summary in ${trainer.run.summaryPath}` : `; continue with --resume`}`,
  );
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
