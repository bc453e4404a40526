/**
 * The labeling session: the one object that people (through the app or the browser) and synthetic teachers
 * (in the headless trainer) both drive. The trainer puts pairs of clips in its queue; a labeler takes the next
 * pair, answers it (left, right, equal, can't tell), may undo their last answer or change an earlier one from
 * the history; the session writes every answer to the run's label log (fsynced) before acknowledging it, and
 * keeps the reward model's dataset in step with the labels in effect.
 *
 * Several labelers at once: a pair handed to one labeler is locked for `lockMs` (rl-teacher: 2 minutes) and is
 * not handed to another until it is answered or the lock runs out.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type ClipRecord, replayClip } from '../env/clip.js';
import { ClipObsBuilder } from '../learning/preferences/clip-obs.js';
import type { Clip } from '../learning/preferences/clips.js';
import { type ClipData, PreferenceDataset, type DatasetOptions } from '../learning/preferences/dataset.js';
import { pairKey } from '../learning/preferences/query.js';
import { ANSWERS, type Answer } from '../learning/preferences/teachers.js';
import { JsonlLog } from '../store/jsonl.js';
import { CLIPS_FORMAT, currentLabels, isReview, type Label, type LabelEvent, LABELS_FORMAT, nextIndex, reviewedPairs, type StoredClip } from '../store/labels.js';

export interface PairView {
  pairId: string;
  left: ClipRecord;
  right: ClipRecord;
  /** Ensemble disagreement about this pair (variance of P[left > right]); null if not computed. */
  uncertainty: number | null;
}

export interface LabelingProgress {
  /** Labels in effect (every answer, "can't tell" included). */
  labels: number;
  /** Labels the reward model trains on or validates with. */
  trainable: number;
  /** Pairs waiting for an answer. */
  pending: number;
  /** Pairs asked for so far (answered or not). */
  asked: number;
  /** Answers over the last 5 minutes, per minute. */
  labelsPerMinute: number;
}

interface PendingPair {
  pairId: string;
  left: Clip;
  right: Clip;
  uncertainty: number | null;
  lock: { labeler: string; until: number } | null;
}

/** A labeler's mistake (unknown pair, second answer, nothing to undo...): nothing was stored. */
export class LabelingError extends Error {
  override name = 'LabelingError';
}

export interface LabelingOptions extends DatasetOptions {
  /** How long a pair handed to one labeler is kept from the others (120,000 ms). */
  lockMs: number;
  warn?: (message: string) => void;
  /** Wall clock in ms (for tests). */
  now?: () => number;
}

const RATE_WINDOW_MS = 5 * 60_000;

/** ClipData from a stored record, by re-simulating it (observations and true rewards). */
export function clipFromRecord(record: StoredClip): Clip {
  const replay = replayClip(record);
  if (replay.obs.length !== record.actions.length) {
    throw new Error(`clip ${record.id} does not replay: its episode ends after ${replay.obs.length} of ${record.actions.length} steps`);
  }
  const observations = new ClipObsBuilder(replay.space, replay.obs.length);
  // next[t] = obs[t + 1], and the observation after the last step.
  replay.obs.forEach((o, t) => observations.add(t, o, replay.obs[t + 1] ?? replay.final));
  const trueRewards = Float32Array.from(replay.rewards);
  return {
    id: record.id,
    ...observations.finish(),
    actions: Int32Array.from(record.actions),
    trueReturn: replay.rewards.reduce((a, b) => a + b, 0),
    trueRewards,
    record,
    step: record.step,
  };
}

export class LabelingSession {
  readonly dataset: PreferenceDataset;
  /** Agent steps of training so far; stamped on labels. */
  step = 0;
  private readonly clips = new Map<string, Clip>();
  /** Every clip record in the clip log. */
  private readonly records: Map<string, StoredClip>;
  private readonly labelsInEffect: Map<string, Label>;
  private readonly pending: PendingPair[] = [];
  private readonly asked = new Set<string>();
  /** Per labeler, their answers still in effect, most recent last (what undo takes back). */
  private readonly undoStacks = new Map<string, string[]>();
  private readonly answerTimes: number[] = [];
  private nextClip: number;
  private nextPair: number;
  private readonly now: () => number;

