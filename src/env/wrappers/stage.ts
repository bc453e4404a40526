/**
 * The two shapes a layer of the env stack can have. A frame stage advances one emulator frame per `act`
 * (the emulator itself, no-op starts); a step stage advances one agent step per `step` (frame skip, time
 * limit). Each wrapper takes the stage below it, so the stack reads in ALE's order where it is built.
 */
export interface FrameStage {
  reset(): void;
  /** One frame; returns the score change. */
  act(action: number): number;
  readonly over: boolean;
}

export interface StepStage {
  reset(): void;
  /** One agent step; returns the summed score change. */
  step(action: number): number;
  /** The game ended. */
  readonly terminated: boolean;
  /** A time limit cut the episode (may hold together with `terminated`). */
  readonly truncated: boolean;
}
