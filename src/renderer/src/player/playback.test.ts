import { describe, expect, it } from 'vitest';
import type { ClipRecord } from '../../../env/clip';
import { makeEnv } from '../../../env/index';
import type { EnvOptions } from '../../../env/index';
import { ClipFrames, Playhead, playbackRates } from './playback';

/** A Pong clip cut after `skip` steps, and the frames the live env showed while playing its actions. */
function recordClip(options: Partial<EnvOptions>, skip: number, steps: number): { clip: ClipRecord; live: Uint8Array[] } {
  const env = makeEnv('Pong', options);
  env.reset({ seed: 7 });
  for (let i = 0; i < skip; i++) env.step(i % env.actionSpace.n);
  const clip: ClipRecord = { id: 'c1', env: 'Pong', options: { ...env.options }, state: env.getState(), actions: [] };
  const live: Uint8Array[] = [];
  env.onFrame = (pixels) => live.push(pixels.slice());
  for (let i = 0; i < steps && !env.done; i++) {
    const a = (i * 5 + 1) % env.actionSpace.n;
    clip.actions.push(a);
    env.step(a);
  }
  return { clip, live };
}

describe('ClipFrames', () => {
  const frames = (store: ClipFrames) => Array.from({ length: store.count }, (_, k) => store.frame(k));
  // (vitest's deep equality is slow on 100 x 33,600 bytes, so compare by hand.)
  const firstMismatch = (a: Uint8Array[], b: Uint8Array[]) =>
    a.findIndex((f, k) => f.length !== 160 * 210 || f.some((v, i) => v !== b[k][i]));

  it('holds every emulator frame of the clip, equal to what the live env showed', () => {
    const { clip, live } = recordClip({}, 40, 25);
    const store = new ClipFrames().record(clip);
    expect(store.count).toBe(25 * 4);
    expect(firstMismatch(frames(store), live)).toBe(-1);
    expect(new Set(frames(store).map((f) => f.join())).size).toBeGreaterThan(10);
  });

  it('follows the clip frame skip and stops where the episode ended', () => {
    expect(new ClipFrames().record(recordClip({ frameSkip: 2 }, 5, 10).clip).count).toBe(20);
    // Truncated after step 12: the clip starting at step 10 has 2 steps.
    const { clip, live } = recordClip({ maxEpisodeSteps: 12 }, 10, 5);
    clip.actions.push(0, 0, 0);
    expect(new ClipFrames().record(clip).count).toBe(8);
    expect(live).toHaveLength(8);
  });

  it('is reused from clip to clip, and empty after a record that failed', () => {
    const long = recordClip({}, 40, 25);
    const short = recordClip({}, 90, 3);
    const store = new ClipFrames().record(long.clip).record(short.clip);
    expect(store.count).toBe(12);
    expect(firstMismatch(frames(store), short.live)).toBe(-1);
    expect(() => store.frame(12)).toThrow(/\[0, 12\)/);
    // The second action is out of range: the replay throws after writing the first step's frames.
    expect(() => store.record({ ...short.clip, actions: [0, 99] })).toThrow(/action for Pong/);
    expect(store.count).toBe(0);
  });

  it('names the bad field of a malformed record', () => {
    const { clip } = recordClip({}, 0, 1);
    expect(() => new ClipFrames().record({ ...clip, actions: [] }, 'left clip')).toThrow(/left clip\.actions/);
  });
});

