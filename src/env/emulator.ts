/**
 * The emulator layer, ALE's part of the stack: a game, its random generator, and sticky actions. One `act`
 * is one frame. Sticky actions follow Machado et al. (2018) as ALE implements them: at every frame, with
 * probability `repeatActionProbability`, the previous frame's action is repeated instead of the new one.
 */
import type { Game, GameFactory } from './game.js';
import { Rng } from './rng.js';
import { Screen } from './screen.js';
import { isRecord, describe } from './snapshot.js';
import type { FrameStage } from './wrappers/stage.js';

export class Emulator implements FrameStage {
  readonly screen = new Screen();
  readonly gameRng = new Rng();
  readonly stickyRng = new Rng();
  /** The action the game actually received in the last frame. */
  lastAction = 0;
  /** Frames since the game was reset. */
  frame = 0;

  readonly game: Game;

  constructor(
    createGame: GameFactory,
    readonly repeatActionProbability: number,
  ) {
    this.game = createGame(this.gameRng);
  }

  seed(seed: number): void {
    this.gameRng.seed(seed, 0);
    this.stickyRng.seed(seed, 1);
  }

  get over(): boolean {
    return this.game.over;
  }

  reset(): void {
    this.game.reset();
    this.lastAction = 0;
    this.frame = 0;
  }

  /** One frame; returns the score change. */
  act(action: number): number {
    if (this.repeatActionProbability === 0 || this.stickyRng.next() >= this.repeatActionProbability) {
      this.lastAction = action;
    }
    this.frame++;
    return this.game.tick(this.lastAction);
  }

  /** Draws the current frame (into its own screen unless given one); returns it as palette indices, 160x210. */
  draw(screen: Screen = this.screen): Uint8Array {
    this.game.draw(screen);
    return screen.pixels;
  }

  getState() {
    return {
      game: this.game.getState(),
      gameRng: this.gameRng.getState(),
      stickyRng: this.stickyRng.getState(),
      lastAction: this.lastAction,
      frame: this.frame,
    };
  }

  setState(state: unknown, what: string): void {
    if (!isRecord(state)) throw new TypeError(`${what} must be an object, got ${describe(state)}`);
    const n = this.game.spec.actions.length;
    if (!Number.isInteger(state.lastAction) || (state.lastAction as number) < 0 || (state.lastAction as number) >= n) {
      throw new TypeError(`${what}.lastAction must be an integer action in [0, ${n}), got ${describe(state.lastAction)}`);
    }
    if (!Number.isInteger(state.frame) || (state.frame as number) < 0) {
      throw new TypeError(`${what}.frame must be a non-negative integer, got ${describe(state.frame)}`);
    }
    // Validate everything before changing anything, so a bad snapshot leaves the env as it was.
    Rng.check(state.gameRng, `${what}.gameRng`);
    Rng.check(state.stickyRng, `${what}.stickyRng`);
    this.game.setState(state.game);
    this.gameRng.setState(state.gameRng);
    this.stickyRng.setState(state.stickyRng);
    this.lastAction = state.lastAction as number;
    this.frame = state.frame as number;
  }
}
