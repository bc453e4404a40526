/**
 * `npm run export -- runs/x --out DIR` as a library function, for the CLI and the app alike: the reward model
 * of a run's last checkpoint, written as
 *
 *   model.json + weights.bin   tfjs LayersModel (tfjs-format.ts)
 *   reward.onnx                the same model as ONNX (onnx.ts)
 *   reward-card.json           what the model is and how well it does (card.ts), written last
 *
 * The card's evaluation is computed at export time on every label on disk (re-simulating their clips), with
 * the same held-out split as training. The run folder is only read; the output folder must be new or empty,
 * so an export never overwrites anything.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };
import { PreferenceDataset } from '../learning/preferences/dataset.js';
import type { RewardInput, RewardModelConfig } from '../learning/preferences/reward-model.js';
import { ANSWERS } from '../learning/preferences/teachers.js';
import { initTf } from '../learning/tf.js';
import { agreementByLabeler } from '../session/preferences.js';
import { checkpointRewardModel, type RunConfig, rewardModelConfigOf, trainedCheckpoint } from '../session/trainer.js';
import { writeFileAtomic } from '../store/atomic.js';
import { labelerKind } from '../store/labels.js';
import { type AnswerCounts, CARD_FILE, CARD_FORMAT, CARD_VERSION, type RewardCard } from './card.js';
import { toOnnx } from './onnx.js';
import { rewardModelSpec } from './reward-model.js';
import { type LongOperationOptions, readRunData, replayLabelledClips, type RunData } from './run-data.js';
import { writeTfjsModel } from './tfjs-format.js';

export const ONNX_FILE = 'reward.onnx';

/** Refuses an output folder that holds anything: exporting never overwrites. */
export function checkNewFolder(dir: string, what: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} already holds files; choose a new or empty folder for ${what} (nothing is overwritten)`);
}

const noAnswers = (): AnswerCounts => Object.fromEntries(ANSWERS.map((a) => [a, 0])) as AnswerCounts;
const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

function countLabels(data: RunData) {
  const answers = noAnswers();
  const byKind = { person: noAnswers(), teacher: noAnswers() };
  const byLabeler: Record<string, number> = {};
  for (const l of data.labels) {
    answers[l.answer]++;
    byKind[labelerKind(l.labeler)][l.answer]++;
    byLabeler[l.labeler] = (byLabeler[l.labeler] ?? 0) + 1;
  }
  return { total: data.labels.length, answers, byKind, byLabeler };
}

function countPresses(data: RunData): NonNullable<RewardCard['feedback']> {
  const byKind = { person: 0, teacher: 0 };
  const byLabeler: Record<string, number> = {};
  let good = 0;
  let bad = 0;
  let creditedSteps = 0;
  for (const p of data.feedback) {
    if (p.value > 0) good++;
    else if (p.value < 0) bad++;
    byKind[labelerKind(p.labeler)]++;
    byLabeler[p.labeler] = (byLabeler[p.labeler] ?? 0) + 1;
    creditedSteps += p.credits.length;
  }
  return { total: data.feedback.length, good, bad, byKind, byLabeler, creditedSteps };
}

/**
 * The training labels the label screen had left out at the checkpoint, as the run's dataset leaves them out
 * (PreferenceDataset.leftOut): a pair undone since, or reviewed by a person since, is not counted.
 */
function screenedLabels(checkpoint: ReturnType<typeof trainedCheckpoint>, dataset: PreferenceDataset): NonNullable<RewardCard['labels']['screened']> {
  dataset.setDistrusted(new Set(checkpoint.preferences?.screen?.distrusted ?? []));
  const pairIds = dataset.leftOut.map((c) => c.pairId);
  return { leftOut: pairIds.length, pairIds };
}

function observationOf(data: RunData): RewardCard['observation'] {
  const { env } = data;
  const space = env.observationSpace;
  const ram = env.options.obsType === 'ram';
  return {
    type: env.options.obsType,
    shape: [...space.shape],
    size: space.size,
    dtype: space.dtype,
    low: space.low,
    high: space.high,
    features: ram
      ? env.emulator.game.spec.ram.map((f, index) => ({ index, name: f.name, doc: f.doc, masked: env.options.maskScore && f.leaksScore === true }))
      : null,
    options: { ...env.options },
    preprocessing: ram
      ? `the game's feature vector ("ram"), each value in [-1, 1] as documented per feature; ${env.options.maskScore ? 'features that reveal the score are always 0 (maskScore)' : 'score features included'}. ` +
        `One observation per agent step; each step repeats the action for frameSkip frames with sticky actions, after 1..noopMax no-op frames at reset (Machado et al. 2018).`
      : 'grayscale (BT.601), max over the last two frames of each step, area-resized to 84x84, stack of the last 4 (84x84x4 bytes, oldest first, channel-last)' +
        `${env.options.maskScore ? ', score rows blacked out (maskScore)' : ''}.`,
  };
}

