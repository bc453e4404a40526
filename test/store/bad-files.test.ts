/**
 * What a run folder does with bad files: a cut-off last line is recovered with a warning, any other damage is
 * an error naming the file (and line), a full disk fails the write with a clear error, and in no case is any
 * of the user's data overwritten or deleted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { appendLine, writeFileAtomic } from '../../src/store/atomic.js';
import { readCheckpoint, writeCheckpoint } from '../../src/store/checkpoint.js';
import { JsonlLog, readJsonl } from '../../src/store/jsonl.js';
import { LABELS_FORMAT } from '../../src/store/labels.js';
import { exportDataset } from '../../src/export/dataset.js';
import { initTf } from '../../src/learning/tf.js';
import { LabelingSession } from '../../src/session/labeling.js';
import { Trainer } from '../../src/session/trainer.js';
import { preferenceConfig, trainRun } from '../export/runs.js';

const HEADER = '{"format":"rlhf-arcade/labels","version":1}\n';
const label = (pairId: string) => `${JSON.stringify({ type: 'label', pairId, left: 'c0', right: 'c1', answer: 'left', labeler: 'ann', time: '2026-11-23T10:00:00.000Z', step: 0 })}\n`;
const tmp = () => mkdtempSync(join(tmpdir(), 'bad-files-'));

/** Every file under `dir` with its bytes, to show that nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, f);
    try {
      out[f] = readFileSync(p).toString('base64');
    } catch {
      // a folder
    }
  }
  return out;
}

/** The temporary file writeFileAtomic uses for `path` in this process, made a link to /dev/full (a full disk). */
function fullDiskFor(path: string): string {
  const tmpPath = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  symlinkSync('/dev/full', tmpPath);
  return tmpPath;
}

/** A small trained preference run, copied fresh for each test that damages it. */
let trained: string;
beforeAll(async () => {
  await initTf();
  trained = join(tmp(), 'run');
  await trainRun(trained, preferenceConfig({ seed: 9, steps: 500, labels: 12 }));
}, 60_000);

