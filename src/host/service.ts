/**
 * The session host: the one place the app's operations reach the training session. It runs in a process of
 * its own (session-process.ts), so training never stalls the Electron main process or the browser-mode
 * server, which only relay messages. It holds at most one active run (Trainer + PreferenceLearner + LabelingSession),
 * trains it in the background, plays it live for the Live view, and pushes events (status, progress,
 * metrics, live chunks) to every connected UI.
 *
 * Training yields to this process's event loop once per A2C update (the reward source is wrapped to await a
 * turn of the loop), so answers are taken between updates, within tens of milliseconds.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { replayClip } from '../env/clip.js';
import { A2C_DEFAULTS } from '../learning/a2c.js';
import { defaultStateEntropySteps } from '../learning/state-entropy.js';
import type { PreferenceDataset } from '../learning/preferences/dataset.js';
import { SyntheticTeacher } from '../learning/preferences/teachers.js';
import type { RewardSource, RolloutBatch } from '../learning/reward-source.js';
import { LabelingError } from '../session/labeling.js';
import { PREFERENCE_DEFAULTS } from '../session/preferences.js';
import { TAMER_DEFAULTS } from '../session/tamer.js';
import { effectiveRunConfig, episodeEndsFor, gammaFor, type RunConfig, Trainer, type TrainerOptions } from '../session/trainer.js';
import { writeFileAtomic } from '../store/atomic.js';
import { currentLabels, LABELS_FORMAT } from '../store/labels.js';
import { readJsonl } from '../store/jsonl.js';
import { RunFolder } from '../store/run.js';
import { ApiError, type Args, type CreateRunSpec, EXPERT_TEACHER_NAMES, type ExportResult, type FeedbackReceipt, type HostEvent, type LabelView, type MetricsPoint, type Op, type Progress, type Responses, rewardOfChannels, type RunPhase, type RunStatus, type RunSummary } from '../shared/api.js';
import { preferenceRunDefaults } from '../shared/game-defaults.js';
import { exportDataset } from '../export/dataset.js';
import { readRunData } from '../export/run-data.js';
import { exportRewardModel } from '../export/run-export.js';
import { machineClockMs } from './clock.js';
import { LivePlay } from './live.js';

/** Agent steps between metrics lines of runs made in the app (about one a second), for the live charts. */
const APP_LOG_EVERY = 2000;
const APP_CHECKPOINT_EVERY = 50_000;
/** The same for a greedy-h run, whose steps are live steps at 15 a second: a line every 10 s, a checkpoint every 100 s. */
const LIVE_AGENT_LOG_EVERY = 150;
const LIVE_AGENT_CHECKPOINT_EVERY = 1500;
/** How often the host looks for work of its own (status changes, live play, prefill answers). */
const TICK_MS = 100;
/** Who answers a run's prefill labels. */
const PREFILL_LABELER = 'teacher:prefill-oracle';
/** The host plays the live feedback env on the wall clock (LivePlay), not the trainer on its simulated one. */
const TRAINER_OPTIONS: TrainerOptions = { hostDrivesLive: true };

/** App settings of a run beyond its config.json: the prefill. */
interface AppSettings {
  prefill: number;
}

/** The reward source wrapped so that training yields to the event loop, holds while paused, and its episodes' predicted returns are summed. */
class HostedRewardSource implements RewardSource {
  readonly name: string;
  readonly usesTrueReward: boolean;
  readonly usesNextObs: boolean;
  readonly scale: number;
  /** Predicted return of episodes still running, per env. */
  private readonly running: Float64Array;
  /** Ended flags of the rollout's steps, [t * numEnvs + i], written by the observer. */
  ended: Uint8Array = new Uint8Array(0);
  finishedPredicted: number[] = [];

  constructor(
    private readonly inner: RewardSource,
    numEnvs: number,
    private readonly turn: () => Promise<void>,
  ) {
    this.name = inner.name;
    this.usesTrueReward = inner.usesTrueReward;
    this.usesNextObs = inner.usesNextObs === true;
    this.scale = inner.scale;
    this.running = new Float64Array(numEnvs);
  }

