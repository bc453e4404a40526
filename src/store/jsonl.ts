/**
 * Append-only JSON Lines logs with a header, for what people give and must never lose (labels, feedback, the
 * clips they were about). The first line names the format and its version; every record after it is one JSON
 * object on one line, appended and fsynced before `append` returns, so anything acknowledged is on disk.
 *
 * Reading back: a last line without its newline is what a crash mid-append leaves (it was never acknowledged):
 * it is moved to a side file `<name>.torn-<time>` and the log continues, with a warning. Any other bad line, a
 * missing or foreign header, or an unknown version is an error naming the file and line; nothing is rewritten.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { appendLine, fsyncDir, writeFileAtomic } from './atomic.js';
import { dirname } from 'node:path';

export interface JsonlFormat<T> {
  /** e.g. "rlhf-arcade/labels". */
  name: string;
  version: number;
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
    const { path, format } = this;
    const buf = readFileSync(path);
    let text = buf.toString('utf8');
    if (text.length > 0 && !text.endsWith('\n')) {
      const cut = text.lastIndexOf('\n') + 1;
      const torn = `${path}.torn-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      writeFileSync(torn, text.slice(cut));
      const fd = openSync(torn, 'r+');
      fsyncSync(fd);
      closeSync(fd);
      fsyncDir(dirname(path));
      const byteCut = Buffer.byteLength(text.slice(0, cut), 'utf8');
      const out = openSync(path, 'r+');
      try {
        ftruncateSync(out, byteCut);
        fsyncSync(out);
      } finally {
        closeSync(out);
      }
      warn(`${path}: the last line was cut off (a crash while it was written; it was never acknowledged); moved it to ${torn}`);
      text = text.slice(0, cut);
    }
    const lines = text.split('\n');
    lines.pop(); // after the last newline
    if (lines.length === 0) throw new Error(`${path}:1: empty file; expected the header {"format":"${format.name}","version":${format.version}}`);
    const header = parseLine(path, 1, lines[0]) as { format?: unknown; version?: unknown };
    if (header.format !== format.name) throw new Error(`${path}:1: not a ${format.name} log (header ${lines[0].slice(0, 120)})`);
    if (header.version !== format.version) {
      throw new Error(`${path}:1: ${format.name} version ${JSON.stringify(header.version)}; this build reads version ${format.version}`);
    }
    return lines.slice(1).map((line, i) => {
      const record = parseLine(path, i + 2, line);
      try {
        return format.check(record);
      } catch (err) {
        throw new Error(`${path}:${i + 2}: ${(err as Error).message}`);
      }
    });
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
