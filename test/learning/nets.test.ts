import { beforeAll, describe, expect, it } from 'vitest';
import { createCnnActorCritic, createMlpActorCritic } from '../../src/learning/nets.js';
import { initTf, tf } from '../../src/learning/tf.js';

beforeAll(async () => {
  await initTf();
});

describe('actor-critic networks', () => {
  it('MLP: logits per action and one value per observation', () => {
    const net = createMlpActorCritic(10, 6, [64, 64], 1);
    const out = tf.tidy(() => {
      const { logits, values } = net.forward(tf.zeros([3, 10]));
      return [logits, values];
    });
    expect(out[0].shape).toEqual([3, 6]);
    expect(out[1].shape).toEqual([3]);
    tf.dispose(out);
    // A shared trunk of two layers and one head for logits and value: weight and bias each.
    expect(net.variables).toHaveLength(6);
    net.dispose();
  });

  it('MLP: a nearly uniform first policy (policy head gain 0.01)', () => {
    const net = createMlpActorCritic(4, 3, [64, 64], 2);
    const probs = tf.tidy(() => tf.softmax(net.forward(tf.randomNormal([5, 4], 0, 1, 'float32', 3)).logits).dataSync());
    for (const p of probs) expect(Math.abs(p - 1 / 3)).toBeLessThan(0.02);
    net.dispose();
  });

  it('CNN: the Nature trunk on 84x84x4 gives logits and values', () => {
    const net = createCnnActorCritic([84, 84, 4], 4, 1);
    const out = tf.tidy(() => {
      const { logits, values } = net.forward(tf.zeros([2, 84 * 84 * 4]));
      return [logits, values];
    });
    expect(out[0].shape).toEqual([2, 4]);
    expect(out[1].shape).toEqual([2]);
    tf.dispose(out);
    net.dispose();
  });

  it('round-trips weights', () => {
    const a = createMlpActorCritic(5, 2, [8], 1);
    const b = createMlpActorCritic(5, 2, [8], 2);
    b.setWeights(a.getWeights());
    const x = tf.randomNormal([4, 5], 0, 1, 'float32', 9) as tf.Tensor2D;
    const ya = tf.tidy(() => a.forward(x).logits.dataSync());
    const yb = tf.tidy(() => b.forward(x).logits.dataSync());
    expect(Array.from(yb)).toEqual(Array.from(ya));
    expect(() => b.setWeights(a.getWeights().slice(1))).toThrow(/expected 4 weight arrays, got 3/);
    tf.dispose(x);
    a.dispose();
    b.dispose();
  });

  it('validate their arguments', () => {
    expect(() => createMlpActorCritic(0, 6)).toThrow(/obsSize/);
    expect(() => createMlpActorCritic(10, 0)).toThrow(/numActions/);
    expect(() => createMlpActorCritic(10, 6, [64, 0])).toThrow(/hidden\[1\]/);
    expect(() => createCnnActorCritic([0, 84, 4], 6)).toThrow(/height/);
    expect(() => createCnnActorCritic([84, 84], 6)).toThrow(/height x width x channels/);
    expect(() => createCnnActorCritic([20, 20, 4], 6)).toThrow(/too small/);
  });
});
