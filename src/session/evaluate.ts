/**
 * Evaluation on the true game score: play whole episodes with a policy and report the returns. Used by
 * `npm run eval`, by the random-policy baselines and by the learning benchmarks.
 */
import type { AtariEnv } from '../env/atari-env.js';
import type { Observation } from '../env/core.js';
import { makeEnv } from '../env/index.js';
import { Rng } from '../env/rng.js';
import { mean } from '../learning/stats.js';

/** The seed of the first evaluation episode by default (`npm run eval`; episode i uses seed + i). */
export const EVAL_SEED = 1000;

export interface ReturnStats {
  mean: number;
  std: number;
  min: number;
  max: number;
}

export interface Evaluation extends ReturnStats {
  returns: number[];
  lengths: number[];
  /** How often each action was taken, over every step of every episode (counts, by action index). */
  actionCounts: number[];
}

export function returnStats(xs: readonly number[]): ReturnStats {
  const m = mean(xs);
  const std = Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
  return { mean: m, std, min: Math.min(...xs), max: Math.max(...xs) };
}

/** Plays `episodes` episodes (episode i seeded with seed + i) choosing actions with `policy`. */
export function evaluatePolicy(
  env: AtariEnv,
  policy: (obs: Observation) => number,
  episodes: number,
  seed: number,
  onEpisode?: (i: number, ret: number, length: number) => void,
): Evaluation {
  const returns: number[] = [];
  const lengths: number[] = [];
  const actionCounts = new Array<number>(env.actionSpace.n).fill(0);
  for (let ep = 0; ep < episodes; ep++) {
    let obs = env.reset({ seed: seed + ep }).obs;
    let ret = 0;
    let len = 0;
    while (!env.done) {
      const action = policy(obs);
      const r = env.step(action); // throws on an action the game does not have
      actionCounts[action]++;
      obs = r.obs;
      ret += r.reward;
      len++;
    }
    returns.push(ret);
    lengths.push(len);
    onEpisode?.(ep, ret, len);
  }
  return { ...returnStats(returns), returns, lengths, actionCounts };
}

/** The share of steps each action took, keyed by the action's meaning (e.g. { NOOP: 0.1, FIRE: 0.9 }). */
export function actionShares(env: AtariEnv, counts: readonly number[]): Record<string, number> {
  const total = counts.reduce((a, b) => a + b, 0);
  return Object.fromEntries(env.actionSpace.meanings.map((m, a) => [m, total === 0 ? 0 : counts[a] / total]));
}

/**
 * The best policy that takes one action always, over `episodes` episodes from `seed` (as `npm run eval` plays
 * them): a second floor beside the random policy. Where it scores well (Space Invaders: always FIRE), an agent's
 * score says little until it clears it.
 */
export function bestConstantPolicy(id: string, episodes: number, seed: number): { action: number; meaning: string; evaluation: Evaluation } {
  const env = makeEnv(id);
  let best: { action: number; meaning: string; evaluation: Evaluation } | null = null;
  for (let action = 0; action < env.actionSpace.n; action++) {
    const evaluation = evaluatePolicy(env, () => action, episodes, seed);
    if (best === null || evaluation.mean > best.evaluation.mean) best = { action, meaning: env.actionSpace.meanings[action], evaluation };
  }
  return best!;
}

/** The uniformly random policy's returns: the floor every learned agent is normalised against. */
export function randomPolicyReturns(id: string, episodes: number, seed: number): Evaluation {
  const env = makeEnv(id);
  const rng = new Rng();
  rng.seed(seed, 7); // not the stream the games are seeded with
  return evaluatePolicy(env, () => rng.int(env.actionSpace.n), episodes, seed);
}

/**
 * The normalised score (x - random) / (truth - random) of Christiano et al.'s comparison: 1 scores as the true-reward
 * runs do, 0 as the random policy. Null when the true reward does not beat random, where the ratio means nothing.
 */
export function normalisedScore(x: number, truth: number, random: number): number | null {
  return truth > random ? (x - random) / (truth - random) : null;
}

/**
 * A confidence interval for the normalised score (learned - random) / (truth - random) of two groups of runs,
 * each run given as its evaluation episodes' returns: a percentile bootstrap over both sources of chance, the runs
 * (seeds, resampled with replacement within each group, as rliable's stratified bootstrap does; Agarwal et al.
 * 2021) and each drawn run's episodes (resampled within the run). The random policy's mean is taken as exact.
 * With three seeds the interval is rough and too narrow (on simulated runs whose seeds differ more than
 * their 20-episode means do by chance, the 95% interval held the true score 80 times in 100 with three runs and 93
 * with ten), but it shows when two settings' scores cannot be told apart. Null when a resampled true-reward mean
 * does not beat random (the ratio is then unbounded).
 */
