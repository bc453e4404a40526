/**
 * feedback.jsonl: the scalar feedback (good/bad presses) of a run, one event per line (see jsonl.ts), with the
 * steps it credited, so the feedback replay buffer can be rebuilt exactly on resume and the feedback exported:
 *   { time, value, labeler, at, credits: [{ action, weight, obs }], liveStep?, origin? }
 * `time` is seconds on the run's play clock, `at` the wall-clock time (ISO 8601), `obs` the step's
 * observation as base64 little-endian float32, `liveStep` the run's count of live steps played when the press
 * was taken (absent in files written before it was recorded; on an imported event, the count in the run it
 * came from, kept as a record and not used). `origin` ("<run id>/f<index>") is there on events imported from
 * another run's dataset: where the press was first given.
 */
import { describe, isRecord } from '../env/snapshot.js';
import type { JsonlFormat } from './jsonl.js';

export interface StoredCredit {
  action: number;
  weight: number;
  obs: string;
}

export interface FeedbackEvent {
  time: number;
  value: number;
  labeler: string;
  at: string;
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
    for (const c of r.credits as unknown[]) {
      if (!isRecord(c) || !Number.isInteger(c.action) || typeof c.weight !== 'number' || !(c.weight > 0 && c.weight <= 1) || typeof c.obs !== 'string') {
        throw new Error(`a credit must be { action: integer, weight in (0, 1], obs: base64 }, got ${describe(c)}`);
      }
      const bytes = obsBytes(c.obs);
      if (bytes % 4 !== 0) throw new Error(`a credit's obs must be base64 of whole float32s, got ${bytes} bytes`);
    }
    return r as unknown as FeedbackEvent;
  },
};
