import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRewardCard } from '../../src/export/card.js';
import { exportRewardModel } from '../../src/export/run-export.js';
import { RunService } from '../../src/host/service.js';
import { LabelScreen } from '../../src/learning/preferences/screen.js';
import { A2C_DEFAULTS } from '../../src/learning/a2c.js';
import { agreementByLabeler, PREFERENCE_DEFAULTS, resolvePreferenceConfig } from '../../src/session/preferences.js';
import { loadCheckpoint, type RunConfig, Trainer } from '../../src/session/trainer.js';

const config = (steps: number, labels: number): RunConfig => ({
  env: 'Pong',
  obsType: 'ram',
  reward: 'preferences',
  seed: 2,
  steps,
  a2c: { ...A2C_DEFAULTS, numEnvs: 8 },
  net: { kind: 'mlp', hidden: [32] },
  logEvery: 5000,
  checkpointEvery: 10_000,
  maskScore: true,
  preferences: {
    ...PREFERENCE_DEFAULTS,
    teacher: 'oracle',
    labels,
    initialFraction: 0.8,
    pretrainEpochs: 100,
    clipLength: 20,
    evalEvery: 5000,
    rewardUpdateEvery: 200,
    rewardModel: { batchSize: 16, lr: 1e-3 },
  },
});

