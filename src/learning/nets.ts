/**
 * Actor-critic networks on raw tf variables (no tf.layers: a custom loop over a handful of ops is faster and
 * its weights are plain arrays to checkpoint).
 *
 * - `mlp` for `ram` observations: separate policy and value networks, each 64-64 tanh, as Stable-Baselines3's
 *   default MlpPolicy. Separate trunks keep the value loss's large early gradients out of the policy.
 * - `cnn` for `pixels`: the Nature-DQN trunk (Mnih et al. 2015: conv 32x8x8/4, 64x4x4/2, 64x3x3/1, dense 512,
 *   ReLU) shared by a policy head and a value head, as baselines' A2C on Atari; input bytes are scaled by 1/255.
 *
 * Initialisation as baselines: orthogonal, gain sqrt(2) for hidden layers, 0.01 for the policy head (a nearly
 * uniform first policy), 1 for the value head; zero biases.
 */
import { tf } from './tf.js';

export interface ActorCritic {
  readonly kind: 'mlp' | 'cnn';
  /** Length of one flat observation. */
  readonly obsSize: number;
  readonly numActions: number;
  readonly variables: tf.Variable[];
  /** obs: [batch, obsSize] -> logits [batch, numActions], values [batch]. */
  forward(obs: tf.Tensor2D): { logits: tf.Tensor2D; values: tf.Tensor1D };
  getWeights(): Float32Array[];
  setWeights(weights: Float32Array[]): void;
  dispose(): void;
}

function checkPositiveInt(what: string, x: number): void {
  if (!Number.isInteger(x) || x < 1) throw new RangeError(`${what} must be a positive integer, got ${x}`);
}

class Params {
  readonly variables: tf.Variable[] = [];
  private n = 0;
  constructor(private readonly seed: number) {}

  dense(inputs: number, units: number, gain: number): { w: tf.Variable; b: tf.Variable } {
    const seed = this.seed + this.n++;
    const w = tf.tidy(() =>
      tf.variable(
        inputs * units <= 1_000_000
          ? orthogonal(inputs, units, gain, seed)
          : tf.initializers.varianceScaling({ scale: gain * gain, mode: 'fanIn', distribution: 'normal', seed }).apply([inputs, units]),
      ),
    );
    const b = tf.tidy(() => tf.variable(tf.zeros([units])));
    this.variables.push(w, b);
    return { w, b };
  }

  conv(size: number, inChannels: number, filters: number, gain: number): { w: tf.Variable; b: tf.Variable } {
    const seed = this.seed + this.n++;
    const init = tf.initializers.varianceScaling({ scale: gain * gain, mode: 'fanIn', distribution: 'truncatedNormal', seed });
    const w = tf.tidy(() => tf.variable(init.apply([size, size, inChannels, filters])));
    const b = tf.tidy(() => tf.variable(tf.zeros([filters])));
    this.variables.push(w, b);
    return { w, b };
  }
}

/**
 * An orthogonal matrix times `gain` (Saxe et al. 2014), from the QR decomposition of a seeded Gaussian matrix
 * with the signs fixed so the result is uniformly distributed, as torch.nn.init.orthogonal_.
 */
function orthogonal(rows: number, cols: number, gain: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const tall = rows >= cols;
    const a = tf.randomNormal([Math.max(rows, cols), Math.min(rows, cols)], 0, 1, 'float32', seed) as tf.Tensor2D;
    const [q, r] = tf.linalg.qr(a);
    const n = Math.min(rows, cols);
    const diag = tf.sum(tf.mul(r, tf.eye(r.shape[0], r.shape[1])), 0).slice([0], [n]);
    const signed = tf.mul(q, tf.sign(tf.add(tf.sign(diag), 0.5))) as tf.Tensor2D;
    return tf.mul(tall ? signed : tf.transpose(signed), gain) as tf.Tensor2D;
  });
}

abstract class Net {
  abstract readonly variables: tf.Variable[];

  getWeights(): Float32Array[] {
    return this.variables.map((v) => v.dataSync() as Float32Array);
  }

