/**
 * Live scalar feedback, as TAMER (Knox & Stone 2008) and Deep TAMER (Warnell et al. 2018): one env is played
 * at a watchable speed (15 agent steps per second by default), each step recorded with its start and end on
 * the play clock; a person (or the synthetic scalar teacher) presses good (+1) or bad (-1) whenever they like.
 * A press at t_f credits each recent step [t_s, t_e] with the probability that it was about that step under a
 * Uniform[0.2 s, 4 s] reaction delay; the reward net's Ĥ(s, a) of the credited steps is trained toward the
 * press at once, and every `replayEvery` live steps on a minibatch from the replay buffer of all credited
 * steps.
 *
 * The net is the reward model of the preference learner when the run has both channels (one net, two losses,
 * see reward-model.ts), or a reward model of its own. Headless runs play on a simulated clock, so a run is as
 * fast as the machine; the app plays on the wall clock (its host passes each step's span to `step`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AtariEnv } from '../env/atari-env.js';
import { makeEnv } from '../env/index.js';
import type { EnvOptions, Observation } from '../env/core.js';
import { Rng } from '../env/rng.js';
import { type RewardModel, type RewardModelConfig, resolveRewardModelConfig } from '../learning/preferences/reward-model.js';
import type { RewardSource, RolloutBatch } from '../learning/reward-source.js';
import { assignCredit, type Credit, type DelayDensity, type StepSpan, uniformDelay } from '../learning/tamer/credit.js';
import type { EncoderPretraining } from '../learning/tamer/autoencoder.js';
import { FeedbackReplay } from '../learning/tamer/replay.js';
import { ScalarTeacher, type ScalarTeacherParams } from '../learning/tamer/scalar-teacher.js';
import { type FrameLayout, frameLayout } from '../learning/preferences/clip-obs.js';
import { creditedSteps, encodeCredited, FEEDBACK_FORMAT, type FeedbackEvent } from '../store/feedback.js';
import { JsonlLog } from '../store/jsonl.js';

/**
 * Synthetic scalar teachers, which watch the live play as a person would and press late:
 *
 *   scalar-oracle  presses the sign of each non-zero true reward (an outcome, seconds after the action
 *                  that earned it);
 *   scalar-expert  presses the sign of the advantage A = r + gamma V(s') - V(s) under the critic of an agent
 *                  trained on the true score (`expert`, a run folder with the same game and options), for the
 *                  steps whose |A| is in the top `expertTopFraction` of recent steps;
 *   scalar-policy  judges the action itself, as TAMER asks its trainers to: "good" when the expert's policy
 *                  would take it too (probability at least half that of its favourite action), "bad" when the
 *                  expert would hardly ever take it (under a tenth of its favourite's), nothing in between;
 *                  a person watches only some of the steps closely, so it reacts to `reactProb` (0.1) of them,
 *                  at most `maxRate` (2) presses a second.
 */
export const SCALAR_TEACHERS = ['scalar-oracle', 'scalar-expert', 'scalar-policy'] as const;
export type ScalarTeacherName = (typeof SCALAR_TEACHERS)[number];

/** Teachers that judge with an expert run. */
export const EXPERT_TEACHERS: readonly ScalarTeacherName[] = ['scalar-expert', 'scalar-policy'];

/** What a teacher's parameters default to, per teacher (over SCALAR_TEACHER_DEFAULTS). */
export const TEACHER_PARAM_DEFAULTS: Record<ScalarTeacherName, Partial<ScalarTeacherParams>> = {
  'scalar-oracle': {},
  'scalar-expert': {},
  'scalar-policy': { reactProb: 0.1, maxRate: 2 },
};

