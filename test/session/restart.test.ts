import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { VectorEnv } from '../../src/env/vector-env.js';
import { initTf } from '../../src/learning/tf.js';
import { randomPolicyClips } from '../../src/learning/preferences/clips.js';
import { LabelingSession } from '../../src/session/labeling.js';
import { PREFERENCE_DEFAULTS, PreferenceLearner } from '../../src/session/preferences.js';
import { TAMER_DEFAULTS, type TamerConfig } from '../../src/session/tamer.js';
import { effectiveRunConfig, FEEDBACK_ALONE_REWARD_STD, newRunConfig, rewardModelConfigOf, type RunConfig, Trainer, withLegacySettings } from '../../src/session/trainer.js';
import { REWARD_MODEL_DEFAULTS } from '../../src/learning/preferences/reward-model.js';
import { preferenceConfig } from '../export/runs.js';

beforeAll(async () => {
  await initTf();
});

const config = { ...PREFERENCE_DEFAULTS, labels: 40, initialFraction: 0.5, clipLength: 10, pretrainEpochs: 1, rewardModel: { hidden: [8] } };

/** A preference learner of people (no teacher) on the run folder `dir`, as a new process would make it. */
function learner(dir: string): PreferenceLearner {
  return new PreferenceLearner(dir, config, VectorEnv.make('Pong', 2, { maskScore: true }), 10_000, 5, () => 0);
}

/** What a person sees of a pair: the two clips' contents, whatever their ids. */
function contents(l: PreferenceLearner, pairs: { left: string; right: string }[]): string[] {
  const clip = (id: string) => {
    const { id: _id, ...rest } = l.session.clip(id).record;
    return JSON.stringify(rest);
  };
  return pairs.map((p) => [clip(p.left), clip(p.right)].sort().join('|'));
}

describe('preference learner restarted before its first checkpoint (people labelling)', () => {
  it('keeps the answers given and asks only for the rest, on pairs not shown before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pref-restart-'));
    const first = learner(dir);
    await first.prepare(() => true); // asks the initial 20 pairs; nobody answers yet
    expect(first.session.progress().pending).toBe(20);
    const shown: { left: string; right: string }[] = [];
    for (let i = 0; i < 8; i++) {
      const pair = first.session.next('ann')!;
      first.session.answer(pair.pairId, i % 2 === 0 ? 'left' : 'right', 'ann');
      shown.push({ left: pair.left.id, right: pair.right.id });
    }
    const answered = contents(first, shown);
    first.dispose(); // the process dies here: no checkpoint
    const clipLines = readFileSync(join(dir, 'clips.jsonl'), 'utf8');

    const second = learner(dir);
    expect(second.session.labels()).toHaveLength(8);
    await second.prepare(() => true);
    expect(second.session.progress()).toMatchObject({ labels: 8, pending: 12, asked: 20 });
    // Drawn among the clips already stored: none added.
    expect(readFileSync(join(dir, 'clips.jsonl'), 'utf8')).toBe(clipLines);
    const asked: { left: string; right: string }[] = [];
    for (let pair = second.session.next('ann'); pair !== null; pair = second.session.next('ann')) {
      asked.push({ left: pair.left.id, right: pair.right.id });
      second.session.answer(pair.pairId, 'equal', 'ann');
    }
    expect(asked).toHaveLength(12);
    const again = contents(second, asked).filter((c) => answered.includes(c));
    expect(again).toEqual([]);
    second.dispose();
  });

  it('puts a pair whose answer was undone back in the queue when the session is reopened', () => {
    const dir = mkdtempSync(join(tmpdir(), 'undo-restart-'));
    const options = { members: 3, valFraction: 1 / Math.E, maxLabels: 3000, seed: 1, lockMs: 60_000 };
    const session = LabelingSession.open(dir, options);
    const clips = randomPolicyClips(VectorEnv.make('Pong', 2), 4, { length: 10, every: 5, seed: 1 }, () => session.newClipId());
    session.request([
      [clips[0], clips[1]],
      [clips[2], clips[3]],
    ]);
    session.answer('p0', 'left', 'ann');
    session.answer('p1', 'right', 'ann');
    session.undo('ann'); // p1 waits again
    session.answer(session.next('ann')!.pairId, 'equal', 'ann');
    session.undo('ann');

    const reopened = LabelingSession.open(dir, options);
    expect(reopened.progress()).toMatchObject({ labels: 1, pending: 1, asked: 2 });
    const pair = reopened.next('bob')!;
    expect([pair.pairId, pair.left.id, pair.right.id]).toEqual(['p1', clips[2].id, clips[3].id]);
    reopened.answer('p1', 'left', 'bob');
    expect(LabelingSession.open(dir, options).labels().map((l) => [l.pairId, l.answer])).toEqual([
      ['p0', 'left'],
      ['p1', 'left'],
    ]);
  });
});

