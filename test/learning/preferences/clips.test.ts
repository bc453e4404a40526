import { describe, expect, it } from 'vitest';
import { replayClip } from '../../../src/env/clip.js';
import { listEnvs, makeEnv } from '../../../src/env/index.js';
import { Rng } from '../../../src/env/rng.js';
import { VectorEnv } from '../../../src/env/vector-env.js';
import { ClipObsBuilder, FrameSteps } from '../../../src/learning/preferences/clip-obs.js';
import { type Clip, ClipRecorder, randomPolicyClips } from '../../../src/learning/preferences/clips.js';
import { stackClips } from '../../../src/learning/preferences/dataset.js';
import { clipFromRecord } from '../../../src/session/labeling.js';

/** What each step of a replayed clip led to: the next step's observation, and the final one after the last. */
function replayedNext(record: Clip['record'], size: number): Float32Array {
  const replay = replayClip(record);
  const next = new Float32Array(replay.obs.length * size);
  replay.obs.slice(1).forEach((o, t) => next.set(o, t * size));
  next.set(replay.final, (replay.obs.length - 1) * size);
  return next;
}

/** The first index where two arrays of as many values differ, or -1 (and the lengths must match). */
function firstDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.findIndex((x, i) => x !== b[i]);
}

describe('clips', () => {
  it.each(listEnvs())('%s: a clip cut from a rollout re-simulates exactly from its record', (id) => {
    const env = VectorEnv.make(id, 4, { maskScore: true });
    let n = 0;
    const clips = randomPolicyClips(env, 6, { length: 25, every: 20, seed: 3 }, () => `c${n++}`);
    expect(clips).toHaveLength(6);
    for (const clip of clips) {
      // The record is JSON: what the run stores and the app receives.
      const replay = replayClip(JSON.parse(JSON.stringify(clip.record)));
      expect(replay.obs).toHaveLength(25);
      const obs = new Float32Array(25 * env.obsSize);
      replay.obs.forEach((o, t) => obs.set(o, t * env.obsSize));
      expect(obs).toEqual(clip.obs);
      expect(replayedNext(clip.record, env.obsSize)).toEqual(clip.next);
      expect(Float32Array.from(replay.rewards)).toEqual(clip.trueRewards);
      expect(replay.rewards.reduce((a, b) => a + b, 0)).toBeCloseTo(clip.trueReturn, 6);
      expect(Array.from(clip.actions)).toEqual(clip.record.actions);
    }
  });

  it.each(['Pong', 'Seaquest'])('%s with pixels: a clip stores each frame once and gives back every observation and the one after exactly', (id) => {
    const env = VectorEnv.make(id, 2, { obsType: 'pixels', maskScore: true });
    let n = 0;
    const clips = randomPolicyClips(env, 2, { length: 25, every: 20, seed: 5 }, () => `c${n++}`);
    for (const clip of clips) {
      expect(clip.obs).toBeInstanceOf(FrameSteps);
      const frames = (clip.obs as FrameSteps).frames;
      expect(frames.length).toBe((25 + 4) * 84 * 84); // 205 KB, where 50 Float32 stacks would take 5.6 MB
      expect((clip.next as FrameSteps).frames).toBe(frames);
      // stackClips writes them out as the rows the reward model reads: what a replay of the record observes.
      // (Compared as bytes: a deep equality over 705,600 values a clip takes seconds.)
      const { obs, next } = stackClips([clip], env.obsSize, true);
      const replay = replayClip(clip.record);
      const replayed = new Float32Array(25 * env.obsSize);
      replay.obs.forEach((o, t) => replayed.set(o, t * env.obsSize));
      expect(firstDifference(obs, replayed)).toBe(-1);
      expect(firstDifference(next!, replayedNext(clip.record, env.obsSize))).toBe(-1);
      expect(obs.some((x) => x > 0)).toBe(true);
      // And as the labeling session rebuilds a stored clip.
      const stored = stackClips([clipFromRecord({ ...clip.record, step: 0 })], env.obsSize, true);
      expect(firstDifference(stored.obs, obs)).toBe(-1);
      expect(firstDifference(stored.next!, next!)).toBe(-1);
    }
  });

  it('refuses pixel observations that do not follow each other by one frame, rather than store wrong ones', () => {
    const space = makeEnv('Pong', { obsType: 'pixels' }).observationSpace;
    const builder = new ClipObsBuilder(space, 2);
    const first = Uint8Array.from({ length: space.size }, (_, i) => i % 251);
    const shifted = Uint8Array.from({ length: space.size }, (_, i) => (i % 4 === 3 ? 7 : first[i + 1]));
    builder.add(0, first, shifted);
    expect(() => builder.add(1, shifted, first)).toThrow(/step 1's next observation is not its observation shifted by one frame \(pixel 0, stacked frame 0\)/);
  });

  it('replays every emulator frame (frameSkip per step) for players', () => {
    const env = VectorEnv.make('Pong', 2);
    let n = 0;
    const [clip] = randomPolicyClips(env, 1, { length: 10, every: 5, seed: 1 }, () => `c${n++}`);
    const steps: number[] = [];
    replayClip(clip.record, (_pixels, step) => steps.push(step));
    expect(steps).toHaveLength(10 * 4);
    expect(steps.filter((s) => s === 9)).toHaveLength(4);
  });

  it('drops a clip that an episode end cuts short, and never mixes envs', () => {
    // Episodes of 8 steps: a 10-step clip can only finish if it starts in the first... never.
    const env = VectorEnv.make('Pong', 3, { maxEpisodeSteps: 8 });
    const clips: Clip[] = [];
    let n = 0;
    const recorder = new ClipRecorder(env, { length: 10, every: 1, seed: 1 }, () => ({ id: `c${n++}`, step: 0 }), (c) => clips.push(c));
    let obs = env.reset({ seed: 1 }).obs.slice();
    const rng = new Rng(2);
    const actions = new Int32Array(3);
    for (let t = 0; t < 100; t++) {
      actions.forEach((_, i) => (actions[i] = Math.floor(rng.next() * env.actionSpace.n)));
      recorder.beforeStep(env);
      const r = env.step(actions);
      recorder.afterStep(obs, actions, r);
      obs = r.obs.slice();
    }
    expect(clips).toHaveLength(0);
    // With 8-step clips they fit, and each replays within its own episode.
    const fits: Clip[] = [];
    const ok = new ClipRecorder(env, { length: 8, every: 1, seed: 1 }, () => ({ id: `c${n++}`, step: 0 }), (c) => fits.push(c));
    obs = env.reset({ seed: 2 }).obs.slice();
    for (let t = 0; t < 100; t++) {
      ok.beforeStep(env);
      const r = env.step(actions);
      ok.afterStep(obs, actions, r);
      obs = r.obs.slice();
    }
    expect(fits.length).toBeGreaterThan(10);
    for (const c of fits) expect(replayClip(c.record).obs).toHaveLength(8);
    // A clip that fills its episode: its last step leads to the episode's final observation, not the reset one.
    const whole = fits.filter((c) => replayClip(c.record).endedAt === 7);
    expect(whole.length).toBeGreaterThan(0);
    for (const c of whole) expect(replayedNext(c.record, env.obsSize)).toEqual(c.next);
  });

  it('persistent random play holds its actions and its clips re-simulate exactly too', () => {
    const runLength = (clips: Clip[]) => {
      let changes = 0;
      let steps = 0;
      for (const c of clips) {
        for (let t = 1; t < c.actions.length; t++) changes += c.actions[t] !== c.actions[t - 1] ? 1 : 0;
        steps += c.actions.length - 1;
      }
      return steps / Math.max(1, changes);
    };
    let n = 0;
    const uniform = randomPolicyClips(VectorEnv.make('Enduro', 4), 20, { length: 25, every: 20, seed: 5 }, () => `c${n++}`);
    const persistent = randomPolicyClips(VectorEnv.make('Enduro', 4), 20, { length: 25, every: 20, seed: 5 }, () => `c${n++}`, 'persistent');
    // A uniformly random action repeats by chance (1 in 9 on Enduro); held ones last about 1.6 steps, and longer
    // when the next draw repeats them.
    expect(runLength(uniform)).toBeLessThan(1.3);
    expect(runLength(persistent)).toBeGreaterThan(1.6);
    for (const clip of persistent.slice(0, 5)) {
      const replay = replayClip(clip.record);
      expect(Float32Array.from(replay.rewards)).toEqual(clip.trueRewards);
      expect(replayedNext(clip.record, clip.obs.length / 25)).toEqual(clip.next);
    }
  });

  it('rejects bad recorder settings', () => {
    const env = VectorEnv.make('Pong', 1);
    expect(() => new ClipRecorder(env, { length: 0, every: 10, seed: 0 }, () => ({ id: 'c', step: 0 }), () => {})).toThrow(/clip length/);
    expect(() => new ClipRecorder(env, { length: 5, every: 0.5, seed: 0 }, () => ({ id: 'c', step: 0 }), () => {})).toThrow(/between clips/);
  });
});
