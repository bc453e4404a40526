import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { frameLayout } from '../../src/learning/preferences/clip-obs.js';
import { decodeCredited, encodeCredited, FEEDBACK_FORMAT, type FeedbackEvent } from '../../src/store/feedback.js';

/** An observation of `plane` pixels x `stack` frames (stack innermost) from its frames, oldest first. */
function stacked(frames: number[][], plane: number): Uint8Array {
  const stack = frames.length;
  const obs = new Uint8Array(plane * stack);
  frames.forEach((f, k) => f.forEach((v, p) => (obs[p * stack + k] = v)));
  return obs;
}

const event = (e: Pick<FeedbackEvent, 'credits'> & Partial<FeedbackEvent>): FeedbackEvent => ({ time: 1, value: 1, labeler: 'ann', at: new Date(0).toISOString(), ...e });

describe('feedback.jsonl credited steps', () => {
  it('keeps stacked frames once: a step that shifts the last by a new frame adds one frame, any other its whole stack', () => {
    const layout = { plane: 2, stack: 3 };
    const [a, b, c, d, e, x, y, z, w] = [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10], [20, 21], [22, 23], [24, 25], [26, 27]];
    // Steps 0-2 follow each other; step 3 starts a new episode (its stack is not step 2's shifted); step 4 follows it.
    const obs = [stacked([a, b, c], 2), stacked([b, c, d], 2), stacked([c, d, e], 2), stacked([x, y, z], 2), stacked([y, z, w], 2)];
    const { frames, at } = encodeCredited(obs, layout);
    expect(at.map((s) => s.frame)).toEqual([0, 1, 2, 5, 6]);
    expect([...inflateRawSync(Buffer.from(frames!, 'base64'))]).toEqual([a, b, c, d, e, x, y, z, w].flat());
    const stored = event({ frames, credits: at.map((s, i) => ({ action: i, weight: 0.5, ...s })) });
    expect(FEEDBACK_FORMAT.check(JSON.parse(JSON.stringify(stored)))).toEqual(stored);
    expect(decodeCredited(stored, 6, layout)).toEqual(obs);
  });

  it('keeps flat (ram) observations as float32 per step', () => {
    const obs = [Float32Array.of(0.5, -1, 0.25), Float32Array.of(1, 0, -0.5)];
    const { frames, at } = encodeCredited(obs, null);
    expect(frames).toBeUndefined();
    const stored = event({ credits: at.map((s) => ({ action: 0, weight: 1, ...s })) });
    expect(decodeCredited(stored, 3, null)).toEqual(obs);
    expect(frameLayout({ kind: 'box', shape: [3], low: -1, high: 1, dtype: 'float32', size: 3 })).toBeNull();
    expect(frameLayout({ kind: 'box', shape: [84, 84, 4], low: 0, high: 255, dtype: 'uint8', size: 84 * 84 * 4 })).toEqual({ plane: 84 * 84, stack: 4 });
  });

  it('refuses steps that do not fit the observations, naming the credit', () => {
    const layout = { plane: 2, stack: 3 };
    const { frames, at } = encodeCredited([stacked([[1, 2], [3, 4], [5, 6]], 2)], layout);
    const framed = event({ frames, credits: [{ action: 0, weight: 1, frame: at[0].frame! + 1 }] });
    expect(() => decodeCredited(framed, 6, layout)).toThrow(/credit 0's frame 1 does not start a stack of 3 among the event's 3 frames/);
    expect(() => decodeCredited(framed, 6, { plane: 4, stack: 3 })).toThrow(/the event's frames are 6 bytes, not whole frames of 4/);
    expect(() => decodeCredited({ ...framed, frames: Buffer.from('not deflate').toString('base64') }, 6, layout)).toThrow(/the event's frames are not deflated frames/);
    // At most every credit's whole stack: 1 credit of 3 frames of 2 bytes.
    const bomb = deflateRawSync(Buffer.alloc(1 << 20)).toString('base64');
    expect(() => decodeCredited({ ...framed, frames: bomb }, 6, layout)).toThrow(/the event's frames are not deflated frames \(.*(buffer|length|size).*\)/i);
    expect(() => decodeCredited(framed, 6, null)).toThrow(/credit 0 holds no obs; observations of 6 values are stored per credit/);
    const flat = event({ credits: encodeCredited([Float32Array.of(1, 2)], null).at.map((s) => ({ action: 0, weight: 1, ...s })) });
    expect(() => decodeCredited(flat, 3, null)).toThrow(/credit 0 holds an observation of 2 values; expected 3/);
    expect(() => decodeCredited(flat, 6, layout)).toThrow(/the event holds no frames; observations of 3 stacked frames of 2 bytes are stored as frames/);
    // The line format: a credit holds obs or, in an event with frames, frame; never both.
    expect(() => FEEDBACK_FORMAT.check({ ...framed, credits: [{ action: 0, weight: 1, frame: 0, obs: 'AAAA' }] })).toThrow(/a credit must be \{ action: integer, weight in \(0, 1\], frame: the index/);
    expect(() => FEEDBACK_FORMAT.check({ ...flat, credits: [{ action: 0, weight: 1, frame: 0 }] })).toThrow(/a credit must be \{ action: integer, weight in \(0, 1\], obs: base64 \}/);
    expect(() => FEEDBACK_FORMAT.check({ ...framed, frames: 7 })).toThrow(/frames must be base64 bytes when present, got 7/);
  });
});
