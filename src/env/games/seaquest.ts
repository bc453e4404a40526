// Placeholder until the game lands; replaced whole by its implementation.
import type { Game } from '../game.js';
import type { Rng } from '../rng.js';

export class Seaquest {
  constructor(_rng: Rng) {
    throw new Error('Seaquest is not implemented yet');
  }
}
export type _Check = Seaquest extends Game ? true : false;
