/**
 * The app's speed (issue 6's targets): key press to the next pair playing (p95 under 100 ms), clip playback
 * frame rate in the browser (60 fps), and the longest stall of the relaying process's event loop while the
 * session trains (under 50 ms; in Electron that process is the main process, which relays the same way).
 * Browser mode in Debian's Chromium; the server runs in its own process (app-server.ts) and measures its loop.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import WebSocket from 'ws';
import type { TrainingPriority } from '../src/host/priority.js';
import { type PlaybackCounters, type PlaybackRates, playbackRates } from '../src/renderer/src/player/playback.js';
import { buildApp, CHROMIUM, CHROMIUM_ARGS } from '../test/app/server.js';

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
  eventLoopMaxMs: number;
  eventLoopP99Ms: number;
  /** How long the relaying thread was runnable but waiting for a core while measured (Linux; null elsewhere). */
  relayWaitMs: number | null;
  /** Training steps from the run's creation to the end of the measurements, which took `measuredSeconds`. */
  trainingSteps: number;
  measuredSeconds: number;
  /** How the session process was scheduled, as the server read it ("/autogroup-12 nice 10, process nice 0"). */
  sessionScheduling: string | null;
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
  const child = spawn(join('node_modules', '.bin', 'tsx'), ['bench/app-server.ts', runs, join(out, 'renderer'), trainingPriority], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /serving rlhf-arcade at (\S+)/.exec(output);
      if (m !== null) resolve(m[1]);
      if (m !== null || child.exitCode !== null) clearInterval(timer);
      if (child.exitCode !== null) reject(new Error(`bench server exited: ${output}`));
    }, 50);
  });
  const ws = new WebSocket(`${url.replace('http', 'ws')}api?labeler=bench`);
  await new Promise((resolve) => ws.once('open', resolve));
  const call = (op: string, args?: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const onMessage = (d: WebSocket.RawData) => {
        const m = JSON.parse(String(d)) as { id?: number; ok: boolean; result?: unknown; error?: string };
        if (m.id !== 0) return;
        ws.off('message', onMessage);
        if (m.ok) resolve(m.result);
        else reject(new Error(m.error));
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id: 0, op, args }));
    });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${url}?labeler=bench#compare`);
    await page.waitForFunction(() => 'arcadeReady' in globalThis);
    // A run whose first batch is mostly prefilled, so training starts while we label.
    await call('createRun', { name: 'bench', env: 'Pong', obsType: 'ram', feedback: ['preferences'], teacher: null, labels: 400, steps: 2_000_000, seed: 1, prefill: 90 });
    child.stdin.write('measure\n');
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
    const stepsBefore = ((await call('status')) as { steps: number }).steps;
    const playback = await measurePlayback(page, () => page.waitForTimeout(5000));
    const playbackTrainingSteps = ((await call('status')) as { steps: number }).steps - stepsBefore;
    const latencies = (await page.evaluate<number[]>('window.answerLatencies')).slice().sort((a, b) => a - b);
    const status = (await call('status')) as { steps: number };
    const measuredSeconds = (performance.now() - measureStart) / 1000;
    ws.close();
    const before = output.length;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    const loop = JSON.parse(output.slice(before).trim().split('\n')[0]) as { maxMs: number; p99Ms: number; waitMs: number | null; session: string | null };
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
    return {
      answerToPairP95: q(0.95),
      answerToPairMedian: q(0.5),
      answers: latencies.length,
      playback,
      playbackLabelling,
      playbackTrainingSteps,
      eventLoopMaxMs: loop.maxMs,
      eventLoopP99Ms: loop.p99Ms,
      relayWaitMs: loop.waitMs,
      trainingSteps: status.steps,
      measuredSeconds,
      sessionScheduling: loop.session,
    };
  } finally {
    await browser.close();
    if (child.exitCode === null) child.kill('SIGTERM');
    rmSync(out, { recursive: true, force: true });
    rmSync(runs, { recursive: true, force: true });
  }
}
