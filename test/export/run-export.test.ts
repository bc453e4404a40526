import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { makeEnv } from '../../src/env/index.js';
import { Rng } from '../../src/env/rng.js';
import { checkCardFits, type RewardCard } from '../../src/export/card.js';
import { architectureOf, loadRewardModel, readExportedRewardModel } from '../../src/export/reward-model.js';
import type { Progress } from '../../src/export/run-data.js';
import { exportRewardModel } from '../../src/export/run-export.js';
import { RewardModel, type RewardModelConfig } from '../../src/learning/preferences/reward-model.js';
import { initTf, tf } from '../../src/learning/tf.js';
import { frozenRewardModel } from '../../src/session/imported-reward.js';
import { TAMER_DEFAULTS } from '../../src/session/tamer.js';
import { envOptionsOf, loadCheckpoint, rewardModelConfigOf, type RunConfig, Trainer } from '../../src/session/trainer.js';
import { fileLoader, maxAbsDiff } from './reference.js';
import { preferenceConfig, trainRun } from './runs.js';

const root = mkdtempSync(join(tmpdir(), 'run-export-'));
/** r̂(s, s'): one output whatever the action, reading transitions (the export folds [s, s' - s] into [s, s']). */
const actionBlind = { dir: join(root, 'pong'), config: preferenceConfig({ seed: 1, rewardModel: { input: 'transition' } }) };
/** r̂(s' - s): exported, it reads [s, s'] too. */
const deltaRun = { dir: join(root, 'pong-delta'), config: preferenceConfig({ seed: 3, rewardModel: { input: 'delta' } }) };
/**
 * A pixel run reading transitions: r̂(s, s') of stacked frames, with small convolutions to keep it quick.
 * Exported, it reads s's frames then s''s as channels, as bytes.
 */
const pixelRun = {
  dir: join(root, 'pong-pixels'),
  config: ((): RunConfig => {
    const c = preferenceConfig({ seed: 5, steps: 200, labels: 12, rewardModel: { input: 'transition', conv: [[8, 4, 4], [4, 2, 4]], hidden: [8] } });
    return { ...c, obsType: 'pixels', net: { kind: 'cnn' }, preferences: { ...c.preferences!, pretrainEpochs: 5, clipEvery: 20 } };
  })(),
};
/** r̂(s, a) whose preferences rate states and whose agent is paid the state's mean, as in a run with both channels: one output per action. */
const perAction = { dir: join(root, 'breakout'), config: preferenceConfig({ env: 'Breakout', seed: 2, rewardModel: { actionDependent: true, statePreferences: true, stateReward: true } }) };

beforeAll(async () => {
  await initTf();
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  await trainRun(actionBlind.dir, actionBlind.config);
  await trainRun(perAction.dir, perAction.config);
  await trainRun(deltaRun.dir, deltaRun.config);
  await trainRun(pixelRun.dir, pixelRun.config);
}, 120_000);

/** The run's reward model as its checkpoint holds it. */
function checkpointModel(dir: string, config: RunConfig): RewardModel {
  const env = makeEnv(config.env, envOptionsOf(config));
  const model = new RewardModel(env.observationSpace.shape, env.actionSpace.n, rewardModelConfigOf(config), config.seed);
  model.setState(loadCheckpoint(join(dir, 'checkpoints', 'latest.ckpt')).rewardModel!);
  return model;
}

/**
 * Steps with observations as the game gives them (in [-1, 1] for ram, bytes for pixels), the observations
 * they led to, and random actions; `input` is what the exported model reads: s per row, or [s, s'] for a
 * transition or delta model (for pixels, s's frames then s''s along the channel axis), and `dims` its shape.
 */
