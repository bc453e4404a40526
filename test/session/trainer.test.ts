import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { A2C_DEFAULTS } from '../../src/learning/a2c.js';
import { type RunConfig, envOptionsOf, loadCheckpoint, rewardModelConfigOf, Trainer } from '../../src/session/trainer.js';
import { makeEnv } from '../../src/env/index.js';
import { RewardModel } from '../../src/learning/preferences/reward-model.js';
import { maxAbsDiff } from '../export/reference.js';
import { exportRewardModel } from '../../src/export/run-export.js';
import { architectureOf, readExportedRewardModel } from '../../src/export/reward-model.js';
import { exportDataset, importDataset } from '../../src/export/dataset.js';
import { TAMER_DEFAULTS, type TamerConfig } from '../../src/session/tamer.js';
import { preferenceConfig } from '../export/runs.js';

const config = (steps: number): RunConfig => ({
  env: 'Pong',
  obsType: 'ram',
  reward: 'true',
  seed: 3,
  steps,
  a2c: { ...A2C_DEFAULTS, numEnvs: 4 },
  net: { kind: 'mlp', hidden: [16] },
  logEvery: 200,
  checkpointEvery: 400,
});

describe('Trainer', () => {
  it('writes metrics, a checkpoint and a summary, and resumes exactly where it stopped', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'arcade-')), 'run');
    const first = await Trainer.create(dir, config(1000));
    const summary = await first.train();
    expect(summary).toMatchObject({ env: 'Pong', reward: 'true', steps: 1000, seed: 3, backend: expect.any(String) });
    expect(summary.sps).toBeGreaterThan(0);
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.map((m) => m.steps)).toEqual([200, 400, 600, 800, 1000]);
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).steps).toBe(1000);
    const saved = loadCheckpoint(join(dir, 'checkpoints', 'latest.ckpt'));
    expect(saved.meta.state.steps).toBe(1000);

    // Continue to 1600 steps from the checkpoint: weights, optimizer state and envs come back.
    const envState = first.a2c.getState().env;
    first.dispose(); // and with it the run's lock
    const second = await Trainer.resume(dir, 1600);
    expect(second.a2c.steps).toBe(1000);
    expect(second.a2c.net.getWeights().map((w) => Array.from(w))).toEqual(saved.weights.map((w) => Array.from(w)));
    expect(second.a2c.getState().env).toEqual(envState);
    await second.train();
    second.dispose();
    const more = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(more.map((m) => m.steps)).toEqual([200, 400, 600, 800, 1000, 1200, 1400, 1600]);
  });

  it('refuses a folder that already holds a run, and configs it cannot run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arcade-'));
    writeFileSync(join(dir, 'config.json'), '{}');
    await expect(Trainer.create(dir, config(10))).rejects.toThrow(/already holds another run.*--resume/);
    const fresh = join(dir, 'new');
    await expect(Trainer.create(fresh, { ...config(10), env: 'Pongg' })).rejects.toThrow(/unknown env "Pongg"; known: Pong/);
    await expect(Trainer.create(fresh, { ...config(-1) })).rejects.toThrow(/steps must be a positive integer/);
    await expect(Trainer.resume(join(dir, 'missing'))).rejects.toThrow(/not a run folder/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ version: 99 }));
    await expect(Trainer.resume(dir)).rejects.toThrow(/version 99/);
  });
});

describe('Trainer resume after a crash', () => {
  it('drops metrics logged after the last checkpoint, keeps a new target, refuses a lower one and a CNN run without its net', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'arcade-')), 'run');
    const first = await Trainer.create(dir, { ...config(600), checkpointEvery: 400 });
    await first.train();
    // Simulate a crash after the checkpoint at 400: metric lines past it describe lost training.
    const checkpointed = loadCheckpoint(join(dir, 'checkpoints', 'latest.ckpt'));
    expect(checkpointed.meta.state.steps).toBe(600);
    writeFileSync(join(dir, 'metrics.jsonl'), `${readFileSync(join(dir, 'metrics.jsonl'), 'utf8')}{"steps":800}\n`);
    first.dispose();
    const second = await Trainer.resume(dir, 1000);
    const steps = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).steps);
    expect(steps).toEqual([200, 400, 600]);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).steps).toBe(1000);
    await second.train();
    second.dispose();
    // A later resume without --steps keeps the new target.
    const third = await Trainer.resume(dir);
    expect(third.config.steps).toBe(1000);
    expect(third.a2c.steps).toBe(1000);
    third.dispose();
    // A target below the steps trained is refused, and config.json keeps its own.
    await expect(Trainer.resume(dir, 600)).rejects.toThrow(/has trained 1,000 steps: a new target of 600 steps is below them/);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).steps).toBe(1000);
    // A run ends on a whole update (20 steps here), past a target of 990: that target again is no change, and allowed.
    const past = join(dir, '..', 'past');
    const overshot = await Trainer.create(past, config(990));
    expect((await overshot.train()).steps).toBe(1000);
    overshot.dispose();
    (await Trainer.resume(past, 990)).dispose();
    await expect(Trainer.resume(past, 980)).rejects.toThrow(/has trained 1,000 steps: a new target of 980 steps is below them/);

    const fresh = join(dir, '..', 'pixels');
    await expect(Trainer.create(fresh, { ...config(10), obsType: 'pixels', net: { kind: 'mlp' } as never })).rejects.toThrow(/need net/);
    expect(existsSync(fresh)).toBe(false);
  });
});

