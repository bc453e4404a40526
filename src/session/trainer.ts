/**
 * Headless training of one run: an A2C learner on a reward source, logging metrics, checkpointing and
 * resuming through the run folder. The CLI (`npm run train`) and, later, the app drive it.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ObsType } from '../env/core.js';
import { checkEnvId, makeEnv, maskScoreMatters } from '../env/index.js';
import { pretrainEncoder } from '../learning/tamer/autoencoder.js';
import { resolveOptions } from '../env/options.js';
import { Rng } from '../env/rng.js';
import { VectorEnv } from '../env/vector-env.js';
import { RamObserver } from '../env/wrappers/observation.js';
import { A2C, A2C_DEFAULTS, type A2CConfig, type A2CState, type EpisodeEnds, type FinishedEpisode, resolveA2CConfig } from '../learning/a2c.js';
import type { StateEntropyState } from '../learning/state-entropy.js';
import { type ActorCritic, createCnnActorCritic, createMlpActorCritic } from '../learning/nets.js';
import { type RewardSource, TrueRewardSource } from '../learning/reward-source.js';
import { mean } from '../learning/stats.js';
import { type BackendInfo, type BackendName, initTf, tf } from '../learning/tf.js';
import { eventLoopTurns } from './turns.js';
import { readCheckpoint, writeCheckpoint } from '../store/checkpoint.js';
import { RunLock, removeStaleTempFiles } from '../store/lock.js';
import { RUN_VERSION, RunFolder } from '../store/run.js';
import { RewardModel, type RewardModelConfig, type RewardModelState, resolveRewardModelConfig } from '../learning/preferences/reward-model.js';
import { netAction } from '../learning/policy.js';
import { GAME_PREFERENCE_DEFAULTS } from '../shared/game-defaults.js';
import { defaultDecaySteps, defaultPreferenceRewardStd, defaultRewardInput, legacyDecaySteps, type PreferenceConfig, PreferenceLearner, type PreferenceMetrics, type PreferenceState, resolvePreferenceConfig } from './preferences.js';
import {
  type ExpertView,
  FeedbackChannel,
  FeedbackRewardSource,
  greedyOnH,
  type LiveStepResult,
  resolveTamerConfig,
  type ScalarTeacherName,
  type StepJudge,
  type TamerConfig,
} from './tamer.js';
import type { StepSpan } from '../learning/tamer/credit.js';
import {
  checkExportFits,
  copyExportInto,
  FrozenRewardSource,
  frozenRewardModel,
  readInitialRewardModel,
  REWARD_MODEL_MODES,
  type RewardModelMode,
} from './imported-reward.js';
import { loadRewardModel } from '../export/reward-model.js';

/**
 * `true`: the game's score (the baseline); `preferences`: a reward model learned from clip comparisons;
 * `tamer`: one learned from live good/bad feedback (Deep TAMER); `preferences+tamer`: one net from both;
 * `model`: a reward model exported from another run, frozen (`rewardModelInit`).
 */
export const REWARD_SOURCES = ['true', 'preferences', 'tamer', 'preferences+tamer', 'model'] as const;
/** `a2c`: the A2C learner on the reward; `greedy-h`: Deep TAMER's own agent, greedy on Ĥ (tamer runs). */
export const AGENTS = ['a2c', 'greedy-h'] as const;
/** How long the training loop of a greedy-h run whose steps the host plays waits for one before looking again. */
const HOST_LIVE_WAIT_MS = 100;
export type RewardName = (typeof REWARD_SOURCES)[number];

/**
 * Whether a new run's agent sees its episodes end, unless told (`a2c.episodeEnds`; runs record it). Hidden
 * where live feedback teaches the reward: Ĥ is normalised over the live steps and averages below zero where
 * many presses were "bad", so a game over that ends all reward paid, and agents learned to die early (Space
 * Invaders, A2C on Ĥ from 1,000 presses: 7% normalised with ends shown, 50% hidden; README); and where a game's
 * preference runs do better with them hidden (GAME_PREFERENCE_DEFAULTS: Breakout). Shown otherwise, the default
 * A2C was tuned with.
 */
export function episodeEndsFor(reward: RewardName, env: string): EpisodeEnds {
  if (reward === 'tamer' || reward === 'preferences+tamer') return 'hidden';
  return (reward === 'preferences' && GAME_PREFERENCE_DEFAULTS[env]?.episodeEnds) || 'shown';
}

/**
 * A new run's discount factor, unless told (`a2c.gamma`; runs record it): 0 for A2C with live feedback alone,
 * baselines' 0.99 otherwise. TAMER's agent is myopic (gamma 0): a press judges the action, its consequences as
 * the person foresees them included, so summing Ĥ over the future counts them again, and with episode ends
 * hidden it rewards whatever stretches of play Ĥ rates well on average rather than the action it rates best.
 * Space Invaders, 1,000 scalar-policy presses, nine seeds each against its own true-reward run: 66% greedy, 125%
 * by the training episodes and 134% sampled at 0, against 43%, 45% and 57% at 0.99 (README, "Live feedback").
 */
export const FEEDBACK_ALONE_GAMMA = 0;

export function gammaFor(reward: RewardName, agent: (typeof AGENTS)[number]): number {
  return reward === 'tamer' && agent === 'a2c' ? FEEDBACK_ALONE_GAMMA : A2C_DEFAULTS.gamma;
}

/** What a run is; stored in its config.json. */
export interface RunConfig {
  env: string;
  obsType: ObsType;
  reward: RewardName;
  seed: number;
  /** Target number of agent steps. */
  steps: number;
  a2c: A2CConfig;
  net: { kind: 'mlp'; hidden: number[] } | { kind: 'cnn' };
  /** Agent steps between metrics lines. */
  logEvery: number;
  /** Agent steps between checkpoints. */
  checkpointEvery: number;
  /** Hide the score from the observations (Christiano et al.); default false, true for preference runs. */
  maskScore?: boolean;
  /** Settings of a run with the preference channel. */
  preferences?: PreferenceConfig;
  /** Settings of a run with the live feedback channel. */
  tamer?: TamerConfig;
  /** Who acts (default a2c). */
  agent?: (typeof AGENTS)[number];
  /** Starts from an exported reward model (`--reward-model`): frozen (reward "model") or fine-tuned (preferences). */
  rewardModelInit?: { from: string; mode: RewardModelMode };
}