describe('preference run, end to end (oracle teacher, small budget)', () => {
  it('asks for labels, learns a reward model clearly better than chance, and logs it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pref-')), 'run');
    const trainer = await Trainer.create(dir, config(20_000, 120));
    const summary = await trainer.train();
    trainer.dispose();
    expect(summary.labelsUsed).toBe(120);
    expect(summary.rewardModelValAccuracy).toBeGreaterThan(0.75);
    expect(summary.predTrueCorrelation).toBeGreaterThan(0.4);
    const labels = readFileSync(join(dir, 'labels.jsonl'), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l));
    expect(labels).toHaveLength(120);
    expect(labels.every((l) => l.labeler === 'teacher:oracle')).toBe(true);
    // The first 96 (80%) come before RL (step 0), the rest during it.
    expect(labels.filter((l) => l.step === 0)).toHaveLength(96);
    expect(labels.at(-1).step).toBeGreaterThan(0);
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.at(-1)).toMatchObject({ labelsUsed: 120, rewardModelValAccuracy: expect.any(Number) });
    // The agent was trained on the learned reward: normalised, not the game's score.
    expect(Math.abs(metrics.at(-1).meanReward)).toBeLessThan(0.2);
    const ckpt = loadCheckpoint(join(dir, 'checkpoints', 'latest.ckpt'));
    expect(ckpt.preferences?.pretrained).toBe(true);
    expect(ckpt.rewardModel?.trainSteps).toBeGreaterThan(100);
  });

  it('screens out labels the ensemble thinks wrong (a teacher flipping 30%), checkpoints the screen and resumes with it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pref-')), 'run');
    const base = config(20_000, 120);
    const trainer = await Trainer.create(dir, { ...base, preferences: { ...base.preferences!, teacher: 'mistake', teacherParams: { epsilon: 0.3 }, screenLabels: true } });
    await trainer.train();
    trainer.dispose();
    const last = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).at(-1);
    expect(last.labelsDistrusted).toBeGreaterThan(0);
    expect(last.labelsAgainstScore).toBeGreaterThan(0);
    const ckpt = loadCheckpoint(join(dir, 'checkpoints', 'latest.ckpt'));
    const screen = ckpt.preferences!.screen!;
    expect(screen.screenings).toBeGreaterThanOrEqual(100); // one a pretraining epoch, then one an evaluation
    expect(screen.distrusted).toHaveLength(last.labelsDistrusted);
    // What it leaves out is mostly what the teacher got wrong: far above the share of wrong answers among all.
    const resumed = await Trainer.resume(dir);
    const data = resumed.learner!.session.dataset;
    const trainLabels = data.train.length;
    expect(last.distrustedAgainstScore / last.labelsDistrusted).toBeGreaterThan((1.5 * last.labelsAgainstScore) / trainLabels);
    // Resumed, the same labels stay out of training.
    expect(data.trainable.map((c) => c.pairId).sort()).toEqual(data.train.map((c) => c.pairId).filter((id) => !screen.distrusted.includes(id)).sort());
    expect(data.trainable.length).toBe(trainLabels - screen.distrusted.length);
    resumed.dispose();
    // The exported model's card names the labels the screen left out; a run without the screen has none.
    const { card } = await exportRewardModel(dir, join(dir, '..', 'export'));
    expect(card.labels.screened!.leftOut).toBe(screen.distrusted.length);
    expect([...card.labels.screened!.pairIds].sort()).toEqual([...screen.distrusted].sort());
    expect(readRewardCard(join(dir, '..', 'export', 'reward-card.json')).labels.screened).toEqual(card.labels.screened);

    // Opened in the app, the History view's list marks exactly those labels. A person who changes one, or keeps
    // it (the same answer), has given it a second look: it is trained on again, and the screen trusts it.
    const service = new RunService(join(dir, '..'), () => {});
    let kept: string;
    let changed: string;
    let withdrawn: string;
    try {
      await service.call('openRun', { name: 'run' }, 'alice');
      const history = await service.call('history', undefined, 'alice');
      expect(history.filter((l) => l.screenedOut === true).map((l) => l.pairId).sort()).toEqual([...screen.distrusted].sort());
      expect(history.filter((l) => l.screenedOut !== true).every((l) => !('screenedOut' in l) && !('reviewed' in l))).toBe(true);
      expect((await service.call('progress', undefined, 'alice'))!.preferences!.screenedOut).toBe(screen.distrusted.length);
      const [a, b, c, d] = history.filter((l) => l.screenedOut === true);
      expect(d).toBeDefined();
      [kept, changed, withdrawn] = [a.pairId, b.pairId, d.pairId];
      expect(await service.call('change', { pairId: kept, answer: a.answer }, 'alice')).toEqual({ ...a, labeler: 'alice', time: expect.any(String), reviewed: true, screenedOut: undefined });
      const flipped = b.answer === 'left' ? 'right' : 'left';
      expect(await service.call('change', { pairId: changed, answer: flipped }, 'alice')).toMatchObject({ pairId: changed, answer: flipped, reviewed: true });
      // Made "can't tell", a label is no longer in training, so neither marked nor reviewed.
      expect(await service.call('change', { pairId: c.pairId, answer: 'cant-tell' }, 'alice')).not.toHaveProperty('screenedOut');
      // A Keep by mistake is withdrawn: the answer stays, and is left out again (the screen still distrusts it).
      expect(await service.call('change', { pairId: d.pairId, answer: d.answer }, 'bob')).toMatchObject({ reviewed: true });
      expect(await service.call('unreview', { pairId: d.pairId }, 'bob')).toEqual({ ...d, labeler: 'bob', time: expect.any(String), screenedOut: true });
      await expect(service.call('unreview', { pairId: d.pairId }, 'bob')).rejects.toThrow(`pair ${d.pairId}'s answer was not reviewed: there is no review to withdraw`);
      await expect(service.call('unreview', { pairId: 'p99999' }, 'bob')).rejects.toThrow('pair "p99999" has no answer to withdraw a review of');
      const after = await service.call('history', undefined, 'alice');
      expect(after.find((l) => l.pairId === d.pairId)).toMatchObject({ screenedOut: true, answer: d.answer });
      expect(after.find((l) => l.pairId === d.pairId)).not.toHaveProperty('reviewed');
      expect(after.filter((l) => l.screenedOut === true)).toHaveLength(screen.distrusted.length - 3);
      expect((await service.call('progress', undefined, 'alice'))!.preferences!.screenedOut).toBe(screen.distrusted.length - 3);
    } finally {
      await service.close();
    }
    // Exported now, the card no longer counts them, nor the one made "can't tell".
    const { card: after } = await exportRewardModel(dir, join(dir, '..', 'export-reviewed'));
    expect(after.labels.screened!.leftOut).toBe(screen.distrusted.length - 3);
    expect(after.labels.screened!.pairIds).not.toContain(kept!);
    // Resumed (from labels.jsonl), the reviewed answers stay in training, and a new screening never leaves them out.
    const again = await Trainer.resume(dir);
    try {
      const d = again.learner!.session.dataset;
      expect(d.trainable.map((x) => x.pairId)).toEqual(expect.arrayContaining([kept!, changed!]));
      expect(d.isReviewed(withdrawn!)).toBe(false);
      expect(d.isDistrusted(withdrawn!)).toBe(true);
      const rescreen = new LabelScreen(1);
      rescreen.setState({ ...screen, screenings: 1000 }); // past pretraining: β = 1
      // The kept answer's loss is still above the threshold: only the review keeps it in.
      const keptLoss = again.learner!.model.labelLosses(d.train.filter((x) => x.pairId === kept!))[0];
      expect(keptLoss).toBeGreaterThan(rescreen.threshold);
      rescreen.screenDataset(again.learner!.model, d);
      expect(rescreen.distrusted.has(kept!) || rescreen.distrusted.has(changed!)).toBe(false);
    } finally {
      again.dispose();
    }
  });

  it("renormalises on the first labels' clips with normaliseOn initial, on the agent's latest play by default", async () => {
    // No reward-model minibatches during RL, so both runs keep their pretrained weights and differ only in
    // what their evaluations during RL normalise on.
    const stds = async (normaliseOn: 'recent' | 'initial') => {
      const dir = join(mkdtempSync(join(tmpdir(), 'pref-')), 'run');
      const base = config(6000, 60);
      const trainer = await Trainer.create(dir, { ...base, preferences: { ...base.preferences!, evalEvery: 1000, rewardUpdateEvery: 1e9, normaliseOn } });
      try {
        await trainer.train();
        const learner = trainer.learner!;
        const first = learner.session.storedClips(0);
        expect(first.length).toBeGreaterThan(20);
        // Each member's reward over the steps of the first clips: its standard deviation, as normalised.
        return learner.model.clipRawRewards(first).map((raw, m) => {
          const r = Array.from(raw, (x) => (x - learner.model.shift[m]) * learner.model.scale[m]);
          const mean = r.reduce((a, b) => a + b, 0) / r.length;
          return Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / r.length);
        });
      } finally {
        trainer.dispose();
        // The exported model's card says what it was normalised on.
        const { card } = await exportRewardModel(dir, join(dir, '..', 'export'));
        expect(card.normalisation.meaning).toMatch(normaliseOn === 'initial' ? /over the steps of the first labels' clips/ : /over the agent's recent steps/);
      }
    };
    const initial = await stds('initial');
    for (const s of initial) expect(s).toBeCloseTo(0.05, 6);
    // On the agent's own clips the first clips' spread is something else.
    const recent = await stds('recent');
    for (const s of recent) expect(Math.abs(s - 0.05)).toBeGreaterThan(1e-4);
  });

  it('rejects bad preference settings, naming them', () => {
    expect(() => resolvePreferenceConfig({ labels: 0 })).toThrow(/labels must be a positive integer/);
    expect(() => resolvePreferenceConfig({ teacher: 'sage' as never })).toThrow(/teacher must be null \(people label\) or one of oracle/);
    expect(() => resolvePreferenceConfig({ teacher: 'mistake', teacherParams: { epsilon: 0.9 } })).toThrow(/epsilon \(mistake probability\) must be in \[0, 0.5\]/);
    expect(() => resolvePreferenceConfig({ selection: 'entropy' as never })).toThrow(/selection must be uniform or disagreement/);
    expect(() => resolvePreferenceConfig({ labelz: 3 } as never)).toThrow(/unknown preference setting "labelz"/);
    expect(() => resolvePreferenceConfig({ screenLabels: 'yes' as never })).toThrow(/preference setting screenLabels must be true or false, got "yes"/);
    expect(() => resolvePreferenceConfig({ normaliseOn: 'pool' as never })).toThrow(/preference setting normaliseOn must be recent or initial, got "pool"/);
  });
});

describe('agreement per labeler', () => {
  it("groups the held-out verdicts by who gave each label, most answers first, and leaves out labels not held out", () => {
    const labels = ['ann', 'bob', 'ann', 'bob', 'ann', 'cy', 'bob'].map((labeler, i) => ({ pairId: `p${i}`, labeler }));
    const verdicts = new Map([['p0', true], ['p1', false], ['p2', true], ['p3', true], ['p4', false], ['p6', false]]);
    expect(agreementByLabeler(labels, verdicts)).toEqual([
      { labeler: 'ann', heldOut: 3, agreement: 2 / 3 },
      { labeler: 'bob', heldOut: 3, agreement: 1 / 3 },
    ]);
    expect(agreementByLabeler(labels, new Map())).toEqual([]);
  });
});
