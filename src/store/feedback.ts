/**
 * feedback.jsonl: the scalar feedback (good/bad presses) of a run, one event per line (see jsonl.ts), with the
 * steps it credited, so the feedback replay buffer can be rebuilt exactly on resume and the feedback exported:
 *   { time, value, labeler, at, credits: [{ action, weight, obs }], liveStep?, origin? }          (ram)
 *   { time, value, labeler, at, frames, credits: [{ action, weight, frame }], liveStep?, origin? } (pixels)
 * `time` is seconds on the run's play clock, `at` the wall-clock time (ISO 8601), `obs` the step's
 * observation as base64 little-endian float32. Stacked-frame observations (pixels: 84x84 bytes, the last 4
 * frames) keep each frame once per event, as clips do: `frames` is the frames one after another (84 x 84 bytes
 * each), compressed with raw DEFLATE (RFC 1951; Python: `zlib.decompress(base64.b64decode(frames), -15)`) and
 * base64-encoded, and a credit's `frame` the index of its stack's oldest frame there. A press crediting 57
 * consecutive steps holds 60 frames, 423 KB, which deflate to about 11 KB (Atari screens are mostly flat
 * colour), rather than 57 stacks (1.6 MB as bytes, 6.4 MB as float32).
 * `liveStep` the run's count of live steps played when the press
 * was taken (absent in files written before it was recorded; on an imported event, the count in the run it
 * came from, kept as a record and not used). `origin` ("<run id>/f<index>") is there on events imported from
 * another run's dataset: where the press was first given.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Box, Observation } from '../env/core.js';
import { describe, isRecord } from '../env/snapshot.js';
import { type FrameLayout, FrameSteps, frameLayout } from '../learning/preferences/clip-obs.js';
import type { JsonlFormat } from './jsonl.js';

export interface StoredCredit {
  action: number;
  weight: number;
  /** The step's observation, base64 float32 (ram). */
  obs?: string;
  /** The index of the step's oldest stacked frame in its event's `frames` (pixels). */
  frame?: number;
}

export interface FeedbackEvent {
  time: number;
  value: number;
  labeler: string;
  at: string;
  /** The frames the credits' stacks are made of, base64 bytes (pixels). */
  frames?: string;
  credits: StoredCredit[];
  liveStep?: number;
  origin?: string;
}

export function encodeObs(obs: Float32Array): string {
  return Buffer.from(obs.buffer, obs.byteOffset, obs.byteLength).toString('base64');
}

/** Bytes that base64 `text` decodes to, without decoding it. */
function obsBytes(text: string): number {
  return Buffer.byteLength(text, 'base64');
}

/** Observation values in base64 `text` (float32s). */
export function obsLength(text: string): number {
  return obsBytes(text) / 4;
}

