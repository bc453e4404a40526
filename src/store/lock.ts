/**
 * One writer per run folder. A trainer (headless or the app's) and a label import append to a run's logs and
 * rewrite its checkpoint; two at once would interleave labels, ask pairs twice and overwrite each other's
 * checkpoints. So each holds `run.lock` while it works: the file is created exclusively (O_EXCL) and names
 * the holder (pid, host, what, since). A lock whose process is gone (a crash, a kill) is stale and is taken
 * over; a live one is refused with a message that names its holder. A lock file that cannot be read is taken
 * over only once it is a few seconds old: until then its taker may be between creating and writing it. Locks are released by `release()` and,
 * whatever happens, when the process exits.
 *
 * Holding the lock also makes the run's leftover temporary files (`.<name>.<pid>.tmp`, a write cut short by a
 * kill, see atomic.ts) safe to delete: `removeStaleTempFiles` does that.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'run.lock';

interface LockInfo {
  pid: number;
  host: string;
  what: string;
  since: string;
}

const held = new Set<string>();
process.once('exit', () => {
  for (const path of held) rmSync(path, { force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** A lock file younger than this that cannot be read yet is being written by its taker, not left behind. */
const WRITING_MS = 5000;

/** The holder a lock file names; 'writing' while its taker may still be writing it; null if it was left cut short. */
function readLock(path: string): LockInfo | 'writing' | null {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    if (Number.isInteger(info.pid) && typeof info.host === 'string') return info;
  } catch {
    // empty or cut short: being written just now, or its writer died while writing it
  }
  try {
    return Date.now() - statSync(path).mtimeMs < WRITING_MS ? 'writing' : null;
  } catch {
    return null; // gone meanwhile
  }
}

export class RunLock {
  private constructor(readonly path: string) {}

  /**
   * Takes the lock of run folder `dir` for `what` (e.g. "training"), or throws naming the process that holds
   * it. A lock left by a process that is gone is taken over.
   */
  static acquire(dir: string, what: string): RunLock {
    const path = join(dir, LOCK_FILE);
    const info: LockInfo = { pid: process.pid, host: hostname(), what, since: new Date().toISOString() };
    for (let attempt = 0; attempt < 2; attempt++) {
      let fd: number;
      try {
        fd = openSync(path, 'wx');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot lock run ${dir}: ${(err as Error).message}`);
        const other = readLock(path);
        if (other === 'writing') throw new Error(`run ${dir} is being locked by another process just now; try again in a few seconds`);
        const live = other !== null && (other.host !== info.host || alive(other.pid));
        if (live) {
          const who = other.pid === process.pid && other.host === info.host ? 'this process' : `process ${other.pid} on ${other.host}`;
          throw new Error(
            `run ${dir} is in use: ${who} has been ${other.what} there since ${other.since}. ` +
              `Stop it first (or, if you are sure nothing uses the run, delete ${path})`,
          );
        }
        rmSync(path, { force: true }); // stale: its process is gone
        continue;
      }
      try {
        writeSync(fd, `${JSON.stringify(info)}\n`);
      } finally {
        closeSync(fd);
      }
      held.add(path);
      return new RunLock(path);
    }
    throw new Error(`cannot lock run ${dir}: ${path} keeps reappearing (another process is taking it)`);
  }

  release(): void {
    if (!held.delete(this.path)) return;
    rmSync(this.path, { force: true });
  }
}

/** Deletes the temporary files (`.<name>.<pid>.tmp`) that writes cut short left in `dirs`; call it holding the lock. */
export function removeStaleTempFiles(dirs: readonly string[]): string[] {
  const removed: string[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const m = /^\..+\.(\d+)\.tmp$/.exec(name);
      if (m === null || Number(m[1]) === process.pid) continue; // not a temporary file, or one of ours being written
      rmSync(join(dir, name), { force: true });
      removed.push(join(dir, name));
    }
  }
  return removed;
}
