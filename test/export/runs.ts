/** Small runs for the export, import and app tests: a few seconds each on wasm. */
import { A2C_DEFAULTS } from '../../src/learning/a2c.js';
import type { RewardModelConfig } from '../../src/learning/preferences/reward-model.js';
import { PREFERENCE_DEFAULTS } from '../../src/session/preferences.js';
import { type RunConfig, Trainer } from '../../src/session/trainer.js';

export function preferenceConfig(o: { env?: string; seed?: number; steps?: number; labels?: number; maskScore?: boolean; rewardModel?: Partial<RewardModelConfig> } = {}): RunConfig {
  return {
    env: o.env ?? 'Pong',
    obsType: 'ram',
    reward: 'preferences',
    seed: o.seed ?? 1,
    steps: o.steps ?? 1000,
    a2c: { ...A2C_DEFAULTS, numEnvs: 4 },
    net: { kind: 'mlp', hidden: [16] },
    logEvery: 500,
    checkpointEvery: 500,
    maskScore: o.maskScore ?? true,
    preferences: {
      ...PREFERENCE_DEFAULTS,
      teacher: 'oracle',
      labels: o.labels ?? 30,
      initialFraction: 0.6,
      pretrainEpochs: 20,
      clipLength: 10,
      clipEvery: 50,
      evalEvery: 500,
      rewardUpdateEvery: 100,
      rewardModel: { hidden: [16, 16], batchSize: 8, ...o.rewardModel },
    },
  };
}

/** Trains a small preference run to the end in `dir`. */
export async function trainRun(dir: string, config: RunConfig): Promise<void> {
  const trainer = await Trainer.create(dir, config);
  await trainer.train();
  trainer.dispose();
}

/** A small Pong run on the true score (an expert for the expert live teachers), seeing the score as such runs do. */
export function trueRewardConfig(): RunConfig {
  return {
    env: 'Pong', obsType: 'ram', reward: 'true', seed: 1, steps: 1600, a2c: { ...A2C_DEFAULTS, numEnvs: 4 }, net: { kind: 'mlp', hidden: [16] },
    logEvery: 800, checkpointEvery: 800, maskScore: false,
  };
}
