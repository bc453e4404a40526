/**
 * Exports a run's reward model: tfjs (model.json + weights.bin), ONNX (reward.onnx) and the reward card.
 *   npm run export -- runs/pong-pref --out exported/pong
 */
import { Command, Option } from 'commander';
import { exportRewardModel } from '../export/run-export.js';
import { BACKENDS, type BackendName, initTf } from '../learning/tf.js';
import { fail } from './args.js';
import { progressBar } from './progress.js';

const program = new Command('export')
  .description("Export a run's reward model (tfjs, ONNX and a reward card) into a new folder.")
  .argument('<run>', 'run folder')
  .requiredOption('--out <dir>', 'output folder (new or empty)')
  .addOption(new Option('--backend <name>', 'force a tfjs backend').choices(BACKENDS))
  .showHelpAfterError('(run with --help for the options)');

async function main(): Promise<void> {
  program.parse();
  const [run] = program.args;
  const f = program.opts<{ out: string; backend?: BackendName }>();
  await initTf(f.backend);
  const progress = progressBar();
  const result = await exportRewardModel(run, f.out, { onProgress: progress.onProgress });
  progress.stop();
  const { card } = result;
  const pct = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
  console.log(
    `exported the ${card.game.id} reward model of ${run} (step ${card.source.steps.toLocaleString()}, ${card.labels.total} labels; ` +
      `held-out accuracy ${pct(card.evaluation.valAccuracy)}, correlation with the true return ${pct(card.evaluation.predTrueCorrelation)}) ` +
      `to ${f.out}: ${result.files.join(', ')}`,
  );
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
