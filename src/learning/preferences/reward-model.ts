/**
 * The learned reward r̂(s, a) of Christiano et al. (2017), shaped as Deep TAMER's Ĥ(s, a): each ensemble member
 * is an MLP with one output per action, and r̂(s, a) is the output of the action taken. Read top to bottom:
 * the config with the paper's defaults, the members, the preference update, evaluation (validation loss and
 * accuracy, the L2 weight kept so validation loss stays 1.1-1.5x training loss), normalisation, and the
 * reward the agent gets.
 *
 * Normalisation: each member's r̂ is shifted and scaled to zero mean and `rewardStd` (0.05) standard deviation
 * over a reference set of recent (s, a) steps (the clips cut from the agent's latest rollouts), then the members
 * are averaged (a delta model's zero is a step that changes nothing, see `normalise`). The Bradley-Terry loss
 * sees raw outputs (normalising would not change which clip is preferred, only the loss's temperature, which
 * the net learns). With std 0.05 the agent sees rewards on the scale A2C's standard settings were tuned for.
 *
 * Members read `ram` observations with an MLP, and `pixels` (84x84x4 stacked frames) with Christiano et al.'s
 * Atari predictor: 4 convolutions (7x7 stride 3, 5x5/2, 3x3/1, 3x3/1, 16 filters each, leaky ReLU), then the
 * dense `hidden` layers (64 for a pixel run) and the output. (The paper also used batch norm on the convolutions;
 * here they have none, so a member's output does not depend on what else is in its batch.)
 */
import { Rng, type RngState } from '../../env/rng.js';
import { convOut, dense, Params } from '../nets.js';
import { FlatAdam, flatten } from '../optim.js';
import { tf } from '../tf.js';
import { type ClipData, type Comparison, type PreferenceDataset, stackClips } from './dataset.js';
import { preferenceLoss } from './loss.js';
import { tamerLoss } from '../tamer/loss.js';
import { REWARD_INPUTS, type RewardInput } from '../../shared/game-defaults.js';

export interface RewardModelConfig {
  /** Ensemble members (3). */
  members: number;
  /** Hidden dense layer sizes of each member (64-64 for `ram`, as rl-teacher; after the convolutions for `pixels`). */
  hidden: number[];
  /**
   * The convolutions of a member that reads stacked frames, [kernel, stride, filters] each (Christiano et al.'s
   * Atari predictor: 7/3, 5/2, 3/1, 3/1, 16 filters); unused for `ram`.
   */
  conv: [number, number, number][];
  /**
   * The convolutions are not trained: their weights come from an autoencoder pretrained on frames of a random
   * policy, as Deep TAMER's encoder (`pretrainEncoder` in learning/tamer/autoencoder.ts); only the dense layers
   * learn. false for every run not made with `--pretrain-encoder`.
   */
  frozenEncoder: boolean;
  /** Leaky ReLU slope (0.01). */
  leakyAlpha: number;
  /**
   * Dropout rate after each hidden layer (and each convolution, as Christiano et al.'s Atari predictor) while
   * training (0: none). rl-teacher's MLP reward model drops 0.5
   * there, and Christiano et al. used dropout "in some domains"; predictions, normalisation, evaluation and
   * export use the whole network (inverted dropout: the kept units are scaled by 1 / (1 - rate) in training).
   * Off by default: at 0.5 on Space Invaders it lowered held-out accuracy for every input and the agents' score
   * with 10% mistakes (37% against 67% greedy, seeds 1-3; docs/experiments.md).
   */
  dropout: number;
  /** Chance that an answer was uniformly random, in the Bradley-Terry model (0.1). */
  answerNoise: number;
  /** Adam learning rate (3e-4; mrahtz's reference uses 2e-4). */
  lr: number;
  /** Labels per member per minibatch (rl-teacher: at most 64; 32 halves the cost on wasm). */
  batchSize: number;
  /** Fraction of labels held out for validation (1/e). */
  valFraction: number;
  /** Most recent labels trained on (3,000). */
  maxLabels: number;
  /** Initial L2 weight on the kernels; adapted during training. */
  l2: number;
  /** Validation loss is kept between these multiples of training loss by adapting the L2 weight (1.1-1.5). */
  valLossBand: [number, number];
  /** Standard deviation of each member's normalised reward (0.05 on Atari). */
  rewardStd: number;
  /**
   * true: r̂(s, a), one output per action (Deep TAMER's Ĥ, needed for live feedback on actions); false: r̂(s),
   * one output whatever the action, as Christiano et al.'s Atari predictor, which saw observations only. For
   * preferences alone, false is better: on Pong (1,000 oracle labels) the action-dependent model reached 0.87
   * held-out accuracy and 0.75 predicted-true correlation against 0.95 and 0.87, and the agent exploited it by
   * favouring actions (policy entropy fell to 0.8 against 1.65).
   */
  actionDependent: boolean;
  /**
   * With an action-dependent model, what a preference rates: false, the taken action's Ĥ(s, a); true, the
   * state, by the mean of Ĥ(s, ·) over the actions. Runs with both channels use true (since they have it; runs
   * made before read false): clips then teach which states are good, as Christiano et al.'s predictor of
   * observations does, and only live feedback, which judges actions, tells one action from another. Trained
   * on the taken actions instead, preferences credit whatever action was taken in a good clip, and the agent
   * learns to favour actions rather than states (see `actionDependent`; a Space Invaders run with both
   * channels stopped firing).
   */
  statePreferences: boolean;
  /**
   * With an action-dependent model, what the agent is paid (`predict`): false, the taken action's Ĥ(s, a), the
   * issue's r̂(s, a); true, the state's mean of Ĥ(s, ·) over the actions, what `statePreferences` rate. Runs
   * with both channels use true (since 6 Dec; runs made before read false). A press judges an action, its
   * consequences included, and its credit spreads over up to 60 steps, so with a few hundred presses the action
   * part of Ĥ (Ĥ(s, a) minus that mean) is an action bias, not a reward: paid per step, A2C takes the favoured
   * action everywhere (Space Invaders), and paid it four times over as a myopic bonus its policy collapsed
   * within 500,000 steps (Enduro). Paid the mean, the agent gets what clips and presses together teach about
   * states: Enduro, 250 labels and 250 presses, nine seeds, 66% greedy against 48% paid Ĥ(s, a) and 48% for 500
   * labels alone (docs/experiments.md, "Both channels, A2C paid the state's mean of Ĥ"). The greedy-h agent
   * acts on Ĥ(s, ·) itself, where the action part is all there is.
   */
  stateReward: boolean;
  /**
   * With an action-dependent model, what the normalisation (`normalise`) measures at the reference states:
   * false, the output of the action taken there; true, the outputs of every action. Runs with live feedback
   * use true (since they have it; runs made before read false). The taken actions are the policy's: once it
   * takes one action everywhere, their outputs hardly vary, the scale grows without bound and every other
   * action's reward with it (a Space Invaders run with both channels took RIGHTFIRE alone, then got rewards
   * of -4,000 against a standard deviation of 0.05, and its value loss reached 1e8). Every action's output
   * does not depend on the policy.
   */
  normaliseAllActions: boolean;
  /**
   * What a step shows the model: `state`, the observation s the action was taken in; `transition`, s and what
   * the action changed, [s, s' - s] (Christiano et al.'s Atari predictor saw a stack of frames, not one). A
   * single observation hardly shows the rewarded event (a point won, an invader or a brick gone, a car passed)
   * while its change does: on the labels of 1,000-label Pong, Enduro and Space Invaders runs the transition
   * model reached 1.00, 0.79 and 0.76 held-out accuracy against 0.92, 0.77 and 0.72. Yet the agent learned
   * Pong far more slowly on it (-18.6 against -9.7 after 1.75M steps): a model that finds the point itself
   * rewards as sparsely as the score does, while the state model spreads its reward over the states that lead
   * to points, which shapes it. So `state` is the default (README, "Why the reward reads the state"). Deep
   * TAMER's Ĥ(s, a) must score every action before one is taken, so an action-dependent model reads the state.
   * `delta` reads only what the step changed, s' - s: it cannot fit the labels with what a state happens to show
   * (on a Space Invaders run's labels it predicted 0.96 of held-out labels, against 0.75-0.76 for the others;
   * scripts/fit-reward.ts), yet the agent did worse on it at std 0.05, its reward being as sparse as the score; at
   * the score's own scale (rewardStd 4) it scored 111% with the oracle and 23% with 10% mistakes (docs/experiments.md).
   */
  input: RewardInput;
}

