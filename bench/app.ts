/**
 * The app's speed (issue 6's targets): key press to the next pair playing (p95 under 100 ms), clip playback
 * frame rate in the browser (60 fps), and the longest stall of the relaying process's event loop while the
 * session trains (under 50 ms; in Electron that process is the main process, which relays the same way).
 * Browser mode in Debian's Chromium on this machine; the server runs in its own process (app-server.ts) and
 * measures its loop. app-remote.ts measures the same loop with the labeler on another machine (no browser here).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import type { TrainingPriority } from '../src/host/priority.js';
import { type PlaybackCounters, type PlaybackRates, playbackRates } from '../src/renderer/src/player/playback.js';
import { buildApp, CHROMIUM, CHROMIUM_ARGS } from '../test/app/server.js';
import { BENCH_RUN, connectApi, type LoopFigures, startBenchServer } from './app-harness.js';
import { quantile } from './stats.js';

export interface AppFigures {
  answerToPairP95: number;
  answerToPairMedian: number;
  answers: number;
  /** One pair playing for 5 s while the session trains, after the labels. */
  playback: PlaybackRates;
  /** While labelling (a new pair every ~0.4 s, each re-simulated when it is loaded). */
  playbackLabelling: PlaybackRates;
  /** Training steps taken while `playback` was measured. */
  playbackTrainingSteps: number;
  /** The relaying process's event loop while measured. */
  loop: LoopFigures;
  /** Training steps from the run's creation to the end of the measurements, which took `measuredSeconds`. */
  trainingSteps: number;
  measuredSeconds: number;
}

/** Clip playback in the Compare view while `during` runs, from the pair player's own counters (main.ts exposes them). */
async function measurePlayback(page: Page, during: () => Promise<void>): Promise<PlaybackRates> {
  const read = () => page.evaluate<PlaybackCounters | null>('window.playbackCounters()');
  const before = await read();
  await during();
  const after = await read();
  if (before === null || after === null) throw new Error('the Compare view has no pair player');
  return playbackRates(before, after);
}

export async function benchApp(labels = 40, trainingPriority: TrainingPriority = 'normal'): Promise<AppFigures> {
  const out = mkdtempSync(join(tmpdir(), 'bench-app-build-'));
  const runs = mkdtempSync(join(tmpdir(), 'bench-app-runs-'));
  buildApp(out);
  const server = await startBenchServer(runs, join(out, 'renderer'), trainingPriority);
  const control = await connectApi(server.url, 'bench');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}?labeler=bench#compare`);
    await page.waitForFunction(() => 'arcadeReady' in globalThis);
    await control.api.createRun(BENCH_RUN);
    server.measure();
    const measureStart = performance.now();
    await page.locator('.view-compare.has-pair').waitFor({ timeout: 60_000 });
    const keys = ['ArrowLeft', 'ArrowRight', 'ArrowDown'];
    const playbackLabelling = await measurePlayback(page, async () => {
      for (let i = 0; i < labels; i++) {
        await page.locator('.view-compare.has-pair').waitFor({ timeout: 60_000 });
        await page.keyboard.press(keys[i % keys.length]);
        await page.waitForTimeout(400); // about the pace of a quick person
      }
    });
    // One pair left to play while the session trains (the first labels came before training started).
    await page.locator('.view-compare.has-pair').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(500);
    const steps = async () => (await control.api.status())?.steps ?? 0;
    const stepsBefore = await steps();
    const playback = await measurePlayback(page, () => page.waitForTimeout(5000));
    const playbackTrainingSteps = (await steps()) - stepsBefore;
    const latencies = (await page.evaluate<number[]>('window.answerLatencies')).slice().sort((a, b) => a - b);
    const trainingSteps = await steps();
    const measuredSeconds = (performance.now() - measureStart) / 1000;
    control.close();
    const loop = await server.stop();
    return {
      answerToPairP95: quantile(latencies, 0.95),
      answerToPairMedian: quantile(latencies, 0.5),
      answers: latencies.length,
      playback,
      playbackLabelling,
      playbackTrainingSteps,
      loop,
      trainingSteps,
      measuredSeconds,
    };
  } finally {
    await browser.close();
    server.kill();
    rmSync(out, { recursive: true, force: true });
    rmSync(runs, { recursive: true, force: true });
  }
}
