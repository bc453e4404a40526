/**
 * The preference dataset of a run, as one JSON Lines file (clips, labels, who gave them and when).
 *   npm run labels -- export runs/pong-pref --out pong-labels.jsonl
 *   npm run labels -- import pong-labels.jsonl --into runs/pong-2
 */
import { Command } from 'commander';
import { exportDataset, importDataset } from '../export/dataset.js';
import { fail } from './args.js';
import { progressBar } from './progress.js';

const program = new Command('labels').description("Export a run's labels with their clips, or import such a file into another run.");

program
  .command('export')
  .description('write the labels in effect and their clips to a new JSON Lines file')
  .argument('<run>', 'run folder')
  .requiredOption('--out <file>', 'dataset file to write (must not exist)')
  .action((run: string, f: { out: string }) => {
    const progress = progressBar();
    const r = exportDataset(run, f.out, { onProgress: progress.onProgress });
    progress.stop();
    console.log(`exported ${r.labels} labels on ${r.clips} clips of ${run} to ${r.file}`);
  });

program
  .command('import')
  .description("append a dataset's labels and clips to a run's logs (new ids; labels it already holds are skipped)")
  .argument('<file>', 'dataset file (from labels export)')
  .requiredOption('--into <run>', 'run folder to add the labels to (not while it trains)')
  .action((file: string, f: { into: string }) => {
    const progress = progressBar();
    const r = importDataset(file, f.into, { onProgress: progress.onProgress });
    progress.stop();
    console.log(`imported ${r.imported} labels and ${r.clips} clips into ${f.into}${r.skipped > 0 ? `; ${r.skipped} labels were there already` : ''}`);
  });

program.showHelpAfterError('(run with --help for the options)');

try {
  program.parse();
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
