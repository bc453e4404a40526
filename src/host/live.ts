/**
 * Live play for the Live view: the current policy playing one env of the run's game at the game's own speed
 * (15 agent steps a second: 60 Hz with frame skip 4), beside training; for Deep TAMER's greedy-h agent these
 * steps are the training (each is one of the run's steps, and a press trains Ĥ at once). It is sent as chunks
 * of records, not frames: the env state at the chunk's start and the actions, which the UI re-simulates with
 * the env code.
 *
 * In a run with live feedback the env played is the feedback channel's, stepped here on the wall clock: each
 * step gets its span on the play clock (seconds since this LivePlay started) from when the UI will show it.
 * The UI plays chunks in order as they arrive, so a chunk's steps are on screen one after another from the
 * moment it is sent (or from the end of the one before, if that is still playing); presses are timestamped on
 * the same clock when they reach the host's relaying process (`clockAt`, with the machine's monotonic clock,
which both processes read: clock.ts). Between the two sits the transport
 * each way (a chunk's trip to the UI, a press's trip back: about a millisecond each on one machine, see the
 * README), so a press is stamped that much after the screen it answers; the 0.2 s shortest delay dwarfs it.
 */
import type { AtariEnv } from '../env/atari-env.js';
import { makeEnv } from '../env/index.js';
import { Rng } from '../env/rng.js';
import { chooseAction } from '../learning/policy.js';
import { tf } from '../learning/tf.js';
import type { StepSpan } from '../learning/tamer/credit.js';
import type { Trainer } from '../session/trainer.js';
import { envOptionsOf } from '../session/trainer.js';
import type { LiveChunk } from '../shared/api.js';
import { machineClockMs } from './clock.js';

/** Agent steps per second of wall time (ALE: 60 frames a second, frame skip 4). */
export const LIVE_STEPS_PER_SECOND = 15;
/** The most steps one chunk covers; after a stall the live game skips ahead rather than racing to catch up. */
const MAX_CHUNK = 30;

export class LivePlay {
  private readonly env: AtariEnv;
  private readonly rng = new Rng();
  private episode = 0;
  private readonly origin = machineClockMs();
  private last = this.origin;
  private owed = 0;
  /** Play clock at the end of the last step played, seconds. */
  private playedUntil = 0;

  constructor(
    private readonly trainer: Trainer,
    seed: number,
  ) {
    this.env = trainer.feedback?.env ?? makeEnv(trainer.config.env, envOptionsOf(trainer.config));
    if (trainer.feedback === null) this.env.reset({ seed: seed + 1_000_003 });
    this.rng.seed(seed, 41);
  }

  /** Agent steps a second of live play: the feedback channel's setting, else the game's own speed. */
  get stepsPerSecond(): number {
    return this.trainer.feedback?.config.stepsPerSecond ?? LIVE_STEPS_PER_SECOND;
  }

  /** Plays nothing for the time since the last call: what is due restarts from now (a paused greedy-h run). */
  idle(): void {
    this.last = machineClockMs();
    this.owed = 0;
  }

  /** The play clock: seconds of wall time since live play started. */
  now(): number {
    return (machineClockMs() - this.origin) / 1000;
  }

  /** The play clock at `machineMs` (machineClockMs() of any process of this machine), at most now. */
  clockAt(machineMs: number): number {
    return Math.min(this.now(), (machineMs - this.origin) / 1000);
  }

  /** Plays the steps due since the last call; null when none is due yet. */
  play(): LiveChunk | null {
    const now = machineClockMs();
    const { stepsPerSecond } = this;
    this.owed = Math.min(MAX_CHUNK, this.owed + ((now - this.last) / 1000) * stepsPerSecond);
    this.last = now;
    const due = Math.floor(this.owed);
    this.owed -= due;
    // A greedy-h run's live steps are its agent steps: none past its target.
    const n = Math.min(due, this.trainer.liveStepsLeft());
    if (n === 0) return null;
    const chunk = this.trainer.feedback === null ? this.playPolicy(n) : this.playFeedback(n, stepsPerSecond);
    // A chunk ends with its episode: the steps it did not play are still owed.
    this.owed += n - chunk.actions.length;
    return chunk;
  }

  /** The feedback channel's env, on the wall clock: Ĥ(s, a) of each step is what the UI shows. */
  private playFeedback(n: number, stepsPerSecond: number): LiveChunk {
    const model = this.trainer.rewardModel!;
    const start = Math.max(this.playedUntil, this.now());
    return this.chunk(
      n,
      (obs, next, at, t) => {
        const span: StepSpan = { start: start + t / stepsPerSecond, end: start + (t + 1) / stepsPerSecond };
        const step = this.trainer.playLive(span); // the channel resets its env after an episode's end
        this.playedUntil = span.end;
        obs.set(step.obs, at);
        next.set(step.next, at);
        return step;
      },
      // Ĥ(s, a) itself (the ensemble's mean raw output), on the presses' scale, rather than the agent's normalised reward.
      (obs, next, actions) => {
        const members = model.rawRewards(obs, actions, actions.length, next);
        return actions.map((_, i) => members.reduce((sum, m) => sum + m[i], 0) / members.length);
      },
    );
  }

  /** A copy of the policy on an env of its own, for runs without live feedback. */
  private playPolicy(n: number): LiveChunk {
    const env = this.env;
    const net = this.trainer.a2c.net;
    const size = net.obsSize;
    const model = this.trainer.learner?.model;
    return this.chunk(
      n,
      (obs, next, at) => {
        env.writeObs(obs, at);
        const logits = tf.tidy(() => net.packed(tf.tensor2d(obs.subarray(at, at + size), [1, size])).dataSync());
        const action = chooseAction((logits as Float32Array).subarray(0, net.numActions), false, this.rng.next());
        const reward = env.advance(action);
        env.writeObs(next, at);
        const ended = env.terminated || env.truncated;
        if (ended) env.reset();
        return { action, reward, ended };
      },
      (obs, next, actions) => (model === undefined ? [] : Array.from(model.predict(obs, actions, actions.length, next))),
    );
  }

  /**
   * Up to `n` steps of the live env (fewer if its episode ends) as a chunk the renderer re-simulates: the
   * env's state before them, the actions, true rewards and predicted rewards. `step` plays step t, writing the
   * observation it acted on and the one it led to at `at` of `obs` and `next`.
   */
  private chunk(
    n: number,
    step: (obs: Float32Array, next: Float32Array, at: number, t: number) => { action: number; reward: number; ended: boolean },
    predict: (obs: Float32Array, next: Float32Array, actions: number[]) => number[],
  ): LiveChunk {
    const env = this.env;
    const size = env.observationSpace.size;
    const state = env.getState();
    const score = env.info().score;
    const obs = new Float32Array(n * size);
    const next = new Float32Array(n * size);
    const actions: number[] = [];
    const trueRewards: number[] = [];
    let ended = false;
    for (let t = 0; t < n && !ended; t++) {
      const r = step(obs, next, t * size, t);
      actions.push(r.action);
      trueRewards.push(r.reward);
      ended = r.ended;
    }
    const played = actions.length * size;
    const predicted = predict(obs.subarray(0, played), next.subarray(0, played), actions);
    const chunk: LiveChunk = { episode: this.episode, env: env.id, options: { ...env.options }, state, actions, predicted, trueRewards, score, trainingStep: this.trainer.a2c.steps };
    if (ended) this.episode++;
    return chunk;
  }
}
