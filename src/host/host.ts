/**
 * The relaying side of the session host, for the Electron main process and the browser-mode server: starts
 * the worker thread that runs the session, checks every request against the API contract before it is
 * forwarded, and hands back answers and events. Nothing here does work that can block the event loop.
 */
import { Worker } from 'node:worker_threads';
import { ApiError, type AppInfo, type HostEvent, type Op, parseRequest } from '../shared/api.js';
import type { WorkerRequest } from './worker.js';

export interface HostOptions {
  /** Folder that holds the runs (one sub-folder each). */
  runsDir: string;
  /** The worker's entry: worker.ts under tsx, the built session-worker.js in Electron. */
  workerUrl: URL | string;
  app: Omit<AppInfo, 'labeler'>;
}

type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };

export class SessionHost {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: HostEvent) => void>();
  private nextId = 0;
  private exited: Error | null = null;

  constructor(private readonly options: HostOptions) {
    // Under tsx (npm run serve, tests) the worker is TypeScript too, started through tsx's loader.
    const entry = String(options.workerUrl);
    const typescript = entry.endsWith('.ts');
    this.worker = new Worker(typescript ? new URL('./tsx-worker.mjs', import.meta.url) : options.workerUrl, {
      workerData: { runsDir: options.runsDir, entry },
    });
    this.worker.on('message', (msg: { id: number; ok: boolean; result?: unknown; error?: string } | { event: HostEvent } | { closed: true }) => {
      if ('event' in msg) {
        for (const listener of this.listeners) listener(msg.event);
      } else if ('id' in msg) {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.ok) p?.resolve(msg.result);
        else p?.reject(new ApiError(msg.error ?? 'unknown error'));
      }
    });
    const fail = (err: Error) => {
      this.exited ??= err;
      for (const p of this.pending.values()) p.reject(this.exited);
      this.pending.clear();
    };
    this.worker.on('error', (err) => fail(new Error(`the session worker failed: ${err.message}`)));
    this.worker.on('exit', (code) => fail(new Error(`the session worker exited (code ${code})`)));
  }

  /**
   * One operation for `labeler`: checked against the contract here (a malformed request never reaches the
   * session), then run by the worker. Rejects with an ApiError saying what was wrong. The time it came is
   * passed on: live feedback is timestamped with it.
   */
  async call(op: unknown, args: unknown, labeler: string): Promise<unknown> {
    // Stamped before anything can queue it: the worker may be in the middle of an A2C update.
    const receivedAt = performance.timeOrigin + performance.now();
    const request = parseRequest(op, args);
    if (request.op === 'appInfo') return { ...this.options.app, labeler } satisfies AppInfo;
    if (this.exited !== null) throw this.exited;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op: request.op as Op, args: request.args, labeler, receivedAt } satisfies WorkerRequest);
    });
  }

  onEvent(listener: (event: HostEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops training (it checkpoints) and ends the worker. */
  async close(): Promise<void> {
    if (this.exited === null) {
      await new Promise<void>((resolve) => {
        const onMessage = (msg: { closed?: true }) => {
          if (msg.closed) resolve();
        };
        this.worker.on('message', onMessage);
        this.worker.once('exit', () => resolve());
        this.worker.postMessage({ close: true });
      });
    }
    await this.worker.terminate();
  }
}
