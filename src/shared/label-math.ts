/**
 * The label schedule's arithmetic that the app's forms show before a run exists, shared with the learner that
 * does it (no dependencies, so the renderer can import it).
 */

/** Labels asked first, on random-policy clips: `fraction` of the budget, at least 2 (one to train on and a chance of one held out). */
export function initialLabels(budget: number, fraction: number): number {
  return Math.min(budget, Math.max(2, Math.round(budget * fraction)));
}

/** Reward-model minibatches of pretraining: `epochs` passes over `trainLabels`, at least one minibatch a pass. */
export function pretrainSteps(trainLabels: number, epochs: number, batchSize: number): number {
  return Math.ceil(epochs * Math.max(1, trainLabels / batchSize));
}
