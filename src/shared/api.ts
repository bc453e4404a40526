/**
 * The contract between the UI and the session host: one entry per operation, with the runtime schema of its
 * arguments, and the events the host pushes. Two transports carry it: the preload's bridge over Electron IPC
 * and a WebSocket in browser mode. Both sides check every message against these schemas before acting, so a
 * malformed message gets one clear error and never reaches the session.
 *
 * zod: the schemas are the types (no second copy to drift), errors name the path of the bad field, and it
 * runs unchanged in Node, Electron's main process and the browser.
 */
import { z } from 'zod';
import type { ClipRecord } from '../env/clip.js';
import type { EnvOptions, EnvState } from '../env/core.js';
import { initialLabels, pretrainSteps } from './label-math.js';
import { type Op, OPS } from './channels.js';
import { NORMALISE_ON } from './game-defaults.js';

export { type Op, OPS } from './channels.js';

export const GAMES = ['Pong', 'Breakout', 'SpaceInvaders', 'Enduro', 'Seaquest'] as const;

export const ANSWER_VALUES = ['left', 'right', 'equal', 'cant-tell'] as const;
export type AnswerValue = (typeof ANSWER_VALUES)[number];
export const TEACHER_NAMES = ['oracle', 'stochastic', 'myopic', 'mistake', 'skip', 'equal'] as const;
/** Feedback channels a run can take: clip comparisons, and scalar good/bad while watching (Deep TAMER). */
export const FEEDBACK_CHANNELS = ['preferences', 'scalar'] as const;
/**
 * The reward a run with these feedback channels learns (a name of session/trainer.ts's REWARD_SOURCES): clip
 * comparisons teach `preferences`, live good/bad `tamer`, both `preferences+tamer`; none, none.
 */
export function rewardOfChannels(channels: readonly string[]): 'preferences' | 'tamer' | 'preferences+tamer' | undefined {
  const preferences = channels.includes('preferences');
  const scalar = channels.includes('scalar');
  return preferences && scalar ? 'preferences+tamer' : scalar ? 'tamer' : preferences ? 'preferences' : undefined;
}
/** Who acts: the A2C learner on the learned reward, or Deep TAMER's own agent, greedy on Ĥ (live feedback alone). */
export const AGENT_NAMES = ['a2c', 'greedy-h'] as const;
/** Synthetic teachers of the live feedback channel (scalar-expert and scalar-policy judge by an expert run: CreateRunSpec.expert). */
export const SCALAR_TEACHER_NAMES = ['scalar-oracle', 'scalar-expert', 'scalar-policy'] as const;
/** The live teachers that judge by an expert run (EXPERT_TEACHERS in session/tamer.ts). */
export const EXPERT_TEACHER_NAMES: readonly (typeof SCALAR_TEACHER_NAMES)[number][] = ['scalar-expert', 'scalar-policy'];

const id = z.string().min(1).max(100);
/** A run's folder name under the runs directory: no path separators, no dot-files. */
export const RUN_NAME = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a run name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');

/**
 * With both channels, what A2C is paid (RewardModelConfig.stateReward): `state`, the state's mean of Ĥ(s, ·) over
 * the actions (the default: what clips rate); `action`, Ĥ(s, a) of the action taken, which pays the presses'
 * action bias per step.
 */
export const AGENT_REWARDS = ['state', 'action'] as const;

/** The longest clip a run made in the app may have: 200 agent steps, about 13 s, more than a person compares at a glance. */
export const MAX_APP_CLIP_LENGTH = 200;

