/**
 * Learning a reward from clip preferences while the agent trains (Christiano et al. 2017), as one reward
 * source for the A2C learner:
 *
 *   1. before RL: clips of a random policy, the first labels on them (25% of the budget), and 200 epochs of
 *      reward-model pretraining on those labels;
 *   2. during RL: clips cut from the agent's rollouts into a pool of recent clips; pairs asked for as the
 *      label schedule (c / (T + c)) comes due, chosen by ensemble disagreement; the reward model trained a
 *      minibatch every `rewardUpdateEvery` agent steps, renormalised and evaluated every `evalEvery` steps.
 *      The agent never waits for a label: answers are used whenever they arrive.
 *
 * Answers come through the labeling session: from people (the app) or from a synthetic teacher, which is
 * handed the pairs exactly as a person is (clip records) and judges them by re-simulating them.
 */
import { type ClipRecord, replayClip } from '../env/clip.js';
import { Rng, type RngState } from '../env/rng.js';
import { VectorEnv } from '../env/vector-env.js';
import type { FinishedEpisode } from '../learning/a2c.js';
import { type Clip, ClipRecorder, INITIAL_POLICIES, type InitialPolicy, randomPolicyClips } from '../learning/preferences/clips.js';
import type { ClipData } from '../learning/preferences/dataset.js';
import { disagreement, drawPairs, SELECTIONS, type Selection, topIndices } from '../learning/preferences/query.js';
import { type RewardEvaluation, type RewardInput, RewardModel, type RewardModelConfig, resolveRewardModelConfig } from '../learning/preferences/reward-model.js';
import { LabelSchedule } from '../learning/preferences/schedule.js';
import { LabelScreen, type LabelScreenState } from '../learning/preferences/screen.js';
import { SyntheticTeacher, TEACHERS, type TeacherName, type TeacherParams, validateTeacherParams } from '../learning/preferences/teachers.js';
import type { RewardSource, RolloutBatch } from '../learning/reward-source.js';
import { mean } from '../learning/stats.js';
import { LabelingSession } from './labeling.js';
import type { Label } from '../store/labels.js';
import { isLabelerAgreementList, type LabelerAgreement } from '../shared/api.js';
import { eventLoopTurns } from './turns.js';
import { pretrainSteps } from '../shared/label-math.js';
import { DEFAULT_CLIP_LENGTH, DEFAULT_NORMALISE_ON, GAME_PREFERENCE_DEFAULTS, NORMALISE_ON, type NormaliseOn } from '../shared/game-defaults.js';

export interface PreferenceConfig {
  /** Label budget for the run. */
  labels: number;
  /** A synthetic teacher answers the pairs; null when people do (through the app). */
  teacher: TeacherName | null;
  /** Overrides of the teacher's B-Pref parameters (e.g. { epsilon: 0.2 }). */
  teacherParams: Partial<TeacherParams>;
  /** Agent steps per clip (25). */
  clipLength: number;
  /** Mean agent steps between clip starts in one env. */
  clipEvery: number;
  /** Most recent clips that pairs are drawn from. */
  poolSize: number;
  selection: Selection;
  /** Candidate pairs per asked pair for disagreement selection (10). */
  oversample: number;
  /** Fraction of the budget asked for on random-policy clips before RL (0.25). */
  initialFraction: number;
  /** How the random policy of those clips acts (see INITIAL_POLICIES). */
  initialPolicy: InitialPolicy;
  /** Epochs of reward-model training on the first labels before RL (200). */
  pretrainEpochs: number;
  /**
   * c of the label rate c / (T + c), in agent steps. New runs record it (by default `defaultDecaySteps`: a
   * third of the run's steps); null, in runs made before that, is a tenth of the run's steps.
   */
  decaySteps: number | null;
  /** Agent steps between reward-model minibatches during RL. */
  rewardUpdateEvery: number;
  /**
   * Screen out labels the ensemble has good reason to think wrong before training on them (RIME's denoising
   * discriminator, learning/preferences/screen.ts): once a pretraining epoch and at each evaluation. For
   * teachers who sometimes click the wrong clip. Off by default (false in runs made before it).
   */
  screenLabels: boolean;
  /** Agent steps between renormalising and evaluating the reward model. */
  evalEvery: number;
  /**
   * The steps each member is renormalised on during RL (NORMALISE_ON): `recent`, the pool of clips cut from the
   * agent's latest rollouts (Christiano et al., rl-teacher); `initial`, the clips of the first labels, from the
   * random policy, always the same, so the reward's size follows how much more happens than under random play
   * (as a score does) rather than staying at rewardStd over whatever the agent does now. Recent by default.
   */
  normaliseOn: NormaliseOn;
  /** Lock time of a pair handed to one labeler, ms (rl-teacher: 2 minutes). */
  lockMs: number;
  /**
   * The reward net's settings. Checked with the run's (`rewardModelConfigOf` in session/trainer.ts), which knows
   * what live feedback adds (Ĥ(s, a)), not here: alone they need not fit together.
   */
  rewardModel: Partial<RewardModelConfig>;
}

