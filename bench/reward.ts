/**
 * Reward-model speed, with `ram` (the 64-64 MLP) and `pixels` (Christiano et al.'s convolutional predictor):
 * one preference minibatch, as a run trains every 1,000 agent steps (every member on 32 labels of two 25-step
 * clips: 1,600 steps each), scoring one A2C update's 80 agent steps (16 envs x 5 steps), as the agent's
 * reward needs, and the label screen's pass over 80 training labels (`--screen-labels`: every label's loss under
 * the ensemble, once a pretraining epoch and at each evaluation). Then Deep TAMER's Ĥ(s, a) (one output per action) as live feedback uses it: the update on one
 * press's credited steps (57: the 3.8 s delay window at 15 steps/s), a replay minibatch (16), one greedy action,
 * and a renormalisation over the reference steps for every action (2,000 for ram, 500 for pixels: tamer.ts).
 * Clips of a random policy on Pong; the answers and presses do not matter to the speed.
 */
import type { ObsType } from '../src/env/core.js';
import { VectorEnv } from '../src/env/vector-env.js';
import { randomPolicyClips } from '../src/learning/preferences/clips.js';
import { PreferenceDataset, stackClips } from '../src/learning/preferences/dataset.js';
import { REWARD_MODEL_DEFAULTS, RewardModel } from '../src/learning/preferences/reward-model.js';
import { describeBackend, initTf } from '../src/learning/tf.js';
import { PIXEL_REWARD_HIDDEN } from '../src/session/trainer.js';
import { median } from './stats.js';

const CLIPS = 40;
const ROWS = 80;
const PRESS_STEPS = 57;
const REPLAY_BATCH = 16;
const REFERENCE = { ram: 2000, pixels: 500 };

function timeMs(body: () => void): number {
  const start = performance.now();
  body();
  return performance.now() - start;
}

export async function benchReward(runs: number, log: (line: string) => void): Promise<void> {
  const backend = describeBackend(await initTf());
  for (const [obsType, what] of [
    ['ram', 'ram, 64-64 MLP'],
    ['pixels', 'pixels, 4 convolutions + 64'],
  ] as [ObsType, string][]) {
    const vec = VectorEnv.make('Pong', 4, { obsType, maskScore: true });
    let n = 0;
    const clips = randomPolicyClips(vec, CLIPS, { length: 25, every: 10, seed: 1 }, () => `c${n++}`);
    const data = new PreferenceDataset({ members: REWARD_MODEL_DEFAULTS.members, valFraction: 0, maxLabels: 3000, seed: 1 });
    for (let i = 0; i < 2 * CLIPS; i++) data.add(`p${i}`, clips[i % CLIPS], clips[(i * 7 + 3) % CLIPS], i % 2 === 0 ? 'left' : 'right');
    const model = new RewardModel(vec.observationSpace.shape, vec.actionSpace.n, obsType === 'pixels' ? { hidden: PIXEL_REWARD_HIDDEN } : {}, 1);
    const { obs, actions } = stackClips(clips.slice(0, Math.ceil(ROWS / 25)), vec.obsSize, false);
    const score = () => model.predict(obs, actions, ROWS);
    model.trainStep(data); // warm up
    score();
    model.labelLosses(data.train);
    const train: number[] = [];
    const scoring: number[] = [];
    const screening: number[] = [];
    for (let r = 0; r < runs; r++) {
      train.push(timeMs(() => model.trainStep(data)));
      scoring.push(timeMs(() => { for (let i = 0; i < 10; i++) score(); }) / 10);
      screening.push(timeMs(() => model.labelLosses(data.train)));
    }
    model.dispose();
    const { members, batchSize } = REWARD_MODEL_DEFAULTS;
    log(`| reward model, Pong ${what}: one preference minibatch (${members} members x ${batchSize} labels x 2 clips x 25 steps) | ${backend} | ${median(train).toFixed(0)} ms |`);
    log(`| reward model, Pong ${what}: the reward of one A2C update's ${ROWS} steps | ${backend} | ${median(scoring).toFixed(1)} ms |`);
    log(`| reward model, Pong ${what}: screening ${data.train.length} labels (their losses, 2 clips x 25 steps each) | ${backend} | ${median(screening).toFixed(0)} ms |`);

    // Ĥ(s, a) of live feedback, on the clips' steps (cycled to the reference set's size).
    const h = new RewardModel(vec.observationSpace.shape, vec.actionSpace.n, { actionDependent: true, ...(obsType === 'pixels' && { hidden: PIXEL_REWARD_HIDDEN }) }, 1);
    const all = stackClips(clips, vec.obsSize, false);
    const rows = (k: number) => {
      const out = new Float32Array(k * vec.obsSize);
      for (let i = 0; i < k; i++) out.set(all.obs.subarray((i % all.actions.length) * vec.obsSize, ((i % all.actions.length) + 1) * vec.obsSize), i * vec.obsSize);
      return { obs: out, actions: Array.from({ length: k }, (_, i) => all.actions[i % all.actions.length]) };
    };
    const press = rows(PRESS_STEPS);
    const replay = rows(REPLAY_BATCH);
    const reference = rows(REFERENCE[obsType]);
    const update = (b: typeof press) => h.trainFeedback(b.obs, b.actions, b.actions.map(() => 1), b.actions.map(() => 1 / b.actions.length), 1);
    const normalise = () => h.normalise(reference.obs, Int32Array.from(reference.actions), reference.actions.length);
    update(press); // warm up
    normalise();
    const times = { press: [] as number[], replay: [] as number[], act: [] as number[], normalise: [] as number[] };
    for (let r = 0; r < runs; r++) {
      times.press.push(timeMs(() => update(press)));
      times.replay.push(timeMs(() => update(replay)));
      times.act.push(timeMs(() => { for (let i = 0; i < 10; i++) h.greedyActions(replay.obs, 1); }) / 10);
      times.normalise.push(timeMs(normalise));
    }
    h.dispose();
    log(`| Ĥ(s, a), Pong ${what}: the update on one press's ${PRESS_STEPS} credited steps | ${backend} | ${median(times.press).toFixed(0)} ms |`);
    log(`| Ĥ(s, a), Pong ${what}: a replay minibatch of ${REPLAY_BATCH} | ${backend} | ${median(times.replay).toFixed(0)} ms |`);
    log(`| Ĥ(s, a), Pong ${what}: one greedy action | ${backend} | ${median(times.act).toFixed(1)} ms |`);
    log(`| Ĥ(s, a), Pong ${what}: renormalising on ${REFERENCE[obsType]} reference steps, every action | ${backend} | ${median(times.normalise).toFixed(0)} ms |`);
  }
}
