/**
 * Durable writes. `writeFileAtomic` writes a temporary file beside the target, fsyncs it, renames it into
 * place and fsyncs the folder, so a crash leaves either the old file or the new one, never a torn one.
 * `appendLine` appends one line and fsyncs before it returns, so an acknowledged record is on disk.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw new Error(`could not write ${path}: ${(err as Error).message}`);
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

/**
 * Appends `line` (a newline is added) and fsyncs. If the write fails (a full disk), the part of the line that
 * got written is cut off again, so the file ends with the last complete record and the next append is clean.
 */
export function appendLine(path: string, line: string): void {
  const fd = openSync(path, 'a');
  const size = fstatSync(fd).size;
  try {
    writeAll(fd, `${line}\n`);
    fsyncSync(fd);
  } catch (err) {
    try {
      ftruncateSync(fd, size);
    } catch {
      // the reader treats a torn last line as never written
    }
    throw new Error(`could not append to ${path}: ${(err as Error).message}`);
  } finally {
    closeSync(fd);
  }
}
