/**
 * The run folder: one folder per run (the README's "The run folder" lists every file and its format).
 *
 *   config.json            what the run is (id, env, options, reward source, learner settings, seed); versioned
 *   metrics.jsonl          one JSON object per logging interval, appended and fsynced
 *   summary.json           written at the end of training
 *   eval.json              written by `npm run eval` (eval-sampled.json with --sample)
 *   checkpoints/latest.ckpt   policy weights, optimizer state, env and generator states (atomic)
 *   clips.jsonl, labels.jsonl   preference runs: see labels.ts
 */
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkEnvId } from '../env/index.js';
import { describe, isRecord } from '../env/snapshot.js';
import { appendLine, writeFileAtomic } from './atomic.js';

export const RUN_VERSION = 1;

export class RunFolder {
  constructor(readonly dir: string) {}

  get configPath(): string {
    return join(this.dir, 'config.json');
  }
  get metricsPath(): string {
    return join(this.dir, 'metrics.jsonl');
  }
  get summaryPath(): string {
    return join(this.dir, 'summary.json');
  }
  get checkpointPath(): string {
    return join(this.dir, 'checkpoints', 'latest.ckpt');
  }

  /** Creates the folder for a new run; refuses a folder that already holds anything. */
  static create(dir: string, config: Record<string, unknown>): RunFolder {
    const run = new RunFolder(dir);
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) throw new Error(`${dir} is a file, not a folder: choose another --out folder for the run`);
      if (readdirSync(dir).length > 0) {
        const what = existsSync(run.configPath) ? 'another run (it has a config.json)' : 'other files';
        throw new Error(`${dir} already holds ${what}; pass --resume to continue a run there, or choose another --out folder`);
      }
    }
    mkdirSync(join(dir, 'checkpoints'), { recursive: true });
    // The id names the run in exported data sets, whatever folder it is later moved or copied to.
    writeFileAtomic(run.configPath, `${JSON.stringify({ version: RUN_VERSION, id: randomUUID(), ...config }, null, 2)}\n`);
    return run;
  }

  /** Opens an existing run, checking its config's version. */
  static open(dir: string): RunFolder {
    const run = new RunFolder(dir);
    if (!existsSync(run.configPath)) throw new Error(`${dir} is not a run folder: it has no config.json`);
    run.config(); // validates
    return run;
  }

  config(): Record<string, unknown> {
    const text = readFileSync(this.configPath, 'utf8');
    let config: unknown;
    try {
      config = JSON.parse(text);
    } catch (err) {
      throw new Error(`${this.configPath} is not valid JSON: ${(err as Error).message}`);
    }
    if (!isRecord(config)) throw new Error(`${this.configPath} must hold a JSON object`);
    if (config.version !== RUN_VERSION) {
      throw new Error(`${this.configPath} has version ${describe(config.version)}; this build reads version ${RUN_VERSION}`);
    }
    try {
      checkEnvId(config.env as string);
    } catch (err) {
      throw new Error(`${this.configPath}: ${(err as Error).message}`);
    }
    return config;
  }

  /** The run's id (config.json `id`); runs made before ids existed are named by their folder. */
  id(): string {
    const { id } = this.config();
    return typeof id === 'string' && id !== '' ? id : `folder:${resolve(this.dir)}`;
  }

  /**
   * Rewrites metrics.jsonl (atomically) without the lines logged after `steps`, and without a cut-off last
   * line (a crash mid-append; such a line is always past the checkpoint, which is written after it).
   */
  truncateMetrics(steps: number): void {
    if (!existsSync(this.metricsPath)) return;
    const text = readFileSync(this.metricsPath, 'utf8');
    const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
    const lines = complete.split('\n').filter((l) => l.trim() !== '');
    const kept = lines.filter((l) => {
      try {
        return (JSON.parse(l) as { steps?: number }).steps! <= steps;
      } catch {
        return true; // not ours to judge here; keep it
      }
    });
    if (kept.length !== lines.length || complete !== text) writeFileAtomic(this.metricsPath, kept.map((l) => `${l}\n`).join(''));
  }

  /**
   * The steps of metrics.jsonl's last complete line, reading only the end of the file (the app's Runs list
   * shows it for every run); 0 with no such line. A line cut off while written, or damaged, is passed over.
   */
  lastLoggedSteps(): number {
    const fd = openSync(this.metricsPath, 'r');
    try {
      const size = fstatSync(fd).size;
      // Grows the window until it holds a whole line (metrics lines are a few hundred bytes).
      for (let window = 4096; ; window *= 4) {
        const start = Math.max(0, size - window);
        const chunk = Buffer.alloc(size - start);
        readSync(fd, chunk, 0, chunk.length, start);
        const lines = chunk.toString('utf8').split('\n');
        lines.pop(); // after the last newline, or a line cut off while it is written
        const whole = start === 0 ? lines : lines.slice(1);
        for (let i = whole.length - 1; i >= 0; i--) {
          try {
            const steps = (JSON.parse(whole[i]) as { steps?: unknown }).steps;
            if (typeof steps === 'number') return steps;
          } catch {
            // Not a metrics line (a damaged one): the one before it.
          }
        }
        if (start === 0) return 0;
      }
    } finally {
      closeSync(fd);
    }
  }

  appendMetrics(record: Record<string, unknown>): void {
    appendLine(this.metricsPath, JSON.stringify(record));
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(join(this.dir, name), `${JSON.stringify(value, null, 2)}\n`);
  }
}
