/**
 * Runs that start from a reward model exported by `npm run export` (`npm run train -- --reward-model DIR`):
 *
 *   frozen     the exported model, with its own normalisation, is the agent's reward; no labels are asked and
 *              the model is never trained (run reward "model");
 *   fine-tune  a preferences run whose reward model starts from the exported weights.
 *
 * The export's card must describe the game, observations and actions the run plays; it is checked before the
 * run folder is made, and the export (card, model.json, weights.bin) is copied into the run folder
 * (`reward-model-init/`), so the run is complete on its own and resumes without the original.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvOptions } from '../env/core.js';
import { makeEnv } from '../env/index.js';
import { CARD_FILE, checkCardFits, describeEnv, readRewardCard, type RewardCard } from '../export/card.js';
import { architectureOf, type ExportedRewardModel, loadRewardModel, readExportedRewardModel } from '../export/reward-model.js';
import { RewardModel } from '../learning/preferences/reward-model.js';
import type { RewardSource, RolloutBatch } from '../learning/reward-source.js';
import { writeFileAtomic } from '../store/atomic.js';

export const REWARD_MODEL_MODES = ['frozen', 'fine-tune'] as const;
export type RewardModelMode = (typeof REWARD_MODEL_MODES)[number];

/** Where a run keeps its copy of the export it started from. */
export const INIT_DIR = 'reward-model-init';

/** Reads the card of the export in `dir` and checks it against the env a run will play; returns the card. */
export function checkExportFits(dir: string, envId: string, options: Partial<EnvOptions>): RewardCard {
  const path = join(dir, CARD_FILE);
  const card = readRewardCard(path);
  checkCardFits(card, path, describeEnv(makeEnv(envId, options)));
  readExportedRewardModel(dir); // the model files must be readable and match the card, too
  return card;
}

/** Copies the export's card and tfjs files into the run folder (fsynced), before the run starts. */
export function copyExportInto(from: string, runDir: string): void {
  const card = readRewardCard(join(from, CARD_FILE));
  const dest = join(runDir, INIT_DIR);
  mkdirSync(dest, { recursive: true });
  for (const file of [card.files.weights, card.files.tfjs, CARD_FILE]) writeFileAtomic(join(dest, file), readFileSync(join(from, file)));
}

/** The export a run started from, from its own copy. */
export function readInitialRewardModel(runDir: string): ExportedRewardModel {
  return readExportedRewardModel(join(runDir, INIT_DIR));
}

/** A RewardModel holding the exported model (architecture from its card), for a frozen run. */
export function frozenRewardModel(init: ExportedRewardModel, obs: number | readonly number[], numActions: number, seed: number): RewardModel {
  const model = new RewardModel(obs, numActions, architectureOf(init.card), seed);
  loadRewardModel(model, init.spec);
  return model;
}

/** The agent's reward from a reward model that is never trained: its normalised output, as exported. */
export class FrozenRewardSource implements RewardSource {
  readonly name = 'model';
  readonly usesTrueReward = false;
  readonly usesNextObs: boolean;
  readonly scale: number;
  constructor(private readonly model: RewardModel) {
    this.usesNextObs = model.readsNext;
    this.scale = model.config.rewardStd;
  }

  rewards(batch: RolloutBatch): Float32Array {
    return this.model.predict(batch.obs, batch.actions, batch.numSteps * batch.numEnvs, batch.nextObs);
  }
}
