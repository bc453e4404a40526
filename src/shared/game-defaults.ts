/**
 * What a game's new runs learning from clip comparisons alone (`reward` preferences) default to where it
 * differs from the rest's: the state s, normalised to 0.05, episode ends shown, no label screen, no exploration
 * bonus, normalised on the agent's latest clips, clips of 25 steps. One table, read by the trainer (what the reward
 * model reads and its scale, episode ends), the CLI and the app's service (the screen, the bonus, the normalisation
 * and the clip length) and the Runs form (which boxes it ticks, the clip length), so it lives here, where the
 * renderer can import it: it imports nothing. Each entry was measured against the rest's settings (README,
 * "Where the learning targets stand"; docs/experiments.md). Measured on `ram`; pixel runs take the same, except
 * the bonus, which is for A2C on RAM features only.
 *
 * - Pong: the label screen (RIME) and the state-entropy bonus over the first third (`--state-entropy 1`). Over
 *   six seeds with both, every agent played and each teacher's cell cleared its bar greedily, where without them
 *   one seed in three never started.
 * - Enduro reads the transition [s, s' - s]: over six seeds of 1,000-label runs (3M steps) it scored 88% with the
 *   oracle and 95% with 10% mistakes, against 87% and 48% for the state model, whose agents on two of the
 *   mistakes seeds never learned to steer round the cars they crash into. The screen and the bonus as on Pong.
 *   Its clips are 50 steps, not 25: about half the oracle's answers on 25-step clips were "equal" (two clips that
 *   pass no car), and over nine seeds at 5M steps (1-3, 7-12) every agent started with 50-step clips, scoring 94%
 *   greedily with the oracle and 94% with mistakes, where with 25 one oracle agent never started (83% and 94%;
 *   docs/experiments.md, "Enduro with clips of 50 steps over nine seeds").
 * - Breakout reads only what a step changed (s' - s, the delta model: its zero is a step that changes nothing, as
 *   the score's is), at about the score's own scale (0.2: the score varies by 0.155 a step under random play, so
 *   at 0.05 the learned reward lifted no policy off uniform), with episode ends hidden: over six seeds 77% greedy
 *   with the oracle and 32% with mistakes (37% and 17% by the training episodes), where the state model learned
 *   nothing (0%, seed 1) and the transition model at the old scale scored 28% and 13% (4% and 4%). The label
 *   screen helped it (95% / 79% greedy over six seeds); the bonus on top did not (79% / 78%).
 * - Pong and Breakout renormalise their reward on the first labels' clips (normaliseOn initial), not the agent's
 *   latest play: on seeds 1-3 (7 Dec) Breakout's trained policies scored 61% / 58% by the training episodes
 *   (oracle / mistakes) against 50% / 27%, and Pong's agents 90% / 94% greedy against 87% / 88%. Enduro keeps
 *   the agent's clips: with the first labels' over seeds 1-3 and 7-9 it scored 68% / 49% greedy against 82% / 101%
 *   (three mistakes agents of six never started).
 * - Space Invaders did best on the rest's settings; Seaquest was not measured apart. Neither was measured with
 *   the screen and the bonus together, so they keep neither.
 */

/** What a reward model reads of a step: the state s, the transition [s, s' - s], or its change s' - s alone. */
export const REWARD_INPUTS = ['state', 'transition', 'delta'] as const;
export type RewardInput = (typeof REWARD_INPUTS)[number];
/** Whether an agent's returns see a game over (hidden: they run on into the next episode, as Christiano et al.). */
export const EPISODE_ENDS = ['shown', 'hidden'] as const;
export type EpisodeEnds = (typeof EPISODE_ENDS)[number];
/** What a preference run's reward is renormalised on during RL: the agent's latest clips, or the first labels' (PreferenceConfig.normaliseOn). */
export const NORMALISE_ON = ['recent', 'initial'] as const;
export type NormaliseOn = (typeof NORMALISE_ON)[number];
/** What the rest's preference runs renormalise on: the agent's latest clips, as Christiano et al. (PREFERENCE_DEFAULTS). */
export const DEFAULT_NORMALISE_ON: NormaliseOn = 'recent';
/** Agent steps per clip unless told (PREFERENCE_DEFAULTS.clipLength): Christiano et al.'s Atari clips, 1.7 s at 15 steps a second. */
export const DEFAULT_CLIP_LENGTH = 25;