describe('Playhead', () => {
  // fps 4 and quarter-second ticks keep the arithmetic exact.
  const make = (length: number, holdSeconds = 0.5) => {
    const p = new Playhead({ fps: 4, holdSeconds });
    p.setLength(length);
    return p;
  };

  it('advances one frame per 1 / (fps * speed) seconds', () => {
    const p = make(100);
    for (let i = 0; i < 4; i++) p.advance(0.25);
    expect(p.frame).toBe(4);
    p.setSpeed(0.5);
    for (let i = 0; i < 4; i++) p.advance(0.25);
    expect(p.frame).toBe(6);
    p.setSpeed(2);
    expect(p.advance(0.25)).toBe(true);
    expect(p.frame).toBe(8);
    expect(p.advance(0.1)).toBe(false);
  });

  it('holds the last frame for its own time plus the hold, then loops to 0', () => {
    const p = make(3, 0.5);
    p.advance(0.25);
    p.advance(0.25);
    expect(p.frame).toBe(2);
    p.advance(0.25);
    p.advance(0.25);
    expect([p.frame, p.loops]).toEqual([2, 0]);
    p.advance(0.25);
    expect([p.frame, p.loops]).toEqual([0, 1]);
  });

  it('counts the frames it moves on to and the time it holds the end frame', () => {
    const p = make(3, 0.5);
    for (let i = 0; i < 3; i++) p.advance(0.25); // frames 1 and 2, a quarter second into the last frame
    expect([p.advanced, p.heldSeconds]).toEqual([2, 0]);
    p.advance(0.25); // its own frame time, then a quarter of the hold
    expect([p.frame, p.advanced, p.heldSeconds]).toEqual([2, 2, 0.25]);
    p.advance(0.25); // the rest of the hold: back to 0
    p.advance(0.25);
    expect([p.frame, p.advanced, p.heldSeconds]).toEqual([1, 4, 0.5]);
    p.seek(2);
    p.step(-1);
    expect(p.advanced).toBe(4); // looking around is not playback
  });

  it('the hold is wall time, not scaled by speed', () => {
    const p = make(2, 0.5);
    p.setSpeed(0.25); // one frame a second
    for (let i = 0; i < 8; i++) p.advance(0.25);
    expect(p.frame).toBe(1);
    p.advance(0.25); // 1 s on the last frame + 0.25 of the 0.5 s hold
    expect(p.frame).toBe(1);
    p.advance(0.25);
    expect(p.frame).toBe(0);
  });

  it('stands still while paused; step pauses and clamps; long gaps count as a quarter second', () => {
    const p = make(10);
    p.paused = true;
    expect(p.advance(1)).toBe(false);
    p.paused = false;
    p.advance(10);
    expect([p.frame, p.frozenSeconds]).toEqual([1, 9.75]);
    p.step(-5);
    expect([p.frame, p.paused]).toEqual([0, true]);
    p.step(50);
    expect(p.frame).toBe(9);
    p.seek(4.4);
    expect(p.frame).toBe(4);
  });

  it('after sync, a display at the content rate shows each frame once despite jittery vsyncs', () => {
    const advances = (sync: boolean) => {
      const p = new Playhead({ fps: 60, holdSeconds: 0 });
      p.setLength(1000);
      p.seek(0);
      if (sync) p.sync(1 / 60);
      const counts = new Set<number>();
      for (let i = 0; i < 200; i++) {
        const before = p.frame;
        p.advance(1 / 60 + (i % 2 ? 0.001 : -0.001));
        counts.add(p.frame - before);
      }
      return [...counts].sort();
    };
    expect(advances(false)).toEqual([0, 2]); // on the boundary: alternately repeats and skips
    expect(advances(true)).toEqual([1]);
  });

  it('rejects speeds, lengths and steps that make no sense', () => {
    const p = make(10);
    expect(() => p.setSpeed(0)).toThrow(/positive number/);
    expect(() => p.setLength(0)).toThrow(/positive integer/);
    expect(() => p.step(0.5)).toThrow(/whole number/);
    expect(() => new Playhead({ fps: 60, holdSeconds: -1 })).toThrow(/holdSeconds/);
  });
});

describe('playbackRates', () => {
  const zero = { ticks: 0, seconds: 0, heldSeconds: 0, advanced: 0, shown: 0, frozenSeconds: 0 };

  it('leaves the held end frame out of the playing rate', () => {
    // One loop of a 100-frame pair at 60 Hz, every frame drawn: 100/60 s playing, then the 0.5 s hold.
    const r = playbackRates(zero, { ticks: 130, seconds: 100 / 60 + 0.5, heldSeconds: 0.5, advanced: 100, shown: 100, frozenSeconds: 0 });
    expect(r.fps).toBeCloseTo(60, 9);
    expect(r.skippedPerSecond).toBe(0);
    expect(r.shownPerSecond).toBeCloseTo(100 / (100 / 60 + 0.5), 9);
    expect(r.rafPerSecond).toBeCloseTo(60, 9);
  });

  it('counts frames passed but not drawn as skipped', () => {
    const before = { ticks: 10, seconds: 1, heldSeconds: 0.2, advanced: 40, shown: 40, frozenSeconds: 0 };
    // 2 s at 30 animation frames a second: each draws every other frame.
    const r = playbackRates(before, { ticks: 70, seconds: 3, heldSeconds: 0.2, advanced: 160, shown: 100, frozenSeconds: 0 });
    expect([r.fps, r.skippedPerSecond, r.rafPerSecond, r.seconds, r.frozenSeconds]).toEqual([30, 30, 30, 2, 0]);
  });
});