  async rewards(batch: RolloutBatch): Promise<Float32Array> {
    await this.turn();
    const r = await this.inner.rewards(batch);
    if (!this.usesTrueReward) {
      for (let t = 0; t < batch.numSteps; t++) {
        for (let i = 0; i < batch.numEnvs; i++) {
          const k = t * batch.numEnvs + i;
          this.running[i] += r[k];
          if (this.ended[k] === 1) {
            this.finishedPredicted.push(this.running[i]);
            this.running[i] = 0;
          }
        }
      }
    }
    return r;
  }
}

class ActiveRun {
  phase: 'running' | 'finished' | 'stopped' | 'failed' = 'running';
  error: string | null = null;
  paused = false;
  readonly metrics: MetricsPoint[] = [];
  readonly live: LivePlay;
  readonly training: Promise<void>;
  private resumeTraining: (() => void) | null = null;
  private metricsRead = 0;
  private readonly source: HostedRewardSource;
  private readonly teacher = new SyntheticTeacher('oracle', {}, 0);

  constructor(
    readonly name: string,
    readonly trainer: Trainer,
    readonly settings: AppSettings,
    private readonly onDone: () => void,
  ) {
    const a2c = trainer.a2c;
    this.source = new HostedRewardSource(a2c.rewardSource, trainer.vec.numEnvs, () => this.turn());
    // The source is swapped in before training starts; A2C reads it on every update.
    (a2c as { rewardSource: RewardSource }).rewardSource = this.source;
    const inner = a2c.observer;
    const T = a2c.config.nSteps;
    const N = trainer.vec.numEnvs;
    let t = 0;
    this.source.ended = new Uint8Array(T * N);
    a2c.observer = {
      beforeStep: (env) => inner?.beforeStep(env),
      afterStep: (obs, actions, r) => {
        inner?.afterStep(obs, actions, r);
        for (let i = 0; i < N; i++) this.source.ended[(t % T) * N + i] = r.terminated[i] | r.truncated[i];
        t++;
      },
    };
    this.readMetrics();
    this.live = new LivePlay(trainer, trainer.config.seed);
    // onDone's tick reads the last metrics lines and sends them to the UIs (reading them here first kept the
    // final line of a finished run from its charts).
    this.training = trainer
      .train()
      .then(
        () => {
          this.phase = trainer.a2c.steps >= trainer.config.steps ? 'finished' : 'stopped';
        },
        (err: unknown) => {
          this.phase = 'failed';
          this.error = err instanceof Error ? err.message : String(err);
        },
      )
      .finally(() => this.onDone());
  }

