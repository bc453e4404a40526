/**
 * Renders a contact sheet of an env's frames under a random policy (and its 84x84 pixel observation) to a
 * PNG, to look at a game the way a person watching a clip would.
 *   npx tsx scripts/frames.ts Pong [--every 25] [--count 12] [--seed 1] [--out frames-Pong.png]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { makeEnv } from '../src/env/index.js';
import { encodePng } from './lib/png.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    every: { type: 'string', default: '25' },
    count: { type: 'string', default: '12' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
  },
});
const id = positionals[0] ?? 'Pong';
const every = Number(values.every);
const count = Number(values.count);
const env = makeEnv(id, { obsType: 'pixels' });
env.reset({ seed: Number(values.seed) });
const W = 160;
const H = 210;
const cols = 4;
const rows = Math.ceil(count / cols);
// Each tile: the 160x210 frame, and beside it the newest 84x84 observation plane, scaled 1:1.
const tileW = W + 84 + 8;
const sheet = new Uint8ClampedArray(cols * tileW * rows * (H + 8) * 4);
const sheetW = cols * tileW;
let step = 0;
for (let t = 0; t < count; t++) {
  for (let i = 0; i < every; i++) {
    const r = env.step(Math.floor(Math.random() * env.actionSpace.n));
    step++;
    if (r.terminated || r.truncated) env.reset();
  }
  const frame = env.render();
  const obs = env.obs;
  const ox = (t % cols) * tileW;
  const oy = Math.floor(t / cols) * (H + 8);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const s = (y * W + x) * 4;
      const d = ((oy + y) * sheetW + ox + x) * 4;
      sheet.set(frame.subarray(s, s + 4), d);
    }
  }
  for (let y = 0; y < 84; y++) {
    for (let x = 0; x < 84; x++) {
      const v = obs[(y * 84 + x) * 4 + 3];
      const d = ((oy + y) * sheetW + ox + W + 4 + x) * 4;
      sheet.set([v, v, v, 255], d);
    }
  }
}
const out = values.out ?? `frames-${id}.png`;
writeFileSync(out, encodePng(sheet, sheetW, rows * (H + 8)));
console.log(`wrote ${out} (${count} frames, every ${every} agent steps, ${step} steps)`);
