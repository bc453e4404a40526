/**
 * Looks at the clip-pair player in Debian's Chromium (software WebGL): serves a throwaway page with vite that
 * records two Pong clips under random actions, loads them into the player, measures how long loading a pair
 * takes and the frame rate during playback, and writes screenshots to look at.
 *   npx tsx scripts/shot-player.ts [--out /tmp/shot-player] [--chromium /usr/bin/chromium]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import { type PlaybackCounters, playbackRates } from '../src/renderer/src/player/playback.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(tmpdir(), 'shot-player') },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
const repo = fileURLToPath(new URL('..', import.meta.url));
const outDir = values.out;
mkdirSync(outDir, { recursive: true });

// The page: the app's CSP, a container about as wide as the Compare view's, and an entry that records the clips.
const page = mkdtempSync(join(tmpdir(), 'player-page-'));
writeFileSync(
  join(page, 'index.html'),
  `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'" />
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/@fs${repo}src/renderer/src/style.css" />
  </head>
  <body>
    <main><div id="compare" style="width: 760px"></div></main>
    <script type="module" src="./entry.ts"></script>
  </body>
</html>
`,
);
writeFileSync(
  join(page, 'entry.ts'),
  `import { makeEnv } from '${repo}src/env/index';
import { PairPlayer } from '${repo}src/renderer/src/player/pair-player';
import { ClipFrames } from '${repo}src/renderer/src/player/playback';

/** A Pong clip: random play up to step \`start\`, then \`steps\` random actions from a snapshot. */
function record(id, seed, start, steps) {
  const env = makeEnv('Pong');
  env.reset({ seed });
  const pick = () => Math.floor(Math.random() * env.actionSpace.n);
  for (let i = 0; i < start; i++) env.step(pick());
  const clip = { id, env: 'Pong', options: { ...env.options }, state: env.getState(), actions: [] };
  for (let i = 0; i < steps && !env.done; i++) {
    const a = pick();
    clip.actions.push(a);
    env.step(a);
  }
  return clip;
}

const pairs = [
  [record('c1', 1, 150, 25), record('c2', 2, 220, 20)],
  [record('c3', 3, 90, 25), record('c4', 4, 300, 25)],
];
const player = await PairPlayer.create(document.getElementById('compare'));
let t = performance.now();
player.load(...pairs[0]);
const firstLoadMs = performance.now() - t;