  /** A turn of the event loop between updates, and the hold while paused. */
  private async turn(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.paused) await new Promise<void>((resolve) => (this.resumeTraining = resolve));
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) {
      this.resumeTraining?.();
      this.resumeTraining = null;
    }
  }

  async stop(): Promise<void> {
    this.trainer.stop();
    this.setPaused(false);
    await this.training;
    this.trainer.dispose();
  }

  /**
   * Whether live play goes on: always for an A2C run (the current policy, watched beside training); for a
   * greedy-h run, whose live steps are its training, only while it trains (not paused, not ended).
   */
  livePlays(): boolean {
    return this.trainer.config.agent !== 'greedy-h' || (this.phase === 'running' && !this.paused);
  }

  get session() {
    return this.trainer.learner?.session ?? null;
  }

  phaseNow(): RunPhase {
    if (this.phase !== 'running') return this.phase;
    if (this.paused) return 'paused';
    const learner = this.trainer.learner;
    if (learner !== null && !learner.pretrained) return learner.session.progress().pending > 0 ? 'waiting-for-labels' : 'pretraining';
    return this.trainer.a2c.steps === 0 && learner === null ? 'starting' : 'training';
  }

  status(): RunStatus {
    const c = this.trainer.config;
    return {
      name: this.name,
      env: c.env,
      obsType: c.obsType,
      reward: c.reward,
      agent: c.agent ?? 'a2c',
      phase: this.phaseNow(),
      steps: this.trainer.a2c.steps,
      totalSteps: c.steps,
      feedback: channelsOf(c),
      error: this.error,
    };
  }

  progress(): Progress | null {
    const { learner, feedback } = this.trainer;
    if (learner === null && feedback === null) return null;
    return {
      preferences:
        learner === null
          ? null
          : {
              ...learner.session.progress(),
              budget: learner.config.labels,
              scheduleDue: learner.pretrained ? learner.schedule.due(this.trainer.a2c.steps) : learner.schedule.initial,
              rewardModelSteps: learner.model.trainSteps,
              screenedOut: learner.config.screenLabels ? learner.session.dataset.leftOut.length : null,
              labelers: learner.labelerAgreement(),
            },
      feedback:
        feedback === null
          ? null
          : { given: feedback.feedbackUsed, teacherBudget: feedback.teacher === null ? null : feedback.config.feedback, liveSteps: feedback.liveSteps },
    };
  }

  /**
   * A press on the live play, timestamped on the host's play clock (see live.ts) with the time the relaying
   * process took it (`receivedAt`, machine clock ms), not when this process gets to it, which can be an A2C
   * update later;
   * then through the feedback channel: credited, written to feedback.jsonl (fsynced) and trained on, or refused
   * with nothing stored.
   */
  feedback(value: number, labeler: string, receivedAt: number): FeedbackReceipt {
    const channel = this.trainer.feedback;
    if (channel === null) {
      throw new ApiError(`run ${this.name} learns from the ${this.trainer.config.reward} reward: it takes no good/bad feedback; create a run with the "good / bad while watching" channel`);
    }
    // Its last checkpoint and summary are written: a press now would be in feedback.jsonl but not in them.
    if (this.phase !== 'running') throw new ApiError(`run ${this.name} is ${this.phase}: it learns from no more presses`);
    const time = this.live.clockAt(receivedAt);
    let credits;
    try {
      credits = channel.give({ time, value }, labeler, time);
    } catch (err) {
      if (err instanceof RangeError) throw new ApiError(`feedback not taken: ${err.message}`);
      throw err;
    }
    return { value, time, credited: credits.length, weight: credits.reduce((sum, c) => sum + c.weight, 0), given: channel.feedbackUsed };
  }

  /** The prefill: a synthetic teacher answers the first `prefill` pairs, judging them by re-simulating them. */
  prefill(): boolean {
    const session = this.session;
    if (session === null || this.settings.prefill <= 0) return false;
    let given = session.labels().filter((l) => l.labeler === PREFILL_LABELER).length;
    let answered = false;
    for (let pair = given < this.settings.prefill ? session.next(PREFILL_LABELER) : null; pair !== null; ) {
      const answer = this.teacher.answer(replayClip(pair.left).rewards, replayClip(pair.right).rewards);
      session.answer(pair.pairId, answer, PREFILL_LABELER);
      answered = true;
      pair = ++given < this.settings.prefill ? session.next(PREFILL_LABELER) : null;
    }
    return answered;
  }

  /** New lines of metrics.jsonl as chart points; returns them. */
  readMetrics(): MetricsPoint[] {
    const path = this.trainer.run.metricsPath;
    const size = existsSync(path) ? statSync(path).size : 0;
    if (size < this.metricsRead) this.metricsRead = 0; // rewritten (a resume drops lines past its checkpoint)
    if (size === this.metricsRead) return [];
    // Only the bytes appended since the last read: the file grows with the run, this is called every second.
    const chunk = Buffer.alloc(size - this.metricsRead);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, chunk, 0, chunk.length, this.metricsRead);
    } finally {
      closeSync(fd);
    }
    const fresh = chunk.subarray(0, chunk.lastIndexOf(0x0a) + 1);
    this.metricsRead += fresh.length;
    const points: MetricsPoint[] = [];
    const predicted = this.source.finishedPredicted.splice(0);
    for (const line of fresh.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      let m: Record<string, unknown>;
      try {
        m = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      const num = (k: string) => (typeof m[k] === 'number' && Number.isFinite(m[k]) ? (m[k] as number) : null);
      points.push({
        steps: num('steps') ?? 0,
        time: num('time') ?? 0,
        sps: num('sps') ?? 0,
        trueReturn: num('meanTrueReturn'),
        predictedReturn: null,
        valAccuracy: num('rewardModelValAccuracy'),
        labels: num('labelsUsed'),
        presses: num('feedbackUsed'),
      });
    }
    // The episodes that ended since the last read belong to the newest line.
    if (points.length > 0 && predicted.length > 0) points[points.length - 1].predictedReturn = predicted.reduce((a, b) => a + b, 0) / predicted.length;
    this.metrics.push(...points);
    return points;
  }
}

