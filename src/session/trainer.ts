/**
 * Headless training of one run: an A2C learner on a reward source, logging metrics, checkpointing and
 * resuming through the run folder. The CLI (`npm run train`) and, later, the app drive it.
 */
import { existsSync } from 'node:fs';
import type { ObsType } from '../env/core.js';
import { checkEnvId } from '../env/index.js';
import { resolveOptions } from '../env/options.js';
import { VectorEnv } from '../env/vector-env.js';
import { A2C, type A2CConfig, type A2CState, resolveA2CConfig } from '../learning/a2c.js';
import { type ActorCritic, createCnnActorCritic, createMlpActorCritic } from '../learning/nets.js';
import { type RewardSource, TrueRewardSource } from '../learning/reward-source.js';
import { mean } from '../learning/stats.js';
import { type BackendInfo, type BackendName, initTf, tf } from '../learning/tf.js';
import { readCheckpoint, writeCheckpoint } from '../store/checkpoint.js';
import { RUN_VERSION, RunFolder } from '../store/run.js';

export const REWARD_SOURCES = ['true'] as const;
export type RewardName = (typeof REWARD_SOURCES)[number];

/** What a run is; stored in its config.json. */
export interface RunConfig {
  env: string;
  obsType: ObsType;
  reward: RewardName;
  seed: number;
  /** Target number of agent steps. */
  steps: number;
  a2c: A2CConfig;
  net: { kind: 'mlp'; hidden: number[] } | { kind: 'cnn' };
  /** Agent steps between metrics lines. */
  logEvery: number;
  /** Agent steps between checkpoints. */
  checkpointEvery: number;
}

export interface TrainProgress {
  steps: number;
  totalSteps: number;
  sps: number;
  episodes: number;
  /** Mean true return of the last 100 finished episodes (NaN before the first). */
  meanTrueReturn: number;
}

export interface TrainSummary {
  env: string;
  obsType: ObsType;
  reward: RewardName;
  steps: number;
  /** Agent steps per second over this process's training (env, inference and updates together). */
  sps: number;
  meanTrueReturn: number;
  episodes: number;
  seed: number;
  backend: string;
  wallSeconds: number;
}

const RECENT = 100;

export function validateRunConfig(c: RunConfig): RunConfig {
  checkEnvId(c.env);
  resolveOptions(c.env, { obsType: c.obsType });
  if (!REWARD_SOURCES.includes(c.reward)) throw new Error(`unknown reward "${c.reward}"; known: ${REWARD_SOURCES.join(', ')}`);
  if (!Number.isInteger(c.seed)) throw new Error(`seed must be an integer, got ${c.seed}`);
  if (!Number.isInteger(c.steps) || c.steps < 1) throw new Error(`steps must be a positive integer, got ${c.steps}`);
  if (!Number.isInteger(c.logEvery) || c.logEvery < 1) throw new Error(`log interval must be a positive integer, got ${c.logEvery}`);
  if (!Number.isInteger(c.checkpointEvery) || c.checkpointEvery < 1) {
    throw new Error(`checkpoint interval must be a positive integer, got ${c.checkpointEvery}`);
  }
  resolveA2CConfig(c.a2c);
  const net = c.net as { kind?: unknown; hidden?: unknown } | undefined;
  if (c.obsType === 'ram') {
    if (net?.kind !== 'mlp' || !Array.isArray(net.hidden) || !net.hidden.every((h) => Number.isInteger(h) && h > 0)) {
      throw new Error(`ram observations need net { kind: 'mlp', hidden: [sizes] }, got ${JSON.stringify(c.net)}`);
    }
  } else if (net?.kind !== 'cnn') {
    throw new Error(`pixel observations need net { kind: 'cnn' }, got ${JSON.stringify(c.net)}`);
  }
  return c;
}