export interface TamerConfig {
  /** Feedback events a synthetic teacher may give (its budget); people are not limited. */
  feedback: number;
  /** A synthetic teacher (see SCALAR_TEACHERS); null when people press. */
  teacher: ScalarTeacherName | null;
  teacherParams: Partial<Pick<ScalarTeacherParams, 'reactProb' | 'errorProb' | 'maxRate'>>;
  /** Live play speed (15 agent steps per second: 60 Hz with frame skip 4). */
  stepsPerSecond: number;
  /** The reaction delay density Uniform[delayMin, delayMax] seconds (0.2, 4). */
  delayMin: number;
  delayMax: number;
  /** b: live steps between replay minibatches (10). */
  replayEvery: number;
  /** Feedback entries per replay minibatch. */
  replayBatch: number;
  /** The feedback channel's weight: a multiplier of the reward net's learning rate for its updates. */
  weight: number;
  /** In headless A2C runs: agent steps of training per live step (80 = one per 16x5 update). */
  liveEvery: number;
  /** scalar-expert, scalar-policy: the run folder of the expert (trained on the true score) that judges the actions. */
  expert: string | null;
  /** scalar-expert: the fraction of steps, by |advantage| over the last 1,000, it reacts to. */
  expertTopFraction: number;
  /**
   * The reward net's normalisation measures every action's Ĥ at the reference states, not only the taken
   * action's (RewardModelConfig.normaliseAllActions). New runs record true; runs made before it resume with
   * false (Trainer.resume).
   */
  normaliseAllActions: boolean;
  /**
   * In a run with this channel alone, the reward net's settings (a run with both channels keeps them in
   * `preferences.rewardModel`). New runs record them in full; runs made before resume with the defaults of the
   * day (`rewardModelConfigOf`).
   */
  rewardModel?: Partial<RewardModelConfig>;
  /**
   * Pixel runs with live feedback alone: pretrain Ĥ's convolutions as an autoencoder on frames of a random
   * policy before any feedback, then freeze them, as Deep TAMER (learning/tamer/autoencoder.ts). Absent: none.
   */
  pretrainEncoder?: EncoderPretraining;
}

/** A played step, as an expert teacher judges it. */
export interface JudgedStep {
  obs: Float32Array;
  action: number;
  reward: number;
  next: Float32Array;
  terminal: boolean;
}

/**
 * An expert's judgement of a played step: the advantage under its critic (scalar-expert), or +1 / -1 / 0 for
 * an action its policy would / would not / might take (scalar-policy).
 */
export type StepJudge = (step: JudgedStep) => number;

/**
 * How an expert that observes otherwise than the run sees the live env: given it, a reader of the expert's
 * observation of its current state (an expert trained on ram judging a pixel run, as a person judges the
 * screen by what they know of the game).
 */
export type ExpertView = (env: AtariEnv) => () => Float32Array;

export const TAMER_DEFAULTS: TamerConfig = {
  feedback: 1000,
  teacher: null,
  teacherParams: {},
  stepsPerSecond: 15,
  delayMin: 0.2,
  delayMax: 4,
  replayEvery: 10,
  replayBatch: 16,
  weight: 1,
  liveEvery: 80,
  expert: null,
  expertTopFraction: 0.1,
  normaliseAllActions: true,
};

export function resolveTamerConfig(partial: Partial<TamerConfig> = {}): TamerConfig {
  for (const k of Object.keys(partial)) {
    if (!(k in TAMER_DEFAULTS) && k !== 'rewardModel' && k !== 'pretrainEncoder') {
      throw new RangeError(`unknown feedback setting "${k}"; known: ${[...Object.keys(TAMER_DEFAULTS), 'rewardModel', 'pretrainEncoder'].join(', ')}`);
    }
  }
  const c = { ...TAMER_DEFAULTS, ...partial };
  const bad = (name: keyof TamerConfig, want: string) => new RangeError(`feedback setting ${name} must be ${want}, got ${JSON.stringify(c[name])}`);
  if (!Number.isInteger(c.feedback) || c.feedback < 1) throw bad('feedback', 'a positive integer');
  if (c.teacher !== null && !SCALAR_TEACHERS.includes(c.teacher)) throw bad('teacher', `null (people press) or ${SCALAR_TEACHERS.join(', ')}`);
  if (!(c.stepsPerSecond > 0 && c.stepsPerSecond <= 1000)) throw bad('stepsPerSecond', 'in (0, 1000]');
  uniformDelay(c.delayMin, c.delayMax);
  for (const k of ['replayEvery', 'replayBatch', 'liveEvery'] as const) if (!Number.isInteger(c[k]) || c[k] < 1) throw bad(k, 'a positive integer');
  if (!(c.weight > 0)) throw bad('weight', 'positive');
  const needsExpert = c.teacher !== null && EXPERT_TEACHERS.includes(c.teacher);
  if (needsExpert !== (c.expert !== null)) throw bad('expert', `the expert run folder exactly when the teacher is ${EXPERT_TEACHERS.join(' or ')}`);
  if (!(c.expertTopFraction > 0 && c.expertTopFraction <= 1)) throw bad('expertTopFraction', 'in (0, 1]');
  if (typeof c.normaliseAllActions !== 'boolean') throw bad('normaliseAllActions', 'true or false');
  if (c.pretrainEncoder !== undefined) {
    const p = c.pretrainEncoder as Partial<EncoderPretraining> | null;
    if (typeof p !== 'object' || p === null || !Number.isInteger(p.frames) || p.frames! < 1 || !Number.isInteger(p.epochs) || p.epochs! < 1) {
      throw bad('pretrainEncoder', '{ frames, epochs }, each a positive integer');
    }
  }
  if (c.rewardModel !== undefined) {
    if (typeof c.rewardModel !== 'object' || c.rewardModel === null) throw bad('rewardModel', "the reward net's settings, an object");
    resolveRewardModelConfig(c.rewardModel);
  }
  return c;
}

