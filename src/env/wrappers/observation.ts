/**
 * Observations. `ram`: the game's normalised feature vector (its documented `spec.ram`). `pixels`: the
 * ALE/Machado et al. preprocessing: grayscale (BT.601 luma), max over the last two frames, area-resize
 * 160x210 -> 84x84 (as OpenCV's INTER_AREA), frame stack of 4, laid out height x width x stack. With
 * `maskScore` the score rows are black before resizing and score features of ram read 0.
 */
import type { Box } from '../core.js';
import type { Game } from '../game.js';
import { PALETTE_LUMA, SCREEN_HEIGHT, SCREEN_WIDTH, type Screen } from '../screen.js';
import { describe } from '../snapshot.js';
import type { FrameSkip } from './frame-skip.js';

export const PIXEL_SIZE = 84;
export const FRAME_STACK = 4;

export interface Observer {
  readonly space: Box;
  /** The current observation, owned by the observer and overwritten by the next `observe`. */
  readonly obs: Float32Array | Uint8Array;
  /** Observation after a reset (pixels: the stack is filled with the first frame). */
  observeReset(): void;
  /** Observation after a step. */
  observe(): void;
  getState(): unknown;
  setState(state: unknown, what: string): void;
  /** Throws if `setState` would fail, without changing anything. */
  checkState(state: unknown, what: string): void;
}

export class RamObserver implements Observer {
  readonly space: Box;
  readonly obs: Float32Array;
  private readonly masked: number[];

  constructor(
    private readonly game: Game,
    maskScore: boolean,
  ) {
    const n = game.spec.ram.length;
    this.space = { kind: 'box', shape: [n], low: -1, high: 1, dtype: 'float32', size: n };
    this.obs = new Float32Array(n);
    this.masked = maskScore ? game.spec.ram.flatMap((f, i) => (f.leaksScore ? [i] : [])) : [];
  }

  observeReset(): void {
    this.observe();
  }

  observe(): void {
    this.game.writeRam(this.obs, 0);
    for (const i of this.masked) this.obs[i] = 0;
  }

  // The ram observation is a function of the game state, which the emulator snapshots.
  getState(): null {
    return null;
  }
  checkState(): void {}
  setState(): void {
    this.observe();
  }
}

/**
 * Weights of an area resize along one axis: source cell i covers [i, i+1) and output cell j covers
 * [j*scale, (j+1)*scale); a source cell overlaps at most two output cells when scale >= 1.
 */
function areaWeights(src: number, dst: number) {
  const scale = src / dst;
  const first = new Int32Array(src);
  const w0 = new Float32Array(src);
  const w1 = new Float32Array(src);
  for (let i = 0; i < src; i++) {
    const j = Math.floor(i / scale);
    const boundary = (j + 1) * scale;
    first[i] = j;
    if (i + 1 <= boundary || j + 1 >= dst) {
      w0[i] = 1 / scale;
    } else {
      w0[i] = (boundary - i) / scale;
      w1[i] = (i + 1 - boundary) / scale;
    }
  }
  return { first, w0, w1 };
}

const PLANE = PIXEL_SIZE * PIXEL_SIZE;
const COLS = areaWeights(SCREEN_WIDTH, PIXEL_SIZE);
const ROWS = areaWeights(SCREEN_HEIGHT, PIXEL_SIZE);
/** Luma of the brighter of two palette indices, indexed by (a << 8) | b: max-pooling in one look-up. */
const MAX_LUMA = new Uint8Array(256 * 256);
for (let a = 0; a < 256; a++) {
  for (let b = 0; b < 256; b++) MAX_LUMA[(a << 8) | b] = Math.max(PALETTE_LUMA[a], PALETTE_LUMA[b]);
}

export class PixelObserver implements Observer {
  readonly space: Box = {
    kind: 'box',
    shape: [PIXEL_SIZE, PIXEL_SIZE, FRAME_STACK],
    low: 0,
    high: 255,
    dtype: 'uint8',
    size: PLANE * FRAME_STACK,
  };
  readonly obs = new Uint8Array(PLANE * FRAME_STACK);
  /** The stack as FRAME_STACK planes, oldest first after rotation by `head`. */
  private readonly planes = new Uint8Array(PLANE * FRAME_STACK);
  private head = 0;
  private readonly rowAcc = new Float32Array(PIXEL_SIZE);
  private readonly acc = new Float32Array(PLANE);
  private readonly maskRows: readonly [number, number];