  private constructor(
    private readonly clipsLog: JsonlLog<StoredClip>,
    private readonly labelsLog: JsonlLog<LabelEvent>,
    storedClips: StoredClip[],
    events: LabelEvent[],
    readonly options: LabelingOptions,
  ) {
    if (!(options.lockMs > 0)) throw new RangeError(`pair lock time must be positive, got ${options.lockMs} ms`);
    this.now = options.now ?? Date.now;
    this.dataset = new PreferenceDataset(options);
    this.labelsInEffect = currentLabels(events, labelsLog.path);
    // Answers a person set from the history (store/labels.ts reviewedPairs), which a label screen trusts.
    const reviewed = reviewedPairs(events);
    this.records = new Map(storedClips.map((c) => [c.id, c]));
    const clipOf = (pairId: string, id: string) => {
      const record = this.records.get(id);
      if (record === undefined) throw new Error(`${labelsLog.path}: pair ${pairId} names clip ${id}, which is not in ${clipsLog.path}`);
      return this.replayed(record);
    };
    for (const label of this.labelsInEffect.values()) {
      this.dataset.add(label.pairId, clipOf(label.pairId, label.left), clipOf(label.pairId, label.right), label.answer, reviewed.has(label.pairId));
    }
    const answered = new Set([...this.labelsInEffect.values()].map((l) => pairKey(l.left, l.right)));
    for (const e of events) {
      if (e.type !== 'label' || this.asked.has(pairKey(e.left, e.right))) continue;
      this.asked.add(pairKey(e.left, e.right));
      // A pair whose answer was undone waits for a new one, as it did before the run stopped.
      if (!answered.has(pairKey(e.left, e.right))) {
        this.pending.push({ pairId: e.pairId, left: clipOf(e.pairId, e.left), right: clipOf(e.pairId, e.right), uncertainty: null, lock: null });
      }
    }
    this.nextClip = nextIndex(this.records.keys(), 'c');
    this.nextPair = nextIndex(events.map((e) => e.pairId), 'p');
  }

  /** Opens (or starts) the label and clip logs of the run in `dir`. */
  static open(dir: string, options: LabelingOptions): LabelingSession {
    if (!existsSync(dir)) throw new Error(`run folder ${dir} does not exist`);
    const warn = options.warn ?? console.warn;
    const clips = JsonlLog.open(join(dir, 'clips.jsonl'), CLIPS_FORMAT, warn);
    const labels = JsonlLog.open(join(dir, 'labels.jsonl'), LABELS_FORMAT, warn);
    return new LabelingSession(clips.log, labels.log, clips.records, labels.records, options);
  }

  /** A fresh clip id for this run. */
  newClipId(): string {
    return `c${this.nextClip++}`;
  }

  /**
   * The clips in the clip log cut at agent step `step`, re-simulated: after a restart, the random-policy clips
   * (step 0) that pairs were already drawn from, so new pairs can be drawn among them.
   */
  storedClips(step: number): Clip[] {
    return [...this.records.values()].filter((r) => r.step === step).map((r) => this.replayed(r));
  }

  /** A stored clip, re-simulated once and kept. */
  private replayed(record: StoredClip): Clip {
    let clip = this.clips.get(record.id);
    if (clip === undefined) this.clips.set(record.id, (clip = clipFromRecord(record)));
    return clip;
  }

  /** Pair keys asked so far, to never ask one twice. */
  get askedPairs(): ReadonlySet<string> {
    return this.asked;
  }

  /** Queues pairs to be labelled; their clips are written to the clip log first. Returns the pair ids. */
  request(pairs: readonly [Clip, Clip][], uncertainty: readonly number[] | null = null): string[] {
    return pairs.map(([left, right], i) => {
      const key = pairKey(left.id, right.id);
      if (this.asked.has(key)) throw new Error(`pair of clips ${left.id} and ${right.id} was already asked`);
      for (const clip of [left, right]) {
        if (this.clips.has(clip.id)) continue;
        const record: StoredClip = { ...clip.record, step: clip.step };
        this.clipsLog.append(record);
        this.records.set(clip.id, record);
        this.clips.set(clip.id, clip);
      }
      const pairId = `p${this.nextPair++}`;
      this.asked.add(key);
      this.pending.push({ pairId, left, right, uncertainty: uncertainty?.[i] ?? null, lock: null });
      return pairId;
    });
  }

  /**
   * The next pair for `labeler` (locked for them), or null if none waits. Their own locked pair comes first.
   * `exclude` skips pairs they already have on screen, so the app can fetch the one after (prefetch).
   */
  next(labeler: string, exclude: readonly string[] = []): PairView | null {
    checkLabeler(labeler);
    const t = this.now();
    const open = this.pending.filter((p) => !exclude.includes(p.pairId));
    const mine = open.find((p) => p.lock?.labeler === labeler && p.lock.until > t);
    const pair = mine ?? open.find((p) => p.lock === null || p.lock.until <= t);
    if (pair === undefined) return null;
    pair.lock = { labeler, until: t + this.options.lockMs };
    return { pairId: pair.pairId, left: pair.left.record, right: pair.right.record, uncertainty: pair.uncertainty };
  }