/** One live step as played: what the policy saw and did, the true reward, and whether the episode ended (the env was reset). */
export interface LiveStepResult {
  obs: Float32Array;
  /** The observation the step led to (the episode's final one if it ended). */
  next: Float32Array;
  action: number;
  reward: number;
  ended: boolean;
}

interface LiveStep {
  start: number;
  end: number;
  /** As the env gives it: Float32 for ram, bytes for pixels (a quarter of the memory; the replay keeps many). */
  obs: Observation;
  action: number;
}

/** Steps kept for credit: a little more than the longest delay. */
const RECENT_SECONDS_MARGIN = 1;
/**
 * Live steps kept as the reference set for normalising a feedback-only reward, and live steps between
 * normalisations. A pixel Ĥ (a CNN) takes about 0.46 s on wasm to score 500 steps for every action (3
 * members), so pixel runs normalise on fewer steps, less often: 2,000 every 100 live steps would hold the
 * session for about 2 s of every 6.7 s of play, which in the app is live play standing still.
 */
const REFERENCE_STEPS = { flat: 2000, frames: 500 };
const NORMALISE_EVERY = { flat: 100, frames: 500 };

export class FeedbackChannel {
  readonly env: AtariEnv;
  readonly delay: DelayDensity;
  readonly replay: FeedbackReplay<Observation>;
  readonly teacher: ScalarTeacher | null;
  /** Feedback events taken (from anyone). */
  feedbackUsed = 0;
  /** Play clock at the end of the last live step, seconds. */
  clock = 0;
  liveSteps = 0;
  lastLoss = Number.NaN;
  /** True return and length of the live episodes that ended (for the app and metrics). */
  readonly liveEpisodes: { return: number; length: number }[] = [];
  private liveReturn = 0;
  private liveLength = 0;
  private obs: Float32Array;
  private readonly recent: LiveStep[] = [];
  private readonly reference: LiveStep[] = [];
  private readonly log: JsonlLog<FeedbackEvent>;
  /** Stacked frames (pixels): credited steps are stored as their frames. */
  private readonly layout: FrameLayout | null;
  /** The expert's own observation of the live env's state, when it differs from the run's. */
  private readonly view: (() => Float32Array) | null;
  /** |advantage| of the recent steps, for the scalar-expert teacher's threshold. */
  private readonly recentAdvantages: number[] = [];
  /**
   * The live step of the synthetic teacher's last press of its own in this run's feedback.jsonl (-1: none with
   * a live step). A run resumed from a checkpoint plays on from the live-step count saved there (the live env
   * starts a fresh episode), so it counts again the live steps after it; the teacher's presses for those steps
   * are on record already, so it presses again only past this step (else they would count twice).
   */
  private readonly pressedUntil: number;

  constructor(
    dir: string,
    readonly config: TamerConfig,
    readonly model: RewardModel,
    envId: string,
    envOptions: Partial<EnvOptions>,
    seed: number,
    /** The policy that plays live: the learner's, or greedy on Ĥ. */
    private readonly policy: (obs: Float32Array) => number,
    /** For the expert teachers: the expert's judgement of a step. */
    private readonly judge: StepJudge | null = null,
    /** What the expert observes, when not the run's observations. */
    expertView: ExpertView | null = null,
  ) {
    if (config.teacher !== null && EXPERT_TEACHERS.includes(config.teacher) && judge === null) throw new Error(`the ${config.teacher} teacher needs the expert's judgement`);
    if (!existsSync(dir)) throw new Error(`run folder ${dir} does not exist`);
    this.delay = uniformDelay(config.delayMin, config.delayMax);
    this.env = makeEnv(envId, envOptions);
    this.view = expertView === null ? null : expertView(this.env);
    this.obs = Float32Array.from(this.env.reset({ seed: seed + 200_000 }).obs);
    this.replay = new FeedbackReplay<Observation>(undefined, seed);
    this.layout = frameLayout(this.env.observationSpace);
    this.teacher =
      config.teacher === null
        ? null
        : new ScalarTeacher(
            { ...TEACHER_PARAM_DEFAULTS[config.teacher], ...config.teacherParams, mode: config.teacher === 'scalar-oracle' ? 'reward' : 'advantage', delay: this.delay },
            seed,
          );
    const path = join(dir, 'feedback.jsonl');
    const { log, records } = JsonlLog.open(path, FEEDBACK_FORMAT);
    this.log = log;
    let pressedUntil = -1;
    // Presses a second apart credit mostly the same steps: one array for each step, as live play keeps them.
    const shared = this.layout === null ? (o: Observation) => o : sharedObservations();
    records.forEach((e, i) => {
      const obs = creditedSteps(e, this.env.observationSpace, `${path}:${i + 2}: press ${i + 1}`, `this run observes (${this.env.options.obsType})`).map(shared);
      e.credits.forEach((c, j) => this.replay.add({ step: obs[j], action: c.action, feedback: e.value, weight: c.weight }));
      this.feedbackUsed++;
      // (a press imported from another run's dataset was about that run's live play)
      if (e.labeler === this.labeler && e.origin === undefined && e.liveStep !== undefined) pressedUntil = Math.max(pressedUntil, e.liveStep);
    });
    this.pressedUntil = pressedUntil;
  }

