import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportDataset, importDataset } from '../../src/export/dataset.js';
import { initTf } from '../../src/learning/tf.js';
import { LabelingSession } from '../../src/session/labeling.js';
import { TAMER_DEFAULTS } from '../../src/session/tamer.js';
import { Trainer } from '../../src/session/trainer.js';
import { preferenceConfig, trainRun } from './runs.js';

const root = mkdtempSync(join(tmpdir(), 'dataset-'));
const source = join(root, 'source');

beforeAll(async () => {
  await initTf();
  await trainRun(source, preferenceConfig({ seed: 3 }));
}, 60_000);

const records = (path: string) => readFileSync(path, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l));

/** A run with its own labels (trained a little), to import into. */
async function target(name: string, o: Parameters<typeof preferenceConfig>[0] = {}): Promise<string> {
  const dir = join(root, name);
  await trainRun(dir, preferenceConfig({ seed: 4, steps: 200, labels: 10, ...o }));
  return dir;
}

/** The labels of a dataset, without the ids a run gave them: what must survive export and import. */
function labelContents(file: string) {
  const rows = records(file);
  const clips = new Map(rows.filter((r) => r.type === 'clip').map((r) => [r.id, r]));
  const clip = (id: string) => {
    const { id: _id, type: _t, ...rest } = clips.get(id);
    return rest;
  };
  return rows
    .filter((r) => r.type === 'label')
    .map((l) => ({ answer: l.answer, labeler: l.labeler, time: l.time, step: l.step, origin: l.origin, left: clip(l.left), right: clip(l.right) }));
}

