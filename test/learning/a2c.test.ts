import { beforeAll, describe, expect, it } from 'vitest';
import { VectorEnv } from '../../src/env/vector-env.js';
import { A2C, resolveA2CConfig } from '../../src/learning/a2c.js';
import { createMlpActorCritic } from '../../src/learning/nets.js';
import type { RewardSource, RolloutBatch } from '../../src/learning/reward-source.js';
import { initTf, tf } from '../../src/learning/tf.js';

beforeAll(async () => {
  await initTf();
});

/** A reward the agent can learn in seconds: +1 whenever it takes `wanted`. It never sees the game score. */
class PreferAction implements RewardSource {
  readonly name = 'prefer-action';
  readonly usesTrueReward = false;
  readonly scale = 1;
  sawTrueRewards = false;
  constructor(readonly wanted: number) {}
  rewards(batch: RolloutBatch): Float32Array {
    if (batch.trueRewards !== undefined) this.sawTrueRewards = true;
    return Float32Array.from(batch.actions, (a) => (a === this.wanted ? 1 : 0));
  }
}

function probabilityOf(a2c: A2C, vec: VectorEnv, action: number): number {
  const obs = vec.reset({ seed: 99 }).obs;
  return tf.tidy(() => {
    const { logits } = a2c.net.forward(tf.tensor2d(obs, [vec.numEnvs, vec.obsSize]));
    return tf.mean(tf.softmax(logits).slice([0, action], [-1, 1])).dataSync()[0];
  });
}

