/**
 * A2C (Mnih et al. 2016), synchronous, as OpenAI baselines and Stable-Baselines3 implement it, on tfjs with a
 * custom training loop. Read top to bottom: the config with the reference defaults, then the learner: a rollout
 * of `nSteps` steps in each of `numEnvs` envs, rewards from the reward source, advantages, one update.
 *
 * Two differences from baselines' Atari setup, on purpose: rewards are used as the reward source gives them
 * (baselines clips the game's reward to its sign; scaling belongs to the source, and learned rewards come
 * normalised), and by default the end of an episode is seen by the returns (a game over is terminal);
 * `episodeEnds: 'hidden'` hides them, as Christiano et al. did on learned rewards.
 */
import { Rng, type RngState } from '../env/rng.js';
import type { VectorEnv, VectorEnvState, VectorStepResult } from '../env/vector-env.js';
import { computeAdvantages } from './advantages.js';
import type { ActorCritic } from './nets.js';
import { clipByGlobalNorm, flatten, RMSPropTF } from './optim.js';
import { chooseAction } from './policy.js';
import { mean } from './stats.js';
import type { RewardSource } from './reward-source.js';
import { StateEntropy, type StateEntropyState } from './state-entropy.js';
import { tf } from './tf.js';
import { EPISODE_ENDS, type EpisodeEnds } from '../shared/game-defaults.js';

export interface A2CConfig {
  /** Parallel envs (baselines / Christiano et al.: 16). */
  numEnvs: number;
  /** Steps per env per update (n = 5). */
  nSteps: number;
  /** Discount. */
  gamma: number;
  /** GAE lambda; 1.0 = plain n-step returns, as A2C. */
  gaeLambda: number;
  /** Entropy bonus coefficient (baselines 0.01). */
  entCoef: number;
  /** Value loss coefficient (baselines 0.5). */
  vfCoef: number;
  /** Clip all gradients together to this global L2 norm (0.5). */
  maxGradNorm: number;
  /** Initial learning rate (7e-4). */
  lr: number;
  /** 'linear' decays the learning rate to 0 over the run's total steps; 'constant' keeps it. */
  lrSchedule: 'linear' | 'constant';
  /** RMSProp decay (TF's rho / torch's alpha, 0.99). */
  rmsDecay: number;
  /** RMSProp epsilon, inside the square root as TF (1e-5). */
  rmsEpsilon: number;
  /**
   * `shown`: a game over is terminal for the returns (and a time limit bootstraps from where it cut), as
   * baselines does. `hidden`: the agent is never told an episode ended; the returns run on into the next
   * episode as if its first observation followed the last, as Christiano et al. trained on learned rewards
   * ("life loss and episode end not signalled"). With a learned reward normalised to mean 0, a shown end makes
   * how long an episode lasts part of what the agent optimises (living on is worth the reward it collects, good
   * or bad), which the labels never asked for.
   */
  episodeEnds: EpisodeEnds;
  /**
   * The coefficient of a state-entropy exploration bonus added to the reward (./state-entropy.ts: PEBBLE's
   * unsupervised exploration, RE3): the bonus is standardised over each rollout and multiplied by it. 0 (the
   * default) pays none. It falls linearly to 0 over `stateEntropySteps` agent steps. It is given in the reward
   * source's units (`RewardSource.scale`: the learned reward's standard deviation, or a point of score).
   */
  stateEntropy: number;
  /** Agent steps over which the state-entropy bonus falls to 0. */
  stateEntropySteps: number;
}

export { EPISODE_ENDS, type EpisodeEnds };

export const A2C_DEFAULTS: A2CConfig = {
  numEnvs: 16,
  nSteps: 5,
  gamma: 0.99,
  gaeLambda: 1.0,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  lr: 7e-4,
  lrSchedule: 'linear',
  rmsDecay: 0.99,
  rmsEpsilon: 1e-5,
  episodeEnds: 'shown',
  stateEntropy: 0,
  stateEntropySteps: 1_000_000,
};