/**
 * The default c of a new run's label rate: a third of its steps (1M of 3M; Christiano et al.'s Atari c was
 * 5e6 frames, 1.25M agent steps). It was a tenth: with a third, more labels come after the agent starts doing
 * something worth comparing, and 1,000-label runs on Pong, Enduro and Space Invaders (3 seeds, 3M steps)
 * scored better greedily in 4 of 6 game-teacher cells, by 38 points of normalised score summed (docs/experiments.md).
 */
export function defaultDecaySteps(totalSteps: number): number {
  return Math.max(1, Math.round(totalSteps / 3));
}

/** c of the label rate of runs made before it was recorded (decaySteps null): a tenth of their steps. */
export function legacyDecaySteps(totalSteps: number): number {
  return Math.max(1, totalSteps / 10);
}

/** Groups the held-out verdicts (RewardEvaluation.heldOutRight) by who gave each label, most answers first. */
export function agreementByLabeler(labels: readonly Pick<Label, 'pairId' | 'labeler'>[], heldOutRight: ReadonlyMap<string, boolean>): LabelerAgreement[] {
  const by = new Map<string, { heldOut: number; right: number }>();
  for (const l of labels) {
    const right = heldOutRight.get(l.pairId);
    if (right === undefined) continue;
    const t = by.get(l.labeler) ?? { heldOut: 0, right: 0 };
    t.heldOut++;
    if (right) t.right++;
    by.set(l.labeler, t);
  }
  return [...by]
    .map(([labeler, t]) => ({ labeler, heldOut: t.heldOut, agreement: t.right / t.heldOut }))
    .sort((a, b) => b.heldOut - a.heldOut || a.labeler.localeCompare(b.labeler));
}

/**
 * What a new run's reward model reads when its settings do not say: the state for an action-dependent model
 * (Deep TAMER's Ĥ(s, a) scores every action before one is taken), else the game's default.
 */
export function defaultRewardInput(env: string, actionDependent: boolean): RewardInput {
  return actionDependent ? 'state' : (GAME_PREFERENCE_DEFAULTS[env]?.input ?? 'state');
}

/** The scale a new preference run without live feedback normalises its reward to when it does not say, if not the model's default. */
export function defaultPreferenceRewardStd(env: string, actionDependent: boolean): number | undefined {
  return actionDependent ? undefined : GAME_PREFERENCE_DEFAULTS[env]?.rewardStd;
}

export { NORMALISE_ON, type NormaliseOn };

export const PREFERENCE_DEFAULTS: PreferenceConfig = {
  labels: 1000,
  teacher: null,
  teacherParams: {},
  clipLength: DEFAULT_CLIP_LENGTH,
  clipEvery: 250,
  poolSize: 500,
  selection: 'disagreement',
  oversample: 10,
  initialFraction: 0.25,
  initialPolicy: 'persistent',
  pretrainEpochs: 200,
  decaySteps: null,
  rewardUpdateEvery: 1000,
  screenLabels: false,
  evalEvery: 20_000,
  normaliseOn: DEFAULT_NORMALISE_ON,
  lockMs: 120_000,
  rewardModel: {},
};

