import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { VectorEnv } from '../../src/env/vector-env.js';
import { A2C, A2C_DEFAULTS, resolveA2CConfig } from '../../src/learning/a2c.js';
import { createMlpActorCritic } from '../../src/learning/nets.js';
import type { RewardSource, RolloutBatch } from '../../src/learning/reward-source.js';
import { StateEntropy } from '../../src/learning/state-entropy.js';
import { initTf } from '../../src/learning/tf.js';
import { loadCheckpoint, type RunConfig, Trainer } from '../../src/session/trainer.js';
import { preferenceConfig } from '../export/runs.js';

beforeAll(async () => {
  await initTf();
});

/** Rows of a 2-feature observation batch. */
const rows = (...r: number[][]) => Float32Array.from(r.flat());

describe('the state-entropy bonus', () => {
  it('pays log(1 + the distance to the 3rd nearest remembered state), nothing before three are remembered', () => {
    const se = new StateEntropy(2, 8, 3, 1);
    expect(Array.from(se.novelty(rows([1, 1]), 1))).toEqual([0]);
    se.remember(rows([0, 0], [0, 1], [0, 2], [0, 10]), 4);
    // From (3, 0): distances 3, √10, √13, √109; the third nearest is √13. From (0, 1): 0, 1, 1 -> 1.
    const got = se.novelty(rows([3, 0], [0, 1]), 2);
    expect(got[0]).toBeCloseTo(Math.log1p(Math.sqrt(13)), 5);
    expect(got[1]).toBeCloseTo(Math.log1p(1), 5);
  });

  it('pays a state far from where the agent has been more than one it keeps visiting, standardised over the rollout', () => {
    const se = new StateEntropy(2, 16, 3, 1);
    se.remember(rows([0, 0], [0, 0], [0, 0], [0, 0]), 4);
    const bonus = se.bonus(rows([0, 0], [0, 0], [0, 0], [5, 5]), 4);
    expect(bonus[3]).toBeGreaterThan(0);
    expect(bonus[0]).toBeLessThan(0);
    const mean = bonus.reduce((a, b) => a + b, 0) / 4;
    const std = Math.sqrt(bonus.reduce((a, b) => a + (b - mean) ** 2, 0) / 4);
    expect(mean).toBeCloseTo(0, 6);
    expect(std).toBeCloseTo(1, 5);
    // A rollout whose states are all alike is paid nothing (not 0/0).
    expect(Array.from(se.bonus(rows([1, 1], [1, 1], [1, 1]), 3))).toEqual([0, 0, 0]);
  });

  it('remembers every stride-th state, from a place that turns with the rollouts, and forgets the oldest when full', () => {
    const se = new StateEntropy(1, 4, 1, 2);
    se.remember(Float32Array.of(0, 1, 2, 3), 4); // keeps 0, 2
    se.remember(Float32Array.of(10, 11, 12, 13), 4); // keeps 11, 13
    expect(Array.from(se.getState().memory)).toEqual([0, 2, 11, 13]);
    se.remember(Float32Array.of(20, 21, 22, 23), 4); // keeps 20, 22 over the oldest
    expect(se.getState()).toMatchObject({ size: 4, next: 2, rollouts: 3 });
    expect(Array.from(se.getState().memory)).toEqual([20, 22, 11, 13]);
    const copy = new StateEntropy(1, 4, 1, 2);
    copy.setState(se.getState());
    expect(Array.from(copy.novelty(Float32Array.of(14), 1))).toEqual(Array.from(se.novelty(Float32Array.of(14), 1)));
    expect(() => new StateEntropy(2, 4, 1, 2).setState(se.getState())).toThrow(/holds 4 numbers, this run's 8 \(4 observations of 2\)/);
    expect(() => copy.setState({ ...se.getState(), size: 5 })).toThrow(/out of range: size 5, next 2, rollouts 3 \(capacity 4\)/);
  });

  it('rejects impossible settings by name', () => {
    expect(() => resolveA2CConfig({ stateEntropy: -0.1 })).toThrow(/stateEntropy must be a non-negative number, got -0.1/);
    expect(() => resolveA2CConfig({ stateEntropySteps: 2.5 })).toThrow(/stateEntropySteps must be a positive integer, got 2.5/);
    expect(() => new StateEntropy(2, 2, 3)).toThrow(/at least k = 3/);
  });
});

/** A reward of 0 everywhere: whatever an agent paid the bonus learns, the bonus taught it. */
class Nothing implements RewardSource {
  readonly name = 'nothing';
  readonly usesTrueReward = false;
  readonly scale = 1;
  rewards(batch: RolloutBatch): Float32Array {
    return new Float32Array(batch.numSteps * batch.numEnvs);
  }
}

describe('A2C with the state-entropy bonus', () => {
  it('adds the bonus to the reward at a coefficient falling linearly to 0, and then pays the reward alone', async () => {
    const vec = VectorEnv.make('Pong', 4);
    const net = createMlpActorCritic(vec.obsSize, vec.actionSpace.n, [8], 1);
    const a2c = new A2C(vec, net, new Nothing(), { numEnvs: 4, stateEntropy: 0.5, stateEntropySteps: 400 }, 1);
    const coefs: (number | undefined)[] = [];
    for (let i = 0; i < 25; i++) coefs.push((await a2c.iterate(1e6)).stats.stateEntropy);
    expect(coefs[0]).toBe(0.5);
    expect(coefs[1]).toBeCloseTo(0.5 * (1 - 20 / 400), 10);
    expect(coefs[20]).toBe(0); // at step 400
    expect(coefs.at(-1)).toBe(0);
    // The memory holds one state of four of each rollout while the bonus is paid.
    expect(a2c.getState().stateEntropy!.size).toBe(20 * 5);
    a2c.dispose();
    net.dispose();
    // Paid the bonus, an agent learns something else than on the reward alone (which the same seed repeats exactly).
    const weightsAfter = async (stateEntropy: number) => {
      const v = VectorEnv.make('Pong', 4);
      const n = createMlpActorCritic(v.obsSize, v.actionSpace.n, [8], 1);
      const agent = new A2C(v, n, new Nothing(), { numEnvs: 4, stateEntropy }, 1);
      for (let i = 0; i < 5; i++) await agent.iterate(1e6);
      const w = n.getWeights().flatMap((x) => Array.from(x));
      expect(agent.getState().stateEntropy === undefined).toBe(stateEntropy === 0);
      agent.dispose();
      n.dispose();
      return w;
    };
    const plain = await weightsAfter(0);
    expect(await weightsAfter(0)).toEqual(plain);
    expect(await weightsAfter(0.5)).not.toEqual(plain);
  });

  it('checkpoints its memory, so a resumed run goes on with the states it remembered; refuses pixel runs', async () => {
    const config: RunConfig = {
      env: 'Pong',
      obsType: 'ram',
      reward: 'true',
      seed: 2,
      steps: 400,
      a2c: { ...A2C_DEFAULTS, numEnvs: 4, stateEntropy: 0.3, stateEntropySteps: 2000 },
      net: { kind: 'mlp', hidden: [8] },
      logEvery: 200,
      checkpointEvery: 400,
    };
    const dir = join(mkdtempSync(join(tmpdir(), 'arcade-se-')), 'run');
    const first = await Trainer.create(dir, config);
    await first.train();
    const kept = first.a2c.getState().stateEntropy!;
    expect(loadCheckpoint(join(dir, 'checkpoints', 'latest.ckpt')).stateEntropy).toEqual(kept);
    // In the reward source's units: a point of score for the true reward, the learned reward's standard deviation
    // otherwise; the run's config keeps the coefficient as given. At step 400 of 2,000, 4/5 of it is left.
    expect(first.a2c.config.stateEntropy).toBe(0.3);
    expect(first.a2c.rewardSource.scale).toBe(1);
    expect(first.a2c.explorationCoef()).toBeCloseTo(0.3 * 0.8, 12);
    first.dispose();
    const learned = preferenceConfig({ rewardModel: { rewardStd: 0.2 } });
    const prefs = await Trainer.create(join(dir, '..', 'prefs'), { ...learned, a2c: { ...learned.a2c, stateEntropy: 0.5 } });
    expect(prefs.a2c.config.stateEntropy).toBe(0.5);
    expect(prefs.a2c.rewardSource.scale).toBe(0.2);
    expect(prefs.a2c.explorationCoef()).toBeCloseTo(0.1, 12);
    prefs.dispose();
    const second = await Trainer.resume(dir, 800);
    expect(second.a2c.getState().stateEntropy).toEqual(kept);
    expect(kept.size).toBe(100);
    second.dispose();
    await expect(Trainer.create(join(dir, '..', 'pixels'), { ...config, obsType: 'pixels', net: { kind: 'cnn' } })).rejects.toThrow(
      /state-entropy bonus \(a2c.stateEntropy 0.3\) measures distances between ram observations/,
    );
  });
});
