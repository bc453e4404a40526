/**
 * The session host runs the session in a process of its own (child_process.fork here; Electron's
 * utilityProcess in the desktop app, which cannot start on these machines): training uses that process's CPU,
 * not the relaying one's, at a lower priority when asked (--training-priority low); a session process that dies fails the calls it had not answered, with a message,
 * instead of leaving them hanging; close() checkpoints and releases the run's lock; and no session process
 * outlives the server, however it ends.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { forkSession } from '../../src/host/fork';
import { SessionHost } from '../../src/host/host';
import { lowerPriority, parseTrainingPriority, prioritizer, type TrainingPriority } from '../../src/host/priority';
import type { HostEvent, RunStatus } from '../../src/shared/api';
import { startServer } from '../app/server';

const linux = process.platform === 'linux';
/** A run that trains from its first step: live feedback, nobody pressing (a preference run pretrains its reward model first). */
const SPEC = { env: 'Pong', obsType: 'ram', feedback: ['scalar'], teacher: null, steps: 1_000_000, seed: 1 };

function newHost(runsDir: string, priority?: TrainingPriority): SessionHost {
  return new SessionHost({ runsDir, start: forkSession(new URL('../../src/host/session-process.ts', import.meta.url), priority), app: { name: 'test', version: '0', shell: 'browser' } });
}

/** Linux schedules sessions' groups first (autogroup), and this kernel has it on. */
const autogroup = existsSync('/proc/self/autogroup') && readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim() === '1';
/**
 * "/autogroup-12 nice 10" -> 10. A process that never started a session of its own (one started by PID 1 of a
 * container, as CI's is) is in the default group, the root task group: its file is empty and it runs at nice 0.
 */
function autogroupNice(pid: number | 'self'): number {
  const text = readFileSync(`/proc/${pid}/autogroup`, 'utf8');
  if (text.trim() === '') return 0;
  const nice = /nice (-?\d+)/.exec(text);
  if (!nice) throw new Error(`unexpected /proc/${pid}/autogroup: ${JSON.stringify(text)}`);
  return Number(nice[1]);
}

/** Polls `read` until it returns `want` (the priority is set just after the start, retried if the kernel says wait). */
async function eventually<T>(read: () => T, want: T, timeoutMs = 5000): Promise<T> {
  const until = performance.now() + timeoutMs;
  let got = read();
  while (got !== want && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    got = read();
  }
  return got;
}

/** A process's state, parent, session and CPU time (user + system, s) from /proc; null once it is gone (or a zombie). */
function procStat(pid: number): { ppid: number; session: number; cpuSeconds: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  if (f[0] === 'Z') return null;
  return { ppid: Number(f[1]), session: Number(f[3]), cpuSeconds: (Number(f[11]) + Number(f[12])) / 100 };
}

