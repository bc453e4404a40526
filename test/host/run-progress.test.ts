/**
 * What the app shows of a run it reopens: the per-labeler agreement is logged with each metrics line and kept in
 * the checkpoint with the learner's state, so a run opened after it trained (here, a finished one, which never
 * evaluates its reward model again) shows its last rather than nothing. The host runs in this process
 * (RunService), on a real run folder.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunService } from '../../src/host/service';
import { initTf } from '../../src/learning/tf';
import { preferenceConfig, trainRun } from '../export/runs';

let service: RunService | null = null;
afterEach(async () => {
  await service?.close();
  service = null;
});

describe('a reopened preference run', () => {
  it("shows the per-labeler agreement of its last evaluation, the one its metrics last logged, before (or without) another", async () => {
    const runs = mkdtempSync(join(tmpdir(), 'run-progress-'));
    await initTf();
    await trainRun(join(runs, 'pref'), preferenceConfig({ labels: 30 }));
    const lines = readFileSync(join(runs, 'pref', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(1);
    // Pretraining ends in an evaluation, so every line has one: the oracle's held-out answers, a share of them predicted.
    for (const line of lines) {
      expect(line.labelers).toEqual([{ labeler: 'teacher:oracle', heldOut: expect.any(Number), agreement: expect.any(Number) }]);
      expect(line.labelers[0].heldOut).toBeGreaterThan(0);
      expect(line.labelers[0].agreement).toBeGreaterThanOrEqual(0);
      expect(line.labelers[0].agreement).toBeLessThanOrEqual(1);
    }
    const logged = lines.at(-1).labelers;

    service = new RunService(runs, () => {});
    await service.call('openRun', { name: 'pref' }, 'alice');
    const progress = await service.call('progress', undefined, 'alice');
    expect(progress?.preferences?.labelers).toEqual(logged);
  }, 120_000);
});