/** A game's own defaults for its preference runs; what is left out is the rest's. */
export interface GamePreferenceDefaults {
  /** What the reward model reads (else the state s). */
  input?: RewardInput;
  /** The scale the learned reward is normalised to (else REWARD_MODEL_DEFAULTS.rewardStd, 0.05). */
  rewardStd?: number;
  /** Whether the agent sees its episodes end (else shown). */
  episodeEnds?: EpisodeEnds;
  /** Whether the run screens its labels (RIME; else not). */
  screenLabels?: boolean;
  /** Whether A2C on RAM features is paid the state-entropy bonus over the first third (else not). */
  explore?: boolean;
  /** What the reward is renormalised on during RL (else the agent's recent clips). */
  normaliseOn?: NormaliseOn;
  /** Agent steps per clip (else DEFAULT_CLIP_LENGTH, 25). */
  clipLength?: number;
}

export const GAME_PREFERENCE_DEFAULTS: Readonly<Record<string, Readonly<GamePreferenceDefaults>>> = {
  Pong: { screenLabels: true, explore: true, normaliseOn: 'initial' },
  Enduro: { input: 'transition', screenLabels: true, explore: true, clipLength: 50 },
  Breakout: { input: 'delta', rewardStd: 0.2, episodeEnds: 'hidden', screenLabels: true, normaliseOn: 'initial' },
};

/** The settings of a preference run that a game's entry may set apart from the rest's. */
type RunExtras = Required<Pick<GamePreferenceDefaults, 'screenLabels' | 'explore' | 'normaliseOn' | 'clipLength'>>;

/** What the rest's preference runs do where a game's entry may differ: no screen, no bonus, the agent's clips, clips of 25 steps. */
const REST_RUN_DEFAULTS = { screenLabels: false, explore: false, normaliseOn: DEFAULT_NORMALISE_ON, clipLength: DEFAULT_CLIP_LENGTH } as const satisfies RunExtras;

/**
 * Whether a new run screens its labels and explores first, what it renormalises on and how long its clips are,
 * unless its settings say: runs learning from clip comparisons alone (`reward` preferences) of the games whose
 * entry says; the bonus only for A2C on RAM features (it measures distances between them). The CLI, the app's
 * service and the Runs form all ask this.
 */
export function preferenceRunDefaults(env: string, reward: string, obsType: string, agent: string): RunExtras {
  const game = reward === 'preferences' ? GAME_PREFERENCE_DEFAULTS[env] : undefined;
  return {
    screenLabels: game?.screenLabels ?? REST_RUN_DEFAULTS.screenLabels,
    explore: (game?.explore ?? REST_RUN_DEFAULTS.explore) && obsType === 'ram' && agent === 'a2c',
    normaliseOn: game?.normaliseOn ?? REST_RUN_DEFAULTS.normaliseOn,
    clipLength: game?.clipLength ?? REST_RUN_DEFAULTS.clipLength,
  };
}

/** The games whose preference runs differ from the rest's in one of the settings a game may set apart (for help texts). */
export function gamesWithExtra(setting: keyof RunExtras): string[] {
  return Object.entries(GAME_PREFERENCE_DEFAULTS)
    .filter(([, d]) => d[setting] !== undefined && d[setting] !== REST_RUN_DEFAULTS[setting])
    .map(([game]) => game);
}

/** A game's own value of one of the model's settings for --help: "X on Breakout, Y on Enduro". */
export function gameDefaults(setting: 'input' | 'rewardStd' | 'episodeEnds' | 'clipLength'): string {
  return Object.entries(GAME_PREFERENCE_DEFAULTS)
    .flatMap(([game, d]) => (d[setting] === undefined ? [] : [`${d[setting]} on ${game}`]))
    .join(', ');
}
