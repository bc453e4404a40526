/**
 * Crash safety, for real: a training process of a preference run (synthetic teacher) is killed with SIGKILL
 * while it labels and trains, then resumed with --resume. Every label acknowledged before the kill must be on
 * disk afterwards exactly once, the resumed run must reach its target from its checkpoint, and it must go on
 * from where the checkpoint says (no second pretraining, the labels given after the checkpoint used, none
 * asked twice).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pairKey } from '../../src/learning/preferences/query.js';
import { loadCheckpoint } from '../../src/session/trainer.js';

const LABELS = 120;
const INITIAL = 24; // 20% of the budget, before RL
const STEPS = 12_000;

function train(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, out, err })),
  );
  return { child, done };
}

function newRun(dir: string, checkpointEvery: number) {
  return train([
    ...['--env', 'Pong', '--reward', 'preferences', '--teacher', 'oracle', '--seed', '1', '--out', dir],
    ...['--steps', String(STEPS), '--labels', String(LABELS), '--initial-fraction', '0.2', '--pretrain-epochs', '50', '--label-decay-steps', '2000'],
    ...['--num-envs', '8', '--hidden', '16', '--clip-length', '10', '--log-every', '1000', '--checkpoint-every', String(checkpointEvery)],
  ]);
}

const lines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').slice(1, -1) : []);

/** Polls until `ready` holds, then SIGKILLs the process; fails if it ends by itself first. */
async function killWhen(run: ReturnType<typeof train>, ready: () => boolean): Promise<void> {
  let exited = false;
  void run.done.then(() => (exited = true));
  while (!ready()) {
    if (exited) throw new Error(`the run ended before the kill point:\n${(await run.done).err}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  run.child.kill('SIGKILL');
  expect((await run.done).signal).toBe('SIGKILL');
}

/** Every acknowledged label line is still there, once; pair ids, clip ids and clip pairs are unique. */
function expectLabelsKept(dir: string, before: string[]): { events: Record<string, unknown>[] } {
  const after = lines(join(dir, 'labels.jsonl'));
  const counts = new Map<string, number>();
  for (const l of after) counts.set(l, (counts.get(l) ?? 0) + 1);
  for (const l of before) expect(counts.get(l), `label line lost or duplicated: ${l}`).toBe(1);
  expect(after.slice(0, before.length)).toEqual(before); // appended, never rewritten
  const events = after.map((l) => JSON.parse(l) as { pairId: string; left: string; right: string });
  expect(new Set(events.map((e) => e.pairId)).size).toBe(events.length);
  expect(new Set(events.map((e) => pairKey(e.left, e.right))).size).toBe(events.length);
  const clips = lines(join(dir, 'clips.jsonl')).map((l) => JSON.parse(l) as { id: string });
  expect(new Set(clips.map((c) => c.id)).size).toBe(clips.length);
  const ids = new Set(clips.map((c) => c.id));
  expect(events.every((e) => ids.has(e.left) && ids.has(e.right))).toBe(true);
  return { events: events as never };
}

describe('SIGKILL during a preference run, then --resume', () => {
  it('keeps every acknowledged label, resumes from the checkpoint without pretraining again, and finishes', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kill-')), 'run');
    const labelsPath = join(dir, 'labels.jsonl');
    const checkpointPath = join(dir, 'checkpoints', 'latest.ckpt');
    // Killed during RL once labels have been given after a checkpoint (they are on disk, not in the checkpoint).
    const labelledAfterCheckpoint = () => {
      if (!existsSync(checkpointPath)) return false;
      const last = lines(labelsPath).at(-1);
      return last !== undefined && JSON.parse(last).step > loadCheckpoint(checkpointPath).meta.state.steps;
    };
    await killWhen(newRun(dir, 2000), labelledAfterCheckpoint);
    const before = lines(labelsPath);
    const ckpt = loadCheckpoint(checkpointPath);
    const ckptSteps = ckpt.meta.state.steps;
    expect(ckptSteps).toBeGreaterThan(0);
    expect(ckptSteps).toBeLessThan(STEPS);
    expect(ckpt.preferences?.pretrained).toBe(true);
    expect(before.filter((l) => JSON.parse(l).step > ckptSteps).length).toBeGreaterThan(0);
    // The killed process's lock is left behind; the resume finds its holder gone and takes it over.
    expect(JSON.parse(readFileSync(join(dir, 'run.lock'), 'utf8')).what).toBe('training');

    const resumed = await train(['--out', dir, '--resume']).done;
    expect(resumed.err).not.toMatch(/error/);
    expect(resumed.code).toBe(0);
    expect(existsSync(join(dir, 'run.lock'))).toBe(false); // released at exit
    expect(resumed.out).toMatch(new RegExp(`resuming Pong .* ${ckptSteps.toLocaleString()} of ${STEPS.toLocaleString()} steps done`));
    expect(resumed.out).toMatch(new RegExp(`done: ${STEPS.toLocaleString()} steps`));

    const { events } = expectLabelsKept(dir, before);
    expect(events).toHaveLength(LABELS); // the budget, not a label more: nothing was asked twice
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const steps = metrics.map((m) => m.steps as number);
    expect(steps).toEqual([...new Set(steps)].sort((a, b) => a - b)); // lines past the checkpoint were dropped once
    expect(steps.at(-1)).toBe(STEPS);
    // The first line after the resume: every label on disk is used (those given after the checkpoint too),
    // and the reward model went on from its checkpointed steps: a minibatch per 1,000 agent steps, not a
    // second pretraining (50 epochs, at least 50 steps).
    const first = metrics.find((m) => m.steps > ckptSteps)!;
    expect(first.labelsUsed).toBeGreaterThanOrEqual(before.length);
    expect(first.rewardModelSteps - ckpt.rewardModel!.trainSteps).toBeLessThanOrEqual(Math.ceil((first.steps - ckptSteps) / 1000) + 1);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ steps: STEPS, labelsUsed: LABELS });
  }, 90_000);

  it('killed before the first checkpoint: starts over, keeps the labels on disk and does not ask for them again', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kill-')), 'run');
    const labelsPath = join(dir, 'labels.jsonl');
    // The only checkpoint would come at the end; killed once the first labels are in.
    await killWhen(newRun(dir, 1_000_000), () => lines(labelsPath).length >= INITIAL);
    expect(existsSync(join(dir, 'checkpoints', 'latest.ckpt'))).toBe(false);
    const before = lines(labelsPath);

    const resumed = await train(['--out', dir, '--resume']).done;
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(new RegExp(`resuming Pong .* 0 of ${STEPS.toLocaleString()} steps done`));
    const { events } = expectLabelsKept(dir, before);
    expect(events).toHaveLength(LABELS);
    // The initial labels were not asked again: as many step-0 labels as the initial share, no more.
    expect(events.filter((e) => e.step === 0)).toHaveLength(INITIAL);
  }, 90_000);
});
