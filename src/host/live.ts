/**
 * Live play for the Live view: the current policy playing one env of the run's game at the game's own speed
 * (15 agent steps a second: 60 Hz with frame skip 4), beside training. It is sent as chunks of records, not
 * frames: the env state at the chunk's start and the actions, which the UI re-simulates with the env code.
 */
import type { AtariEnv } from '../env/atari-env.js';
import { makeEnv } from '../env/index.js';
import { Rng } from '../env/rng.js';
import { chooseAction } from '../learning/policy.js';
import { tf } from '../learning/tf.js';
import type { Trainer } from '../session/trainer.js';
import { envOptionsOf } from '../session/trainer.js';
import type { LiveChunk } from '../shared/api.js';

/** Agent steps per second of wall time (ALE: 60 frames a second, frame skip 4). */
export const LIVE_STEPS_PER_SECOND = 15;
/** The most steps one chunk covers; after a stall the live game skips ahead rather than racing to catch up. */
const MAX_CHUNK = 30;

export class LivePlay {
  private readonly env: AtariEnv;
  private readonly rng = new Rng();
  private episode = 0;
  private last = performance.now();
  private owed = 0;

  constructor(
    private readonly trainer: Trainer,
    seed: number,
  ) {
    this.env = makeEnv(trainer.config.env, envOptionsOf(trainer.config));
    this.env.reset({ seed: seed + 1_000_003 });
    this.rng.seed(seed, 41);
  }

  /** Plays the steps due since the last call; null when none is due yet. */
  play(): LiveChunk | null {
    const now = performance.now();
    this.owed = Math.min(MAX_CHUNK, this.owed + ((now - this.last) / 1000) * LIVE_STEPS_PER_SECOND);
    this.last = now;
    const n = Math.floor(this.owed);
    if (n === 0) return null;
    this.owed -= n;
    const env = this.env;
    const net = this.trainer.a2c.net;
    const state = env.getState();
    const score = env.info().score;
    const size = net.obsSize;
    const obs = new Float32Array(n * size);
    const actions: number[] = [];
    const trueRewards: number[] = [];
    for (let t = 0; t < n; t++) {
      env.writeObs(obs, t * size);
      const logits = tf.tidy(() => net.packed(tf.tensor2d(obs.subarray(t * size, (t + 1) * size), [1, size])).dataSync());
      const action = chooseAction((logits as Float32Array).subarray(0, net.numActions), false, this.rng.next());
      actions.push(action);
      trueRewards.push(env.advance(action));
      if (env.terminated || env.truncated) break;
    }
    const model = this.trainer.learner?.model;
    const predicted = model === undefined ? [] : Array.from(model.predict(obs.subarray(0, actions.length * size), actions, actions.length));
    const chunk: LiveChunk = {
      episode: this.episode,
      env: env.id,
      options: { ...env.options },
      state,
      actions,
      predicted,
      trueRewards,
      score,
      trainingStep: this.trainer.a2c.steps,
    };
    if (env.terminated || env.truncated) {
      env.reset();
      this.episode++;
    }
    return chunk;
  }
}