/** How a process drives a Trainer, beyond the run's config. */
export interface TrainerOptions {
  /**
   * The live env of a feedback run is stepped by the caller on the wall clock (`playLive` with each step's
   * span), as the app's host does, instead of one live step per `liveEvery` agent steps on a simulated clock.
   * The greedy-h agent's steps are its live steps: with this set the caller plays them (`playLive`) and
   * training counts them as they come; without, training plays them itself on the simulated clock.
   */
  hostDrivesLive?: boolean;
}

export interface TrainProgress {
  steps: number;
  totalSteps: number;
  sps: number;
  episodes: number;
  /** Mean true return of the last 100 finished episodes (NaN before the first). */
  meanTrueReturn: number;
}

export interface TrainSummary {
  env: string;
  obsType: ObsType;
  reward: RewardName;
  steps: number;
  /** Agent steps per second over this process's training (env, inference and updates together; not the preference learner's preparation). */
  sps: number;
  meanTrueReturn: number;
  episodes: number;
  seed: number;
  backend: string;
  wallSeconds: number;
  /** Preference runs: labels in effect, held-out accuracy and predicted-vs-true return correlation. */
  labelsUsed?: number;
  /** Feedback runs: feedback events taken. */
  feedbackUsed?: number;
  rewardModelValAccuracy?: number;
  predTrueCorrelation?: number;
}

const RECENT = 100;

export function validateRunConfig(c: RunConfig): RunConfig {
  checkEnvId(c.env);
  resolveOptions(c.env, { obsType: c.obsType });
  if (!REWARD_SOURCES.includes(c.reward)) throw new Error(`unknown reward "${c.reward}"; known: ${REWARD_SOURCES.join(', ')}`);
  if (!Number.isInteger(c.seed)) throw new Error(`seed must be an integer, got ${c.seed}`);
  if (!Number.isInteger(c.steps) || c.steps < 1) throw new Error(`steps must be a positive integer, got ${c.steps}`);
  if (!Number.isInteger(c.logEvery) || c.logEvery < 1) throw new Error(`log interval must be a positive integer, got ${c.logEvery}`);
  if (!Number.isInteger(c.checkpointEvery) || c.checkpointEvery < 1) {
    throw new Error(`checkpoint interval must be a positive integer, got ${c.checkpointEvery}`);
  }
  const a2c = resolveA2CConfig(c.a2c);
  if (a2c.stateEntropy > 0 && c.obsType !== 'ram') {
    throw new Error(`the state-entropy bonus (a2c.stateEntropy ${a2c.stateEntropy}) measures distances between ram observations; pixel runs would need an encoder first (RE3's random one), which this build does not have`);
  }
  if (a2c.stateEntropy > 0 && c.agent === 'greedy-h') throw new Error('the state-entropy bonus is paid to A2C; the greedy-h agent does not learn from rewards');
  if (c.maskScore !== undefined && typeof c.maskScore !== 'boolean') throw new Error(`maskScore must be true or false, got ${JSON.stringify(c.maskScore)}`);
  const prefs = c.reward === 'preferences' || c.reward === 'preferences+tamer';
  const tamer = c.reward === 'tamer' || c.reward === 'preferences+tamer';
  if (prefs) {
    if (c.preferences === undefined) throw new Error(`a ${c.reward} run needs its preference settings (label budget, teacher...)`);
    resolvePreferenceConfig(c.preferences);
  } else if (c.preferences !== undefined) {
    throw new Error(`preference settings are only for --reward preferences or preferences+tamer, not "${c.reward}"`);
  }
  if (tamer) {
    if (c.tamer === undefined) throw new Error(`a ${c.reward} run needs its feedback settings (feedback budget, teacher...)`);
    const { normaliseAllActions } = resolveTamerConfig(c.tamer);
    if (prefs && c.tamer.rewardModel !== undefined) {
      throw new Error("a run with both channels keeps its reward net's settings in preferences.rewardModel, not tamer.rewardModel");
    }
    // Live feedback fixes two of the net's settings; a recorded copy that says otherwise would be ignored.
    const net = recordedNet(c);
    if (net.settings?.actionDependent === false) throw new Error(`${net.path}.actionDependent must be true with live feedback: presses judge actions, so the net is Ĥ(s, a)`);
    if (net.settings?.normaliseAllActions !== undefined && net.settings.normaliseAllActions !== normaliseAllActions) {
      throw new Error(
        `${net.path}.normaliseAllActions is ${net.settings.normaliseAllActions} but tamer.normaliseAllActions is ${normaliseAllActions}: with live feedback the second decides; make them agree`,
      );
    }
  } else if (c.tamer !== undefined) {
    throw new Error(`feedback settings are only for --reward tamer or preferences+tamer, not "${c.reward}"`);
  }
  rewardModelConfigOf(c); // the reward model's settings fit together (an action-dependent model reads the state)
  const init = c.rewardModelInit;
  if (init !== undefined) {
    if (typeof init?.from !== 'string' || !REWARD_MODEL_MODES.includes(init.mode)) {
      throw new Error(`rewardModelInit must be { from: an export folder, mode: ${REWARD_MODEL_MODES.join(' or ')} }, got ${JSON.stringify(init)}`);
    }
    const reward = init.mode === 'frozen' ? 'model' : 'preferences';
    if (c.reward !== reward) throw new Error(`a ${init.mode} exported reward model makes a run of reward "${reward}", not "${c.reward}"`);
  } else if (c.reward === 'model') {
    throw new Error('reward "model" needs an exported reward model to start from (--reward-model DIR)');
  }
  if (c.tamer?.pretrainEncoder !== undefined && (c.obsType !== 'pixels' || c.reward !== 'tamer')) {
    throw new Error(`pretraining an encoder (Deep TAMER's autoencoder) is for pixel runs with live feedback alone (--obs pixels --reward tamer), not ${c.obsType} and reward "${c.reward}"`);
  }
  if (c.agent !== undefined && !AGENTS.includes(c.agent)) throw new Error(`unknown agent "${c.agent}"; known: ${AGENTS.join(', ')}`);
  if (c.agent === 'greedy-h' && c.reward !== 'tamer') throw new Error(`the greedy-h agent acts on live feedback alone: it needs --reward tamer, not "${c.reward}"`);
  const net = c.net as { kind?: unknown; hidden?: unknown } | undefined;
  if (c.obsType === 'ram') {
    if (net?.kind !== 'mlp' || !Array.isArray(net.hidden) || !net.hidden.every((h) => Number.isInteger(h) && h > 0)) {
      throw new Error(`ram observations need net { kind: 'mlp', hidden: [sizes] }, got ${JSON.stringify(c.net)}`);
    }
  } else if (net?.kind !== 'cnn') {
    throw new Error(`pixel observations need net { kind: 'cnn' }, got ${JSON.stringify(c.net)}`);
  }
  return c;
}

