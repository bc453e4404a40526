import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/env/rng.js';
import { exportRewardModel } from '../../src/export/run-export.js';
import { RewardModel } from '../../src/learning/preferences/reward-model.js';
import { initTf } from '../../src/learning/tf.js';
import { loadCheckpoint, rewardModelConfigOf, type RunConfig, Trainer } from '../../src/session/trainer.js';
import { maxAbsDiff } from '../export/reference.js';
import { preferenceConfig, trainRun } from '../export/runs.js';

const root = mkdtempSync(join(tmpdir(), 'imported-reward-'));
const exported = join(root, 'exported');
const rows = 32;
const rng = new Rng(3);
const obs = Float32Array.from({ length: rows * 11 }, () => rng.range(-1, 1));
const next = Float32Array.from({ length: rows * 11 }, () => rng.range(-1, 1));
const actions = Int32Array.from({ length: rows }, () => Math.floor(rng.next() * 6));
/** The exported model's rewards on `obs`, as the source run's RewardModel gave them. */
let expected: Float32Array;

beforeAll(async () => {
  await initTf();
  const source = join(root, 'source');
  await trainRun(source, preferenceConfig({ seed: 6 }));
  await exportRewardModel(source, exported);
  // The source run's own model, from its checkpoint.
  const model = new RewardModel(11, 6, rewardModelConfigOf(preferenceConfig({ seed: 6 })), 0);
  model.setState(loadCheckpoint(join(source, 'checkpoints', 'latest.ckpt')).rewardModel!);
  expected = model.predict(obs, actions, rows, next);
  model.dispose();
}, 60_000);

const frozen = (o: Partial<RunConfig> = {}): RunConfig => ({
  ...preferenceConfig(),
  reward: 'model',
  preferences: undefined,
  rewardModelInit: { from: exported, mode: 'frozen' },
  steps: 400,
  ...o,
});

describe('training from an exported reward model', () => {
  it('frozen: the agent gets the exported rewards, nothing is labelled or trained, and the run resumes without the export', async () => {
    const dir = join(root, 'frozen');
    const elsewhere = join(root, 'exported-elsewhere');
    cpSync(exported, elsewhere, { recursive: true });
    const trainer = await Trainer.create(dir, frozen({ rewardModelInit: { from: elsewhere, mode: 'frozen' } }));
    expect(maxAbsDiff(trainer.rewardModel!.predict(obs, actions, rows, next), expected)).toBeLessThan(1e-5);
    const summary = await trainer.train();
    expect(summary.steps).toBe(400);
    expect(trainer.rewardModel!.trainSteps).toBe(0);
    expect(maxAbsDiff(trainer.rewardModel!.predict(obs, actions, rows, next), expected)).toBeLessThan(1e-5);
    trainer.dispose();
    expect(existsSync(join(dir, 'labels.jsonl')) || existsSync(join(dir, 'clips.jsonl'))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toMatchObject({ reward: 'model', rewardModelInit: { mode: 'frozen' } });
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.every((m) => m.labelsUsed === undefined && Math.abs(m.meanReward) > 0)).toBe(true);

    // The run holds its own copy: it resumes with the same model once the export is gone.
    expect(readFileSync(join(dir, 'reward-model-init', 'weights.bin'))).toEqual(readFileSync(join(elsewhere, 'weights.bin')));
    rmSync(elsewhere, { recursive: true });
    const resumed = await Trainer.resume(dir, 600);
    expect(resumed.a2c.steps).toBe(400);
    expect(maxAbsDiff(resumed.rewardModel!.predict(obs, actions, rows, next), expected)).toBeLessThan(1e-5);
    await resumed.train();
    resumed.dispose();
    await expect(exportRewardModel(dir, join(root, 'again'))).rejects.toThrow(/frozen reward model exported before; its copy is in .*reward-model-init/);
  });

  it('fine-tune: a preferences run whose reward model starts from the exported weights and goes on learning', async () => {
    const dir = join(root, 'fine-tune');
    const base = preferenceConfig({ seed: 8, steps: 400, labels: 16 });
    const trainer = await Trainer.create(dir, { ...base, rewardModelInit: { from: exported, mode: 'fine-tune' } });
    const model = trainer.rewardModel!;
    expect(model).toBe(trainer.learner!.model);
    expect(maxAbsDiff(model.predict(obs, actions, rows, next), expected)).toBeLessThan(1e-5);
    await trainer.train();
    expect(model.trainSteps).toBeGreaterThan(0);
    expect(maxAbsDiff(model.predict(obs, actions, rows, next), expected)).toBeGreaterThan(1e-3);
    expect(trainer.learner!.session.labels()).toHaveLength(16);
    trainer.dispose();
  });

  it('refuses an export of another game or other observations, before making the run folder', async () => {
    const breakout = join(root, 'breakout');
    await expect(Trainer.create(breakout, frozen({ env: 'Breakout' }))).rejects.toThrow(/exported\/reward-card\.json: the reward model was trained on Pong; this run plays Breakout/);
    await expect(Trainer.create(breakout, frozen({ maskScore: false }))).rejects.toThrow(/maskScore true in the model, false in this run/);
    expect(existsSync(breakout)).toBe(false);
    await expect(Trainer.create(breakout, frozen({ rewardModelInit: undefined }))).rejects.toThrow(/reward "model" needs an exported reward model/);
    await expect(Trainer.create(breakout, frozen({ rewardModelInit: { from: exported, mode: 'fine-tune' } }))).rejects.toThrow(
      /a fine-tune exported reward model makes a run of reward "preferences", not "model"/,
    );
    await expect(Trainer.create(breakout, frozen({ rewardModelInit: { from: join(root, 'nowhere'), mode: 'frozen' } }))).rejects.toThrow(
      /could not read the reward card .*nowhere\/reward-card\.json/,
    );
  });
});
