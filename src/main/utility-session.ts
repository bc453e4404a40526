/**
 * The session process of the desktop app: Electron's utilityProcess (a Node.js child process started through
 * Chromium's services, the equivalent of child_process.fork that Electron recommends), running the built
 * session-process.js, an ES module (utility processes take ESM entries since Electron 28, electron/electron#40047).
 * Messages travel by postMessage (structured clone) and process.parentPort in the child.
 *
 * Built and type-checked, but never run here: Electron cannot start on this project's build machines (its
 * binary downloads from outside the npm registry). The browser-mode server runs the same session-process code
 * through child_process.fork (src/host/fork.ts), which the tests exercise.
 */
import { utilityProcess } from 'electron';
import { type FromSession, RUNS_DIR_VARIABLE, type StartSession } from '../host/host.js';

/** Starts `entry` (the built session-process.js) as the session process. Only after app's ready event. */
export function utilitySession(entry: string): StartSession {
  return (runsDir, on) => {
    const child = utilityProcess.fork(entry, [], {
      serviceName: 'rlhf-arcade session',
      stdio: 'inherit',
      env: { ...process.env, [RUNS_DIR_VARIABLE]: runsDir },
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