export function normalisedInterval(
  learned: readonly (readonly number[])[],
  truth: readonly (readonly number[])[],
  random: number,
  { samples = 10_000, level = 0.95, seed = 0 }: { samples?: number; level?: number; seed?: number } = {},
): [number, number] | null {
  for (const [name, runs] of [['learned', learned], ['truth', truth]] as const) {
    if (runs.length === 0) throw new RangeError(`normalisedInterval: no ${name} runs`);
    const empty = runs.findIndex((r) => r.length === 0);
    if (empty >= 0) throw new RangeError(`normalisedInterval: ${name} run ${empty} has no episode returns`);
  }
  if (!Number.isInteger(samples) || samples < 1) throw new RangeError(`normalisedInterval: samples must be a positive integer, got ${samples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`normalisedInterval: level must be in (0, 1), got ${level}`);
  const rng = new Rng();
  rng.seed(seed, 11);
  const draw = (runs: readonly (readonly number[])[]) => {
    let sum = 0;
    for (let i = 0; i < runs.length; i++) {
      const run = runs[rng.int(runs.length)];
      let s = 0;
      for (let j = 0; j < run.length; j++) s += run[rng.int(run.length)];
      sum += s / run.length;
    }
    return sum / runs.length;
  };
  const scores = new Float64Array(samples);
  for (let b = 0; b < samples; b++) {
    const l = draw(learned);
    const t = draw(truth);
    if (!(t > random)) return null;
    scores[b] = normalisedScore(l, t, random)!; // t > random: checked above
  }
  scores.sort();
  const k = Math.min(samples - 1, Math.round(((1 - level) / 2) * samples)); // samples left out on each side
  return [scores[k], scores[samples - 1 - k]];
}

/** The bars of the preference target (Christiano et al. 2017 reproduced; issue 4): normalised score per teacher. */
export const PREFERENCE_TARGET = { bars: { oracle: 0.9, mistake: 0.75 }, requiredGame: 'Pong', games: 3, maxLabels: 1000 } as const;

/** One cell of a benchmark table: a game's runs with one teacher, normalised by one measure (null: not measured). */
export interface TargetCell {
  game: string;
  teacher: string;
  labels: number;
  normalised: number | null;
  /**
   * The game's best constant action (bestConstantPolicy) normalised the same way; null if unknown. A cell whose
   * constant policy clears its bar does not count: the true-reward runs it is measured against are no yardstick.
   */
  constant: number | null;
}

export interface TargetVerdict {
  met: boolean;
  /** Games whose cells clear both bars. */
  passing: string[];
  /** Why each other game falls short, e.g. "oracle 82.0% < 90%". */
  failing: { game: string; why: string[] }[];
}

/**
 * Reads a table against the preference target: at most 1,000 labels, at least 90% with the `oracle` teacher and
 * 75% with `mistake` (10% flipped), on Pong and at least two other games. A game without both teachers' cells
 * falls short, naming the missing one; so does a cell over the label budget or without a score, and one that a
 * constant action would clear as well (Space Invaders' always-FIRE beats its true-reward agents' sampled play).
 */
export function preferenceTarget(cells: readonly TargetCell[]): TargetVerdict {
  const games = [...new Set(cells.map((c) => c.game))];
  const passing: string[] = [];
  const failing: TargetVerdict['failing'] = [];
  for (const game of games) {
    const why: string[] = [];
    for (const [teacher, bar] of Object.entries(PREFERENCE_TARGET.bars)) {
      const cell = cells.find((c) => c.game === game && c.teacher === teacher);
      if (cell === undefined) why.push(`no ${teacher} runs`);
      else if (cell.normalised === null) why.push(`${teacher} not measured`);
      else if (cell.labels > PREFERENCE_TARGET.maxLabels) why.push(`${teacher} used ${cell.labels.toFixed(0)} labels > ${PREFERENCE_TARGET.maxLabels}`);
      else if (cell.normalised < bar) why.push(`${teacher} ${(100 * cell.normalised).toFixed(1)}% < ${100 * bar}%`);
      else if (cell.constant !== null && cell.constant >= bar) why.push(`${teacher} ${(100 * cell.normalised).toFixed(1)}% but a constant action scores ${(100 * cell.constant).toFixed(1)}%`);
    }
    if (why.length === 0) passing.push(game);
    else failing.push({ game, why });
  }
  const met = passing.includes(PREFERENCE_TARGET.requiredGame) && passing.length >= PREFERENCE_TARGET.games;
  return { met, passing, failing };
}