export const CreateRunSpec = z.strictObject({
  name: RUN_NAME,
  env: z.enum(GAMES),
  obsType: z.enum(['ram', 'pixels']),
  feedback: z.array(z.enum(FEEDBACK_CHANNELS)).min(1),
  /** A synthetic teacher answers every pair (no people needed); null: people label (and for runs without preferences). */
  teacher: z.enum(TEACHER_NAMES).nullable(),
  /** A synthetic teacher presses good/bad on the live play too (tests, a warm start); null: only people press. */
  scalarTeacher: z.enum(SCALAR_TEACHER_NAMES).nullable().default(null),
  /**
   * The run (by name, in the same runs folder) whose agent, trained on the true score of the same game, judges
   * the actions for scalar-expert and scalar-policy; only with those. The new run sees what it saw (maskScore).
   */
  expert: RUN_NAME.optional(),
  /** Presses the synthetic scalar teacher may give; people are not limited. Only with the live feedback channel. */
  feedbackBudget: z.int().min(1).max(100_000).optional(),
  /**
   * a2c: A2C trains on the learned reward (steps are agent steps, thousands a second); greedy-h: Deep TAMER's
   * agent acts greedily on Ĥ as it plays live (live feedback alone; steps are live steps, 15 a second).
   */
  agent: z.enum(AGENT_NAMES).default('a2c'),
  /** Label budget of the run: needed with the preferences channel, and only with it. */
  labels: z.int().min(4).max(100_000).optional(),
  steps: z.int().min(1000).max(1e9),
  seed: z.int().min(0).max(2 ** 31 - 1),
  /** Labels a synthetic teacher gives first, before people take over (a demo or a warm start); 0 for none. */
  prefill: z.int().min(0).max(100_000).default(0),
  /** Reward-model epochs on the first labels before the agent starts (200 by default); preferences channel only. */
  pretrainEpochs: z.int().min(0).max(10_000).optional(),
  /**
   * Leave out of training the labels the reward model has good reason to think wrong (RIME's label screen,
   * `--screen-labels`); preferences channel only. Unless given, preferenceRunDefaults.
   */
  screenLabels: z.boolean().optional(),
  /**
   * Pay A2C a state-entropy exploration bonus over the run's first third, as large as the learned reward
   * (`--state-entropy 1`; PEBBLE, RE3), for agents that would settle before they see what the labels pay for;
   * ram runs of the A2C agent only. Unless given, preferenceRunDefaults.
   */
  explore: z.boolean().optional(),
  /**
   * What the learned reward is renormalised on while the agent trains (NORMALISE_ON, `--normalise-on`): the
   * agent's latest clips, or the first labels' random-policy clips; preferences channel only. Unless given,
   * preferenceRunDefaults.
   */
  normaliseOn: z.enum(NORMALISE_ON).optional(),
  /**
   * Agent steps per clip (`--clip-length`; at 15 agent steps a second, 25 steps are 1.7 s); preferences channel
   * only, up to MAX_APP_CLIP_LENGTH. Unless given, preferenceRunDefaults (25 but on the games that say).
   */
  clipLength: z.int().min(1).max(MAX_APP_CLIP_LENGTH).optional(),
  /** With both channels and A2C: what the agent is paid (AGENT_REWARDS); by default the state's mean of Ĥ. */
  agentReward: z.enum(AGENT_REWARDS).optional(),
});
export type CreateRunSpec = z.input<typeof CreateRunSpec>;

/** The share of a label budget asked first, on random-policy clips (PREFERENCE_DEFAULTS.initialFraction). */
export const INITIAL_LABEL_FRACTION = 0.25;
/** Labels in one reward-model minibatch (REWARD_MODEL_DEFAULTS.batchSize). */
export const REWARD_BATCH_LABELS = 32;
/** Reward-model pretraining epochs by default (PREFERENCE_DEFAULTS.pretrainEpochs). */
export const PRETRAIN_EPOCHS = 200;
/**
 * Seconds one reward-model minibatch of a pixel run takes on the wasm backend (`npm run bench -- --only reward`,
 * 8.9 s on the 2-core build machine; a ram model's takes 25 ms).
 */
export const PIXEL_UPDATE_SECONDS_WASM = 9;

/**
 * The reward-model minibatches pretraining takes for a label budget: `epochs` passes over the first labels
 * trained on (the first INITIAL_LABEL_FRACTION of the budget, less the 1/e held out), at least one a pass, as
 * PreferenceLearner.prepare counts them.
 */
export function pretrainingUpdates(labels: number, epochs: number): number {
  const train = Math.round(initialLabels(labels, INITIAL_LABEL_FRACTION) * (1 - 1 / Math.E));
  return pretrainSteps(train, epochs, REWARD_BATCH_LABELS);
}

/** Every operation's argument schema (z.undefined(): takes none). */
export const REQUESTS = {
  appInfo: z.undefined(),
  listRuns: z.undefined(),
  createRun: CreateRunSpec,
  openRun: z.strictObject({ name: RUN_NAME }),
  closeRun: z.undefined(),
  status: z.undefined(),
  /** The next pair for this labeler; `exclude` skips pairs already on screen (to prefetch the one after). */
  nextPair: z.strictObject({ exclude: z.array(id).max(10).default([]) }).optional(),
  answer: z.strictObject({ pairId: id, answer: z.enum(ANSWER_VALUES) }),
  undo: z.undefined(),
  change: z.strictObject({ pairId: id, answer: z.enum(ANSWER_VALUES) }),
  /** Withdraws a person's review of an answer (a Keep by mistake): the label screen judges it again. */
  unreview: z.strictObject({ pairId: id }),
  history: z.undefined(),
  clip: z.strictObject({ id }),
  progress: z.undefined(),
  metrics: z.undefined(),
  setPaused: z.strictObject({ paused: z.boolean() }),
  /**
   * Scalar feedback on the live play: +1 good, -1 bad, any value in [-1, 1] (the Deep TAMER channel). It
   * carries no time: the host timestamps it on its own play clock when it arrives.
   */
  feedback: z.strictObject({ value: z.number().min(-1).max(1) }),
  /** The run's reward model as tfjs + ONNX with its reward card, into a new folder under the runs folder's exports/. */
  exportRun: z.strictObject({ name: RUN_NAME }),
} as const satisfies Record<Op, z.ZodType>;

