/** The games, by env id. */
import type { GameFactory } from './game.js';
import { Breakout } from './games/breakout.js';
import { Enduro } from './games/enduro.js';
import { Pong } from './games/pong.js';
import { Seaquest } from './games/seaquest.js';
import { SpaceInvaders } from './games/space-invaders.js';

export const GAMES: Readonly<Record<string, GameFactory>> = {
  Pong: (rng) => new Pong(rng),
  Breakout: (rng) => new Breakout(rng),
  SpaceInvaders: (rng) => new SpaceInvaders(rng),
  Enduro: (rng) => new Enduro(rng),
  Seaquest: (rng) => new Seaquest(rng),
};
