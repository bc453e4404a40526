/**
 * `npm run bench`: the project's speed figures, as medians of several runs.
 *   npm run bench -- [--only env|a2c|reward|app|app-remote] [--runs 5] [--seconds 1] [--training-priority low|normal]
 *                    [--labelers 1]   (app-remote: people labelling at once)
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { parseTrainingPriority } from '../src/host/priority.js';
import type { PlaybackRates } from '../src/renderer/src/player/playback.js';
import { benchA2C } from './a2c.js';
import type { LoopFigures } from './app-harness.js';
import { benchAppRemote } from './app-remote.js';
import { benchApp } from './app.js';
import { benchEnvs } from './env.js';
import { benchReward } from './reward.js';

const SECTIONS = ['env', 'a2c', 'reward', 'app', 'app-remote'] as const;

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    runs: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '1' },
    // The app sections' session process against the server's, as npm run serve takes it.
    'training-priority': { type: 'string', default: 'normal' },
    // The app-remote section's people labelling one run at once, each over a WebSocket of their own.
    labelers: { type: 'string', default: '1' },
  },
});
const runs = Number(values.runs);
const seconds = Number(values.seconds);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
const labelers = Number(values.labelers);
if (!Number.isInteger(labelers) || labelers < 1) throw new Error(`--labelers must be a positive integer, got ${values.labelers}`);
if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got ${values.seconds}`);
if (values.only !== undefined && !SECTIONS.includes(values.only as never)) {
  throw new Error(`unknown section --only ${values.only}; known: ${SECTIONS.join(', ')}`);
}
const trainingPriority = parseTrainingPriority(values['training-priority']);
const want = (s: string) => values.only === undefined || values.only === s;

console.log(`rlhf-arcade bench: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}`);
console.log(`median of ${runs} runs of ${seconds} s each\n`);
if (want('env')) {
  console.log('Env agent steps/s (VectorEnv of 16, random policy, frameSkip 4, sticky 0.25, one thread):\n');
  benchEnvs(runs, seconds, (line) => console.log(line));
  console.log('');
}
if (want('a2c')) {
  console.log('Learner agent steps/s (env stepping, inference and updates together):\n');
  console.log('| what | backend | steps/s |');
  console.log('|---|---|---:|');
  await benchA2C(runs, Math.max(seconds, 3), (line) => console.log(line));
}
if (want('reward')) {
  console.log('\nReward-model time (median of the runs):\n');
  console.log('| what | backend | time |');
  console.log('|---|---|---:|');
  await benchReward(runs, (line) => console.log(line));
}
if (want('app')) {
  console.log(`\nThe app in browser mode (Chromium, software WebGL), while the session trains at ${trainingPriority} priority:\n`);
  const f = await benchApp(40, trainingPriority);
  const play = (p: PlaybackRates) =>
    `${p.fps.toFixed(1)} frames/s (${p.skippedPerSecond.toFixed(1)} skipped/s, ${p.frozenSeconds.toFixed(1)} s frozen; ${p.rafPerSecond.toFixed(1)} animation frames/s; ${p.shownPerSecond.toFixed(1)} frames/s with the end holds)`;
  console.log('| what | measured | target |');
  console.log('|---|---:|---:|');
  console.log(`| key press to the next pair on screen, p95 (median) over ${f.answers} answers | ${f.answerToPairP95.toFixed(1)} ms (${f.answerToPairMedian.toFixed(1)} ms) | < 100 ms |`);
  console.log(`| clip playback while a clip plays, ${f.playback.seconds.toFixed(0)} s of one pair during ${f.playbackTrainingSteps.toLocaleString()} training steps | ${play(f.playback)} | 60 |`);
  console.log(`| clip playback while labelling (a new pair every ~0.4 s), ${f.playbackLabelling.seconds.toFixed(0)} s | ${play(f.playbackLabelling)} | 60 |`);
  loopRows(f.loop, f.trainingSteps, f.measuredSeconds);
}
if (want('app-remote')) {
  const who = labelers === 1 ? 'the labeler' : `${labelers} labelers at once`;
  console.log(`\nThe app in browser mode with ${who} on other machines (WebSocket clients, no browser here), while the session trains at ${trainingPriority} priority:\n`);
  const f = await benchAppRemote(30, trainingPriority, labelers);
  console.log('| what | measured | target |');
  console.log('|---|---:|---:|');
  console.log(
    `| answer sent to the pair after the next received, p95 (median) over ${f.answers - f.notReady} of ${f.answers} answers (${f.notReady} found none ready yet) | ${f.answerToPairP95.toFixed(1)} ms (${f.answerToPairMedian.toFixed(1)} ms) | |`,
  );
  loopRows(f.loop, f.trainingSteps, f.measuredSeconds);
  console.log(`\n${f.clips} clip records fetched to replay labels, ${f.events} events pushed to ${who}; the client${labelers === 1 ? '' : 's'} used ${f.clientCpuMs.toFixed(0)} ms of CPU; no pair answered twice`);
}

/** The relaying process's event-loop rows both app sections print, and how the session was scheduled. */
function loopRows(loop: LoopFigures, trainingSteps: number, measuredSeconds: number): void {
  console.log(`| relaying process event loop, longest stall (p99) during ${trainingSteps.toLocaleString()} training steps in ${measuredSeconds.toFixed(0)} s | ${loop.maxMs.toFixed(1)} ms (${loop.p99Ms.toFixed(1)} ms) | < 50 ms |`);
  if (loop.waitMs !== null) console.log(`| relaying thread's time waiting for a core, in all | ${loop.waitMs.toFixed(0)} ms | |`);
  if (loop.session !== null) console.log(`\nsession process: ${loop.session}`);
}
