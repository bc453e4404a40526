// Placeholder until the game lands; replaced whole by its implementation.
import type { Game } from '../game.js';
import type { Rng } from '../rng.js';

export class Enduro {
  constructor(_rng: Rng) {
    throw new Error('Enduro is not implemented yet');
  }
}
export type _Check = Enduro extends Game ? true : false;
