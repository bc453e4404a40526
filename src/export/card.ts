/**
 * The reward card (`reward-card.json`): what an exported reward model is, for whoever uses it elsewhere. It
 * names the game and the observation the model reads (type, shape, every ram feature, the env options that
 * shape it), the action set, what the output means and how to get r̂(s, a) from it, the normalisation
 * constants (already folded into the model files), the labels it learned from, how well it predicts held-out
 * labels and the true return, and the project version and run it came from. The card is versioned like every
 * file of a run; `readRewardCard` checks it, `checkCardFits` checks it against the env a run will play.
 */
import { readFileSync } from 'node:fs';
import type { AtariEnv } from '../env/atari-env.js';
import type { EnvOptions, ObsType } from '../env/core.js';
import { describe, isRecord } from '../env/snapshot.js';
import { REWARD_INPUTS, type RewardInput } from '../learning/preferences/reward-model.js';
import type { Answer } from '../learning/preferences/teachers.js';
import { isLabelerAgreementList, type LabelerAgreement } from '../shared/api.js';

export const CARD_FILE = 'reward-card.json';
export const CARD_FORMAT = 'rlhf-arcade/reward-card';
export const CARD_VERSION = 1;

/** Label counts by answer. */
export type AnswerCounts = Record<Answer, number>;

export interface RewardCard {
  format: typeof CARD_FORMAT;
  version: typeof CARD_VERSION;
  /** The project and version that wrote the card. */
  project: { name: string; version: string };
  /** ISO 8601. */
  created: string;
  /** The run the model comes from: its id, its folder at export time, and the agent step of its checkpoint. */
  source: { runId: string; run: string; steps: number; reward: string };
  game: { id: string; summary: string };
  observation: {
    type: ObsType;
    shape: number[];
    /** Product of `shape`: the numbers in one observation (the model reads one, or two for `model.input` transition or delta). */
    size: number;
    dtype: 'float32' | 'uint8';
    low: number;
    high: number;
    /** `ram`: every input, in order, with what it measures; `masked` inputs are always 0 (maskScore). */
    features: { index: number; name: string; doc: string; masked: boolean }[] | null;
    /** The env options observations were made with; a run on this model must use the same. */
    options: EnvOptions;
    preprocessing: string;
  };
  actions: { n: number; meanings: string[] };
  model: {
    /** mlp-ensemble: dense layers only (`ram`); cnn-ensemble: convolutions (`conv`), then the dense layers (`pixels`). */
    kind: 'mlp-ensemble' | 'cnn-ensemble';
    members: number;
    /** A cnn-ensemble's convolutions, [kernel size, stride, filters] each, 'valid' padding, leaky ReLU after each. */
    conv?: [number, number, number][];
    /**
     * A cnn-ensemble whose convolutions were pretrained as an autoencoder's encoder and then frozen, one encoder
     * shared by every member (Deep TAMER's; `--pretrain-encoder`): only the dense layers learnt from the labels
     * and presses. A run that fine-tunes the export keeps them frozen. Absent: every layer learnt.
     */
    frozenEncoder?: boolean;
    /** The dense hidden layers (after the convolutions in a cnn-ensemble). */
    hidden: number[];
    activation: 'leakyRelu';
    leakyAlpha: number;
    /** The dropout rate the members trained with, after each hidden layer; the exported network applies none. Absent: 0. */
    dropout?: number;
    /** false: r̂(s), one output whatever the action; true: r̂(s, a), one output per action. */
    actionDependent: boolean;
    /**
     * What each input row holds: `state`, the observation s an action was taken in; `transition` and `delta`, s
     * followed by the observation s' the action led to (2 x observation.size inputs; a delta model's reward
     * depends on s' - s alone). Absent in cards older than it: state.
     */
    input?: RewardInput;
    /**
     * How preferences trained an action-dependent model: true, each step rated by the mean of r̂(s, ·) over the
     * actions (a run with both channels: only live feedback tells actions apart); false, by the taken action's
     * output. Written for action-dependent models of runs with preferences, absent otherwise; a run that
     * fine-tunes the model with preferences keeps it.
     */
    statePreferences?: boolean;
    /**
     * What the run's agent was paid: true, the mean of r̂(s, ·) over the actions, what state preferences rate (a
     * run with both channels since 6 Dec); absent or false, r̂(s, a) of the action taken. A frozen run from
     * this model pays the same; a run that fine-tunes it keeps it. Only for action-dependent models.
     */
    stateReward?: boolean;
    /** Output columns: actions.n when actionDependent, else 1. */
    outputs: number;
    rewardStd: number;
    /** Adam steps the model was trained for on preferences. */
    trainSteps: number;
    /** Updates on live feedback (Deep TAMER's loss); written for runs with live feedback. */
    feedbackSteps?: number;
  };
  output: { input: string; name: string; shape: [string, number]; meaning: string; rewardOfAction: string };
  normalisation: { members: { shift: number; scale: number }[]; folded: true; meaning: string };
  labels: {
    /** Labels in effect (after undo and change), "can't tell" included. */
    total: number;
    answers: AnswerCounts;
    byKind: { person: AnswerCounts; teacher: AnswerCounts };
    byLabeler: Record<string, number>;
    /** Labels the model trains on and is validated with (not "can't tell"), split as in training. */
    train: number;
    heldOut: number;
    /** Agent steps in each clip the labels compared (`preferences.clipLength`); absent without clip comparisons. */
    clipLength?: number;
    /**
     * Runs with the label screen (`preferences.screenLabels`, RIME): the training labels it had left out of
     * training at the checkpoint the model comes from, by pair id (labels.jsonl's `pairId`), judged likely
     * mistaken by the ensemble. They stay on disk and in `total` and `train`; a screen can leave out right
     * labels. Absent: the labels were not screened.
     */
    screened?: { leftOut: number; pairIds: string[] };
  };
  /**
   * The live feedback presses the model learned from (feedback.jsonl), in runs with live feedback: every press
   * taken, "good" (value > 0) and "bad" (< 0), by person and synthetic teacher and by labeler, and the played
   * steps they credited (each press credits the steps its delay window covers).
   */
  feedback?: {
    total: number;
    good: number;
    bad: number;
    byKind: { person: number; teacher: number };
    byLabeler: Record<string, number>;
    creditedSteps: number;
  };
  evaluation: {
    /** Held-out labels whose preferred clip the model predicts ("equal" excluded); null with none. */
    valAccuracy: number | null;
    /** Pearson correlation of predicted and true clip returns over the held-out clips; null with too few. */
    predTrueCorrelation: number | null;
    trainLoss: number | null;
    valLoss: number | null;
    /**
     * Per labeler, the share of their decided held-out labels whose preferred clip the model predicts
     * (valAccuracy by labeler), most labels first. Absent in cards written before it was added.
     */
    labelers?: LabelerAgreement[];
    note: string;
  };
  files: { tfjs: string; weights: string; onnx: string };
}