  get labeler(): string {
    return `teacher:${this.config.teacher}`;
  }

  /**
   * Plays one live step; the synthetic teacher reacts. Headless, the step lasts 1 / stepsPerSecond on a
   * simulated play clock counted in steps. The app passes `span`: when the step is on screen, in seconds on
   * the wall clock the host keeps (the same clock it timestamps presses with).
   */
  step(span?: StepSpan): LiveStepResult {
    // From the step count rather than by adding 1/15 s at a time, which drifts.
    const start = span?.start ?? this.liveSteps / this.config.stepsPerSecond;
    const end = span?.end ?? (this.liveSteps + 1) / this.config.stepsPerSecond;
    if (!(end > start && start >= this.clock)) {
      throw new RangeError(`a live step must start at or after the last one's end (t=${this.clock} s) and last a while, got [${start}, ${end}]`);
    }
    const obs = this.obs.slice();
    const action = this.policy(obs);
    const seen = this.view?.() ?? null;
    const reward = this.env.advance(action);
    const seenNext = this.view?.() ?? null;
    this.liveReturn += reward;
    this.liveLength++;
    const step = { start, end, obs: this.layout === null ? obs : Uint8Array.from(obs), action };
    this.recent.push(step);
    this.reference.push(step);
    if (this.reference.length > REFERENCE_STEPS[this.layout === null ? 'flat' : 'frames']) this.reference.shift();
    while (this.recent.length > 0 && this.recent[0].end < end - this.config.delayMax - RECENT_SECONDS_MARGIN) this.recent.shift();
    const next = this.env.obs.slice() as Float32Array;
    const terminal = this.env.terminated;
    const ended = this.env.terminated || this.env.truncated;
    if (ended) {
      this.liveEpisodes.push({ return: this.liveReturn, length: this.liveLength });
      this.liveReturn = 0;
      this.liveLength = 0;
      this.env.reset();
    }
    this.obs.set(this.env.obs);
    this.clock = end;
    this.liveSteps++;
    if (this.teacher !== null) {
      const judged = seen === null ? { obs, next } : { obs: seen, next: seenNext! };
      this.teacher.observe({ start, end, reward, advantage: this.expertSignal({ ...judged, action, reward, terminal }) });
      for (const f of this.teacher.due(end)) {
        if (this.feedbackUsed >= this.config.feedback) break;
        if (this.liveSteps > this.pressedUntil) this.give(f, this.labeler);
      }
    }
    if (this.liveSteps % this.config.replayEvery === 0 && this.replay.size > 0) {
      const batch = this.replay.sample(this.config.replayBatch);
      this.train(batch.map((e) => e.step), batch.map((e) => e.action), batch.map((e) => e.feedback), batch.map((e) => e.weight));
    }
    return { obs, next, action, reward, ended };
  }