/**
 * The standard deviation a new A2C run with live feedback alone normalises Ĥ to, unless told (Christiano et al.'s
 * 0.05 otherwise, also for the greedy-h agent, which acts on Ĥ unnormalised; runs made before resume with 0.05). Ĥ learnt from presses on actions rates the expert's choices,
 * and A2C at 0.2 commits to them: Space Invaders, 1,000 scalar-policy presses, seeds 1-3, 55% greedy, 98% by the
 * training episodes and 124% sampled against 49%, 55% and 72% at 0.05 (README, "Live feedback"). Both channels
 * keep 0.05: there a preference reward at 0.2 settled Enduro's policies before they drove (43% against 56%).
 */
export const FEEDBACK_ALONE_REWARD_STD = 0.2;

/** The dense layers of a new pixel run's reward model, after its convolutions (Christiano et al.: 64). */
export const PIXEL_REWARD_HIDDEN = [64];

/**
 * The config.json a new run records for `given`: checked, and with every setting written down (its effective
 * config), so that a later change of a default cannot change the run on resume. What a new run defaults to
 * differs from what older runs were made under in four places, filled in here first: the label rate's c (a
 * third of the steps; null, a tenth, in runs made before it was recorded), the first clips' policy, with
 * both channels, preferences that rate states (statePreferences), the agent paid what they rate (stateReward)
 * and Ĥ normalised over every action, and for
 * A2C with live feedback alone, Ĥ's scale (FEEDBACK_ALONE_REWARD_STD).
 */
export function newRunConfig(given: RunConfig): RunConfig {
  validateRunConfig(given);
  const model = rewardModelConfigOf(given);
  const rewardStd = defaultPreferenceRewardStd(given.env, model.actionDependent);
  // What only a new run defaults to; effectiveRunConfig resolves the rest as a stored run is read.
  return effectiveRunConfig({
    ...given,
    ...(given.tamer !== undefined && {
      tamer: {
        ...resolveTamerConfig(given.tamer),
        // A folder, not relative to where the run was made: resumed from elsewhere, it still finds its expert.
        expert: given.tamer.expert == null ? null : resolve(given.tamer.expert),
        // The scale is what A2C is given; the greedy-h agent acts on Ĥ unnormalised, so its runs keep the
        // default of runs made before and remain comparable with them (bench:learning reuses them).
        ...(given.preferences === undefined &&
          (given.agent !== 'greedy-h' || given.obsType === 'pixels') && {
            rewardModel: {
              ...(given.agent !== 'greedy-h' && { rewardStd: FEEDBACK_ALONE_REWARD_STD }),
              // Christiano et al.'s Atari predictor has one dense layer of 64 after its convolutions.
              ...(given.obsType === 'pixels' && { hidden: PIXEL_REWARD_HIDDEN }),
              ...(given.tamer.pretrainEncoder !== undefined && { frozenEncoder: true }),
              ...given.tamer.rewardModel,
            },
          }),
      },
    }),
    ...(given.preferences !== undefined && {
      preferences: {
        ...resolvePreferenceConfig(given.preferences),
        decaySteps: given.preferences.decaySteps ?? defaultDecaySteps(given.steps),
        rewardModel: {
          ...given.preferences.rewardModel,
          // A fine-tuned export reads what its card says (the CLI passes it); a new model the game's default.
          input: given.preferences.rewardModel?.input ?? (given.rewardModelInit === undefined ? defaultRewardInput(given.env, model.actionDependent) : model.input),
          ...(given.rewardModelInit === undefined && rewardStd !== undefined && { rewardStd: given.preferences.rewardModel?.rewardStd ?? rewardStd }),
          // Christiano et al.'s Atari predictor has one dense layer of 64 after its convolutions.
          ...(given.obsType === 'pixels' && { hidden: given.preferences.rewardModel?.hidden ?? PIXEL_REWARD_HIDDEN }),
          ...(given.tamer !== undefined && {
            actionDependent: true,
            statePreferences: given.preferences.rewardModel?.statePreferences ?? true,
            stateReward: given.preferences.rewardModel?.stateReward ?? true,
          }),
        },
      },
    }),
  });
}

/**
 * A stored config.json with the settings that runs made before them lack set to what those runs were made
 * under: first clips from the uniformly random policy (then the only one), Ĥ normalised over the taken actions,
 * and with live feedback alone, Ĥ's scale 0.05 (the rest of the net's settings were the defaults still in force).
 */
export function withLegacySettings(stored: RunConfig): RunConfig {
  const c = { ...stored };
  if (c.preferences !== undefined && c.preferences.initialPolicy === undefined) c.preferences = { ...c.preferences, initialPolicy: 'uniform' };
  if (c.tamer !== undefined && c.tamer.normaliseAllActions === undefined) c.tamer = { ...c.tamer, normaliseAllActions: false };
  if (c.tamer !== undefined && c.preferences === undefined && c.tamer.rewardModel === undefined) c.tamer = { ...c.tamer, rewardModel: { rewardStd: 0.05 } };
  return c;
}

/**
 * Every setting a stored config.json trains with, defaults filled in: `withLegacySettings`, then each group
 * resolved as the trainer resolves it. Two runs whose effective configs are equal train alike (bench:learning
 * compares them before reusing a run).
 */