/** The feedback channels of a run, as the UI names them. */
function channelsOf(config: RunConfig): string[] {
  return [...(config.preferences === undefined ? [] : ['preferences']), ...(config.tamer === undefined ? [] : ['scalar'])];
}

/** An expert run for a live teacher that judges by one: its folder, and what it observes. */
interface ExpertRun {
  dir: string;
  obsType: RunConfig['obsType'];
  maskScore: boolean;
}

/** The createRun settings of the reward learned from clip comparisons alone, refused without that channel, by what they set. */
const PREFERENCE_ONLY_SETTINGS = {
  clipLength: 'the clip length',
  normaliseOn: 'what the learned reward is renormalised on',
} as const satisfies Partial<Record<keyof CreateRunSpec, string>>;

function configOf(spec: CreateRunSpec, expert: ExpertRun | null): RunConfig {
  const preferences = spec.feedback.includes('preferences');
  const scalar = spec.feedback.includes('scalar');
  if (!preferences && spec.teacher !== null) throw new ApiError(`the synthetic teacher "${spec.teacher}" answers clip comparisons: it needs the preferences channel (or choose no teacher)`);
  if (!preferences && (spec.prefill ?? 0) > 0) throw new ApiError('a prefill answers clip comparisons: it needs the preferences channel (or a prefill of 0)');
  if (!scalar && (spec.scalarTeacher ?? null) !== null) throw new ApiError(`the synthetic teacher "${spec.scalarTeacher}" presses good/bad on live play: it needs the live feedback channel`);
  if (preferences && spec.labels === undefined) throw new ApiError('a run with the preferences channel needs a label budget (labels)');
  if (!preferences && spec.labels !== undefined) throw new ApiError('a label budget (labels) is for clip comparisons: it needs the preferences channel (or leave it out)');
  if (!preferences && spec.pretrainEpochs !== undefined) throw new ApiError('pretraining epochs (pretrainEpochs) train the reward model on clip comparisons: they need the preferences channel (or leave them out)');
  if (!preferences && spec.screenLabels === true) throw new ApiError('screening labels (screenLabels) is about clip comparisons: it needs the preferences channel');
  for (const [setting, what] of preferences ? [] : Object.entries(PREFERENCE_ONLY_SETTINGS)) {
    if (spec[setting as keyof typeof PREFERENCE_ONLY_SETTINGS] !== undefined) {
      throw new ApiError(`${what} (${setting}) is a setting of the reward learned from clip comparisons: it needs the preferences channel (or leave it out)`);
    }
  }
  if (spec.agentReward !== undefined && !(preferences && scalar)) {
    throw new ApiError("what A2C is paid (agentReward) is a choice of runs with both channels: with one, the agent is paid the reward net as it is");
  }
  if (!scalar && spec.feedbackBudget !== undefined) throw new ApiError('a feedback budget (feedbackBudget) is for the synthetic live teacher: it needs the live feedback channel (or leave it out)');
  const byExpert = spec.scalarTeacher != null && EXPERT_TEACHER_NAMES.includes(spec.scalarTeacher);
  if (byExpert && expert === null) {
    throw new ApiError(
      `the synthetic teacher "${spec.scalarTeacher}" judges actions by an expert run: choose one (a run of ${spec.env} trained on the true score, ` +
        `made headless into this runs folder: npm run train -- --env ${spec.env} --reward true --out <runs folder>/<name>)`,
    );
  }
  if (!byExpert && expert !== null) throw new ApiError(`an expert run (expert) is for the live teachers ${EXPERT_TEACHER_NAMES.join(' and ')}, not ${spec.scalarTeacher ?? 'people'}`);
  const reward = rewardOfChannels(spec.feedback) ?? 'preferences'; // the spec's schema asks for a channel
  const agent = spec.agent ?? 'a2c';
  if (agent === 'greedy-h' && reward !== 'tamer') {
    throw new ApiError('the greedy-h agent (Deep TAMER\'s, greedy on Ĥ) learns from good / bad presses alone: choose only the "good / bad while watching" channel, or the A2C agent');
  }
  const liveAgent = agent === 'greedy-h';
  if (spec.explore === true && liveAgent) throw new ApiError("the exploration bonus (explore) is paid to A2C: Deep TAMER's greedy-h agent does not learn from rewards");
  if (spec.explore === true && spec.obsType !== 'ram') throw new ApiError('the exploration bonus (explore) measures distances between ram observations: choose RAM features, or leave it out');
  const extras = preferenceRunDefaults(spec.env, reward, spec.obsType, agent);
  const explore = spec.explore ?? extras.explore;
  return {
    env: spec.env,
    obsType: spec.obsType,
    reward,
    seed: spec.seed,
    steps: spec.steps,
    a2c: {
      ...A2C_DEFAULTS,
      gamma: gammaFor(reward, agent),
      episodeEnds: episodeEndsFor(reward, spec.env),
      ...(explore && { stateEntropy: 1, stateEntropySteps: defaultStateEntropySteps(spec.steps) }),
    },
    net: spec.obsType === 'ram' ? { kind: 'mlp', hidden: [64, 64] } : { kind: 'cnn' },
    logEvery: liveAgent ? LIVE_AGENT_LOG_EVERY : APP_LOG_EVERY,
    checkpointEvery: liveAgent ? LIVE_AGENT_CHECKPOINT_EVERY : APP_CHECKPOINT_EVERY,
    // The run sees what its expert saw (a ram expert of a pixel run reads the game's ram whatever the run sees).
    maskScore: expert !== null && expert.obsType === spec.obsType ? expert.maskScore : true,
    agent,
    ...(preferences && {
      preferences: {
        ...PREFERENCE_DEFAULTS,
        teacher: spec.teacher,
        labels: spec.labels as number,
        ...(spec.pretrainEpochs !== undefined && { pretrainEpochs: spec.pretrainEpochs }),
        ...((spec.screenLabels ?? extras.screenLabels) && { screenLabels: true }),
        normaliseOn: spec.normaliseOn ?? extras.normaliseOn,
        clipLength: spec.clipLength ?? extras.clipLength,
        ...(spec.agentReward !== undefined && { rewardModel: { ...PREFERENCE_DEFAULTS.rewardModel, stateReward: spec.agentReward === 'state' } }),
      },
    }),
    ...(scalar && { tamer: { ...TAMER_DEFAULTS, teacher: spec.scalarTeacher ?? null, feedback: spec.feedbackBudget ?? TAMER_DEFAULTS.feedback, expert: expert?.dir ?? null } }),
  };
}

