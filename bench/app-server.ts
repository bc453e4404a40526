/**
 * The browser-mode server in its own process for bench/app.ts, measuring its own event loop: prints the URL,
 * then on SIGTERM the longest stall and the 99th percentile in ms, as JSON.
 *   tsx bench/app-server.ts <runsDir> <staticDir>
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { serve } from '../src/server/serve.js';

const [runsDir, staticDir] = process.argv.slice(2);
const server = await serve({ runsDir, staticDir, host: '127.0.0.1', port: 0, token: null });
const loop = monitorEventLoopDelay({ resolution: 5 });
console.log(`serving rlhf-arcade at ${server.url}`);
process.stdin.resume();
process.stdin.on('data', (d) => {
  if (String(d).trim() === 'measure') {
    loop.reset();
    loop.enable();
  }
});
process.once('SIGTERM', () => {
  loop.disable();
  console.log(JSON.stringify({ maxMs: loop.max / 1e6, p99Ms: loop.percentile(99) / 1e6 }));
  void server.close().then(() => process.exit(0));
});
