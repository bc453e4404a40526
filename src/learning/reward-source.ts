/**
 * Where the agent's rewards come from. The learner calls a source once per rollout with the rollout's
 * observations and actions and gets one reward per step back. The game's true score reaches a source only if
 * the source says it needs it (`usesTrueReward`): the true-score source does; learned reward models do not,
 * so an agent trained on them never sees the score.
 */
export interface RolloutBatch {
  numSteps: number;
  numEnvs: number;
  obsSize: number;
  /** numSteps x numEnvs x obsSize, step-major: the observation each action was taken in. */
  obs: Float32Array;
  /** Like `obs`: the observation each action led to (an episode's final one where it ended); only for sources with `usesNextObs`. */
  nextObs?: Float32Array;
  /** numSteps x numEnvs. */
  actions: Int32Array;
  /** The game's rewards, only for sources with `usesTrueReward`. */
  trueRewards?: Float32Array;
}

export interface RewardSource {
  /** Short name for logs and summaries, e.g. "true". */
  readonly name: string;
  readonly usesTrueReward: boolean;
  /** The source reads `nextObs` (a reward of transitions); the learner then keeps a copy of every next observation. */
  readonly usesNextObs?: boolean;
  /**
   * The size of one step's reward, the unit A2C's exploration bonus is given in (`a2c.stateEntropy`): a learned
   * reward's normalised standard deviation, 1 (a point of score) for the game's own reward.
   */
  readonly scale: number;
  /** One reward per step, step-major like `actions`. */
  rewards(batch: RolloutBatch): Float32Array | Promise<Float32Array>;
}

/** The game's own score change: the baseline every learned reward is compared with. */
export class TrueRewardSource implements RewardSource {
  readonly name = 'true';
  readonly usesTrueReward = true;
  readonly scale = 1;

  rewards(batch: RolloutBatch): Float32Array {
    if (batch.trueRewards === undefined) throw new Error('the true reward source was called without the true rewards');
    return batch.trueRewards;
  }
}
