/** Env options: the ALE/Machado et al. defaults, and validation that names what was wrong. */
import type { EnvOptions, ObsType } from './core.js';
import { describe, isRecord } from './snapshot.js';

/** ALE caps an episode at 108,000 frames (30 minutes of play at 60 Hz). */
export const MAX_EPISODE_FRAMES = 108_000;

export const DEFAULT_OPTIONS = {
  obsType: 'ram' as ObsType,
  frameSkip: 4,
  repeatActionProbability: 0.25,
  noopMax: 30,
  maskScore: false,
};

const OBS_TYPES: readonly ObsType[] = ['ram', 'pixels'];
const KEYS = ['obsType', 'frameSkip', 'repeatActionProbability', 'noopMax', 'maxEpisodeSteps', 'maskScore'];

/** Fills defaults and checks every option; throws a RangeError or TypeError naming the bad one. */
export function resolveOptions(id: string, options: unknown = {}): EnvOptions {
  if (!isRecord(options)) throw new TypeError(`options for "${id}" must be an object, got ${describe(options)}`);
  for (const k of Object.keys(options)) {
    if (!KEYS.includes(k)) throw new TypeError(`unknown option "${k}" for env "${id}"; known: ${KEYS.join(', ')}`);
  }
  const o = { ...DEFAULT_OPTIONS, ...options } as Record<string, unknown>;
  const bad = (name: string, want: string) =>
    new RangeError(`option ${name} for env "${id}" must be ${want}, got ${describe(o[name])}`);
  if (!OBS_TYPES.includes(o.obsType as ObsType)) throw bad('obsType', `one of ${OBS_TYPES.join(', ')}`);
  if (!isInt(o.frameSkip) || o.frameSkip < 1 || o.frameSkip > 64) throw bad('frameSkip', 'an integer in 1..64');
  const p = o.repeatActionProbability;
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw bad('repeatActionProbability', 'a number in [0, 1)');
  if (!isInt(o.noopMax) || o.noopMax < 0) throw bad('noopMax', 'a non-negative integer');
  if (typeof o.maskScore !== 'boolean') throw bad('maskScore', 'true or false');
  if (o.maxEpisodeSteps === undefined) o.maxEpisodeSteps = Math.ceil(MAX_EPISODE_FRAMES / o.frameSkip);
  if (!isInt(o.maxEpisodeSteps) || o.maxEpisodeSteps < 1) throw bad('maxEpisodeSteps', 'a positive integer');
  return o as unknown as EnvOptions;
}

function isInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x);
}
