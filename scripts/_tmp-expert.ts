import { join } from 'node:path';
import { makeEnv } from '../src/env/index.js';
import { Rng } from '../src/env/rng.js';
import { initTf, tf } from '../src/learning/tf.js';
import { createNet, envOptionsOf, loadCheckpoint } from '../src/session/trainer.js';
await initTf();
const ROWS = 3000;
for (const dir of process.argv.slice(2)) {
  const ck = loadCheckpoint(join(dir, 'checkpoints', 'latest.ckpt'));
  const config = ck.meta.config;
  const env = makeEnv(config.env, envOptionsOf(config));
  const A = env.actionSpace.n;
  const net = createNet(config, env.observationSpace.shape, env.observationSpace.size, A);
  net.setWeights(ck.weights);
  const rng = new Rng(7);
  let o = env.reset({ seed: 7 }).obs;
  let goodCount = 0, multi = 0, bothDirs = 0, ent = 0;
  const favourite = new Array(A).fill(0);
  const m = env.actionSpace.meanings;
  const R = m.indexOf('RIGHTFIRE'), L = m.indexOf('LEFTFIRE');
  for (let i = 0; i < ROWS; i++) {
    const logits = tf.tidy(() => net.forward(tf.tensor2d(o, [1, o.length])).logits.dataSync());
    const mx = Math.max(...logits);
    const ratio = Array.from(logits, (l) => Math.exp(l - mx));
    const z = ratio.reduce((a, b) => a + b, 0);
    ent -= ratio.reduce((s, r) => s + (r / z) * Math.log(r / z + 1e-12), 0) / ROWS;
    const good = ratio.filter((r) => r >= 0.5).length;
    goodCount += good / ROWS;
    if (good > 1) multi++;
    if (ratio[R] >= 0.5 && ratio[L] >= 0.5) bothDirs++;
    favourite[ratio.indexOf(1)]++;
    const r = env.step(Math.floor(rng.next() * A));
    o = r.terminated || r.truncated ? env.reset({ seed: 8 + i }).obs : r.obs;
  }
  console.log(`${dir.split('/').pop()}: entropy ${ent.toFixed(2)}, good actions/state ${goodCount.toFixed(2)}, >1 good ${(100 * multi / ROWS).toFixed(0)}%, both RIGHTFIRE and LEFTFIRE good ${(100 * bothDirs / ROWS).toFixed(0)}%; favourite ${m.map((x, a) => `${x} ${(100 * favourite[a] / ROWS).toFixed(0)}%`).join(' ')}`);
}
