/**
 * The browser-mode server in its own process for bench/app.ts, measuring its own event loop: prints the URL,
 * then on SIGTERM the longest stall and the 99th percentile in ms, and (Linux) how long its event-loop thread
 * spent runnable but waiting for a core, from /proc/self/task/<pid>/schedstat, and how the session process
 * was scheduled (its /proc/<pid>/autogroup line and nice value), as JSON.
 *   tsx bench/app-server.ts <runsDir> <staticDir> [low|normal]
 */
import { existsSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseTrainingPriority } from '../src/host/priority.js';
import { serve } from '../src/server/serve.js';

const [runsDir, staticDir, trainingPriority = 'normal'] = process.argv.slice(2);
const server = await serve({ runsDir, staticDir, host: '127.0.0.1', port: 0, token: null, trainingPriority: parseTrainingPriority(trainingPriority) });
const loop = monitorEventLoopDelay({ resolution: 5 });
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
/** ms this thread has waited for a core so far (schedstat's second field, ns); null where there is no schedstat. */
const waited = () => (existsSync(SCHEDSTAT) ? Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[1]) / 1e6 : null);
let waitedBefore: number | null = null;
/** The session process's scheduling: "/autogroup-12 nice 10, process nice 0" on Linux. */
function sessionScheduling(): string | null {
  const pid = server.host.sessionPid;
  if (pid === undefined) return null;
  const group = existsSync(`/proc/${pid}/autogroup`) ? `${readFileSync(`/proc/${pid}/autogroup`, 'utf8').trim()}, ` : '';
  return `${group}process nice ${getPriority(pid)}`;
}
console.log(`serving rlhf-arcade at ${server.url}`);
process.stdin.resume();
process.stdin.on('data', (d) => {
  if (String(d).trim() === 'measure') {
    loop.reset();
    loop.enable();
    waitedBefore = waited();
  }
});
process.once('SIGTERM', () => {
  loop.disable();
  const now = waited();
  const waitMs = now === null || waitedBefore === null ? null : now - waitedBefore;
  console.log(JSON.stringify({ maxMs: loop.max / 1e6, p99Ms: loop.percentile(99) / 1e6, waitMs, session: sessionScheduling() }));
  void server.close().then(() => process.exit(0));
});