const gl = player['renderer'].gl;
const debug = gl && gl.getExtension('WEBGL_debug_renderer_info');
window.harness = {
  player,
  pairs,
  firstLoadMs,
  renderer: gl ? gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER) : 'not WebGL',
  /** Loads pairs n times (or only re-simulates them); the median and the slowest in ms. */
  measureLoad(n, simulateOnly) {
    const store = new ClipFrames();
    const ms = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      if (simulateOnly) pairs[i % 2].forEach((c) => store.record(c));
      else player.load(...pairs[i % 2]);
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    return { median: ms[n >> 1], max: ms[n - 1] };
  },
  /** The player's counters before and after \`ms\`, and the longest gap between two animation frames. */
  measure(ms) {
    return new Promise((done) => {
      const before = player.counters;
      let longest = 0;
      const t0 = performance.now();
      let last = t0;
      const tick = (now) => {
        longest = Math.max(longest, now - last);
        last = now;
        if (now - t0 < ms) requestAnimationFrame(tick);
        else done({ before, after: player.counters, longest });
      };
      requestAnimationFrame(tick);
    });
  },
};
`,
);

const server = await createServer({
  root: page,
  configFile: false,
  cacheDir: join(page, '.vite'),
  logLevel: 'warn',
  server: { port: 0, host: '127.0.0.1', hmr: false, fs: { allow: [page, repo] } },
});
await server.listen();
const url = server.resolvedUrls?.local[0];
if (!url) throw new Error('vite did not report a local URL');

const browser = await chromium.launch({
  executablePath: values.chromium,
  args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const problems: string[] = [];
try {
  const tab = await browser.newPage({ viewport: { width: 820, height: 620 } });
  tab.on('console', (m) => {
    // Screenshots read the WebGL canvas back, which the driver reports as a stall; that is ours, not the page's.
    if (m.text().includes('GPU stall due to ReadPixels')) return;
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  tab.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  tab.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  tab.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await tab.goto(url);
  // A function, not a string: Playwright polls a string predicate with eval, which the page's CSP refuses.
  await tab.waitForFunction(() => 'harness' in globalThis, null, { timeout: 60_000 });

  const renderer = await tab.evaluate<string>('harness.renderer');
  const firstLoadMs = await tab.evaluate<number>('harness.firstLoadMs');
  const load = await tab.evaluate<{ median: number; max: number }>('harness.measureLoad(20, false)');
  const simulate = await tab.evaluate<{ median: number; max: number }>('harness.measureLoad(20, true)');
  const lengths = await tab.evaluate<number[]>('harness.pairs.map((p) => p.map((c) => c.actions.length * 4).join(" + "))');
  type Measured = { before: PlaybackCounters; after: PlaybackCounters; longest: number };
  // Measured after half a second of playback: the first frames after a load can wait on a garbage collection.
  await tab.evaluate('harness.player.load(...harness.pairs[1])');
  await tab.waitForTimeout(500);
  const playing = await tab.evaluate<Measured>('harness.measure(3000)');
  const paused = await tab.evaluate<Measured>('harness.player.pause(); harness.measure(3000)');

  // Paused mid-clip, and past the end of the shorter clip (it holds its last frame, its bar full).
  await tab.evaluate('harness.player.load(...harness.pairs[0]); harness.player.setSpeed(0.5); harness.player.step(40)');
  await tab.screenshot({ path: join(outDir, 'pair-paused.png') });
  await tab.evaluate('harness.player.step(50)');
  await tab.screenshot({ path: join(outDir, 'pair-shorter-ended.png') });
  await tab.evaluate('harness.player.step(-60); harness.player.resume()');
  await tab.waitForTimeout(400);
  await tab.screenshot({ path: join(outDir, 'pair-playing.png') });
  // 'fit' in a narrow container: the player drops to 1x.
  await tab.evaluate('document.getElementById("compare").style.width = "400px"; harness.player.pause()');
  await tab.waitForTimeout(100);
  await tab.screenshot({ path: join(outDir, 'pair-narrow.png') });

  // On a HiDPI screen the pixels must stay square and sharp: a close-up of the left clip at device scale 2.
  const hidpi = await browser.newPage({ viewport: { width: 820, height: 620 }, deviceScaleFactor: 2 });
  await hidpi.goto(url);
  await hidpi.waitForFunction(() => 'harness' in globalThis, null, { timeout: 60_000 });
  await hidpi.evaluate('harness.player.load(...harness.pairs[0]); harness.player.step(40)');
  await hidpi.screenshot({ path: join(outDir, 'pair-hidpi-detail.png'), clip: { x: 20, y: 15, width: 340, height: 130 } });

  console.log(`renderer: ${renderer}`);
  console.log(`pairs of ${lengths.join(' and ')} frames`);
  console.log(`load (re-simulate both clips + first draw): first ${firstLoadMs.toFixed(1)} ms, then median ${load.median.toFixed(1)} ms, max ${load.max.toFixed(1)} ms over 20`);
  console.log(`  of which re-simulating both clips: median ${simulate.median.toFixed(1)} ms, max ${simulate.max.toFixed(1)} ms`);
  const r = playbackRates(playing.before, playing.after);
  console.log(
    `playing at 1x for 3 s: ${r.fps.toFixed(1)} frames/s while a clip plays (${r.skippedPerSecond.toFixed(1)} skipped/s, ${r.frozenSeconds.toFixed(1)} s frozen), ` +
      `${r.rafPerSecond.toFixed(1)} requestAnimationFrame/s (longest gap ${playing.longest.toFixed(1)} ms), ${r.shownPerSecond.toFixed(1)} frames/s with the 0.5 s end holds`,
  );
  console.log(`paused for 3 s: ${paused.after.shown - paused.before.shown} frames drawn (longest gap between animation frames ${paused.longest.toFixed(1)} ms)`);
  console.log(`screenshots in ${outDir}`);
} finally {
  await browser.close();
  await server.close();
  rmSync(page, { recursive: true, force: true });
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exitCode = 1;
}
