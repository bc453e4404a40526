/**
 * Actor-critic networks on raw tf variables (no tf.layers: a custom loop over a handful of ops is faster and
 * its weights are plain arrays to checkpoint).
 *
 * Both share one trunk between the policy and the value, as OpenAI baselines' A2C does on Atari (its `mlp` and
 * `cnn` networks both feed one latent to both heads): half the ops of two towers, which for the small `ram`
 * networks is most of the time an update takes, and the value's features help the policy early on.
 * - `mlp` for `ram` observations: 64-64 ReLU (ReLU rather than baselines' tanh so tfjs can fuse each layer's
 *   matmul, bias and activation into one op).
 * - `cnn` for `pixels`: the Nature-DQN trunk (Mnih et al. 2015: conv 32x8x8/4, 64x4x4/2, 64x3x3/1, dense 512,
 *   ReLU); input bytes are scaled by 1/255. (It trains on every backend; the wasm backend's filter gradient
 *   is added by ./wasm-kernels.ts.)
 * The two heads are one layer with numActions + 1 outputs: the policy logits, then the value.
 *
 * Initialisation as baselines for dense layers: orthogonal, gain sqrt(2) for hidden layers, 0.01 for the policy
 * head (a nearly uniform first policy), 1 for the value head; zero biases. Conv kernels, and dense layers of
 * over a million weights (the CNN's 3136x512), use variance scaling with the same gain instead (baselines
 * orthogonalises those too; a QR of that size is slow in tfjs).
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
  /** The same packed as [batch, numActions + 1]: the logits, then the value (one read-back for acting). */
  packed(obs: tf.Tensor2D): tf.Tensor2D;
  getWeights(): Float32Array[];
  setWeights(weights: Float32Array[]): void;
  dispose(): void;
}

function checkPositiveInt(what: string, x: number): void {
  if (!Number.isInteger(x) || x < 1) throw new RangeError(`${what} must be a positive integer, got ${x}`);
}

/**
 * x·w + b with its gradient computed through explicit transposes: tfjs-wasm's matMul with a transposed operand
 * (what autodiff of matMul emits: dy·wᵀ and xᵀ·dy) takes a slow path, 5-10x slower than transposing first
 * for a few thousand rows, which is what the reward model's minibatches have.
 */
export const dense = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: tf.Tensor, [xs, ws]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(ws as tf.Tensor2D)),
      tf.matMul(tf.transpose(xs as tf.Tensor2D), dy as tf.Tensor2D),
      tf.sum(dy, 0),
    ],
  };
}) as unknown as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

export class Params {
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

  /** One layer for both heads: numActions policy logits (gain 0.01), then one value (gain 1). */
  packedHead(inputs: number, numActions: number): { w: tf.Variable; b: tf.Variable } {
    const seed = this.seed + this.n++;
    const w = tf.tidy(() => tf.variable(tf.concat([orthogonal(inputs, numActions, 0.01, seed), orthogonal(inputs, 1, 1, seed + 1)], 1)));
    const b = tf.tidy(() => tf.variable(tf.zeros([numActions + 1])));
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
  abstract readonly numActions: number;
  abstract packed(obs: tf.Tensor2D): tf.Tensor2D;

  forward(obs: tf.Tensor2D): { logits: tf.Tensor2D; values: tf.Tensor1D } {
    const out = this.packed(obs);
    const A = this.numActions;
    return { logits: tf.slice(out, [0, 0], [-1, A]), values: tf.reshape(tf.slice(out, [0, A], [-1, 1]), [-1]) as tf.Tensor1D };
  }

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

class MlpActorCritic extends Net implements ActorCritic {
  readonly kind = 'mlp';
  readonly variables: tf.Variable[];
  private readonly layers: { w: tf.Variable; b: tf.Variable }[];
  private readonly head: { w: tf.Variable; b: tf.Variable };

  constructor(
    readonly obsSize: number,
    readonly numActions: number,
    readonly hidden: readonly number[],
    seed: number,
  ) {
    super();
    const p = new Params(seed);
    let n = obsSize;
    this.layers = hidden.map((h) => {
      const layer = p.dense(n, h, Math.SQRT2);
      n = h;
      return layer;
    });
    this.head = p.packedHead(n, numActions);
    this.variables = p.variables;
  }

  packed(obs: tf.Tensor2D): tf.Tensor2D {
    let y = obs;
    for (const { w, b } of this.layers) y = tf.fused.matMul({ a: y, b: w as tf.Tensor2D, bias: b, activation: 'relu' }) as tf.Tensor2D;
    return tf.fused.matMul({ a: y, b: this.head.w as tf.Tensor2D, bias: this.head.b }) as tf.Tensor2D;
  }
}

/** Output size of a 'valid' convolution. */
export function convOut(size: number, kernel: number, stride: number): number {
  return Math.floor((size - kernel) / stride) + 1;
}

class CnnActorCritic extends Net implements ActorCritic {
  readonly kind = 'cnn';
  readonly variables: tf.Variable[];
  readonly obsSize: number;
  private readonly convs: { w: tf.Variable; b: tf.Variable; stride: number }[];
  private readonly fc: { w: tf.Variable; b: tf.Variable };
  private readonly head: { w: tf.Variable; b: tf.Variable };

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
    this.head = p.packedHead(512, numActions);
    this.variables = p.variables;
  }

  packed(obs: tf.Tensor2D): tf.Tensor2D {
    const [h, w, c] = this.shape;
    let x: tf.Tensor4D = tf.div(tf.reshape(obs, [-1, h, w, c]), 255);
    for (const { w: k, b, stride } of this.convs) {
      x = tf.fused.conv2d({ x, filter: k as tf.Tensor4D, strides: stride, pad: 'valid', bias: b, activation: 'relu' });
    }
    const flat = tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
    const hidden = tf.fused.matMul({ a: flat, b: this.fc.w as tf.Tensor2D, bias: this.fc.b, activation: 'relu' });
    return tf.fused.matMul({ a: hidden as tf.Tensor2D, b: this.head.w as tf.Tensor2D, bias: this.head.b }) as tf.Tensor2D;
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