export function decodeObs(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Whether `obs` holds the frames of `prev` from the second on, followed by one new frame. */
function shiftedByOne(prev: ArrayLike<number>, obs: ArrayLike<number>, { plane, stack }: FrameLayout): boolean {
  for (let p = 0; p < plane; p++) {
    for (let k = 0; k < stack - 1; k++) if (obs[p * stack + k] !== prev[p * stack + k + 1]) return false;
  }
  return true;
}

/**
 * The credited steps' observations as stored: each as base64 float32 (`layout` null), or their frames once
 * (see the module comment): a step whose stack is the previous one's shifted by a new frame adds that frame,
 * any other (the first, or one after an episode began) its whole stack.
 */
export function encodeCredited(obs: readonly Observation[], layout: FrameLayout | null): { frames?: string; at: { obs?: string; frame?: number }[] } {
  if (layout === null) return { at: obs.map((o) => ({ obs: encodeObs(o instanceof Float32Array ? o : Float32Array.from(o)) })) };
  const { plane, stack } = layout;
  const chunks: Uint8Array[] = [];
  let count = 0;
  const at = obs.map((o, i) => {
    const whole = i === 0 || !shiftedByOne(obs[i - 1], o, layout);
    const first = whole ? count : count - stack + 1;
    for (let k = whole ? 0 : stack - 1; k < stack; k++) {
      const frame = new Uint8Array(plane);
      for (let p = 0; p < plane; p++) frame[p] = o[p * stack + k];
      chunks.push(frame);
      count++;
    }
    return { frame: first };
  });
  return { frames: deflateRawSync(Buffer.concat(chunks)).toString('base64'), at };
}

/**
 * The observations of an event's credited steps, checked against observations of `size` values (and `layout`,
 * for stacked frames): Float32 rows for ram, bytes for pixels. Throws naming the first that does not fit.
 */
export function decodeCredited(event: FeedbackEvent, size: number, layout: FrameLayout | null): Observation[] {
  if (layout === null) {
    return event.credits.map((c, i) => {
      if (c.obs === undefined) throw new Error(`credit ${i} holds no obs; observations of ${size} values are stored per credit (frames are for stacked-frame observations)`);
      const values = obsLength(c.obs);
      if (values !== size) throw new Error(`credit ${i} holds an observation of ${values} values; expected ${size}`);
      return decodeObs(c.obs);
    });
  }
  const { plane, stack } = layout;
  if (event.frames === undefined) throw new Error(`the event holds no frames; observations of ${stack} stacked frames of ${plane} bytes are stored as frames`);
  let frames: Buffer;
  try {
    // No more frames than every credit's whole stack: a corrupt or hostile line cannot inflate without bound.
    frames = inflateRawSync(Buffer.from(event.frames, 'base64'), { maxOutputLength: Math.max(1, event.credits.length * stack * plane) });
  } catch (err) {
    throw new Error(`the event's frames are not deflated frames (${(err as Error).message})`);
  }
  if (frames.length % plane !== 0) throw new Error(`the event's frames are ${frames.length} bytes, not whole frames of ${plane}`);
  const count = frames.length / plane;
  return event.credits.map((c, i) => {
    const first = c.frame;
    if (first === undefined || !(first + stack <= count)) throw new Error(`credit ${i}'s frame ${first} does not start a stack of ${stack} among the event's ${count} frames`);
    const obs = new Uint8Array(plane * stack);
    new FrameSteps(frames, plane, stack, first, 1).write(obs, 0);
    return obs;
  });
}

/**
 * `decodeCredited` for observations of `space`, an error naming the press (`press`: where it is, e.g.
 * "feedback.jsonl:7: press 6") and what observes them (`observer`, e.g. "this run observes (pixels)").
 */
export function creditedSteps(event: FeedbackEvent, space: Box, press: string, observer: string): Observation[] {
  try {
    return decodeCredited(event, space.size, frameLayout(space));
  } catch (err) {
    throw new Error(`${press} does not hold steps of what ${observer}: ${(err as Error).message}`);
  }
}

export const FEEDBACK_FORMAT: JsonlFormat<FeedbackEvent> = {
  name: 'rlhf-arcade/feedback',
  version: 1,
  check(r) {
    if (!isRecord(r)) throw new Error(`a feedback event must be an object, got ${describe(r)}`);
    if (typeof r.time !== 'number' || !Number.isFinite(r.time)) throw new Error(`time must be a finite number of seconds, got ${describe(r.time)}`);
    if (typeof r.value !== 'number' || !(r.value >= -1 && r.value <= 1)) throw new Error(`value must be in [-1, 1], got ${describe(r.value)}`);
    if (typeof r.labeler !== 'string' || r.labeler === '') throw new Error(`labeler must be a non-empty string, got ${describe(r.labeler)}`);
    if (typeof r.at !== 'string' || Number.isNaN(Date.parse(r.at))) throw new Error(`at must be an ISO date, got ${describe(r.at)}`);
    if (r.origin !== undefined && (typeof r.origin !== 'string' || r.origin === '')) throw new Error(`origin must be a non-empty string when present, got ${describe(r.origin)}`);
    if (r.liveStep !== undefined && !(Number.isInteger(r.liveStep) && (r.liveStep as number) >= 0)) {
      throw new Error(`liveStep must be a whole number of live steps when present, got ${describe(r.liveStep)}`);
    }
    if (!Array.isArray(r.credits) || r.credits.length === 0) throw new Error('credits must be a non-empty list of credited steps');
    if (r.frames !== undefined && (typeof r.frames !== 'string' || r.frames === '')) throw new Error(`frames must be base64 bytes when present, got ${describe(r.frames)}`);
    for (const c of r.credits as unknown[]) {
      const framed = r.frames !== undefined;
      if (
        !isRecord(c) ||
        !Number.isInteger(c.action) ||
        typeof c.weight !== 'number' ||
        !(c.weight > 0 && c.weight <= 1) ||
        (framed ? !(Number.isInteger(c.frame) && (c.frame as number) >= 0) || c.obs !== undefined : typeof c.obs !== 'string' || c.frame !== undefined)
      ) {
        throw new Error(`a credit must be { action: integer, weight in (0, 1], ${framed ? 'frame: the index of its oldest frame in frames' : 'obs: base64'} }, got ${describe(c)}`);
      }
      if (!framed) {
        const bytes = obsBytes(c.obs as string);
        if (bytes % 4 !== 0) throw new Error(`a credit's obs must be base64 of whole float32s, got ${bytes} bytes`);
      }
    }
    return r as unknown as FeedbackEvent;
  },
};
