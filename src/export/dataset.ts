/**
 * The labels of a run as one JSON Lines file: its clip preferences with the clips they are about, and its live
 * feedback presses with the steps they credited; to share them and to import them into another run (`npm run
 * labels -- export|import`):
 *
 *   {"format":"rlhf-arcade/preference-dataset","version":2,"source":{runId, run, env, options, exported, project}}
 *   {"type":"clip","id":"c3","env":"Pong","options":{...},"state":{...},"actions":[...],"step":0,"origin":"<run id>/c3"}
 *   {"type":"label","pairId":"p0","left":"c3","right":"c7","answer":"left","labeler":"ann","time":"...","step":0,"origin":"<run id>/p0"}
 *   {"type":"feedback","time":12.4,"value":1,"labeler":"ann","at":"...","credits":[{action, weight, obs}],"liveStep":186,"origin":"<run id>/f0"}
 *   (pixels: "frames":"<deflated, base64>","credits":[{action, weight, frame}], as feedback.jsonl keeps them)
 *
 * Clips come before the first label that names them; labels are the ones in effect (after undo and change),
 * with who gave them and when; presses (version 2 on; version 1 files hold none) are every press the run
 * took, each with the observations and actions of the steps it credited and their weights, as feedback.jsonl
 * keeps them. `origin` is where a record was first made (a run's id and the record's id there; a press's id is
 * f and its place in feedback.jsonl) and survives any number of export/import hops.
 *
 * Import appends to the target run's clips.jsonl, labels.jsonl and feedback.jsonl (fsynced, clips first), under
 * new ids that continue the run's own numbering, with their origin: nothing is overwritten, a label or press
 * whose origin the run already holds (or that the run made itself) is skipped, so importing twice changes
 * nothing, and an import cut short by a crash is completed by running it again (a label held already gets the
 * file's review if nothing was done to it in the run since: the one a cut between the two lines lost). A dataset of another game or
 * other env options is refused, and so are labels for a run that learns nothing from clip preferences and
 * presses for one without live feedback. Imported labels and presses count toward the run's budgets like its
 * own. A run that is training (its trainer holds the run's lock, and reads the logs only when it starts or
 * resumes) is refused.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };
import type { EnvOptions } from '../env/core.js';
import { describe, isRecord } from '../env/snapshot.js';
import { writeFileAtomic } from '../store/atomic.js';
import { JsonlLog, type JsonlFormat, readJsonl } from '../store/jsonl.js';
import { creditedSteps, FEEDBACK_FORMAT, type FeedbackEvent } from '../store/feedback.js';
import { RunLock } from '../store/lock.js';
import { CLIPS_FORMAT, type LabelEvent, LABELS_FORMAT, nextIndex, originOf, type StoredClip } from '../store/labels.js';
import { optionDifferences } from './card.js';
import { type LongOperationOptions, readRunData } from './run-data.js';

export type DatasetRecord =
  | ({ type: 'clip' } & StoredClip & { origin: string })
  | (Extract<LabelEvent, { type: 'label' }> & { origin: string; reviewed?: true })
  | ({ type: 'feedback' } & FeedbackEvent & { origin: string });

export interface DatasetSource {
  runId: string;
  run: string;
  env: string;
  options: EnvOptions;
  exported: string;
  project: { name: string; version: string };
}

export const DATASET_FORMAT: JsonlFormat<DatasetRecord> = {
  name: 'rlhf-arcade/preference-dataset',
  version: 2,
  reads: [1],
  check(r) {
    if (!isRecord(r)) throw new Error(`a dataset record must be an object, got ${describe(r)}`);
    if (typeof r.origin !== 'string' || r.origin === '') throw new Error(`origin must be a non-empty string, got ${describe(r.origin)}`);
    if (r.type === 'clip') {
      const { type: _t, ...clip } = r;
      CLIPS_FORMAT.check(clip);
    } else if (r.type === 'label') {
      LABELS_FORMAT.check(r);
      if (r.reviewed !== undefined && r.reviewed !== true) throw new Error(`a label's reviewed must be true when present, got ${describe(r.reviewed)}`);
    } else if (r.type === 'feedback') {
      const { type: _t, ...press } = r;
      FEEDBACK_FORMAT.check(press);
    } else {
      throw new Error(`record type must be "clip", "label" or "feedback", got ${describe(r.type)}`);
    }
    return r as unknown as DatasetRecord;
  },
};

function checkSource(path: string, source: unknown): DatasetSource {
  const s = source as Partial<DatasetSource> | undefined;
  if (!isRecord(s) || typeof s.runId !== 'string' || typeof s.env !== 'string' || !isRecord(s.options)) {
    throw new Error(`${path}:1: the header's "source" must name the run id, env and env options, got ${describe(source)}`);
  }
  return s as DatasetSource;
}

export interface DatasetExport {
  file: string;
  clips: number;
  labels: number;
  /** Live feedback presses. */
  feedback: number;
}