/** Reads and checks a card; errors name the file and the field. */
export function readRewardCard(path: string): RewardCard {
  let card: unknown;
  try {
    card = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`could not read the reward card ${path}: ${(err as Error).message}`);
  }
  const bad = (what: string, got: unknown) => new Error(`${path}: ${what}, got ${describe(got)}`);
  if (!isRecord(card) || card.format !== CARD_FORMAT) throw bad(`not a reward card (format must be "${CARD_FORMAT}")`, isRecord(card) ? card.format : card);
  if (card.version !== CARD_VERSION) throw bad(`reward card version ${CARD_VERSION} expected (this build reads only that)`, card.version);
  for (const part of ['project', 'source', 'game', 'observation', 'actions', 'model', 'output', 'normalisation', 'labels', 'evaluation', 'files']) {
    if (!isRecord(card[part])) throw bad(`"${part}" must be an object`, card[part]);
  }
  const c = card as unknown as RewardCard;
  const model = c.model;
  if (!Number.isInteger(model.members) || model.members < 1) throw bad('model.members must be a positive integer', model.members);
  if (!Array.isArray(model.hidden) || !model.hidden.every((h) => Number.isInteger(h) && h > 0)) throw bad('model.hidden must list positive integers', model.hidden);
  if (model.kind !== 'mlp-ensemble' && model.kind !== 'cnn-ensemble') throw bad('model.kind must be "mlp-ensemble" or "cnn-ensemble"', model.kind);
  if (model.kind === 'cnn-ensemble') {
    const triple = (l: unknown) => Array.isArray(l) && l.length === 3 && l.every((x) => Number.isInteger(x) && x > 0);
    if (!Array.isArray(model.conv) || model.conv.length === 0 || !model.conv.every(triple)) throw bad('model.conv of a cnn-ensemble must list [kernel size, stride, filters] of positive integers', model.conv);
    const shape = c.observation.shape;
    if (!Array.isArray(shape) || shape.length !== 3) throw bad('observation.shape of a cnn-ensemble must be [height, width, frames]', shape);
  } else if (model.conv !== undefined) {
    throw bad('model.conv is only for a cnn-ensemble (model.kind)', model.conv);
  }
  if (model.frozenEncoder !== undefined && !(model.frozenEncoder === true && model.kind === 'cnn-ensemble')) {
    throw bad('model.frozenEncoder can only be true, and only for a cnn-ensemble (model.kind)', model.frozenEncoder);
  }
  if (typeof model.leakyAlpha !== 'number') throw bad('model.leakyAlpha must be a number', model.leakyAlpha);
  if (model.dropout !== undefined && !(typeof model.dropout === 'number' && model.dropout >= 0 && model.dropout < 1)) throw bad('model.dropout must be a number in [0, 1)', model.dropout);
  if (typeof model.actionDependent !== 'boolean') throw bad('model.actionDependent must be true or false', model.actionDependent);
  if (model.input !== undefined && !REWARD_INPUTS.includes(model.input)) throw bad(`model.input must be ${REWARD_INPUTS.join(' or ')}`, model.input);
  if (model.statePreferences !== undefined && typeof model.statePreferences !== 'boolean') throw bad('model.statePreferences must be true or false', model.statePreferences);
  if (model.statePreferences === true && !model.actionDependent) throw bad('model.statePreferences can only be true for an action-dependent model (model.actionDependent)', model.statePreferences);
  if (model.stateReward !== undefined && typeof model.stateReward !== 'boolean') throw bad('model.stateReward must be true or false', model.stateReward);
  if (model.stateReward === true && !model.actionDependent) throw bad('model.stateReward can only be true for an action-dependent model (model.actionDependent)', model.stateReward);
  if (model.outputs !== (model.actionDependent ? c.actions.n : 1)) throw bad(`model.outputs must be ${model.actionDependent ? 'actions.n' : '1'}`, model.outputs);
  const screened = c.labels.screened;
  if (screened !== undefined) {
    if (!isRecord(screened) || !Array.isArray(screened.pairIds) || !screened.pairIds.every((id) => typeof id === 'string')) {
      throw bad('labels.screened must hold the pair ids the screen left out (pairIds, strings)', screened);
    }
    if (screened.leftOut !== screened.pairIds.length) throw bad(`labels.screened.leftOut must count its ${screened.pairIds.length} pairIds`, screened.leftOut);
  }
  const labelers = c.evaluation.labelers;
  if (labelers !== undefined && !isLabelerAgreementList(labelers)) {
    throw bad('evaluation.labelers must list { labeler, heldOut (a positive integer), agreement (0-1) }', labelers);
  }
  if (!Number.isInteger(c.observation.size) || c.observation.size < 1) throw bad('observation.size must be a positive integer', c.observation.size);
  const norm = c.normalisation.members;
  if (!Array.isArray(norm) || norm.length !== model.members || !norm.every((n) => Number.isFinite(n?.shift) && Number.isFinite(n?.scale) && n.scale !== 0)) {
    throw bad(`normalisation.members must hold ${model.members} finite { shift, scale } (scale not 0)`, norm);
  }
  if (typeof c.files.tfjs !== 'string' || typeof c.files.onnx !== 'string') throw bad('files must name the tfjs and onnx files', c.files);
  return c;
}

