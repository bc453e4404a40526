/**
 * The session process for the browser-mode server and the tests: Node's child_process.fork, with an IPC
 * channel carrying structured clones (`serialization: 'advanced'`, as Electron's utilityProcess and worker
 * threads do).
 *
 * Detached: on POSIX the child leads a session (setsid) of its own, so Linux schedules it in its own
 * autogroup, apart from the server's, and a terminal's Ctrl-C reaches only the server, which closes the
 * session (a checkpoint first) instead of both being cut off mid-write. The child still ends with the server:
 * it checkpoints and exits when its IPC channel closes (session-process.ts), which happens however the
 * server ends, a kill -9 included. Not on Windows, where detached means a console window of its own.
 *
 * At `priority` 'low' the child's group, or the child, is niced as soon as it has started (priority.ts), so
 * the server wins a core over training; 'normal' (the default) leaves it as it is.
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type FromSession, RUNS_DIR_VARIABLE, type StartSession } from './host.js';
import { prioritizer, type TrainingPriority } from './priority.js';

/** Starts `entry` (session-process.ts, under tsx's loader, or a built .js) as the session process. */
export function forkSession(entry: URL, priority: TrainingPriority = 'normal'): StartSession {
  const path = fileURLToPath(entry);
  const prioritize = prioritizer(priority);
  // tsx's loader, found from this file rather than the working directory, so the server can start from anywhere.
  const execArgv = path.endsWith('.ts') ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
  return (runsDir, on) => {
    const child = fork(path, [], {
      detached: process.platform !== 'win32',
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv,
      env: { ...process.env, [RUNS_DIR_VARIABLE]: runsDir },
    });
    // fork returns once the child has exec'd, so it already leads its session (and its autogroup).
    if (child.pid !== undefined) prioritize(child.pid);
    child.on('message', (message) => on.message(message as FromSession));
    child.on('exit', (code, signal) => on.exit(signal === null ? `exit code ${code}` : `killed by ${signal}`));
    // After a start, errors are of sending to a process that is ending: its exit follows and says how.
    child.on('error', (err) => {
      if (child.pid === undefined) on.exit(`could not start: ${err.message}`);
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (message) => void child.send(message),
      kill: () => void child.kill(),
    };
  };
}