export function effectiveRunConfig(stored: RunConfig): RunConfig {
  const c = withLegacySettings(stored);
  return {
    ...c,
    a2c: resolveA2CConfig(c.a2c),
    maskScore: c.maskScore ?? false,
    agent: c.agent ?? 'a2c',
    ...(c.tamer !== undefined && {
      tamer: { ...resolveTamerConfig(c.tamer), ...(c.preferences === undefined && { rewardModel: rewardModelConfigOf(c) }) },
    }),
    ...(c.preferences !== undefined && {
      preferences: {
        ...resolvePreferenceConfig(c.preferences),
        decaySteps: c.preferences.decaySteps ?? legacyDecaySteps(c.steps),
        rewardModel: rewardModelConfigOf(c),
      },
    }),
  };
}

/** Where a run records its reward net's settings: `preferences.rewardModel`, or `tamer.rewardModel` with live feedback alone. */
function recordedNet(c: RunConfig): { path: string; settings: Partial<RewardModelConfig> | undefined } {
  return c.preferences !== undefined ? { path: 'preferences.rewardModel', settings: c.preferences.rewardModel } : { path: 'tamer.rewardModel', settings: c.tamer?.rewardModel };
}

/** The settings of a run's learned reward model (`recordedNet`). Live feedback is about actions: with that channel it is Ĥ(s, a). */
export function rewardModelConfigOf(config: RunConfig): RewardModelConfig {
  return resolveRewardModelConfig({
    ...recordedNet(config).settings,
    ...(config.tamer !== undefined && { actionDependent: true, normaliseAllActions: resolveTamerConfig(config.tamer).normaliseAllActions }),
  });
}

/**
 * The learned reward model in the checkpoint of run folder `dir`, built with the run's settings (tfjs must be
 * initialised). A clear error for a run trained on the true score (nothing is learned), on a frozen exported
 * model (its copy is in reward-model-init), or whose checkpoint holds no model or one that does not fit.
 */
export function checkpointRewardModel(
  dir: string,
  config: RunConfig,
  checkpoint: ReturnType<typeof loadCheckpoint>,
  /** The observation's size or shape (a height x width x frames shape for `pixels`). */
  obs: number | readonly number[],
  numActions: number,
): RewardModel {
  const run = new RunFolder(dir);
  const path = run.checkpointPath;
  if (config.reward === 'model') {
    throw new Error(`run ${dir} trains on a frozen reward model exported before; its copy is in ${join(dir, 'reward-model-init')}: use that export`);
  }
  if (checkpoint.rewardModel === null) {
    throw new Error(
      config.reward === 'true'
        ? `${path} holds no reward model: run ${dir} trains on the true score, which is not learned`
        : `${path} holds no reward model, though run ${dir} learns its reward ("${config.reward}"): the checkpoint was written by an older build (before reward models were stored under "rewardModel"); train or resume it with this build`,
    );
  }
  const model = new RewardModel(obs, numActions, rewardModelConfigOf(config), config.seed);
  try {
    model.setState(checkpoint.rewardModel);
  } catch (err) {
    model.dispose();
    throw new Error(`${path}: its reward model does not fit the settings in ${run.configPath}: ${(err as Error).message}`);
  }
  return model;
}

/** The env options a run's agent plays with (also for evaluating it). */
export function envOptionsOf(config: RunConfig): { obsType: ObsType; maskScore: boolean } {
  return { obsType: config.obsType, maskScore: config.maskScore ?? false };
}

export function createNet(config: RunConfig, obsShape: readonly number[], obsSize: number, numActions: number): ActorCritic {
  return config.net.kind === 'mlp'
    ? createMlpActorCritic(obsSize, numActions, config.net.hidden, config.seed)
    : createCnnActorCritic(obsShape, numActions, config.seed);
}

interface CheckpointMeta {
  kind: 'a2c';
  config: RunConfig;
  /** The learned reward model (its weight and optimizer arrays are stored apart), and the preference learner. */
  rewardModel?: Omit<RewardModelState, 'weights' | 'adam'> & { adamSteps: number; weights: number };
  preferences?: PreferenceState;
  /** The exploration bonus's memory is stored apart, as `stateEntropy/memory`. */
  state: Omit<A2CState, 'optimizer' | 'stateEntropy'> & { stateEntropy?: Omit<StateEntropyState, 'memory'> };
  recentReturns: number[];
  episodes: number;
  /** Training wall time up to this checkpoint, over every process that worked on the run. */
  wallSeconds: number;
  weights: number;
  /** Live steps the feedback channel had played (absent: no channel, or a checkpoint made before it was kept). */
  liveSteps?: number;
}

export function saveCheckpoint(
  run: RunFolder,
  config: RunConfig,
  a2c: A2C,
  recentReturns: number[],
  episodes: number,
  wallSeconds: number,
  reward: { model: RewardModel; learner: PreferenceLearner | null } | null = null,
  liveSteps: number | null = null,
): void {
  const { optimizer, stateEntropy, ...a2cState } = a2c.getState();
  const weights = a2c.net.getWeights();
  const arrays: Record<string, Float32Array> = {};
  weights.forEach((w, i) => (arrays[`weights/${i}`] = w));
  arrays.optimizer = optimizer;
  let state: CheckpointMeta['state'] = a2cState;
  if (stateEntropy !== undefined) {
    const { memory, ...rest } = stateEntropy;
    arrays['stateEntropy/memory'] = memory;
    state = { ...a2cState, stateEntropy: rest };
  }
  const meta: CheckpointMeta = { kind: 'a2c', config, state, recentReturns, episodes, wallSeconds, weights: weights.length, ...(liveSteps !== null && { liveSteps }) };
  if (reward !== null) {
    const { weights: rmWeights, adam, ...rm } = reward.model.getState();
    rmWeights.forEach((w, i) => (arrays[`reward/weights/${i}`] = w));
    arrays['reward/adam/m'] = adam.m;
    arrays['reward/adam/v'] = adam.v;
    meta.rewardModel = { ...rm, adamSteps: adam.t, weights: rmWeights.length };
    if (reward.learner !== null) {
      meta.preferences = reward.learner.getState();
    }
  }
  writeCheckpoint(run.checkpointPath, meta, arrays);
}