function copyOfRun(): string {
  const dir = join(tmp(), 'run');
  spawnSync('cp', ['-r', trained, dir]);
  return dir;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a full disk', () => {
  it('fails an append with a clear error (ENOSPC on /dev/full)', () => {
    expect(() => appendLine('/dev/full', '{"x":1}')).toThrow(/could not append to \/dev\/full: ENOSPC: no space left on device/);
  });

  it('fails an atomic write with a clear error, leaving the old file and no temporary file', () => {
    const dir = tmp();
    const path = join(dir, 'config.json');
    writeFileAtomic(path, '{"version":1}\n');
    const link = fullDiskFor(path);
    expect(() => writeFileAtomic(path, '{"version":1,"more":true}\n')).toThrow(new RegExp(`could not write ${path}: ENOSPC`));
    expect(readFileSync(path, 'utf8')).toBe('{"version":1}\n');
    expect(existsSync(link)).toBe(false);
    expect(readdirSync(dir)).toEqual(['config.json']);

    const ckpt = join(dir, 'latest.ckpt');
    writeCheckpoint(ckpt, { step: 1 }, { w: Float32Array.of(1, 2) });
    fullDiskFor(ckpt);
    expect(() => writeCheckpoint(ckpt, { step: 2 }, { w: Float32Array.of(3, 4) })).toThrow(/could not write .*latest\.ckpt: ENOSPC/);
    expect(readCheckpoint(ckpt)).toEqual({ meta: { step: 1 }, arrays: { w: Float32Array.of(1, 2) } });
  });

  it('refuses an answer the disk cut off part way: not acknowledged, the label file keeps exactly the answers given', () => {
    const dir = tmp();
    // A child process whose file size limit (RLIMIT_FSIZE) ends inside the fourth label's line.
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/store/fixtures/answer-until-full.ts', dir], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout) as { answered: number; error: string; limit: number; labels: number; pending: number; trainable: number };
    expect(seen.answered).toBe(3);
    expect(seen.error).toMatch(/could not append to .*labels\.jsonl: EFBIG: file too large/);
    // The failed answer changed nothing: its pair still waits, the dataset has the three.
    expect(seen).toMatchObject({ labels: 3, trainable: 3, pending: 28 - 3 });
    const text = readFileSync(join(dir, 'labels.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(1 + 3 + 1);
    const warnings: string[] = [];
    const reopened = LabelingSession.open(dir, { members: 3, valFraction: 0.3, maxLabels: 3000, seed: 1, lockMs: 1, warn: (w) => warnings.push(w) });
    expect(reopened.labels().map((l) => l.pairId)).toEqual(['p0', 'p1', 'p2']);
    expect(warnings).toEqual([]);
  });
});

describe('damaged logs', () => {
  it('a cut-off last line behind a corrupt one: an error naming the line, and nothing moved or cut', () => {
    const dir = tmp();
    const path = join(dir, 'labels.jsonl');
    writeFileSync(path, `${HEADER}${label('p0')}{"type": oops\n${label('p2').slice(0, 40)}`);
    const before = snapshot(dir);
    expect(() => JsonlLog.open(path, LABELS_FORMAT)).toThrow(new RegExp(`${path}:3: not valid JSON.*fix or remove this line by hand`));
    expect(snapshot(dir)).toEqual(before);
  });

  it('reading for export skips a cut-off last line (a trainer may be writing it) without touching the file', () => {
    const dir = tmp();
    const path = join(dir, 'labels.jsonl');
    writeFileSync(path, `${HEADER}${label('p0')}${label('p1').slice(0, 50)}`);
    const before = snapshot(dir);
    const warnings: string[] = [];
    expect(readJsonl(path, LABELS_FORMAT, (w) => warnings.push(w)).records.map((r) => r.pairId)).toEqual(['p0']);
    expect(warnings[0]).toMatch(/skipping its cut-off last line/);
    expect(snapshot(dir)).toEqual(before);
    expect(() => readJsonl(path.replace('labels', 'missing'), LABELS_FORMAT)).toThrow(/ENOENT/);
  });

  it('resume recovers a cut-off last label line with a warning and keeps the fragment beside the log', async () => {
    const dir = copyOfRun();
    const path = join(dir, 'labels.jsonl');
    const good = readFileSync(path, 'utf8');
    writeFileSync(path, `${good}${label('p99').slice(0, 60)}`);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const trainer = await Trainer.resume(dir);
    expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(/labels\.jsonl: the last line was cut off .* moved it to .*labels\.jsonl\.torn-/);
    expect(trainer.learner!.session.labels()).toHaveLength(good.trim().split('\n').length - 1);
    trainer.dispose();
    expect(readFileSync(path, 'utf8')).toBe(good);
    const side = readdirSync(dir).find((f) => f.startsWith('labels.jsonl.torn-'))!;
    expect(readFileSync(join(dir, side), 'utf8')).toBe(label('p99').slice(0, 60));
  });

  it('resume refuses a corrupt line in the middle of the labels, naming file and line, and changes nothing', async () => {
    const dir = copyOfRun();
    const path = join(dir, 'labels.jsonl');
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[2] = lines[2].slice(0, 30);
    writeFileSync(path, lines.join('\n'));
    const before = snapshot(dir);
    await expect(Trainer.resume(dir)).rejects.toThrow(new RegExp(`${path}:3: not valid JSON`));
    expect(snapshot(dir)).toEqual(before);
  });

  it('resume refuses logs and checkpoints of an unknown version, naming the file', async () => {
    const dir = copyOfRun();
    const clips = join(dir, 'clips.jsonl');
    const text = readFileSync(clips, 'utf8');
    writeFileSync(clips, text.replace('"version":1', '"version":7'));
    let before = snapshot(dir);
    await expect(Trainer.resume(dir)).rejects.toThrow(new RegExp(`${clips}:1: rlhf-arcade/clips version 7; this build reads version 1`));
    expect(snapshot(dir)).toEqual(before);
    writeFileSync(clips, text);

    const ckpt = join(dir, 'checkpoints', 'latest.ckpt');
    const bytes = readFileSync(ckpt);
    bytes.writeUInt32LE(2, 8);
    writeFileSync(ckpt, bytes);
    before = snapshot(dir);
    await expect(Trainer.resume(dir)).rejects.toThrow(new RegExp(`${ckpt} is not a readable checkpoint: format version 2; this build reads version 1`));
    expect(snapshot(dir)).toEqual(before);
  });

  it('resume drops a cut-off metrics line, so the lines after it are whole', async () => {
    const dir = copyOfRun();
    const path = join(dir, 'metrics.jsonl');
    const good = readFileSync(path, 'utf8');
    writeFileSync(path, `${good}{"steps":600,"ti`);
    const trainer = await Trainer.resume(dir, 600);
    await trainer.train();
    trainer.dispose();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).steps)).toEqual([...good.trim().split('\n').map((l) => JSON.parse(l).steps), 600]);
  });
});

describe('a config that names an unknown game', () => {
  it('is an error naming config.json, for resume and export alike, and the file is left as it is', async () => {
    const dir = copyOfRun();
    const path = join(dir, 'config.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"env": "Pong"', '"env": "Pongg"'));
    const before = snapshot(dir);
    await expect(Trainer.resume(dir)).rejects.toThrow(new RegExp(`${path}: unknown env "Pongg"; known: Pong, Breakout`));
    expect(() => exportDataset(dir, join(tmp(), 'out.jsonl'))).toThrow(new RegExp(`${path}: unknown env "Pongg"`));
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('nothing is overwritten', () => {
  it('a new run refuses a folder with files, and exports refuse existing files', async () => {
    const dir = copyOfRun();
    const before = snapshot(dir);
    await expect(Trainer.create(dir, preferenceConfig())).rejects.toThrow(/already holds another run/);
    const file = join(tmp(), 'labels.jsonl');
    writeFileSync(file, 'mine');
    expect(() => exportDataset(dir, file)).toThrow(/already exists/);
    expect(readFileSync(file, 'utf8')).toBe('mine');
    expect(snapshot(dir)).toEqual(before);
  });
});