export { REWARD_INPUTS, type RewardInput };

export const REWARD_MODEL_DEFAULTS: RewardModelConfig = {
  members: 3,
  hidden: [64, 64],
  conv: [
    [7, 3, 16],
    [5, 2, 16],
    [3, 1, 16],
    [3, 1, 16],
  ],
  frozenEncoder: false,
  leakyAlpha: 0.01,
  dropout: 0,
  answerNoise: 0.1,
  lr: 3e-4,
  batchSize: 32,
  valFraction: 1 / Math.E,
  maxLabels: 3000,
  l2: 1e-4,
  valLossBand: [1.1, 1.5],
  rewardStd: 0.05,
  actionDependent: false,
  statePreferences: false,
  stateReward: false,
  normaliseAllActions: false,
  input: 'state',
};

export function resolveRewardModelConfig(partial: Partial<RewardModelConfig> = {}): RewardModelConfig {
  for (const k of Object.keys(partial)) {
    if (!(k in REWARD_MODEL_DEFAULTS)) throw new RangeError(`unknown reward model setting "${k}"; known: ${Object.keys(REWARD_MODEL_DEFAULTS).join(', ')}`);
  }
  const c = { ...REWARD_MODEL_DEFAULTS, ...partial };
  const bad = (name: keyof RewardModelConfig, want: string) => new RangeError(`reward model ${name} must be ${want}, got ${JSON.stringify(c[name])}`);
  if (!Number.isInteger(c.members) || c.members < 1) throw bad('members', 'a positive integer');
  if (!Array.isArray(c.hidden) || !c.hidden.every((h) => Number.isInteger(h) && h > 0)) throw bad('hidden', 'a list of positive integers');
  const posInt = (x: unknown) => Number.isInteger(x) && (x as number) > 0;
  if (!Array.isArray(c.conv) || !c.conv.every((l) => Array.isArray(l) && l.length === 3 && l.every(posInt))) {
    throw bad('conv', 'a list of [kernel, stride, filters], each a positive integer');
  }
  if (typeof c.frozenEncoder !== 'boolean') throw bad('frozenEncoder', 'true or false');
  if (!(c.leakyAlpha >= 0 && c.leakyAlpha < 1)) throw bad('leakyAlpha', 'in [0, 1)');
  if (!(c.dropout >= 0 && c.dropout < 1)) throw bad('dropout', 'in [0, 1)');
  if (!(c.answerNoise >= 0 && c.answerNoise < 1)) throw bad('answerNoise', 'in [0, 1)');
  if (!(c.lr > 0)) throw bad('lr', 'positive');
  if (!Number.isInteger(c.batchSize) || c.batchSize < 1) throw bad('batchSize', 'a positive integer');
  if (!(c.valFraction >= 0 && c.valFraction < 1)) throw bad('valFraction', 'in [0, 1)');
  if (!Number.isInteger(c.maxLabels) || c.maxLabels < 1) throw bad('maxLabels', 'a positive integer');
  if (!(c.l2 >= 0)) throw bad('l2', 'non-negative');
  if (!Array.isArray(c.valLossBand) || c.valLossBand.length !== 2 || !(c.valLossBand[0] >= 1 && c.valLossBand[1] > c.valLossBand[0])) {
    throw bad('valLossBand', '[low, high] with 1 <= low < high');
  }
  if (!(c.rewardStd > 0)) throw bad('rewardStd', 'positive');
  if (typeof c.actionDependent !== 'boolean') throw bad('actionDependent', 'true or false');
  if (typeof c.statePreferences !== 'boolean') throw bad('statePreferences', 'true or false');
  if (typeof c.normaliseAllActions !== 'boolean') throw bad('normaliseAllActions', 'true or false');
  if (c.statePreferences && !c.actionDependent) throw new RangeError('reward model statePreferences only applies to an action-dependent model (actionDependent), whose outputs differ by action');
  if (typeof c.stateReward !== 'boolean') throw bad('stateReward', 'true or false');
  if (c.stateReward && !c.actionDependent) throw new RangeError("reward model stateReward pays the agent the state's mean over actions: it needs an action-dependent model (actionDependent)");
  if (!REWARD_INPUTS.includes(c.input)) throw bad('input', REWARD_INPUTS.join(' or '));
  if (c.actionDependent && c.input !== 'state') {
    throw new RangeError(`an action-dependent reward model (Deep TAMER's Ĥ(s, a)) scores actions before they are taken, so its input must be "state", got ${JSON.stringify(c.input)}`);
  }
  return c;
}