/** Fills defaults and checks every field, naming the one that is wrong. */
export function resolveA2CConfig(partial: Partial<A2CConfig> = {}): A2CConfig {
  for (const k of Object.keys(partial)) {
    if (!(k in A2C_DEFAULTS)) throw new RangeError(`unknown A2C setting "${k}"; known: ${Object.keys(A2C_DEFAULTS).join(', ')}`);
  }
  const c = { ...A2C_DEFAULTS, ...partial };
  const bad = (name: keyof A2CConfig, want: string) => new RangeError(`A2C ${name} must be ${want}, got ${String(c[name])}`);
  if (!Number.isInteger(c.numEnvs) || c.numEnvs < 1) throw bad('numEnvs', 'a positive integer');
  if (!Number.isInteger(c.nSteps) || c.nSteps < 1) throw bad('nSteps', 'a positive integer');
  if (!(c.gamma >= 0 && c.gamma <= 1)) throw bad('gamma', 'in [0, 1]');
  if (!(c.gaeLambda >= 0 && c.gaeLambda <= 1)) throw bad('gaeLambda', 'in [0, 1]');
  if (!(c.entCoef >= 0)) throw bad('entCoef', 'non-negative');
  if (!(c.vfCoef >= 0)) throw bad('vfCoef', 'non-negative');
  if (!(c.maxGradNorm > 0)) throw bad('maxGradNorm', 'positive');
  if (!(c.lr > 0)) throw bad('lr', 'positive');
  if (c.lrSchedule !== 'linear' && c.lrSchedule !== 'constant') throw bad('lrSchedule', "'linear' or 'constant'");
  if (!(c.rmsDecay >= 0 && c.rmsDecay < 1)) throw bad('rmsDecay', 'in [0, 1)');
  if (!(c.rmsEpsilon > 0)) throw bad('rmsEpsilon', 'positive');
  if (!EPISODE_ENDS.includes(c.episodeEnds)) throw bad('episodeEnds', EPISODE_ENDS.map((e) => `'${e}'`).join(' or '));
  if (!(c.stateEntropy >= 0 && Number.isFinite(c.stateEntropy))) throw bad('stateEntropy', 'a non-negative number');
  if (!Number.isInteger(c.stateEntropySteps) || c.stateEntropySteps < 1) throw bad('stateEntropySteps', 'a positive integer');
  return c;
}

export interface UpdateStats {
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  gradNorm: number;
  lr: number;
  /** 1 - Var(returns - values) / Var(returns): how much of the return the critic explains. */
  explainedVariance: number;
  /** Mean reward the agent was trained on in this rollout (from the reward source, with any exploration bonus). */
  meanReward: number;
  /** The state-entropy bonus's coefficient in this rollout (runs with one only). */
  stateEntropy?: number;
}

/** The update produced non-finite numbers; the network must not be used or saved. */
export class DivergenceError extends Error {
  override name = 'DivergenceError';
}

export interface A2CState {
  steps: number;
  updates: number;
  rng: RngState;
  env: VectorEnvState;
  optimizer: Float32Array;
  /** The state-entropy bonus's memory (runs with one only). */
  stateEntropy?: StateEntropyState;
}

/** Sees every env step of the rollouts, e.g. to cut clips from them. */
export interface RolloutObserver {
  /** Before the envs step; their states are those the coming actions are taken in. */
  beforeStep(env: VectorEnv): void;
  /** After the step: `obs` are the observations the actions were taken in. */
  afterStep(obs: Float32Array, actions: Int32Array, result: VectorStepResult): void;
}

export interface FinishedEpisode {
  return: number;
  length: number;
}