export interface AppInfo {
  name: string;
  version: string;
  /** Where the UI runs: inside Electron or in a browser. */
  shell: 'electron' | 'browser';
  /** Who this UI labels as. */
  labeler: string;
}

export interface RunSummary {
  name: string;
  env: string;
  obsType: string;
  reward: string;
  agent: (typeof AGENT_NAMES)[number];
  teacher: string | null;
  labelBudget: number | null;
  /** Whether its observations hide the score (an expert's decide whether a run it judges sees it). */
  maskScore: boolean;
  steps: number;
  totalSteps: number;
  labels: number;
  finished: boolean;
  active: boolean;
}

export type RunPhase = 'starting' | 'waiting-for-labels' | 'pretraining' | 'training' | 'paused' | 'finished' | 'stopped' | 'failed';

export interface RunStatus {
  name: string;
  env: string;
  obsType: string;
  reward: string;
  agent: (typeof AGENT_NAMES)[number];
  phase: RunPhase;
  steps: number;
  totalSteps: number;
  /** Feedback channels this run takes. */
  feedback: string[];
  /** Why the run failed, when it did. */
  error: string | null;
}

/** A clip as sent to the UI: its record, which the env code re-simulates. */
export type ClipRecordView = ClipRecord;

export interface PairView {
  pairId: string;
  left: ClipRecordView;
  right: ClipRecordView;
  uncertainty: number | null;
}

export interface LabelView {
  pairId: string;
  left: string;
  right: string;
  answer: AnswerValue;
  labeler: string;
  time: string;
  step: number;
  /**
   * true: a run with the label screen (screenLabels) left this training label out of training at its last
   * screening, the ensemble judging it likely mistaken; the next screening judges it again, a changed answer
   * included. Absent otherwise.
   */
  screenedOut?: true;
  /**
   * true: in a run with the label screen, a person changed or kept this answer from the history, and the screen
   * trusts it from then on. Absent otherwise.
   */
  reviewed?: true;
}

/** How far a run's feedback has come, per channel (null: the run does not take that channel). */
export interface Progress {
  preferences: PreferenceProgress | null;
  feedback: FeedbackProgress | null;
}

export interface PreferenceProgress {
  labels: number;
  trainable: number;
  pending: number;
  asked: number;
  labelsPerMinute: number;
  budget: number;
  /** Pairs the label schedule asks for by now (c / (T + c)). */
  scheduleDue: number;
  /** The reward model's training minibatches so far. */
  rewardModelSteps: number;
  /** With the label screen: the training answers it leaves out now (listed in History); null without it. */
  screenedOut: number | null;
  /**
   * Per labeler, how often the reward model, at its last evaluation, predicts their held-out answers (decided
   * ones: never trained on, so a fair check of each person against what everyone else taught it); null before
   * the first evaluation of this session.
   */
  labelers: LabelerAgreement[] | null;
}

export interface LabelerAgreement {
  labeler: string;
  /** Their decided held-out answers at the last evaluation. */
  heldOut: number;
  /** The share of those whose preferred clip the reward model predicts. */
  agreement: number;
}

/** Whether `x` is a list of LabelerAgreement, as a reward card or a metrics.jsonl line holds one. */
export function isLabelerAgreementList(x: unknown): x is LabelerAgreement[] {
  return (
    Array.isArray(x) &&
    x.every(
      (l) =>
        typeof l === 'object' && l !== null && typeof l.labeler === 'string' && Number.isInteger(l.heldOut) && l.heldOut > 0 && typeof l.agreement === 'number' && l.agreement >= 0 && l.agreement <= 1,
    )
  );
}

export interface FeedbackProgress {
  /** Presses taken, from people and the synthetic teacher. */
  given: number;
  /** Presses the synthetic scalar teacher may give (null: people only). */
  teacherBudget: number | null;
  /** Live steps played. */
  liveSteps: number;
}

