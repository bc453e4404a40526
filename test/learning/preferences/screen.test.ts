import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/env/rng.js';
import { type ClipData, PreferenceDataset } from '../../../src/learning/preferences/dataset.js';
import { LabelScreen } from '../../../src/learning/preferences/screen.js';
import { currentLabels, type LabelEvent, LABELS_FORMAT, reviewedPairs } from '../../../src/store/labels.js';

const clip = (id: string): ClipData => ({ id, obs: new Float32Array(2), next: new Float32Array(2), actions: new Int32Array(1), trueReturn: 0 });

describe("label screen (RIME's denoising discriminator)", () => {
  it('trusts every label at the first screening, then keeps running statistics of the trusted losses', () => {
    const s = new LabelScreen(2);
    expect(s.beta).toBe(3);
    expect(s.threshold).toBeCloseTo(-Math.log(1e-8) + 3, 6); // ρ = 0: nothing measured yet
    expect([...s.screen(['a', 'b', 'c', 'd'], [0.1, 0.3, 2.9, 3.0], [false, false, false, true])]).toEqual([]);
    // Trusted 0.1, 0.3, 2.9 (d is exempt): mean 1.1, variance (1 + 0.64 + 3.24) / 3, max 0 + 0.1 * (2.9 - 0).
    expect(s.getState()).toMatchObject({ screenings: 1, count: 3, distrusted: [] });
    expect(s.getState().mean).toBeCloseTo(0.11, 10);
    expect(s.getState().variance).toBeCloseTo(4.88 / 3, 10);
    expect(s.getState().max).toBeCloseTo(0.29, 10);
    // β has fallen halfway (3 -> 1 over 2 screenings), the variance term is capped at 3.
    expect(s.beta).toBe(2);
    expect(s.threshold).toBeCloseTo(-Math.log(0.29) + 0.5 * 0.29 + 3, 6);
  });

  it('distrusts a label whose loss reaches the threshold, exempts the exempt, and pools the trusted into its statistics', () => {
    const s = new LabelScreen(5);
    s.setState({ max: 0.5, mean: 0.2, variance: 0.01, count: 100, screenings: 10, distrusted: [] });
    expect(s.beta).toBe(1);
    const tau = -Math.log(0.5) + 0.25 + 0.01; // 0.9531
    expect(s.threshold).toBeCloseTo(tau, 6);
    const distrusted = s.screen(['a', 'b', 'c', 'd', 'e'], [0.2, 0.9, 1.0, 2.5, 3.0], [false, false, false, false, true]);
    expect([...distrusted].sort()).toEqual(['c', 'd']);
    expect(s.distrusted).toBe(distrusted);
    // Trusted 0.2 and 0.9: mean 0.55, variance 0.1225; pooled with the 100 before, the mean and max moving at 0.1.
    const st = s.getState();
    expect(st.count).toBe(102);
    expect(st.variance).toBeCloseTo((0.01 * 100 + 0.1225 * 2 + (0.35 ** 2 * 100 * 2) / 102) / 102, 10);
    expect(st.mean).toBeCloseTo(0.235, 10);
    expect(st.max).toBeCloseTo(0.54, 10);
    expect(st.screenings).toBe(11);
    // A later screening that trusts them again gives them back.
    expect([...s.screen(['c', 'd'], [0.1, 0.2], [false, false])]).toEqual([]);
  });

  it('refuses mismatched inputs and bad states, naming what is wrong', () => {
    const s = new LabelScreen(1);
    expect(() => s.screen(['a'], [0.1, 0.2], [false])).toThrow(/one loss and one exemption per label/);
    expect(() => new LabelScreen(0)).toThrow(/betaScreenings must be a positive integer, got 0/);
    expect(() => s.setState({ max: Number.NaN, mean: 0, variance: 1, count: 0, screenings: 0, distrusted: [] })).toThrow(/max must be a finite number/);
    expect(() => s.setState({ max: 0, mean: 0, variance: 1, count: 0, screenings: 0, distrusted: [3 as unknown as string] })).toThrow(/distrusted must list pair ids/);
  });

  it('keeps distrusted labels in the dataset but never samples them, until trusted again', () => {
    const d = new PreferenceDataset({ members: 3, valFraction: 0, maxLabels: 100, seed: 1 });
    for (let i = 0; i < 20; i++) d.add(`p${i}`, clip(`a${i}`), clip(`b${i}`), 'left');
    const out = new Set(['p0', 'p1', 'p2', 'p3', 'p4']);
    d.setDistrusted(out);
    expect(d.train).toHaveLength(20);
    expect(d.trainable.map((c) => c.pairId)).toEqual(d.train.map((c) => c.pairId).filter((id) => !out.has(id)));
    const rng = new Rng(4);
    for (let m = 0; m < 3; m++) expect(d.sample(m, 500, rng).some((c) => out.has(c.pairId))).toBe(false);
    d.setDistrusted(new Set());
    const seen = new Set(Array.from({ length: 3 }, (_, m) => d.sample(m, 2000, rng)).flat().map((c) => c.pairId));
    expect([...out].some((id) => seen.has(id))).toBe(true);
  });

  it('never leaves out an answer a person reviewed, and forgets the review when the label is undone or answered anew', () => {
    const d = new PreferenceDataset({ members: 3, valFraction: 0, maxLabels: 100, seed: 1 });
    for (let i = 0; i < 4; i++) d.add(`p${i}`, clip(`a${i}`), clip(`b${i}`), 'left');
    d.add('p1', clip('a1'), clip('b1'), 'left', true); // kept from the history
    d.setDistrusted(new Set(['p0', 'p1', 'p9']));
    expect(d.trainable.map((c) => c.pairId)).toEqual(['p1', 'p2', 'p3']);
    expect([d.isDistrusted('p0'), d.isDistrusted('p1'), d.isDistrusted('p9')]).toEqual([true, false, false]);
    expect([d.isReviewed('p0'), d.isReviewed('p1')]).toEqual([false, true]);

    // Withdrawn, a review ends: p1 is distrusted again, and a second withdrawal has nothing to withdraw.
    expect(d.unreview('p1')).toBe(true);
    expect(d.unreview('p1')).toBe(false);
    expect(d.unreview('p9')).toBe(false);
    expect(d.trainable.map((c) => c.pairId)).toEqual(['p2', 'p3']);
    expect(d.leftOut.map((c) => c.pairId)).toEqual(['p0', 'p1']);

    const at = (type: LabelEvent['type'], pairId: string, labeler: string, answer = 'left') =>
      (type === 'label'
        ? { type, pairId, left: 'c0', right: 'c1', answer, labeler, time: 't', step: 0 }
        : type === 'undo' || type === 'unreview'
          ? { type, pairId, labeler, time: 't' }
          : { type, pairId, answer, labeler, time: 't' }) as LabelEvent;
    const events = [
      at('label', 'p0', 'ann'),
      at('label', 'p1', 'ann'),
      at('label', 'p2', 'ann'),
      at('label', 'p3', 'teacher:oracle'),
      at('change', 'p0', 'bob', 'left'), // kept: the same answer
      at('change', 'p1', 'ann', 'right'),
      at('change', 'p2', 'ann', 'right'),
      at('undo', 'p2', 'ann'),
      at('label', 'p2', 'ann', 'left'),
      at('change', 'p3', 'teacher:oracle', 'right'), // a teacher's change is no second look
    ];
    expect([...reviewedPairs(events)].sort()).toEqual(['p0', 'p1']);
    // A withdrawn review ends it; the answer stays in effect, and a later change reviews it again.
    expect([...reviewedPairs([...events, at('unreview', 'p0', 'bob')])]).toEqual(['p1']);
    expect([...reviewedPairs([...events, at('unreview', 'p0', 'bob'), at('change', 'p0', 'bob')])].sort()).toEqual(['p0', 'p1']);
    expect(currentLabels([...events, at('unreview', 'p0', 'bob')]).get('p0')).toMatchObject({ answer: 'left', labeler: 'bob' });
    expect(() => currentLabels([at('unreview', 'p7', 'bob')])).toThrow('labels event 1: unreview of pair p7, which has no label');
    const dated = { ...at('unreview', 'p0', 'bob'), time: '2026-12-06T12:00:00.000Z' };
    expect(LABELS_FORMAT.check(dated)).toMatchObject({ type: 'unreview' });
    expect(() => LABELS_FORMAT.check({ ...dated, type: 'forget' })).toThrow('unknown label event type "forget"; known: label, undo, change, unreview');
  });
});