export class A2C {
  readonly config: A2CConfig;
  /** Agent steps taken (numEnvs per env step). */
  steps = 0;
  updates = 0;
  readonly rng: Rng;
  observer: RolloutObserver | null = null;
  private readonly optimizer: RMSPropTF;
  /** The exploration bonus, in runs with one. */
  private readonly explore: StateEntropy | null;
  private readonly T: number;
  private readonly N: number;
  private readonly obsSize: number;
  private readonly numActions: number;
  private obs: Float32Array;
  // Rollout storage, preallocated (numSteps, numEnvs), step-major.
  private readonly bufObs: Float32Array;
  private readonly bufNextObs: Float32Array;
  private readonly bufActions: Int32Array;
  private readonly bufValues: Float32Array;
  private readonly bufTrueRewards: Float32Array;
  private readonly bufEnded: Uint8Array;
  private readonly bufBootstrap: Float32Array;

  constructor(
    readonly env: VectorEnv,
    readonly net: ActorCritic,
    readonly rewardSource: RewardSource,
    config: Partial<A2CConfig> = {},
    seed = 0,
  ) {
    this.config = resolveA2CConfig(config);
    if (env.numEnvs !== this.config.numEnvs) {
      throw new RangeError(`A2C numEnvs is ${this.config.numEnvs} but the VectorEnv has ${env.numEnvs} envs`);
    }
    if (net.obsSize !== env.obsSize || net.numActions !== env.actionSpace.n) {
      throw new RangeError(
        `the network takes ${net.obsSize} inputs and gives ${net.numActions} actions, but ${env.id} has ${env.obsSize} and ${env.actionSpace.n}`,
      );
    }
    this.rng = new Rng();
    this.rng.seed(seed, 7); // its own stream: not the games' generators seeded with the same number
    this.T = this.config.nSteps;
    this.N = env.numEnvs;
    this.obsSize = env.obsSize;
    this.numActions = env.actionSpace.n;
    this.optimizer = new RMSPropTF(net.variables, { decay: this.config.rmsDecay, epsilon: this.config.rmsEpsilon });
    this.explore = this.config.stateEntropy > 0 ? new StateEntropy(this.obsSize) : null;
    const TN = this.T * this.N;
    this.bufObs = new Float32Array(TN * this.obsSize);
    // Only a reward of transitions needs every next observation (a copy of each pixel frame stack otherwise).
    this.bufNextObs = new Float32Array(rewardSource.usesNextObs === true ? TN * this.obsSize : 0);
    this.bufActions = new Int32Array(TN);
    this.bufValues = new Float32Array(TN);
    this.bufTrueRewards = new Float32Array(TN);
    this.bufEnded = new Uint8Array(TN);
    this.bufBootstrap = new Float32Array(TN);
    this.obs = env.reset({ seed }).obs.slice();
  }

  /** Policy logits and values for a batch of observations, read back to JS. */
  private evaluate(obs: Float32Array, batch: number): { logits: Float32Array; values: Float32Array } {
    const out = tf.tidy(() => this.net.packed(tf.tensor2d(obs, [batch, this.obsSize])));
    const data = out.dataSync() as Float32Array;
    out.dispose();
    const A = this.numActions;
    const logits = new Float32Array(batch * A);
    const values = new Float32Array(batch);
    for (let i = 0; i < batch; i++) {
      logits.set(data.subarray(i * (A + 1), i * (A + 1) + A), i * A);
      values[i] = data[i * (A + 1) + A];
    }
    return { logits, values };
  }

