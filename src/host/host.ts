/**
 * The relaying side of the session host, for the Electron main process and the browser-mode server: starts
 * the process that runs the session (session-process.ts), checks every request against the API contract
 * before it is forwarded, and hands back answers and events. Nothing here does work that can block the event
 * loop.
 *
 * The session runs in a process of its own, not a worker thread: a worker shares its process's V8 platform
 * threads (a garbage collection of the relaying thread once waited 127 ms for them behind training) and, on
 * Linux, its scheduling group (autogroup: the relaying thread waited for the group's turn on a core behind
 * training). How the process is started is the transport's business (`StartSession`): Node's child_process
 * for the browser-mode server (fork.ts), Electron's utilityProcess in the desktop app (src/main).
 */
import { ApiError, type AppInfo, type HostEvent, type Op, parseRequest, type RunStatus } from '../shared/api.js';
import { machineClockMs } from './clock.js';

/** The environment variable that tells the session process where the runs are. */
export const RUNS_DIR_VARIABLE = 'ARCADE_SESSION_RUNS';

/** One operation for the session process, already checked against the contract. */
export interface SessionRequest {
  id: number;
  op: Op;
  args: unknown;
  labeler: string;
  /** When the relaying process took the request, on the machine's monotonic clock (clock.ts), ms. */
  receivedAt: number;
}

/** What the host sends the session process: operations, and the request to checkpoint and stop. */
export type ToSession = SessionRequest | { close: true };
/** What the session process sends back: answers, events for every UI, and "closed" once checkpointed. */
export type FromSession = { id: number; ok: boolean; result?: unknown; error?: string } | { event: HostEvent } | { closed: true };

/** The session process as the host sees it, whatever started it. */
export interface SessionProcess {
  /** Its process id, once it has started. */
  readonly pid: number | undefined;
  send(message: ToSession): void;
  /** Ends it at once (SIGTERM on POSIX). */
  kill(): void;
}

/**
 * Starts the session process on the runs in `runsDir`; `on.message` gets what it sends, `on.exit` is called
 * when it has ended, saying how ("exit code 1", "killed by SIGKILL", "could not start: ..."). The host takes
 * the first such call only, so a transport may report an end more than once.
 */
export type StartSession = (runsDir: string, on: { message: (message: FromSession) => void; exit: (how: string) => void }) => SessionProcess;

export interface HostOptions {
  /** Folder that holds the runs (one sub-folder each). */
  runsDir: string;
  /** How the session process is started: forkSession (fork.ts) in Node, utilitySession in Electron. */
  start: StartSession;
  app: Omit<AppInfo, 'labeler'>;
}

type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };

export class SessionHost {
  /** The running session process; null after it ended, until the next call starts another. */
  private session: SessionProcess | null = null;
  /** Resolves when the current session process has ended. */
  private ended: Promise<void> = Promise.resolve();
  private whenClosed: (() => void) | null = null;
  private closing = false;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: HostEvent) => void>();
  /** The run as the session last reported it, to tell the UIs it failed if the process dies. */
  private lastStatus: RunStatus | null = null;
  private nextId = 0;

  constructor(private readonly options: HostOptions) {
    this.start();
  }

  /** The session process's id (for tests and diagnostics); undefined while none runs. */
  get sessionPid(): number | undefined {
    return this.session?.pid;
  }

  private start(): SessionProcess {
    let ended: (() => void) | null = null;
    this.ended = new Promise<void>((resolve) => (ended = resolve));
    const session: SessionProcess = this.options.start(this.options.runsDir, {
      message: (message) => this.receive(message),
      exit: (how) => {
        if (ended === null) return; // reported already
        this.lost(session, how);
        ended();
        ended = null;
      },
    });
    this.session = session;
    return session;
  }

  private receive(message: FromSession): void {
    if ('event' in message) {
      if (message.event.type === 'status') this.lastStatus = message.event.data;
      this.emit(message.event);
    } else if ('id' in message) {
      const p = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.ok) p?.resolve(message.result);
      else p?.reject(new ApiError(message.error ?? 'unknown error'));
    } else {
      this.whenClosed?.();
    }
  }

  /**
   * The session process has ended. Unless we asked it to, that is a crash (an uncaught error, out of memory,
   * a kill): the calls it had not answered fail saying so, the UIs see the open run as failed, and the next
   * call starts a new process (the run resumes from its last checkpoint when it is opened again; its lock,
   * held by a process that is gone, is taken over).
   */
  private lost(session: SessionProcess, how: string): void {
    if (this.session === session) this.session = null;
    const run = this.lastStatus;
    this.lastStatus = null;
    const stopped = run === null ? '' : `; run ${run.name} stopped at its last checkpoint: open it again in the Runs view to resume it`;
    const error = new Error(this.closing ? `the session process was closed (${how})` : `the session process ended unexpectedly (${how})${stopped}`);
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    if (!this.closing && run !== null) this.emit({ type: 'status', data: { ...run, phase: 'failed', error: error.message } });
  }

  private emit(event: HostEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /**
   * One operation for `labeler`: checked against the contract here (a malformed request never reaches the
   * session), then run by the session process. Rejects with an ApiError saying what was wrong, or an Error if
   * the process ended before answering. The time it came is passed on: live feedback is timestamped with it.
   */
  async call(op: unknown, args: unknown, labeler: string): Promise<unknown> {
    // Stamped before anything can queue it: the session may be in the middle of an A2C update.
    const receivedAt = machineClockMs();
    const request = parseRequest(op, args);
    if (request.op === 'appInfo') return { ...this.options.app, labeler } satisfies AppInfo;
    if (this.closing) throw new Error(`${request.op} not done: the app is shutting down`);
    const session = this.session ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      session.send({ id, op: request.op as Op, args: request.args, labeler, receivedAt } satisfies SessionRequest);
    });
  }

  onEvent(listener: (event: HostEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops training (it checkpoints and releases the run's lock), then ends the session process. */
  async close(): Promise<void> {
    this.closing = true;
    const session = this.session;
    if (session === null) return;
    const closed = new Promise<void>((resolve) => (this.whenClosed = resolve));
    session.send({ close: true });
    await Promise.race([closed, this.ended]);
    // Its work is done; what is left of it (tf's backend, the IPC channel) need not wind down on its own.
    session.kill();
    await this.ended;
  }
}