describe('Trainer with pixels', () => {
  it('trains the Nature CNN on the backend it picked (wasm here, with the filter gradient added)', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'arcade-')), 'pixels');
    const trainer = await Trainer.create(dir, { ...config(40), obsType: 'pixels', net: { kind: 'cnn' }, logEvery: 20 });
    const before = trainer.a2c.net.variables.map((v) => v.dataSync().slice());
    const summary = await trainer.train();
    expect(summary.steps).toBe(40);
    const after = trainer.a2c.net.variables.map((v) => v.dataSync());
    // Two updates moved every layer, the three convolutions' filters first among them, by finite amounts.
    for (let i = 0; i < before.length; i++) {
      expect(after[i].every(Number.isFinite)).toBe(true);
      expect(after[i].some((x, j) => x !== before[i][j])).toBe(true);
    }
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.map((m) => m.steps)).toEqual([20, 40]);
    for (const m of metrics) expect(Number.isFinite(m.policyLoss) && Number.isFinite(m.valueLoss)).toBe(true);
    trainer.dispose();
  });
});

describe('Trainer learning a reward from preferences on pixels', () => {
  it('trains the convolutional reward model on pixel clips, records its layers, exports it and starts runs from the export', async () => {
    const root = mkdtempSync(join(tmpdir(), 'arcade-'));
    const dir = join(root, 'pixels-pref');
    const given = preferenceConfig({ steps: 400, labels: 12 });
    const pixels: RunConfig = {
      ...given,
      obsType: 'pixels',
      net: { kind: 'cnn' },
      preferences: { ...given.preferences!, pretrainEpochs: 5, rewardModel: { batchSize: 4 } },
    };
    const trainer = await Trainer.create(dir, pixels);
    const model = trainer.learner!.model;
    expect(model.image).toEqual([84, 84, 4]);
    const before = model.variables.map((v) => v.dataSync().slice());
    const summary = await trainer.train();
    expect(summary.steps).toBe(400);
    expect(summary.labelsUsed).toBeGreaterThanOrEqual(7);
    // Every kernel of the three members moved (the 7x7 stride-3 convolution of the frames first), by finite
    // amounts. (The output bias need not: a preference compares sums over equally long clips, where it cancels.)
    expect(model.trainSteps).toBeGreaterThan(0);
    model.variables.forEach((v, i) => {
      const after = v.dataSync();
      expect(after.every(Number.isFinite)).toBe(true);
      if (v.rank > 1) expect(after.some((x, j) => x !== before[i][j])).toBe(true);
    });
    const recorded = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).preferences.rewardModel;
    expect(recorded).toMatchObject({ hidden: [64], conv: [[7, 3, 16], [5, 2, 16], [3, 1, 16], [3, 1, 16]], input: 'state' });
    expect(loadCheckpoint(join(dir, 'checkpoints', 'latest.ckpt')).rewardModel?.weights).toHaveLength(model.variables.length);
    trainer.dispose();

    // Exported, and a run started from the export (frozen or fine-tuned) rewards real observations as it did.
    const { card } = await exportRewardModel(dir, join(root, 'export'));
    expect(card.model).toMatchObject({ kind: 'cnn-ensemble', conv: [[7, 3, 16], [5, 2, 16], [3, 1, 16], [3, 1, 16]], hidden: [64] });
    const env = makeEnv('Pong', envOptionsOf(pixels));
    const steps = 8;
    const obs = new Float32Array(steps * model.obsSize);
    env.reset({ seed: 3 });
    const actions = Int32Array.from({ length: steps }, (_, i) => i % 6);
    actions.forEach((a, i) => {
      env.writeObs(obs, i * model.obsSize);
      env.step(a);
    });
    const source = new RewardModel([84, 84, 4], 6, rewardModelConfigOf(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))), 0);
    source.setState(loadCheckpoint(join(dir, 'checkpoints', 'latest.ckpt')).rewardModel!);
    const expected = source.predict(obs, actions, steps);
    expect(Math.max(...expected.map(Math.abs))).toBeGreaterThan(1e-4);
    source.dispose();
    const frozen = await Trainer.create(join(root, 'frozen'), { ...pixels, reward: 'model', preferences: undefined, steps: 40, rewardModelInit: { from: join(root, 'export'), mode: 'frozen' } });
    expect(maxAbsDiff(frozen.rewardModel!.predict(obs, actions, steps), expected)).toBeLessThan(1e-5);
    expect((await frozen.train()).steps).toBe(40);
    frozen.dispose();
    const fineTune = await Trainer.create(join(root, 'fine-tune'), { ...pixels, rewardModelInit: { from: join(root, 'export'), mode: 'fine-tune' } });
    expect(maxAbsDiff(fineTune.learner!.model.predict(obs, actions, steps), expected)).toBeLessThan(1e-5);
    fineTune.dispose();
  }, 120_000); // a pixel reward model on wasm: 21-32 s on the 2-core build machine with two training jobs beside it

  /** Deep TAMER's agent on Pong's pixels, Ĥ a small CNN, for `steps` live steps. */
  const small = { hidden: [8], conv: [[8, 4, 4], [4, 2, 4]] as [number, number, number][] };
  const pixelTamer = (steps: number, tamer: Partial<TamerConfig>, o: Partial<RunConfig> = {}): RunConfig => ({
    ...config(steps),
    obsType: 'pixels',
    net: { kind: 'cnn' },
    reward: 'tamer',
    agent: 'greedy-h',
    maskScore: true,
    tamer: { ...TAMER_DEFAULTS, rewardModel: small, ...tamer },
    ...o,
  });

  it("learns Ĥ from live presses on pixels (Deep TAMER's setting) with its agent greedy on it, and exports and imports the presses", async () => {
    const root = mkdtempSync(join(tmpdir(), 'arcade-'));
    const run = (name: string, feedback: number): Promise<Trainer> => Trainer.create(join(root, name), pixelTamer(600, { teacher: 'scalar-oracle', feedback }));
    // Pong's scalar oracle presses when a point is scored: within 600 live steps it has.
    const trainer = await run('greedy', 5);
    await trainer.train();
    expect(JSON.parse(readFileSync(join(root, 'greedy', 'config.json'), 'utf8')).tamer.rewardModel).toMatchObject(small);
    const presses = readFileSync(join(root, 'greedy', 'feedback.jsonl'), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l));
    expect(presses.length).toBeGreaterThan(0);
    expect(presses.every((p) => typeof p.frames === 'string' && p.credits.every((c: { frame?: number }) => Number.isInteger(c.frame)))).toBe(true);
    expect(trainer.feedback!.model.feedbackSteps).toBeGreaterThan(0);
    expect(trainer.feedback!.model.image).toEqual([84, 84, 4]);
    trainer.dispose();
    // The presses travel with their frames: exported, and imported into another pixel run.
    const file = join(root, 'presses.jsonl');
    expect(exportDataset(join(root, 'greedy'), file).feedback).toBe(presses.length);
    // A press whose frames are not a stack of this run's steps is not exported for another run to import.
    const corrupt = join(root, 'corrupt');
    cpSync(join(root, 'greedy'), corrupt, { recursive: true });
    const bent = { ...presses[0], credits: presses[0].credits.map((c: { frame: number }, i: number) => (i === 0 ? { ...c, frame: 9999 } : c)) };
    const pressLines = readFileSync(join(corrupt, 'feedback.jsonl'), 'utf8').split('\n');
    pressLines[1] = JSON.stringify(bent);
    writeFileSync(join(corrupt, 'feedback.jsonl'), pressLines.join('\n'));
    const corruptFile = join(root, 'corrupt.jsonl');
    expect(() => exportDataset(corrupt, corruptFile)).toThrow(/feedback\.jsonl:2: press 1 does not hold steps of what run .*corrupt observes \(pixels\): credit 0's frame 9999 does not start a stack of 4 among the event's \d+ frames/);
    expect(existsSync(corruptFile)).toBe(false);
    (await run('other', 1)).dispose();
    expect(importDataset(file, join(root, 'other')).feedbackImported).toBe(presses.length);
    const reopened = await Trainer.resume(join(root, 'other'));
    expect(reopened.feedback!.replay.size).toBe(presses.reduce((n, p) => n + p.credits.length, 0));
    reopened.dispose();
  });

  it("pretrains Deep TAMER's encoder on random frames, then keeps it frozen under Ĥ while the presses train the heads", async () => {
    const root = mkdtempSync(join(tmpdir(), 'arcade-'));
    const dir = join(root, 'encoder');
    const trainer = await Trainer.create(dir, pixelTamer(600, { teacher: 'scalar-oracle', feedback: 5, pretrainEncoder: { frames: 96, epochs: 3 } }));
    const model = trainer.rewardModel!;
    expect(model.config.frozenEncoder).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).tamer.rewardModel.frozenEncoder).toBe(true);
    const { reconstructionLoss } = JSON.parse(readFileSync(join(dir, 'encoder.json'), 'utf8'));
    expect(reconstructionLoss).toHaveLength(3);
    expect(reconstructionLoss[2]).toBeLessThan(reconstructionLoss[0]);
    // One encoder under every member's head, checkpointed before the first press.
    const convs = (m: number) => model.encoder(m).flatMap(({ w, b }) => [Array.from(w.dataSync()), Array.from(b.dataSync())]);
    expect(convs(1)).toEqual(convs(0));
    expect(convs(2)).toEqual(convs(0));
    const pretrained = convs(0);
    expect(loadCheckpoint(join(dir, 'checkpoints', 'latest.ckpt')).meta.state.steps).toBe(0);
    const dense = model.memberWeights()[0].layers.map((l) => Array.from(l.kernel));
    await trainer.train();
    expect(model.feedbackSteps).toBeGreaterThan(0);
    expect(convs(0)).toEqual(pretrained);
    expect(model.memberWeights()[0].layers.map((l) => Array.from(l.kernel))).not.toEqual(dense);
    trainer.dispose();
    // The export's card says the encoder was frozen, and a run that fine-tunes it keeps it so.
    const { card } = await exportRewardModel(dir, join(root, 'export'));
    expect(card.model.frozenEncoder).toBe(true);
    expect(architectureOf(readExportedRewardModel(join(root, 'export')).card).frozenEncoder).toBe(true);
    await expect(Trainer.create(join(root, 'ram'), { ...config(100), reward: 'tamer', tamer: { ...TAMER_DEFAULTS, teacher: 'scalar-oracle', pretrainEncoder: { frames: 10, epochs: 1 } } })).rejects.toThrow(
      /pretraining an encoder \(Deep TAMER's autoencoder\) is for pixel runs with live feedback alone \(--obs pixels --reward tamer\), not ram/,
    );
  });

  it('lets an expert trained on ram judge a pixel run of its game, by the ram of the live env', async () => {
    const root = mkdtempSync(join(tmpdir(), 'arcade-'));
    const expert = join(root, 'expert');
    const truth = await Trainer.create(expert, { ...config(400), maskScore: false });
    await truth.train();
    truth.dispose();
    const pixelRun = (o: Partial<RunConfig>) => pixelTamer(300, { teacher: 'scalar-policy', expert, feedback: 20 }, o);
    const trainer = await Trainer.create(join(root, 'judged'), pixelRun({}));
    await trainer.train();
    // scalar-policy reacts to about one step in ten, judging it by the expert's policy on the game's ram.
    expect(trainer.feedback!.feedbackUsed).toBeGreaterThan(0);
    trainer.dispose();
    // Another game's expert cannot judge, and nothing is made.
    const other = join(root, 'breakout');
    await expect(Trainer.create(other, pixelRun({ env: 'Breakout' }))).rejects.toThrow(/the expert .* plays Pong \(ram, maskScore false\); this run plays Breakout \(pixels, maskScore true\)/);
    expect(existsSync(other)).toBe(false);
  });
});