/** Resolves with the first event `accept` takes. */
function nextEvent(host: SessionHost, accept: (e: HostEvent) => boolean, timeoutMs: number): Promise<HostEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no such event within ${timeoutMs} ms`)), timeoutMs);
    const off = host.onEvent((e) => {
      if (!accept(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

const stepsAtLeast = (n: number) => (e: HostEvent) => e.type === 'status' && e.data !== null && e.data.steps >= n;

describe('the session host', () => {
  const hosts: SessionHost[] = [];
  // Closing checkpoints the run first; a session at low priority on a busy machine can take over vitest's
  // default 10 s for it (seen once while training jobs shared the cores), and over 30 s beside two training
  // jobs on two cores (6 Dec), where it gets about a tenth of what is left.
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.close()));
  }, 90_000);

  it.runIf(linux)('trains in a process of its own session, whose CPU it is that training uses', async () => {
    const host = newHost(mkdtempSync(join(tmpdir(), 'arcade-host-')));
    hosts.push(host);
    const pid = host.sessionPid!;
    expect(pid).not.toBe(process.pid);
    expect(procStat(pid)!.ppid).toBe(process.pid);
    // Its own session (and so its own autogroup): setsid, as detached: true does.
    expect(procStat(pid)!.session).toBe(pid);
    expect(procStat(pid)!.session).not.toBe(procStat(process.pid)!.session);

    await host.call('createRun', { name: 'r', ...SPEC }, 'tester');
    const first = ((await nextEvent(host, stepsAtLeast(1), 60_000)) as { data: RunStatus }).data.steps;
    const ours = process.cpuUsage();
    const theirs = procStat(pid)!.cpuSeconds;
    const started = performance.now();
    const { data } = (await nextEvent(host, stepsAtLeast(first + 10_000), 60_000)) as { data: RunStatus };
    const used = process.cpuUsage(ours);
    const oursSeconds = (used.user + used.system) / 1e6;
    const theirsSeconds = procStat(pid)!.cpuSeconds - theirs;
    console.log(`${data.steps - first} steps in ${((performance.now() - started) / 1000).toFixed(1)} s: session process ${theirsSeconds.toFixed(2)} s CPU, this one ${oursSeconds.toFixed(3)} s`);
    expect(theirsSeconds).toBeGreaterThan(0.5);
    // This process only relays events (a few a second); vitest's own work here is included.
    expect(oursSeconds).toBeLessThan(theirsSeconds / 5);
  }, 120_000);

  it.runIf(autogroup)('runs the session at low priority when asked: its autogroup at nice 10, ours untouched (Linux autogroup scheduling)', async () => {
    const ours = autogroupNice('self');
    const host = newHost(mkdtempSync(join(tmpdir(), 'arcade-host-')), 'low');
    hosts.push(host);
    const pid = host.sessionPid!;
    expect(await eventually(() => autogroupNice(pid), 10)).toBe(10);
    expect(autogroupNice('self')).toBe(ours);
  }, 30_000);

  it.runIf(!autogroup && process.platform !== 'win32')('runs the session at low priority when asked: the process at nice 10 (no autogroup scheduling here)', async () => {
    const host = newHost(mkdtempSync(join(tmpdir(), 'arcade-host-')), 'low');
    hosts.push(host);
    expect(await eventually(() => getPriority(host.sessionPid!), 10)).toBe(10);
  }, 30_000);

  it.runIf(autogroup)('leaves the session at normal priority by default', async () => {
    const host = newHost(mkdtempSync(join(tmpdir(), 'arcade-host-')));
    hosts.push(host);
    const pid = host.sessionPid!;
    // The session's first message (its first status) comes after the moment a 'low' one is niced.
    await host.call('status', undefined, 'tester');
    expect([autogroupNice(pid), getPriority(pid)]).toEqual([0, 0]);
  }, 30_000);

  it.runIf(autogroup)("nices a process that shares this one's autogroup itself, not the group (Electron's utilityProcess does)", async () => {
    const ours = autogroupNice('self');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10_000)']);
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      expect(await lowerPriority(child.pid!)).toBe('process nice 10');
      expect(getPriority(child.pid!)).toBe(10);
      expect(autogroupNice('self')).toBe(ours);
    } finally {
      child.kill();
    }
  });

  it('says once, plainly, when it cannot lower a priority, and the session runs on', async () => {
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.once('exit', resolve));
    await expect(lowerPriority(gone.pid!)).rejects.toThrow(new RegExp(`^could not set process ${gone.pid} to nice 10: `));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const prioritize = prioritizer('low');
      prioritize(gone.pid!);
      prioritize(gone.pid!);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(warn.mock.calls).toEqual([[expect.stringMatching(/^warning: training priority low not applied, the training session runs at normal priority: could not set process \d+ to nice 10/)]]);
    } finally {
      warn.mockRestore();
    }
  });

  it('takes --training-priority low or normal and names the flag and the choices otherwise', () => {
    expect(['low', 'normal'].map(parseTrainingPriority)).toEqual(['low', 'normal']);
    expect(() => parseTrainingPriority('lo')).toThrow('--training-priority must be one of low, normal, got "lo"');
  });

  it('fails the calls a dead session process had not answered, tells the UIs, and starts another on the next call', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'arcade-host-'));
    const host = newHost(runs);
    hosts.push(host);
    await host.call('createRun', { name: 'r', ...SPEC }, 'tester');
    const pid = host.sessionPid!;
    const failed = nextEvent(host, (e) => e.type === 'status' && e.data?.phase === 'failed', 10_000);
    // Sent before the kill, and long enough (a checkpoint, then tfjs and ONNX files) to be unanswered when it dies.
    const pending = host.call('exportRun', { name: 'r' }, 'tester');
    process.kill(pid, 'SIGKILL');
    await expect(pending).rejects.toThrow(/^the session process ended unexpectedly \(killed by SIGKILL\); run r stopped at its last checkpoint: open it again/);
    expect(((await failed) as { data: RunStatus }).data).toMatchObject({ name: 'r', phase: 'failed', error: expect.stringMatching(/killed by SIGKILL/) });

    // The next call starts a new process, which takes over the dead one's lock on the run.
    const reopened = (await host.call('openRun', { name: 'r' }, 'tester')) as RunStatus;
    expect(reopened.phase).not.toBe('failed');
    expect(host.sessionPid).not.toBe(pid);
  }, 120_000);

  it('close() checkpoints and releases the run, which a new host resumes', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'arcade-host-'));
    const host = newHost(runs);
    await host.call('createRun', { name: 'r', ...SPEC }, 'tester');
    await nextEvent(host, stepsAtLeast(2000), 60_000);
    const pid = host.sessionPid!;
    expect(existsSync(join(runs, 'r', 'run.lock'))).toBe(true);
    await host.close();
    expect(existsSync(join(runs, 'r', 'run.lock'))).toBe(false);
    if (linux) expect(procStat(pid)).toBeNull();
    await expect(host.call('status', undefined, 'tester')).rejects.toThrow(/status not done: the app is shutting down/);

    const again = newHost(runs);
    hosts.push(again);
    const status = (await again.call('openRun', { name: 'r' }, 'tester')) as RunStatus;
    expect(status.steps).toBeGreaterThanOrEqual(2000);
  }, 120_000);
});

/** The session processes under `root`: processes whose command line names session-process.ts. */
function sessionProcesses(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('session-process.ts') && procStat(pid) !== null;
      } catch {
        return false;
      }
    });
}

describe.runIf(linux)('the browser-mode server and its session process', () => {
  /** A server on a fresh runs folder (no renderer needed: a stand-in page), and the session process it started. */
  async function serverWithSession() {
    const root = mkdtempSync(join(tmpdir(), 'arcade-serve-'));
    mkdirSync(join(root, 'static'));
    writeFileSync(join(root, 'static', 'index.html'), '<!doctype html><title>stand-in</title>');
    const before = new Set(sessionProcesses());
    const server = await startServer(['--runs', join(root, 'runs'), '--static', join(root, 'static')]);
    const session = sessionProcesses().find((pid) => !before.has(pid));
    expect(session).toBeDefined();
    return { server, session: session! };
  }

  const gone = (pid: number) => expect.poll(() => procStat(pid), { timeout: 30_000, interval: 100 }).toBeNull();

  it('ends it when the server is stopped (SIGTERM)', async () => {
    const { server, session } = await serverWithSession();
    await server.stop();
    await gone(session);
  }, 60_000);

  it('ends it when the server is killed outright (SIGKILL): it sees its channel close', async () => {
    const { server, session } = await serverWithSession();
    const serverPid = procStat(session)!.ppid;
    process.kill(serverPid, 'SIGKILL');
    await gone(session);
    await server.stop();
  }, 60_000);
});
