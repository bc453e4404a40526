import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportDataset, importDataset } from '../../src/export/dataset.js';
import { initTf } from '../../src/learning/tf.js';
import { Trainer } from '../../src/session/trainer.js';
import { LOCK_FILE, RunLock, removeStaleTempFiles } from '../../src/store/lock.js';
import { preferenceConfig, trainRun } from '../export/runs.js';

beforeAll(async () => {
  await initTf();
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('run lock', () => {
  it('lets one holder in at a time, naming it to the next; release lets the next in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const lock = RunLock.acquire(dir, 'training');
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname(), what: 'training' });
    expect(() => RunLock.acquire(dir, 'importing labels')).toThrow(/is in use: this process has been training there since .*delete .*run\.lock/);
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    RunLock.acquire(dir, 'importing labels').release();
  });

  it('takes over a lock whose process is gone (a crash, a kill), and one cut short while being written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: hostname(), what: 'training', since: 'then' }));
    const lock = RunLock.acquire(dir, 'training');
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
    // Cut short: while fresh it may be its taker still writing it, so it is left alone; once old, taken over.
    writeFileSync(join(dir, LOCK_FILE), '{"pid":12');
    expect(() => RunLock.acquire(dir, 'training')).toThrow(/is being locked by another process just now; try again/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, LOCK_FILE), old, old);
    RunLock.acquire(dir, 'training').release();
  });

  it('is released when its process exits, even without release()', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const script = `import('./src/store/lock.ts').then(({ RunLock }) => { RunLock.acquire(${JSON.stringify(dir)}, 'training'); process.stdout.write('held'); })`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
    expect(r.stdout).toBe('held');
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('removes the temporary files of writes cut short, not those this process is writing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    mkdirSync(join(dir, 'checkpoints'));
    const stale = join(dir, 'checkpoints', `.latest.ckpt.${deadPid()}.tmp`);
    const ours = join(dir, `.config.json.${process.pid}.tmp`);
    const other = join(dir, 'notes.tmp');
    for (const f of [stale, ours, other]) writeFileSync(f, 'x');
    expect(removeStaleTempFiles([dir, join(dir, 'checkpoints'), join(dir, 'missing')])).toEqual([stale]);
    expect([stale, ours, other].map(existsSync)).toEqual([false, true, true]);
  });

  it('refuses a second trainer and a label import on a run that is training; both work once it is done', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lock-runs-'));
    const source = join(root, 'source');
    await trainRun(source, preferenceConfig({ seed: 3 }));
    const file = join(root, 'labels.jsonl');
    exportDataset(source, file);
    const target = join(root, 'target');
    await trainRun(target, preferenceConfig({ seed: 4 }));
    const labels = () => readFileSync(join(target, 'labels.jsonl'), 'utf8');
    const before = labels();
    const trainer = await Trainer.resume(target);
    await expect(Trainer.resume(target)).rejects.toThrow(/is in use: this process has been training there/);
    expect(() => importDataset(file, target)).toThrow(/is in use: this process has been training there/);
    expect(labels()).toBe(before);
    trainer.dispose();
    expect(importDataset(file, target).imported).toBeGreaterThan(0);
    const again = await Trainer.resume(target);
    again.dispose();
  });
});