/** The reward model's state from a checkpoint's meta and arrays. */
function rewardModelState(path: string, meta: NonNullable<CheckpointMeta['rewardModel']>, arrays: Record<string, Float32Array>): RewardModelState {
  const { adamSteps, weights: n, ...model } = meta;
  const weights = Array.from({ length: n }, (_, i) => arrays[`reward/weights/${i}`]);
  const [m, v] = [arrays['reward/adam/m'], arrays['reward/adam/v']];
  if (weights.some((w) => w === undefined) || m === undefined || v === undefined) throw new Error(`${path} is missing reward model arrays`);
  return { ...model, weights, adam: { t: adamSteps, m, v } };
}

/** The checkpoint of a run that must have one (to evaluate or export it): a run with none yet is named. */
export function trainedCheckpoint(run: RunFolder): ReturnType<typeof loadCheckpoint> {
  if (!existsSync(run.checkpointPath)) throw new Error(`${run.dir} has no checkpoint yet (${run.checkpointPath}); train it first`);
  return loadCheckpoint(run.checkpointPath);
}

export function loadCheckpoint(path: string) {
  const { meta, arrays } = readCheckpoint<CheckpointMeta>(path);
  if (meta.kind !== 'a2c') throw new Error(`${path} is not an A2C checkpoint`);
  const weights = Array.from({ length: meta.weights }, (_, i) => arrays[`weights/${i}`]);
  const optimizer = arrays.optimizer;
  if (weights.some((w) => w === undefined) || optimizer === undefined) {
    throw new Error(`${path} is missing weight or optimizer arrays`);
  }
  const rewardModel = meta.rewardModel === undefined ? null : rewardModelState(path, meta.rewardModel, arrays);
  const explore = meta.state.stateEntropy;
  const memory = arrays['stateEntropy/memory'];
  if (explore !== undefined && memory === undefined) throw new Error(`${path} is missing the exploration bonus's memory (stateEntropy/memory)`);
  const stateEntropy = explore === undefined ? undefined : { ...explore, memory };
  return { meta, weights, optimizer, stateEntropy, rewardModel, preferences: meta.preferences ?? null };
}

/**
 * Whether a policy trained in run `theirs` would see in run `ours` what it was trained on: the same game and
 * observation type, and the same score mask unless the mask hides nothing there (no ram feature shows Space
 * Invaders' score).
 */
export function seesTheSame(theirs: RunConfig, ours: RunConfig): boolean {
  const a = envOptionsOf(theirs);
  const b = envOptionsOf(ours);
  const maskDiffers = a.maskScore !== b.maskScore && maskScoreMatters(ours.env, b.obsType);
  return theirs.env === ours.env && a.obsType === b.obsType && !maskDiffers;
}

/**
 * Whether an expert of run `theirs` judges run `ours` through its own view of the game: an expert trained on ram
 * judging a pixel run of the same game (it reads the game's ram features of the live env, as a person judges
 * the screen by what they know of the game).
 */
function judgesByRam(theirs: RunConfig, ours: RunConfig): boolean {
  return theirs.env === ours.env && theirs.obsType === 'ram' && ours.obsType === 'pixels';
}

/**
 * The expert's checkpoint, if it plays this run's game and sees what this run sees (or, for a pixel run, the
 * game's ram); else a clear error.
 */
type ExpertCheckpoint = ReturnType<typeof loadCheckpoint>;

function loadExpert(dir: string, config: RunConfig): ExpertCheckpoint {
  const path = join(dir, 'checkpoints', 'latest.ckpt');
  if (!existsSync(path)) throw new Error(`the expert ${dir} has no checkpoint (${path}); train one with --reward true first`);
  const checkpoint = loadCheckpoint(path);
  if (!seesTheSame(checkpoint.meta.config, config) && !judgesByRam(checkpoint.meta.config, config)) {
    const theirs = envOptionsOf(checkpoint.meta.config);
    const ours = envOptionsOf(config);
    throw new Error(
      `the expert ${dir} plays ${checkpoint.meta.config.env} (${theirs.obsType}, maskScore ${theirs.maskScore}); this run plays ${config.env} ` +
        `(${ours.obsType}, maskScore ${ours.maskScore}): pass --no-mask-score or --mask-score to match it`,
    );
  }
  return checkpoint;
}

/**
 * The judgement of the agent in run folder `dir` (trained on the true score) for an expert teacher:
 * scalar-expert, the advantage r + gamma V(s') - V(s) under its critic; scalar-policy, +1 when its policy gives
 * the action at least half the probability of its favourite, -1 under a tenth, else 0. The expert must play
 * the same game with the same observations, or be a ram expert of a pixel run's game: then `view` is how it
 * sees the live env.
 */
function expertJudge(dir: string, config: RunConfig, teacher: ScalarTeacherName, loaded?: ExpertCheckpoint): { judge: StepJudge; view: ExpertView | null } {
  const { meta, weights } = loaded ?? loadExpert(dir, config);
  const byRam = judgesByRam(meta.config, config);
  const theirs = envOptionsOf(byRam ? meta.config : config);
  const env = VectorEnv.make(config.env, 1, theirs);
  const net = createNet(meta.config, env.observationSpace.shape, env.obsSize, env.actionSpace.n);
  net.setWeights(weights);
  const view: ExpertView | null = byRam
    ? (live) => {
        const ram = new RamObserver(live.emulator.game, theirs.maskScore);
        return () => {
          ram.observe();
          return ram.obs.slice();
        };
      }
    : null;
  return { judge: judgeBy(net, meta.config, teacher), view };
}

function judgeBy(net: ActorCritic, expert: RunConfig, teacher: ScalarTeacherName): StepJudge {
  if (teacher === 'scalar-policy') {
    return ({ obs, action }) => {
      const logits = tf.tidy(() => net.forward(tf.tensor2d(obs, [1, obs.length])).logits.dataSync());
      // p(a) / p(best) = exp(logit(a) - max logit)
      const ratio = Math.exp(logits[action] - Math.max(...logits));
      return ratio >= 0.5 ? 1 : ratio < 0.1 ? -1 : 0;
    };
  }
  const gamma = expert.a2c.gamma;
  return ({ obs, reward, next, terminal }) => {
    const v = tf.tidy(() => net.forward(tf.tensor2d([...obs, ...next], [2, obs.length])).values.dataSync());
    return reward + (terminal ? 0 : gamma * v[1]) - v[0];
  };
}

