/**
 * A run folder read for export, without changing anything in it (the run may be training at the same time):
 * its validated config and id, the env it plays, and its clip and label logs as they are on disk (a cut-off
 * last line, which a live trainer may be writing, is skipped with a warning rather than repaired).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AtariEnv } from '../env/atari-env.js';
import { makeEnv } from '../env/index.js';
import { clipFromRecord } from '../session/labeling.js';
import { envOptionsOf, type RunConfig, validateRunConfig, withLegacySettings } from '../session/trainer.js';
import { FEEDBACK_FORMAT, type FeedbackEvent } from '../store/feedback.js';
import { readJsonl } from '../store/jsonl.js';
import { CLIPS_FORMAT, currentLabels, type Label, type LabelEvent, LABELS_FORMAT, reviewedPairs, type StoredClip } from '../store/labels.js';
import { RunFolder } from '../store/run.js';
import { describeEnv, type EnvDescription } from './card.js';
import type { Clip } from '../learning/preferences/clips.js';

/** Progress of a long operation: `done` of `total` units of `stage`, reported as it goes. */
export interface Progress {
  stage: string;
  done: number;
  total: number;
}

export interface LongOperationOptions {
  onProgress?: (p: Progress) => void;
  warn?: (message: string) => void;
  /** The run's data, when the caller has read it already (readRunData): several exports of one reading of the logs. */
  data?: RunData;
}

export interface RunData {
  run: RunFolder;
  config: RunConfig;
  runId: string;
  env: AtariEnv;
  description: EnvDescription;
  clips: Map<string, StoredClip>;
  events: LabelEvent[];
  /** The labels in effect, in the order they were first given. */
  labels: Label[];
  /** The pairs among them whose answer a person reviewed from the history (store/labels.ts reviewedPairs). */
  reviewed: Set<string>;
  /** The live feedback presses (feedback.jsonl), in the order they were given. */
  feedback: FeedbackEvent[];
}

/** Opens a run folder read-only; errors name the file that is wrong. */
export function readRunData(dir: string, warn: (message: string) => void = console.warn): RunData {
  const run = RunFolder.open(dir);
  const { version: _v, kind: _k, id: _id, ...stored } = run.config();
  let config: RunConfig;
  try {
    config = validateRunConfig(withLegacySettings(stored as unknown as RunConfig));
  } catch (err) {
    throw new Error(`${run.configPath}: ${(err as Error).message}`);
  }
  const env = makeEnv(config.env, envOptionsOf(config));
  const log = <T>(name: string, format: Parameters<typeof readJsonl<T>>[1]): T[] => {
    const path = join(dir, name);
    return existsSync(path) ? readJsonl(path, format, warn).records : [];
  };
  // Labels first: a clip is appended before any label that names it, so a trainer appending meanwhile cannot
  // leave a label read here without its clip.
  const events = log<LabelEvent>('labels.jsonl', LABELS_FORMAT);
  const clips = new Map(log<StoredClip>('clips.jsonl', CLIPS_FORMAT).map((c) => [c.id, c]));
  const labelsPath = join(dir, 'labels.jsonl');
  const labels = [...currentLabels(events, labelsPath).values()];
  for (const l of labels) {
    for (const id of [l.left, l.right]) {
      if (!clips.has(id)) throw new Error(`${labelsPath}: pair ${l.pairId} names clip ${id}, which is not in ${join(dir, 'clips.jsonl')}`);
    }
  }
  const feedback = log<FeedbackEvent>('feedback.jsonl', FEEDBACK_FORMAT);
  return { run, config, runId: run.id(), env, description: describeEnv(env), clips, events, labels, reviewed: reviewedPairs(events), feedback };
}

/** The labelled clips re-simulated (observations and true returns), reporting progress per clip. */
export function replayLabelledClips(data: RunData, onProgress?: (p: Progress) => void): Map<string, Clip> {
  const ids = [...new Set(data.labels.flatMap((l) => [l.left, l.right]))];
  const out = new Map<string, Clip>();
  ids.forEach((id, i) => {
    out.set(id, clipFromRecord(data.clips.get(id)!));
    if (i % 50 === 49 || i === ids.length - 1) onProgress?.({ stage: 're-simulating clips', done: i + 1, total: ids.length });
  });
  return out;
}