  setWeights(weights: Float32Array[]): void {
    if (weights.length !== this.variables.length) {
      throw new Error(`expected ${this.variables.length} weight arrays, got ${weights.length}`);
    }
    weights.forEach((w, i) => {
      const v = this.variables[i];
      if (w.length !== v.size) throw new Error(`weight ${v.name} needs ${v.size} values, got ${w.length}`);
    });
    tf.tidy(() => weights.forEach((w, i) => this.variables[i].assign(tf.tensor(w, this.variables[i].shape))));
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

function mlpTower(p: Params, inputs: number, hidden: readonly number[], outputs: number, outGain: number) {
  const layers: { w: tf.Variable; b: tf.Variable }[] = [];
  let n = inputs;
  for (const h of hidden) {
    layers.push(p.dense(n, h, Math.SQRT2));
    n = h;
  }
  const head = p.dense(n, outputs, outGain);
  return (x: tf.Tensor2D): tf.Tensor2D => {
    let y = x;
    for (const { w, b } of layers) y = tf.tanh(tf.add(tf.matMul(y, w), b)) as tf.Tensor2D;
    return tf.add(tf.matMul(y, head.w), head.b) as tf.Tensor2D;
  };
}

class MlpActorCritic extends Net implements ActorCritic {
  readonly kind = 'mlp';
  readonly variables: tf.Variable[];
  private readonly pi: (x: tf.Tensor2D) => tf.Tensor2D;
  private readonly vf: (x: tf.Tensor2D) => tf.Tensor2D;

  constructor(
    readonly obsSize: number,
    readonly numActions: number,
    readonly hidden: readonly number[],
    seed: number,
  ) {
    super();
    const p = new Params(seed);
    this.pi = mlpTower(p, obsSize, hidden, numActions, 0.01);
    this.vf = mlpTower(p, obsSize, hidden, 1, 1);
    this.variables = p.variables;
  }

  forward(obs: tf.Tensor2D) {
    return { logits: this.pi(obs), values: tf.reshape(this.vf(obs), [-1]) as tf.Tensor1D };
  }
}

/** Output size of a 'valid' convolution. */
function convOut(size: number, kernel: number, stride: number): number {
  return Math.floor((size - kernel) / stride) + 1;
}

class CnnActorCritic extends Net implements ActorCritic {
  readonly kind = 'cnn';
  readonly variables: tf.Variable[];
  readonly obsSize: number;
  private readonly convs: { w: tf.Variable; b: tf.Variable; stride: number }[];
  private readonly fc: { w: tf.Variable; b: tf.Variable };
  private readonly piHead: { w: tf.Variable; b: tf.Variable };
  private readonly vfHead: { w: tf.Variable; b: tf.Variable };

  constructor(
    readonly shape: readonly [number, number, number],
    readonly numActions: number,
    seed: number,
  ) {
    super();
    const [h, w, c] = shape;
    this.obsSize = h * w * c;
    const p = new Params(seed);
    const spec = [
      [8, 4, 32],
      [4, 2, 64],
      [3, 1, 64],
    ] as const;
    let [oh, ow, oc] = [h, w, c];
    this.convs = spec.map(([k, s, f]) => {
      const layer = { ...p.conv(k, oc, f, Math.SQRT2), stride: s };
      [oh, ow, oc] = [convOut(oh, k, s), convOut(ow, k, s), f];
      if (oh < 1 || ow < 1) throw new RangeError(`observation ${h}x${w} is too small for the Nature CNN`);
      return layer;
    });
    this.fc = p.dense(oh * ow * oc, 512, Math.SQRT2);
    this.piHead = p.dense(512, numActions, 0.01);
    this.vfHead = p.dense(512, 1, 1);
    this.variables = p.variables;
  }

  forward(obs: tf.Tensor2D) {
    const [h, w, c] = this.shape;
    let x: tf.Tensor4D = tf.div(tf.reshape(obs, [-1, h, w, c]), 255);
    for (const { w: k, b, stride } of this.convs) x = tf.relu(tf.add(tf.conv2d(x, k as tf.Tensor4D, stride, 'valid'), b)) as tf.Tensor4D;
    const flat = tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
    const hidden = tf.relu(tf.add(tf.matMul(flat, this.fc.w), this.fc.b)) as tf.Tensor2D;
    const logits = tf.add(tf.matMul(hidden, this.piHead.w), this.piHead.b) as tf.Tensor2D;
    const values = tf.reshape(tf.add(tf.matMul(hidden, this.vfHead.w), this.vfHead.b), [-1]) as tf.Tensor1D;
    return { logits, values };
  }
}

export function createMlpActorCritic(obsSize: number, numActions: number, hidden: readonly number[] = [64, 64], seed = 0): ActorCritic {
  checkPositiveInt('obsSize', obsSize);
  checkPositiveInt('numActions', numActions);
  hidden.forEach((h, i) => checkPositiveInt(`hidden[${i}]`, h));
  return new MlpActorCritic(obsSize, numActions, hidden, seed);
}

export function createCnnActorCritic(shape: readonly number[], numActions: number, seed = 0): ActorCritic {
  if (shape.length !== 3) throw new RangeError(`the CNN needs a height x width x channels observation, got shape [${shape}]`);
  const [h, w, c] = shape;
  checkPositiveInt('height', h);
  checkPositiveInt('width', w);
  checkPositiveInt('channels', c);
  checkPositiveInt('numActions', numActions);
  return new CnnActorCritic([h, w, c], numActions, seed);
}
