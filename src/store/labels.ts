/**
 * The run's labels and the clips they are about, as append-only logs (see jsonl.ts):
 *
 *   clips.jsonl    one clip record per line (env, options, snapshot at the first step, actions), written
 *                  before any pair that shows it is handed out
 *   labels.jsonl   one event per line: a label given, undone, or changed from the history, or a person's review
 *                  of it withdrawn; with who gave it (a person's name, or "teacher:<name>" for a synthetic
 *                  teacher) and when
 *
 * Labels are never edited in place: undo and change are new events, and the labels in effect are what
 * replaying the events gives (`currentLabels`).
 */
import { checkClipRecord, type ClipRecord } from '../env/clip.js';
import { describe, isRecord } from '../env/snapshot.js';
import { ANSWERS, type Answer } from '../learning/preferences/teachers.js';
import type { JsonlFormat } from './jsonl.js';

export interface StoredClip extends ClipRecord {
  /** Agent step of training when it was cut (0 for the random-policy clips before RL). */
  step: number;
  /** Imported clips: "<source run id>/<clip id there>" (see src/export/dataset.ts). */
  origin?: string;
}

/** A label as given: who, when, at which agent step; `time` is ISO 8601. */
interface LabelGiven {
  pairId: string;
  left: string;
  right: string;
  answer: Answer;
  labeler: string;
  time: string;
  step: number;
  /** Imported labels: "<source run id>/<pair id there>", the key that makes importing twice a no-op. */
  origin?: string;
}

export type LabelEvent =
  | ({ type: 'label' } & LabelGiven)
  | { type: 'undo'; pairId: string; labeler: string; time: string }
  | { type: 'change'; pairId: string; answer: Answer; labeler: string; time: string }
  /** A person's review withdrawn (a Keep by mistake): the answer stays, and the label screen judges it again. */
  | { type: 'unreview'; pairId: string; labeler: string; time: string };

/** A label in effect: as given, with `labeler` and `time` those of its last change. */
export type Label = LabelGiven;

/** Where a clip or label comes from: its own origin if imported, else "<this run's id>/<its id>". */
export function originOf(runId: string, record: { origin?: string }, id: string): string {
  return record.origin ?? `${runId}/${id}`;
}

function need(cond: boolean, message: string): void {
  if (!cond) throw new Error(message);
}

function checkOrigin(o: unknown): void {
  need(o === undefined || (typeof o === 'string' && o !== ''), `origin must be a non-empty string when present, got ${describe(o)}`);
}

function checkAnswer(a: unknown): void {
  need(typeof a === 'string' && (ANSWERS as readonly string[]).includes(a), `answer must be one of ${ANSWERS.join(', ')}, got ${describe(a)}`);
}

export const CLIPS_FORMAT: JsonlFormat<StoredClip> = {
  name: 'rlhf-arcade/clips',
  version: 1,
  check(r) {
    const clip = checkClipRecord(r) as StoredClip;
    need(Number.isInteger(clip.step) && clip.step >= 0, `clip ${clip.id}: step must be a non-negative integer, got ${describe(clip.step)}`);
    checkOrigin(clip.origin);
    return clip;
  },
};

export const LABELS_FORMAT: JsonlFormat<LabelEvent> = {
  name: 'rlhf-arcade/labels',
  version: 1,
  check(r) {
    need(isRecord(r), `a label event must be an object, got ${describe(r)}`);
    const e = r as Record<string, unknown>;
    need(typeof e.pairId === 'string' && e.pairId !== '', `pairId must be a non-empty string, got ${describe(e.pairId)}`);
    need(typeof e.labeler === 'string' && e.labeler !== '', `labeler must be a non-empty string, got ${describe(e.labeler)}`);
    need(typeof e.time === 'string' && !Number.isNaN(Date.parse(e.time)), `time must be an ISO date, got ${describe(e.time)}`);
    switch (e.type) {
      case 'label':
        need(typeof e.left === 'string' && typeof e.right === 'string' && e.left !== e.right, `a label needs two different clip ids, got ${describe(e.left)} and ${describe(e.right)}`);
        need(Number.isInteger(e.step) && (e.step as number) >= 0, `step must be a non-negative integer, got ${describe(e.step)}`);
        checkAnswer(e.answer);
        checkOrigin(e.origin);
        break;
      case 'change':
        checkAnswer(e.answer);
        break;
      case 'undo':
      case 'unreview':
        break;
      default:
        throw new Error(`unknown label event type ${describe(e.type)}; known: label, undo, change, unreview`);
    }
    return r as LabelEvent;
  },
};

/**
 * Replays label events into the labels in effect, in the order they were first given. Throws on an event that
 * contradicts the ones before it (an undo, change or unreview of a pair with no label, a second label for a pair).
 */
export function currentLabels(events: readonly LabelEvent[], where = 'labels'): Map<string, Label> {
  const labels = new Map<string, Label>();
  events.forEach((e, i) => {
    const at = `${where} event ${i + 1}`;
    const have = labels.get(e.pairId);
    if (e.type === 'label') {
      need(have === undefined, `${at}: pair ${e.pairId} is labelled twice without an undo`);
      const label: Label = { pairId: e.pairId, left: e.left, right: e.right, answer: e.answer, labeler: e.labeler, time: e.time, step: e.step };
      if (e.origin !== undefined) label.origin = e.origin;
      labels.set(e.pairId, label);
    } else if (e.type === 'undo') {
      need(have !== undefined, `${at}: undo of pair ${e.pairId}, which has no label`);
      labels.delete(e.pairId);
    } else if (e.type === 'unreview') {
      need(have !== undefined, `${at}: unreview of pair ${e.pairId}, which has no label`);
    } else {
      need(have !== undefined, `${at}: change of pair ${e.pairId}, which has no label`);
      labels.set(e.pairId, { ...have!, answer: e.answer, labeler: e.labeler, time: e.time });
    }
  });
  return labels;
}

/**
 * The pairs whose label in effect a person last set from the history (a change, to another answer or the same
 * one): answers given a second look, which the label screen trusts. A later undo, new label or unreview ends it.
 */
export function reviewedPairs(events: readonly LabelEvent[]): Set<string> {
  const reviewed = new Set<string>();
  for (const e of events) {
    if (isReview(e)) reviewed.add(e.pairId);
    else reviewed.delete(e.pairId);
  }
  return reviewed;
}

/** Whether an event is a person's second look at an answer: a change from the history (a teacher's is not). */
export function isReview(e: LabelEvent): boolean {
  return e.type === 'change' && labelerKind(e.labeler) === 'person';
}

/** Who gave a label: synthetic teachers label as "teacher:<name>", people under their own name. */
export function labelerKind(labeler: string): 'teacher' | 'person' {
  return labeler.startsWith('teacher:') ? 'teacher' : 'person';
}

/** The next number of a run's `c<n>` clip or `p<n>` pair ids: one past the largest in use (0 if none). */
export function nextIndex(ids: Iterable<string>, prefix: string): number {
  let max = -1;
  for (const id of ids) {
    const n = id.startsWith(prefix) ? Number(id.slice(prefix.length)) : Number.NaN;
    if (Number.isInteger(n) && n > max) max = n;
  }
  return max + 1;
}
