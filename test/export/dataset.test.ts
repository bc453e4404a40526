import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportDataset, importDataset } from '../../src/export/dataset.js';
import { initTf } from '../../src/learning/tf.js';
import { LabelingSession } from '../../src/session/labeling.js';
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
    expect(header).toMatchObject({ format: 'rlhf-arcade/preference-dataset', version: 1, source: { runId, env: 'Pong', options: { maskScore: true, obsType: 'ram' } } });
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
    expect(importDataset(file, dir)).toEqual({ imported: 0, skipped: sourceLabels.length, clips: 0 });
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
    expect(existsSync(join(scored, 'labels.jsonl'))).toBe(false);
  });
});