function randomSteps(seed: number, rows: number, model: RewardModel) {
  const rng = new Rng(seed);
  const n = model.obsSize;
  const value = model.image === null ? () => rng.range(-1, 1) : () => Math.floor(rng.next() * 256);
  const obs = Float32Array.from({ length: rows * n }, value);
  const next = Float32Array.from({ length: rows * n }, value);
  const actions = Int32Array.from({ length: rows }, () => Math.floor(rng.next() * model.numActions));
  const halves = model.config.input === 'state' ? 1 : 2;
  // Values of one row in the file that come from one observation before the other's: all of it for ram, one pixel's frames for an image.
  const run = model.image === null ? n : model.image[2];
  const input = halves === 1 ? obs : new Float32Array(rows * 2 * n);
  if (halves === 2) {
    for (let at = 0; at < rows * n; at += run) {
      input.set(obs.subarray(at, at + run), 2 * at);
      input.set(next.subarray(at, at + run), 2 * at + run);
    }
  }
  const dims = model.image === null ? [rows, halves * n] : [rows, model.image[0], model.image[1], halves * model.image[2]];
  return { obs, next, actions, input, dims };
}

async function onnxRewards(path: string, obs: Float32Array, dims: number[]): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(path)));
  try {
    const { reward } = await session.run({ obs: new ort.Tensor('float32', obs, dims) });
    return { dims: reward.dims, data: reward.data as Float32Array };
  } finally {
    await session.release();
  }
}

/** Column `a` of a [rows, heads] output, or column 0 when the model has one head. */
const column = (data: Float32Array, heads: number, actions: Int32Array) => Float32Array.from(actions, (a, i) => data[i * heads + (heads === 1 ? 0 : a)]);

/**
 * Checks that the export in `out` gives `model`'s rewards on 64 random steps to 1e-5: tfjs, ONNX (one column),
 * and loaded back into a RewardModel made with `loadedConfig`. Returns the loaded model (to dispose).
 */
async function expectExportGivesRewards(model: RewardModel, out: string, seed: number, loadedConfig: Partial<RewardModelConfig>): Promise<RewardModel> {
  const rows = 64;
  const { obs, next, actions, input, dims } = randomSteps(seed, rows, model);
  const expected = model.predict(obs, actions, rows, next);
  expect(Math.max(...expected.map(Math.abs))).toBeGreaterThan(1e-3); // a real, non-zero reward

  const tfjsModel = await tf.loadLayersModel(fileLoader(join(out, 'model.json')));
  const tfjsOut = tf.tidy(() => (tfjsModel.predict(tf.tensor(input, dims)) as tf.Tensor).dataSync() as Float32Array);
  tfjsModel.dispose();
  expect(tfjsOut.length).toBe(rows);
  expect(maxAbsDiff(tfjsOut, expected)).toBeLessThan(1e-5);

  const onnx = await onnxRewards(join(out, 'reward.onnx'), input, dims);
  expect(onnx.dims).toEqual([rows, 1]);
  expect(maxAbsDiff(onnx.data, expected)).toBeLessThan(1e-5);

  // Back into a RewardModel, as `--reward-model` does: the same rewards (the normalisation unfolded).
  const { spec } = readExportedRewardModel(out);
  const loaded = new RewardModel(model.image ?? model.obsSize, model.numActions, loadedConfig, 99);
  loadRewardModel(loaded, spec);
  expect(maxAbsDiff(loaded.predict(obs, actions, rows, next), expected)).toBeLessThan(1e-5);
  return loaded;
}

