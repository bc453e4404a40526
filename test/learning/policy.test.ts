import { describe, expect, it } from 'vitest';
import { makeEnv } from '../../src/env/index.js';
import { Rng } from '../../src/env/rng.js';
import { chooseAction } from '../../src/learning/policy.js';
import { actionShares, bestConstantPolicy, evaluatePolicy, randomPolicyReturns } from '../../src/session/evaluate.js';

describe('chooseAction', () => {
  it('takes the argmax when greedy and samples softmax(logits) otherwise', () => {
    const logits = [0, Math.log(3), 0]; // probabilities 0.2, 0.6, 0.2
    expect(chooseAction(logits, true, 0.99)).toBe(1);
    const rng = new Rng(1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 20_000; i++) counts[chooseAction(logits, false, rng.next())]++;
    expect(counts[0] / 20_000).toBeCloseTo(0.2, 1);
    expect(counts[1] / 20_000).toBeCloseTo(0.6, 1);
    expect(chooseAction(logits, false, 0)).toBe(0);
    expect(chooseAction(logits, false, 0.999999)).toBe(2);
  });
});

describe('evaluatePolicy', () => {
  it('plays whole episodes and returns their true returns, repeatably', () => {
    const always = (a: number) => () => a;
    const env = makeEnv('Pong');
    const a = evaluatePolicy(env, always(0), 2, 5);
    const b = evaluatePolicy(env, always(0), 2, 5);
    expect(a.returns).toEqual(b.returns);
    expect(a.returns.every((r) => r === -21)).toBe(true); // a paddle that never moves loses every point
    expect(a.lengths.every((l) => l > 100)).toBe(true);
    const random = randomPolicyReturns('Pong', 2, 1);
    expect(random.mean).toBeLessThan(-15);
  });

  it('finds the best constant action: no other action, always taken, scores more over the same episodes', () => {
    const best = bestConstantPolicy('SpaceInvaders', 2, 1000);
    const env = makeEnv('SpaceInvaders');
    expect(best.meaning).toBe(env.actionSpace.meanings[best.action]);
    expect(best.evaluation.returns).toEqual(evaluatePolicy(env, () => best.action, 2, 1000).returns);
    for (let a = 0; a < env.actionSpace.n; a++) expect(evaluatePolicy(env, () => a, 2, 1000).mean).toBeLessThanOrEqual(best.evaluation.mean);
    expect(best.evaluation.actionCounts[best.action]).toBe(best.evaluation.lengths.reduce((x, y) => x + y, 0));
    expect(best.meaning).toMatch(/FIRE/); // a cannon that never fires scores nothing
  });

  it('counts the actions the policy took, and gives their shares by name', () => {
    const env = makeEnv('Pong');
    let t = 0;
    const twoThirdsFire = () => (t++ % 3 === 0 ? 0 : 1); // NOOP, FIRE, FIRE, NOOP, ...
    const e = evaluatePolicy(env, twoThirdsFire, 1, 3);
    expect(e.actionCounts.reduce((a, b) => a + b, 0)).toBe(e.lengths[0]);
    expect(e.actionCounts[0]).toBe(Math.ceil(e.lengths[0] / 3));
    expect(e.actionCounts.slice(2).every((c) => c === 0)).toBe(true);
    const shares = actionShares(env, e.actionCounts);
    expect(Object.keys(shares)).toEqual(env.actionSpace.meanings);
    expect(shares.FIRE).toBeCloseTo(2 / 3, 2);
    expect(shares.NOOP + shares.FIRE).toBeCloseTo(1, 10);
  });
});