/** Writes the labels in effect of the run in `runDir`, with their clips, to `file` (which must not exist). */
export function exportDataset(runDir: string, file: string, { onProgress, warn, data: given }: LongOperationOptions = {}): DatasetExport {
  if (existsSync(file)) throw new Error(`${file} already exists; choose a new file for the dataset (nothing is overwritten)`);
  const data = given ?? readRunData(runDir, warn);
  if (data.config.preferences === undefined && data.config.tamer === undefined) {
    throw new Error(`run ${runDir} learns from neither clip labels nor live feedback (reward "${data.config.reward}"): it has no labels or presses to export`);
  }
  // A press the run could not resume from is not written for another run to import: each is checked as this run's
  // own steps, as resume checks them (the log's format check cannot know an observation's size).
  const pressesPath = join(runDir, 'feedback.jsonl');
  data.feedback.forEach((press, i) => {
    creditedSteps(press, data.env.observationSpace, `${pressesPath}:${i + 2}: press ${i + 1}`, `run ${runDir} observes (${data.env.options.obsType})`);
  });
  const source: DatasetSource = {
    runId: data.runId,
    run: resolve(runDir),
    env: data.description.id,
    options: data.description.options,
    exported: new Date().toISOString(),
    project: { name: packageJson.name, version: packageJson.version },
  };
  const lines = [JSON.stringify({ format: DATASET_FORMAT.name, version: DATASET_FORMAT.version, source })];
  const written = new Set<string>();
  data.labels.forEach((label, i) => {
    for (const id of [label.left, label.right]) {
      if (written.has(id)) continue;
      written.add(id);
      const clip = data.clips.get(id)!;
      lines.push(JSON.stringify({ type: 'clip', ...clip, origin: originOf(data.runId, clip, clip.id) }));
    }
    const { origin, ...rest } = label;
    lines.push(JSON.stringify({ type: 'label', ...rest, origin: originOf(data.runId, { origin }, label.pairId), ...(data.reviewed.has(label.pairId) && { reviewed: true }) }));
    if (i % 100 === 99 || i === data.labels.length - 1) onProgress?.({ stage: 'labels', done: i + 1, total: data.labels.length });
  });
  data.feedback.forEach((press, i) => {
    const { origin, ...rest } = press;
    lines.push(JSON.stringify({ type: 'feedback', ...rest, origin: originOf(data.runId, { origin }, `f${i}`) }));
  });
  writeFileAtomic(file, `${lines.join('\n')}\n`);
  return { file, clips: written.size, labels: data.labels.length, feedback: data.feedback.length };
}

