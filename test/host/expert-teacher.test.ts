/**
 * The app's expert live teachers (scalar-expert, scalar-policy): a run created from the Runs form names an
 * expert run in the same runs folder, trained headless on the true score; the host checks it, the new run
 * sees what the expert saw, and the teacher presses on the live play. The host runs in this process
 * (RunService), on real run folders.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunService } from '../../src/host/service';
import { initTf } from '../../src/learning/tf';
import type { CreateRunSpec } from '../../src/shared/api';
import { trainRun, trueRewardConfig } from '../export/runs';

const SPEC: Omit<CreateRunSpec, 'name'> = { env: 'Pong', obsType: 'ram', feedback: ['scalar'], teacher: null, seed: 2, agent: 'a2c', scalarTeacher: 'scalar-policy', feedbackBudget: 50, prefill: 0, steps: 1_000_000 };

let service: RunService | null = null;
afterEach(async () => {
  await service?.close();
  service = null;
});

describe('expert live teachers in the app', () => {
  it('takes an expert run of the same game trained on the true score, refuses any other, and its teacher presses', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'expert-teacher-'));
    await initTf();
    await trainRun(join(runs, 'pong-true'), trueRewardConfig());
    service = new RunService(runs, () => {});
    // A run that learned from presses is no expert.
    await service.call('createRun', { ...SPEC, name: 'presses', scalarTeacher: null, agent: 'greedy-h', steps: 1000 }, 'alice');
    await service.call('closeRun', undefined, 'alice');
    const refused: [Partial<CreateRunSpec>, RegExp][] = [
      [{}, /the synthetic teacher "scalar-policy" judges actions by an expert run: choose one \(a run of Pong trained on the true score, made headless into this runs folder: npm run train -- --env Pong --reward true/],
      [{ scalarTeacher: 'scalar-oracle', expert: 'pong-true' }, /an expert run \(expert\) is for the live teachers scalar-expert and scalar-policy, not scalar-oracle/],
      [{ expert: 'nobody' }, /unknown expert run "nobody": no run of that name in the runs folder/],
      [{ expert: 'presses' }, /the expert run "presses" learned from the tamer reward: an expert must be trained on the true score/],
      [{ env: 'Breakout', expert: 'pong-true' }, /the expert run "pong-true" plays Pong, not Breakout/],
    ];
    for (const [change, message] of refused) await expect(service.call('createRun', { ...SPEC, name: 'judged', ...change }, 'alice')).rejects.toThrow(message);
    expect(readdirSync(runs).sort()).toEqual(['pong-true', 'presses']);

    const created = await service.call('createRun', { ...SPEC, name: 'judged', expert: 'pong-true' }, 'alice');
    expect(created).toMatchObject({ reward: 'tamer', feedback: ['scalar'] });
    const config = JSON.parse(readFileSync(join(runs, 'judged', 'config.json'), 'utf8'));
    // It sees the score as its expert did, and names the expert's folder.
    expect(config).toMatchObject({ maskScore: false, tamer: { teacher: 'scalar-policy', expert: join(runs, 'pong-true'), feedback: 50 } });
    // A2C on the presses alone is myopic, as TAMER's agent (gammaFor), as headless runs are.
    expect(config.a2c.gamma).toBe(0);
    const end = performance.now() + 60_000;
    let given = 0;
    while (given === 0 && performance.now() < end) {
      given = (await service.call('progress', undefined, 'alice'))?.feedback?.given ?? 0;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(given).toBeGreaterThan(0);
  }, 120_000);
});