export function resolvePreferenceConfig(partial: Partial<PreferenceConfig> = {}): PreferenceConfig {
  for (const k of Object.keys(partial)) {
    if (!(k in PREFERENCE_DEFAULTS)) throw new RangeError(`unknown preference setting "${k}"; known: ${Object.keys(PREFERENCE_DEFAULTS).join(', ')}`);
  }
  const c = { ...PREFERENCE_DEFAULTS, ...partial };
  const bad = (name: keyof PreferenceConfig, want: string) => new RangeError(`preference setting ${name} must be ${want}, got ${JSON.stringify(c[name])}`);
  const posInt = (name: keyof PreferenceConfig) => {
    if (!Number.isInteger(c[name]) || (c[name] as number) < 1) throw bad(name, 'a positive integer');
  };
  posInt('labels');
  if (c.teacher !== null && !Object.hasOwn(TEACHERS, c.teacher)) throw bad('teacher', `null (people label) or one of ${Object.keys(TEACHERS).join(', ')}`);
  validateTeacherParams({ ...(c.teacher === null ? TEACHERS.oracle : TEACHERS[c.teacher]), ...c.teacherParams });
  posInt('clipLength');
  if (!(c.clipEvery >= 1)) throw bad('clipEvery', 'at least 1');
  if (!Number.isInteger(c.poolSize) || c.poolSize < 2) throw bad('poolSize', 'an integer of at least 2');
  if (!SELECTIONS.includes(c.selection)) throw bad('selection', SELECTIONS.join(' or '));
  posInt('oversample');
  if (!(c.initialFraction > 0 && c.initialFraction <= 1)) throw bad('initialFraction', 'in (0, 1]');
  if (!INITIAL_POLICIES.includes(c.initialPolicy)) throw bad('initialPolicy', INITIAL_POLICIES.join(' or '));
  if (!Number.isInteger(c.pretrainEpochs) || c.pretrainEpochs < 0) throw bad('pretrainEpochs', 'a non-negative integer');
  if (c.decaySteps !== null && !(c.decaySteps > 0)) throw bad('decaySteps', 'positive or null');
  posInt('rewardUpdateEvery');
  if (typeof c.screenLabels !== 'boolean') throw bad('screenLabels', 'true or false');
  posInt('evalEvery');
  if (!NORMALISE_ON.includes(c.normaliseOn)) throw bad('normaliseOn', NORMALISE_ON.join(' or '));
  if (!(c.lockMs > 0)) throw bad('lockMs', 'positive');
  return c;
}

export interface PreferenceMetrics {
  labelsUsed: number;
  labelsAsked: number;
  rewardModelValAccuracy: number;
  predTrueCorrelation: number;
  rewardModelTrainLoss: number;
  rewardModelValLoss: number;
  rewardModelL2: number;
  rewardModelSteps: number;
  /**
   * With screenLabels: the training labels left out (the last screening did not trust them and no person has
   * reviewed them since: PreferenceDataset.leftOut), and how many of them, and of all
   * the decided training labels, disagree with the game score (a diagnostic of the screen for synthetic
   * teachers; a person may rightly disagree with the score). Absent without screening.
   */
  labelsDistrusted?: number;
  distrustedAgainstScore?: number;
  labelsAgainstScore?: number;
}

/** The learner's own state for checkpoints (the reward model's is saved with it, by the trainer). */
export interface PreferenceState {
  pretrained: boolean;
  rng: RngState;
  /** The label screen's statistics and distrusted labels (with screenLabels). */
  screen?: LabelScreenState;
  /** The last evaluation's per-labeler agreement (absent before it, and in checkpoints made before 6 Dec). */
  agreement?: LabelerAgreement[];
}

/** Episodes whose true returns set the synthetic teacher's B-Pref thresholds (the last 10). */
const TEACHER_EPISODES = 10;

export class PreferenceLearner implements RewardSource {
  readonly name = 'preferences';
  readonly usesTrueReward = false;
  readonly model: RewardModel;
  readonly usesNextObs: boolean;
  readonly scale: number;
  readonly session: LabelingSession;
  readonly schedule: LabelSchedule;
  readonly recorder: ClipRecorder;
  readonly teacher: SyntheticTeacher | null;
  pretrained = false;
  private readonly pool: Clip[] = [];
  /** With normaliseOn initial: the first labels' clips, gathered at the first evaluation during RL. */
  private firstClips: readonly ClipData[] | null = null;
  private readonly rng = new Rng();
  private readonly recentEpisodes: FinishedEpisode[] = [];
  private lastEval: RewardEvaluation | null = null;
  /** Per labeler, the last evaluation's held-out verdicts (labelerAgreement); grouped once an evaluation. */
  private lastAgreement: LabelerAgreement[] | null = null;
  private nextUpdate = 0;
  private nextEval = 0;
  /** RIME's label screen, with screenLabels; β falls from 3 to 1 over the pretraining epochs' screenings. */
  private readonly screen: LabelScreen | null;

