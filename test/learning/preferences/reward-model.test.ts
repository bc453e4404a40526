import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../src/env/rng.js';
import { FrameSteps } from '../../../src/learning/preferences/clip-obs.js';
import { type ClipData, PreferenceDataset, stackClips } from '../../../src/learning/preferences/dataset.js';
import { pearson, RewardModel, resolveRewardModelConfig } from '../../../src/learning/preferences/reward-model.js';
import { initTf, tf } from '../../../src/learning/tf.js';

beforeAll(async () => {
  await initTf();
});

const D = 4;
const A = 3;
const H = 5;

/** A toy task: the true reward of a step is obs[0] when the action is 1, else 0. */
function toyClip(id: string, rng: Rng): ClipData {
  const obs = Float32Array.from({ length: H * D }, () => rng.next() * 2 - 1);
  const next = Float32Array.from({ length: H * D }, () => rng.next() * 2 - 1);
  const actions = Int32Array.from({ length: H }, () => Math.floor(rng.next() * A));
  let trueReturn = 0;
  for (let t = 0; t < H; t++) if (actions[t] === 1) trueReturn += obs[t * D];
  return { id, obs, next, actions, trueReturn };
}

/**
 * A toy task only a transition model can learn: each step's reward is how much obs[0] rose, and the next
 * observation is drawn independently of the current one.
 */
function changeData(n: number, seed: number): PreferenceDataset {
  const rng = new Rng(seed);
  const d = new PreferenceDataset({ members: 3, valFraction: 1 / Math.E, maxLabels: 3000, seed });
  const clip = (id: string): ClipData => {
    const obs = Float32Array.from({ length: H * D }, () => rng.next() * 2 - 1);
    const next = Float32Array.from({ length: H * D }, () => rng.next() * 2 - 1);
    let trueReturn = 0;
    for (let t = 0; t < H; t++) trueReturn += next[t * D] - obs[t * D];
    return { id, obs, next, actions: new Int32Array(H), trueReturn };
  };
  for (let i = 0; i < n; i++) {
    const [l, r] = [clip(`a${i}`), clip(`b${i}`)];
    d.add(`p${i}`, l, r, l.trueReturn > r.trueReturn ? 'left' : 'right');
  }
  return d;
}

function toyData(n: number, seed: number): PreferenceDataset {
  const rng = new Rng(seed);
  const d = new PreferenceDataset({ members: 3, valFraction: 1 / Math.E, maxLabels: 3000, seed });
  for (let i = 0; i < n; i++) {
    const [l, r] = [toyClip(`a${i}`, rng), toyClip(`b${i}`, rng)];
    d.add(`p${i}`, l, r, l.trueReturn > r.trueReturn ? 'left' : 'right');
  }
  return d;
}

