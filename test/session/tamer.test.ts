import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { A2C_DEFAULTS } from '../../src/learning/a2c.js';
import { RewardModel } from '../../src/learning/preferences/reward-model.js';
import { initTf } from '../../src/learning/tf.js';
import { FeedbackChannel, resolveTamerConfig, TAMER_DEFAULTS, type TamerConfig } from '../../src/session/tamer.js';
import { type RunConfig, Trainer } from '../../src/session/trainer.js';

beforeAll(async () => {
  await initTf();
});

function channel(dir = mkdtempSync(join(tmpdir(), 'tamer-')), tamer: Partial<TamerConfig> = {}) {
  const model = new RewardModel(11, 6, { actionDependent: true }, 1);
  // A fixed policy: always action 2.
  const ch = new FeedbackChannel(dir, { ...TAMER_DEFAULTS, ...tamer }, model, 'Pong', { maskScore: true }, 1, () => 2);
  return { dir, model, ch };
}

const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n');

/** A small live-feedback run on Pong's ram, score masked; `o` changes any of it. */
const tinyRun = (o: Partial<RunConfig>): RunConfig => ({
  env: 'Pong',
  obsType: 'ram',
  reward: 'tamer',
  seed: 1,
  steps: 480,
  a2c: { ...A2C_DEFAULTS, numEnvs: 2 },
  net: { kind: 'mlp', hidden: [8] },
  logEvery: 1000,
  checkpointEvery: 100_000,
  maskScore: true,
  tamer: { ...TAMER_DEFAULTS },
  ...o,
});