describe('a run remembers its preference settings', () => {
  it('records every one in config.json, and reads runs that predate a setting with the default they were made under', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pref-config-')), 'run');
    const given = preferenceConfig({ steps: 200, labels: 10 });
    const { initialPolicy: _dropped, ...partial } = given.preferences!;
    const trainer = await Trainer.create(dir, { ...given, preferences: { ...partial, decaySteps: null } as typeof given.preferences });
    expect(trainer.learner!.schedule.config.decaySteps).toBe(67); // a third of 200 steps
    trainer.dispose();
    const path = join(dir, 'config.json');
    const stored = JSON.parse(readFileSync(path, 'utf8'));
    // Not given, so today's default, written down: a later default cannot change what this run does.
    expect(stored.preferences.initialPolicy).toBe(PREFERENCE_DEFAULTS.initialPolicy);
    expect(stored.preferences.decaySteps).toBe(67);
    expect(Object.keys(stored.preferences).sort()).toEqual(Object.keys(PREFERENCE_DEFAULTS).sort());
    // A run from before initialPolicy was recorded drew its first clips uniformly: that is what it resumes
    // with; one from before decaySteps was recorded (null) asked for labels at c = a tenth of its steps.
    delete stored.preferences.initialPolicy;
    stored.preferences.decaySteps = null;
    writeFileSync(path, JSON.stringify(stored));
    const resumed = await Trainer.resume(dir);
    expect(resumed.config.preferences!.initialPolicy).toBe('uniform');
    expect(resumed.learner!.schedule.config.decaySteps).toBe(20);
    resumed.dispose();
  });

  it('compares runs by the settings they train with: new ones as recorded, older ones with what they were made under', () => {
    const given = preferenceConfig({ steps: 200, labels: 10 });
    const both = { ...given, reward: 'preferences+tamer' as const, tamer: { ...TAMER_DEFAULTS, teacher: 'scalar-oracle' as const } };
    for (const c of [given, both]) {
      const recorded = newRunConfig(c);
      expect(effectiveRunConfig(recorded)).toEqual(recorded);
      expect(recorded.preferences!.rewardModel).toEqual(rewardModelConfigOf(recorded)); // in full
    }
    // As a run made before these settings were recorded wrote it.
    const recorded = newRunConfig(both);
    const { agent: _a, maskScore: _m, ...old } = recorded;
    const { episodeEnds: _e, ...a2c } = old.a2c;
    const { initialPolicy: _i, ...prefs } = old.preferences!;
    const { normaliseAllActions: _n, ...tamer } = old.tamer!;
    const legacy = { ...old, a2c, tamer, preferences: { ...prefs, decaySteps: null, rewardModel: { input: 'state' as const, actionDependent: true } } } as RunConfig;
    const effective = effectiveRunConfig(legacy);
    expect(effective).toMatchObject({ agent: 'a2c', maskScore: false, a2c: { episodeEnds: 'shown' } });
    expect(effective.preferences).toMatchObject({ initialPolicy: 'uniform', decaySteps: 20 });
    expect(effective.tamer!.normaliseAllActions).toBe(false);
    expect(effective.preferences!.rewardModel).toMatchObject({ input: 'state', actionDependent: true, statePreferences: false, normaliseAllActions: false, members: 3, rewardStd: 0.05 });
  });

  it('with both channels, records that preferences rate states, that the agent is paid what they rate, and that every action is normalised; runs from before do none', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pref-config-')), 'both');
    const given = preferenceConfig({ steps: 200, labels: 10 });
    const { normaliseAllActions: _, ...tamer } = { ...TAMER_DEFAULTS, teacher: 'scalar-oracle' as const, feedback: 5 };
    // Settings made without it (by hand, or by a script older than it) get today's default too.
    const both = { ...given, reward: 'preferences+tamer' as const, tamer: tamer as TamerConfig };
    const trainer = await Trainer.create(dir, both);
    expect(trainer.rewardModel!.config).toMatchObject({ actionDependent: true, statePreferences: true, stateReward: true, normaliseAllActions: true });
    trainer.dispose();
    const path = join(dir, 'config.json');
    const stored = JSON.parse(readFileSync(path, 'utf8'));
    expect(stored.preferences.rewardModel).toMatchObject({ actionDependent: true, statePreferences: true, stateReward: true });
    expect(stored.tamer.normaliseAllActions).toBe(true);
    delete stored.preferences.rewardModel.statePreferences;
    delete stored.preferences.rewardModel.stateReward;
    delete stored.preferences.rewardModel.normaliseAllActions; // recorded in full since 5 Dec
    delete stored.tamer.normaliseAllActions;
    writeFileSync(path, JSON.stringify(stored));
    const resumed = await Trainer.resume(dir);
    expect(resumed.rewardModel!.config).toMatchObject({ actionDependent: true, statePreferences: false, stateReward: false, normaliseAllActions: false });
    resumed.dispose();
  });

  it("checks the reward net's settings with what live feedback adds: a both-channel run's need not say Ĥ(s, a) itself", () => {
    const given = preferenceConfig({ steps: 200, labels: 10 });
    const both = { ...given, reward: 'preferences+tamer' as const, tamer: { ...TAMER_DEFAULTS, teacher: 'scalar-oracle' as const, feedback: 5 } };
    const paidAction = { ...both, preferences: { ...both.preferences!, rewardModel: { statePreferences: true, stateReward: false } } };
    expect(newRunConfig(paidAction).preferences!.rewardModel).toMatchObject({ actionDependent: true, statePreferences: true, stateReward: false });
    // Without live feedback the same settings do not fit, and the message says why.
    expect(() => newRunConfig({ ...given, preferences: { ...given.preferences!, rewardModel: { stateReward: true } } })).toThrow(/stateReward pays the agent the state's mean over actions: it needs an action-dependent model/);
  });

  it("with live feedback alone, records the reward net's settings in tamer.rewardModel and resumes with them", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tamer-config-')), 'run');
    const { preferences: _p, ...rest } = preferenceConfig({ steps: 200, labels: 10 });
    const given: RunConfig = { ...rest, reward: 'tamer', tamer: { ...TAMER_DEFAULTS, teacher: 'scalar-oracle', feedback: 5 } };
    const recorded = newRunConfig(given);
    expect(recorded.tamer!.rewardModel).toEqual(rewardModelConfigOf(recorded));
    // Ĥ's scale with live feedback alone is a new run's own default; the rest are the reward model's defaults.
    expect(recorded.tamer!.rewardModel).toEqual({ ...REWARD_MODEL_DEFAULTS, actionDependent: true, normaliseAllActions: true, rewardStd: FEEDBACK_ALONE_REWARD_STD });
    expect(FEEDBACK_ALONE_REWARD_STD).not.toBe(REWARD_MODEL_DEFAULTS.rewardStd);
    expect(newRunConfig({ ...given, tamer: { ...given.tamer!, rewardModel: { rewardStd: 1 } } }).tamer!.rewardModel!.rewardStd).toBe(1);
    // The greedy-h agent acts on Ĥ unnormalised: its runs keep the scale of runs made before, and so compare with them.
    expect(newRunConfig({ ...given, agent: 'greedy-h' }).tamer!.rewardModel!.rewardStd).toBe(REWARD_MODEL_DEFAULTS.rewardStd);
    expect(effectiveRunConfig(recorded)).toEqual(recorded);
    // A run made before the settings were recorded reads the defaults it was made under, as it did.
    const { rewardModel: _r, ...legacyTamer } = recorded.tamer!;
    expect(effectiveRunConfig({ ...recorded, tamer: legacyTamer }).tamer!.rewardModel).toEqual({ ...recorded.tamer!.rewardModel, rewardStd: REWARD_MODEL_DEFAULTS.rewardStd });

    const trainer = await Trainer.create(dir, given);
    trainer.checkpoint();
    trainer.dispose();
    const path = join(dir, 'config.json');
    const stored = JSON.parse(readFileSync(path, 'utf8'));
    expect(stored.tamer.rewardModel).toEqual(recorded.tamer!.rewardModel);
    // A checkpoint whose net does not fit the recorded settings names where those are.
    writeFileSync(path, JSON.stringify({ ...stored, tamer: { ...stored.tamer, rewardModel: { ...stored.tamer.rewardModel, hidden: [8] } } }));
    await expect(Trainer.resume(dir)).rejects.toThrow(/does not fit this run's settings .*; the net's settings are tamer\.rewardModel in .*config\.json$/);
    stored.tamer.rewardModel.rewardStd = 0.7; // as a run made under another default would have recorded it
    writeFileSync(path, JSON.stringify(stored));
    const resumed = await Trainer.resume(dir);
    expect(resumed.rewardModel!.config.rewardStd).toBe(0.7);
    resumed.dispose();
    delete stored.tamer.rewardModel; // as a run made before 5 Dec recorded it
    writeFileSync(path, JSON.stringify(stored));
    const legacy = await Trainer.resume(dir);
    expect(legacy.rewardModel!.config.rewardStd).toBe(0.05);
    legacy.dispose();

    // Written down for the run, not left to whatever the reward model's default is when it resumes.
    expect(withLegacySettings({ ...recorded, tamer: legacyTamer }).tamer!.rewardModel).toEqual({ rewardStd: 0.05 });
    // Live feedback fixes what Ĥ is; a copy saying otherwise is refused, not ignored.
    expect(() => newRunConfig({ ...given, tamer: { ...given.tamer!, rewardModel: { actionDependent: false } } })).toThrow(/tamer.rewardModel.actionDependent must be true/);
    expect(() => newRunConfig({ ...given, tamer: { ...given.tamer!, rewardModel: { normaliseAllActions: false } } })).toThrow(
      /tamer.rewardModel.normaliseAllActions is false but tamer.normaliseAllActions is true/,
    );
    // Bad settings name what is wrong; with both channels the net's settings belong to preferences.rewardModel.
    expect(() => newRunConfig({ ...given, tamer: { ...given.tamer!, rewardModel: { members: 0 } } })).toThrow(/members must be a positive integer, got 0/);
    const both = { ...preferenceConfig({ steps: 200, labels: 10 }), reward: 'preferences+tamer' as const, tamer: { ...given.tamer!, rewardModel: { members: 2 } } };
    expect(() => newRunConfig(both)).toThrow(/keeps its reward net's settings in preferences.rewardModel, not tamer.rewardModel/);
  });
});
