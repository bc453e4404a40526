import { describe, expect, it } from 'vitest';
import { AtariEnv } from '../../src/env/atari-env.js';
import type { Game, GameSpec } from '../../src/env/game.js';
import { listEnvs, makeEnv, maskScoreMatters } from '../../src/env/index.js';
import { resolveOptions } from '../../src/env/options.js';
import type { Rng } from '../../src/env/rng.js';
import { C, type Screen } from '../../src/env/screen.js';
import { restoreSnapshot, takeSnapshot } from '../../src/env/snapshot.js';
import { VectorEnv } from '../../src/env/vector-env.js';

/**
 * A transparent test game: it records the action of each frame, pays 1 point every frame, ends after
 * `length` frames, and draws the frame number as a horizontal bar so pixel wrappers can be checked by hand.
 */
class Counter implements Game {
  static length = 1000;
  readonly spec: GameSpec = {
    id: 'Counter',
    actions: ['NOOP', 'A', 'B'],
    ram: [
      { name: 'frame', doc: 'frame / 1000' },
      { name: 'points', doc: 'points / 1000', leaksScore: true },
    ],
    scoreRows: [0, 10],
    summary: 'test game',
  };
  frame = 0;
  points = 0;
  lastAction = 0;
  actions: number[] = [];
  constructor(readonly rng: Rng) {}
  get score() {
    return this.points;
  }
  get lives() {
    return 0;
  }
  get over() {
    return this.frame >= Counter.length;
  }
  reset() {
    this.frame = 0;
    this.points = 0;
    this.actions = [];
  }
  tick(action: number) {
    this.frame++;
    this.actions.push(action);
    this.lastAction = action;
    this.points++;
    return 1;
  }
  writeRam(out: Float32Array, o: number) {
    out[o] = this.frame / 1000;
    out[o + 1] = this.points / 1000;
  }
  draw(s: Screen) {
    s.clear(C.black);
    s.rect(0, 0, 160, 10, C.white); // the "score" band
    // A white bar whose length is the frame number: frames differ, so max-pooling is visible.
    s.rect(0, 100, this.frame % 160, 20, C.white);
  }
  getState() {
    return takeSnapshot(this, ['frame', 'points']);
  }
  setState(state: unknown) {
    restoreSnapshot(this, ['frame', 'points'], state, 'Counter state');
  }
}

function counterEnv(options: Record<string, unknown> = {}) {
  let game: Counter | undefined;
  const env = new AtariEnv(
    'Counter',
    (rng) => (game = new Counter(rng)),
    resolveOptions('Counter', { repeatActionProbability: 0, noopMax: 0, ...options }),
  );
  return { env, game: game as unknown as Counter };
}

describe('frame skip', () => {
  it('repeats the action frameSkip times and sums the rewards', () => {
    const { env, game } = counterEnv({ frameSkip: 4 });
    env.reset({ seed: 1 });
    const r = env.step(2);
    expect(r.reward).toBe(4);
    expect(game.actions).toEqual([2, 2, 2, 2]);
    expect(r.info.frame).toBe(4);
  });

  it('shows every frame to a frame listener and stops at the end of the game', () => {
    const { env } = counterEnv({ frameSkip: 3 });
    env.reset({ seed: 1 });
    const seen: number[] = [];
    env.onFrame = (pixels) => seen.push(pixels[100 * 160 + 0] === pixels[0] ? 1 : 0);
    env.step(1);
    expect(seen).toHaveLength(3);
    Counter.length = 5;
    try {
      const r = env.step(1); // frames 4 and 5, then the game is over
      expect(seen).toHaveLength(5);
      expect(r.reward).toBe(2);
      expect(r.terminated).toBe(true);
    } finally {
      Counter.length = 1000;
    }
  });
});

describe('sticky actions', () => {
  it('repeat the previous action with the given probability, per frame', () => {
    const { env, game } = counterEnv({ repeatActionProbability: 0.25, frameSkip: 1 });
    env.reset({ seed: 3 });
    let repeated = 0;
    let changes = 0;
    for (let t = 0; t < 999; t++) {
      env.step(t % 2 === 0 ? 1 : 2);
      const applied = game.actions[game.actions.length - 1];
      const wanted = t % 2 === 0 ? 1 : 2;
      if (t > 0) {
        changes++;
        if (applied !== wanted) repeated++;
      }
    }
    expect(repeated / changes).toBeGreaterThan(0.2);
    expect(repeated / changes).toBeLessThan(0.3);
  });
});

describe('no-op starts', () => {
  it('play between 1 and noopMax NOOP frames on reset', () => {
    const { env, game } = counterEnv({ noopMax: 30 });
    const counts = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      env.reset({ seed });
      counts.add(game.frame);
      expect(game.actions.every((a) => a === 0)).toBe(true);
    }
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...counts)).toBeLessThanOrEqual(30);
    expect(counts.size).toBeGreaterThan(20);
  });
});

