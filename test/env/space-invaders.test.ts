import { describe, expect, it } from 'vitest';
import { SpaceInvaders } from '../../src/env/games/space-invaders.js';
import { makeEnv } from '../../src/env/index.js';
import { Rng } from '../../src/env/rng.js';
import type { Snapshot } from '../../src/env/snapshot.js';

const NOOP = 0;
const FIRE = 1;
const RIGHT = 2;
const LEFT = 3;

// Layout the game uses (kept literal here so a change of layout is a deliberate test change).
const CANNON_Y = 185;
const FORM_X0 = 16;
const FORM_Y0 = 30;
const CELL_W = 16;
const SHOT_OFFSET = 4; // shot x = cannon x + 4

/** A fresh game with the random parts (bombs, command ship) pushed far into the future. */
function quietGame(edit: (s: Snapshot) => void = () => {}): SpaceInvaders {
  const game = new SpaceInvaders(new Rng(1));
  game.reset();
  const s = game.getState();
  s.bombTimer = 1e6;
  s.ufoTimer = 1e6;
  s.moveTimer = 1e6;
  edit(s);
  game.setState(s);
  return game;
}

function arr(s: Snapshot, key: string): number[] {
  return s[key] as number[];
}

/** Only the invaders at these (row, col) are alive. */
function onlyAlive(s: Snapshot, cells: [number, number][]): void {
  const alive = arr(s, 'alive');
  alive.fill(0);
  for (const [r, c] of cells) alive[r * 6 + c] = 1;
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** Plays until the player shot is gone (or `max` frames); returns the summed reward. */
function playShot(game: SpaceInvaders, max = 120): number {
  let reward = game.tick(FIRE);
  for (let f = 0; f < max && game.getState().shotActive; f++) reward += game.tick(NOOP);
  return reward;
}

describe('SpaceInvaders mechanics', () => {
  it('scores an invader by its row (30 at the top .. 5 at the bottom); reward equals the score change', () => {
    const rowPoints = [30, 25, 20, 15, 10, 5];
    for (let r = 0; r < 6; r++) {
      // A lone invader in column 2, the cannon right under it (clear of the bunkers).
      const game = quietGame((s) => {
        onlyAlive(s, [[r, 2], [0, 5]]);
        s.playerX = FORM_X0 + 2 * CELL_W + 4 - SHOT_OFFSET;
      });
      const before = game.score;
      const reward = playShot(game);
      expect(reward).toBe(rowPoints[r]);
      expect(game.score - before).toBe(reward);
      expect(arr(game.getState(), 'alive')[r * 6 + 2]).toBe(0);
      expect(sum(arr(game.getState(), 'alive'))).toBe(1);
    }
  });

  it('hits the lowest invader of a column first, and misses between columns', () => {
    const game = quietGame((s) => {
      s.playerX = FORM_X0 + 2 * CELL_W + 4 - SHOT_OFFSET;
    });
    expect(playShot(game)).toBe(5);
    expect(arr(game.getState(), 'alive')[5 * 6 + 2]).toBe(0);
    const gap = quietGame((s) => {
      s.playerX = FORM_X0 + 2 * CELL_W + 12 - SHOT_OFFSET; // the 8 px gap after column 2
    });
    expect(playShot(gap)).toBe(0);
    expect(sum(arr(gap.getState(), 'alive'))).toBe(36);
  });

  it('allows one player shot at a time', () => {
    const game = quietGame((s) => {
      s.playerX = 60;
    });
    game.tick(FIRE);
    const y0 = game.getState().shotY as number;
    game.tick(FIRE);
    game.tick(FIRE);
    const s = game.getState();
    expect(s.shotActive).toBe(true);
    expect(s.shotY).toBeLessThan(y0); // the same shot moved on; holding FIRE did not restart it
  });

  it('moves the cannon with RIGHT and LEFT, within the field', () => {
    const game = quietGame((s) => {
      s.playerX = 60;
    });
    for (let i = 0; i < 10; i++) game.tick(RIGHT);
    expect(game.getState().playerX).toBe(70);
    for (let i = 0; i < 300; i++) game.tick(LEFT);
    expect(game.getState().playerX).toBe(8);
  });

  it('loses a life when a bomb hits the cannon, pauses, then plays on', () => {
    const game = quietGame((s) => {
      s.playerX = 60;
      arr(s, 'bombActive')[0] = 1;
      arr(s, 'bombX')[0] = 63;
      arr(s, 'bombY')[0] = CANNON_Y - 10;
    });
    expect(game.lives).toBe(3);
    let f = 0;
    while (game.lives === 3 && f < 20) {
      expect(game.tick(NOOP)).toBe(0);
      f++;
    }
    expect(game.lives).toBe(2);
    expect(game.over).toBe(false);
    const s = game.getState();
    expect(sum(arr(s, 'bombActive'))).toBe(0);
    expect(s.deathTimer).toBeGreaterThan(0);
    // Frozen during the pause: the cannon does not move.
    game.tick(RIGHT);
    expect(game.getState().playerX).toBe(60);
    for (let i = 0; i < 100; i++) game.tick(NOOP);
    game.tick(RIGHT);
    expect(game.getState().playerX).toBe(61);
  });

  it('a bomb that misses the cannon does not cost a life', () => {
    const game = quietGame((s) => {
      s.playerX = 60;
      arr(s, 'bombActive')[0] = 1;
      arr(s, 'bombX')[0] = 80;
      arr(s, 'bombY')[0] = CANNON_Y - 10;
    });
    for (let i = 0; i < 20; i++) game.tick(NOOP);
    expect(game.lives).toBe(3);
    expect(arr(game.getState(), 'bombActive')[0]).toBe(0); // it reached the ground
  });

  it('ends the game (terminated) when the last life is lost', () => {
    const env = makeEnv('SpaceInvaders', { repeatActionProbability: 0, noopMax: 0 });
    env.reset({ seed: 1 });
    const state = env.getState();
    const emu = state.emulator as { game: Snapshot };
    emu.game.livesLeft = 1;
    emu.game.playerX = 60;
    emu.game.bombTimer = 1e6;
    arr(emu.game, 'bombActive')[0] = 1;
    arr(emu.game, 'bombX')[0] = 63;
    arr(emu.game, 'bombY')[0] = CANNON_Y - 6;
    env.setState(state);
    const r = env.step(NOOP);
    expect(r.terminated).toBe(true);
    expect(r.truncated).toBe(false);
    expect(r.info.lives).toBe(0);
    expect(() => env.step(NOOP)).toThrow();
  });

  it('ends the game when the invaders land, whatever the lives', () => {
    // Formation at the right edge (it drops on its next step), its bottom 7 px above the landing line.
    const edit = (s: Snapshot) => {
      s.formX = 152 - (5 * CELL_W + 8);
      s.formY = 100;
      s.formDir = 1;
      s.moveTimer = 1;
    };
    const game = quietGame(edit);
    expect(game.over).toBe(false);
    game.tick(NOOP);
    expect(game.over).toBe(true);
    expect(game.lives).toBe(3);
    expect(game.tick(NOOP)).toBe(0);

    // With the bottom row gone the lowest invaders are 14 px higher: not landed yet.
    const higher = quietGame((s) => {
      edit(s);
      for (let c = 0; c < 6; c++) arr(s, 'alive')[5 * 6 + c] = 0;
    });
    higher.tick(NOOP);
    expect(higher.over).toBe(false);
    expect(higher.getState().formY).toBe(108);

    const env = makeEnv('SpaceInvaders', { repeatActionProbability: 0, noopMax: 0 });
    env.reset({ seed: 2 });
    const state = env.getState();
    edit((state.emulator as { game: Snapshot }).game);
    env.setState(state);
    const r = env.step(NOOP);
    expect(r.terminated).toBe(true);
    expect(r.info.lives).toBe(3);
  });

  it('erodes the bunkers under the player shot and under bombs', () => {
    // Cannon under the left bunker (x 32..48), shot x 38 (column 1): the shot digs into it, scoring nothing.
    const game = quietGame((s) => {
      s.playerX = 34;
    });
    const cells = () => arr(game.getState(), 'shields');
    const full = sum(cells().slice(0, 48));
    expect(full).toBeGreaterThan(0);
    expect(playShot(game)).toBe(0);
    const after1 = sum(cells().slice(0, 48));
    expect(after1).toBeLessThan(full);
    // Enough shots in the same column hole it through; then the shot reaches the invaders.
    let reward = 0;
    for (let i = 0; i < 6 && reward === 0; i++) reward += playShot(game);
    expect(reward).toBeGreaterThan(0);
    expect(sum(cells().slice(0, 48))).toBeLessThan(after1);

    // A bomb above the middle bunker (x 72..88) erodes it from the top and stops there.
    const bombed = quietGame((s) => {
      s.playerX = 8;
      arr(s, 'bombActive')[0] = 1;
      arr(s, 'bombX')[0] = 79;
      arr(s, 'bombY')[0] = 140;
    });
    const mid = () => sum(arr(bombed.getState(), 'shields').slice(48, 96));
    const midFull = mid();
    for (let i = 0; i < 20; i++) bombed.tick(NOOP);
    expect(mid()).toBeLessThan(midFull);
    expect(arr(bombed.getState(), 'bombActive')[0]).toBe(0);
    expect(sum(arr(bombed.getState(), 'shields').slice(0, 48))).toBe(midFull); // the others are untouched
  });

  it('speeds the march up as invaders die', () => {
    const steps = (alive: number) => {
      const game = quietGame((s) => {
        const mask = arr(s, 'alive');
        mask.fill(0);
        for (let i = 0; i < alive; i++) mask[35 - i] = 1;
        s.moveTimer = 1;
      });
      let n = 0;
      let anim = game.getState().anim;
      for (let f = 0; f < 240; f++) {
        game.tick(NOOP);
        const a = game.getState().anim;
        if (a !== anim) n++;
        anim = a;
      }
      return n;
    };
    const full = steps(36);
    const half = steps(18);
    const few = steps(6);
    const one = steps(1);
    expect(full).toBe(15); // one step every 16 frames
    expect(half).toBeGreaterThan(full);
    expect(few).toBeGreaterThan(half);
    expect(one).toBeGreaterThan(few);

    // And killing one shortens the wait right away.
    const game = quietGame((s) => {
      s.playerX = FORM_X0 + 2 * CELL_W + 4 - SHOT_OFFSET;
      onlyAlive(s, [[5, 2], [0, 0]]);
      s.moveTimer = 100; // a long wait, cut to the one-survivor pace (3 frames) by the kill
    });
    expect(playShot(game)).toBe(5);
    expect(game.getState().moveTimer).toBeLessThanOrEqual(3);
  });

  it('marches sideways and steps down at the edge', () => {
    const game = quietGame((s) => {
      s.moveTimer = 1;
      s.formX = 150 - (5 * CELL_W + 8);
    });
    game.tick(NOOP); // right edge now at 152
    expect(game.getState().formX).toBe(64);
    for (let i = 0; i < 16; i++) game.tick(NOOP);
    const s = game.getState();
    expect(s.formX).toBe(64);
    expect(s.formY).toBe(FORM_Y0 + 8);
    expect(s.formDir).toBe(-1);
  });

  it('brings a new, lower wave when the last invader is shot', () => {
    const game = quietGame((s) => {
      onlyAlive(s, [[0, 2]]);
      s.playerX = FORM_X0 + 2 * CELL_W + 4 - SHOT_OFFSET;
      arr(s, 'shields').fill(0);
    });
    expect(playShot(game)).toBe(30);
    const s = game.getState();
    expect(sum(arr(s, 'alive'))).toBe(36);
    expect(s.wave).toBe(1);
    expect(s.formY).toBeGreaterThan(FORM_Y0);
    expect(sum(arr(s, 'shields'))).toBeGreaterThan(0); // bunkers rebuilt
  });

  it('gives 200 for the command ship', () => {
    const game = quietGame((s) => {
      onlyAlive(s, [[5, 5]]);
      s.playerX = 60;
      s.ufoActive = true;
      s.ufoDir = 1;
      s.ufoX = 27; // 1 px a frame: over the shot's x (64) when the shot (5 px a frame) reaches it, 31 frames on
    });
    expect(playShot(game, 80)).toBe(200);
    expect(game.getState().ufoActive).toBe(false);
  });

  it('drops bombs from the lowest invader of a column, chosen with the game rng', () => {
    const game = new SpaceInvaders(new Rng(9));
    game.reset();
    const s = game.getState();
    s.bombTimer = 1;
    s.ufoTimer = 1e6;
    s.moveTimer = 1e6;
    game.setState(s);
    game.tick(NOOP);
    const after = game.getState();
    expect(sum(arr(after, 'bombActive'))).toBe(1);
    const k = arr(after, 'bombActive').indexOf(1);
    expect(arr(after, 'bombY')[k]).toBe(FORM_Y0 + 5 * 14 + 8);
    expect((arr(after, 'bombX')[k] - FORM_X0 - 3) % CELL_W).toBe(0);
  });
});

describe('SpaceInvaders ram, snapshots and play', () => {
  it('documents every ram feature and keeps them in [-1, 1]', () => {
    const env = makeEnv('SpaceInvaders', { obsType: 'ram' });
    const ram = env.emulator.game.spec.ram;
    expect(new Set(ram.map((f) => f.name)).size).toBe(ram.length);
    for (const f of ram) expect(f.doc.length).toBeGreaterThan(10);
    expect(env.observationSpace.size).toBe(ram.length);
    env.reset({ seed: 3 });
    const rng = new Rng(4);
    let sawBomb = false;
    let worst = 0;
    for (let t = 0; t < 2000; t++) {
      const r = env.step(rng.int(6));
      for (const v of r.obs) worst = Math.max(worst, Number.isFinite(v) ? Math.abs(v) : Infinity);
      if (r.obs[ram.findIndex((f) => f.name === 'bomb0.active')] === 1) sawBomb = true;
      if (env.done) env.reset();
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(sawBomb).toBe(true);
  });

  it('reports the alive mask and the lowest bomb first', () => {
    const game = quietGame((s) => {
      arr(s, 'alive')[7] = 0;
      s.playerX = 60;
      arr(s, 'bombActive')[1] = 1;
      arr(s, 'bombX')[1] = 100;
      arr(s, 'bombY')[1] = 120;
      arr(s, 'bombActive')[2] = 1;
      arr(s, 'bombX')[2] = 20;
      arr(s, 'bombY')[2] = 150;
    });
    const ram = game.spec.ram;
    const out = new Float32Array(ram.length);
    game.writeRam(out, 0);
    const at = (name: string) => out[ram.findIndex((f) => f.name === name)];
    expect(at('alive.r1c1')).toBe(0);
    expect(at('alive.r1c2')).toBe(1);
    expect(at('bomb0.active')).toBe(1);
    expect(at('bomb0.dx')).toBeCloseTo((21 - 64) / 160);
    expect(at('bomb1.dx')).toBeCloseTo((101 - 64) / 160);
    expect(at('bomb2.active')).toBe(0);
    expect(at('lives')).toBe(1);
  });

  it('replays identically from a snapshot, also through JSON', () => {
    const env = makeEnv('SpaceInvaders', { repeatActionProbability: 0.25 });
    env.reset({ seed: 11 });
    const rng = new Rng(12);
    for (let t = 0; t < 150 && !env.done; t++) env.step(rng.int(6));
    const snap = JSON.parse(JSON.stringify(env.getState())) as unknown;
    const actions = Array.from({ length: 300 }, () => rng.int(6));
    const play = () => {
      const rewards: number[] = [];
      const frames: string[] = [];
      for (const a of actions) {
        if (env.done) break;
        rewards.push(env.step(a).reward);
        frames.push(Buffer.from(env.render()).toString('base64'));
      }
      return { rewards, frames };
    };
    const first = play();
    env.setState(snap);
    const second = play();
    expect(second.rewards).toEqual(first.rewards);
    expect(second.frames).toEqual(first.frames);
  });

  it('rejects a bad snapshot naming the field', () => {
    const game = quietGame();
    const s = game.getState();
    expect(() => game.setState({ ...s, alive: [1, 0] })).toThrow(/alive/);
    expect(() => game.setState({ ...s, formX: 'x' })).toThrow(/formX/);
    const { bombY: _, ...missing } = s;
    expect(() => game.setState(missing)).toThrow(/bombY/);
  });

  it('random play scores and ends by itself', () => {
    const env = makeEnv('SpaceInvaders', {});
    const rng = new Rng(5);
    let total = 0;
    for (let e = 0; e < 3; e++) {
      env.reset({ seed: 20 + e });
      let steps = 0;
      while (!env.done) {
        const r = env.step(rng.int(6));
        total += r.reward;
        steps++;
        if (r.truncated) throw new Error('truncated');
      }
      expect(steps).toBeGreaterThan(50);
      expect(steps).toBeLessThan(5000);
    }
    expect(total).toBeGreaterThan(0);
  });
});
