/**
 * What the app benches share (app.ts with Chromium on this machine, app-remote.ts with a labeler speaking the
 * WebSocket API alone): the browser-mode server in its own process measuring its event loop (app-server.ts),
 * a client of the API, and the run they label.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { TrainingPriority } from '../src/host/priority.js';
import type { Bridge, CreateRunSpec } from '../src/shared/api.js';
import { wireClient } from '../src/shared/client.js';

/** A Pong run whose first batch is mostly prefilled, so training starts while the bench labels. */
export const BENCH_RUN: CreateRunSpec = { name: 'bench', env: 'Pong', obsType: 'ram', feedback: ['preferences'], teacher: null, labels: 400, steps: 2_000_000, seed: 1, prefill: 90 };

/** The relaying process's event loop from `measure()` to `stop()`, as app-server.ts prints it. */
export interface LoopFigures {
  /** Longest stall and 99th percentile of the event-loop delay, ms. */
  maxMs: number;
  p99Ms: number;
  /** How long the relaying thread was runnable but waiting for a core (Linux schedstat; null elsewhere). */
  waitMs: number | null;
  /** How the session process was scheduled ("/autogroup-12 nice 10, process nice 0"). */
  session: string | null;
}

export interface BenchServer {
  url: string;
  /** Starts measuring the server's event loop (call it once the run exists). */
  measure(): void;
  /** Stops the server and returns its event loop's figures since `measure()`. */
  stop(): Promise<LoopFigures>;
  /** Kills the server if it still runs (for `finally`). */
  kill(): void;
}

export async function startBenchServer(runsDir: string, staticDir: string, trainingPriority: TrainingPriority): Promise<BenchServer> {
  const child = spawn(join('node_modules', '.bin', 'tsx'), ['bench/app-server.ts', runsDir, staticDir, trainingPriority], { stdio: ['pipe', 'pipe', 'inherit'] });
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
  return {
    url,
    measure: () => child.stdin.write('measure\n'),
    async stop() {
      const before = output.length;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      return JSON.parse(output.slice(before).trim().split('\n')[0]) as LoopFigures;
    },
    kill() {
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}

/** The API over the server's WebSocket, as the renderer's bridge speaks it (src/shared/client.ts). */
export interface ApiConnection extends Bridge {
  close(): void;
}

export async function connectApi(url: string, labeler: string): Promise<ApiConnection> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}api?labeler=${encodeURIComponent(labeler)}`);
  const client = wireClient((text) => ws.send(text));
  ws.on('message', (d: WebSocket.RawData) => client.receive(String(d)));
  ws.on('close', () => client.close(new Error('the bench lost its connection to the server')));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { api: client.api, onEvent: client.onEvent, close: () => ws.close() };
}