/** The wasm backend lacks the convolution gradient (Conv2DBackpropFilter): say so before a run starts. */
function checkBackendFits(config: RunConfig, backend: BackendInfo): void {
  if (config.net.kind === 'cnn' && backend.name === 'wasm') {
    throw new Error(
      'the pixel CNN cannot train on the wasm backend (it lacks the Conv2DBackpropFilter kernel); ' +
        'install @tensorflow/tfjs-node for --backend tensorflow, or pass --backend cpu (slow)',
    );
  }
}

export function createNet(config: RunConfig, obsShape: readonly number[], obsSize: number, numActions: number): ActorCritic {
  return config.net.kind === 'mlp'
    ? createMlpActorCritic(obsSize, numActions, config.net.hidden, config.seed)
    : createCnnActorCritic(obsShape, numActions, config.seed);
}

function createRewardSource(name: RewardName): RewardSource {
  switch (name) {
    case 'true':
      return new TrueRewardSource();
  }
}

interface CheckpointMeta {
  kind: 'a2c';
  config: RunConfig;
  state: Omit<A2CState, 'optimizer'>;
  recentReturns: number[];
  episodes: number;
  /** Training wall time up to this checkpoint, over every process that worked on the run. */
  wallSeconds: number;
  weights: number;
}

export function saveCheckpoint(
  run: RunFolder,
  config: RunConfig,
  a2c: A2C,
  recentReturns: number[],
  episodes: number,
  wallSeconds: number,
): void {
  const { optimizer, ...state } = a2c.getState();
  const weights = a2c.net.getWeights();
  const arrays: Record<string, Float32Array> = {};
  weights.forEach((w, i) => (arrays[`weights/${i}`] = w));
  arrays.optimizer = optimizer;
  const meta: CheckpointMeta = { kind: 'a2c', config, state, recentReturns, episodes, wallSeconds, weights: weights.length };
  writeCheckpoint(run.checkpointPath, meta, arrays);
}

export function loadCheckpoint(path: string) {
  const { meta, arrays } = readCheckpoint<CheckpointMeta>(path);
  if (meta.kind !== 'a2c') throw new Error(`${path} is not an A2C checkpoint`);
  const weights = Array.from({ length: meta.weights }, (_, i) => arrays[`weights/${i}`]);
  const optimizer = arrays.optimizer;
  if (weights.some((w) => w === undefined) || optimizer === undefined) {
    throw new Error(`${path} is missing weight or optimizer arrays`);
  }
  return { meta, weights, optimizer };
}

export class Trainer {
  readonly vec: VectorEnv;
  readonly a2c: A2C;
  readonly recentReturns: number[] = [];
  episodes = 0;
  /** Training wall time before this process took over the run. */
  wallSeconds = 0;
  private stopRequested = false;

  private constructor(
    readonly run: RunFolder,
    readonly config: RunConfig,
    readonly backend: BackendInfo,
  ) {
    this.vec = VectorEnv.make(config.env, config.a2c.numEnvs, { obsType: config.obsType });
    const net = createNet(config, this.vec.observationSpace.shape, this.vec.obsSize, this.vec.actionSpace.n);
    this.a2c = new A2C(this.vec, net, createRewardSource(config.reward), config.a2c, config.seed);
  }

  /** A new run in a folder that must be empty or absent. */
  static async create(dir: string, config: RunConfig, backend?: BackendName): Promise<Trainer> {
    validateRunConfig(config);
    const info = await initTf(backend);
    checkBackendFits(config, info);
    const run = RunFolder.create(dir, { kind: 'train', ...config });
    return new Trainer(run, config, info);
  }

