/**
 * Env speed: agent steps per second of a VectorEnv of 16 copies (as the A2C learner steps them) under a
 * random policy, per game and observation type, frame skip 4, sticky actions 0.25, one thread.
 */
import { listEnvs } from '../src/env/index.js';
import { Rng } from '../src/env/rng.js';
import { VectorEnv } from '../src/env/vector-env.js';
import { formatRate, median, rate } from './stats.js';

const NUM_ENVS = 16;

export interface EnvBenchRow {
  env: string;
  ram: number;
  pixels: number;
}

function stepsPerSecond(id: string, obsType: 'ram' | 'pixels', seconds: number): number {
  const vec = VectorEnv.make(id, NUM_ENVS, { obsType });
  vec.reset({ seed: 1 });
  const rng = new Rng(2);
  const actions = Array.from({ length: 1024 }, () => Int32Array.from({ length: NUM_ENVS }, () => rng.int(vec.actionSpace.n)));
  let t = 0;
  const batch = obsType === 'ram' ? 256 : 16;
  return rate(() => {
    for (let i = 0; i < batch; i++) vec.step(actions[t++ & 1023]);
    return batch * NUM_ENVS;
  }, seconds);
}

export function benchEnvs(runs: number, seconds: number, log: (line: string) => void, ids = listEnvs()): EnvBenchRow[] {
  const rows: EnvBenchRow[] = [];
  log(`| env | ram steps/s | pixels steps/s |`);
  log(`|---|---:|---:|`);
  for (const id of ids) {
    const ram: number[] = [];
    const pixels: number[] = [];
    stepsPerSecond(id, 'ram', 0.2); // warm up the JIT
    for (let r = 0; r < runs; r++) {
      ram.push(stepsPerSecond(id, 'ram', seconds));
      pixels.push(stepsPerSecond(id, 'pixels', seconds));
    }
    const row = { env: id, ram: median(ram), pixels: median(pixels) };
    rows.push(row);
    log(`| ${id} | ${formatRate(row.ram)} | ${formatRate(row.pixels)} |`);
  }
  return rows;
}