export class Trainer {
  readonly vec: VectorEnv;
  readonly a2c: A2C;
  /** The reward learner of a preference run. */
  readonly learner: PreferenceLearner | null;
  /** The learned reward model (the preference learner's, or the feedback channel's own). */
  readonly rewardModel: RewardModel | null;
  /** The live feedback channel of a tamer run. */
  readonly feedback: FeedbackChannel | null;
  readonly recentReturns: number[] = [];
  episodes = 0;
  /** Training wall time before this process took over the run. */
  wallSeconds = 0;
  private stopRequested = false;
  /** Agent step at which the live env plays its next step. */
  private nextLive = 0;
  /** Live episodes (of `feedback.liveEpisodes`) a greedy-h run has counted as its own. */
  private liveEpisodesCounted = 0;
  /** Wakes the training loop of a greedy-h run when the host has played one of its steps. */
  private liveStepped: (() => void) | null = null;

  private constructor(
    readonly run: RunFolder,
    /** This trainer is the run's one writer while it holds the lock (released by dispose). */
    private readonly lock: RunLock,
    readonly config: RunConfig,
    readonly backend: BackendInfo,
    readonly options: TrainerOptions = {},
    /** A new run's expert, as create checked it (not read a second time). */
    expertCheckpoint?: ExpertCheckpoint,
  ) {
    this.vec = VectorEnv.make(config.env, config.a2c.numEnvs, envOptionsOf(config));
    const net = createNet(config, this.vec.observationSpace.shape, this.vec.obsSize, this.vec.actionSpace.n);
    const tamer = config.tamer === undefined ? null : resolveTamerConfig(config.tamer);
    const init = config.rewardModelInit === undefined ? null : readInitialRewardModel(run.dir);
    if (config.preferences !== undefined) {
      const prefs = resolvePreferenceConfig(config.preferences);
      prefs.rewardModel = rewardModelConfigOf(config);
      this.learner = new PreferenceLearner(run.dir, prefs, this.vec, config.steps, config.seed, () => this.a2c.steps);
    } else {
      this.learner = null;
    }
    const frozen = init !== null && config.reward === 'model' ? frozenRewardModel(init, this.vec.observationSpace.shape, this.vec.actionSpace.n, config.seed) : null;
    this.rewardModel =
      this.learner?.model ??
      frozen ??
      (tamer === null ? null : new RewardModel(this.vec.observationSpace.shape, this.vec.actionSpace.n, rewardModelConfigOf(config), config.seed));
    if (init !== null && this.learner !== null) loadRewardModel(this.learner.model, init.spec);
    const source: RewardSource =
      this.learner ?? (frozen !== null ? new FrozenRewardSource(frozen) : this.rewardModel === null ? new TrueRewardSource() : new FeedbackRewardSource(this.rewardModel));
    this.a2c = new A2C(this.vec, net, source, config.a2c, config.seed);
    if (this.learner !== null) this.a2c.observer = this.learner.recorder;
    if (tamer !== null && this.rewardModel !== null) {
      const policy = config.agent === 'greedy-h' ? greedyOnH(this.rewardModel, config.seed) : this.livePolicy(config.seed);
      const expert = tamer.expert === null || tamer.teacher === null ? null : expertJudge(tamer.expert, config, tamer.teacher, expertCheckpoint);
      this.feedback = new FeedbackChannel(run.dir, tamer, this.rewardModel, config.env, envOptionsOf(config), config.seed, policy, expert?.judge ?? null, expert?.view ?? null);
    } else {
      this.feedback = null;
    }
  }

  /**
   * Deep TAMER's encoder, before the first press: frames of a random policy (seeded), an autoencoder on them
   * whose convolutions become Ĥ's, frozen (the config's frozenEncoder); the losses in encoder.json, then a
   * checkpoint, so that a restart does not pretrain again.
   */
  private pretrainEncoder(): void {
    const { frames, epochs } = this.config.tamer!.pretrainEncoder!;
    const env = makeEnv(this.config.env, envOptionsOf(this.config));
    const rng = new Rng();
    rng.seed(this.config.seed, 43);
    env.reset({ seed: this.config.seed + 300_000 });
    const observations: Uint8Array[] = [];
    while (observations.length < frames) {
      env.step(rng.int(env.actionSpace.n));
      observations.push(Uint8Array.from(env.obs));
      if (env.done) env.reset();
    }
    const start = performance.now();
    const losses = pretrainEncoder(this.rewardModel!, observations, epochs, this.config.seed);
    this.run.writeJson('encoder.json', { frames, epochs, reconstructionLoss: losses, seconds: (performance.now() - start) / 1000 });
    this.checkpoint(0);
  }

  /** The A2C policy, sampling, for the live env. */
  private livePolicy(seed: number): (obs: Float32Array) => number {
    const rng = new Rng();
    rng.seed(seed, 37);
    return (obs) => netAction(this.a2c.net, obs, false, rng.next());
  }