describe('Trainer stops when asked from the event loop (Ctrl-C, the host)', () => {
  // Training's own awaits resolve at once on wasm: unless it gives the event loop turns, a timer (or a signal)
  // set to stop it fires only after the last step.
  it("between A2C updates: a timer's stop ends the run early, with a checkpoint", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'arcade-')), 'run');
    const trainer = await Trainer.create(dir, { ...config(50_000_000), logEvery: 1_000_000, checkpointEvery: 10_000_000 });
    setTimeout(() => trainer.stop(), 300);
    const summary = await trainer.train();
    expect(summary.steps).toBeGreaterThan(0);
    expect(summary.steps).toBeLessThan(50_000_000);
    expect(loadCheckpoint(join(dir, 'checkpoints', 'latest.ckpt')).meta.state.steps).toBe(summary.steps);
    expect(existsSync(join(dir, 'summary.json'))).toBe(false);
    trainer.dispose();
  });

  it("during the reward model's pretraining: it stops part of the way through", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'arcade-')), 'run');
    const given = preferenceConfig({ steps: 1000, labels: 40 });
    const epochs = 100_000;
    const trainer = await Trainer.create(dir, { ...given, preferences: { ...given.preferences!, pretrainEpochs: epochs } });
    setTimeout(() => trainer.stop(), 1000);
    const summary = await trainer.train();
    expect(summary.steps).toBe(0);
    // Run to the end, pretraining takes at least one step an epoch.
    const steps = trainer.learner!.metrics().rewardModelSteps;
    expect(steps).toBeGreaterThan(0);
    expect(steps).toBeLessThan(epochs);
    trainer.dispose();
  });
});
