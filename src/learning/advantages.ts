/**
 * Advantages and returns for a rollout of T steps of N envs, stored step-major (index t * N + i).
 *
 * GAE (Schulman et al. 2016) with lambda = 1 gives A2C's plain n-step returns. An episode that ended at step t
 * (`ended[t*N+i] = 1`) does not bootstrap from the next observation, which already belongs to the next
 * episode. A time-limit truncation is not a terminal state, so the value of the observation the episode was cut
 * at is added back: `bootstrap[t*N+i]` holds V(final observation) for truncated steps and 0 otherwise.
 */
export interface AdvantageInputs {
  numSteps: number;
  numEnvs: number;
  rewards: Float32Array;
  values: Float32Array;
  /** V of the observation after the last step, per env. */
  lastValues: Float32Array;
  ended: Uint8Array;
  bootstrap: Float32Array;
  gamma: number;
  lambda: number;
}

export function computeAdvantages(x: AdvantageInputs): { advantages: Float32Array; returns: Float32Array } {
  const { numSteps: T, numEnvs: N, rewards, values, lastValues, ended, bootstrap, gamma, lambda } = x;
  const advantages = new Float32Array(T * N);
  const returns = new Float32Array(T * N);
  for (let i = 0; i < N; i++) {
    let gae = 0;
    for (let t = T - 1; t >= 0; t--) {
      const k = t * N + i;
      const notEnded = 1 - ended[k];
      const nextValue = t === T - 1 ? lastValues[i] : values[k + N];
      // Bootstrap from the next value unless the episode ended; a truncated episode bootstraps from its final obs.
      const delta = rewards[k] + gamma * (notEnded * nextValue + bootstrap[k]) - values[k];
      gae = delta + gamma * lambda * notEnded * gae;
      advantages[k] = gae;
      returns[k] = gae + values[k];
    }
  }
  return { advantages, returns };
}
