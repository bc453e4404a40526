/**
 * The session process's scheduling priority. Training keeps a core busy; the relaying process (the Electron
 * main process, the browser-mode server) must still get one within milliseconds when a message comes, or its
 * event loop stalls (issue 6: never more than 50 ms). On a machine with more busy processes than cores the
 * relaying thread was found waiting for a core, not working (README, Speed). 'low' runs the session at a
 * lower priority than the process that relays for it. It is not the default: in A/B runs of the app benchmark
 * it did not shorten the relaying thread's waits (those were mostly behind the browser's software rendering),
 * while training ran about a third slower on a quiet machine, and on a loaded one the session, losing to
 * every other process, produced no pair to label for over a minute (README, Speed).
 *
 * On Linux with autogroup scheduling (sched_autogroup_enabled), the kernel first shares the CPU out between
 * sessions' groups and only then between threads inside a group, so a thread's nice value only orders it
 * against the threads of its own group: training at nice 10 in a group of its own still got a whole group's
 * share. A session process in a group of its own (fork.ts starts it detached, so it leads a session) is given
 * a lower group weight instead: `/proc/<pid>/autogroup` takes the group's nice value (raising it needs no
 * privilege). Elsewhere, and where the session shares the relaying process's group (Electron's
 * utilityProcess), the process's own nice value is raised (os.setPriority; on Linux that is its main thread,
 * the one that trains, and the threads it starts afterwards).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** How the session process is scheduled against the relaying process. */
export const TRAINING_PRIORITIES = ['low', 'normal'] as const;
export type TrainingPriority = (typeof TRAINING_PRIORITIES)[number];

/** A --training-priority flag's value, checked; the error names the flag and the choices. */
export function parseTrainingPriority(value: string): TrainingPriority {
  if (!(TRAINING_PRIORITIES as readonly string[]).includes(value)) {
    throw new Error(`--training-priority must be one of ${TRAINING_PRIORITIES.join(', ')}, got "${value}"`);
  }
  return value as TrainingPriority;
}

/** The nice value of a 'low' session: weight 110 against 1024 at nice 0 (CFS's table), about 1:9 when both want the same core. */
export const LOW_PRIORITY_NICE = 10;

/** Linux lets an unprivileged process change an autogroup's nice value once per 100 ms, machine-wide (EAGAIN before). */
const AUTOGROUP_RETRY_MS = 110;
const AUTOGROUP_ATTEMPTS = 20;

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * The autogroup `pid` is in ("/autogroup-826"; "default" for the root task group, whose file is empty: a
 * process that never started a session, such as one started by a container's PID 1), or null where autogroup
 * scheduling is absent or off.
 */
function autogroupOf(pid: number | 'self'): string | null {
  if (read('/proc/sys/kernel/sched_autogroup_enabled') !== '1') return null;
  const text = read(`/proc/${pid}/autogroup`);
  if (text === null) return null;
  return text === '' ? 'default' : text.split(' ')[0];
}

/**
 * Lowers process `pid`'s scheduling priority to nice `nice`; resolves saying how ("autogroup nice 10",
 * "process nice 10"), rejects saying why it could not.
 */
export async function lowerPriority(pid: number, nice = LOW_PRIORITY_NICE): Promise<string> {
  const group = autogroupOf(pid);
  // The default group's weight is the root's, which cannot be changed: a process in it is niced itself.
  if (group !== null && group !== 'default' && group !== autogroupOf('self')) {
    for (let attempt = 1; ; attempt++) {
      try {
        writeFileSync(`/proc/${pid}/autogroup`, String(nice));
        return `autogroup nice ${nice}`;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || attempt === AUTOGROUP_ATTEMPTS) {
          throw new Error(`could not set /proc/${pid}/autogroup to nice ${nice}: ${(err as Error).message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, AUTOGROUP_RETRY_MS));
      }
    }
  }
  try {
    setPriority(pid, nice);
  } catch (err) {
    throw new Error(`could not set process ${pid} to nice ${nice}: ${(err as Error).message}`);
  }
  return `process nice ${nice}`;
}

/**
 * For a transport (fork.ts, utility-session.ts): returns what to call with each session process's pid once
 * it has started. With 'low' it lowers the process's priority, best effort: if that fails the session runs at
 * normal priority and this says so on stderr, once per transport rather than once per restarted process.
 */
export function prioritizer(priority: TrainingPriority): (pid: number) => void {
  let warned = false;
  return (pid) => {
    if (priority === 'normal') return;
    lowerPriority(pid).catch((err: unknown) => {
      if (warned) return;
      warned = true;
      console.warn(`warning: training priority low not applied, the training session runs at normal priority: ${(err as Error).message}`);
    });
  };
}