  constructor(
    readonly dir: string,
    readonly config: PreferenceConfig,
    readonly env: VectorEnv,
    readonly totalSteps: number,
    readonly seed: number,
    /** The learner's agent step count. */
    private readonly steps: () => number,
  ) {
    const rm = resolveRewardModelConfig(config.rewardModel);
    this.model = new RewardModel(env.observationSpace.shape, env.actionSpace.n, rm, seed);
    this.usesNextObs = this.model.readsNext;
    this.scale = rm.rewardStd;
    this.session = LabelingSession.open(dir, { members: rm.members, valFraction: rm.valFraction, maxLabels: rm.maxLabels, seed, lockMs: config.lockMs });
    this.schedule = new LabelSchedule({
      budget: config.labels,
      initialFraction: config.initialFraction,
      decaySteps: config.decaySteps ?? legacyDecaySteps(totalSteps),
      totalSteps,
    });
    this.recorder = new ClipRecorder(
      env,
      { length: config.clipLength, every: config.clipEvery, seed },
      () => ({ id: this.session.newClipId(), step: this.steps() }),
      (clip) => {
        this.pool.push(clip);
        if (this.pool.length > config.poolSize) this.pool.shift();
      },
    );
    this.teacher = config.teacher === null ? null : new SyntheticTeacher(config.teacher, config.teacherParams, seed);
    this.rng.seed(seed, 29);
    this.screen = config.screenLabels ? new LabelScreen(Math.max(1, config.pretrainEpochs)) : null;
  }

  get labeler(): string {
    return `teacher:${this.config.teacher}`;
  }

  rewards(batch: RolloutBatch): Float32Array {
    return this.model.predict(batch.obs, batch.actions, batch.numSteps * batch.numEnvs, batch.nextObs);
  }

  /**
   * Before RL: the first labels, on random-policy clips, and pretraining on them. With people labelling,
   * waits (polling `shouldStop`) until they have answered the first batch.
   */
  async prepare(shouldStop: () => boolean = () => false): Promise<void> {
    if (this.pretrained) return;
    const want = this.schedule.initial;
    const missing = want - this.session.askedPairs.size;
    if (missing > 0) {
      // Restarted before the first checkpoint: new pairs come from the random-policy clips already stored (never
      // a pair asked before). Fresh clips from the same seed would show people comparisons they had answered.
      const stored = this.session.storedClips(0);
      const pairs = drawPairs(stored, missing, this.session.askedPairs, this.rng);
      let clips = stored;
      if (pairs.length < missing) {
        const fresh = randomPolicyClips(
          VectorEnv.make(this.env.id, this.env.numEnvs, this.env.envs[0].options),
          Math.max(2, Math.ceil((missing - pairs.length) * 0.8) + 1),
          { length: this.config.clipLength, every: this.config.clipEvery / 5, seed: this.seed + stored.length },
          () => this.session.newClipId(),
          this.config.initialPolicy,
        );
        pairs.push(...drawPairs(fresh, missing - pairs.length, this.session.askedPairs, this.rng));
        clips = [...stored, ...fresh];
      }
      this.session.request(pairs);
      this.model.normaliseClips(clips);
    }
    this.answerWithTeacher();
    while (this.session.progress().pending > 0 && !shouldStop()) await new Promise((r) => setTimeout(r, 100));
    const data = this.session.dataset;
    const steps = pretrainSteps(data.train.length, this.config.pretrainEpochs, this.model.config.batchSize);
    const turn = eventLoopTurns(); // a stop asked during pretraining is seen
    const epoch = Math.max(1, Math.round(steps / Math.max(1, this.config.pretrainEpochs)));
    for (let i = 0; i < steps && !shouldStop(); i++) {
      if (i % epoch === 0) this.screenLabels();
      this.model.trainStep(data);
      await turn();
    }
    this.pretrained = !shouldStop();
    this.evaluate(this.session.labels().flatMap((l) => [this.session.clip(l.left), this.session.clip(l.right)]));
  }

  /** After each A2C update: ask for labels due, take answers, train and evaluate the reward model. */
  afterIteration(episodes: readonly FinishedEpisode[]): void {
    const step = this.steps();
    this.session.step = step;
    for (const e of episodes) {
      this.recentEpisodes.push(e);
      if (this.recentEpisodes.length > TEACHER_EPISODES) this.recentEpisodes.shift();
    }
    const missing = this.schedule.due(step) - this.session.askedPairs.size;
    if (missing > 0 && this.pool.length >= 2) this.ask(missing);
    this.answerWithTeacher();
    if (step >= this.nextUpdate) {
      this.nextUpdate = step + this.config.rewardUpdateEvery;
      this.model.trainStep(this.session.dataset);
    }
    if (step >= this.nextEval) {
      this.nextEval = step + this.config.evalEvery;
      this.evaluate(this.normalisingClips());
      this.screenLabels();
    }
  }

  /** With screenLabels: screens the training labels by their loss under the ensemble now (screen.ts). */
  private screenLabels(): void {
    this.screen?.screenDataset(this.model, this.session.dataset);
  }