  constructor(
    private readonly skip: FrameSkip,
    private readonly emulatorDraw: (screen: Screen) => void,
    maskScore: boolean,
    scoreRows: readonly [number, number],
  ) {
    skip.capture = true;
    this.maskRows = maskScore ? scoreRows : [0, 0];
  }

  observeReset(): void {
    this.emulatorDraw(this.skip.last);
    this.downsample(this.skip.last.pixels, null, 0);
    for (let k = 1; k < FRAME_STACK; k++) this.planes.copyWithin(k * PLANE, 0, PLANE);
    this.head = 0;
    this.interleave();
  }

  observe(): void {
    // The newest frame replaces the oldest plane.
    const slot = this.head;
    this.head = (this.head + 1) % FRAME_STACK;
    this.downsample(this.skip.last.pixels, this.skip.hasPrevious ? this.skip.previous.pixels : null, slot * PLANE);
    this.interleave();
  }

  /** Grayscale + max-pool + area resize of one or two frames into the plane at `out`. */
  private downsample(a: Uint8Array, b: Uint8Array | null, out: number): void {
    const acc = this.acc;
    const rowAcc = this.rowAcc;
    acc.fill(0);
    const { first: cx, w0: cw0, w1: cw1 } = COLS;
    const [m0, m1] = this.maskRows;
    for (let y = 0; y < SCREEN_HEIGHT; y++) {
      if (y >= m0 && y < m1) continue; // masked rows are black (luma 0) and add nothing
      rowAcc.fill(0);
      const base = y * SCREEN_WIDTH;
      if (b === null) {
        for (let x = 0; x < SCREEN_WIDTH; x++) {
          const v = PALETTE_LUMA[a[base + x]];
          const j = cx[x];
          rowAcc[j] += v * cw0[x];
          if (cw1[x] !== 0) rowAcc[j + 1] += v * cw1[x];
        }
      } else {
        for (let x = 0; x < SCREEN_WIDTH; x++) {
          const v = MAX_LUMA[(a[base + x] << 8) | b[base + x]];
          const j = cx[x];
          rowAcc[j] += v * cw0[x];
          if (cw1[x] !== 0) rowAcc[j + 1] += v * cw1[x];
        }
      }
      const r0 = ROWS.first[y] * PIXEL_SIZE;
      const rw0 = ROWS.w0[y];
      const rw1 = ROWS.w1[y];
      for (let j = 0; j < PIXEL_SIZE; j++) acc[r0 + j] += rowAcc[j] * rw0;
      if (rw1 !== 0) for (let j = 0; j < PIXEL_SIZE; j++) acc[r0 + PIXEL_SIZE + j] += rowAcc[j] * rw1;
    }
    const planes = this.planes;
    for (let i = 0; i < PLANE; i++) {
      const v = Math.round(acc[i]);
      planes[out + i] = v > 255 ? 255 : v;
    }
  }

  /** Writes the stack oldest-to-newest into the height x width x stack observation. */
  private interleave(): void {
    const obs = this.obs;
    const planes = this.planes;
    for (let k = 0; k < FRAME_STACK; k++) {
      const src = ((this.head + k) % FRAME_STACK) * PLANE;
      for (let i = 0; i < PLANE; i++) obs[i * FRAME_STACK + k] = planes[src + i];
    }
  }

  getState(): string {
    return toBase64(this.obs);
  }

  checkState(state: unknown, what: string): void {
    const expected = Math.ceil((PLANE * FRAME_STACK) / 3) * 4;
    if (typeof state !== 'string' || state.length !== expected || !/^[A-Za-z0-9+/]*={0,2}$/.test(state)) {
      throw new TypeError(`${what} must be a base64 string of ${expected} characters (the frame stack), got ${describe(state)}`);
    }
  }

  setState(state: unknown, what: string): void {
    this.checkState(state, what);
    this.obs.set(fromBase64(state as string));
    for (let k = 0; k < FRAME_STACK; k++) {
      for (let i = 0; i < PLANE; i++) this.planes[k * PLANE + i] = this.obs[i * FRAME_STACK + k];
    }
    this.head = 0;
  }
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