describe('npm run export: a run\'s reward model as tfjs, ONNX and a reward card', () => {
  it('writes models that give the run\'s rewards (tfjs, ONNX, and loaded back) to 1e-5', async () => {
    const out = join(root, 'export-pong');
    const progress: Progress[] = [];
    const result = await exportRewardModel(actionBlind.dir, out, { onProgress: (p) => progress.push(p) });
    expect(readdirSync(out).sort()).toEqual(['model.json', 'reward-card.json', 'reward.onnx', 'weights.bin']);
    expect(result.files.sort()).toEqual(readdirSync(out).sort());
    expect(progress.map((p) => p.stage)).toContain('re-simulating clips');
    expect(progress.at(-1)).toEqual({ stage: 'writing files', done: 3, total: 3 });

    const model = checkpointModel(actionBlind.dir, actionBlind.config);
    // A transition model: exported, it takes [s, s'] rows.
    expect(model.config.input).toBe('transition');
    expect(model.inputSize).toBe(2 * model.obsSize);
    const loaded = await expectExportGivesRewards(model, out, 7, rewardModelConfigOf(actionBlind.config));
    expect(loaded.shift).toEqual(model.shift);
    loaded.dispose();
    model.dispose();
  });

  it('exports a delta model, r̂(s\' - s), as one reading [s, s\'] that gives its rewards, and loads it back', async () => {
    const out = join(root, 'export-delta');
    const { card } = await exportRewardModel(deltaRun.dir, out);
    expect(card.model.input).toBe('delta');
    expect(card.output.input).toMatch(/2 \* observation.size/);
    expect(card.normalisation.meaning).toMatch(/shifted so that a step that changes nothing is 0 and scaled to standard deviation 0.05 over the agent's recent steps/);
    const model = checkpointModel(deltaRun.dir, deltaRun.config);
    expect(model.inputSize).toBe(model.obsSize); // inside, it reads s' - s alone
    // The same change from other states gives the same reward: it reads nothing of s but the change.
    const { obs, next, actions } = randomSteps(11, 64, model);
    const expected = model.predict(obs, actions, 64, next);
    expect(maxAbsDiff(model.predict(obs.map((x) => x + 0.5), actions, 64, next.map((x) => x + 0.5)), expected)).toBeLessThan(1e-5);
    const loaded = await expectExportGivesRewards(model, out, 11, architectureOf(card));
    loaded.dispose();
    model.dispose();
  });

  it('exports a pixel run\'s convolutional model reading s\'s frames then s\'\'s as bytes, and loads it back', async () => {
    const out = join(root, 'export-pixels');
    const { card } = await exportRewardModel(pixelRun.dir, out);
    expect(card.model).toMatchObject({ kind: 'cnn-ensemble', conv: [[8, 4, 4], [4, 2, 4]], hidden: [8], input: 'transition', outputs: 1 });
    expect(card.observation).toMatchObject({ type: 'pixels', shape: [84, 84, 4], size: 84 * 84 * 4, dtype: 'uint8', features: null });
    expect(card.output.input).toMatch(/float32 \[batch, 84, 84, 8\].*s's 4 frames then s''s 4.*0-255/);
    expect(card.labels.total).toBeGreaterThan(0);
    expect(card.evaluation.valAccuracy).toEqual(expect.any(Number));
    const model = checkpointModel(pixelRun.dir, pixelRun.config);
    expect(model.image).toEqual([84, 84, 4]);
    const loaded = await expectExportGivesRewards(model, out, 13, architectureOf(card));
    expect(loaded.memberWeights().map((m) => m.convs.map((c) => [c.size, c.stride, c.inChannels, c.filters]))).toEqual(Array(3).fill([[8, 4, 8, 4], [4, 2, 4, 4]]));
    loaded.dispose();
    model.dispose();
    // A card whose strides disagree with model.json is refused, naming the layer (the weights cannot tell strides apart).
    const cardPath = join(out, 'reward-card.json');
    writeFileSync(cardPath, JSON.stringify({ ...card, model: { ...card.model, conv: [[8, 2, 4], [4, 2, 4]] } }));
    expect(() => readExportedRewardModel(out)).toThrow(/model\.json: layer member0_conv0 is a 8x8 convolution of stride 4x4 and 4 filters; the card's model\.conv says \[8, 2, 4\]/);
  });

  it('describes the game, observations, actions, output, normalisation, labels, evaluation and origin in the card', async () => {
    const out = join(root, 'card');
    const { card } = await exportRewardModel(actionBlind.dir, out);
    expect(JSON.parse(readFileSync(join(out, 'reward-card.json'), 'utf8'))).toEqual(card);
    const runConfig = JSON.parse(readFileSync(join(actionBlind.dir, 'config.json'), 'utf8'));
    expect(card).toMatchObject({
      format: 'rlhf-arcade/reward-card',
      version: 1,
      project: { name: 'rlhf-arcade', version: packageJson.version },
      source: { runId: runConfig.id, steps: 1000, reward: 'preferences' },
      game: { id: 'Pong' },
      actions: { n: 6, meanings: ['NOOP', 'FIRE', 'RIGHT', 'LEFT', 'RIGHTFIRE', 'LEFTFIRE'] },
      model: { members: 3, hidden: [16, 16], leakyAlpha: 0.01, actionDependent: false, input: 'transition', outputs: 1 },
      output: { name: 'reward', shape: ['batch', 1] },
      files: { tfjs: 'model.json', weights: 'weights.bin', onnx: 'reward.onnx' },
    });
    expect(card.model.statePreferences).toBeUndefined(); // only action-dependent models have actions to rate
    expect(card.output.rewardOfAction).toMatch(/reward\[b, 0\] for every action/);
    expect(card.output.input).toMatch(/2 \* observation.size.*then the observation s' it led to/);
    expect(card.observation).toMatchObject({ type: 'ram', shape: [11], size: 11, options: { maskScore: true, frameSkip: 4 } });
    const features = card.observation.features!;
    expect(features.map((f) => f.name)).toEqual(makeEnv('Pong').emulator.game.spec.ram.map((f) => f.name));
    expect(features.filter((f) => f.masked).map((f) => f.name)).toEqual(['score.player', 'score.opponent']);
    expect(card.normalisation.members).toHaveLength(3);
    expect(card.normalisation.members.every((m) => m.scale > 0)).toBe(true);
    expect(card.normalisation.meaning).toMatch(/shifted to zero mean and scaled to standard deviation 0.05 over the agent's recent steps/);

    const events = readFileSync(join(actionBlind.dir, 'labels.jsonl'), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l));
    expect(card.labels.total).toBe(events.length); // an oracle never undoes
    expect(Object.values(card.labels.answers).reduce((a, b) => a + b, 0)).toBe(events.length);
    for (const answer of ['left', 'right', 'equal', 'cant-tell'] as const) {
      expect(card.labels.answers[answer]).toBe(events.filter((e) => e.answer === answer).length);
      expect(card.labels.byKind.teacher[answer]).toBe(card.labels.answers[answer]);
      expect(card.labels.byKind.person[answer]).toBe(0);
    }
    expect(card.labels.byLabeler).toEqual({ 'teacher:oracle': events.length });
    expect(card.labels.train + card.labels.heldOut).toBe(events.length - card.labels.answers['cant-tell']);
    expect(card.labels.heldOut).toBeGreaterThan(0);
    expect(card.labels.screened).toBeUndefined(); // not a screened run
    expect(card.labels.clipLength).toBe(actionBlind.config.preferences!.clipLength);
    expect(card.evaluation.valAccuracy).toBeGreaterThanOrEqual(0);
    expect(card.evaluation.valAccuracy).toBeLessThanOrEqual(1);
    expect(card.evaluation.predTrueCorrelation).toEqual(expect.any(Number));
    // By labeler (one here): its decided held-out labels, and valAccuracy itself.
    const decided = events.filter((e) => e.answer === 'left' || e.answer === 'right').length;
    expect(card.evaluation.labelers).toEqual([{ labeler: 'teacher:oracle', heldOut: expect.any(Number), agreement: card.evaluation.valAccuracy }]);
    expect(card.evaluation.labelers![0].heldOut).toBeGreaterThan(0);
    expect(card.evaluation.labelers![0].heldOut).toBeLessThan(decided);
  });

  it('describes the live feedback presses a tamer run learned from, and its updates on them', async () => {
    const dir = join(root, 'pong-tamer');
    // Deep TAMER's agent on Pong: the scalar oracle presses "bad" as points are lost, up to its budget.
    const config: RunConfig = {
      ...preferenceConfig({ seed: 4, steps: 2000 }),
      reward: 'tamer',
      agent: 'greedy-h',
      preferences: undefined,
      tamer: { ...TAMER_DEFAULTS, teacher: 'scalar-oracle', feedback: 12 },
    };
    await trainRun(dir, config);
    const { card } = await exportRewardModel(dir, join(root, 'card-tamer'));
    const presses = readFileSync(join(dir, 'feedback.jsonl'), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l));
    expect(presses.length).toBeGreaterThan(0);
    expect(card.feedback).toEqual({
      total: presses.length,
      good: presses.filter((p) => p.value > 0).length,
      bad: presses.filter((p) => p.value < 0).length,
      byKind: { person: 0, teacher: presses.length },
      byLabeler: { 'teacher:scalar-oracle': presses.length },
      creditedSteps: presses.reduce((n, p) => n + p.credits.length, 0),
    });
    expect(card.feedback!.creditedSteps).toBeGreaterThan(presses.length);
    // An update on each press's credited steps at least, none on preferences.
    expect(card.model.feedbackSteps).toBeGreaterThanOrEqual(presses.length);
    expect(card.model.trainSteps).toBe(0);
    expect(card.labels.total).toBe(0);
    expect(card.normalisation.meaning).toMatch(/over the agent's recent live steps/);
    // A preference run's card has no feedback part.
    const { card: prefCard } = await exportRewardModel(actionBlind.dir, join(root, 'card-no-feedback'));
    expect(prefCard.feedback).toBeUndefined();
    expect(prefCard.model.feedbackSteps).toBeUndefined();
  });

  it('exports r(s, a) of an action-dependent model as one column per action', async () => {
    const out = join(root, 'export-breakout');
    const { card } = await exportRewardModel(perAction.dir, out);
    expect(card.model).toMatchObject({ actionDependent: true, statePreferences: true, stateReward: true, outputs: 4 });
    // A run that fine-tunes it, or is paid by it frozen, keeps rating states by preferences and paying their
    // mean (a both-channel run's export lost the first once).
    expect(architectureOf(card)).toMatchObject({ actionDependent: true, statePreferences: true, stateReward: true });
    expect(card.output.rewardOfAction).toMatch(/the mean of reward\[b, ·\] over the actions.*reward\[b, a\] is Ĥ\(s, a\)/);
    expect(card.observation.features).toHaveLength(121);
    const paid = checkpointModel(perAction.dir, perAction.config);
    const heads = checkpointModel(perAction.dir, { ...perAction.config, preferences: { ...perAction.config.preferences!, rewardModel: { ...perAction.config.preferences!.rewardModel, stateReward: false } } });
    const rows = 16;
    const { obs, actions, dims } = randomSteps(8, rows, paid);
    expect(paid.config.input).toBe('state'); // Deep TAMER's Ĥ(s, a) reads the state
    const onnx = await onnxRewards(join(out, 'reward.onnx'), obs, dims);
    expect(onnx.dims).toEqual([rows, 4]);
    // Every column is that action's Ĥ(s, a), not only the taken one's ...
    const mean = new Float32Array(rows);
    for (let a = 0; a < 4; a++) {
      const all = new Int32Array(rows).fill(a);
      const col = column(onnx.data, 4, all);
      expect(maxAbsDiff(col, heads.predict(obs, all, rows))).toBeLessThan(1e-5);
      col.forEach((x, i) => (mean[i] += x / 4));
    }
    expect(maxAbsDiff(column(onnx.data, 4, actions), heads.predict(obs, actions, rows))).toBeLessThan(1e-5);
    // ... and the agent was paid their mean, whatever it took, as a frozen run from the export is.
    expect(maxAbsDiff(mean, paid.predict(obs, actions, rows))).toBeLessThan(1e-5);
    const frozen = frozenRewardModel(readExportedRewardModel(out), paid.obsSize, 4, 1);
    expect(maxAbsDiff(mean, frozen.predict(obs, actions, rows))).toBeLessThan(1e-5);
    for (const m of [paid, heads, frozen]) m.dispose();
  });

  it('refuses a folder that holds files, a run without a reward model and a run without a checkpoint', async () => {
    const busy = join(root, 'busy');
    await exportRewardModel(actionBlind.dir, busy);
    writeFileSync(join(busy, 'notes.txt'), 'mine');
    const before = readdirSync(busy).map((f) => [f, readFileSync(join(busy, f), 'utf8')]);
    await expect(exportRewardModel(actionBlind.dir, busy)).rejects.toThrow(/busy already holds files; choose a new or empty folder.*nothing is overwritten/);
    expect(readdirSync(busy).map((f) => [f, readFileSync(join(busy, f), 'utf8')])).toEqual(before);

    const fresh = join(root, 'fresh');
    (await Trainer.create(fresh, preferenceConfig())).dispose();
    await expect(exportRewardModel(fresh, join(root, 'x1'))).rejects.toThrow(/has no checkpoint yet.*train it first/);

    const scored = join(root, 'true-reward');
    const trueConfig: RunConfig = { ...preferenceConfig(), reward: 'true', preferences: undefined, steps: 40, maskScore: false };
    const t = await Trainer.create(scored, trueConfig);
    await t.train();
    t.dispose();
    await expect(exportRewardModel(scored, join(root, 'x2'))).rejects.toThrow(/holds no reward model: run .* trains on the true score, which is not learned/);
    expect(existsSync(join(root, 'x1')) || existsSync(join(root, 'x2'))).toBe(false);
  });

  it('checks a card against the env a run will play, naming each difference', async () => {
    const out = join(root, 'fits');
    const { card } = await exportRewardModel(actionBlind.dir, out);
    const env = (id: string, options: object) => {
      const e = makeEnv(id, options);
      return { id, options: { ...e.options }, obsSize: e.observationSpace.size, numActions: e.actionSpace.n };
    };
    const path = join(out, 'reward-card.json');
    expect(() => checkCardFits(card, path, env('Pong', { maskScore: true }))).not.toThrow();
    expect(() => checkCardFits(card, path, env('Breakout', { maskScore: true }))).toThrow(/reward-card\.json: the reward model was trained on Pong; this run plays Breakout/);
    expect(() => checkCardFits(card, path, env('Pong', { maskScore: false, frameSkip: 3 }))).toThrow(
      /other observations.*frameSkip 4 in the model, 3 in this run.*maskScore true in the model, false in this run/,
    );
    const bad: RewardCard = { ...card, version: 2 as never };
    writeFileSync(join(out, 'reward-card.json'), JSON.stringify(bad));
    expect(() => readExportedRewardModel(out)).toThrow(/reward-card\.json: reward card version 1 expected.*got 2/);
    writeFileSync(join(out, 'reward-card.json'), JSON.stringify({ ...card, model: { ...card.model, statePreferences: true } }));
    expect(() => readExportedRewardModel(out)).toThrow(/reward-card\.json: model\.statePreferences can only be true for an action-dependent model.*got true/);
    writeFileSync(join(out, 'reward-card.json'), JSON.stringify({ ...card, model: { ...card.model, stateReward: true } }));
    expect(() => readExportedRewardModel(out)).toThrow(/reward-card\.json: model\.stateReward can only be true for an action-dependent model.*got true/);
    writeFileSync(join(out, 'reward-card.json'), JSON.stringify({ ...card, model: { ...card.model, statePreferences: 'yes' } }));
    expect(() => readExportedRewardModel(out)).toThrow(/model\.statePreferences must be true or false, got "yes"/);
    writeFileSync(join(out, 'reward-card.json'), JSON.stringify({ ...card, model: { ...card.model, kind: 'cnn-ensemble' } }));
    expect(() => readExportedRewardModel(out)).toThrow(/model\.conv of a cnn-ensemble must list \[kernel size, stride, filters\] of positive integers, got undefined/);
    writeFileSync(join(out, 'reward-card.json'), JSON.stringify({ ...card, model: { ...card.model, conv: [[3, 1, 4]] } }));
    expect(() => readExportedRewardModel(out)).toThrow(/model\.conv is only for a cnn-ensemble/);
    writeFileSync(join(out, 'reward-card.json'), JSON.stringify({ ...card, model: { ...card.model, frozenEncoder: true } }));
    expect(() => readExportedRewardModel(out)).toThrow(/model\.frozenEncoder can only be true, and only for a cnn-ensemble \(model\.kind\), got true/);
    writeFileSync(join(out, 'reward-card.json'), JSON.stringify({ ...card, labels: { ...card.labels, screened: { leftOut: 2, pairIds: ['p3'] } } }));
    expect(() => readExportedRewardModel(out)).toThrow(/labels\.screened\.leftOut must count its 1 pairIds, got 2/);
    writeFileSync(join(out, 'reward-card.json'), JSON.stringify({ ...card, labels: { ...card.labels, screened: { leftOut: 1, pairIds: [3] } } }));
    expect(() => readExportedRewardModel(out)).toThrow(/labels\.screened must hold the pair ids the screen left out/);
    writeFileSync(join(out, 'reward-card.json'), JSON.stringify({ ...card, evaluation: { ...card.evaluation, labelers: [{ labeler: 'ann', heldOut: 3, agreement: 1.5 }] } }));
    expect(() => readExportedRewardModel(out)).toThrow(/evaluation\.labelers must list \{ labeler, heldOut \(a positive integer\), agreement \(0-1\) \}, got \[\{"labeler":"ann"/);
  });
});