/** What the exported model's input holds (the card's output.input). */
function modelInput(input: RewardInput, image: readonly [number, number, number] | null): string {
  const both = "one step per row: the observation s the action was taken in, then the observation s' it led to (an episode's final one at its end)";
  if (image === null) {
    return input !== 'state'
      ? `obs: float32 [batch, 2 * observation.size], ${both}, both preprocessed as observation.preprocessing says`
      : 'obs: float32 [batch, observation.size], one observation per row, preprocessed as observation.preprocessing says';
  }
  const [h, w, frames] = image;
  return input !== 'state'
    ? `obs: float32 [batch, ${h}, ${w}, ${2 * frames}], ${both}: s's ${frames} frames then s''s ${frames} along the last axis, each a byte value 0-255 as observation.preprocessing says (not scaled: the model scales them)`
    : `obs: float32 [batch, ${h}, ${w}, ${frames}], one observation per row (${h}x${w}, ${frames} stacked frames, channel-last), each a byte value 0-255 as observation.preprocessing says (not scaled: the model scales them)`;
}

export interface RewardExport {
  dir: string;
  files: string[];
  card: RewardCard;
}

/**
 * Exports the reward model of the run in `runDir` into `outDir`. Progress is reported per stage (clips
 * re-simulated for the evaluation, then files written). Initialises tfjs if needed.
 */