describe('reward model', () => {
  it('learns which clip is preferred from labels alone: held-out accuracy and correlation well above chance', () => {
    const model = new RewardModel(D, A, { batchSize: 32, lr: 3e-3, actionDependent: true }, 1);
    const data = toyData(300, 1);
    const before = model.evaluate(data);
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 150; i++) model.trainStep(data);
    expect(tf.memory().numTensors).toBe(tensors);
    const after = model.evaluate(data);
    expect(after.valAccuracy).toBeGreaterThan(0.85);
    // Its parts: one verdict per decided held-out label.
    expect([...after.heldOutRight.keys()].sort()).toEqual(data.heldOut.filter((c) => c.target !== 0.5).map((c) => c.pairId).sort());
    expect([...after.heldOutRight.values()].filter((r) => r).length / after.heldOutRight.size).toBe(after.valAccuracy);
    expect(after.predTrueCorrelation).toBeGreaterThan(0.85);
    expect(after.valLoss).toBeLessThan(before.valLoss);
    model.dispose();
  });

  it('normalises each member to zero mean and the configured standard deviation, then averages', () => {
    const model = new RewardModel(D, A, { rewardStd: 0.05 }, 2);
    const rng = new Rng(9);
    const rows = 2000;
    const obs = Float32Array.from({ length: rows * D }, () => rng.next() * 4 - 2);
    const next = Float32Array.from({ length: rows * D }, () => rng.next() * 4 - 2);
    const actions = Int32Array.from({ length: rows }, () => Math.floor(rng.next() * A));
    model.normalise(obs, actions, rows, next);
    const raw = model.rawRewards(obs, actions, rows, next);
    raw.forEach((r, m) => {
      const z = Array.from(r, (x) => (x - model.shift[m]) * model.scale[m]);
      const mean = z.reduce((a, b) => a + b, 0) / rows;
      const std = Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / rows);
      expect(mean).toBeCloseTo(0, 6);
      expect(std).toBeCloseTo(0.05, 5);
    });
    const predicted = model.predict(obs, actions, rows, next);
    const k = 17;
    const expected = raw.reduce((s, r, m) => s + ((r[k] - model.shift[m]) * model.scale[m]) / raw.length, 0);
    expect(predicted[k]).toBeCloseTo(expected, 6);
    model.dispose();
  });

  it('with normaliseAllActions, normalises every action at the reference states, so a policy stuck on one action cannot blow the scale up', () => {
    const rng = new Rng(4);
    const rows = 500;
    const obs = Float32Array.from({ length: rows * D }, () => rng.next() * 2 - 1);
    const taken = new Int32Array(rows).fill(2); // a policy that takes one action everywhere
    const all = new RewardModel(D, A, { actionDependent: true, normaliseAllActions: true, rewardStd: 0.05 }, 5);
    all.normalise(obs, taken, rows);
    const byAction = Array.from({ length: A }, (_, a) => all.rawRewards(obs, new Int32Array(rows).fill(a), rows));
    all.shift.forEach((_, m) => {
      const z = byAction.flatMap((r) => Array.from(r[m], (x) => (x - all.shift[m]) * all.scale[m]));
      const mean = z.reduce((a, b) => a + b, 0) / z.length;
      expect(mean).toBeCloseTo(0, 6);
      expect(Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length)).toBeCloseTo(0.05, 5);
    });
    // The same steps as 20 clips of 25 (as a preference run normalises on its pool): the same constants.
    const [shift, scale] = [[...all.shift], [...all.scale]];
    const clips = Array.from({ length: 20 }, (_, i): ClipData => ({ id: `c${i}`, obs: obs.slice(i * 25 * D, (i + 1) * 25 * D), next: new Float32Array(25 * D), actions: taken.slice(i * 25, (i + 1) * 25), trueReturn: 0 }));
    all.normaliseClips(clips);
    all.shift.forEach((x, m) => expect(x).toBeCloseTo(shift[m], 6));
    all.scale.forEach((x, m) => expect(x).toBeCloseTo(scale[m], 3));
    // The same state at every reference step (the policy stuck in a corner): the taken action's output does not
    // vary, and normalising on it alone scales by 0.05 / 1e-8; every action's output still varies.
    const stuck = new Float32Array(rows * D);
    for (let i = 0; i < rows; i++) stuck.set(obs.subarray(0, D), i * D);
    const takenOnly = new RewardModel(D, A, { actionDependent: true, rewardStd: 0.05 }, 5);
    takenOnly.normalise(stuck, taken, rows);
    all.normalise(stuck, taken, rows);
    expect(Math.min(...takenOnly.scale)).toBeGreaterThan(1e5);
    expect(Math.max(...all.scale)).toBeLessThan(100);
    all.dispose();
    takenOnly.dispose();
  });

  it('raises the L2 weight when validation loss exceeds 1.5x training loss, and lowers it below 1.1x', () => {
    const model = new RewardModel(D, A, { l2: 1e-3, batchSize: 8, lr: 1e-2, actionDependent: true }, 3);
    // 20 labels and many steps: the members overfit, validation loss climbs above the band.
    const data = toyData(20, 4);
    for (let i = 0; i < 300; i++) model.trainStep(data);
    const e = model.evaluate(data);
    expect(e.valLoss).toBeGreaterThan(1.5 * e.trainLoss);
    expect(model.l2).toBeCloseTo(1.2e-3, 8);
    // A fresh model on a large sample: train and validation loss are alike, below 1.1x.
    const fresh = new RewardModel(D, A, { l2: 1e-3 }, 5);
    const f = fresh.evaluate(toyData(600, 6));
    expect(f.valLoss).toBeLessThan(1.1 * f.trainLoss);
    expect(fresh.l2).toBeCloseTo(1e-3 / 1.2, 8);
    model.dispose();
    fresh.dispose();
  });

  it('saves and restores its whole state (weights, Adam, normalisation, L2)', () => {
    const data = toyData(100, 7);
    const a = new RewardModel(D, A, {}, 8);
    for (let i = 0; i < 5; i++) a.trainStep(data);
    a.shift[1] = 0.3;
    const b = new RewardModel(D, A, {}, 99);
    b.setState(a.getState());
    const rng = new Rng(1);
    const obs = Float32Array.from({ length: 10 * D }, () => rng.next());
    const next = Float32Array.from({ length: 10 * D }, () => rng.next());
    const act = Int32Array.from({ length: 10 }, (_, i) => i % A);
    expect(b.predict(obs, act, 10, next)).toEqual(a.predict(obs, act, 10, next));
    a.trainStep(data);
    b.trainStep(data);
    expect(b.predict(obs, act, 10, next)).toEqual(a.predict(obs, act, 10, next));
    a.dispose();
    b.dispose();
  });

  it('with dropout, trains through seeded random masks but predicts, normalises and evaluates with the whole network', () => {
    const data = toyData(300, 3);
    const config = { batchSize: 32, lr: 3e-3, actionDependent: true };
    const dropped = new RewardModel(D, A, { ...config, dropout: 0.5 }, 4);
    const whole = new RewardModel(D, A, config, 4);
    const rng = new Rng(2);
    const obs = Float32Array.from({ length: 10 * D }, () => rng.next());
    const act = Int32Array.from({ length: 10 }, (_, i) => i % A);
    // Same weights: the same predictions and evaluation, whatever the dropout.
    expect(dropped.predict(obs, act, 10)).toEqual(whole.predict(obs, act, 10));
    expect(dropped.evaluate(data).valLoss).toBe(whole.evaluate(data).valLoss);
    // A training step sees the masks: the weights move differently, and the same seed gives the same masks.
    dropped.trainStep(data);
    whole.trainStep(data);
    expect(dropped.predict(obs, act, 10)).not.toEqual(whole.predict(obs, act, 10));
    const again = new RewardModel(D, A, { ...config, dropout: 0.5 }, 4);
    again.evaluate(data); // evaluating moves the L2 weight, as it did the others'
    again.trainStep(data);
    expect(again.predict(obs, act, 10)).toEqual(dropped.predict(obs, act, 10));
    // And it still learns the task.
    for (let i = 0; i < 300; i++) dropped.trainStep(data);
    const e = dropped.evaluate(data);
    expect(e.valAccuracy).toBeGreaterThan(0.8);
    expect(e.predTrueCorrelation).toBeGreaterThan(0.8);
    for (const m of [dropped, whole, again]) m.dispose();
  });

  it('gives every action the same reward when it is not action-dependent', () => {
    // Three rows with the same observation and different actions.
    const obs = Float32Array.from({ length: 3 * D }, (_, i) => Math.sin(i % D));
    const actions = Int32Array.of(0, 1, 2);
    const model = new RewardModel(D, A, { actionDependent: false }, 4);
    expect(model.heads).toBe(1);
    const r = model.predict(obs, actions, 3, obs);
    expect(r[1]).toBeCloseTo(r[0], 6);
    expect(r[2]).toBeCloseTo(r[0], 6);
    const dependent = new RewardModel(D, A, { actionDependent: true }, 4);
    expect(dependent.heads).toBe(A);
    expect(new Set(Array.from(dependent.predict(obs, actions, 3), (x) => x.toFixed(5))).size).toBe(3);
    model.dispose();
    dependent.dispose();
  });

  it('with statePreferences, preferences rate states: clips of the same states are equal whatever the actions, and training moves every action alike', () => {
    const rng = new Rng(5);
    const obs = Float32Array.from({ length: H * D }, () => rng.next() * 2 - 1);
    const clip = (id: string, action: number): ClipData => ({ id, obs, next: obs, actions: new Int32Array(H).fill(action), trueReturn: 0 });
    const pair = [{ left: clip('l', 0), right: clip('r', 2) }];
    const byState = new RewardModel(D, A, { actionDependent: true, statePreferences: true, lr: 1e-2, batchSize: 8 }, 6);
    const byAction = new RewardModel(D, A, { actionDependent: true }, 6);
    for (const p of byState.preferenceProbs(pair)) expect(p[0]).toBeCloseTo(0.5, 6);
    expect(byAction.preferenceProbs(pair).some((p) => Math.abs(p[0] - 0.5) > 1e-3)).toBe(true);
    // The output biases get equal gradients (L2 is on kernels only), so Adam moves them alike: their
    // differences, which tell actions apart everywhere, stay what they were. The agent's reward still reads
    // the taken action.
    const biasGaps = () => byState.memberWeights().map(({ layers }) => Array.from(layers.at(-1)!.bias, (b) => b - layers.at(-1)!.bias[0]));
    const before = biasGaps();
    const data = toyData(60, 7);
    for (let i = 0; i < 30; i++) byState.trainStep(data);
    biasGaps().forEach((gaps, m) => gaps.forEach((g, a) => expect(g).toBeCloseTo(before[m][a], 5)));
    expect(byState.memberWeights()[0].layers.at(-1)!.bias[0]).not.toBeCloseTo(0, 3);
    const rows = Int32Array.of(0, 1, 2);
    const three = new Float32Array(3 * D).fill(0.3);
    expect(new Set(Array.from(byState.predict(three, rows, 3), (x) => x.toFixed(5))).size).toBe(3);
    byState.dispose();
    byAction.dispose();
  });

  it("with stateReward, the agent is paid the state's mean over actions of the normalised Ĥ, whatever the action taken", () => {
    const rng = new Rng(8);
    const rows = 12;
    const obs = Float32Array.from({ length: rows * D }, () => rng.next() * 2 - 1);
    const taken = Int32Array.from({ length: rows }, (_, i) => i % A);
    const settings = { actionDependent: true, statePreferences: true, normaliseAllActions: true } as const;
    const paidAction = new RewardModel(D, A, settings, 3);
    const paidState = new RewardModel(D, A, { ...settings, stateReward: true }, 3); // the same seed: the same weights
    for (const m of [paidAction, paidState]) m.normalise(obs, taken, rows);
    const byAction = Array.from({ length: A }, (_, a) => paidAction.predict(obs, new Int32Array(rows).fill(a), rows));
    const paid = paidState.predict(obs, taken, rows);
    for (let i = 0; i < rows; i++) {
      const mean = byAction.reduce((sum, r) => sum + r[i], 0) / A;
      expect(paid[i]).toBeCloseTo(mean, 5);
      // Ĥ still tells actions apart; what the agent is paid does not.
      expect(Math.abs(byAction[0][i] - byAction[1][i])).toBeGreaterThan(1e-4);
    }
    expect(Array.from(paidState.predict(obs, new Int32Array(rows), rows))).toEqual(Array.from(paid));
    paidAction.dispose();
    paidState.dispose();
  });

  it('learns a reward of what a step changed from [s, s\' - s], which a model of the state alone cannot', () => {
    const data = changeData(300, 11);
    const transition = new RewardModel(D, A, { batchSize: 32, lr: 3e-3, input: 'transition' }, 1);
    const state = new RewardModel(D, A, { batchSize: 32, lr: 3e-3, input: 'state' }, 1);
    expect(transition.inputSize).toBe(2 * D);
    expect(state.inputSize).toBe(D);
    for (let i = 0; i < 150; i++) {
      transition.trainStep(data);
      state.trainStep(data);
    }
    const t = transition.evaluate(data);
    const s = state.evaluate(data);
    expect(t.valAccuracy).toBeGreaterThan(0.85);
    expect(t.predTrueCorrelation).toBeGreaterThan(0.85);
    // The state model sees obs[0] but not where it went: it can only learn that a low start rises more.
    expect(s.predTrueCorrelation).toBeLessThan(t.predTrueCorrelation - 0.15);
    // Rows are [s, s' - s].
    const x = transition.inputs(Float32Array.of(1, 2, 3, 4), 1, Float32Array.of(2, 2, 0, 4));
    expect(Array.from(x)).toEqual([1, 2, 3, 4, 1, 0, -3, 0]);
    expect(() => transition.predict(new Float32Array(D), [0], 1)).toThrow(/transition reward model needs the observation after each of the 1 steps, got none/);
    transition.dispose();
    state.dispose();
  });

  it('learns that reward from s\' - s alone with a delta model, giving a change the same reward from any state', () => {
    const data = changeData(300, 11);
    const delta = new RewardModel(D, A, { batchSize: 32, lr: 3e-3, input: 'delta' }, 1);
    expect(delta.inputSize).toBe(D);
    for (let i = 0; i < 150; i++) delta.trainStep(data);
    const e = delta.evaluate(data);
    expect(e.valAccuracy).toBeGreaterThan(0.85);
    expect(e.predTrueCorrelation).toBeGreaterThan(0.85);
    // Rows are s' - s.
    expect(Array.from(delta.inputs(Float32Array.of(1, 2, 3, 4), 1, Float32Array.of(2, 2, 0, 4)))).toEqual([1, 0, -3, 0]);
    const s = Float32Array.from({ length: 4 * D }, (_, i) => (i % 7) / 7);
    const move = Float32Array.from({ length: 4 * D }, (_, i) => ((i % 3) - 1) / 4);
    const rewardOf = (from: Float32Array) => delta.predict(from, new Int32Array(4), 4, from.map((x, i) => x + move[i]));
    const elsewhere = s.map((x) => x - 0.6);
    rewardOf(s).forEach((r, i) => expect(r).toBeCloseTo(rewardOf(elsewhere)[i], 5));
    // Normalised, a step that changes nothing earns nothing, from any state; the spread is still rewardStd.
    const rows = 200;
    const obs = Float32Array.from({ length: rows * D }, (_, i) => Math.sin(i));
    const next = obs.map((x, i) => x + 0.3 * Math.cos(3 * i));
    delta.normalise(obs, new Int32Array(rows), rows, next);
    const normalised = delta.predict(obs, new Int32Array(rows), rows, next);
    const mean = normalised.reduce((a, b) => a + b, 0) / rows;
    expect(Math.abs(mean)).toBeGreaterThan(1e-3); // not the zero-mean normalisation of the other models
    delta.predict(obs, new Int32Array(rows), rows, obs).forEach((r) => expect(r).toBeCloseTo(0, 5));
    expect(() => delta.predict(new Float32Array(D), [0], 1)).toThrow(/delta reward model needs the observation after each of the 1 steps, got none/);
    expect(() => resolveRewardModelConfig({ actionDependent: true, input: 'delta' })).toThrow(/its input must be "state"/);
    delta.dispose();
  });

  it('with stacked frames, is convolutional: learns where a bright patch is from preferences, over frames shared between steps, and trains its members one at a time', () => {
    // 12x12 frames of dim noise, 2 to a stack; in half the frames the top-left 4x4 corner is lit. A step's true
    // reward is how bright the newest frame's corner is.
    const [S, K, T] = [12, 2, 5];
    const plane = S * S;
    const rng = new Rng(21);
    const clip = (id: string): ClipData => {
      const frames = Uint8Array.from({ length: (T + K) * plane }, () => Math.floor(rng.next() * 64));
      for (let f = 0; f < T + K; f++) {
        if (rng.next() < 0.5) for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) frames[f * plane + y * S + x] = 192 + Math.floor(rng.next() * 64);
      }
      let trueReturn = 0;
      for (let t = 0; t < T; t++) {
        const f = (t + K - 1) * plane; // step t's newest frame
        for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) trueReturn += frames[f + y * S + x] / 255 / 16;
      }
      return { id, obs: new FrameSteps(frames, plane, K, 0, T), next: new FrameSteps(frames, plane, K, 1, T), actions: new Int32Array(T), trueReturn };
    };
    const data = new PreferenceDataset({ members: 2, valFraction: 1 / Math.E, maxLabels: 3000, seed: 3 });
    for (let i = 0; i < 240; i++) {
      const [l, r] = [clip(`a${i}`), clip(`b${i}`)];
      const d = l.trueReturn - r.trueReturn; // a lit corner is worth about 0.9
      data.add(`p${i}`, l, r, d > 0.5 ? 'left' : d < -0.5 ? 'right' : 'equal');
    }
    const config = { members: 2, batchSize: 16, lr: 3e-3, hidden: [16], conv: [[3, 1, 4]] as [number, number, number][] };
    const model = new RewardModel([S, S, K], A, config, 1);
    expect(model.image).toEqual([S, S, K]);
    expect(model.obsSize).toBe(plane * K);
    // Each member: the convolution (3x3x2x4 and 4 biases), a dense layer of 10x10x4 -> 16, the output.
    const member = [[3, 3, K, 4], [4], [400, 16], [16], [16, 1], [1]];
    expect(model.variables.map((v) => v.shape)).toEqual([...member, ...member]);
    const before = model.evaluate(data);
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 150; i++) model.trainStep(data);
    expect(tf.memory().numTensors).toBe(tensors);
    const e = model.evaluate(data);
    expect(e.valLoss).toBeLessThan(before.valLoss / 2);
    expect(e.valAccuracy).toBeGreaterThan(0.9);
    expect(e.predTrueCorrelation).toBeGreaterThan(0.9);

    // Clips are read a few at a time: the rewards of clips equal those of their stacked rows.
    const clips = [...new Set(data.train.flatMap((c) => [c.left, c.right]))].slice(0, 40);
    const { obs, actions } = stackClips(clips, model.obsSize, false);
    const raw = model.rawRewards(obs, actions, actions.length);
    model.clipRawRewards(clips).forEach((r, m) => r.forEach((x, i) => expect(x).toBeCloseTo(raw[m][i], 5)));
    model.normaliseClips(clips);
    const byClips = [...model.shift, ...model.scale];
    model.normalise(obs, actions, actions.length);
    [...model.shift, ...model.scale].forEach((x, i) => expect(x).toBeCloseTo(byClips[i], 4));
    // A minibatch taken a few labels at a time (as pixel ones are) trains the model as in one pass.
    const whole = new RewardModel([S, S, K], A, config, 5);
    const parts = new RewardModel([S, S, K], A, config, 5);
    const start = parts.variables.map((v) => v.dataSync().slice());
    const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])));
    const chunk = RewardModel.gradChunkValues;
    const lossesWhole = Array.from({ length: 5 }, () => whole.trainStep(data)!);
    RewardModel.gradChunkValues = 3 * 2 * T * whole.inputSize; // 3 labels a pass: 16 = 5 x 3 + 1
    let lossesParts: number[];
    try {
      lossesParts = Array.from({ length: 5 }, () => parts.trainStep(data)!);
    } finally {
      RewardModel.gradChunkValues = chunk;
    }
    lossesParts.forEach((l, i) => expect(l).toBeCloseTo(lossesWhole[i], 5));
    // The kernels alike (Adam amplifies rounding a little; the output bias, which a preference cannot move, drifts on rounding alone).
    whole.variables.forEach((v, i) => {
      if (v.rank > 1) expect(maxAbsDiff(v.dataSync(), parts.variables[i].dataSync())).toBeLessThan(1e-4);
    });
    expect(parts.variables.some((v, i) => maxAbsDiff(v.dataSync(), start[i]) > 1e-3)).toBe(true);
    whole.dispose();
    parts.dispose();
    // Both members trained on the same step, each from its own gradient, as the dense members do in one.
    const fresh = new RewardModel([S, S, K], A, config, 1);
    fresh.variables.forEach((v, i) => expect(Array.from(v.dataSync()).some((x, j) => x !== model.variables[i].dataSync()[j])).toBe(true));
    expect(model.memberWeights().map((m) => [...m.convs.map((c) => [c.size, c.stride, c.inChannels, c.filters]), ...m.layers.map((l) => [l.inputs, l.units])])).toEqual(
      Array(2).fill([[3, 1, K, 4], [400, 16], [16, 1]]),
    );
    expect(() => new RewardModel([4, 4, K], A, config)).not.toThrow();
    expect(() => new RewardModel([2, 2, K], A, config)).toThrow(/a 2x2 observation is too small for the reward model's convolutions \[\[3,1,4\]\]/);
    expect(() => resolveRewardModelConfig({ conv: [[3, 0, 4]] })).toThrow(/reward model conv must be a list of \[kernel, stride, filters\]/);
    fresh.dispose();
    model.dispose();
  });

  it('with stacked frames and the transition input, reads s and s\' - s as channels side by side', () => {
    const [S, K] = [6, 2];
    const model = new RewardModel([S, S, K], A, { members: 1, hidden: [4], conv: [[3, 1, 3]], input: 'transition' }, 2);
    expect(model.variables[0].shape).toEqual([3, 3, 2 * K, 3]);
    const rows = 3;
    const obs = Float32Array.from({ length: rows * S * S * K }, (_, i) => (i * 37) % 256);
    const next = Float32Array.from({ length: rows * S * S * K }, (_, i) => (i * 11) % 256);
    const moved = model.predict(obs, new Int32Array(rows), rows, next);
    const still = model.predict(obs, new Int32Array(rows), rows, obs);
    moved.forEach((r, i) => expect(r).not.toBeCloseTo(still[i], 4));
    model.dispose();
  });

  it('rejects bad settings, naming them', () => {
    expect(() => resolveRewardModelConfig({ input: 'frames' as never })).toThrow(/input must be state or transition or delta/);
    expect(() => resolveRewardModelConfig({ actionDependent: true, input: 'transition' })).toThrow(/its input must be "state"/);
    expect(() => resolveRewardModelConfig({ statePreferences: true })).toThrow(/statePreferences only applies to an action-dependent model/);
    expect(() => resolveRewardModelConfig({ stateReward: true })).toThrow(/stateReward pays the agent the state's mean over actions: it needs an action-dependent model/);
    expect(() => resolveRewardModelConfig({ actionDependent: true, stateReward: 1 as never })).toThrow(/reward model stateReward must be true or false, got 1/);
    expect(() => resolveRewardModelConfig({ members: 0 })).toThrow(/members/);
    expect(() => resolveRewardModelConfig({ answerNoise: 1 })).toThrow(/answerNoise/);
    expect(() => resolveRewardModelConfig({ dropout: 1 })).toThrow(/reward model dropout must be in \[0, 1\), got 1/);
    expect(() => resolveRewardModelConfig({ dropout: -0.1 })).toThrow(/dropout/);
    expect(() => resolveRewardModelConfig({ valLossBand: [1.5, 1.1] })).toThrow(/valLossBand/);
    expect(() => resolveRewardModelConfig({ l2Weight: 1 } as never)).toThrow(/unknown reward model setting "l2Weight"/);
    expect(() => new RewardModel(0, 3)).toThrow(/observation must be a positive size or a height x width x channels shape, got 0/);
    expect(() => new RewardModel([84, 84], 3)).toThrow(/height x width x channels shape, got \[84,84\]/);
  });

  it('computes Pearson correlation', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 10);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 10);
    expect(pearson([1, 2], [1, 2])).toBeNaN();
  });
});