/** A label as the UIs get it; `dataset`: the run's, for a run with the label screen (null otherwise). */
function toLabelView(l: LabelView, dataset: PreferenceDataset | null): LabelView {
  return {
    pairId: l.pairId,
    left: l.left,
    right: l.right,
    answer: l.answer,
    labeler: l.labeler,
    time: l.time,
    step: l.step,
    ...(dataset?.isDistrusted(l.pairId) === true && { screenedOut: true }),
    ...(dataset?.isReviewed(l.pairId) === true && { reviewed: true }),
  };
}

/**
 * Facts read from files, kept while a file's size and modification time stay the same: the Runs list reads
 * each run's last logged step and its labels, and reading every labels.jsonl whole each time it is shown held
 * the session process (and so the labeller's next pair) for 70-140 ms with 30 runs of 1,000 labels.
 */
export class FileFacts {
  private readonly known = new Map<string, { size: number; mtimeMs: number; fact: unknown }>();

  /** `read(path)`, or what it gave for the file as it is now; null where there is no such file. */
  get<T>(path: string, read: (path: string) => T): T | null {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      this.known.delete(path);
      return null;
    }
    const seen = this.known.get(path);
    if (seen !== undefined && seen.size === stat.size && seen.mtimeMs === stat.mtimeMs) return seen.fact as T;
    const fact = read(path);
    this.known.set(path, { size: stat.size, mtimeMs: stat.mtimeMs, fact });
    return fact;
  }
}