  /** Plays nSteps in every env; returns the episodes that finished (with their true returns). */
  private rollout(): FinishedEpisode[] {
    const { T, N, obsSize } = this;
    const finished: FinishedEpisode[] = [];
    const actions = new Int32Array(N);
    const truncatedAt: { k: number; obs: Float32Array }[] = [];
    const nextObs = this.rewardSource.usesNextObs === true;
    const showEnds = this.config.episodeEnds === 'shown';
    for (let t = 0; t < T; t++) {
      this.bufObs.set(this.obs, t * N * obsSize);
      const { logits, values } = this.evaluate(this.obs, N);
      for (let i = 0; i < N; i++) actions[i] = chooseAction(logits.subarray(i * this.numActions, (i + 1) * this.numActions), false, this.rng.next());
      this.bufActions.set(actions, t * N);
      this.bufValues.set(values, t * N);
      this.observer?.beforeStep(this.env);
      const r = this.env.step(actions);
      this.observer?.afterStep(this.obs, actions, r);
      this.bufTrueRewards.set(r.rewards, t * N);
      if (nextObs) this.bufNextObs.set(r.obs, t * N * obsSize);
      this.bufBootstrap.fill(0, t * N, (t + 1) * N);
      for (let i = 0; i < N; i++) this.bufEnded[t * N + i] = showEnds ? r.terminated[i] | r.truncated[i] : 0;
      for (const e of r.info.episodes) {
        finished.push({ return: e.return, length: e.length });
        // A time limit is not a terminal state: bootstrap from the value of the observation it cut at.
        if (showEnds && e.truncated && !e.terminated) truncatedAt.push({ k: t * N + e.index, obs: e.finalObs });
        if (nextObs) this.bufNextObs.set(e.finalObs, (t * N + e.index) * obsSize);
      }
      this.obs.set(r.obs);
    }
    if (truncatedAt.length > 0) {
      const batch = new Float32Array(truncatedAt.length * obsSize);
      truncatedAt.forEach((x, j) => batch.set(x.obs, j * obsSize));
      const { values } = this.evaluate(batch, truncatedAt.length);
      truncatedAt.forEach((x, j) => (this.bufBootstrap[x.k] = values[j]));
    }
    this.steps += T * N;
    return finished;
  }

  learningRate(totalSteps: number): number {
    if (this.config.lrSchedule === 'constant') return this.config.lr;
    return this.config.lr * Math.max(0, 1 - this.steps / totalSteps);
  }

  /**
   * The state-entropy bonus's coefficient at the current step, in the reward's own terms (the configured one times
   * the source's scale); 0 once it has fallen, and in runs without one.
   */
  explorationCoef(): number {
    const { stateEntropy, stateEntropySteps } = this.config;
    return stateEntropy * this.rewardSource.scale * Math.max(0, 1 - this.steps / stateEntropySteps);
  }

