// Placeholder until the game lands; replaced whole by its implementation.
import type { Game } from '../game.js';
import type { Rng } from '../rng.js';

export class SpaceInvaders {
  constructor(_rng: Rng) {
    throw new Error('SpaceInvaders is not implemented yet');
  }
}
export type _Check = SpaceInvaders extends Game ? true : false;