export class RunService {
  private active: ActiveRun | null = null;
  private readonly fileFacts = new FileFacts();
  private readonly timer: NodeJS.Timeout;
  private lastStatus = '';
  private lastProgress = '';

  constructor(
    readonly runsDir: string,
    private readonly emit: (event: HostEvent) => void,
  ) {
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /**
   * Runs one operation for `labeler`, received at `receivedAt` (ms on the machine's monotonic clock, which
   * every process reads: clock.ts); client mistakes throw ApiError. Arguments are already validated.
   */
  async call<O extends Op>(op: O, args: Args<O>, labeler: string, receivedAt = machineClockMs()): Promise<Responses[O]> {
    try {
      return (await this.dispatch(op, args, labeler, receivedAt)) as Responses[O];
    } catch (err) {
      if (err instanceof LabelingError) throw new ApiError(err.message);
      throw err;
    }
  }

  private async dispatch(op: Op, args: unknown, labeler: string, receivedAt: number): Promise<unknown> {
    switch (op) {
      case 'listRuns':
        return this.listRuns();
      case 'createRun':
        return this.createRun(args as unknown as CreateRunSpec);
      case 'openRun':
        return this.openRun((args as { name: string }).name);
      case 'closeRun':
        await this.closeRun();
        return null;
      case 'status':
        return this.active?.status() ?? null;
      case 'nextPair':
        return this.session().next(labeler, (args as { exclude?: string[] } | undefined)?.exclude ?? []);
      case 'answer': {
        const { pairId, answer } = args as { pairId: string; answer: LabelView['answer'] };
        const session = this.session();
        const label = session.answer(pairId, answer, labeler);
        this.afterLabel(pairId);
        return toLabelView(label, this.screenedDataset(session));
      }
      case 'undo': {
        const session = this.session();
        const label = session.undo(labeler);
        this.afterLabel(label.pairId);
        return toLabelView(label, this.screenedDataset(session));
      }
      case 'change': {
        const { pairId, answer } = args as { pairId: string; answer: LabelView['answer'] };
        const session = this.session();
        const label = session.change(pairId, answer, labeler);
        this.afterLabel(pairId);
        return toLabelView(label, this.screenedDataset(session));
      }
      case 'unreview': {
        const { pairId } = args as { pairId: string };
        const session = this.session();
        const dataset = this.screenedDataset(session);
        if (dataset === null) throw new ApiError(`run ${this.requireRun().name} does not screen its labels: no answer in it is reviewed`);
        const label = session.unreview(pairId, labeler);
        this.afterLabel(pairId);
        return toLabelView(label, dataset);
      }
      case 'history': {
        const session = this.session();
        const dataset = this.screenedDataset(session);
        return session.labels().map((l) => toLabelView(l, dataset));
      }
      case 'clip': {
        const { record } = this.session().clip((args as { id: string }).id);
        return { id: record.id, env: record.env, options: record.options, state: record.state, actions: record.actions };
      }
      case 'progress':
        return this.requireRun().progress();
      case 'metrics':
        return this.requireRun().metrics;
      case 'setPaused': {
        const run = this.requireRun();
        if (run.phase !== 'running') throw new ApiError(`run ${run.name} is ${run.phase}: there is no training to pause or resume`);
        run.setPaused((args as { paused: boolean }).paused);
        this.tick();
        return run.status();
      }
      case 'feedback': {
        const receipt = this.requireRun().feedback((args as { value: number }).value, labeler, receivedAt);
        this.emitProgress();
        return receipt;
      }
      case 'exportRun':
        return this.exportRun((args as { name: string }).name);
      case 'appInfo':
        throw new ApiError('appInfo is answered by the host, not the session');
    }
  }

  private requireRun(): ActiveRun {
    if (this.active === null) throw new ApiError('no run is open; create or open one in the Runs view');
    return this.active;
  }

  private session() {
    const run = this.requireRun();
    const session = run.session;
    if (session === null) throw new ApiError(`run ${run.name} learns from the ${run.trainer.config.reward} reward: it has no pairs to compare`);
    return session;
  }

  /** The session's dataset when the open run screens its labels (LabelView's screenedOut and reviewed), else null. */
  private screenedDataset(session: ReturnType<RunService['session']>): PreferenceDataset | null {
    return this.requireRun().trainer.config.preferences?.screenLabels === true ? session.dataset : null;
  }

  private afterLabel(pairId: string): void {
    this.emit({ type: 'labels', data: { pairId } });
    this.emitProgress();
  }

  private emitProgress(): void {
    const progress = this.active?.progress();
    if (progress === undefined || progress === null) return;
    const key = JSON.stringify(progress);
    if (key === this.lastProgress) return;
    this.lastProgress = key;
    this.emit({ type: 'progress', data: progress });
  }

  private runDir(name: string): string {
    return join(this.runsDir, name);
  }

  listRuns(): RunSummary[] {
    if (!existsSync(this.runsDir)) return [];
    const runs: RunSummary[] = [];
    for (const name of readdirSync(this.runsDir).sort()) {
      const dir = this.runDir(name);
      const run = new RunFolder(dir);
      if (!existsSync(run.configPath)) continue;
      try {
        const config = run.config() as unknown as RunConfig;
        const active = this.active?.name === name;
        let steps = 0;
        if (active) steps = this.active!.trainer.a2c.steps;
        else steps = this.fileFacts.get(run.metricsPath, () => run.lastLoggedSteps()) ?? 0;
        let labels = 0;
        if (active && this.active!.session !== null) labels = this.active!.session!.labels().length;
        else labels = this.fileFacts.get(join(dir, 'labels.jsonl'), (path) => currentLabels(readJsonl(path, LABELS_FORMAT, () => {}).records).size) ?? 0;
        runs.push({
          name,
          env: config.env,
          obsType: config.obsType,
          reward: config.reward,
          agent: config.agent ?? 'a2c',
          teacher: config.preferences?.teacher ?? config.tamer?.teacher ?? null,
          labelBudget: config.preferences?.labels ?? null,
          maskScore: config.maskScore ?? false,
          steps,
          totalSteps: config.steps,
          labels,
          finished: existsSync(run.summaryPath),
          active,
        });
      } catch {
        // A folder that is not a readable run is not listed.
      }
    }
    return runs;
  }

  /** The reward model of a run's last checkpoint (the open run checkpoints first), with npm run export's function. */
  private async exportRun(name: string): Promise<ExportResult> {
    const dir = this.runDir(name);
    if (!existsSync(join(dir, 'config.json'))) throw new ApiError(`unknown run "${name}"`);
    if (this.active?.name === name) this.active.trainer.checkpoint();
    const out = join(this.runsDir, 'exports', `${name}-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}`);
    try {
      // One reading of the run's logs for both: the labels written are those of the model's export.
      const quiet = () => {};
      const data = readRunData(dir, quiet);
      await exportRewardModel(dir, out, { data, warn: quiet });
      // The labels it learned from go with it: `npm run labels -- import` takes them into another run.
      const dataset = exportDataset(dir, join(out, 'labels.jsonl'), { data, warn: quiet });
      return { path: out, labels: dataset.labels, presses: dataset.feedback };
    } catch (err) {
      throw new ApiError(`cannot export run "${name}": ${(err as Error).message}`);
    }
  }

  private async createRun(spec: CreateRunSpec): Promise<RunStatus> {
    const dir = this.runDir(spec.name);
    if (existsSync(dir)) throw new ApiError(`a run named "${spec.name}" already exists; open it, or choose another name`);
    const config = configOf(spec, spec.expert === undefined ? null : this.expertRun(spec.expert, spec.env));
    await this.closeRun();
    let trainer: Trainer;
    try {
      trainer = await Trainer.create(dir, config, undefined, TRAINER_OPTIONS);
    } catch (err) {
      throw new ApiError(`cannot create run "${spec.name}": ${(err as Error).message}`);
    }
    const settings: AppSettings = { prefill: spec.prefill ?? 0 };
    writeFileAtomic(join(dir, 'app.json'), `${JSON.stringify(settings)}\n`);
    return this.start(spec.name, trainer, settings);
  }

  /** The run `name` as an expert of a new `env` run: it must exist, play `env` and have learned from the true score. */
  private expertRun(name: string, env: string): ExpertRun {
    const dir = this.runDir(name);
    if (!existsSync(join(dir, 'config.json'))) throw new ApiError(`unknown expert run "${name}": no run of that name in the runs folder`);
    const config = effectiveRunConfig(new RunFolder(dir).config() as unknown as RunConfig);
    if (config.reward !== 'true') throw new ApiError(`the expert run "${name}" learned from the ${config.reward} reward: an expert must be trained on the true score (--reward true)`);
    if (config.env !== env) throw new ApiError(`the expert run "${name}" plays ${config.env}, not ${env}`);
    return { dir, obsType: config.obsType, maskScore: config.maskScore ?? false };
  }

  private async openRun(name: string): Promise<RunStatus> {
    if (this.active?.name === name) return this.active.status();
    const dir = this.runDir(name);
    if (!existsSync(join(dir, 'config.json'))) {
      throw new ApiError(`unknown run "${name}"; known: ${this.listRuns().map((r) => r.name).join(', ') || 'none yet'}`);
    }
    await this.closeRun();
    let trainer: Trainer;
    try {
      trainer = await Trainer.resume(dir, undefined, undefined, TRAINER_OPTIONS);
    } catch (err) {
      throw new ApiError(`cannot open run "${name}": ${(err as Error).message}`);
    }
    let settings: AppSettings = { prefill: 0 };
    if (existsSync(join(dir, 'app.json'))) settings = JSON.parse(readFileSync(join(dir, 'app.json'), 'utf8')) as AppSettings;
    return this.start(name, trainer, settings);
  }

  private start(name: string, trainer: Trainer, settings: AppSettings): RunStatus {
    const run: ActiveRun = new ActiveRun(name, trainer, settings, () => this.tick());
    this.active = run;
    this.tick();
    return run.status();
  }

  async closeRun(): Promise<void> {
    const run = this.active;
    if (run === null) return;
    this.active = null;
    // Clients hear that no run is open before the old one has stopped (which can take seconds), so that a view's
    // request for it refused meanwhile ("no run is open") reaches a view that already knows, not one that reports it.
    this.tick();
    await run.stop();
    // Once more when it has stopped, for the Runs list, which then shows the steps it checkpointed.
    if (this.active === null) this.emit({ type: 'status', data: null });
  }

  /** Prefill answers, live play, and the events for whatever changed. */
  private tick(): void {
    const run = this.active;
    if (run !== null) {
      try {
        if (run.prefill()) this.emit({ type: 'labels', data: { pairId: '' } });
      } catch (err) {
        run.error = `prefill: ${(err as Error).message}`;
      }
      let chunk = null;
      if (run.livePlays()) chunk = run.live.play();
      else run.live.idle();
      if (chunk !== null) this.emit({ type: 'live', data: chunk });
      for (const point of run.readMetrics()) this.emit({ type: 'metrics', data: point });
      this.emitProgress();
    }
    const status = run?.status() ?? null;
    // Steps are sent every 2,000 A2C steps (about a second), or every second of a greedy-h run's live play.
    const every = run?.trainer.config.agent === 'greedy-h' ? Math.max(1, Math.round(run.live.stepsPerSecond)) : APP_LOG_EVERY;
    const key = JSON.stringify(status && { ...status, steps: Math.floor(status.steps / every) });
    if (key !== this.lastStatus) {
      this.lastStatus = key;
      this.emit({ type: 'status', data: status });
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.closeRun();
  }
}
