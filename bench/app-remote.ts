/**
 * The relaying process's event loop with the labeler on another machine, as browser mode is meant to be used
 * (several people labelling one run over a network): no browser here, only a client speaking the WebSocket
 * API as the renderer's Compare view does (the next pair and the one after it, an answer every 1-2 s, now and
 * then a label's clips fetched to replay as the History view does), while the same Pong run trains. The
 * stall figures are app.ts's, from the same server process; here nothing on this machine draws clips.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/env/rng.js';
import type { TrainingPriority } from '../src/host/priority.js';
import type { AnswerValue, Api, HostEvent, PairView } from '../src/shared/api.js';
import { BENCH_RUN, connectApi, type LoopFigures, startBenchServer } from './app-harness.js';
import { quantile } from './stats.js';

export interface RemoteFigures {
  /** Answer sent → the next pair after the one now shown received (the answer's and the prefetch's round trips). */
  answerToPairP95: number;
  answerToPairMedian: number;
  /** Answers given, and how many of them found no further pair ready yet (left out of the latencies). */
  answers: number;
  /** People labelling at once, each on a WebSocket of their own. */
  labelers: number;
  notReady: number;
  /** Clip records fetched to replay a label, and events the server pushed to the labelers. */
  clips: number;
  events: number;
  /** CPU time this client (the bench's own process) used while measured: it shares the cores, but lightly. */
  clientCpuMs: number;
  loop: LoopFigures;
  /** Training steps from the run's creation to the end of the labelling, which took `measuredSeconds`. */
  trainingSteps: number;
  measuredSeconds: number;
}

const ANSWERS: AnswerValue[] = ['left', 'right', 'equal'];
/** A person's pace: each answer 1-2 s after the pair appeared. */
const THINK_MS = [1000, 2000] as const;
/** Every this many answers the labeler replays their newest label (history, then both clips). */
const REPLAY_EVERY = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The next pair for this labeler, waiting (as the Compare view does, on pushed events) until one is ready. */
async function pairWhenReady(api: Api, waiting: { wake: () => void }): Promise<PairView> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    const pair = await api.nextPair();
    if (pair !== null) return pair;
    if (performance.now() > deadline) throw new Error('no pair to label within 60 s');
    await new Promise<void>((resolve) => {
      waiting.wake = resolve;
      setTimeout(resolve, 1000);
    });
  }
}

/** What one labeler did: its answer round trips, answers that found no pair after the next ready, clips fetched, pairs answered. */
interface LabelerLog {
  latencies: number[];
  notReady: number;
  clips: number;
  answered: string[];
}

/** One labeler at a person's pace, as the Compare view works: the pair shown, the one after it prefetched. */
async function label(api: Api, waiting: { wake: () => void }, answers: number, rng: Rng): Promise<LabelerLog> {
  const log: LabelerLog = { latencies: [], notReady: 0, clips: 0, answered: [] };
  let current = await pairWhenReady(api, waiting);
  let next = await api.nextPair({ exclude: [current.pairId] });
  for (let i = 0; i < answers; i++) {
    await sleep(rng.range(...THINK_MS));
    const t0 = performance.now();
    await api.answer({ pairId: current.pairId, answer: ANSWERS[i % ANSWERS.length] });
    log.answered.push(current.pairId);
    // What the Compare view shows now is the prefetched pair; it fetches the one after it.
    const shown = next ?? (await api.nextPair());
    next = shown === null ? null : await api.nextPair({ exclude: [shown.pairId] });
    if (shown !== null && next !== null) log.latencies.push(performance.now() - t0);
    else log.notReady++;
    current = shown ?? (await pairWhenReady(api, waiting));
    if ((i + 1) % REPLAY_EVERY === 0) {
      const newest = (await api.history()).at(-1);
      if (newest !== undefined) {
        await Promise.all([api.clip({ id: newest.left }), api.clip({ id: newest.right })]);
        log.clips += 2;
      }
    }
  }
  return log;
}

/**
 * `labels` answers in all from `labelers` people labelling at once, each on a connection of their own. A pair
 * answered by two of them would be an error of the server's pair locks, and fails the bench.
 */
export async function benchAppRemote(labels = 30, trainingPriority: TrainingPriority = 'normal', labelers = 1): Promise<RemoteFigures> {
  // The server insists on a renderer to serve; a labeler elsewhere loads it once, before anything measured here.
  const page = mkdtempSync(join(tmpdir(), 'bench-app-page-'));
  writeFileSync(join(page, 'index.html'), '<!doctype html><title>rlhf-arcade</title>\n');
  const runs = mkdtempSync(join(tmpdir(), 'bench-app-runs-'));
  const server = await startBenchServer(runs, page, trainingPriority);
  try {
    let events = 0;
    const people = await Promise.all(
      Array.from({ length: labelers }, async (_, k) => {
        const connection = await connectApi(server.url, labelers === 1 ? 'remote' : `remote-${k + 1}`);
        const waiting = { wake: () => {} };
        connection.onEvent((e: HostEvent) => {
          events++;
          if (e.type === 'labels' || (e.type === 'progress' && (e.data.preferences?.pending ?? 0) > 0)) waiting.wake();
        });
        return { connection, waiting };
      }),
    );
    const { api } = people[0].connection;
    await api.appInfo();
    await api.createRun(BENCH_RUN);
    await Promise.all(people.slice(1).map((p) => p.connection.api.openRun({ name: BENCH_RUN.name })));
    server.measure();
    const measureStart = performance.now();
    const cpuStart = process.cpuUsage();
    await api.progress();
    const logs = await Promise.all(
      people.map((p, k) => label(p.connection.api, p.waiting, Math.floor(labels / labelers) + (k < labels % labelers ? 1 : 0), new Rng(k + 1))),
    );
    const trainingSteps = (await api.status())?.steps ?? 0;
    const measuredSeconds = (performance.now() - measureStart) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    for (const p of people) p.connection.close();
    const loop = await server.stop();
    const answered = logs.flatMap((l) => l.answered);
    if (new Set(answered).size !== answered.length) throw new Error(`a pair was answered by two labelers: ${answered.filter((id, i) => answered.indexOf(id) !== i).join(', ')}`);
    const latencies = logs.flatMap((l) => l.latencies).sort((a, b) => a - b);
    return {
      answerToPairP95: quantile(latencies, 0.95),
      answerToPairMedian: quantile(latencies, 0.5),
      answers: labels,
      labelers,
      notReady: logs.reduce((n, l) => n + l.notReady, 0),
      clips: logs.reduce((n, l) => n + l.clips, 0),
      events,
      clientCpuMs: (cpu.user + cpu.system) / 1000,
      loop,
      trainingSteps,
      measuredSeconds,
    };
  } finally {
    server.kill();
    rmSync(page, { recursive: true, force: true });
    rmSync(runs, { recursive: true, force: true });
  }
}
