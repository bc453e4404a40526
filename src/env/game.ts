/**
 * The per-frame game interface: what the Atari cartridge is to ALE. A game advances one frame (1/60 s) per
 * `tick`, returns the score gained in that frame, and can draw itself and describe itself as a compact
 * feature vector ("RAM"). Everything RL-specific (sticky actions, frame skip, no-op starts, time limits,
 * observations) lives in the wrappers above it, so every game gets the same, faithful treatment.
 */
import type { Rng } from './rng.js';
import type { Screen } from './screen.js';
import type { Snapshot } from './snapshot.js';

export interface RamFeature {
  /** Short name, e.g. "ball.x". */
  name: string;
  /** What it measures and how it is normalised, e.g. "ball x, 0 = left wall, 1 = right wall". */
  doc: string;
  /** The feature reveals the score (points, score digits); `maskScore` writes it as 0. */
  leaksScore?: boolean;
}

export interface GameSpec {
  /** The env id, e.g. "Pong". */
  id: string;
  /** ALE's minimal action set for this game, in ALE's order; the index is the action id. */
  actions: readonly string[];
  /** The features written by `writeRam`, in order. Every value lies in [-1, 1]. */
  ram: readonly RamFeature[];
  /** Screen rows [y0, y1) that show the score (and lives); `maskScore` blacks them out. */
  scoreRows: readonly [number, number];
  /** One line on the rules, for the UI and the README. */
  summary: string;
}

/** Builds a game around the random generator that the emulator owns, seeds and snapshots. */
export type GameFactory = (rng: Rng) => Game;

export interface Game {
  readonly spec: GameSpec;
  /** Starts a new game. Games draw all their randomness from the Rng they were constructed with. */
  reset(): void;
  /** Advances one frame with the given (valid) action and returns the score change in this frame. */
  tick(action: number): number;
  /** Raw game score so far (the player's points; in Pong, player minus opponent is the return). */
  readonly score: number;
  /** Lives left (Pong: 0, it has none). */
  readonly lives: number;
  /** The game has ended (the MDP terminated). */
  readonly over: boolean;
  /** Writes `spec.ram.length` features in [-1, 1] starting at `out[offset]`. */
  writeRam(out: Float32Array, offset: number): void;
  draw(screen: Screen): void;
  /** A JSON-safe copy of every field that affects the future (not the rng: the emulator saves that). */
  getState(): Snapshot;
  /** Restores a snapshot from `getState`, validating it; throws a TypeError naming the bad field. */
  setState(state: unknown): void;
}

/** Clamps to [-1, 1]; RAM features are normalised but a rare overshoot must not leave the space. */
export function clampUnit(x: number): number {
  return x < -1 ? -1 : x > 1 ? 1 : x;
}
