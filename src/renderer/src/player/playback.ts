/**
 * The pure core of the clip-pair player (no DOM, no pixi): a clip's frames precomputed from its record, and
 * the one playhead both clips of a pair follow.
 */
import { type ClipRecord, checkClipRecord, replayClip } from '../../../env/clip';
import { resolveOptions } from '../../../env/options';
import { SCREEN_HEIGHT, SCREEN_WIDTH } from '../../../env/screen';

/** Emulator frames per second: the Atari's NTSC 60 Hz, which ALE's frame counts assume. */
export const FRAME_RATE = 60;

const FRAME_BYTES = SCREEN_WIDTH * SCREEN_HEIGHT;

/**
 * Every emulator frame a clip's actions produce (frameSkip per agent step, so 4 per step by default), as
 * 160x210 palette indices, by re-simulating the record with the env code. The frame of the snapshot itself
 * is the previous clip's last frame, so frame 0 is the first frame after the first action. A clip whose
 * episode ends inside it stops at the end frame.
 *
 * The frames live in one buffer that is reused from clip to clip: Chromium takes several milliseconds to
 * allocate (and later collect) a fresh 3 MB buffer for each clip, while copying into a warm one takes well
 * under one.
 */
export class ClipFrames {
  /** Frames held; 0 until a clip is recorded, and after a record that failed. */
  count = 0;
  private buffer = new Uint8Array(0);

  /** Re-simulates `clip` into this store, replacing what it held; `what` names the clip in errors. */
  record(clip: ClipRecord, what = 'clip'): this {
    checkClipRecord(clip, what);
    const capacity = clip.actions.length * resolveOptions(clip.env, clip.options).frameSkip * FRAME_BYTES;
    if (this.buffer.length < capacity) this.buffer = new Uint8Array(capacity);
    this.count = 0;
    let n = 0;
    replayClip(clip, (pixels) => this.buffer.set(pixels, n++ * FRAME_BYTES));
    this.count = n;
    return this;
  }

  /** Frame k (0 <= k < count): a view into the store, overwritten by the next `record`. */
  frame(k: number): Uint8Array {
    if (!(Number.isInteger(k) && k >= 0 && k < this.count)) throw new RangeError(`frame must be an integer in [0, ${this.count}), got ${k}`);
    return this.buffer.subarray(k * FRAME_BYTES, (k + 1) * FRAME_BYTES);
  }
}

/**
 * What the pair player has done while playing, counted since it was created: read it twice and give both to
 * `playbackRates` to measure an interval.
 */
export interface PlaybackCounters {
  /** requestAnimationFrame callbacks while playing (after the first one of each play, which only syncs). */
  ticks: number;
  /** Wall-clock seconds those ticks covered. */
  seconds: number;
  /** Of those, seconds the end frame was held before the pair looped. */
  heldSeconds: number;
  /** Frames the playhead moved on to (the loop back to 0 included). */
  advanced: number;
  /** Of those, frames drawn. */
  shown: number;
  /** Wall-clock seconds playback did not follow: of gaps between animation frames over a quarter second (a frozen page), all but the quarter. */
  frozenSeconds: number;
}

/** Playback over an interval, from the pair player's counters at its start and end. */
export interface PlaybackRates {
  /** Frames drawn per second while a clip plays, the time its end frame is held left out: 60 at 1x when none is skipped. */
  fps: number;
  /** Frames the playhead moved on to but that were not drawn (two came due in one animation frame), per second of play. */
  skippedPerSecond: number;
  /** requestAnimationFrame callbacks per second: the pace the page is given to draw at. */
  rafPerSecond: number;
  /** Frames drawn per second of wall time, the held end frames included. */
  shownPerSecond: number;
  /** Seconds the page froze (beyond a quarter second at a time), counted in the time but neither drawn nor skipped. */
  frozenSeconds: number;
  /** Seconds measured (playing). */
  seconds: number;
}

export function playbackRates(before: PlaybackCounters, after: PlaybackCounters): PlaybackRates {
  const seconds = after.seconds - before.seconds;
  const playing = seconds - (after.heldSeconds - before.heldSeconds);
  const shown = after.shown - before.shown;
  return {
    fps: shown / playing,
    skippedPerSecond: (after.advanced - before.advanced - shown) / playing,
    rafPerSecond: (after.ticks - before.ticks) / seconds,
    shownPerSecond: shown / seconds,
    frozenSeconds: after.frozenSeconds - before.frozenSeconds,
    seconds,
  };
}