  /**
   * Continues the run in `dir` from its last checkpoint (or from the start if it has none yet). A new
   * `steps` target is written to config.json; the learning rate then decays linearly over the new total.
   * Metrics logged after the checkpoint describe training that was lost in the crash: they are dropped.
   */
  static async resume(dir: string, steps?: number, backend?: BackendName): Promise<Trainer> {
    const run = RunFolder.open(dir);
    const { version: _v, kind, ...stored } = run.config() as unknown as RunConfig & { version: number; kind: string };
    const config = validateRunConfig({ ...stored, steps: steps ?? stored.steps });
    const info = await initTf(backend);
    checkBackendFits(config, info);
    const checkpoint = existsSync(run.checkpointPath) ? loadCheckpoint(run.checkpointPath) : null;
    const trainer = new Trainer(run, config, info);
    if (checkpoint !== null) {
      trainer.a2c.net.setWeights(checkpoint.weights);
      trainer.a2c.setState({ ...checkpoint.meta.state, optimizer: checkpoint.optimizer });
      trainer.recentReturns.push(...checkpoint.meta.recentReturns);
      trainer.episodes = checkpoint.meta.episodes;
      trainer.wallSeconds = checkpoint.meta.wallSeconds;
    }
    run.truncateMetrics(trainer.a2c.steps);
    if (config.steps !== stored.steps) run.writeJson('config.json', { version: RUN_VERSION, kind, ...config });
    return trainer;
  }

  /** Frees the network and optimizer tensors (for a process that trains several runs). */
  dispose(): void {
    this.a2c.dispose();
    this.a2c.net.dispose();
  }

  /** Asks the loop to stop after the current update (it then checkpoints). */
  stop(): void {
    this.stopRequested = true;
  }

  meanTrueReturn(): number {
    return mean(this.recentReturns);
  }

  checkpoint(elapsed = 0): void {
    saveCheckpoint(this.run, this.config, this.a2c, this.recentReturns, this.episodes, this.wallSeconds + elapsed);
  }

  /** Trains until the target step count (or `stop()`); writes metrics, checkpoints and the summary. */
  async train(onProgress?: (p: TrainProgress) => void): Promise<TrainSummary> {
    const { steps: total, logEvery, checkpointEvery } = this.config;
    const start = performance.now();
    const startSteps = this.a2c.steps;
    let nextLog = Math.ceil((this.a2c.steps + 1) / logEvery) * logEvery;
    let nextCheckpoint = Math.ceil((this.a2c.steps + 1) / checkpointEvery) * checkpointEvery;
    let lengths: number[] = [];
    const sps = () => (this.a2c.steps - startSteps) / Math.max(1e-9, (performance.now() - start) / 1000);
    while (this.a2c.steps < total && !this.stopRequested) {
      const { episodes, stats } = await this.a2c.iterate(total);
      for (const e of episodes) {
        this.recentReturns.push(e.return);
        if (this.recentReturns.length > RECENT) this.recentReturns.shift();
        lengths.push(e.length);
      }
      this.episodes += episodes.length;
      if (this.a2c.steps >= nextLog || this.a2c.steps >= total) {
        nextLog += logEvery;
        this.run.appendMetrics({
          steps: this.a2c.steps,
          time: this.wallSeconds + (performance.now() - start) / 1000,
          sps: sps(),
          episodes: this.episodes,
          meanTrueReturn: this.meanTrueReturn(),
          meanEpisodeLength: lengths.length > 0 ? mean(lengths) : null,
          ...stats,
          numTensors: tf.memory().numTensors,
        });
        lengths = [];
        onProgress?.({ steps: this.a2c.steps, totalSteps: total, sps: sps(), episodes: this.episodes, meanTrueReturn: this.meanTrueReturn() });
      }
      if (this.a2c.steps >= nextCheckpoint) {
        nextCheckpoint += checkpointEvery;
        this.checkpoint((performance.now() - start) / 1000);
      }
    }
    this.checkpoint((performance.now() - start) / 1000);
    const summary: TrainSummary = {
      env: this.config.env,
      obsType: this.config.obsType,
      reward: this.config.reward,
      steps: this.a2c.steps,
      sps: sps(),
      meanTrueReturn: this.meanTrueReturn(),
      episodes: this.episodes,
      seed: this.config.seed,
      backend: this.backend.name,
      wallSeconds: this.wallSeconds + (performance.now() - start) / 1000,
    };
    if (this.a2c.steps >= total) this.run.writeJson('summary.json', summary);
    return summary;
  }
}