describe('preference dataset export and import', () => {
  it('exports the labels in effect with their clips, who gave them and when', () => {
    const file = join(root, 'source.jsonl');
    const r = exportDataset(source, file);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const header = JSON.parse(lines[0]);
    const runId = JSON.parse(readFileSync(join(source, 'config.json'), 'utf8')).id;
    expect(header).toMatchObject({ format: 'rlhf-arcade/preference-dataset', version: 2, source: { runId, env: 'Pong', options: { maskScore: true, obsType: 'ram' } } });
    const labels = records(join(source, 'labels.jsonl'));
    expect(r.labels).toBe(labels.length);
    const exported = records(file);
    const exportedLabels = exported.filter((x) => x.type === 'label');
    expect(exportedLabels.map((l) => [l.pairId, l.answer, l.labeler, l.time])).toEqual(labels.map((l) => [l.pairId, l.answer, l.labeler, l.time]));
    expect(exportedLabels.every((l) => l.origin === `${runId}/${l.pairId}`)).toBe(true);
    // Every clip comes before the first label that names it, once.
    const seen = new Set<string>();
    for (const x of exported) {
      if (x.type === 'clip') {
        expect(seen.has(x.id)).toBe(false);
        seen.add(x.id);
      } else {
        expect(seen.has(x.left) && seen.has(x.right)).toBe(true);
      }
    }
    expect(r.clips).toBe(seen.size);
    expect(() => exportDataset(source, file)).toThrow(/already exists.*nothing is overwritten/);
  });

  it('imports into another run under new ids, appending only, and importing again changes nothing', async () => {
    const file = join(root, 'round-trip.jsonl');
    exportDataset(source, file);
    const dir = await target('target');
    const labelsPath = join(dir, 'labels.jsonl');
    const clipsPath = join(dir, 'clips.jsonl');
    const [labelsBefore, clipsBefore] = [readFileSync(labelsPath, 'utf8'), readFileSync(clipsPath, 'utf8')];
    const own = records(labelsPath);
    expect(own.length).toBeGreaterThan(0);

    const first = importDataset(file, dir);
    const sourceLabels = records(join(source, 'labels.jsonl'));
    expect(first).toMatchObject({ imported: sourceLabels.length, skipped: 0 });
    // Appended: what the run had is untouched, byte for byte.
    expect(readFileSync(labelsPath, 'utf8').startsWith(labelsBefore)).toBe(true);
    expect(readFileSync(clipsPath, 'utf8').startsWith(clipsBefore)).toBe(true);
    const labels = records(labelsPath);
    const clips = records(clipsPath);
    expect(new Set(labels.map((l) => l.pairId)).size).toBe(labels.length);
    expect(new Set(clips.map((c) => c.id)).size).toBe(clips.length);
    expect(first.clips).toBe(records(file).filter((r) => r.type === 'clip').length);
    expect(clips.length).toBe(clipsBefore.trim().split('\n').length - 1 + first.clips);

    const after = [readFileSync(labelsPath, 'utf8'), readFileSync(clipsPath, 'utf8')];
    expect(importDataset(file, dir)).toEqual({ imported: 0, skipped: sourceLabels.length, reviewsCompleted: 0, clips: 0, feedbackImported: 0, feedbackSkipped: 0 });
    expect([readFileSync(labelsPath, 'utf8'), readFileSync(clipsPath, 'utf8')]).toEqual(after);

    // Round trip: the target's export holds the same labels on the same clips (under its own ids).
    const back = join(root, 'back.jsonl');
    exportDataset(dir, back);
    const original = labelContents(file);
    const imported = labelContents(back).filter((l) => original.some((o) => o.origin === l.origin));
    expect(imported).toEqual(original);
    // Importing the target's export into the source adds only the target's own labels, once.
    const sourceBefore = records(join(source, 'labels.jsonl')).length;
    expect(importDataset(back, source)).toMatchObject({ imported: own.length, skipped: sourceLabels.length });
    expect(importDataset(back, source)).toMatchObject({ imported: 0 });
    expect(records(join(source, 'labels.jsonl'))).toHaveLength(sourceBefore + own.length);

    // The run's labeling session takes them all: re-simulated clips, in its dataset.
    const session = LabelingSession.open(dir, { members: 3, valFraction: 1 / Math.E, maxLabels: 3000, seed: 4, lockMs: 1000 });
    expect(session.labels()).toHaveLength(own.length + sourceLabels.length);
    expect(session.newClipId()).toBe(`c${clips.length}`);
  });

  it("carries a person's second look (a change from the history) through export and import", async () => {
    const from = await target('reviewed-from');
    const opts = { members: 3, valFraction: 1 / Math.E, maxLabels: 3000, seed: 4, lockMs: 1000 };
    const [kept, changed, untouched] = LabelingSession.open(from, opts).labels();
    const s = LabelingSession.open(from, opts);
    s.change(kept.pairId, kept.answer, 'ann');
    s.change(changed.pairId, changed.answer === 'left' ? 'right' : 'left', 'ann');
    const file = join(root, 'reviewed.jsonl');
    exportDataset(from, file);
    const exported = records(file).filter((r) => r.type === 'label');
    expect(exported.filter((l) => l.reviewed === true).map((l) => l.pairId)).toEqual([kept.pairId, changed.pairId]);
    expect(exported.find((l) => l.pairId === untouched.pairId)).not.toHaveProperty('reviewed');

    const into = await target('reviewed-into', { seed: 6 });
    importDataset(file, into);
    const session = LabelingSession.open(into, opts);
    const byOrigin = new Map(session.labels().map((l) => [l.origin, l.pairId]));
    const runId = JSON.parse(readFileSync(join(from, 'config.json'), 'utf8')).id;
    const reviewedThere = (id: string) => session.dataset.isReviewed(byOrigin.get(`${runId}/${id}`)!);
    expect([reviewedThere(kept.pairId), reviewedThere(changed.pairId), reviewedThere(untouched.pairId)]).toEqual([true, true, false]);

    // An import cut between a label and its review (here: the file without its reviews, imported first) is
    // completed by importing again; a label changed in the run since keeps the run's own answer.
    const cut = join(root, 'reviewed-cut.jsonl');
    writeFileSync(cut, readFileSync(file, 'utf8').replaceAll(',"reviewed":true', ''));
    expect(records(cut).some((r) => 'reviewed' in r)).toBe(false);
    const resumed = await target('reviewed-resumed', { seed: 7 });
    expect(importDataset(cut, resumed)).toMatchObject({ imported: exported.length, reviewsCompleted: 0 });
    const there = new Map(LabelingSession.open(resumed, opts).labels().map((l) => [l.origin, l]));
    LabelingSession.open(resumed, opts).change(there.get(`${runId}/${changed.pairId}`)!.pairId, 'equal', 'bob');
    expect(importDataset(file, resumed)).toMatchObject({ imported: 0, skipped: exported.length, reviewsCompleted: 1 });
    expect(importDataset(file, resumed)).toMatchObject({ imported: 0, reviewsCompleted: 0 });
    const completed = LabelingSession.open(resumed, opts);
    const at = (id: string) => there.get(`${runId}/${id}`)!.pairId;
    expect([completed.dataset.isReviewed(at(kept.pairId)), completed.dataset.isReviewed(at(untouched.pairId))]).toEqual([true, false]);
    expect(completed.labels().find((l) => l.pairId === at(changed.pairId))).toMatchObject({ answer: 'equal', labeler: 'bob' });
    expect(records(join(resumed, 'labels.jsonl')).at(-1)).toMatchObject({ type: 'change', pairId: at(kept.pairId), answer: kept.answer });

    const bad = join(root, 'reviewed-bad.jsonl');
    writeFileSync(bad, readFileSync(file, 'utf8').replace('"reviewed":true', '"reviewed":"yes"'));
    expect(() => importDataset(bad, into)).toThrow(/reviewed must be true when present, got "yes"/);
  });

  it('refuses a dataset of another game or other env options, and a run that learns no reward from labels', async () => {
    const file = join(root, 'refuse.jsonl');
    exportDataset(source, file);
    const breakout = await target('breakout', { env: 'Breakout' });
    const unmasked = await target('unmasked', { maskScore: false });
    const before = [breakout, unmasked].map((d) => readFileSync(join(d, 'labels.jsonl'), 'utf8'));
    expect(() => importDataset(file, breakout)).toThrow(/refuse\.jsonl holds labels on Pong clips; run .*breakout plays Breakout/);
    expect(() => importDataset(file, unmasked)).toThrow(/other env options.*maskScore true in .*refuse\.jsonl, false in run .*unmasked/);
    expect([breakout, unmasked].map((d) => readFileSync(join(d, 'labels.jsonl'), 'utf8'))).toEqual(before);

    const scored = join(root, 'scored');
    (await Trainer.create(scored, { ...preferenceConfig(), reward: 'true', preferences: undefined })).dispose();
    expect(() => importDataset(file, scored)).toThrow(/learns no reward from preferences \(reward "true"\)/);
    expect(() => exportDataset(scored, join(root, 'from-scored.jsonl'))).toThrow(/learns from neither clip labels nor live feedback \(reward "true"\): it has no labels or presses to export/);
    expect(existsSync(join(root, 'from-scored.jsonl'))).toBe(false);
    expect(existsSync(join(scored, 'labels.jsonl'))).toBe(false);
    // Named for what is wrong first (no preference channel), not for env options it would not need to share.
    const scoredUnmasked = join(root, 'scored-unmasked');
    (await Trainer.create(scoredUnmasked, { ...preferenceConfig(), maskScore: false, reward: 'true', preferences: undefined })).dispose();
    expect(() => importDataset(file, scoredUnmasked)).toThrow(/learns no reward from preferences \(reward "true"\)/);
    expect(() => importDataset(join(root, 'nofile.jsonl'), source)).toThrow(/nofile\.jsonl: no such file/);
  });

  it('exports the live feedback presses with the steps they credited, and imports them only where live feedback is learned from', async () => {
    // Both channels, a synthetic teacher on each: Pong loses points at random, so the scalar oracle presses.
    const both = (seed: number) => ({
      ...preferenceConfig({ seed, steps: 2000 }),
      reward: 'preferences+tamer' as const,
      tamer: { ...TAMER_DEFAULTS, teacher: 'scalar-oracle' as const, feedback: 6, liveEvery: 4 },
    });
    const a = join(root, 'both-a');
    const b = join(root, 'both-b');
    await trainRun(a, both(5));
    await trainRun(b, both(6));
    const file = join(root, 'both.jsonl');
    const r = exportDataset(a, file);
    const stored = records(join(a, 'feedback.jsonl'));
    expect(stored.length).toBeGreaterThan(0);
    expect(r.feedback).toBe(stored.length);
    const runId = JSON.parse(readFileSync(join(a, 'config.json'), 'utf8')).id;
    const exported = records(file).filter((x) => x.type === 'feedback');
    expect(exported.map(({ type: _t, origin: _o, ...press }) => press)).toEqual(stored);
    expect(exported.map((x) => x.origin)).toEqual(stored.map((_, i) => `${runId}/f${i}`));

    const feedbackPath = join(b, 'feedback.jsonl');
    const before = readFileSync(feedbackPath, 'utf8');
    const own = records(feedbackPath).length;
    expect(importDataset(file, b)).toMatchObject({ feedbackImported: stored.length, feedbackSkipped: 0 });
    expect(readFileSync(feedbackPath, 'utf8').startsWith(before)).toBe(true);
    expect(records(feedbackPath).slice(own)).toEqual(exported.map(({ type: _t, ...press }) => press));
    expect(stored.every((p) => Number.isInteger(p.liveStep))).toBe(true); // the live step each press was taken at
    expect(importDataset(file, b)).toMatchObject({ imported: 0, feedbackImported: 0, feedbackSkipped: stored.length });
    // The run's feedback channel takes them into its replay buffer and counts them toward its budget.
    const resumed = await Trainer.resume(b);
    expect(resumed.feedback!.feedbackUsed).toBe(own + stored.length);
    resumed.dispose();

    // A run that learns nothing from presses refuses them, and says how to import the labels alone.
    const prefsOnly = await target('prefs-only');
    const labelsBefore = readFileSync(join(prefsOnly, 'labels.jsonl'), 'utf8');
    expect(() => importDataset(file, prefsOnly)).toThrow(/learns nothing from live feedback \(reward "preferences"\): the \d+ presses in .*both\.jsonl would never be used; .*--only labels/);
    expect(readFileSync(join(prefsOnly, 'labels.jsonl'), 'utf8')).toBe(labelsBefore);
    expect(existsSync(join(prefsOnly, 'feedback.jsonl'))).toBe(false);
    expect(importDataset(file, prefsOnly, { only: 'labels' })).toMatchObject({ imported: records(file).filter((x) => x.type === 'label').length, feedbackImported: 0 });

    // A press whose steps are not this game's observations is refused, naming its line.
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const at = lines.findIndex((l) => l.includes('"type":"feedback"'));
    const press = JSON.parse(lines[at]);
    press.credits[0].obs = Buffer.from(new Float32Array(3).buffer).toString('base64');
    press.origin = 'elsewhere/f0';
    const bad = join(root, 'bad-press.jsonl');
    writeFileSync(bad, `${[...lines.slice(0, at), JSON.stringify(press)].join('\n')}\n`);
    const afterImport = readFileSync(feedbackPath, 'utf8');
    expect(() => importDataset(bad, b)).toThrow(new RegExp(`bad-press\\.jsonl:${at + 1}: press elsewhere/f0 does not hold steps of what run .* observes \\(ram\\): credit 0 holds an observation of 3 values; expected 11`));
    expect(readFileSync(feedbackPath, 'utf8')).toBe(afterImport);
    press.credits[0].obs = Buffer.from([1, 2, 3]).toString('base64');
    writeFileSync(bad, `${[...lines.slice(0, at), JSON.stringify(press)].join('\n')}\n`);
    expect(() => importDataset(bad, b)).toThrow(new RegExp(`bad-press\\.jsonl:${at + 1}: a credit's obs must be base64 of whole float32s, got 3 bytes`));
    expect(readFileSync(feedbackPath, 'utf8')).toBe(afterImport);
    press.credits[0].obs = JSON.parse(lines[at]).credits[0].obs;
    press.liveStep = 2.5;
    writeFileSync(bad, `${[...lines.slice(0, at), JSON.stringify(press)].join('\n')}\n`);
    expect(() => importDataset(bad, b)).toThrow(new RegExp(`bad-press\\.jsonl:${at + 1}: liveStep must be a whole number of live steps when present, got 2\\.5`));
    expect(readFileSync(feedbackPath, 'utf8')).toBe(afterImport);
  }, 120_000);

  it('reads datasets written before presses were exported (version 1)', async () => {
    const file = join(root, 'v2.jsonl');
    exportDataset(source, file);
    const [header, ...rest] = readFileSync(file, 'utf8').trim().split('\n');
    const v1 = join(root, 'v1.jsonl');
    writeFileSync(v1, `${[JSON.stringify({ ...JSON.parse(header), version: 1 }), ...rest].join('\n')}\n`);
    const dir = await target('from-v1');
    expect(importDataset(v1, dir)).toMatchObject({ imported: rest.filter((l) => l.includes('"type":"label"')).length, skipped: 0 });
    writeFileSync(v1, `${[JSON.stringify({ ...JSON.parse(header), version: 3 }), ...rest].join('\n')}\n`);
    expect(() => importDataset(v1, dir)).toThrow(/v1\.jsonl:1: rlhf-arcade\/preference-dataset version 3; this build reads version 1, 2/);
  });
});
