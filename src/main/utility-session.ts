/**
 * The session process of the desktop app: Electron's utilityProcess (a Node.js child process started through
 * Chromium's services, the equivalent of child_process.fork that Electron recommends), running the built
 * session-process.js, an ES module (utility processes take ESM entries since Electron 28, electron/electron#40047).
 * Messages travel by postMessage (structured clone) and process.parentPort in the child.
 *
 * Built and type-checked, but never run here: Electron cannot start on this project's build machines (its
 * binary downloads from outside the npm registry). The browser-mode server runs the same session-process code
 * through child_process.fork (src/host/fork.ts), which the tests exercise.
 *
 * At `priority` 'low' the child is niced once it has spawned (priority.ts; 'normal', the default, leaves it). A utility process
 * shares the main process's session, and so its autogroup on Linux: there its own nice value is raised, which
 * orders it below the main process inside the group they share.
 */
import { utilityProcess } from 'electron';
import { type FromSession, RUNS_DIR_VARIABLE, type StartSession } from '../host/host.js';
import { prioritizer, type TrainingPriority } from '../host/priority.js';

/** Starts `entry` (the built session-process.js) as the session process. Only after app's ready event. */
export function utilitySession(entry: string, priority: TrainingPriority = 'normal'): StartSession {
  const prioritize = prioritizer(priority);
  return (runsDir, on) => {
    const child = utilityProcess.fork(entry, [], {
      serviceName: 'rlhf-arcade session',
      stdio: 'inherit',
      env: { ...process.env, [RUNS_DIR_VARIABLE]: runsDir },
    });
    // The pid is known from the 'spawn' event on.
    child.once('spawn', () => {
      if (child.pid !== undefined) prioritize(child.pid);
    });
    child.on('message', (message) => on.message(message as FromSession));
    child.on('exit', (code) => on.exit(`exit code ${code}`));
    return {
      get pid() {
        return child.pid;
      },
      send: (message) => child.postMessage(message),
      kill: () => void child.kill(),
    };
  };
}