export interface RewardEvaluation {
  /** Data loss (no L2) over the training labels, mean over members. */
  trainLoss: number;
  valLoss: number;
  /** Held-out labels whose preferred clip the ensemble predicts (equal answers excluded); NaN if none. */
  valAccuracy: number;
  /** Pearson correlation of predicted and true returns over the held-out clips; NaN if too few. */
  predTrueCorrelation: number;
  l2: number;
  /** Each decided held-out label (by pair id): whether the ensemble predicts its preferred clip (valAccuracy's parts). */
  heldOutRight: ReadonlyMap<string, boolean>;
}

/** One member's weights, as `RewardModel.memberWeights` gives them; a member's variables are these in order. */
export interface MemberWeights {
  convs: { kernel: Float32Array; bias: Float32Array; size: number; stride: number; inChannels: number; filters: number }[];
  layers: { kernel: Float32Array; bias: Float32Array; inputs: number; units: number }[];
}

export interface RewardModelState {
  weights: Float32Array[];
  adam: { t: number; m: Float32Array; v: Float32Array };
  shift: number[];
  scale: number[];
  l2: number;
  trainSteps: number;
  feedbackSteps: number;
  rng: RngState;
}

interface Member {
  /** Convolutions first (for stacked frames), then the dense layers, the last one the output. */
  convs: { w: tf.Variable; b: tf.Variable; stride: number }[];
  layers: { w: tf.Variable; b: tf.Variable }[];
}

/** Input values per forward pass when scoring many steps (bounds memory: 297 rows of pixels, 32 MB)... */
const CHUNK_VALUES = 1 << 23;
/** ...and at most this many rows (bounds the hidden layers' memory for small ram observations). */
const MAX_CHUNK_ROWS = 16384;

/** Factor by which the L2 weight moves per evaluation when validation loss leaves its band. */
const L2_STEP = 1.2;

export class RewardModel {
  /**
   * Input values per gradient pass of a preference minibatch: a member's labels are taken a few at a time and
   * their gradients summed (11 labels of two 25-step pixel clips a pass, 67 MB; a ram minibatch in one). All 32
   * labels of a pixel minibatch in one pass held 2 GB of the wasm backend's heap; in passes of 11, 0.66 GB.
   * A setting of the process (tests lower it), not of a run: it changes no result beyond float rounding.
   */
  static gradChunkValues = 1 << 24;
  readonly config: RewardModelConfig;
  readonly variables: tf.Variable[];
  /** Per member: normalised r̂ = (raw - shift) * scale. */
  readonly shift: number[];
  readonly scale: number[];
  /** Outputs per member: numActions, or 1 when the reward does not depend on the action. */
  readonly heads: number;
  /** Input width of each member: obsSize, or 2 obsSize for [s, s' - s]. */
  readonly inputSize: number;
  /** Values per observation. */
  readonly obsSize: number;
  /** Height x width x stacked frames when members are convolutional (`pixels`, bytes 0-255); null for `ram`. */
  readonly image: readonly [number, number, number] | null;
  /** The model reads the observation after each step too (a transition model). */
  readonly readsNext: boolean;
  l2: number;
  /** Preference minibatches trained on. */
  trainSteps = 0;
  /** Feedback updates trained on. */
  feedbackSteps = 0;
  private readonly members: Member[];
  private readonly optimizer: FlatAdam;
  private readonly rng: Rng;

