import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VectorEnv } from '../../src/env/vector-env.js';
import { type Clip, randomPolicyClips } from '../../src/learning/preferences/clips.js';
import { LabelingError, LabelingSession } from '../../src/session/labeling.js';

const OPTIONS = { members: 3, valFraction: 1 / Math.E, maxLabels: 3000, seed: 1, lockMs: 60_000 };

function setup(now?: () => number) {
  const dir = mkdtempSync(join(tmpdir(), 'labeling-'));
  const session = LabelingSession.open(dir, { ...OPTIONS, now });
  const clips = randomPolicyClips(VectorEnv.make('Pong', 2), 6, { length: 10, every: 5, seed: 1 }, () => session.newClipId());
  return { dir, session, clips };
}

const pairs = (clips: Clip[]): [Clip, Clip][] => [
  [clips[0], clips[1]],
  [clips[2], clips[3]],
  [clips[4], clips[5]],
  [clips[0], clips[2]],
];

const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n');

describe('labeling session', () => {
  it('hands out pairs, stores each answer on disk before acknowledging it, and feeds the dataset', () => {
    const { dir, session, clips } = setup();
    const ids = session.request(pairs(clips));
    expect(ids).toEqual(['p0', 'p1', 'p2', 'p3']);
    // The clips are on disk before any pair is handed out.
    expect(lines(join(dir, 'clips.jsonl'))).toHaveLength(1 + 6);
    const q = session.next('ann')!;
    expect(q.pairId).toBe('p0');
    expect(q.left.id).toBe(clips[0].id);
    const label = session.answer('p0', 'left', 'ann');
    expect(label).toMatchObject({ pairId: 'p0', answer: 'left', labeler: 'ann' });
    const stored = lines(join(dir, 'labels.jsonl'));
    expect(stored).toHaveLength(2);
    expect(JSON.parse(stored[1])).toMatchObject({ type: 'label', pairId: 'p0', answer: 'left', labeler: 'ann' });
    expect(session.dataset.size).toBe(1);
    session.answer('p1', 'cant-tell', 'ann');
    expect(session.dataset.size).toBe(1); // kept on record, not trained on
    expect(session.progress()).toMatchObject({ labels: 2, trainable: 1, pending: 2, asked: 4 });
  });

  it('rejects unknown pairs, second answers, bad answers and an undo with nothing to undo, storing nothing', () => {
    const { dir, session, clips } = setup();
    session.request(pairs(clips));
    session.answer('p0', 'right', 'ann');
    const before = readFileSync(join(dir, 'labels.jsonl'), 'utf8');
    expect(() => session.answer('p9', 'left', 'ann')).toThrow(/unknown pair "p9"/);
    expect(() => session.answer('p0', 'left', 'ann')).toThrow(/pair p0 is already answered \("right" by ann\)/);
    expect(() => session.answer('p1', 'maybe' as never, 'ann')).toThrow(/answer must be one of left, right, equal, cant-tell, got "maybe"/);
    expect(() => session.answer('p1', 'left', '')).toThrow(/labeler/);
    expect(() => session.undo('bob')).toThrow(LabelingError);
    expect(() => session.change('p3', 'left', 'ann')).toThrow(/pair "p3" has no answer to change/);
    expect(() => session.request([[clips[1], clips[0]]])).toThrow(/already asked/);
    expect(readFileSync(join(dir, 'labels.jsonl'), 'utf8')).toBe(before);
    expect(session.labels()).toHaveLength(1);
  });

  it('undoes the last answer (the pair comes back first), and only once', () => {
    const { session, clips } = setup();
    session.request(pairs(clips));
    session.answer('p0', 'left', 'ann');
    session.answer('p1', 'equal', 'ann');
    expect(session.undo('ann').pairId).toBe('p1');
    expect(session.dataset.train.concat(session.dataset.heldOut).map((c) => c.pairId)).toEqual(['p0']);
    expect(session.next('ann')!.pairId).toBe('p1');
    expect(session.undo('ann').pairId).toBe('p0');
    expect(() => session.undo('ann')).toThrow(/no answer to undo/);
    session.answer('p1', 'right', 'ann');
    expect(session.labels().map((l) => [l.pairId, l.answer])).toEqual([['p1', 'right']]);
  });

  it('changes an answer from the history', () => {
    const { session, clips } = setup();
    session.request(pairs(clips));
    session.answer('p0', 'left', 'ann');
    session.change('p0', 'right', 'bob');
    expect(session.labels()[0]).toMatchObject({ pairId: 'p0', answer: 'right', labeler: 'bob' });
    const c = [...session.dataset.train, ...session.dataset.heldOut].find((x) => x.pairId === 'p0')!;
    expect(c.target).toBe(0);
  });

  it('locks a pair for the labeler it was handed to until it is answered or the lock runs out', () => {
    let t = 1_000_000;
    const { session, clips } = setup(() => t);
    session.request(pairs(clips).slice(0, 2));
    expect(session.next('ann')!.pairId).toBe('p0');
    expect(session.next('bob')!.pairId).toBe('p1');
    expect(session.next('cat')).toBeNull();
    expect(session.next('ann')!.pairId).toBe('p0'); // their own pair again
    expect(() => session.answer('p0', 'left', 'bob')).toThrow(/being labelled by ann/);
    t += 60_001;
    expect(session.next('cat')!.pairId).toBe('p0');
  });

  it('reopens from disk with the same labels, dataset and ids, continuing after the last ones', () => {
    const { dir, session, clips } = setup();
    session.request(pairs(clips));
    session.answer('p0', 'left', 'ann');
    session.answer('p1', 'right', 'ann');
    session.undo('ann');
    session.answer('p2', 'equal', 'bob');
    session.change('p0', 'right', 'bob');
    const again = LabelingSession.open(dir, OPTIONS);
    expect(again.labels()).toEqual(session.labels());
    const key = (s: LabelingSession) => [...s.dataset.train, ...s.dataset.heldOut].map((c) => [c.pairId, c.target, c.heldOut, Array.from(c.counts)]);
    expect(key(again)).toEqual(key(session));
    // The clips' observations come back by re-simulating their records.
    expect(again.clip(clips[0].id).obs).toEqual(clips[0].obs);
    expect(again.newClipId()).toBe('c6');
    expect(again.askedPairs.size).toBe(3); // p3 was asked but never answered: it is not on disk
    const [next] = again.request([[clips[1], clips[3]]]);
    expect(next).toBe('p3');
  });
});