describe('A2C', () => {
  it('learns a reward it is given, without ever seeing the game score', async () => {
    const vec = VectorEnv.make('Pong', 8);
    const net = createMlpActorCritic(vec.obsSize, vec.actionSpace.n, [32, 32], 1);
    const source = new PreferAction(3);
    const a2c = new A2C(vec, net, source, { numEnvs: 8, gamma: 0.5, lr: 1e-2, lrSchedule: 'constant' }, 1);
    const before = probabilityOf(a2c, vec, 3);
    for (let i = 0; i < 200; i++) await a2c.iterate(1e9);
    const after = probabilityOf(a2c, vec, 3);
    expect(before).toBeLessThan(0.2);
    expect(after).toBeGreaterThan(0.5);
    expect(source.sawTrueRewards).toBe(false);
    a2c.dispose();
    net.dispose();
  });

  it('does not leak tensors across thousands of updates', async () => {
    const vec = VectorEnv.make('Pong', 2);
    const net = createMlpActorCritic(vec.obsSize, vec.actionSpace.n, [16], 2);
    const a2c = new A2C(vec, net, new PreferAction(0), { numEnvs: 2, nSteps: 2 }, 2);
    for (let i = 0; i < 20; i++) await a2c.iterate(1e6);
    const start = tf.memory().numTensors;
    for (let i = 0; i < 2000; i++) await a2c.iterate(1e6);
    expect(tf.memory().numTensors).toBe(start);
    a2c.dispose();
    net.dispose();
  });

  it('decays the learning rate linearly to 0 over the run', async () => {
    const vec = VectorEnv.make('Pong', 2);
    const net = createMlpActorCritic(vec.obsSize, vec.actionSpace.n, [8], 3);
    const a2c = new A2C(vec, net, new PreferAction(0), { numEnvs: 2, nSteps: 5, lr: 1e-3 }, 3);
    const first = await a2c.iterate(40);
    expect(first.stats.lr).toBeCloseTo(1e-3, 9);
    await a2c.iterate(40);
    const third = await a2c.iterate(40);
    expect(third.stats.lr).toBeCloseTo(1e-3 * (1 - 20 / 40), 9);
    a2c.dispose();
    net.dispose();
  });

  it('bootstraps a time-limit truncation from the final observation', async () => {
    // A constant reward of 1 with gamma 0.5: a terminal step's return is 1; a truncated one adds 0.5 V(final).
    const vec = VectorEnv.make('Pong', 1, { maxEpisodeSteps: 3, noopMax: 0 });
    const net = createMlpActorCritic(vec.obsSize, vec.actionSpace.n, [8], 4);
    const ones: RewardSource = { name: 'ones', usesTrueReward: false, scale: 1, rewards: (b) => new Float32Array(b.numSteps * b.numEnvs).fill(1) };
    const a2c = new A2C(vec, net, ones, { numEnvs: 1, nSteps: 3, gamma: 0.5, vfCoef: 1, lr: 1e-2, lrSchedule: 'constant' }, 4);
    for (let i = 0; i < 400; i++) await a2c.iterate(1e9);
    // The fixed point of V = 1 + 0.5 V is 2 at every step when truncation bootstraps; without it the value
    // of the last step would be 1.
    const v = tf.tidy(() => a2c.net.forward(tf.tensor2d(vec.reset({ seed: 5 }).obs, [1, vec.obsSize])).values.dataSync()[0]);
    expect(v).toBeGreaterThan(1.7);
    a2c.dispose();
    net.dispose();
  });

  it('ends the returns at a game over, or (episodeEnds hidden, as Christiano et al.) runs them on into the next episode', async () => {
    // Two-step episodes that end in a game over (a time limit, turned into one), a reward of 1 every step,
    // gamma 0.8: shown, the first step is worth 1 + 0.8 = 1.8; hidden, every step 1 / (1 - 0.8) = 5.
    const valueAtStart = async (episodeEnds: 'shown' | 'hidden') => {
      const vec = VectorEnv.make('Pong', 1, { maxEpisodeSteps: 2, noopMax: 0 });
      const step = vec.step.bind(vec);
      vec.step = (actions) => {
        const r = step(actions);
        for (const e of r.info.episodes) [e.terminated, e.truncated] = [true, false];
        return { ...r, terminated: r.truncated.slice(), truncated: new Uint8Array(r.truncated.length) };
      };
      const net = createMlpActorCritic(vec.obsSize, vec.actionSpace.n, [8], 6);
      const ones: RewardSource = { name: 'ones', usesTrueReward: false, scale: 1, rewards: (b) => new Float32Array(b.numSteps * b.numEnvs).fill(1) };
      const a2c = new A2C(vec, net, ones, { numEnvs: 1, nSteps: 4, gamma: 0.8, vfCoef: 1, lr: 1e-2, lrSchedule: 'constant', episodeEnds }, 6);
      for (let i = 0; i < 600; i++) await a2c.iterate(1e9);
      const v = tf.tidy(() => a2c.net.forward(tf.tensor2d(vec.reset({ seed: 5 }).obs, [1, vec.obsSize])).values.dataSync()[0]);
      a2c.dispose();
      net.dispose();
      return v;
    };
    const [shown, hidden] = [await valueAtStart('shown'), await valueAtStart('hidden')];
    expect(shown).toBeLessThan(2.5);
    expect(hidden).toBeGreaterThan(3.5);
  });

  it('hands a reward source the observation each action led to: the next one, or the final one of an episode', async () => {
    // Episodes of 3 steps in rollouts of 4: every rollout holds an episode's end.
    const vec = VectorEnv.make('Pong', 2, { maxEpisodeSteps: 3, noopMax: 0 });
    const net = createMlpActorCritic(vec.obsSize, vec.actionSpace.n, [8], 5);
    const batches: { obs: Float32Array; next: Float32Array }[] = [];
    const finals: Float32Array[] = [];
    const spy: RewardSource = {
      name: 'spy',
      usesTrueReward: false,
      scale: 1,
      usesNextObs: true,
      rewards: (b) => {
        batches.push({ obs: b.obs.slice(), next: b.nextObs!.slice() });
        return new Float32Array(b.numSteps * b.numEnvs);
      },
    };
    const a2c = new A2C(vec, net, spy, { numEnvs: 2, nSteps: 4 }, 5);
    a2c.observer = { beforeStep: () => {}, afterStep: (_obs, _actions, r) => finals.push(...r.info.episodes.map((e) => e.finalObs)) };
    for (let i = 0; i < 3; i++) await a2c.iterate(1e9);
    const n = vec.obsSize;
    const row = (a: Float32Array, t: number, i: number) => Array.from(a.subarray((t * 2 + i) * n, (t * 2 + i + 1) * n));
    let endings = 0;
    for (const b of batches) {
      for (let t = 0; t < 3; t++) {
        for (let i = 0; i < 2; i++) {
          // Within an episode, next is the following step's obs; at its end it is a final obs, not the reset one.
          if (row(b.next, t, i).join() === row(b.obs, t + 1, i).join()) continue;
          endings++;
          expect(finals.some((f) => Array.from(f).join() === row(b.next, t, i).join())).toBe(true);
        }
      }
    }
    expect(endings).toBeGreaterThan(0);
    a2c.dispose();
    // A source that does not read them gets none (no copy of every observation is kept for it).
    let given: Float32Array | undefined = new Float32Array(1);
    const blind = new A2C(vec, net, { name: 'blind', usesTrueReward: false, scale: 1, rewards: (b) => ((given = b.nextObs), new Float32Array(b.numSteps * b.numEnvs)) }, { numEnvs: 2, nSteps: 4 }, 5);
    await blind.iterate(1e9);
    expect(given).toBeUndefined();
    blind.dispose();
    net.dispose();
  });

  it('rejects impossible settings by name', () => {
    expect(() => resolveA2CConfig({ numEnvs: 0 })).toThrow(/numEnvs must be a positive integer/);
    expect(() => resolveA2CConfig({ gamma: 1.5 })).toThrow(/gamma/);
    expect(() => resolveA2CConfig({ maxGradNorm: 0 })).toThrow(/maxGradNorm/);
    expect(() => resolveA2CConfig({ episodeEnds: 'never' as never })).toThrow(/episodeEnds must be 'shown' or 'hidden', got never/);
    const vec = VectorEnv.make('Pong', 2);
    const net = createMlpActorCritic(vec.obsSize, vec.actionSpace.n, [8], 5);
    expect(() => new A2C(vec, net, new PreferAction(0), { numEnvs: 4 })).toThrow(/numEnvs is 4 but the VectorEnv has 2/);
    const wrong = createMlpActorCritic(3, vec.actionSpace.n, [8], 5);
    expect(() => new A2C(vec, wrong, new PreferAction(0), { numEnvs: 2 })).toThrow(/3 inputs/);
    net.dispose();
    wrong.dispose();
  });
});