export async function exportRewardModel(runDir: string, outDir: string, { onProgress, warn, data: given }: LongOperationOptions = {}): Promise<RewardExport> {
  checkNewFolder(outDir, 'the export');
  const data = given ?? readRunData(runDir, warn);
  const { run, config } = data;
  const checkpoint = trainedCheckpoint(run);
  await initTf();
  const rm = rewardModelConfigOf(config);
  const model = checkpointRewardModel(runDir, config, checkpoint, data.env.observationSpace.shape, data.description.numActions);
  try {
    const clips = replayLabelledClips(data, onProgress);
    const dataset = new PreferenceDataset({ members: rm.members, valFraction: rm.valFraction, maxLabels: rm.maxLabels, seed: config.seed });
    for (const l of data.labels) dataset.add(l.pairId, clips.get(l.left)!, clips.get(l.right)!, l.answer, data.reviewed.has(l.pairId));
    const evaluation = model.evaluate(dataset);
    const spec = rewardModelSpec(model);
    const heads = model.heads;
    const image = model.image;
    const card: RewardCard = {
      format: CARD_FORMAT,
      version: CARD_VERSION,
      project: { name: packageJson.name, version: packageJson.version },
      created: new Date().toISOString(),
      source: { runId: data.runId, run: resolve(runDir), steps: checkpoint.meta.state.steps, reward: config.reward },
      game: { id: config.env, summary: data.env.emulator.game.spec.summary },
      observation: observationOf(data),
      actions: { n: data.description.numActions, meanings: [...data.env.actionSpace.meanings] },
      model: {
        kind: image === null ? 'mlp-ensemble' : 'cnn-ensemble',
        members: rm.members,
        ...(image !== null && { conv: rm.conv.map(([k, st, f]) => [k, st, f] as [number, number, number]) }),
        ...(rm.frozenEncoder && { frozenEncoder: true }),
        hidden: [...rm.hidden],
        activation: 'leakyRelu',
        leakyAlpha: rm.leakyAlpha,
        ...(rm.dropout > 0 && { dropout: rm.dropout }),
        actionDependent: rm.actionDependent,
        input: rm.input,
        ...(rm.actionDependent && config.preferences !== undefined && { statePreferences: rm.statePreferences }),
        ...(rm.stateReward && { stateReward: true }),
        outputs: heads,
        rewardStd: rm.rewardStd,
        trainSteps: model.trainSteps,
        ...(config.tamer !== undefined && { feedbackSteps: model.feedbackSteps }),
      },
      output: {
        input: modelInput(rm.input, image),
        name: 'reward',
        shape: ['batch', heads],
        meaning: 'the normalised learned reward: the mean over ensemble members of (raw - shift) * scale, the normalisation folded into the weights',
        rewardOfAction:
          heads === 1
            ? 'r(s, a) = reward[b, 0] for every action a: this model rewards states and ignores the action (model.actionDependent is false)'
            : rm.stateReward
              ? 'r(s, a) = the mean of reward[b, ·] over the actions, for every action a: the run paid its agent this (model.stateReward); reward[b, a] is Ĥ(s, a), which presses trained to tell actions apart'
              : 'r(s, a) = reward[b, a], a being the index of the action in actions.meanings',
      },
      normalisation: {
        members: spec.members.map((m) => ({ shift: m.shift, scale: m.scale })),
        folded: true,
        meaning: normalisationMeaning(config, rm),
      },
      labels: {
        ...countLabels(data),
        train: dataset.train.length,
        heldOut: dataset.heldOut.length,
        ...(config.preferences !== undefined && { clipLength: config.preferences.clipLength }),
        ...(config.preferences?.screenLabels === true && { screened: screenedLabels(checkpoint, dataset) }),
      },
      ...(config.tamer !== undefined && { feedback: countPresses(data) }),
      evaluation: {
        valAccuracy: finiteOrNull(evaluation.valAccuracy),
        predTrueCorrelation: finiteOrNull(evaluation.predTrueCorrelation),
        trainLoss: finiteOrNull(evaluation.trainLoss),
        valLoss: finiteOrNull(evaluation.valLoss),
        labelers: agreementByLabeler(data.labels, evaluation.heldOutRight),
        note: 'computed at export on the labels on disk, with the held-out split of training (1/e of the labels, by pair id and seed); the true return is the game score the model never saw',
      },
      files: { tfjs: 'model.json', weights: 'weights.bin', onnx: ONNX_FILE },
    };
    const total = 3;
    onProgress?.({ stage: 'writing files', done: 0, total });
    mkdirSync(outDir, { recursive: true });
    await writeTfjsModel(spec, outDir);
    onProgress?.({ stage: 'writing files', done: 1, total });
    writeFileAtomic(join(outDir, ONNX_FILE), toOnnx(spec));
    onProgress?.({ stage: 'writing files', done: 2, total });
    writeFileAtomic(join(outDir, CARD_FILE), `${JSON.stringify(card, null, 2)}\n`);
    onProgress?.({ stage: 'writing files', done: 3, total });
    return { dir: outDir, files: ['model.json', 'weights.bin', ONNX_FILE, CARD_FILE], card };
  } finally {
    model.dispose();
  }
}

/** What the card says each member's shift and scale are: where the shift puts 0, and over which steps the scale was measured. */
function normalisationMeaning(config: RunConfig, rm: RewardModelConfig): string {
  const over =
    config.preferences === undefined
      ? "the agent's recent live steps"
      : config.preferences.normaliseOn === 'initial'
        ? "the steps of the first labels' clips, from the random policy (preferences.normaliseOn initial)"
        : "the agent's recent steps (its latest clips)";
  const zero = rm.input === 'delta' ? 'shifted so that a step that changes nothing is 0' : 'shifted to zero mean';
  return `member m's raw output is ${zero} and scaled to standard deviation ${rm.rewardStd} over ${over}: (raw - shift) * scale; both exported models already include it`;
}
