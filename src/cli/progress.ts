/**
 * Progress of a long library operation (export, import) for a CLI: a bar per stage on a terminal (on stderr,
 * like the trainer's), nothing when the output goes to a file or a pipe.
 */
import { SingleBar } from 'cli-progress';
import type { Progress } from '../export/run-data.js';

export function progressBar(): { onProgress: (p: Progress) => void; stop: () => void } {
  if (process.stderr.isTTY !== true) return { onProgress: () => {}, stop: () => {} };
  let bar: SingleBar | null = null;
  let stage = '';
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  return {
    onProgress: (p) => {
      if (p.stage !== stage || bar === null) {
        stop();
        stage = p.stage;
        bar = new SingleBar({ format: `${p.stage.padEnd(20)} {bar} {value}/{total}`, hideCursor: true });
        bar.start(p.total, p.done);
      } else {
        bar.update(p.done);
      }
    },
    stop,
  };
}
