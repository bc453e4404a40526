/**
 * Deep TAMER's own agent in the app: a greedy-h run's steps are the live steps the host plays on the wall
 * clock (15 a second), acting greedily on Ĥ, which each press trains; pausing it stops the game, it resumes
 * where it was closed, and it stops at its target. The host runs in this process here (RunService), on a real run folder and the real clock.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunService } from '../../src/host/service';
import { type CreateRunSpec, type HostEvent, type LiveChunk, type MetricsPoint, parseRequest, type RunStatus } from '../../src/shared/api';

const SPEC: Omit<CreateRunSpec, 'name' | 'steps'> = { env: 'Pong', obsType: 'ram', feedback: ['scalar'], teacher: null, seed: 3, agent: 'greedy-h', scalarTeacher: null, feedbackBudget: 1000, prefill: 0 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let service: RunService | null = null;
afterEach(async () => {
  await service?.close();
  service = null;
});

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('the greedy-h agent in the app', () => {
  it('plays its steps live at the game speed, learns from presses, pauses, resumes, and stops at its target', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'live-agent-'));
    const chunks: LiveChunk[] = [];
    const points: MetricsPoint[] = [];
    let status: RunStatus | null = null;
    service = new RunService(runs, (e: HostEvent) => {
      if (e.type === 'live') chunks.push(e.data);
      if (e.type === 'metrics') points.push(e.data);
      if (e.type === 'status') status = e.data;
    });
    const played = () => chunks.reduce((n, c) => n + c.actions.length, 0);
    const created = await service.call('createRun', { ...SPEC, name: 'tamer', steps: 60 }, 'alice');
    expect(created).toMatchObject({ agent: 'greedy-h', reward: 'tamer', totalSteps: 60 });
    const started = performance.now();

    // A second of play, then a press: it credits the steps on screen 0.2-4 s before and trains Ĥ.
    await until('15 live steps', () => played() >= 15);
    const receipt = await service.call('feedback', { value: 1 }, 'alice');
    expect(receipt.credited).toBeGreaterThan(0);

    // Paused, the game stops: no step is played and none counted.
    const paused = await service.call('setPaused', { paused: true }, 'alice');
    expect(paused.phase).toBe('paused');
    const atPause = paused.steps;
    const playedAtPause = played();
    await sleep(600);
    expect(((await service.call('status', undefined, 'alice')) as RunStatus).steps).toBe(atPause);
    expect(played()).toBe(playedAtPause);
    await service.call('setPaused', { paused: false }, 'alice');

    // Closed midway, it checkpoints the steps it played; opened again, it goes on from there.
    await until('30 live steps', () => played() >= 30);
    await service.call('closeRun', undefined, 'alice');
    const closedAt = played();
    // Stopped between its metrics lines (one every 150 steps), the Runs list still shows the steps played.
    expect((await service.call('listRuns', undefined, 'alice')).find((r) => r.name === 'tamer')).toMatchObject({ steps: closedAt, active: false, finished: false });
    const reopened = await service.call('openRun', { name: 'tamer' }, 'alice');
    expect(reopened).toMatchObject({ agent: 'greedy-h', steps: closedAt });

    await until('the run to finish', () => (status as RunStatus | null)?.phase === 'finished');
    const seconds = (performance.now() - started) / 1000;
    // Every step the host played is one of the run's, each sent to the UI once, and none past the target.
    expect(played()).toBe(60);
    expect(((await service.call('status', undefined, 'alice')) as RunStatus).steps).toBe(60);
    // At 15 steps a second 60 steps take 4 s of play, plus the 0.6 s paused.
    expect(seconds).toBeGreaterThan(4);
    await sleep(300);
    expect(played()).toBe(60);
    // Finished, its summary and last checkpoint are written: a press would be stored in neither.
    await expect(service.call('feedback', { value: 1 }, 'alice')).rejects.toThrow(/run tamer is finished: it learns from no more presses/);

    const dir = join(runs, 'tamer');
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toMatchObject({ agent: 'greedy-h', reward: 'tamer', logEvery: 150 });
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))).toMatchObject({ steps: 60, feedbackUsed: 1 });
    const last = JSON.parse(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').pop()!) as Record<string, number>;
    expect(last).toMatchObject({ steps: 60, liveSteps: 60, feedbackUsed: 1 });
    expect(last.feedbackLoss).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'feedback.jsonl'), 'utf8')).toContain('"labeler":"alice"');
    expect(existsSync(join(dir, 'checkpoints'))).toBe(true);

    // The Live view's charts get the presses beside the labels.
    expect(points.at(-1)).toMatchObject({ steps: 60, presses: 1, labels: null });
    const [listed] = await service.call('listRuns', undefined, 'alice');
    expect(listed).toMatchObject({ name: 'tamer', agent: 'greedy-h', steps: 60, finished: true });
  }, 40_000);

  it('refuses a greedy-h run with clip comparisons, and budgets of channels a run lacks, naming why, and creates nothing', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'live-agent-'));
    service = new RunService(runs, () => {});
    await expect(
      service.call('createRun', { ...SPEC, name: 'both', feedback: ['preferences', 'scalar'], labels: 40, steps: 60 }, 'alice'),
    ).rejects.toThrow(/greedy-h agent .* good \/ bad presses alone/);
    expect(existsSync(join(runs, 'both'))).toBe(false);
    // A budget must belong to a channel the run has: the Runs form leaves out the greyed-out ones.
    const a2c = { ...SPEC, agent: 'a2c' as const, steps: 60 };
    await expect(service.call('createRun', { ...a2c, name: 'labels', labels: 40 }, 'alice')).rejects.toThrow(/label budget \(labels\) is for clip comparisons: it needs the preferences channel/);
    const { feedbackBudget: _, ...prefs } = { ...a2c, feedback: ['preferences' as const] };
    await expect(service.call('createRun', { ...prefs, name: 'nolabels' }, 'alice')).rejects.toThrow(/preferences channel needs a label budget \(labels\)/);
    await expect(service.call('createRun', { ...prefs, name: 'budget', labels: 40, feedbackBudget: 10 }, 'alice')).rejects.toThrow(/feedback budget \(feedbackBudget\) is for the synthetic live teacher/);
    await expect(service.call('createRun', { ...a2c, name: 'epochs', pretrainEpochs: 5 }, 'alice')).rejects.toThrow(/pretraining epochs \(pretrainEpochs\) .* need the preferences channel/);
    await expect(service.call('createRun', { ...a2c, name: 'screen', screenLabels: true }, 'alice')).rejects.toThrow(/screening labels \(screenLabels\) is about clip comparisons: it needs the preferences channel/);
    await expect(service.call('createRun', { ...a2c, name: 'norm', normaliseOn: 'initial' }, 'alice')).rejects.toThrow(/renormalised on \(normaliseOn\) .* needs the preferences channel/);
    await expect(service.call('createRun', { ...prefs, name: 'norm-bad', labels: 40, normaliseOn: 'first' as never }, 'alice')).rejects.toThrow(/cannot create run "norm-bad": preference setting normaliseOn must be recent or initial, got "first"/);
    await expect(service.call('createRun', { ...a2c, name: 'paid', agentReward: 'action' }, 'alice')).rejects.toThrow(/what A2C is paid \(agentReward\) is a choice of runs with both channels/);
    await expect(service.call('createRun', { ...SPEC, name: 'explore-live', steps: 60, explore: true }, 'alice')).rejects.toThrow(/exploration bonus \(explore\) is paid to A2C: Deep TAMER's greedy-h agent/);
    await expect(service.call('createRun', { ...prefs, name: 'explore-pixels', labels: 40, obsType: 'pixels', explore: true }, 'alice')).rejects.toThrow(
      /exploration bonus \(explore\) measures distances between ram observations/,
    );
    expect(readdirSync(runs)).toEqual([]);
    // Exploring, A2C is paid the bonus at the learned reward's size over the first third of the steps.
    await service.call('createRun', { ...prefs, name: 'explore', labels: 40, explore: true, steps: 3000 }, 'alice');
    expect(JSON.parse(readFileSync(join(runs, 'explore', 'config.json'), 'utf8')).a2c).toMatchObject({ stateEntropy: 1, stateEntropySteps: 1000 });
    // The form's pretraining epochs reach the run's config. Unless told, a Pong run with clip comparisons alone
    // screens its labels and explores first (preferenceRunDefaults), a Space Invaders run does neither.
    const made = (name: string) => JSON.parse(readFileSync(join(runs, name, 'config.json'), 'utf8'));
    await service.call('createRun', { ...prefs, name: 'epochs', labels: 40, pretrainEpochs: 7, steps: 3000 }, 'alice');
    expect(made('epochs').preferences).toMatchObject({ pretrainEpochs: 7, screenLabels: true, normaliseOn: 'initial' });
    expect(made('epochs').a2c).toMatchObject({ stateEntropy: 1, stateEntropySteps: 1000 });
    await service.call('createRun', { ...prefs, name: 'told', labels: 40, screenLabels: false, explore: false, normaliseOn: 'recent' }, 'alice');
    expect([made('told').preferences.screenLabels, made('told').a2c.stateEntropy, made('told').preferences.normaliseOn]).toEqual([false, 0, 'recent']);
    await service.call('createRun', { ...prefs, env: 'SpaceInvaders', name: 'invaders', labels: 40 }, 'alice');
    expect([made('invaders').preferences.screenLabels, made('invaders').a2c.stateEntropy, made('invaders').preferences.normaliseOn]).toEqual([false, 0, 'recent']);
    await service.call('createRun', { ...prefs, env: 'SpaceInvaders', name: 'screened', labels: 40, screenLabels: true, normaliseOn: 'initial' }, 'alice');
    expect([made('screened').preferences.screenLabels, made('screened').preferences.normaliseOn]).toEqual([true, 'initial']);
    // With both channels A2C is paid the state's mean of Ĥ unless the form says Ĥ of the action taken.
    const both = { ...a2c, feedback: ['preferences' as const, 'scalar' as const], labels: 40 };
    await service.call('createRun', { ...both, name: 'paid-state' }, 'alice');
    await service.call('createRun', { ...both, name: 'paid-action', agentReward: 'action' }, 'alice');
    const paid = (name: string) => JSON.parse(readFileSync(join(runs, name, 'config.json'), 'utf8')).preferences.rewardModel.stateReward;
    expect([paid('paid-state'), paid('paid-action')]).toEqual([true, false]);
    expect([made('paid-state').preferences.screenLabels, made('paid-state').a2c.stateEntropy, made('paid-state').preferences.normaliseOn]).toEqual([false, 0, 'recent']); // not measured with both channels
    // A Breakout run from the form gets Breakout's preference defaults (GAME_PREFERENCE_DEFAULTS), as headless.
    await service.call('createRun', { ...prefs, env: 'Breakout', name: 'breakout', labels: 40 }, 'alice');
    const breakout = JSON.parse(readFileSync(join(runs, 'breakout', 'config.json'), 'utf8'));
    expect([breakout.preferences.rewardModel.input, breakout.preferences.rewardModel.rewardStd, breakout.a2c.episodeEnds]).toEqual(['delta', 0.2, 'hidden']);
    expect([breakout.preferences.screenLabels, breakout.a2c.stateEntropy, breakout.preferences.normaliseOn]).toEqual([true, 0, 'initial']);
    // Clips are 25 agent steps unless the form says, or on Enduro 50 (GAME_PREFERENCE_DEFAULTS).
    await service.call('createRun', { ...prefs, env: 'Breakout', name: 'breakout-40', labels: 40, clipLength: 40 }, 'alice');
    await service.call('createRun', { ...prefs, env: 'Enduro', name: 'enduro-30', labels: 40, clipLength: 30 }, 'alice');
    await service.call('createRun', { ...prefs, env: 'Enduro', name: 'enduro-default', labels: 40 }, 'alice');
    expect(['breakout-40', 'enduro-30', 'enduro-default', 'breakout', 'invaders', 'paid-state'].map((name) => made(name).preferences.clipLength)).toEqual([40, 30, 50, 25, 25, 25]);
    await expect(service.call('createRun', { ...a2c, name: 'clips-without-prefs', clipLength: 50 }, 'alice')).rejects.toThrow(/the clip length \(clipLength\) .* needs the preferences channel/);
    await expect(service.call('createRun', { ...prefs, name: 'clips-none', labels: 40, clipLength: 0 }, 'alice')).rejects.toThrow(
      /cannot create run "clips-none": preference setting clipLength must be a positive integer, got 0/,
    );
    // Both transports check the arguments first (parseRequest): the app's clips are at most 200 steps.
    expect(() => parseRequest('createRun', { ...prefs, name: 'clips-too-long', labels: 40, steps: 3000, clipLength: 201 })).toThrow(/^bad arguments to createRun: clipLength: Too big: expected number to be <=200$/);
    expect(existsSync(join(runs, 'clips-without-prefs')) || existsSync(join(runs, 'clips-none'))).toBe(false);
  });

  it("pays an exploring run the bonus at the learned reward's size, through the host's reward source", async () => {
    const runs = mkdtempSync(join(tmpdir(), 'live-agent-'));
    service = new RunService(runs, () => {});
    const spec = { ...SPEC, agent: 'a2c' as const, feedback: ['preferences' as const], teacher: 'oracle' as const, labels: 40, steps: 30_000, explore: true };
    const { feedbackBudget: _, ...explore } = spec;
    await service.call('createRun', { ...explore, name: 'explore' }, 'alice');
    const metrics = join(runs, 'explore', 'metrics.jsonl');
    const logged = () => (existsSync(metrics) ? readFileSync(metrics, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, number>) : []);
    await until('a metrics line with the bonus', () => logged().some((m) => m.stateEntropy !== undefined), 60_000);
    const line = logged().find((m) => m.stateEntropy !== undefined)!;
    // explore is 1 learned-reward deviation (0.05 for Pong) over the first 10,000 steps, paid in the reward's terms.
    const rewardStd = JSON.parse(readFileSync(join(runs, 'explore', 'config.json'), 'utf8')).preferences.rewardModel.rewardStd as number;
    expect(rewardStd).toBe(0.05);
    expect(line.stateEntropy).toBeLessThanOrEqual(rewardStd * (1 - (line.steps - 2000) / 10_000) + 1e-9);
    expect(line.stateEntropy).toBeGreaterThan(rewardStd * (1 - line.steps / 10_000) - 1e-9);
  }, 90_000);
});

describe('switching runs in the app', () => {
  it('tells its clients no run is open before it refuses their requests for the run it is closing', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'switch-'));
    const statuses: (string | null)[] = [];
    service = new RunService(runs, (e: HostEvent) => {
      if (e.type === 'status') statuses.push(e.data?.name ?? null);
    });
    await service.call('createRun', { ...SPEC, name: 'first', steps: 600 }, 'alice');
    await service.call('createRun', { ...SPEC, name: 'second', steps: 600 }, 'alice');
    expect(statuses.at(-1)).toBe('second');
    // Opening another stops the open run first, which takes a while; a view's request for it meanwhile (the Live
    // view's charts) is refused, and the view has already heard that no run is open, so it clears, not reports.
    const opening = service.call('openRun', { name: 'first' }, 'alice');
    const heardWhenRefused = await service.call('metrics', undefined, 'alice').then(
      () => 'answered',
      (err: Error) => `${err.message}; last status: ${statuses.at(-1)}`,
    );
    expect(heardWhenRefused).toBe('no run is open; create or open one in the Runs view; last status: null');
    expect(await opening).toMatchObject({ name: 'first' });
    expect(statuses.at(-1)).toBe('first');
    // Closed outright, it says so again once the run has stopped (the Runs list then shows its final steps).
    const before = statuses.length;
    await service.call('closeRun', undefined, 'alice');
    expect(statuses.slice(before)).toEqual([null, null]);
  });
});