describe('time limit', () => {
  it('truncates after maxEpisodeSteps without terminating', () => {
    const { env } = counterEnv({ maxEpisodeSteps: 3 });
    env.reset({ seed: 1 });
    expect(env.step(0).truncated).toBe(false);
    expect(env.step(0).truncated).toBe(false);
    const r = env.step(0);
    expect(r.truncated).toBe(true);
    expect(r.terminated).toBe(false);
    expect(() => env.step(0)).toThrow(/after the episode ended/);
  });

  it('defaults to ALE\'s 108,000 frames', () => {
    expect(makeEnv('Pong').options.maxEpisodeSteps).toBe(27_000);
    expect(makeEnv('Pong', { frameSkip: 1 }).options.maxEpisodeSteps).toBe(108_000);
  });
});

describe('pixel observations', () => {
  it('are 84x84x4 bytes, max-pooled over the last two frames, stacked oldest first', () => {
    const { env } = counterEnv({ obsType: 'pixels', frameSkip: 4 });
    expect(env.observationSpace.shape).toEqual([84, 84, 4]);
    const first = env.reset({ seed: 1 }).obs as Uint8Array;
    // At reset the stack holds four copies of the first frame.
    for (let i = 0; i < 84 * 84; i++) {
      expect(first[i * 4 + 1]).toBe(first[i * 4]);
      expect(first[i * 4 + 3]).toBe(first[i * 4]);
    }
    const obs = env.step(0).obs as Uint8Array;
    // After one step the newest plane (index 3) shows a bar 4 pixels long (frames 3 and 4, max-pooled),
    // while plane 0 still shows the reset frame's empty bar.
    const at = (x: number, y: number, k: number) => obs[(y * 84 + x) * 4 + k];
    const row = Math.floor(110 / 2.5);
    expect(at(1, row, 3)).toBeGreaterThan(200); // covered by the bar
    expect(at(3, row, 3)).toBe(0); // beyond 4 source pixels (x >= 2 * 1.905)
    expect(at(1, row, 0)).toBe(0);
  });

  it('black out the score rows with maskScore, and zero score features of ram', () => {
    const plain = counterEnv({ obsType: 'pixels' }).env.reset({ seed: 1 }).obs as Uint8Array;
    const masked = counterEnv({ obsType: 'pixels', maskScore: true }).env.reset({ seed: 1 }).obs as Uint8Array;
    expect(plain[0]).toBeGreaterThan(200);
    expect(masked[0]).toBe(0);
    expect(masked[(60 * 84 + 10) * 4]).toBe(plain[(60 * 84 + 10) * 4]);
    const { env } = counterEnv({ maskScore: true });
    env.reset({ seed: 1 });
    const ram = env.step(0).obs;
    expect(ram[0]).toBeGreaterThan(0);
    expect(ram[1]).toBe(0);
  });

  it('say in which games maskScore changes the observations: pixels in every game, ram only where a feature shows the score', () => {
    for (const id of listEnvs()) {
      expect(maskScoreMatters(id, 'pixels')).toBe(true);
      // Play the same seed and actions with and without the mask, long enough for a point in every game.
      const envs = [false, true].map((maskScore) => makeEnv(id, { maskScore, repeatActionProbability: 0 }));
      const obs = envs.map((e) => e.reset({ seed: 3 }).obs);
      let differ = false;
      for (let t = 0; t < 2000 && !differ; t++) {
        differ = obs[0].some((v, i) => v !== obs[1][i]);
        const a = (t * 7) % envs[0].actionSpace.n;
        for (let k = 0; k < 2; k++) obs[k] = envs[k].done ? envs[k].reset({ seed: t }).obs : envs[k].step(a).obs;
      }
      expect(maskScoreMatters(id, 'ram'), id).toBe(differ);
    }
    expect(maskScoreMatters('SpaceInvaders', 'ram')).toBe(false);
  });

  it('area-resize a uniform frame to the same uniform value', () => {
    const env = makeEnv('Pong', { obsType: 'pixels' });
    const obs = env.reset({ seed: 1 }).obs as Uint8Array;
    // Row 60 of 84 lies in the brown field of Pong, away from paddles and ball: luma of pongField.
    const luma = Math.round(0.299 * 144 + 0.587 * 72 + 0.114 * 17);
    expect(obs[(60 * 84 + 40) * 4]).toBe(luma);
    // The bottom wall is white across the whole width, up to the last column.
    for (let x = 0; x < 84; x++) expect(obs[(82 * 84 + x) * 4]).toBe(236);
  });
});