/** Each env option whose value differs between `a` and `b`, as "name <a> in <aName>, <b> in <bName>". */
export function optionDifferences(a: EnvOptions, aName: string, b: EnvOptions, bName: string): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof EnvOptions)[];
  return keys.filter((k) => a[k] !== b[k]).map((k) => `${k} ${JSON.stringify(a[k])} in ${aName}, ${JSON.stringify(b[k])} in ${bName}`);
}

/** The env a run plays, as far as a reward model cares. */
export interface EnvDescription {
  id: string;
  options: EnvOptions;
  obsSize: number;
  numActions: number;
}

export function describeEnv(env: AtariEnv): EnvDescription {
  return { id: env.id, options: { ...env.options }, obsSize: env.observationSpace.size, numActions: env.actionSpace.n };
}

/**
 * Throws unless the card's model reads the observations of `env` and knows its actions: same game, same
 * observation type and env options (frame skip, sticky actions, no-op starts, time limit, score mask), same
 * input width and action count. The error names the card and each difference.
 */
export function checkCardFits(card: RewardCard, cardPath: string, env: EnvDescription, what = 'this run'): void {
  if (card.game.id !== env.id) throw new Error(`${cardPath}: the reward model was trained on ${card.game.id}; ${what} plays ${env.id}`);
  const diffs = optionDifferences(card.observation.options, 'the model', env.options, what);
  if (diffs.length > 0) {
    throw new Error(`${cardPath}: the reward model saw other observations than ${what} would give it: ${diffs.join('; ')}`);
  }
  if (card.observation.size !== env.obsSize || card.actions.n !== env.numActions) {
    throw new Error(
      `${cardPath}: the reward model reads observations of ${card.observation.size} numbers and knows ${card.actions.n} actions; ${what} has ${env.obsSize} and ${env.numActions}`,
    );
  }
}