/** A press taken: when the host's play clock says it came, and the live steps it credits. */
export interface FeedbackReceipt {
  value: number;
  /** Seconds on the host's play clock. */
  time: number;
  /** Live steps credited (weight > 0) and their summed weight (at most 1). */
  credited: number;
  weight: number;
  /** Presses taken so far in this run. */
  given: number;
}

/** One point of the live charts. */
export interface MetricsPoint {
  steps: number;
  time: number;
  sps: number;
  /** Mean true return of the last 100 training episodes. */
  trueReturn: number | null;
  /** Mean predicted reward per step × mean episode length of the same interval (the model's scale). */
  predictedReturn: number | null;
  valAccuracy: number | null;
  labels: number | null;
  /** Live feedback events taken so far (runs with the good / bad channel). */
  presses: number | null;
}

/** A stretch of the live game: the env state at its start and the policy's actions, replayed by the UI. */
export interface LiveChunk {
  episode: number;
  /** The env at the chunk's first step (same shape as ClipRecordView without id/actions). */
  env: string;
  options: EnvOptions;
  state: EnvState;
  actions: number[];
  /**
   * The reward model's output for each step: Ĥ(s, a) of the action taken (raw, on the presses' [-1, 1] scale)
   * for runs with live feedback, else r̂ normalised as the agent sees it; empty for true-score runs.
   */
  predicted: number[];
  trueRewards: number[];
  /** Game score at the chunk's start. */
  score: number;
  /** Agent steps of training when the chunk was played. */
  trainingStep: number;
}

export interface ExportResult {
  /** The export folder: the reward model (tfjs, ONNX, reward card) and labels.jsonl (the labels dataset). */
  path: string;
  /** Clip labels and live-feedback presses in labels.jsonl. */
  labels: number;
  presses: number;
}

export interface Responses {
  appInfo: AppInfo;
  listRuns: RunSummary[];
  createRun: RunStatus;
  openRun: RunStatus;
  closeRun: null;
  status: RunStatus | null;
  nextPair: PairView | null;
  answer: LabelView;
  undo: LabelView;
  change: LabelView;
  unreview: LabelView;
  history: LabelView[];
  clip: ClipRecordView;
  progress: Progress | null;
  metrics: MetricsPoint[];
  setPaused: RunStatus;
  feedback: FeedbackReceipt;
  exportRun: ExportResult;
}

export type Args<O extends Op> = z.input<(typeof REQUESTS)[O]>;

/** The API as the UI sees it: one async function per operation. */
export type Api = {
  [O in Op]: undefined extends Args<O> ? (args?: Args<O>) => Promise<Responses[O]> : (args: Args<O>) => Promise<Responses[O]>;
};

/** Events pushed by the host to every UI. */
export type HostEvent =
  | { type: 'status'; data: RunStatus | null }
  | { type: 'progress'; data: Progress }
  | { type: 'metrics'; data: MetricsPoint }
  | { type: 'live'; data: LiveChunk }
  | { type: 'labels'; data: { pairId: string } };

/** The API plus its event stream (what the preload and the WebSocket client both provide). */
export interface Bridge {
  api: Api;
  onEvent(listener: (event: HostEvent) => void): () => void;
}

/** An error the client made (bad shape, unknown id, a second answer...): nothing was done. */
export class ApiError extends Error {
  override name = 'ApiError';
}

/** Checks an op name and its arguments; returns the parsed arguments or throws an ApiError naming what was wrong. */
export function parseRequest(op: unknown, args: unknown): { op: Op; args: unknown } {
  if (typeof op !== 'string' || !Object.hasOwn(REQUESTS, op)) {
    throw new ApiError(`unknown operation ${JSON.stringify(op)}; known: ${OPS.join(', ')}`);
  }
  const schema = REQUESTS[op as Op] as z.ZodType;
  const parsed = schema.safeParse(args);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : 'arguments'}: ${i.message}`);
    throw new ApiError(`bad arguments to ${op}: ${issues.join('; ')}`);
  }
  return { op: op as Op, args: parsed.data };
}

/** The WebSocket wire format: a request, and the answer to it (IPC carries the same answer). */
export const RequestMessage = z.strictObject({ id: z.int().min(0), op: z.string(), args: z.unknown().optional() });
export type Outcome = { ok: true; result: unknown } | { ok: false; error: string };
export type ResponseMessage = ({ id: number } & Outcome) | { id: number | null; ok: false; error: string };
