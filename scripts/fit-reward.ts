/**
 * Fits fresh reward models to a preference run's labels, offline, once per input (state, transition, delta), and
 * prints their training and held-out loss, held-out accuracy and correlation with the true return as they train:
 * a way to compare reward-model designs on labels already collected, without running RL.
 *   npx tsx scripts/fit-reward.ts runs/bench-si-uniform/pref-oracle-1000-SpaceInvaders-3000000-s2 [steps] [inputs] [dropout] [--screen]
 * steps: Adam steps per model (3,000); inputs: comma-separated (state,transition,delta); dropout: the rate after
 * each hidden layer while training (the run's own unless given); --screen: fit each input twice, without and with
 * the label screen (--screen-labels; screened every 250 steps, β falling over the first 40 screenings). The run folder
 * is only read. The split into training and held-out labels is the run's own. Besides held-out accuracy (against
 * the answers given) it prints "truth": the share of held-out pairs with different true returns whose better clip
 * the model picks, which a teacher's mistakes do not blur.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeEnv } from '../src/env/index.js';
import { REWARD_INPUTS, type RewardInput, RewardModel, resolveRewardModelConfig } from '../src/learning/preferences/reward-model.js';
import { LabelScreen } from '../src/learning/preferences/screen.js';
import { initTf } from '../src/learning/tf.js';
import { LabelingSession } from '../src/session/labeling.js';
import { fail, probability } from '../src/cli/args.js';
import { envOptionsOf, type RunConfig } from '../src/session/trainer.js';
import { RunFolder } from '../src/store/run.js';

const screenToo = process.argv.includes('--screen');
const [src, stepsArg = '3000', inputsArg = REWARD_INPUTS.join(','), dropoutArg] = process.argv.slice(2).filter((a) => a !== '--screen');
if (src === undefined) fail('usage: npx tsx scripts/fit-reward.ts <preference run folder> [steps] [inputs] [dropout]');
const steps = Number(stepsArg);
if (!(Number.isInteger(steps) && steps > 0)) fail(`steps must be a positive whole number, got "${stepsArg}"`);
const inputs = inputsArg.split(',') as RewardInput[];
for (const i of inputs) if (!REWARD_INPUTS.includes(i)) fail(`unknown input "${i}"; known: ${REWARD_INPUTS.join(', ')}`);
let dropout: number | undefined;
try {
  dropout = dropoutArg === undefined ? undefined : probability(dropoutArg);
} catch (err) {
  fail(`dropout: ${(err as Error).message}`);
}
let config: RunConfig;
try {
  config = RunFolder.open(src).config() as unknown as RunConfig;
} catch (err) {
  fail((err as Error).message);
}
if (config.preferences === undefined) fail(`${src} is not a preference run: it has no labels`);
// Opening a log may repair a torn last line, so the logs are read from a copy (the run may be training).
const dir = mkdtempSync(join(tmpdir(), 'fit-reward-'));
for (const file of ['clips.jsonl', 'labels.jsonl']) cpSync(join(src, file), join(dir, file));
await initTf();
const env = makeEnv(config.env, envOptionsOf(config));
try {
  // The labels and their re-simulated clips, once for every model: the run's own split.
  const split = resolveRewardModelConfig(config.preferences.rewardModel);
  const { dataset } = LabelingSession.open(dir, { members: split.members, valFraction: split.valFraction, maxLabels: split.maxLabels, seed: config.seed, lockMs: 1000 });
  console.log(`${dataset.train.length} training labels, ${dataset.heldOut.length} held out`);
  // Held-out pairs the true returns decide, for the "truth" accuracy.
  const decided = dataset.heldOut.filter((c) => c.left.trueReturn !== c.right.trueReturn);
  for (const input of inputs) {
    for (const screened of screenToo ? [false, true] : [false]) {
      // The run's own settings but the input.
      const rm = resolveRewardModelConfig({ ...config.preferences.rewardModel, input, actionDependent: false, statePreferences: false, ...(dropout !== undefined && { dropout }) });
      const model = new RewardModel(env.observationSpace.shape, env.actionSpace.n, rm, config.seed);
      const screen = screened ? new LabelScreen(40) : null;
      dataset.setDistrusted(new Set());
      console.log(`${input}${screened ? ', labels screened' : ''}`);
      for (let s = 1; s <= steps; s++) {
        if (screen !== null && s % 250 === 1) screen.screenDataset(model, dataset);
        model.trainStep(dataset);
        // Evaluating also moves the L2 weight, as during a run (every 250 steps here, and at the last).
        if (s % 250 !== 0 && s !== steps) continue;
        const e = model.evaluate(dataset);
        if (s % 1000 === 0 || s === steps) {
          const probs = model.preferenceProbs(decided);
          const truth = decided.filter((c, i) => probs.reduce((p, m) => p + m[i], 0) / probs.length > 0.5 === c.left.trueReturn > c.right.trueReturn).length / decided.length;
          const out = screen === null ? '' : `; ${screen.distrusted.size} labels screened out`;
          console.log(`  step ${s}: loss ${e.trainLoss.toFixed(3)} training, ${e.valLoss.toFixed(3)} held out; held-out accuracy ${e.valAccuracy.toFixed(3)}, truth ${truth.toFixed(3)}, correlation ${e.predTrueCorrelation.toFixed(3)}; L2 ${e.l2.toPrecision(2)}${out}`);
        }
      }
      model.dispose();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
