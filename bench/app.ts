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
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { buildApp, CHROMIUM, CHROMIUM_ARGS } from '../test/app/server.js';

export interface AppFigures {
  answerToPairP95: number;
  answerToPairMedian: number;
  answers: number;
  playbackFps: number;
  eventLoopMaxMs: number;
  eventLoopP99Ms: number;
  /** How long the relaying thread was runnable but waiting for a core while measured (Linux; null elsewhere). */
  relayWaitMs: number | null;
  trainingSteps: number;
}

export async function benchApp(labels = 40): Promise<AppFigures> {
  const out = mkdtempSync(join(tmpdir(), 'bench-app-build-'));
  const runs = mkdtempSync(join(tmpdir(), 'bench-app-runs-'));
  buildApp(out);
  const child = spawn(join('node_modules', '.bin', 'tsx'), ['bench/app-server.ts', runs, join(out, 'renderer')], { stdio: ['pipe', 'pipe', 'inherit'] });
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
    await page.locator('.view-compare.has-pair').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(1000);
    // Playback: frames drawn per second, read from the player's frame counter on every animation frame.
    const playbackFps = await page.evaluate<number>(`new Promise((done) => {
      const counter = document.querySelector('.view-compare .pp-counter');
      let last = counter.textContent, shown = 0;
      const t0 = performance.now();
      const tick = (now) => {
        if (counter.textContent !== last) { shown++; last = counter.textContent; }
        if (now - t0 < 3000) requestAnimationFrame(tick); else done(shown * 1000 / (now - t0));
      };
      requestAnimationFrame(tick);
    })`);
    const keys = ['ArrowLeft', 'ArrowRight', 'ArrowDown'];
    for (let i = 0; i < labels; i++) {
      await page.locator('.view-compare.has-pair').waitFor({ timeout: 60_000 });
      await page.keyboard.press(keys[i % keys.length]);
      await page.waitForTimeout(400); // about the pace of a quick person
    }
    const latencies = (await page.evaluate<number[]>('window.answerLatencies')).slice().sort((a, b) => a - b);
    const status = (await call('status')) as { steps: number };
    ws.close();
    const before = output.length;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    const loop = JSON.parse(output.slice(before).trim().split('\n')[0]) as { maxMs: number; p99Ms: number; waitMs: number | null };
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
    return {
      answerToPairP95: q(0.95),
      answerToPairMedian: q(0.5),
      answers: latencies.length,
      playbackFps,
      eventLoopMaxMs: loop.maxMs,
      eventLoopP99Ms: loop.p99Ms,
      relayWaitMs: loop.waitMs,
      trainingSteps: status.steps,
    };
  } finally {
    await browser.close();
    if (child.exitCode === null) child.kill('SIGTERM');
    rmSync(out, { recursive: true, force: true });
    rmSync(runs, { recursive: true, force: true });
  }
}