  private ask(count: number): void {
    const { selection, oversample } = this.config;
    const candidates = drawPairs(this.pool, selection === 'uniform' ? count : count * oversample, this.session.askedPairs, this.rng);
    if (candidates.length === 0) return;
    if (selection === 'uniform') {
      this.session.request(candidates);
      return;
    }
    const scores = disagreement(this.model.preferenceProbs(candidates.map(([left, right]) => ({ left, right }))));
    const chosen = topIndices(scores, count);
    this.session.request(
      chosen.map((i) => candidates[i]),
      chosen.map((i) => scores[i]),
    );
  }

  /** The synthetic teacher, if any, answers every pair waiting, as a labeler of the session. */
  private answerWithTeacher(): void {
    const teacher = this.teacher;
    if (teacher === null) return;
    if (this.recentEpisodes.length > 0) {
      teacher.setReturnScale(mean(this.recentEpisodes.map((e) => e.return)), mean(this.recentEpisodes.map((e) => e.length)));
    }
    for (let pair = this.session.next(this.labeler); pair !== null; pair = this.session.next(this.labeler)) {
      this.session.answer(pair.pairId, teacher.answer(trueRewards(pair.left), trueRewards(pair.right)), this.labeler);
    }
  }

  /**
   * What the model is renormalised on during RL (normaliseOn): the first labels' clips, once there are some (they
   * do not change once RL runs, so they are gathered once), or the pool.
   */
  private normalisingClips(): readonly ClipData[] {
    if (this.config.normaliseOn === 'initial' && this.firstClips === null) {
      const first = this.session.storedClips(0);
      if (first.length >= 2) this.firstClips = first;
    }
    return this.firstClips ?? this.pool;
  }

  /** Renormalises on the steps of `clips` and evaluates on the labels. */
  private evaluate(clips: readonly ClipData[]): void {
    this.model.normaliseClips(clips);
    this.lastEval = this.model.evaluate(this.session.dataset);
    this.lastAgreement = agreementByLabeler(this.session.labels(), this.lastEval.heldOutRight);
  }

  metrics(): PreferenceMetrics {
    const e = this.lastEval;
    return {
      labelsUsed: this.session.labels().length,
      labelsAsked: this.session.askedPairs.size,
      rewardModelValAccuracy: e?.valAccuracy ?? Number.NaN,
      predTrueCorrelation: e?.predTrueCorrelation ?? Number.NaN,
      rewardModelTrainLoss: e?.trainLoss ?? Number.NaN,
      rewardModelValLoss: e?.valLoss ?? Number.NaN,
      rewardModelL2: this.model.l2,
      rewardModelSteps: this.model.trainSteps,
      ...(this.screen !== null && this.screenCounts()),
    };
  }

  /**
   * Per labeler, the share of their decided held-out answers the reward model predicted at its last evaluation,
   * most answers first; null before the first evaluation.
   */
  labelerAgreement(): LabelerAgreement[] | null {
    return this.lastAgreement;
  }

  private screenCounts(): Pick<PreferenceMetrics, 'labelsDistrusted' | 'distrustedAgainstScore' | 'labelsAgainstScore'> {
    const data = this.session.dataset;
    // Decided labels whose answer the clips' true returns contradict (the score's own ties contradict neither).
    const against = data.train.filter((c) => c.target !== 0.5 && c.left.trueReturn !== c.right.trueReturn && c.left.trueReturn > c.right.trueReturn !== c.target > 0.5);
    return {
      labelsDistrusted: data.leftOut.length,
      distrustedAgainstScore: against.filter((c) => data.isDistrusted(c.pairId)).length,
      labelsAgainstScore: against.length,
    };
  }

  getState(): PreferenceState {
    return {
      pretrained: this.pretrained,
      rng: this.rng.getState(),
      ...(this.screen !== null && { screen: this.screen.getState() }),
      // A reopened run shows it before its model is evaluated again (a finished one never is).
      ...(this.lastAgreement !== null && { agreement: this.lastAgreement }),
    };
  }

  setState(state: PreferenceState): void {
    this.rng.setState(state.rng, 'preference learner rng state');
    this.pretrained = state.pretrained;
    if (state.agreement !== undefined) {
      if (!isLabelerAgreementList(state.agreement)) throw new Error(`preference learner state: agreement must list { labeler, heldOut, agreement }, got ${JSON.stringify(state.agreement)}`);
      this.lastAgreement = state.agreement;
    }
    if (this.screen !== null && state.screen !== undefined) {
      this.screen.setState(state.screen);
      this.session.dataset.setDistrusted(this.screen.distrusted);
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** What a synthetic teacher sees of a clip: its true per-step rewards, by re-simulating the record. */
function trueRewards(record: ClipRecord): number[] {
  return replayClip(record).rewards;
}