  /** One rollout and one update. `totalSteps` sets the learning-rate schedule. */
  async iterate(totalSteps: number): Promise<{ episodes: FinishedEpisode[]; stats: UpdateStats }> {
    const lr = this.learningRate(totalSteps);
    const explore = this.explorationCoef();
    const episodes = this.rollout();
    const { T, N, obsSize, numActions: A } = this;
    const TN = T * N;
    const given = await this.rewardSource.rewards({
      numSteps: T,
      numEnvs: N,
      obsSize,
      obs: this.bufObs,
      nextObs: this.rewardSource.usesNextObs === true ? this.bufNextObs : undefined,
      actions: this.bufActions,
      trueRewards: this.rewardSource.usesTrueReward ? this.bufTrueRewards : undefined,
    });
    if (given.length !== TN) throw new Error(`reward source "${this.rewardSource.name}" gave ${given.length} rewards for ${TN} steps`);
    let rewards = given;
    if (this.explore !== null && explore > 0) {
      const bonus = this.explore.bonus(this.bufObs, TN);
      rewards = Float32Array.from(given, (r, i) => r + explore * bonus[i]);
    }
    // Bootstrap value if not done.
    const lastValues = this.evaluate(this.obs, N).values;
    const { advantages, returns } = computeAdvantages({
      numSteps: T,
      numEnvs: N,
      rewards,
      values: this.bufValues,
      lastValues,
      ended: this.bufEnded,
      bootstrap: this.bufBootstrap,
      gamma: this.config.gamma,
      lambda: this.config.gaeLambda,
    });
    const oneHot = new Float32Array(TN * A);
    for (let k = 0; k < TN; k++) oneHot[k * A + this.bufActions[k]] = 1;

    const { entCoef, vfCoef, maxGradNorm } = this.config;
    const result = tf.tidy(() => {
      const obs = tf.tensor2d(this.bufObs, [TN, obsSize]);
      const act = tf.tensor2d(oneHot, [TN, A]);
      const adv = tf.tensor1d(advantages);
      const ret = tf.tensor1d(returns);
      const parts: tf.Scalar[] = [];
      const { value: loss, grads } = tf.variableGrads(() => {
        const { logits, values } = this.net.forward(obs);
        const logp = tf.logSoftmax(logits);
        // Log-probability of the taken action: one-hot times sum, as the wasm backend lacks gather's gradient.
        const logpAction = tf.sum(tf.mul(logp, act), 1);
        const policyLoss = tf.neg(tf.mean(tf.mul(adv, logpAction)));
        const valueLoss = tf.mean(tf.square(tf.sub(ret, values)));
        const entropy = tf.neg(tf.mean(tf.sum(tf.mul(tf.exp(logp), logp), 1)));
        parts.push(tf.keep(policyLoss) as tf.Scalar, tf.keep(valueLoss) as tf.Scalar, tf.keep(entropy) as tf.Scalar);
        return tf.add(tf.sub(policyLoss, tf.mul(entCoef, entropy)), tf.mul(vfCoef, valueLoss)) as tf.Scalar;
      }, this.net.variables);
      const { clipped, norm } = clipByGlobalNorm(flatten(this.net.variables.map((v) => grads[v.name])), maxGradNorm);
      this.optimizer.apply(clipped, lr);
      loss.dispose();
      const out = tf.stack([...parts, norm]);
      for (const p of parts) p.dispose(); // kept past variableGrads' scope, so not tidied
      return out;
    });
    const [policyLoss, valueLoss, entropy, gradNorm] = result.dataSync();
    result.dispose();
    if (!Number.isFinite(gradNorm) || !Number.isFinite(policyLoss) || !Number.isFinite(valueLoss)) {
      // The weights are already updated with it: stop here rather than act on, or checkpoint, a broken net.
      throw new DivergenceError(
        `training diverged at update ${this.updates + 1} (step ${this.steps}): gradient norm ${gradNorm}, ` +
          `policy loss ${policyLoss}, value loss ${valueLoss}, mean reward ${mean(rewards)}`,
      );
    }
    this.updates++;
    return {
      episodes,
      stats: {
        policyLoss,
        valueLoss,
        entropy,
        gradNorm,
        lr,
        explainedVariance: explainedVariance(this.bufValues, returns),
        meanReward: mean(rewards),
        ...(this.explore !== null && { stateEntropy: explore }),
      },
    };
  }

  /** Everything besides the network weights that a checkpoint needs to continue exactly. */
  getState(): A2CState {
    return {
      steps: this.steps,
      updates: this.updates,
      rng: this.rng.getState(),
      env: this.env.getState(),
      optimizer: this.optimizer.getState(),
      ...(this.explore !== null && { stateEntropy: this.explore.getState() }),
    };
  }

  setState(state: A2CState): void {
    this.optimizer.setState(state.optimizer);
    // (A checkpoint made before the bonus had a memory to keep starts it empty.)
    if (this.explore !== null && state.stateEntropy !== undefined) this.explore.setState(state.stateEntropy);
    this.rng.setState(state.rng, 'A2C rng state');
    this.obs.set(this.env.setState(state.env));
    this.steps = state.steps;
    this.updates = state.updates;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

export function explainedVariance(predicted: Float32Array, actual: Float32Array): number {
  const m = mean(actual);
  let varY = 0;
  let varDiff = 0;
  let md = 0;
  for (let i = 0; i < actual.length; i++) md += actual[i] - predicted[i];
  md /= actual.length;
  for (let i = 0; i < actual.length; i++) {
    varY += (actual[i] - m) ** 2;
    varDiff += (actual[i] - predicted[i] - md) ** 2;
  }
  return varY === 0 ? Number.NaN : 1 - varDiff / varY;
}
