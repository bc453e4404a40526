import { describe, expect, it } from 'vitest';
import { Pong } from '../../src/env/games/pong.js';
import { makeEnv } from '../../src/env/index.js';
import { Rng } from '../../src/env/rng.js';

const NOOP = 0;
const UP = 2; // RIGHT moves the paddle up

function served(): Pong {
  const game = new Pong(new Rng(3));
  game.reset();
  for (let i = 0; i < 40; i++) game.tick(NOOP); // the serve delay
  return game;
}

describe('Pong mechanics', () => {
  it('gives +1 when the ball passes the opponent and -1 when it passes the player', () => {
    const game = served();
    const s = game.getState();
    game.setState({ ...s, ballX: 2, ballY: 40, ballVx: -4, ballVy: 0, oppY: 170 });
    let reward = 0;
    for (let i = 0; i < 5; i++) reward += game.tick(NOOP);
    expect(reward).toBe(1);
    expect(game.score).toBe(1);

    game.setState({ ...s, ballX: 150, ballY: 40, ballVx: 4, ballVy: 0, playerY: 170 });
    reward = 0;
    for (let i = 0; i < 5; i++) reward += game.tick(NOOP);
    expect(reward).toBe(-1);
  });

  it('returns the ball off the player paddle, steeper off its edge', () => {
    const game = served();
    const s = game.getState();
    const vyAfterHit = (ballY: number) => {
      game.setState({ ...s, ballX: 130, ballY, ballVx: 2, ballVy: 0, playerY: 100, playerVy: 0 });
      for (let i = 0; i < 10; i++) game.tick(NOOP);
      const after = game.getState();
      expect(after.ballVx).toBeLessThan(0);
      return Math.abs(after.ballVy as number);
    };
    expect(vyAfterHit(113)).toBeGreaterThan(vyAfterHit(106));
  });

  it('moves the paddle up on RIGHT and down on LEFT', () => {
    const game = served();
    const y0 = game.getState().playerY as number;
    for (let i = 0; i < 5; i++) game.tick(UP);
    expect(game.getState().playerY).toBeLessThan(y0);
  });

  it('ends the game when a side reaches 21 points, as a termination', () => {
    const env = makeEnv('Pong', { repeatActionProbability: 0, noopMax: 0 });
    env.reset({ seed: 1 });
    const state = env.getState();
    const emulator = state.emulator as { game: Record<string, unknown> };
    emulator.game = { ...emulator.game, oppPoints: 20, serveTimer: 0, ballX: 150, ballY: 40, ballVx: 4, ballVy: 0, playerY: 170 };
    env.setState(state);
    const r = env.step(NOOP);
    expect(r.reward).toBe(-1);
    expect(r.terminated).toBe(true);
    expect(r.truncated).toBe(false);
    expect(r.info.score).toBe(-21);
  });

  it('can be beaten: a tracking policy that aims off-centre wins points', () => {
    const game = new Pong(new Rng(5));
    game.reset();
    let won = 0;
    for (let f = 0; f < 20_000 && !game.over; f++) {
      const s = game.getState();
      // Aim to hit with the lower part of the paddle, which sends the ball down steeply.
      const target = (s.ballY as number) + 2 - 13;
      const dy = target - (s.playerY as number);
      if (game.tick(dy < -2 ? UP : dy > 2 ? 3 : NOOP) === 1) won++;
    }
    expect(won).toBeGreaterThan(10);
  });
});