export interface PlayheadOptions {
  /** Content frames per second at speed 1. */
  fps: number;
  /** Seconds of wall time the last frame is held before looping, whatever the speed. */
  holdSeconds: number;
}

/**
 * A looping playhead over `length` frames. Time is spent frame by frame: each frame shows for
 * 1 / (fps * speed) seconds, and the last one for that plus `holdSeconds`, then the playhead returns to 0.
 */
export class Playhead {
  /** Frames in the longer clip; the shorter one holds its last frame past its end. */
  length = 1;
  frame = 0;
  speed = 1;
  paused = false;
  /** Completed passes through the clips, e.g. to tell whether a person has seen a pair to the end. */
  loops = 0;
  /** Frames moved on to by `advance` (a step, or the loop back to 0), ever: the frames playback should have shown. */
  advanced = 0;
  /** Seconds `advance` has spent holding the end frame beyond its own frame time, ever. */
  heldSeconds = 0;
  /** Seconds `advance` was given beyond the quarter second it takes at most, ever. */
  frozenSeconds = 0;
  /** Seconds already spent on the current frame. */
  private into = 0;

  constructor(readonly options: PlayheadOptions) {
    if (!(options.fps > 0)) throw new RangeError(`fps must be a positive number, got ${options.fps}`);
    if (!(options.holdSeconds >= 0)) throw new RangeError(`holdSeconds must be a number >= 0, got ${options.holdSeconds}`);
  }

  /** Starts a new pair of `length` frames at frame 0. */
  setLength(length: number): void {
    if (!(Number.isInteger(length) && length >= 1)) throw new RangeError(`length must be a positive integer, got ${length}`);
    this.length = length;
    this.loops = 0;
    this.seek(0);
  }

  setSpeed(speed: number): void {
    if (!(Number.isFinite(speed) && speed > 0)) throw new RangeError(`speed must be a positive number such as 0.5 or 2, got ${speed}`);
    this.speed = speed;
  }

  /**
   * Lets `seconds` of wall time pass; returns whether the frame changed. Gaps over a quarter second (a
   * hidden window, a long garbage collection) count as a quarter second, so playback resumes rather than jumps.
   */
  advance(seconds: number): boolean {
    if (this.paused) return false;
    const before = this.frame;
    const frameTime = 1 / (this.options.fps * this.speed);
    const last = this.length - 1;
    let t = Math.min(Math.max(seconds, 0), 0.25);
    this.frozenSeconds += Math.max(seconds, 0) - t;
    while (t > 0) {
      const atEnd = this.frame === last;
      const need = frameTime + (atEnd ? this.options.holdSeconds : 0) - this.into;
      // The tolerance keeps float sums such as 6 x (1/60) from falling a hair short of 0.1.
      const stays = t + 1e-9 < need;
      // The end frame's own frame time is playing; what it stays on screen after that is the hold.
      if (atEnd) this.heldSeconds += Math.max(0, this.into + (stays ? t : need) - Math.max(this.into, frameTime));
      if (stays) {
        this.into += t;
        break;
      }
      t -= need;
      this.into = 0;
      this.advanced++;
      if (atEnd) {
        this.frame = 0;
        this.loops++;
      } else {
        this.frame++;
      }
    }
    return this.frame !== before;
  }

  /**
   * Puts the playhead a little way into its frame: half a display interval, or half a frame if frames are
   * shorter. Called at a vsync, this keeps the following vsyncs inside frames rather than on their
   * boundaries, where a millisecond of timing jitter alternately repeats and skips frames; a 60 Hz display
   * then shows every 60 Hz frame exactly once.
   */
  sync(displayInterval: number): void {
    this.into = Math.min(displayInterval, 1 / (this.options.fps * this.speed)) / 2;
  }

  /** Moves `delta` frames (clamped to the pair) and pauses: stepping is for looking closely. */
  step(delta: number): void {
    if (!Number.isInteger(delta)) throw new RangeError(`step takes a whole number of frames such as 1 or -1, got ${delta}`);
    this.paused = true;
    this.seek(this.frame + delta);
  }

  /** Jumps to a frame, clamped to [0, length - 1]. */
  seek(frame: number): void {
    if (!Number.isFinite(frame)) throw new RangeError(`frame must be a number, got ${frame}`);
    this.frame = Math.min(Math.max(Math.round(frame), 0), this.length - 1);
    this.into = 0;
  }
}