export interface DatasetImport {
  /** Labels appended to the run. */
  imported: number;
  /** Labels the run already held (same origin): not appended again. */
  skipped: number;
  /**
   * Of those, reviewed in the file but not in the run, with nothing done to them there since they were imported
   * (an import cut between a label and its review, or a review given in the source since): the review is added.
   */
  reviewsCompleted: number;
  /** Clips appended to the run (clips it already held are reused). */
  clips: number;
  /** Presses appended to the run's feedback.jsonl. */
  feedbackImported: number;
  /** Presses the run already held (same origin). */
  feedbackSkipped: number;
}

/** What of a dataset to import: everything in it (the default), or only its clip labels or its presses. */
export type DatasetPart = 'labels' | 'feedback';

export interface DatasetImportOptions extends LongOperationOptions {
  only?: DatasetPart;
}

/** Imports the dataset in `file` into the run in `runDir` (see the module comment). */
export function importDataset(file: string, runDir: string, options: DatasetImportOptions = {}): DatasetImport {
  const lock = existsSync(join(runDir, 'config.json')) ? RunLock.acquire(runDir, 'importing labels') : null;
  try {
    return importLocked(file, runDir, options);
  } finally {
    lock?.release();
  }
}

function importLocked(file: string, runDir: string, { onProgress, warn, only }: DatasetImportOptions): DatasetImport {
  if (!existsSync(file)) throw new Error(`${file}: no such file`);
  const { header, records } = readJsonl(file, DATASET_FORMAT, warn);
  const source = checkSource(file, header.source);
  const target = readRunData(runDir, warn);
  const what = `run ${runDir}`;
  // Which channel a file's records are for first: a run that learns from neither need not match its game.
  const labels = only === 'feedback' ? [] : records.filter((r): r is Extract<DatasetRecord, { type: 'label' }> => r.type === 'label');
  const presses = only === 'labels' ? [] : records.flatMap((r, i) => (r.type === 'feedback' ? [{ press: r, line: i + 2 }] : []));
  const skipHint = (part: DatasetPart) => `; import the rest alone with --only ${part}`;
  if (labels.length > 0 && target.config.preferences === undefined) {
    throw new Error(
      `run ${runDir} learns no reward from preferences (reward "${target.config.reward}"): the ${labels.length} labels in ${file} would never be used; ` +
        `import them into a preferences run${presses.length > 0 ? skipHint('feedback') : ''}`,
    );
  }
  if (presses.length > 0 && target.config.tamer === undefined) {
    throw new Error(
      `run ${runDir} learns nothing from live feedback (reward "${target.config.reward}"): the ${presses.length} presses in ${file} would never be used; ` +
        `import them into a tamer or preferences+tamer run${labels.length > 0 ? skipHint('labels') : ''}`,
    );
  }
  if (source.env !== target.description.id) throw new Error(`${file} holds labels on ${source.env} clips; ${what} plays ${target.description.id}`);
  const diffs = optionDifferences(source.options, file, target.description.options, what);
  if (diffs.length > 0) throw new Error(`${file} was labelled on clips with other env options than ${what} plays: ${diffs.join('; ')}`);

  // Each press's credited steps must be steps of this run's game as its feedback model reads them.
  const actions = target.env.actionSpace.n;
  for (const { press, line } of presses) {
    creditedSteps(press, target.env.observationSpace, `${file}:${line}: press ${press.origin}`, `${what} observes (${target.env.options.obsType})`);
    for (const c of press.credits) {
      if (c.action >= actions || c.action < 0) throw new Error(`${file}:${line}: press ${press.origin} credits a step of action ${c.action}; ${what} has ${actions} actions`);
    }
  }

  const clips = new Map<string, StoredClip & { origin: string }>();
  records.forEach((r, i) => {
    if (r.type !== 'clip') return;
    const { type: _t, ...clip } = r;
    const diffs = r.env === target.description.id ? optionDifferences(r.options, `clip ${r.id}`, target.description.options, what) : [`env ${r.env}`];
    if (diffs.length > 0) throw new Error(`${file}:${i + 2}: clip ${r.id} does not fit ${what}: ${diffs.join('; ')}`);
    clips.set(r.id, clip);
  });
  for (const l of labels) {
    for (const id of [l.left, l.right]) if (!clips.has(id)) throw new Error(`${file}: label ${l.pairId} names clip ${id}, which comes before it nowhere in the file`);
  }

  // What the run holds already, by origin (its own records count as originating in it).
  const clipByOrigin = new Map<string, string>();
  for (const c of target.clips.values()) clipByOrigin.set(originOf(target.runId, c, c.id), c.id);
  const labelOrigins = new Map(target.events.flatMap((e) => (e.type === 'label' ? [[originOf(target.runId, e, e.pairId), e.pairId] as const] : [])));
  const lastEvent = new Map(target.events.map((e) => [e.pairId, e]));
  let nextClip = nextIndex(target.clips.keys(), 'c');
  let nextPair = nextIndex(target.events.map((e) => e.pairId), 'p');

  // Appending goes through the logs' own open (which repairs a cut-off last line) and append (fsync).
  // (Opened only when there is something to append, so that importing presses alone makes no empty label logs.)
  const open = <T>(name: string, format: JsonlFormat<T>) => (labels.length > 0 ? JsonlLog.open(join(runDir, name), format, warn).log : null);
  const clipsLog = open('clips.jsonl', CLIPS_FORMAT);
  const labelsLog = open('labels.jsonl', LABELS_FORMAT);
  const result: DatasetImport = { imported: 0, skipped: 0, reviewsCompleted: 0, clips: 0, feedbackImported: 0, feedbackSkipped: 0 };
  labels.forEach((l, i) => {
    const there = labelOrigins.get(l.origin);
    if (there !== undefined) {
      result.skipped++;
      // Held already, as given (its own label event is the pair's last: no later undo, change, unreview or new
      // label there) and with the same answer, but reviewed in the file: the review the import did not get to
      // write, or one given in the source since.
      const last = lastEvent.get(there);
      if (l.reviewed === true && last?.type === 'label' && originOf(target.runId, last, last.pairId) === l.origin && last.answer === l.answer) {
        labelsLog!.append({ type: 'change', pairId: there, answer: l.answer, labeler: l.labeler, time: l.time });
        lastEvent.delete(there);
        result.reviewsCompleted++;
      }
    } else {
      const [left, right] = [l.left, l.right].map((id) => {
        const clip = clips.get(id)!;
        let local = clipByOrigin.get(clip.origin);
        if (local === undefined) {
          local = `c${nextClip++}`;
          clipsLog!.append({ ...clip, id: local });
          clipByOrigin.set(clip.origin, local);
          result.clips++;
        }
        return local;
      });
      const { origin, answer, labeler, time, step } = l;
      const pairId = `p${nextPair++}`;
      labelsLog!.append({ type: 'label', pairId, left, right, answer, labeler, time, step, origin });
      // A person's second look from the history goes with the label, as the change event that made it.
      if (l.reviewed === true) labelsLog!.append({ type: 'change', pairId, answer, labeler, time });
      labelOrigins.set(origin, pairId);
      result.imported++;
    }
    if (i % 100 === 99 || i === labels.length - 1) onProgress?.({ stage: 'labels', done: i + 1, total: labels.length });
  });

  const pressOrigins = new Set(target.feedback.map((p, i) => originOf(target.runId, p, `f${i}`)));
  const feedbackLog = presses.length > 0 ? JsonlLog.open(join(runDir, 'feedback.jsonl'), FEEDBACK_FORMAT, warn).log : null;
  presses.forEach(({ press }, i) => {
    if (pressOrigins.has(press.origin)) {
      result.feedbackSkipped++;
    } else {
      const { type: _t, ...event } = press;
      feedbackLog!.append(event);
      pressOrigins.add(press.origin);
      result.feedbackImported++;
    }
    if (i % 100 === 99 || i === presses.length - 1) onProgress?.({ stage: 'presses', done: i + 1, total: presses.length });
  });
  return result;
}