  /**
   * Takes one press: checks it (value in [-1, 1], not from the future, crediting some recent step), writes
   * it with its credited steps to feedback.jsonl (fsynced), adds them to the replay buffer and updates the net
   * on them. Throws, changing nothing, on bad feedback.
   */
  give(feedback: { time: number; value: number }, labeler: string, now = this.clock): Credit[] {
    if (typeof labeler !== 'string' || labeler.trim() === '') throw new Error(`labeler must be a non-empty name, got ${JSON.stringify(labeler)}`);
    const credits = assignCredit(feedback, this.recent, this.delay, now);
    const steps = credits.map((c) => this.recent[c.stepIndex]);
    const { frames, at } = encodeCredited(steps.map((s) => s.obs), this.layout);
    this.log.append({
      time: feedback.time,
      value: feedback.value,
      labeler,
      at: new Date().toISOString(),
      ...(frames !== undefined && { frames }),
      credits: credits.map((c, i) => ({ action: steps[i].action, weight: c.weight, ...at[i] })),
      liveStep: this.liveSteps,
    });
    this.feedbackUsed++;
    credits.forEach((c, i) => this.replay.add({ step: steps[i].obs, action: steps[i].action, feedback: feedback.value, weight: c.weight }));
    this.train(
      steps.map((s) => s.obs),
      steps.map((s) => s.action),
      credits.map(() => feedback.value),
      credits.map((c) => c.weight),
    );
    return credits;
  }

  /**
   * The expert's signal for the step just played: scalar-policy's judgement as it is; scalar-expert's advantage
   * if it is among the largest recent ones, else 0.
   */
  private expertSignal(step: JudgedStep): number | undefined {
    if (this.judge === null) return undefined;
    const a = this.judge(step);
    if (this.config.teacher === 'scalar-policy') return a;
    this.recentAdvantages.push(Math.abs(a));
    if (this.recentAdvantages.length > 1000) this.recentAdvantages.shift();
    const sorted = [...this.recentAdvantages].sort((x, y) => y - x);
    const threshold = sorted[Math.floor(sorted.length * this.config.expertTopFraction)] ?? 0;
    return Math.abs(a) > threshold ? a : 0;
  }

  private train(obs: Observation[], actions: number[], feedback: number[], weights: number[]): void {
    const flat = new Float32Array(obs.length * this.model.obsSize);
    obs.forEach((o, i) => flat.set(o, i * this.model.obsSize));
    this.lastLoss = this.model.trainFeedback(flat, actions, feedback, weights, this.config.weight);
  }

  /** Live steps between normalisations of a feedback-only reward (see `normalise`). */
  get normaliseEvery(): number {
    return NORMALISE_EVERY[this.layout === null ? 'flat' : 'frames'];
  }

  /** Normalises the net's reward on the recent live steps (for a feedback-only reward). */
  normalise(): void {
    const n = this.reference.length;
    if (n < 2) return;
    const obs = new Float32Array(n * this.model.obsSize);
    this.reference.forEach((s, i) => obs.set(s.obs, i * this.model.obsSize));
    this.model.normalise(obs, Int32Array.from(this.reference, (s) => s.action), n);
  }
}

/** A function that gives back the first array it was given with the same values as its argument. */
function sharedObservations(): (o: Observation) => Observation {
  const seen = new Map<number, Observation[]>();
  return (o) => {
    let h = 0x811c9dc5;
    for (let i = 0; i < o.length; i += 7) h = Math.imul(h ^ o[i], 0x01000193); // a sample: equal values are checked below
    const bucket = seen.get(h);
    const same = bucket?.find((b) => b.length === o.length && b.every((x, i) => x === o[i]));
    if (same !== undefined) return same;
    if (bucket === undefined) seen.set(h, [o]);
    else bucket.push(o);
    return o;
  };
}

/** A2C's reward when feedback is the only channel: the normalised Ĥ(s, a) of the taken actions. */
export class FeedbackRewardSource implements RewardSource {
  readonly name = 'tamer';
  readonly usesTrueReward = false;
  readonly scale: number;
  constructor(private readonly model: RewardModel) {
    this.scale = model.config.rewardStd;
  }

  rewards(batch: RolloutBatch): Float32Array {
    const rows = batch.numSteps * batch.numEnvs;
    // Before the first press the net knows nothing; normalising its outputs would hand the agent amplified
    // noise (and collapse its policy), so the reward is 0 until then.
    if (this.model.feedbackSteps === 0) return new Float32Array(rows);
    return this.model.predict(batch.obs, batch.actions, rows); // Ĥ(s, a) reads the state
  }
}

/** Deep TAMER's own agent: greedy on Ĥ, with ties broken at random. */
export function greedyOnH(model: RewardModel, seed: number): (obs: Float32Array) => number {
  const rng = new Rng();
  rng.seed(seed, 31);
  return (obs) => {
    // Before any feedback every action is as good: explore uniformly rather than repeat one action.
    if (model.feedbackSteps === 0) return Math.floor(rng.next() * model.numActions);
    return model.greedyActions(obs, 1)[0];
  };
}