  /** Records an answer: on disk (fsynced) first, then in the dataset. Returns the label as stored. */
  answer(pairId: string, answer: Answer, labeler: string): Label {
    checkLabeler(labeler);
    checkAnswer(answer);
    const done = this.labelsInEffect.get(pairId);
    if (done !== undefined) {
      throw new LabelingError(`pair ${pairId} is already answered ("${done.answer}" by ${done.labeler}); change it from the history instead`);
    }
    const index = this.pending.findIndex((p) => p.pairId === pairId);
    if (index < 0) throw new LabelingError(`unknown pair "${pairId}": it is not waiting for an answer`);
    const pair = this.pending[index];
    if (pair.lock !== null && pair.lock.labeler !== labeler && pair.lock.until > this.now()) {
      throw new LabelingError(`pair ${pairId} is being labelled by ${pair.lock.labeler}`);
    }
    const event: LabelEvent = {
      type: 'label',
      pairId,
      left: pair.left.id,
      right: pair.right.id,
      answer,
      labeler,
      time: new Date(this.now()).toISOString(),
      step: this.step,
    };
    this.labelsLog.append(event);
    this.pending.splice(index, 1);
    const label: Label = { pairId, left: event.left, right: event.right, answer, labeler, time: event.time, step: event.step };
    this.labelsInEffect.set(pairId, label);
    this.dataset.add(pairId, pair.left, pair.right, answer);
    const stack = this.undoStacks.get(labeler) ?? [];
    stack.push(pairId);
    this.undoStacks.set(labeler, stack);
    this.answerTimes.push(this.now());
    return label;
  }

  /** Takes back `labeler`'s most recent answer still in effect; the pair goes back to the front of the queue. */
  undo(labeler: string): Label {
    checkLabeler(labeler);
    const stack = this.undoStacks.get(labeler) ?? [];
    let pairId: string | undefined;
    while ((pairId = stack.pop()) !== undefined && !this.labelsInEffect.has(pairId));
    if (pairId === undefined) throw new LabelingError(`${labeler} has no answer to undo in this session`);
    const label = this.labelsInEffect.get(pairId)!;
    this.labelsLog.append({ type: 'undo', pairId, labeler, time: new Date(this.now()).toISOString() });
    this.labelsInEffect.delete(pairId);
    this.dataset.remove(pairId);
    const [left, right] = [this.clips.get(label.left)!, this.clips.get(label.right)!];
    this.pending.unshift({ pairId, left, right, uncertainty: null, lock: { labeler, until: this.now() + this.options.lockMs } });
    this.answerTimes.pop();
    return label;
  }

  /**
   * Changes an answer in effect (from the history), or keeps it (the same answer): either way a person's
   * change marks the answer reviewed, which the label screen trusts.
   */
  change(pairId: string, answer: Answer, labeler: string): Label {
    checkLabeler(labeler);
    checkAnswer(answer);
    const label = this.labelsInEffect.get(pairId);
    if (label === undefined) throw new LabelingError(`pair "${pairId}" has no answer to change`);
    const time = new Date(this.now()).toISOString();
    const event: LabelEvent = { type: 'change', pairId, answer, labeler, time };
    this.labelsLog.append(event);
    const changed: Label = { ...label, answer, labeler, time };
    this.labelsInEffect.set(pairId, changed);
    this.dataset.add(pairId, this.clips.get(label.left)!, this.clips.get(label.right)!, answer, isReview(event));
    return changed;
  }

  /**
   * Withdraws a person's review of an answer in training (a Keep by mistake): the answer stays, and the label
   * screen judges it again like any other. Refused for a pair with no answer, or one nobody reviewed.
   */
  unreview(pairId: string, labeler: string): Label {
    checkLabeler(labeler);
    const label = this.labelsInEffect.get(pairId);
    if (label === undefined) throw new LabelingError(`pair "${pairId}" has no answer to withdraw a review of`);
    if (!this.dataset.isReviewed(pairId)) throw new LabelingError(`pair ${pairId}'s answer was not reviewed: there is no review to withdraw`);
    this.labelsLog.append({ type: 'unreview', pairId, labeler, time: new Date(this.now()).toISOString() });
    this.dataset.unreview(pairId);
    return label;
  }

  /** The labels in effect, oldest first. */
  labels(): Label[] {
    return [...this.labelsInEffect.values()];
  }

  clip(id: string): ClipData & { record: ClipRecord } {
    const c = this.clips.get(id);
    if (c === undefined) throw new LabelingError(`unknown clip "${id}"`);
    return c;
  }

  progress(): LabelingProgress {
    const since = this.now() - RATE_WINDOW_MS;
    const recent = this.answerTimes.filter((t) => t >= since);
    const first = recent.length > 0 ? recent[0] : this.now();
    const minutes = Math.max(1, this.now() - Math.max(first, since)) / 60_000;
    return {
      labels: this.labelsInEffect.size,
      trainable: this.dataset.size,
      pending: this.pending.length,
      asked: this.asked.size,
      labelsPerMinute: recent.length === 0 ? 0 : recent.length / Math.max(minutes, 1 / 60),
    };
  }
}

function checkLabeler(labeler: string): void {
  if (typeof labeler !== 'string' || labeler.trim() === '' || labeler.length > 100) {
    throw new LabelingError(`labeler must be a non-empty name of at most 100 characters, got ${JSON.stringify(labeler)}`);
  }
}

function checkAnswer(answer: string): void {
  if (!(ANSWERS as readonly string[]).includes(answer)) {
    throw new LabelingError(`answer must be one of ${ANSWERS.join(', ')}, got ${JSON.stringify(answer)}`);
  }
}