describe('options and bad input', () => {
  it('name the unknown env and list the known ones', () => {
    expect(() => makeEnv('Pongg')).toThrow(/unknown env "Pongg".*known: Pong, Breakout/);
    expect(() => makeEnv('pong')).toThrow(/did you mean "Pong"/);
  });

  it('reject invalid options by name', () => {
    expect(() => makeEnv('Pong', { obsType: 'rgb' as never })).toThrow(/obsType.*ram, pixels.*"rgb"/);
    expect(() => makeEnv('Pong', { frameSkip: 0 })).toThrow(/frameSkip/);
    expect(() => makeEnv('Pong', { repeatActionProbability: 1 })).toThrow(/repeatActionProbability/);
    expect(() => makeEnv('Pong', { noopMax: -1 })).toThrow(/noopMax/);
    expect(() => makeEnv('Pong', { maxEpisodeSteps: 1.5 })).toThrow(/maxEpisodeSteps/);
    expect(() => makeEnv('Pong', { maskScore: 'yes' as never })).toThrow(/maskScore/);
    expect(() => makeEnv('Pong', { frameskip: 4 } as never)).toThrow(/unknown option "frameskip"/);
  });

  it('reject out-of-range actions and steps before reset', () => {
    const env = makeEnv('Pong');
    expect(() => env.step(0)).toThrow(/before reset/);
    env.reset({ seed: 1 });
    expect(() => env.step(6)).toThrow(/\[0, 6\).*NOOP, FIRE.*got 6/);
    expect(() => env.step(-1)).toThrow(/got -1/);
    expect(() => env.reset({ seed: 1.5 })).toThrow(/seed must be an integer/);
  });

  it('reject malformed snapshots by field, leaving the env untouched', () => {
    const env = makeEnv('Pong', { obsType: 'pixels' });
    env.reset({ seed: 1 });
    for (let t = 0; t < 20; t++) env.step(2);
    const good = env.getState();
    const before = JSON.stringify(good);
    const broken = (patch: (s: Record<string, any>) => void) => {
      const s = JSON.parse(before);
      patch(s);
      return s;
    };
    expect(() => env.setState(null)).toThrow(/must be an object/);
    expect(() => env.setState(broken((s) => (s.version = 99)))).toThrow(/version 99/);
    expect(() => env.setState(broken((s) => (s.id = 'Breakout')))).toThrow(/of env "Breakout"/);
    expect(() => env.setState(broken((s) => (s.options.frameSkip = 2)))).toThrow(/frameSkip = 2/);
    expect(() => env.setState(broken((s) => (s.emulator.game.ballX = 'x')))).toThrow(/ballX must be a finite number/);
    expect(() => env.setState(broken((s) => delete s.emulator.game.oppY))).toThrow(/missing field "oppY"/);
    expect(() => env.setState(broken((s) => (s.emulator.gameRng = [1, 2])))).toThrow(/gameRng/);
    expect(() => env.setState(broken((s) => (s.emulator.lastAction = 9)))).toThrow(/lastAction/);
    expect(() => env.setState(broken((s) => (s.observation = 'abc')))).toThrow(/observation/);
    expect(JSON.stringify(env.getState())).toBe(before);
  });
});

describe('VectorEnv', () => {
  it('steps copies together, auto-resets, and reports the final observation and episode stats', () => {
    const Length = 3;
    Counter.length = Length;
    try {
      const vec = new VectorEnv([counterEnv({ frameSkip: 1 }).env, counterEnv({ frameSkip: 1 }).env]);
      expect(vec.obsSize).toBe(2);
      vec.reset({ seed: 1 });
      vec.step([0, 0]);
      vec.step([0, 0]);
      const r = vec.step([1, 2]);
      expect(Array.from(r.terminated)).toEqual([1, 1]);
      expect(r.info.episodes).toHaveLength(2);
      expect(r.info.episodes[0]).toMatchObject({ index: 0, return: 3, length: 3, terminated: true });
      expect(r.info.episodes[0].finalObs[0]).toBeCloseTo(3 / 1000);
      expect(r.obs[0]).toBe(0); // already the first observation of the next episode
    } finally {
      Counter.length = 1000;
    }
  });

  it('batches observations as floats, seeds copy i with seed + i, and checks its arguments', () => {
    const vec = VectorEnv.make('Pong', 3, { obsType: 'pixels' });
    const { obs } = vec.reset({ seed: 5 });
    expect(obs).toBeInstanceOf(Float32Array);
    expect(obs.length).toBe(3 * 84 * 84 * 4);
    const single = makeEnv('Pong', { obsType: 'pixels' });
    const own = single.reset({ seed: 6 }).obs;
    expect(Array.from(obs.subarray(84 * 84 * 4, 2 * 84 * 84 * 4))).toEqual(Array.from(own));
    expect(() => vec.step([0, 0])).toThrow(/one action per env \(3\)/);
    expect(() => VectorEnv.make('Pong', 0)).toThrow(/numEnvs/);
    expect(() => new VectorEnv([makeEnv('Pong'), makeEnv('Pong', { frameSkip: 2 })])).toThrow(/copies of one env/);
  });
});

