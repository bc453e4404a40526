/**
 * The labels of a run, as one JSON Lines file: clip preferences with their clips, and live feedback presses
 * with the steps they credited; who gave them and when.
 *   npm run labels -- export runs/pong-pref --out pong-labels.jsonl
 *   npm run labels -- import pong-labels.jsonl --into runs/pong-2
 */
import { Command, Option } from 'commander';
import { type DatasetPart, exportDataset, importDataset } from '../export/dataset.js';
import { fail } from './args.js';
import { progressBar } from './progress.js';

const program = new Command('labels').description("Export a run's labels (clip preferences and live feedback presses), or import such a file into another run.");

program
  .command('export')
  .description('write the labels in effect with their clips, and the presses with the steps they credited, to a new JSON Lines file')
  .argument('<run>', 'run folder')
  .requiredOption('--out <file>', 'dataset file to write (must not exist)')
  .action((run: string, f: { out: string }) => {
    const progress = progressBar();
    const r = exportDataset(run, f.out, { onProgress: progress.onProgress });
    progress.stop();
    console.log(`exported ${r.labels} labels on ${r.clips} clips and ${r.feedback} presses of ${run} to ${r.file}`);
  });

program
  .command('import')
  .description("append a dataset's labels, clips and presses to a run's logs (new ids; those it already holds are skipped)")
  .argument('<file>', 'dataset file (from labels export)')
  .requiredOption('--into <run>', 'run folder to add the labels to (not while it trains)')
  .addOption(new Option('--only <part>', 'import only the clip labels or only the live feedback presses').choices(['labels', 'feedback']))
  .action((file: string, f: { into: string; only?: DatasetPart }) => {
    const progress = progressBar();
    const r = importDataset(file, f.into, { onProgress: progress.onProgress, only: f.only });
    progress.stop();
    const there = [r.skipped > 0 ? `${r.skipped} labels` : '', r.feedbackSkipped > 0 ? `${r.feedbackSkipped} presses` : ''].filter((x) => x !== '');
    const reviews = r.reviewsCompleted > 0 ? `; ${r.reviewsCompleted} of the labels there were reviewed in ${file} and are now reviewed there too` : '';
    console.log(
      `imported ${r.imported} labels, ${r.clips} clips and ${r.feedbackImported} presses into ${f.into}${there.length > 0 ? `; ${there.join(' and ')} were there already` : ''}${reviews}`,
    );
  });

program.showHelpAfterError('(run with --help for the options)');

try {
  program.parse();
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