  /** A new run in a folder that must be empty or absent. */
  static async create(dir: string, given: RunConfig, backend?: BackendName, options?: TrainerOptions): Promise<Trainer> {
    const config = newRunConfig(given);
    const info = await initTf(backend);
    const from = config.rewardModelInit?.from;
    if (from !== undefined) checkExportFits(from, config.env, envOptionsOf(config));
    // Checked before the run folder exists, so that a wrong expert leaves nothing behind to retry around.
    const expertDir = config.tamer?.expert ?? null;
    const expertCheckpoint = expertDir !== null ? loadExpert(expertDir, config) : undefined;
    if (expertCheckpoint !== undefined) {
      // An expert judges by the true score: its critic's advantage or its policy, trained on that score. (Checked
      // for new runs only: runs made before the check resume with the expert they were made with.)
      const expert = expertCheckpoint.meta.config.reward;
      if (expert !== 'true') {
        throw new Error(`the expert ${expertDir} was trained on reward "${expert}", not the true score: an expert teacher needs a run made with --reward true`);
      }
    }
    const run = RunFolder.create(dir, { kind: 'train', ...config });
    const lock = RunLock.acquire(run.dir, 'training');
    try {
      if (from !== undefined) copyExportInto(from, run.dir);
      const trainer = new Trainer(run, lock, config, info, options, expertCheckpoint);
      if (config.tamer?.pretrainEncoder !== undefined) trainer.pretrainEncoder();
      return trainer;
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /**
   * Continues the run in `dir` from its last checkpoint (or from the start if it has none yet). A new
   * `steps` target is written to config.json; the learning rate then decays linearly over the new total.
   * Metrics logged after the checkpoint describe training that was lost in the crash: they are dropped.
   */
  static async resume(dir: string, steps?: number, backend?: BackendName, options?: TrainerOptions): Promise<Trainer> {
    const run = RunFolder.open(dir);
    const lock = RunLock.acquire(run.dir, 'training');
    try {
      return await Trainer.resumeLocked(run, lock, steps, backend, options);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  private static async resumeLocked(run: RunFolder, lock: RunLock, steps?: number, backend?: BackendName, options?: TrainerOptions): Promise<Trainer> {
    for (const path of removeStaleTempFiles([run.dir, join(run.dir, 'checkpoints')])) console.warn(`removed ${path}, left by a write that was cut short`);
    const { version: _v, kind, id, ...recorded } = run.config() as unknown as RunConfig & { version: number; kind: string; id?: string };
    // (the first clips' policy matters if a run restarts before its first checkpoint and needs more of them)
    const stored = withLegacySettings(recorded);
    const config = validateRunConfig({ ...stored, steps: steps ?? stored.steps });
    const info = await initTf(backend);
    const checkpoint = existsSync(run.checkpointPath) ? loadCheckpoint(run.checkpointPath) : null;
    const done = checkpoint?.meta.state.steps ?? 0;
    // (A run ends on a whole update, past its target: giving that target again changes nothing and is allowed.)
    if (steps !== undefined && steps < done && steps < stored.steps) {
      throw new Error(`run ${run.dir} has trained ${done.toLocaleString()} steps: a new target of ${steps.toLocaleString()} steps is below them (a run cannot be shortened; nothing was changed)`);
    }
    const trainer = new Trainer(run, lock, config, info, options);
    // Stopped while pretraining its encoder, before the checkpoint that follows it: pretrain again (seeded, the same).
    if (checkpoint === null && config.tamer?.pretrainEncoder !== undefined) trainer.pretrainEncoder();
    if (checkpoint !== null) {
      trainer.a2c.net.setWeights(checkpoint.weights);
      trainer.a2c.setState({ ...checkpoint.meta.state, optimizer: checkpoint.optimizer, stateEntropy: checkpoint.stateEntropy });
      trainer.recentReturns.push(...checkpoint.meta.recentReturns);
      trainer.episodes = checkpoint.meta.episodes;
      trainer.wallSeconds = checkpoint.meta.wallSeconds;
      const live = trainer.feedback;
      if (live !== null) {
        // Live play goes on at its pace: its count from where it was, and (headless A2C) its next step the
        // first one due after the steps already trained, not every one since step 0 at once.
        if (checkpoint.meta.liveSteps !== undefined) live.liveSteps = checkpoint.meta.liveSteps;
        trainer.nextLive = trainer.a2c.steps === 0 ? 0 : (Math.floor(trainer.a2c.steps / live.config.liveEvery) + 1) * live.config.liveEvery;
      }
      if (checkpoint.rewardModel !== null && trainer.rewardModel !== null) {
        try {
          trainer.rewardModel.setState(checkpoint.rewardModel);
        } catch (err) {
          // Runs made before config.json recorded the reward input read the default of the build that made them.
          throw new Error(
            `${run.checkpointPath}: its reward model does not fit this run's settings (${(err as Error).message})` +
              (config.reward === 'model'
                ? ''
                : `; the net's settings are ${recordedNet(config).path} in ${run.configPath}` +
                  (config.preferences === undefined ? '' : ` (a run made by an older build resumes once it names the input its model reads: "input": "state" or "transition")`)),
          );
        }
      }
      if (checkpoint.preferences !== null) trainer.learner?.setState(checkpoint.preferences);
    }
    run.truncateMetrics(trainer.a2c.steps);
    if (config.steps !== stored.steps) run.writeJson('config.json', { version: RUN_VERSION, id, kind, ...config });
    return trainer;
  }

  /** Frees the network and optimizer tensors (for a process that trains several runs) and the run's lock. */
  dispose(): void {
    this.a2c.dispose();
    this.a2c.net.dispose();
    if (this.learner === null) this.rewardModel?.dispose();
    else this.learner.dispose();
    this.lock.release();
  }

  /** Asks the loop to stop after the current update (it then checkpoints). */
  stop(): void {
    this.stopRequested = true;
  }

  meanTrueReturn(): number {
    return mean(this.recentReturns);
  }

  checkpoint(elapsed = 0): void {
    saveCheckpoint(this.run, this.config, this.a2c, this.recentReturns, this.episodes, this.wallSeconds + elapsed,
      this.rewardModel === null ? null : { model: this.rewardModel, learner: this.learner },
      this.feedback?.liveSteps ?? null,
    );
  }

  /**
   * One step of the run's agent: an A2C update (with the live env played alongside at one live step per
   * `liveEvery` agent steps, when there is a feedback channel), or, for the greedy-h agent, one live step (its
   * agent steps are live steps, counted in the learner's step counter), or those the host played meanwhile.
   */
  private async iterate(total: number): Promise<{ episodes: FinishedEpisode[]; stats: Record<string, number> }> {
    const live = this.feedback;
    if (this.config.agent === 'greedy-h' && live !== null) {
      if (this.options.hostDrivesLive === true) {
        // The host plays the agent's steps on the wall clock (playLive counts them): wait for one, or for a
        // moment, so that a stop is seen.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, HOST_LIVE_WAIT_MS);
          this.liveStepped = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.liveStepped = null;
      } else {
        this.playLive();
      }
      const episodes = live.liveEpisodes.slice(this.liveEpisodesCounted);
      this.liveEpisodesCounted = live.liveEpisodes.length;
      return { episodes, stats: {} };
    }
    const { episodes, stats } = await this.a2c.iterate(total);
    this.learner?.afterIteration(episodes);
    if (live !== null && this.options.hostDrivesLive !== true) {
      for (; this.nextLive <= this.a2c.steps; this.nextLive += live.config.liveEvery) this.playLive();
    }
    return { episodes, stats: { ...stats } };
  }

  /** Live steps the caller may still play: a greedy-h run's are its agent steps, up to its target; others' are not counted. */
  liveStepsLeft(): number {
    return this.config.agent === 'greedy-h' ? Math.max(0, this.config.steps - this.a2c.steps) : Infinity;
  }

  /** One step of the live env of a feedback run (`span`: its time on screen, when the caller keeps the clock). */
  playLive(span?: StepSpan): LiveStepResult {
    const live = this.feedback;
    if (live === null) throw new Error(`run ${this.run.dir} has no live feedback channel (reward "${this.config.reward}")`);
    if (this.config.agent === 'greedy-h' && this.a2c.steps >= this.config.steps) {
      throw new Error(`run ${this.run.dir} has played all its ${this.config.steps} steps: its greedy-h agent plays no more`);
    }
    const result = live.step(span);
    if (this.config.agent === 'greedy-h') {
      // The greedy-h agent's steps are its live steps, played here (by the host, with hostDrivesLive).
      this.a2c.steps++;
      this.liveStepped?.();
    }
    // A feedback-only reward is normalised on the live steps (the preference learner has its own clips); the
    // greedy-h agent acts on Ĥ itself.
    if (this.learner === null && this.config.agent !== 'greedy-h' && live.liveSteps % live.normaliseEvery === 0) live.normalise();
    return result;
  }

  /** Trains until the target step count (or `stop()`); writes metrics, checkpoints and the summary. */
  async train(onProgress?: (p: TrainProgress) => void): Promise<TrainSummary> {
    const { steps: total, logEvery, checkpointEvery } = this.config;
    const start = performance.now();
    await this.learner?.prepare(() => this.stopRequested);
    const startSteps = this.a2c.steps;
    let nextLog = Math.ceil((this.a2c.steps + 1) / logEvery) * logEvery;
    let nextCheckpoint = Math.ceil((this.a2c.steps + 1) / checkpointEvery) * checkpointEvery;
    let lengths: number[] = [];
    // Speeds leave out the preference learner's preparation (labels on random clips and pretraining), which
    // plays no agent steps: the summary's over the whole of training, each metrics line's since the last one.
    const trainStart = performance.now();
    const sps = (fromSteps: number, fromTime: number) => (this.a2c.steps - fromSteps) / Math.max(1e-9, (performance.now() - fromTime) / 1000);
    let lastLog = { steps: startSteps, time: trainStart };
    let stats: Record<string, number> = {};
    const log = () => {
      const recent = sps(lastLog.steps, lastLog.time);
      lastLog = { steps: this.a2c.steps, time: performance.now() };
      const labelers = this.learner?.labelerAgreement();
      this.run.appendMetrics({
        steps: this.a2c.steps,
        time: this.wallSeconds + (performance.now() - start) / 1000,
        sps: recent,
        episodes: this.episodes,
        meanTrueReturn: this.meanTrueReturn(),
        meanEpisodeLength: lengths.length > 0 ? mean(lengths) : null,
        ...stats,
        ...this.learner?.metrics(),
        // Per labeler, how often the reward model predicted their held-out answers at its last evaluation.
        ...(labelers != null && { labelers }),
        ...(this.feedback && { feedbackUsed: this.feedback.feedbackUsed, feedbackLoss: this.feedback.lastLoss, liveSteps: this.feedback.liveSteps }),
        numTensors: tf.memory().numTensors,
      });
      lengths = [];
      onProgress?.({ steps: this.a2c.steps, totalSteps: total, sps: recent, episodes: this.episodes, meanTrueReturn: this.meanTrueReturn() });
    };
    const turn = eventLoopTurns();
    while (this.a2c.steps < total && !this.stopRequested) {
      const iteration = await this.iterate(total);
      const { episodes } = iteration;
      stats = iteration.stats;
      for (const e of episodes) {
        this.recentReturns.push(e.return);
        if (this.recentReturns.length > RECENT) this.recentReturns.shift();
        lengths.push(e.length);
      }
      this.episodes += episodes.length;
      if (this.a2c.steps >= nextLog || this.a2c.steps >= total) {
        nextLog += logEvery;
        log();
      }
      if (this.a2c.steps >= nextCheckpoint) {
        nextCheckpoint += checkpointEvery;
        this.checkpoint((performance.now() - start) / 1000);
      }
      await turn(); // so that a stop (Ctrl-C, the host's) is seen between updates
    }
    // Stopped between lines: one more, so the run's metrics (and the Runs list, which reads their last line)
    // reach the steps its checkpoint has.
    if (this.a2c.steps > lastLog.steps) log();
    this.checkpoint((performance.now() - start) / 1000);
    const summary: TrainSummary = {
      env: this.config.env,
      obsType: this.config.obsType,
      reward: this.config.reward,
      steps: this.a2c.steps,
      sps: sps(startSteps, trainStart),
      meanTrueReturn: this.meanTrueReturn(),
      episodes: this.episodes,
      seed: this.config.seed,
      backend: this.backend.name,
      wallSeconds: this.wallSeconds + (performance.now() - start) / 1000,
      ...(this.learner === null ? {} : summaryOf(this.learner.metrics())),
      ...(this.feedback === null ? {} : { feedbackUsed: this.feedback.feedbackUsed }),
    };
    if (this.a2c.steps >= total) this.run.writeJson('summary.json', summary);
    return summary;
  }
}

function summaryOf(m: PreferenceMetrics): Pick<TrainSummary, 'labelsUsed' | 'rewardModelValAccuracy' | 'predTrueCorrelation'> {
  return { labelsUsed: m.labelsUsed, rewardModelValAccuracy: m.rewardModelValAccuracy, predTrueCorrelation: m.predTrueCorrelation };
}
