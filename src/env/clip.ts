/**
 * Clips are records, not videos: the env, its snapshot at the clip's first step, and the agent's actions.
 * Re-simulating the record with the same env code gives back every observation, reward and emulator frame
 * exactly (snapshots include every random generator), so a clip is a few kilobytes to store or send, and the
 * app can replay a pair frame-locked at the game's full frame rate.
 */
import type { AtariEnv } from './atari-env.js';
import type { Box, EnvOptions, EnvState } from './core.js';
import { makeEnv } from './index.js';
import { describe, isRecord } from './snapshot.js';

export interface ClipRecord {
  /** Unique within a run, e.g. "c42". */
  id: string;
  env: string;
  options: EnvOptions;
  /** `getState()` of the env at the clip's first step, before its first action. */
  state: EnvState;
  /** One action per agent step. */
  actions: number[];
}

export interface ClipReplay {
  /** obs[t] is the observation the t-th action was taken in (a copy). */
  obs: (Float32Array | Uint8Array)[];
  /** The observation the last played step led to (before any reset). */
  final: Float32Array | Uint8Array;
  rewards: number[];
  /** The step after which the episode ended, if it did inside the clip (the record then stops there). */
  endedAt: number | null;
  /** What the observations are. */
  space: Box;
}

/** Checks a record's shape before any env is touched; names the first field that is wrong. */
export function checkClipRecord(clip: unknown, what = 'clip'): ClipRecord {
  if (!isRecord(clip)) throw new TypeError(`${what} must be an object, got ${describe(clip)}`);
  if (typeof clip.id !== 'string' || clip.id === '') throw new TypeError(`${what}.id must be a non-empty string, got ${describe(clip.id)}`);
  if (typeof clip.env !== 'string') throw new TypeError(`${what}.env must be an env id, got ${describe(clip.env)}`);
  if (!isRecord(clip.options)) throw new TypeError(`${what}.options must be an object, got ${describe(clip.options)}`);
  if (!isRecord(clip.state)) throw new TypeError(`${what}.state must be a snapshot object, got ${describe(clip.state)}`);
  if (!Array.isArray(clip.actions) || clip.actions.length === 0 || !clip.actions.every((a) => Number.isInteger(a) && a >= 0)) {
    throw new TypeError(`${what}.actions must be a non-empty array of action indices, got ${describe(clip.actions)}`);
  }
  return clip as unknown as ClipRecord;
}

/** An env of the clip's game and options, set to the clip's first step. */
export function clipEnv(clip: ClipRecord): AtariEnv {
  const env = makeEnv(clip.env, clip.options);
  env.setState(clip.state);
  return env;
}

/**
 * Re-simulates a clip from its record. `onFrame` sees every emulator frame (frameSkip per step), for
 * players; the result has what the reward model and the synthetic teachers need.
 */
export function replayClip(clip: ClipRecord, onFrame?: (pixels: Uint8Array, step: number) => void): ClipReplay {
  const env = clipEnv(clip);
  let step = 0;
  if (onFrame) env.onFrame = (pixels) => onFrame(pixels, step);
  const obs: (Float32Array | Uint8Array)[] = [];
  const rewards: number[] = [];
  let endedAt: number | null = null;
  for (; step < clip.actions.length; step++) {
    obs.push(env.obs.slice());
    rewards.push(env.advance(clip.actions[step]));
    if (env.terminated || env.truncated) {
      endedAt = step;
      break;
    }
  }
  return { obs, final: env.obs.slice(), rewards, endedAt, space: env.observationSpace };
}
