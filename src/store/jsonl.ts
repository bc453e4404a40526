/**
 * Append-only JSON Lines logs with a header, for what people give and must never lose (labels, feedback, the
 * clips they were about). The first line names the format and its version; every record after it is one JSON
 * object on one line, appended and fsynced before `append` returns, so anything acknowledged is on disk.
 *
 * Reading back: a last line without its newline is what a crash mid-append leaves (it was never acknowledged):
 * it is moved to a side file `<name>.torn-<time>` and the log continues, with a warning. Any other bad line, a
 * missing or foreign header, or an unknown version is an error naming the file and line; nothing is rewritten.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync } from 'node:fs';
import { appendLine, writeFileAtomic } from './atomic.js';

export interface JsonlFormat<T> {
  /** e.g. "rlhf-arcade/labels". */
  name: string;
  version: number;
  /** Older versions this build also reads (their records must pass `check`); new files are written as `version`. */
  reads?: readonly number[];
  /** Checks one record; throws an Error saying what is wrong with it. */
  check(record: unknown): T;
}

export class JsonlLog<T> {
  private constructor(
    readonly path: string,
    readonly format: JsonlFormat<T>,
  ) {}

  /** Opens (creating if absent) the log at `path` and returns it with the records it holds. */
  static open<T>(path: string, format: JsonlFormat<T>, warn: (message: string) => void = console.warn): { log: JsonlLog<T>; records: T[] } {
    const log = new JsonlLog(path, format);
    if (!existsSync(path)) {
      writeFileAtomic(path, `${JSON.stringify({ format: format.name, version: format.version })}\n`);
      return { log, records: [] };
    }
    return { log, records: log.read(warn) };
  }

  private read(warn: (message: string) => void): T[] {
    const { path } = this;
    const text = readFileSync(path).toString('utf8');
    const cut = tornTail(text);
    // Everything before a cut-off line is checked first: a file that is wrong anyway is left exactly as it is.
    const { records } = parseLog(path, this.format, cut === null ? text : text.slice(0, cut));
    if (cut !== null) {
      const torn = `${path}.torn-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      writeFileAtomic(torn, text.slice(cut));
      const out = openSync(path, 'r+');
      try {
        ftruncateSync(out, Buffer.byteLength(text.slice(0, cut), 'utf8'));
        fsyncSync(out);
      } finally {
        closeSync(out);
      }
      warn(`${path}: the last line was cut off (a crash while it was written; it was never acknowledged); moved it to ${torn}`);
    }
    return records;
  }

  /** Appends one record durably (fsync). Throws, leaving earlier records intact, if the disk refuses. */
  append(record: T): void {
    this.format.check(record);
    appendLine(this.path, JSON.stringify(record));
  }
}

function parseLine(path: string, n: number, line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (err) {
    throw new Error(`${path}:${n}: not valid JSON (${(err as Error).message}); the file is corrupt here: fix or remove this line by hand`);
  }
}

/** Where a cut-off last line starts (the file does not end with a newline), or null. */
function tornTail(text: string): number | null {
  return text.length > 0 && !text.endsWith('\n') ? text.lastIndexOf('\n') + 1 : null;
}

/** The header (with any fields beside format and version) and the checked records of a log's complete lines. */
function parseLog<T>(path: string, format: JsonlFormat<T>, text: string): { header: Record<string, unknown>; records: T[] } {
  const lines = text.split('\n');
  lines.pop(); // after the last newline
  if (lines.length === 0) throw new Error(`${path}:1: empty file; expected the header {"format":"${format.name}","version":${format.version}}`);
  const header = parseLine(path, 1, lines[0]) as Record<string, unknown>;
  if (header === null || typeof header !== 'object' || header.format !== format.name) {
    throw new Error(`${path}:1: not a ${format.name} log (header ${lines[0].slice(0, 120)})`);
  }
  if (header.version !== format.version && !(format.reads ?? []).includes(header.version as number)) {
    const known = [...(format.reads ?? []), format.version].join(', ');
    throw new Error(`${path}:1: ${format.name} version ${JSON.stringify(header.version)}; this build reads version ${known}`);
  }
  const records = lines.slice(1).map((line, i) => {
    const record = parseLine(path, i + 2, line);
    try {
      return format.check(record);
    } catch (err) {
      throw new Error(`${path}:${i + 2}: ${(err as Error).message}`);
    }
  });
  return { header, records };
}

/**
 * Reads a log without changing it (for exporting from a run that may be training): a cut-off last line is
 * left where it is and skipped, with a warning; anything else wrong is an error naming the file and line.
 */
export function readJsonl<T>(path: string, format: JsonlFormat<T>, warn: (message: string) => void = console.warn): { header: Record<string, unknown>; records: T[] } {
  const text = readFileSync(path).toString('utf8');
  const cut = tornTail(text);
  if (cut !== null) warn(`${path}: skipping its cut-off last line (a crash while it was written; it was never acknowledged)`);
  return parseLog(path, format, cut === null ? text : text.slice(0, cut));
}