  /**
   * `obs`: the observation's size (a flat vector, read by MLP members) or its shape; a height x width x frames
   * shape (`pixels`, values 0-255) makes the members convolutional.
   */
  constructor(
    obs: number | readonly number[],
    readonly numActions: number,
    config: Partial<RewardModelConfig> = {},
    seed = 0,
  ) {
    const shape = typeof obs === 'number' ? [obs] : obs;
    if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0) || (shape.length !== 1 && shape.length !== 3)) {
      throw new RangeError(`the observation must be a positive size or a height x width x channels shape, got ${JSON.stringify(obs)}`);
    }
    if (!Number.isInteger(numActions) || numActions < 1) throw new RangeError(`numActions must be a positive integer, got ${numActions}`);
    this.config = resolveRewardModelConfig(config);
    this.obsSize = shape.reduce((a, b) => a * b, 1);
    this.image = shape.length === 3 ? [shape[0], shape[1], shape[2]] : null;
    this.heads = this.config.actionDependent ? numActions : 1;
    this.readsNext = this.config.input !== 'state';
    this.inputSize = this.config.input === 'transition' ? 2 * this.obsSize : this.obsSize;
    const p = new Params(seed * 1009 + 17); // not the policy's initialisation seeds
    this.members = Array.from({ length: this.config.members }, () => {
      let n = this.inputSize;
      const convs: Member['convs'] = [];
      if (this.image !== null) {
        const [h, w, c] = this.image;
        let [oh, ow, oc] = [h, w, this.config.input === 'transition' ? 2 * c : c];
        for (const [k, stride, f] of this.config.conv) {
          convs.push({ ...p.conv(k, oc, f, Math.SQRT2), stride });
          [oh, ow, oc] = [convOut(oh, k, stride), convOut(ow, k, stride), f];
          if (oh < 1 || ow < 1) throw new RangeError(`a ${h}x${w} observation is too small for the reward model's convolutions ${JSON.stringify(this.config.conv)}`);
        }
        n = oh * ow * oc;
      }
      const layers = this.config.hidden.map((h) => {
        const layer = p.dense(n, h, Math.SQRT2);
        n = h;
        return layer;
      });
      layers.push(p.dense(n, this.heads, 1));
      return { convs, layers };
    });
    this.variables = p.variables;
    this.optimizer = new FlatAdam(this.variables);
    this.shift = Array<number>(this.config.members).fill(0);
    this.scale = Array<number>(this.config.members).fill(1);
    this.l2 = this.config.l2;
    this.rng = new Rng();
    this.rng.seed(seed, 17);
  }

  /**
   * Member m's raw outputs Ĥ(s, ·): [rows, heads]. `training`: with the config's dropout after each hidden
   * layer, its masks drawn from the model's own generator (so a run is the same on every replay).
   */
  private outputs(m: number, x: tf.Tensor2D, training = false): tf.Tensor2D {
    const { convs, layers } = this.members[m];
    const rate = training ? this.config.dropout : 0;
    let y = x;
    if (this.image !== null) {
      const [h, w, c] = this.image;
      // A transition row is [s, s' - s]: its two halves become channels. Bytes are scaled to [0, 1] ([-1, 1] for changes).
      const halves = this.config.input === 'transition' ? tf.split(x, 2, 1) : [x];
      let z = tf.mul(halves.length === 1 ? tf.reshape(x, [-1, h, w, c]) : tf.concat(halves.map((half) => tf.reshape(half, [-1, h, w, c])), 3), 1 / 255) as tf.Tensor4D;
      // Not tf.fused.conv2d: its gradient computes the input's gradient too, eagerly, and the first layer's (of
      // the frames, 1,600 x 84 x 84 x 4 values a minibatch, through a stride-3 dilation) is never needed.
      for (const { w: k, b, stride } of convs) {
        z = tf.leakyRelu(tf.add(tf.conv2d(z, k as tf.Tensor4D, stride, 'valid'), b), this.config.leakyAlpha) as tf.Tensor4D;
        if (rate > 0) z = tf.dropout(z, rate, undefined, this.rng.int(0x7fffffff)) as tf.Tensor4D;
      }
      y = tf.reshape(z, [z.shape[0], -1]);
    }
    layers.forEach(({ w, b }, i) => {
      y = dense(y, w as tf.Tensor2D, b as tf.Tensor1D);
      if (i < layers.length - 1) {
        y = tf.leakyRelu(y, this.config.leakyAlpha);
        if (rate > 0) y = tf.dropout(y, rate, undefined, this.rng.int(0x7fffffff)) as tf.Tensor2D;
      }
    });
    return y;
  }

  /** Member m's raw r̂ of the taken actions: [rows]. `oneHot` is [rows, heads] (all ones with one head). */
  private taken(m: number, x: tf.Tensor2D, oneHot: tf.Tensor2D, training = false): tf.Tensor1D {
    // One-hot times sum rather than gather: the wasm backend lacks gather's gradient.
    return tf.sum(tf.mul(this.outputs(m, x, training), oneHot), 1);
  }

  /**
   * The output weights of each row's step, [rows, heads]: one-hot on the taken action (all ones with one
   * head), or with `mean` 1 / heads on every action (the state's mean).
   */
  private oneHot(actions: ArrayLike<number>, rows: number, mean = false): Float32Array {
    const A = this.numActions;
    const out = new Float32Array(rows * this.heads);
    for (let i = 0; i < rows; i++) {
      const a = actions[i];
      if (!(a >= 0 && a < A)) throw new RangeError(`action ${a} at row ${i} is outside [0, ${A})`);
      if (mean) out.fill(1 / A, i * A, (i + 1) * A);
      else out[this.heads === 1 ? i : i * A + a] = 1;
    }
    return out;
  }

  /**
   * The members' input rows: `obs` itself for a state model, [s, s' - s] for a transition model and s' - s for
   * a delta model, which need `next` (the observation after each row's step).
   */
  inputs(obs: Float32Array, rows: number, next?: Float32Array): Float32Array {
    const n = this.obsSize;
    if (obs.length < rows * n) throw new RangeError(`need ${rows} rows of ${n} observations, got ${obs.length} values`);
    if (!this.readsNext) return obs.length === rows * n ? obs : obs.subarray(0, rows * n);
    if (next === undefined || next.length < rows * n) {
      throw new RangeError(`a ${this.config.input} reward model needs the observation after each of the ${rows} steps, got ${next === undefined ? 'none' : `${next.length} values`}`);
    }
    if (this.config.input === 'delta') {
      const d = new Float32Array(rows * n);
      for (let i = 0; i < d.length; i++) d[i] = next[i] - obs[i];
      return d;
    }
    const x = new Float32Array(rows * 2 * n);
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      const at = 2 * o;
      for (let i = 0; i < n; i++) {
        const s = obs[o + i];
        x[at + i] = s;
        x[at + n + i] = next[o + i] - s;
      }
    }
    return x;
  }

  /**
   * Raw r̂ of every member for many (s, a) rows (with s' for a transition model): one Float32Array per member.
   * `preference`: what preferences rate (the state's mean over actions in a `statePreferences` model).
   */
  rawRewards(obs: Float32Array, actions: ArrayLike<number>, rows: number, next?: Float32Array, preference = false): Float32Array[] {
    return this.weightedRawRewards(obs, actions, rows, next, preference && this.config.statePreferences);
  }

  /** `rawRewards` of the taken actions, or with `mean` of the state's mean over actions. */
  private weightedRawRewards(obs: Float32Array, actions: ArrayLike<number>, rows: number, next: Float32Array | undefined, mean: boolean): Float32Array[] {
    const A = this.heads;
    if (actions.length < rows) throw new RangeError(`need ${rows} actions, got ${actions.length}`);
    const out = this.members.map(() => new Float32Array(rows));
    const hot = this.oneHot(actions, rows, mean);
    this.forwardPasses(
      obs,
      rows,
      next,
      (m, xs, start, n) => this.taken(m, xs, tf.tensor2d(hot.subarray(start * A, (start + n) * A), [n, A])),
      (data, start, n) => out.forEach((o, m) => o.set(data.subarray(m * n, (m + 1) * n), start)),
    );
    return out;
  }

  /**
   * Raw Ĥ(s, ·) of every member for many rows, out[action][member]: each chunk of rows through each member
   * once for every action (`rawRewards` of each action in turn, in one pass; the same numbers).
   */
  private rawOutputs(obs: Float32Array, rows: number, next?: Float32Array): Float32Array[][] {
    const A = this.heads;
    const out = Array.from({ length: A }, () => this.members.map(() => new Float32Array(rows)));
    this.forwardPasses(
      obs,
      rows,
      next,
      (m, xs) => this.outputs(m, xs),
      (data, start, n) =>
        this.members.forEach((_, m) => {
          for (let i = 0; i < n; i++) for (let a = 0; a < A; a++) out[a][m][start + i] = data[(m * n + i) * A + a];
        }),
    );
    return out;
  }

  /**
   * The members' input rows (see `inputs`) a chunk at a time: `member(m, xs, start, n)` gives member m's outputs
   * for the n rows from `start`, and `read` takes every member's, stacked member-major, before the next chunk.
   */
  private forwardPasses(
    obs: Float32Array,
    rows: number,
    next: Float32Array | undefined,
    member: (m: number, xs: tf.Tensor2D, start: number, n: number) => tf.Tensor,
    read: (data: Float32Array, start: number, n: number) => void,
  ): void {
    const size = this.inputSize;
    const x = this.inputs(obs, rows, next);
    const chunk = this.chunkRows();
    for (let start = 0; start < rows; start += chunk) {
      const n = Math.min(chunk, rows - start);
      const r = tf.tidy(() => {
        const xs = tf.tensor2d(x.subarray(start * size, (start + n) * size), [n, size]);
        return tf.stack(this.members.map((_, m) => member(m, xs, start, n)));
      });
      const data = r.dataSync() as Float32Array;
      r.dispose();
      read(data, start, n);
    }
  }

  /** Rows per forward pass when scoring many steps. */
  private chunkRows(): number {
    return Math.max(1, Math.min(MAX_CHUNK_ROWS, Math.floor(CHUNK_VALUES / this.inputSize)));
  }

  /**
   * Raw r̂ of every member for every step of `clips`, one Float32Array per member (clip-major), stacking only
   * as many clips at a time as one forward pass reads (a pool of pixel clips as Float32 rows would take GBs).
   * A row's reward does not depend on the rows beside it in a pass (the same bits however the rows are chunked,
   * checked on wasm), so neither does the grouping.
   */
  clipRawRewards(clips: readonly ClipData[], preference = false): Float32Array[] {
    const H = clips.length > 0 ? clips[0].actions.length : 0;
    const out = this.members.map(() => new Float32Array(clips.length * H));
    for (const g of this.clipGroups(clips)) {
      this.rawRewards(g.obs, g.actions, g.actions.length, g.next, preference).forEach((r, m) => out[m].set(r, g.first * H));
    }
    return out;
  }

  /** `clips` stacked a forward pass's worth at a time: each group's rows, and the index of its first clip. */
  private *clipGroups(clips: readonly ClipData[]): Generator<ReturnType<typeof stackClips> & { first: number }> {
    const H = clips.length > 0 ? clips[0].actions.length : 1;
    const per = Math.max(1, Math.floor(this.chunkRows() / H));
    for (let first = 0; first < clips.length; first += per) {
      yield { ...stackClips(clips.slice(first, first + per), this.obsSize, this.readsNext), first };
    }
  }

  /** The reward the agent gets: members normalised, then averaged; with `stateReward`, the state's mean over actions. */
  predict(obs: Float32Array, actions: ArrayLike<number>, rows: number, next?: Float32Array): Float32Array {
    const raw = this.weightedRawRewards(obs, actions, rows, next, this.config.stateReward);
    const out = new Float32Array(rows);
    raw.forEach((r, m) => {
      for (let i = 0; i < rows; i++) out[i] += ((r[i] - this.shift[m]) * this.scale[m]) / raw.length;
    });
    return out;
  }

  /**
   * Sets each member's shift and scale so that its r̂ over the reference steps has zero mean and standard
   * deviation `rewardStd`: r̂ of the taken actions, or of every action at those states (`normaliseAllActions`).
   * A delta model's zero is instead its r̂ of a step that changes nothing (s' = s), as the score's is: with a
   * zero mean, the steps between rewarded events would cost about what the events pay, and an agent that sees
   * episode ends would lose nothing by dying early.
   */
  normalise(obs: Float32Array, actions: ArrayLike<number>, rows: number, next?: Float32Array): void {
    if (rows < 2) return;
    const every = this.config.normaliseAllActions && this.heads > 1;
    this.normaliseOutputs(every ? this.rawOutputs(obs, rows, next) : [this.rawRewards(obs, actions, rows, next)], rows);
  }

  /** `normalise` on the steps of `clips` (their actions, or every action with normaliseAllActions), each group of clips stacked once. */
  normaliseClips(clips: readonly ClipData[]): void {
    const H = clips.length > 0 ? clips[0].actions.length : 0;
    const rows = clips.length * H;
    if (rows < 2) return;
    const every = this.config.normaliseAllActions && this.heads > 1;
    const outputs = Array.from({ length: every ? this.heads : 1 }, () => this.members.map(() => new Float32Array(rows)));
    for (const g of this.clipGroups(clips)) {
      const raw = every ? this.rawOutputs(g.obs, g.actions.length, g.next) : [this.rawRewards(g.obs, g.actions, g.actions.length, g.next)];
      raw.forEach((byMember, a) => byMember.forEach((r, m) => outputs[a][m].set(r, g.first * H)));
    }
    this.normaliseOutputs(outputs, rows);
  }

  /** Sets shift and scale from raw outputs[k][member] of `rows` steps each (see `normalise`). */
  private normaliseOutputs(outputs: Float32Array[][], rows: number): void {
    const still = this.config.input === 'delta' ? this.rawRewards(new Float32Array(this.obsSize), [0], 1, new Float32Array(this.obsSize)) : null;
    this.members.forEach((_, m) => {
      const n = rows * outputs.length;
      let mean = 0;
      for (const byMember of outputs) for (const x of byMember[m]) mean += x;
      mean /= n;
      let v = 0;
      for (const byMember of outputs) for (const x of byMember[m]) v += (x - mean) ** 2;
      const std = Math.sqrt(v / n);
      this.shift[m] = still === null ? mean : still[m][0];
      this.scale[m] = this.config.rewardStd / Math.max(std, 1e-8);
    });
  }

  /**
   * One Adam step for every member, each on its own minibatch from its bootstrap resample: the Bradley-Terry
   * loss over the clips' summed raw r̂, with answer noise, plus L2 on the kernels. Returns the mean data loss,
   * or null when there are no training labels yet.
   */
  trainStep(data: PreferenceDataset): number | null {
    const batches = this.members.map((_, m) => data.sample(m, this.config.batchSize, this.rng));
    if (batches[0].length === 0) return null;
    const H = batches[0][0].left.actions.length;
    const B = this.config.batchSize;
    const per = Math.max(1, Math.floor(RewardModel.gradChunkValues / (2 * H * this.inputSize)));
    const loss = this.update(this.config.lr, `training diverged at step ${this.trainSteps + 1}`, (m) => {
      const parts: (() => tf.Scalar)[] = [];
      for (let first = 0; first < B; first += per) {
        const batch = batches[m].slice(first, first + per);
        const b = batch.length;
        parts.push(() => {
          const { obs, next, actions } = stackClips(batch.flatMap((c) => [c.left, c.right]), this.obsSize, this.readsNext);
          const x = tf.tensor2d(this.inputs(obs, actions.length, next), [actions.length, this.inputSize]);
          const hot = tf.tensor2d(this.oneHot(actions, actions.length, this.config.statePreferences), [actions.length, this.heads]);
          const target = tf.tensor1d(batch.map((c) => c.target));
          const sums = tf.sum(tf.reshape(this.taken(m, x, hot, true), [b, 2, H]), 2);
          const [left, right] = tf.unstack(sums, 1) as tf.Tensor1D[];
          const l = preferenceLoss(left, right, target, this.config.answerNoise);
          // The minibatch's mean loss is the sum of the parts' means, each weighted by its share of the labels.
          return b === B ? l : tf.mul(l, b / B);
        });
      }
      return parts;
    });
    this.trainSteps++;
    return loss;
  }

  /**
   * One Adam step of Deep TAMER on scalar feedback (Warnell et al. 2018): every member's Ĥ(s, a) of the
   * credited steps is pulled toward the feedback h with the importance-weighted squared error, through the
   * taken action's output only. This trains the same raw outputs as the preference loss (which, in a
   * `statePreferences` model, moves every action's output of a state alike); `lrScale` is the
   * feedback channel's weight (with Adam a loss's scale does not matter, so channels are weighted by their
   * step sizes). Returns the mean loss over members.
   */
  trainFeedback(obs: Float32Array, actions: ArrayLike<number>, feedback: ArrayLike<number>, weights: ArrayLike<number>, lrScale = 1): number {
    if (!this.config.actionDependent) throw new Error('scalar feedback needs an action-dependent reward model (Ĥ(s, a)): set actionDependent');
    const rows = actions.length;
    if (rows === 0) return Number.NaN;
    const x = tf.tensor2d(obs.subarray(0, rows * this.obsSize), [rows, this.obsSize]); // one input for every member
    let loss: number;
    try {
      loss = this.update(this.config.lr * lrScale, 'diverged on feedback', (m) => [() => tamerLoss(this.outputs(m, x, true), actions, feedback, weights)]);
    } finally {
      x.dispose();
    }
    this.feedbackSteps++;
    return loss;
  }

  /**
   * One Adam step on the members' losses plus L2 on their kernels. `prepare(m)` gives member m's loss as parts
   * whose sum it is, each making its own input tensors: a pixel minibatch's labels a few at a time. Members
   * share no weights, so each takes its own gradient, one member and one part at a time, and sums the parts':
   * only one part's inputs and activations are in memory at once (the wasm backend's heap is a few GB). The
   * same numbers as one gradient of the members' summed losses (to float rounding when a member has several
   * parts; exactly with one, as every ram minibatch). Returns the mean loss over members.
   */
  private update(lr: number, failure: string, prepare: (m: number) => (() => tf.Scalar)[]): number {
    const meanLoss = tf.tidy(() => {
      const grads: tf.NamedTensorMap = {};
      const losses: tf.Scalar[] = [];
      this.members.forEach((member, m) => {
        const layers = this.config.frozenEncoder ? member.layers : [...member.convs, ...member.layers];
        // A frozen encoder's variables get no gradient: zeros leave them as they are under Adam (m stays 0).
        if (this.config.frozenEncoder) for (const { w, b } of member.convs) for (const v of [w, b]) grads[v.name] = tf.zerosLike(v);
        prepare(m).forEach((part, p) => {
          const own = tf.tidy(
            () =>
              tf.variableGrads(() => {
                const l = tf.keep(part()); // for the mean, out of the gradient's scope
                losses.push(l);
                return p > 0 ? l : (tf.add(l, tf.mul(this.l2, tf.addN(layers.map(({ w }) => tf.sum(tf.square(w)))))) as tf.Scalar);
              }, layers.flatMap(({ w, b }) => [w, b])).grads,
          );
          for (const [name, g] of Object.entries(own)) grads[name] = p === 0 ? g : tf.add(grads[name], g);
        });
      });
      this.optimizer.apply(flatten(this.variables.map((v) => grads[v.name])), lr);
      const mean = tf.div(tf.addN(losses), this.members.length) as tf.Scalar;
      for (const l of losses) l.dispose(); // kept, so no tidy frees them
      return mean;
    });
    const value = meanLoss.dataSync()[0];
    meanLoss.dispose();
    if (!Number.isFinite(value)) throw new Error(`reward model ${failure} (loss ${value})`);
    return value;
  }

  /** Member m's convolutions (for stacked frames; none for ram), their variables themselves: for pretraining an encoder. */
  encoder(m: number): readonly { w: tf.Variable; b: tf.Variable; stride: number }[] {
    return this.members[m].convs;
  }

  /** Gives every member member 0's convolution weights (one pretrained encoder under every head). */
  shareEncoder(): void {
    const [first, ...rest] = this.members;
    tf.tidy(() => {
      for (const member of rest) member.convs.forEach(({ w, b }, i) => {
        w.assign(first.convs[i].w);
        b.assign(first.convs[i].b);
      });
    });
  }

  /** The action with the highest ensemble-mean raw Ĥ(s, ·) for each row: Deep TAMER's greedy agent. */
  greedyActions(obs: Float32Array, rows: number): Int32Array {
    if (!this.config.actionDependent) throw new Error('acting greedily on the reward needs an action-dependent reward model (Ĥ(s, a))');
    const out = tf.tidy(() => {
      const x = tf.tensor2d(obs.subarray(0, rows * this.obsSize), [rows, this.obsSize]);
      return tf.argMax(tf.addN(this.members.map((_, m) => this.outputs(m, x))), 1);
    });
    const a = Int32Array.from(out.dataSync());
    out.dispose();
    return a;
  }

  /** Raw summed r̂ per member for each clip: sums[m][i]. */
  private clipSums(clips: readonly ClipData[]): Float32Array[] {
    if (clips.length === 0) return this.members.map(() => new Float32Array(0));
    const H = clips[0].actions.length;
    return this.clipRawRewards(clips, true).map((r) => {
      const sums = new Float32Array(clips.length);
      for (let i = 0; i < r.length; i++) sums[Math.floor(i / H)] += r[i];
      return sums;
    });
  }

  /** Mean over members of the data loss on `labels`. */
  private loss(labels: readonly Comparison[], sums: Float32Array[], index: Map<ClipData, number>): number {
    if (labels.length === 0) return Number.NaN;
    return tf.tidy(() => {
      const target = tf.tensor1d(labels.map((c) => c.target));
      const losses = sums.map((s) => {
        const left = tf.tensor1d(labels.map((c) => s[index.get(c.left)!]));
        const right = tf.tensor1d(labels.map((c) => s[index.get(c.right)!]));
        return preferenceLoss(left, right, target, this.config.answerNoise);
      });
      return tf.div(tf.addN(losses), losses.length).dataSync()[0];
    });
  }

  /**
   * Training and validation loss, validation accuracy and correlation, and the L2 weight moved one step
   * toward keeping validation loss within `valLossBand` times training loss (when both exist).
   */
  evaluate(data: PreferenceDataset): RewardEvaluation {
    const labels = [...data.train, ...data.heldOut];
    const clips = [...new Set(labels.flatMap((c) => [c.left, c.right]))];
    const index = new Map(clips.map((c, i) => [c, i]));
    const sums = this.clipSums(clips);
    const trainLoss = this.loss(data.train, sums, index);
    const valLoss = this.loss(data.heldOut, sums, index);
    // The ensemble's prediction: normalised members averaged (shifts cancel between equal-length clips).
    const predicted = new Float64Array(clips.length);
    sums.forEach((s, m) => s.forEach((v, i) => (predicted[i] += (v * this.scale[m]) / sums.length)));
    const heldOutRight = new Map<string, boolean>();
    for (const c of data.heldOut) {
      if (c.target !== 0.5) heldOutRight.set(c.pairId, predicted[index.get(c.left)!] > predicted[index.get(c.right)!] === c.target > 0.5);
    }
    const decided = heldOutRight.size;
    const right = [...heldOutRight.values()].filter((r) => r).length;
    const heldOutClips = [...new Set(data.heldOut.flatMap((c) => [c.left, c.right]))];
    const predTrueCorrelation = pearson(
      heldOutClips.map((c) => predicted[index.get(c)!]),
      heldOutClips.map((c) => c.trueReturn),
    );
    if (Number.isFinite(trainLoss) && Number.isFinite(valLoss) && trainLoss > 0) {
      const [low, high] = this.config.valLossBand;
      if (valLoss > high * trainLoss) this.l2 *= L2_STEP;
      else if (valLoss < low * trainLoss) this.l2 /= L2_STEP;
      this.l2 = Math.min(Math.max(this.l2, 1e-8), 10);
    }
    return { trainLoss, valLoss, valAccuracy: decided > 0 ? right / decided : Number.NaN, predTrueCorrelation, l2: this.l2, heldOutRight };
  }

  /**
   * Each label's cross-entropy under the ensemble: against the members' mean P[left preferred], with the
   * answer noise as training sees it (a label screen's measure, screen.ts).
   */
  labelLosses(labels: readonly Comparison[]): Float64Array {
    const diffs = this.pairDiffs(labels);
    const noise = this.config.answerNoise;
    return Float64Array.from(labels, (c, i) => {
      let p = 0;
      for (const d of diffs) p += noise / 2 + (1 - noise) / (1 + Math.exp(-d[i]));
      p /= diffs.length;
      return -(c.target * Math.log(p) + (1 - c.target) * Math.log(1 - p));
    });
  }

  /** P[left preferred] of each member (noise-free), for query selection: probs[m][i]. */
  preferenceProbs(pairs: readonly { left: ClipData; right: ClipData }[]): Float32Array[] {
    return this.pairDiffs(pairs).map((d) => Float32Array.from(d, (x) => 1 / (1 + Math.exp(-x))));
  }

  /** Each member's summed raw r̂ of the left clip less the right's, for every pair: diffs[m][i]. */
  private pairDiffs(pairs: readonly { left: ClipData; right: ClipData }[]): Float64Array[] {
    const clips = [...new Set(pairs.flatMap((p) => [p.left, p.right]))];
    const index = new Map(clips.map((c, i) => [c, i]));
    return this.clipSums(clips).map((s) => Float64Array.from(pairs, (p) => s[index.get(p.left)!] - s[index.get(p.right)!]));
  }

  getWeights(): Float32Array[] {
    return this.variables.map((v) => v.dataSync() as Float32Array);
  }

  /**
   * Each member's weights as plain numbers, for export: its convolutions (pixels; kernels [size, size, in,
   * filters], the first reading the channels `outputs` builds, scaled to [0, 1]) and its dense layers (the first
   * takes `inputSize` inputs, see `inputs`, or the last convolution's output flattened).
   */
  memberWeights(): MemberWeights[] {
    return this.members.map((m) => ({
      convs: m.convs.map(({ w, b, stride }) => {
        const [size, , inChannels, filters] = w.shape;
        return { kernel: w.dataSync() as Float32Array, bias: b.dataSync() as Float32Array, size, stride, inChannels, filters };
      }),
      layers: m.layers.map(({ w, b }) => ({ kernel: w.dataSync() as Float32Array, bias: b.dataSync() as Float32Array, inputs: w.shape[0], units: w.shape[1] as number })),
    }));
  }

  getState(): RewardModelState {
    return {
      weights: this.getWeights(),
      adam: this.optimizer.getState(),
      shift: [...this.shift],
      scale: [...this.scale],
      l2: this.l2,
      trainSteps: this.trainSteps,
      feedbackSteps: this.feedbackSteps,
      rng: this.rng.getState(),
    };
  }

  setState(s: RewardModelState): void {
    if (s.weights.length !== this.variables.length) throw new Error(`reward model needs ${this.variables.length} weight arrays, got ${s.weights.length}`);
    s.weights.forEach((w, i) => {
      if (w.length !== this.variables[i].size) throw new Error(`reward model weight ${i} needs ${this.variables[i].size} values, got ${w.length}`);
    });
    if (s.shift.length !== this.shift.length || s.scale.length !== this.scale.length) throw new Error('reward model normalisation has the wrong number of members');
    this.optimizer.setState(s.adam);
    this.rng.setState(s.rng, 'reward model rng state');
    tf.tidy(() => s.weights.forEach((w, i) => this.variables[i].assign(tf.tensor(w, this.variables[i].shape))));
    this.shift.splice(0, this.shift.length, ...s.shift);
    this.scale.splice(0, this.scale.length, ...s.scale);
    this.l2 = s.l2;
    this.trainSteps = s.trainSteps;
    this.feedbackSteps = s.feedbackSteps ?? 0;
  }

  dispose(): void {
    this.optimizer.dispose();
    for (const v of this.variables) v.dispose();
  }
}

/** Pearson correlation; NaN with fewer than 3 points or no variance. */
export function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 3) return Number.NaN;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}
