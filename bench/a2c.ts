/**
 * A2C speed: agent steps per second of true-reward A2C on Pong with the reference settings (16 envs, 5 steps
 * per update), env stepping, inference and updates together, on the backend tfjs picked: with `ram` (the 64-64
 * MLP) and with `pixels` (the Nature CNN on 84x84x4); and with `ram` paid the state-entropy bonus as well
 * (`--state-entropy`: a k-nearest-neighbour search over 1,024 remembered states each rollout), measured in turn
 * with the plain runs so that the ratio compares like with like on a noisy machine.
 */
import type { ObsType } from '../src/env/core.js';
import { VectorEnv } from '../src/env/vector-env.js';
import { A2C } from '../src/learning/a2c.js';
import { createCnnActorCritic, createMlpActorCritic } from '../src/learning/nets.js';
import { TrueRewardSource } from '../src/learning/reward-source.js';
import { describeBackend, initTf } from '../src/learning/tf.js';
import { formatRate, median } from './stats.js';

async function once(obsType: ObsType, seconds: number, seed: number, explore = false): Promise<number> {
  const vec = VectorEnv.make('Pong', 16, { obsType });
  const n = vec.actionSpace.n;
  const net = obsType === 'ram' ? createMlpActorCritic(vec.obsSize, n, [64, 64], seed) : createCnnActorCritic(vec.observationSpace.shape, n, seed);
  const a2c = new A2C(vec, net, new TrueRewardSource(), explore ? { stateEntropy: 1, stateEntropySteps: 1e9 } : {}, seed);
  for (let i = 0; i < (obsType === 'ram' ? 20 : 2); i++) await a2c.iterate(1e7); // warm up
  const start = performance.now();
  const startSteps = a2c.steps;
  while (performance.now() - start < seconds * 1000) await a2c.iterate(1e7);
  const sps = (a2c.steps - startSteps) / ((performance.now() - start) / 1000);
  a2c.dispose();
  net.dispose();
  return sps;
}

export async function benchA2C(runs: number, seconds: number, log: (line: string) => void): Promise<void> {
  const backend = await initTf();
  const plain: number[] = [];
  const exploring: number[] = [];
  for (let r = 0; r < runs; r++) {
    plain.push(await once('ram', seconds, r));
    exploring.push(await once('ram', seconds, r, true));
  }
  log(`| A2C, Pong ram, 64-64 MLP, true reward, 16 envs x 5 steps | ${describeBackend(backend)} | ${formatRate(median(plain))} |`);
  const ratio = median(exploring.map((x, i) => x / plain[i]));
  log(`| the same with the state-entropy bonus (\`--state-entropy\`) | ${describeBackend(backend)} | ${formatRate(median(exploring))} (${ratio.toFixed(2)}x the plain runs, median of the pairs) |`);
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) rates.push(await once('pixels', seconds, r));
  log(`| A2C, Pong pixels, Nature CNN, true reward, 16 envs x 5 steps | ${describeBackend(backend)} | ${formatRate(median(rates))} |`);
}
