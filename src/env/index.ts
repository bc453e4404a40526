/**
 * rlhf-arcade's Atari-style games. Pure TypeScript: no Node, DOM, Electron, pixi or tf imports, so the same
 * code runs in the trainer, in the renderer (to re-simulate clips) and in tests.
 */
import { AtariEnv } from './atari-env.js';
import type { EnvOptions } from './core.js';
import { resolveOptions } from './options.js';
import { GAMES } from './registry.js';

export type * from './core.js';

/** The env ids, in a stable order. */
export function listEnvs(): string[] {
  return Object.keys(GAMES);
}

/** Throws a RangeError naming the unknown id and the known ones unless `id` is an env id. */
export function checkEnvId(id: string): void {
  if (Object.hasOwn(GAMES, id)) return;
  const near = listEnvs().find((k) => k.toLowerCase() === String(id).toLowerCase());
  throw new RangeError(`unknown env ${JSON.stringify(id)}${near ? ` (did you mean "${near}"?)` : ''}; known: ${listEnvs().join(', ')}`);
}

/** Makes an env by id; unknown ids and invalid options throw an error naming what was wrong. */
export function makeEnv(id: string, options: Partial<EnvOptions> = {}): AtariEnv {
  checkEnvId(id);
  return new AtariEnv(id, GAMES[id], resolveOptions(id, options));
}

/**
 * Whether `maskScore` changes what an agent observes in this game: pixels always show the score rows; `ram`
 * only where a feature reveals the score (Pong's points, Enduro's quota), not in games whose features never
 * do (Space Invaders). Two runs that differ only in `maskScore` see the same observations when it does not.
 */
export function maskScoreMatters(id: string, obsType: EnvOptions['obsType']): boolean {
  const { spec } = makeEnv(id).emulator.game;
  return obsType === 'pixels' ? spec.scoreRows[1] > spec.scoreRows[0] : spec.ram.some((f) => f.leaksScore === true);
}