describe('pixel observations match a plain reference implementation', () => {
  /** Grayscale, max of two frames, area resize computed the slow obvious way. */
  function reference(a: Uint8Array, b: Uint8Array | null, luma: Uint8Array, maskRows: [number, number]): Float64Array {
    const out = new Float64Array(84 * 84);
    const sy = 210 / 84;
    const sx = 160 / 84;
    for (let r = 0; r < 84; r++) {
      for (let c = 0; c < 84; c++) {
        let acc = 0;
        for (let y = Math.floor(r * sy); y < Math.ceil((r + 1) * sy); y++) {
          const wy = Math.min((r + 1) * sy, y + 1) - Math.max(r * sy, y);
          for (let x = Math.floor(c * sx); x < Math.ceil((c + 1) * sx); x++) {
            const wx = Math.min((c + 1) * sx, x + 1) - Math.max(c * sx, x);
            const i = y * 160 + x;
            const v = y >= maskRows[0] && y < maskRows[1] ? 0 : Math.max(luma[a[i]], b === null ? 0 : luma[b[i]]);
            acc += v * wx * wy;
          }
        }
        out[r * 84 + c] = acc / (sx * sy);
      }
    }
    return out;
  }

  for (const id of ['Pong', 'Breakout', 'SpaceInvaders', 'Enduro', 'Seaquest']) {
    for (const maskScore of [false, true]) {
      it(`${id}${maskScore ? ' with maskScore' : ''}`, async () => {
        const { PALETTE_LUMA } = await import('../../src/env/screen.js');
        const env = makeEnv(id, { obsType: 'pixels', maskScore });
        env.reset({ seed: 3 });
        const skip = (env as unknown as { skip: { last: { pixels: Uint8Array }; previous: { pixels: Uint8Array }; hasPrevious: boolean } }).skip;
        const rows = env.emulator.game.spec.scoreRows as [number, number];
        let worst = 0;
        for (let t = 0; t < 40 && !env.done; t++) {
          const obs = env.step((t * 7) % env.actionSpace.n).obs as Uint8Array;
          const ref = reference(skip.last.pixels, skip.hasPrevious ? skip.previous.pixels : null, PALETTE_LUMA, maskScore ? rows : [0, 0]);
          for (let i = 0; i < 84 * 84; i++) worst = Math.max(worst, Math.abs(obs[i * 4 + 3] - ref[i]));
        }
        expect(worst).toBeLessThanOrEqual(0.5 + 1e-6);
      });
    }
  }
});

describe('the pixel frame stack', () => {
  // Pixels are computed only where the screen may have changed, and the other stacked bytes are shifted only
  // while they differ: the stack must still hold exactly the newest planes of the last four steps.
  for (const id of ['Pong', 'Breakout', 'SpaceInvaders', 'Enduro', 'Seaquest']) {
    it(`holds the last four observations in ${id}, through resets`, () => {
      const env = makeEnv(id, { obsType: 'pixels', maxEpisodeSteps: 150 });
      const newest = (obs: Uint8Array) => Uint8Array.from({ length: 84 * 84 }, (_, i) => obs[i * 4 + 3]);
      let planes: Uint8Array[] = [];
      let wrong = 0;
      for (let t = 0; t < 400; t++) {
        let obs: Uint8Array;
        if (t === 0 || env.done) {
          obs = env.reset({ seed: 5 + t }).obs as Uint8Array;
          planes = Array.from({ length: 4 }, () => newest(obs));
        } else {
          obs = env.step((t * 5) % env.actionSpace.n).obs as Uint8Array;
          planes = [...planes.slice(1), newest(obs)];
        }
        for (let i = 0; i < 84 * 84; i++) {
          for (let k = 0; k < 3; k++) if (obs[i * 4 + k] !== planes[k][i]) wrong++;
        }
      }
      expect(wrong).toBe(0);
    });
  }
});

describe('VectorEnv bad input', () => {
  it('checks every action before stepping any env, and restores all copies or none', () => {
    const vec = VectorEnv.make('Pong', 2);
    vec.reset({ seed: 1 });
    const before = JSON.stringify(vec.getState());
    expect(() => vec.step([0, 9])).toThrow(/action 1 must be an integer in \[0, 6\), got 9; no env was stepped/);
    expect(JSON.stringify(vec.getState())).toBe(before);
    const snap = JSON.parse(before);
    vec.step([2, 2]);
    const moved = JSON.stringify(vec.getState());
    snap.envs[1].emulator.game.ballX = 'bad';
    expect(() => vec.setState(snap)).toThrow(/ballX/);
    expect(JSON.stringify(vec.getState())).toBe(moved);
  });
});
