// Placeholder until the game lands; replaced whole by its implementation.
import type { Game } from '../game.js';
import type { Rng } from '../rng.js';

export class Breakout {
  constructor(_rng: Rng) {
    throw new Error('Breakout is not implemented yet');
  }
}
export type _Check = Breakout extends Game ? true : false;