describe('live feedback channel', () => {
  it('credits the steps a press can be about, stores it with them, and trains Ĥ of the taken action toward it', () => {
    const { dir, model, ch } = channel();
    for (let i = 0; i < 30; i++) ch.step(); // 2 s of play at 15 steps/s
    expect(ch.clock).toBeCloseTo(2, 9);
    const obs = new Float32Array(11 * 1);
    const before = model.rawRewards(obs, [2], 1)[0][0];
    // A press at 2 s credits steps that ended after 2 - 4 s and started before 2 - 0.2 s: all but the last 3.
    const credits = ch.give({ time: 2, value: 1 }, 'ann');
    expect(credits.length).toBe(27);
    expect(credits.reduce((s, c) => s + c.weight, 0)).toBeCloseTo(1.8 / 3.8, 6);
    const stored = lines(join(dir, 'feedback.jsonl'));
    expect(stored).toHaveLength(2);
    expect(JSON.parse(stored[1])).toMatchObject({ time: 2, value: 1, labeler: 'ann' });
    expect(JSON.parse(stored[1]).credits).toHaveLength(27);
    expect(ch.replay.size).toBe(27);
    expect(model.feedbackSteps).toBe(1);
    for (let i = 0; i < 50; i++) ch.give({ time: ch.clock, value: 1 }, 'ann');
    expect(model.rawRewards(obs, [2], 1)[0][0]).toBeGreaterThan(before);
    model.dispose();
  });

  it('on pixels: keeps each credited frame once, trains the CNN Ĥ, and rebuilds the same steps on reopening', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tamer-pixels-'));
    const config = { actionDependent: true, hidden: [8], conv: [[8, 4, 4], [4, 2, 4]] as [number, number, number][] };
    const model = new RewardModel([84, 84, 4], 6, config, 1);
    const options = { obsType: 'pixels' as const, maskScore: true };
    const ch = new FeedbackChannel(dir, TAMER_DEFAULTS, model, 'Pong', options, 1, () => 2);
    const played = Array.from({ length: 30 }, () => ch.step().obs);
    const credits = ch.give({ time: 2, value: 1 }, 'ann');
    expect(credits.length).toBe(27);
    expect(model.feedbackSteps).toBe(1);
    const line = JSON.parse(lines(join(dir, 'feedback.jsonl'))[1]);
    // 27 consecutive steps of one episode: 27 + 3 frames of 84x84 bytes, each once.
    expect(inflateRawSync(Buffer.from(line.frames, 'base64')).length).toBe(30 * 84 * 84);
    expect(JSON.stringify(line).length).toBeLessThan(30 * 84 * 84 / 4); // deflated: Atari frames are mostly flat colour
    expect(line.credits.map((c: { frame: number }) => c.frame)).toEqual(credits.map((_, i) => i));
    expect(line.credits.every((c: { obs?: string }) => c.obs === undefined)).toBe(true);
    const stored = (c: FeedbackChannel) => c.replay.getState().entries.map((e) => Array.from(e.step));
    const replayed = stored(ch);
    expect(replayed).toEqual(credits.map((c) => Array.from(played[c.stepIndex])));
    // A second press half a second later credits mostly the same steps; live play keeps one array a step.
    for (let i = 0; i < 8; i++) played.push(ch.step().obs);
    const second = ch.give({ time: ch.clock, value: -1 }, 'ann');
    const steps = (c: FeedbackChannel) => c.replay.getState().entries.map((e) => e.step);
    expect(new Set(steps(ch)).size).toBeLessThan(credits.length + second.length);
    // Reopened, the replay buffer holds the same steps, as bytes, again one array a step
    const again = new FeedbackChannel(dir, TAMER_DEFAULTS, new RewardModel([84, 84, 4], 6, config, 1), 'Pong', options, 1, () => 2);
    expect(steps(again)[0]).toBeInstanceOf(Uint8Array);
    expect(stored(again)).toEqual(stored(ch));
    expect(stored(again).slice(0, credits.length)).toEqual(replayed);
    // (or fewer: equal observations, as Pong's first steps before the serve, share one)
    expect(new Set(steps(again)).size).toBeLessThanOrEqual(new Set(steps(ch)).size);
    // A ram run cannot read them.
    expect(() => new FeedbackChannel(dir, TAMER_DEFAULTS, new RewardModel(11, 6, { actionDependent: true }, 1), 'Pong', { maskScore: true }, 1, () => 2)).toThrow(
      /feedback\.jsonl:2: press 1 does not hold steps of what this run observes \(ram\): credit 0 holds no obs/,
    );
    model.dispose();
  });

  it('moves Ĥ by its channel weight: a press at weight 0.25 moves it about a quarter as far as at 1', () => {
    const moved = (weight: number) => {
      const model = new RewardModel(11, 6, { actionDependent: true }, 1);
      const ch = new FeedbackChannel(mkdtempSync(join(tmpdir(), 'tamer-')), { ...TAMER_DEFAULTS, weight }, model, 'Pong', { maskScore: true }, 1, () => 2);
      for (let i = 0; i < 30; i++) ch.step(); // no replay update: the buffer is empty until the press
      const obs = new Float32Array(11);
      const before = model.rawRewards(obs, [2], 1)[0][0];
      ch.give({ time: 2, value: 1 }, 'ann');
      const change = model.rawRewards(obs, [2], 1)[0][0] - before;
      model.dispose();
      return change;
    };
    const full = moved(1);
    const quarter = moved(0.25);
    expect(full).toBeGreaterThan(0);
    expect(quarter).toBeGreaterThan(0);
    expect(quarter / full).toBeGreaterThan(0.15);
    expect(quarter / full).toBeLessThan(0.35);
  });

  it('refuses feedback out of range, from the future, or crediting no step, and stores nothing', () => {
    const { dir, model, ch } = channel();
    expect(() => ch.give({ time: 0, value: 1 }, 'ann')).toThrow(/credits no step|no recent steps/);
    for (let i = 0; i < 15; i++) ch.step();
    expect(() => ch.give({ time: 1, value: 2 }, 'ann')).toThrow(/\[-1, 1\]/);
    expect(() => ch.give({ time: 5, value: 1 }, 'ann')).toThrow(/future|later than/);
    expect(() => ch.give({ time: 1, value: 1 }, '')).toThrow(/labeler/);
    expect(lines(join(dir, 'feedback.jsonl'))).toHaveLength(1);
    expect(ch.replay.size).toBe(0);
    expect(ch.feedbackUsed).toBe(0);
    model.dispose();
  });

  it('plays on a clock its caller keeps when given each step\'s span (the app\'s wall clock)', () => {
    const { model, ch } = channel();
    // Two bursts of steps on screen at 15/s, with a gap between them: a press is credited by when steps were shown.
    for (let i = 0; i < 15; i++) ch.step({ start: 10 + i / 15, end: 10 + (i + 1) / 15 });
    expect(ch.clock).toBeCloseTo(11, 9);
    expect(() => ch.step({ start: 10.5, end: 11.2 })).toThrow(/at or after the last one's end/);
    const result = ch.step({ start: 12, end: 12 + 1 / 15 });
    expect(result).toMatchObject({ action: 2, ended: false });
    // At 12.3 s the first burst (10-11 s) is 1.3-2.3 s back: all 15 steps; the step at 12 s is only 0.23-0.3 s back.
    const credits = ch.give({ time: 12.3, value: -1 }, 'ann', 12.3);
    expect(credits.map((c) => c.stepIndex)).toEqual([...Array.from({ length: 15 }, (_, i) => i), 15]);
    expect(credits.reduce((s, c) => s + c.weight, 0)).toBeCloseTo((1 + (0.1 - 1 / 30)) / 3.8 , 6);
    expect(() => ch.give({ time: 12.3, value: 1 }, 'ann', 12.2)).toThrow(/later than now/);
    model.dispose();
  });

  it('rebuilds its replay buffer from feedback.jsonl when the run is reopened', () => {
    const { dir, model, ch } = channel();
    for (let i = 0; i < 30; i++) ch.step();
    ch.give({ time: 2, value: -1 }, 'ann');
    ch.give({ time: 2, value: 0.5 }, 'bob');
    const again = channel(dir);
    expect(again.ch.replay.size).toBe(ch.replay.size);
    expect(again.ch.feedbackUsed).toBe(2);
    model.dispose();
    again.model.dispose();
  });

  it('a synthetic teacher resumed from a checkpoint does not press again for the stretch it played before', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tamer-'));
    const open = () => channel(dir, { teacher: 'scalar-oracle' });
    const presses = () => lines(join(dir, 'feedback.jsonl')).slice(1).map((l) => JSON.parse(l) as { liveStep: number });
    const first = open();
    for (let i = 0; i < 600; i++) first.ch.step();
    const before = presses();
    expect(before.length).toBeGreaterThan(3); // always UP misses the ball: the teacher presses "bad" at every point lost
    expect(first.ch.feedbackUsed).toBe(before.length);
    expect(before.map((p) => p.liveStep)).toEqual([...before.map((p) => p.liveStep)].sort((a, b) => a - b));
    // A crash, and a resume from a checkpoint taken at live step 0: the same 600 steps are played again.
    const again = open();
    for (let i = 0; i < 600; i++) again.ch.step();
    expect(presses()).toHaveLength(before.length);
    expect(again.ch.feedbackUsed).toBe(before.length);
    // Past the stretch on record it presses again.
    for (let i = 0; i < 600; i++) again.ch.step();
    const later = presses().slice(before.length);
    expect(later.length).toBeGreaterThan(0);
    expect(Math.min(...later.map((p) => p.liveStep))).toBeGreaterThan(before.at(-1)!.liveStep);
    expect(again.ch.feedbackUsed).toBe(before.length + later.length);
    // In the app the play clock is the wall clock, which starts again at 0 when a run is reopened; the live
    // steps go on from the checkpoint's count (here 600) there too, and no press is given again for a live step
    // on record.
    const app = open();
    app.ch.liveSteps = 600;
    const had = presses();
    for (let i = 0; i < 1200; i++) app.ch.step({ start: i / 15, end: (i + 1) / 15 });
    const appPresses = presses().slice(had.length);
    expect(appPresses.length).toBeGreaterThan(0);
    expect(Math.min(...appPresses.map((p) => p.liveStep))).toBeGreaterThan(had.at(-1)!.liveStep);
    for (const m of [first, again, app]) m.model.dispose();
  });

  it('counts only its own presses as on record: not a person\'s, nor one imported from another run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tamer-'));
    const credits = [{ action: 2, weight: 1, obs: Buffer.from(new Float32Array(11).buffer).toString('base64') }];
    const at = new Date().toISOString();
    writeFileSync(
      join(dir, 'feedback.jsonl'),
      [
        { format: 'rlhf-arcade/feedback', version: 1 },
        { time: 1, value: 1, labeler: 'ann', at, credits, liveStep: 1_000_000 },
        { time: 1, value: -1, labeler: 'teacher:scalar-oracle', at, credits, liveStep: 1_000_000, origin: 'other-run/f0' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    );
    const { model, ch } = channel(dir, { teacher: 'scalar-oracle' });
    expect(ch.feedbackUsed).toBe(2);
    for (let i = 0; i < 600; i++) ch.step();
    expect(ch.feedbackUsed).toBeGreaterThan(2); // the teacher presses from the start
    model.dispose();
  });

  it('scalar-policy: presses good on actions the expert would take, bad on those it would not, about one step in ten', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tamer-'));
    const model = new RewardModel(11, 6, { actionDependent: true }, 1);
    // The agent alternates actions 2 and 3; the "expert" likes 2 and never takes 3.
    let t = 0;
    const judged: number[] = [];
    const judge = ({ action }: { action: number }) => {
      judged.push(action);
      return action === 2 ? 1 : -1;
    };
    const config = { ...TAMER_DEFAULTS, teacher: 'scalar-policy' as const, expert: 'unused', feedback: 10_000, delayMax: 0.3 };
    const ch = new FeedbackChannel(dir, config, model, 'Pong', { maskScore: true }, 1, () => (t++ % 30 < 15 ? 2 : 3), judge);
    for (let i = 0; i < 1500; i++) ch.step(); // 100 s of play
    expect(judged).toHaveLength(1500);
    const events = lines(join(dir, 'feedback.jsonl')).slice(1).map((l) => JSON.parse(l));
    // Reactions to 0.1 of 15 steps/s, none within 0.5 s of another (at most 2 a second): about one a second.
    expect(events.length).toBeGreaterThan(60);
    expect(events.length).toBeLessThan(150);
    expect(events.some((e) => e.value > 0) && events.some((e) => e.value < 0)).toBe(true);
    // With a short delay each press credits the steps around the judged one: mostly the same action.
    const agree = events.filter((e) => e.credits.filter((c: { action: number }) => (c.action === 2) === (e.value > 0)).length * 2 > e.credits.length);
    expect(agree.length / events.length).toBeGreaterThan(0.8);
    expect(() => new FeedbackChannel(dir, config, model, 'Pong', { maskScore: true }, 1, () => 2)).toThrow(/scalar-policy teacher needs the expert's judgement/);
    model.dispose();
  });

  it('refuses bad feedback settings, and scalar feedback on an action-blind reward model', () => {
    expect(() => resolveTamerConfig({ delayMin: 5, delayMax: 4 })).toThrow(RangeError);
    expect(() => resolveTamerConfig({ teacher: 'oracle' as never })).toThrow(/teacher must be null \(people press\) or scalar-oracle, scalar-expert/);
    expect(() => resolveTamerConfig({ teacher: 'scalar-expert' })).toThrow(/expert run folder exactly when the teacher is scalar-expert or scalar-policy/);
    expect(() => resolveTamerConfig({ teacher: 'scalar-policy' })).toThrow(/expert run folder exactly when the teacher is scalar-expert or scalar-policy/);
    const blind = new RewardModel(4, 3, { actionDependent: false }, 1);
    expect(() => blind.trainFeedback(new Float32Array(4), [0], [1], [1])).toThrow(/action-dependent/);
    blind.dispose();
  });

  it('trains the greedy-h agent end to end with the synthetic scalar teacher', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tamer-')), 'run');
    const trainer = await Trainer.create(dir, tinyRun({ agent: 'greedy-h', steps: 2000, tamer: { ...TAMER_DEFAULTS, teacher: 'scalar-oracle', feedback: 30 } }));
    const summary = await trainer.train();
    trainer.dispose();
    expect(summary.steps).toBe(2000);
    // Pong loses a point every few seconds at random: the teacher presses "bad" after each, up to its budget.
    expect(summary.feedbackUsed).toBe(30);
    expect(lines(join(dir, 'feedback.jsonl'))).toHaveLength(31);
    const last = JSON.parse(lines(join(dir, 'metrics.jsonl')).at(-1)!);
    expect(last).toMatchObject({ feedbackUsed: 30, liveSteps: 2000 });
  });

  it('takes an expert trained without the score mask where the mask hides nothing (Space Invaders ram), refuses it where it does', async () => {
    const tiny = (env: string, dir: string, extra: Partial<RunConfig>) => Trainer.create(dir, tinyRun({ env, steps: 160, ...extra }));
    const root = mkdtempSync(join(tmpdir(), 'tamer-expert-'));
    for (const env of ['SpaceInvaders', 'Pong']) {
      const expert = await tiny(env, join(root, `${env}-expert`), { reward: 'true', maskScore: false, tamer: undefined });
      await expert.train();
      expert.dispose();
    }
    const tamer = (env: string) => ({ tamer: { ...TAMER_DEFAULTS, teacher: 'scalar-policy' as const, expert: join(root, `${env}-expert`), feedback: 5 } });
    const si = await tiny('SpaceInvaders', join(root, 'si'), tamer('SpaceInvaders'));
    await si.train();
    si.dispose();
    await expect(tiny('Pong', join(root, 'pong'), tamer('Pong'))).rejects.toThrow(/plays Pong \(ram, maskScore false\); this run plays Pong \(ram, maskScore true\): pass --no-mask-score/);
    // Refused before the run folder is made: the same --out can be used again with the right flag.
    expect(existsSync(join(root, 'pong'))).toBe(false);
    // An expert judges by the true score: a run trained on a learned reward (the SI tamer run) is refused as one.
    const byTamer = { tamer: { ...tamer('SpaceInvaders').tamer, expert: join(root, 'si') } };
    await expect(tiny('SpaceInvaders', join(root, 'si-2'), byTamer)).rejects.toThrow(/si was trained on reward "tamer", not the true score: an expert teacher needs a run made with --reward true/);
    expect(existsSync(join(root, 'si-2'))).toBe(false);
  });

  it('leaves the live env to its host when the host drives it (the app), and plays it alongside A2C headless', async () => {
    const config = (feedback: number) => tinyRun({ tamer: { ...TAMER_DEFAULTS, feedback } });
    const headless = await Trainer.create(join(mkdtempSync(join(tmpdir(), 'tamer-')), 'run'), config(10));
    await headless.train();
    // One live step per liveEvery (80) agent steps, from step 0: 480 / 80 + 1.
    expect(headless.feedback!.liveSteps).toBe(7);
    headless.dispose();
    const hosted = await Trainer.create(join(mkdtempSync(join(tmpdir(), 'tamer-')), 'run'), config(10), undefined, { hostDrivesLive: true });
    await hosted.train();
    expect(hosted.feedback!.liveSteps).toBe(0);
    hosted.playLive({ start: 3, end: 3 + 1 / 15 });
    expect(hosted.feedback!.liveSteps).toBe(1);
    expect(hosted.feedback!.clock).toBeCloseTo(3 + 1 / 15, 9);
    hosted.dispose();
  });

  it('resumes live play at its pace: the steps played so far are kept, none is played twice or all at once', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tamer-')), 'run');
    const first = await Trainer.create(dir, tinyRun({ steps: 240, tamer: { ...TAMER_DEFAULTS, feedback: 10 } }));
    await first.train();
    first.dispose();
    // Live steps at agent steps 0, 80, 160 and 240.
    expect(JSON.parse(lines(join(dir, 'metrics.jsonl')).at(-1)!)).toMatchObject({ steps: 240, liveSteps: 4 });
    const resumed = await Trainer.resume(dir, 480);
    expect(resumed.feedback!.liveSteps).toBe(4);
    await resumed.train();
    resumed.dispose();
    // Then at 320, 400 and 480: as many as one run of 480 steps plays (7, above), not 480 / 80 + 1 more.
    expect(JSON.parse(lines(join(dir, 'metrics.jsonl')).at(-1)!)).toMatchObject({ steps: 480, liveSteps: 7 });
  });
});
