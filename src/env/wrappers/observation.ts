/**
 * Observations. `ram`: the game's normalised feature vector (its documented `spec.ram`). `pixels`: the
 * ALE/Machado et al. preprocessing: grayscale (BT.601 luma), max over the last two frames, area-resize
 * 160x210 -> 84x84 (as OpenCV's INTER_AREA), frame stack of 4, laid out height x width x stack. With
 * `maskScore` the score rows are black before resizing and score features of ram read 0.
 */
import type { Box } from '../core.js';
import type { Game } from '../game.js';
import { blockMask, PALETTE_LUMA, SCREEN_HEIGHT, SCREEN_WIDTH, type Screen } from '../screen.js';
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
 * An area resize along one axis, as spans: output cell j covers source cells [start[j], start[j] + count[j])
 * with weights w[j * 4 + k] (the overlap of source cell and output cell, divided by the output cell's size).
 */
function areaSpans(src: number, dst: number) {
  const scale = src / dst;
  const start = new Int32Array(dst);
  const count = new Int32Array(dst);
  const w = new Float64Array(dst * 4);
  for (let j = 0; j < dst; j++) {
    const lo = j * scale;
    const hi = (j + 1) * scale;
    start[j] = Math.floor(lo);
    let k = 0;
    for (let i = Math.floor(lo); i < Math.min(src, Math.ceil(hi)); i++, k++) {
      w[j * 4 + k] = (Math.min(hi, i + 1) - Math.max(lo, i)) / scale;
    }
    count[j] = k;
    // Keep three source cells inside the row, so an unrolled loop may always read three: shift the span
    // left and its weights right (the extra cell gets weight 0).
    while (start[j] + 3 > src && start[j] > 0) {
      start[j]--;
      for (let q = 3; q > 0; q--) w[j * 4 + q] = w[j * 4 + q - 1];
      w[j * 4] = 0;
    }
  }
  return { start, count, w };
}

const PLANE = PIXEL_SIZE * PIXEL_SIZE;
const COLS = areaSpans(SCREEN_WIDTH, PIXEL_SIZE);
const ROWS = areaSpans(SCREEN_HEIGHT, PIXEL_SIZE);
/** Luma of the brighter of two palette indices, indexed by (a << 8) | b: max-pooling in one look-up. */
const MAX_LUMA = new Uint8Array(256 * 256);
for (let a = 0; a < 256; a++) {
  for (let b = 0; b < 256; b++) MAX_LUMA[(a << 8) | b] = Math.max(PALETTE_LUMA[a], PALETTE_LUMA[b]);
}
/**
 * `PALETTE_LUMA` and `MAX_LUMA` as doubles: the horizontal resize multiplies what it reads without converting
 * each byte (exact either way). Only the entries of the few colours on screen are read, so the larger table
 * costs no more cache.
 */
const MAX_LUMA_F64 = Float64Array.from(MAX_LUMA);
const LUMA_F64 = Float64Array.from(PALETTE_LUMA);
/** Every block of a row. */
const ALL_BLOCKS = (1 << (SCREEN_WIDTH / 8)) - 1;
/** The output columns whose source cells lie in screen block k (`blockMask`): [BLOCK_COL0[k], BLOCK_COL1[k]). */
const BLOCK_COL0 = new Int32Array(SCREEN_WIDTH / 8);
const BLOCK_COL1 = new Int32Array(SCREEN_WIDTH / 8);
for (let k = 0; k < SCREEN_WIDTH / 8; k++) {
  const inBlock = (j: number) => (blockMask(COLS.start[j], COLS.start[j] + 3) & (1 << k)) !== 0;
  let j = 0;
  while (!inBlock(j)) j++;
  BLOCK_COL0[k] = j;
  while (j < PIXEL_SIZE && inBlock(j)) j++;
  BLOCK_COL1[k] = j;
}
/**
 * The horizontal resize of a stretch of one luma L, per output column j at [L * 84 + j]: the same sum of
 * products, in the same order, as a column of three source cells of luma L computes, so equal to the bit.
 */
const FLAT_ACC = new Float64Array(256 * PIXEL_SIZE);
for (let L = 0; L < 256; L++) {
  for (let j = 0; j < PIXEL_SIZE; j++) {
    const w = j * 4;
    FLAT_ACC[L * PIXEL_SIZE + j] = L * COLS.w[w] + L * COLS.w[w + 1] + L * COLS.w[w + 2];
  }
}

/**
 * Resized rows, shared by every pixel observer in the process: a row's horizontal resize depends only on its
 * pixels in the two frames, which their drawing signatures identify, wherever on the screen the row is and
 * whichever env drew it. Direct-mapped slots [0, CACHE_SLOTS); then one scratch row per screen row, for rows
 * whose slot is already in use by the observation being made; then a row of zeros for masked rows.
 */
const CACHE_SLOTS = 2048;
const SCRATCH = CACHE_SLOTS;
const ZERO_ROW = CACHE_SLOTS + SCREEN_HEIGHT;
const cacheKind = new Uint8Array(CACHE_SLOTS); // 0 empty, 1 one frame, 2 two frames max-pooled
const cacheKey = new Int32Array(CACHE_SLOTS * 4);
/** The observation (push) that last used each slot: a slot in use is not overwritten until it is done. */
const cacheStamp = new Int32Array(CACHE_SLOTS);
let pushCount = 0;
/** Each row's horizontal resize. */
const rowAcc = new Float64Array((ZERO_ROW + 1) * PIXEL_SIZE);

function mix4(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ b ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ c ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ d ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Row y of the screen was drawn by the same operations as row y - 1, so it holds the same pixels. */
function sameRow(screen: Screen, y: number): boolean {
  return screen.rowSig[y] === screen.rowSig[y - 1] && screen.rowSig2[y] === screen.rowSig2[y - 1];
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
  /** Height x width x stack; the four stacked bytes of a pixel are one little-endian word, oldest lowest. */
  readonly obs = new Uint8Array(PLANE * FRAME_STACK);
  private readonly obsWords = new Int32Array(this.obs.buffer); // Int32, not Uint32: V8 keeps int32 loads in registers
  /** Which row of `rowAcc` each screen row uses (rows equal to the row above share its row). */
  private readonly rowOf = new Int32Array(SCREEN_HEIGHT);
  private readonly maskRows: readonly [number, number];
  /** Each screen row's signatures in the two frames of the last push (a row whose signatures stay is unchanged). */
  private readonly lastSig = new Int32Array(SCREEN_HEIGHT * 4);
  /** Frames pooled by the last push (1 or 2); 0 after the stack was set, when every row counts as changed. */
  private lastKind = 0;
  /** Per screen row, this push: bit 1 set if it changed since the last push, bit 2 if a changed output row reads it. */
  private readonly rowState = new Uint8Array(SCREEN_HEIGHT);
  /** Per screen row, this push: the blocks (see `blockMask`) where it may have changed since the last push. */
  private readonly rowChanged = new Int32Array(SCREEN_HEIGHT);
  /** Each screen row's background in the two frames at the last push, and the blocks drawn into in either. */
  private readonly lastBase = new Uint8Array(SCREEN_HEIGHT * 2);
  private readonly lastDirty = new Int32Array(SCREEN_HEIGHT);
  /** Per output row: its three source rows were equal (by signature) when it was last computed. */
  private readonly uniform = new Uint8Array(PIXEL_SIZE);
  /** Per output row, this push: a source row changed. */
  private readonly touched = new Uint8Array(PIXEL_SIZE);
  /**
   * Per output row: the blocks whose columns were computed in each of the last three pushes. A pixel not
   * computed in any has four equal stacked bytes, and pushing the same value again changes nothing.
   */
  private readonly recent = new Int32Array(PIXEL_SIZE * 3);

  constructor(
    private readonly skip: FrameSkip,
    maskScore: boolean,
    scoreRows: readonly [number, number],
  ) {
    skip.capture = true;
    this.maskRows = maskScore ? scoreRows : [0, 0];
  }

  observeReset(): void {
    this.skip.captureCurrent();
    this.obsWords.fill(0);
    this.lastKind = 0;
    // Pushing the first frame four times fills the stack with it.
    for (let k = 0; k < FRAME_STACK; k++) this.push(this.skip.last, null);
  }

  observe(): void {
    this.push(this.skip.last, this.skip.hasPrevious ? this.skip.previous : null);
  }

  /**
   * Grayscale + max-pool of two frames (or one) + area resize, pushed onto the stack: each pixel's word
   * drops its oldest byte and takes the new value on top. Only output pixels whose source pixels may have
   * changed since the last push are computed (in a source row whose signatures changed, the blocks drawn
   * into then or now, or all of it if its background changed); the others repeat their value, which costs
   * nothing once it fills the stack.
   */
  private push(a: Screen, b: Screen | null): void {
    // Imported bindings are read once: some module loaders turn each read into a getter call.
    const luma = PALETTE_LUMA;
    const lumaF = LUMA_F64;
    const maxF = MAX_LUMA_F64;
    const W = SCREEN_WIDTH;
    const H = SCREEN_HEIGHT;
    const N = PIXEL_SIZE;
    const ap = a.pixels;
    const bp = (b ?? a).pixels; // read only where the frames differ
    const { start: cs, w: cw } = COLS;
    const { start: rs, w: rw } = ROWS;
    const acc = rowAcc;
    const rowOf = this.rowOf;
    const [m0, m1] = this.maskRows;
    const kind = b === null ? 1 : 2;
    const fresh = kind !== this.lastKind;
    this.lastKind = kind;

    // Which screen rows changed (bit 1), then which rows the changed output rows read (bit 2).
    const state = this.rowState;
    const last = this.lastSig;
    const changed = this.rowChanged;
    const lastBase = this.lastBase;
    const lastDirty = this.lastDirty;
    for (let y = 0; y < H; y++) {
      if (y >= m0 && y < m1) {
        state[y] = fresh ? 1 : 0;
        changed[y] = fresh ? ALL_BLOCKS : 0;
        continue;
      }
      const asig = a.rowSig[y];
      const asig2 = a.rowSig2[y];
      const bsig = b === null ? 0 : b.rowSig[y];
      const bsig2 = b === null ? 0 : b.rowSig2[y];
      const k = y * 4;
      if (!fresh && last[k] === asig && last[k + 1] === asig2 && last[k + 2] === bsig && last[k + 3] === bsig2) {
        state[y] = 0;
        changed[y] = 0;
        continue;
      }
      last[k] = asig;
      last[k + 1] = asig2;
      last[k + 2] = bsig;
      last[k + 3] = bsig2;
      state[y] = 1;
      // Where: everywhere if a frame's background changed, else in the blocks drawn into at the last push or
      // now (outside them the row is its background). A row drawn alike, by its signatures, has the same
      // background and blocks drawn into, so these are kept up to date for the changed rows only.
      const baseA = a.rowBase[y];
      const baseB = b === null ? baseA : b.rowBase[y];
      const dirty = a.rowDirty[y] | (b === null ? 0 : b.rowDirty[y]);
      changed[y] = fresh || baseA !== lastBase[2 * y] || baseB !== lastBase[2 * y + 1] ? ALL_BLOCKS : lastDirty[y] | dirty;
      lastBase[2 * y] = baseA;
      lastBase[2 * y + 1] = baseB;
      lastDirty[y] = dirty;
    }
    const touched = this.touched;
    for (let r = 0; r < N; r++) {
      const s = rs[r];
      touched[r] = (state[s] & 1) | (state[s + 1] & 1) | (state[s + 2] & 1);
      if (touched[r]) {
        state[s] |= 2;
        state[s + 1] |= 2;
        state[s + 2] |= 2;
      }
    }

    // Horizontal pass over the rows read, once per run of identical rows (game frames are mostly flat bands
    // of colour), and not at all for a row drawn the same way before.
    const stamp = (pushCount = (pushCount + 1) | 0); // wraps like the Int32Array it is compared with
    for (let y = 0; y < H; y++) {
      if ((state[y] & 2) === 0) continue;
      if (y >= m0 && y < m1) {
        rowOf[y] = ZERO_ROW;
        continue;
      }
      if (y > 0 && (state[y - 1] & 2) !== 0 && rowOf[y - 1] !== ZERO_ROW && sameRow(a, y) && (b === null || sameRow(b, y))) {
        rowOf[y] = rowOf[y - 1];
        continue;
      }
      const asig = a.rowSig[y];
      const asig2 = a.rowSig2[y];
      const bsig = b === null ? 0 : b.rowSig[y];
      const bsig2 = b === null ? 0 : b.rowSig2[y];
      const slot = mix4(asig, asig2, bsig, bsig2 ^ kind) & (CACHE_SLOTS - 1);
      const k = slot * 4;
      if (cacheKind[slot] === kind && cacheKey[k] === asig && cacheKey[k + 1] === asig2 && cacheKey[k + 2] === bsig && cacheKey[k + 3] === bsig2) {
        rowOf[y] = slot;
        cacheStamp[slot] = stamp;
        continue;
      }
      let row: number;
      if (cacheStamp[slot] === stamp) {
        row = SCRATCH + y; // the slot holds another row of this observation
      } else {
        row = slot;
        cacheStamp[slot] = stamp;
        cacheKind[slot] = kind;
        cacheKey[k] = asig;
        cacheKey[k + 1] = asig2;
        cacheKey[k + 2] = bsig;
        cacheKey[k + 3] = bsig2;
      }
      rowOf[y] = row;
      // Straight from palette indices: each output column spans 2 or 3 source columns (160 / 84 = 1.9);
      // a third weight of 0 pads the rest. Columns outside the blocks drawn into are the background's.
      const base = y * W;
      const out = row * N;
      const flat = (b === null ? luma[a.rowBase[y]] : MAX_LUMA[(a.rowBase[y] << 8) | b.rowBase[y]]) * N;
      const dirty = b === null ? a.rowDirty[y] : a.rowDirty[y] | b.rowDirty[y];
      // A row that shows the same in both frames is its own max: its luma, half the reads.
      const both = b !== null && !(b.rowSig[y] === asig && b.rowSig2[y] === asig2);
      // Run by run (a test per column would branch unpredictably): the columns of a run of blocks drawn into,
      // then those up to the next run.
      let j = 0;
      for (let m = dirty; m !== 0; ) {
        const k0 = 31 - Math.clz32(m & -m);
        let k1 = k0 + 1;
        while ((m >> k1) & 1) k1++;
        m &= ~((1 << k1) - (1 << k0));
        const j0 = BLOCK_COL0[k0];
        const j1 = BLOCK_COL1[k1 - 1];
        for (; j < j0; j++) acc[out + j] = FLAT_ACC[flat + j];
        if (!both) {
          for (; j < j1; j++) {
            const s = base + cs[j];
            const w = j * 4;
            acc[out + j] = lumaF[ap[s]] * cw[w] + lumaF[ap[s + 1]] * cw[w + 1] + lumaF[ap[s + 2]] * cw[w + 2];
          }
        } else {
          for (; j < j1; j++) {
            const s = base + cs[j];
            const w = j * 4;
            acc[out + j] =
              maxF[(ap[s] << 8) | bp[s]] * cw[w] +
              maxF[(ap[s + 1] << 8) | bp[s + 1]] * cw[w + 1] +
              maxF[(ap[s + 2] << 8) | bp[s + 2]] * cw[w + 2];
          }
        }
      }
      for (; j < N; j++) acc[out + j] = FLAT_ACC[flat + j];
    }

    // Vertical pass, pushed straight onto the stack: every output row spans 3 source rows (210 / 84 = 2.5).
    // The columns over the changed blocks of touched rows are computed; those computed in the last three
    // pushes but not now repeat their newest byte; the others are left alone.
    const words = this.obsWords;
    const recent = this.recent;
    for (let r = 0; r < N; r++) {
      const k = r * 3;
      const before = recent[k] | recent[k + 1] | recent[k + 2];
      if (touched[r] === 0 && before === 0) continue; // settled
      const out = r * N;
      const s = rs[r];
      const r0 = rowOf[s];
      const r1 = rowOf[s + 1];
      const r2 = rowOf[s + 2];
      // Three equal source rows: the value is their horizontal resize, not the weighted sum of three (equal
      // but for rounding). A row that turns so, or stops being so, is computed whole, so that each pixel is
      // what computing the whole row gives.
      let blocks = 0;
      let same = this.uniform[r] === 1;
      if (touched[r]) {
        blocks = changed[s] | changed[s + 1] | changed[s + 2];
        same = r0 === r1 && r1 === r2;
        if (same !== (this.uniform[r] === 1)) {
          this.uniform[r] = same ? 1 : 0;
          blocks = ALL_BLOCKS;
        }
      }
      const repeat = before & ~blocks;
      recent[k + 2] = recent[k + 1];
      recent[k + 1] = recent[k];
      recent[k] = blocks;
      if ((blocks | repeat) === 0) continue;
      const a0 = r0 * N;
      const a1 = r1 * N;
      const a2 = r2 * N;
      const w0 = rw[r * 4];
      const w1 = rw[r * 4 + 1];
      const w2 = rw[r * 4 + 2];
      // A run of blocks at a time (neighbouring blocks share a column, computed if either block is).
      for (let m = blocks; m !== 0; ) {
        const k0 = 31 - Math.clz32(m & -m);
        let k1 = k0 + 1;
        while ((m >> k1) & 1) k1++;
        m &= ~((1 << k1) - (1 << k0));
        const j1 = BLOCK_COL1[k1 - 1];
        if (same) {
          for (let j = BLOCK_COL0[k0]; j < j1; j++) words[out + j] = (words[out + j] >>> 8) | (((acc[a0 + j] + 0.5) | 0) << 24);
        } else {
          for (let j = BLOCK_COL0[k0]; j < j1; j++) {
            const v = acc[a0 + j] * w0 + acc[a1 + j] * w1 + acc[a2 + j] * w2;
            words[out + j] = (words[out + j] >>> 8) | ((v >= 255 ? 255 : (v + 0.5) | 0) << 24);
          }
        }
      }
      for (let m = repeat; m !== 0; ) {
        const k0 = 31 - Math.clz32(m & -m);
        let k1 = k0 + 1;
        while ((m >> k1) & 1) k1++;
        m &= ~((1 << k1) - (1 << k0));
        const j0 = k0 > 0 && (blocks >> (k0 - 1)) & 1 ? BLOCK_COL1[k0 - 1] : BLOCK_COL0[k0];
        const j1 = (blocks >> k1) & 1 ? BLOCK_COL0[k1] : BLOCK_COL1[k1 - 1];
        for (let j = j0; j < j1; j++) words[out + j] = (words[out + j] >>> 8) | (words[out + j] & 0xff000000);
      }
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
    this.lastKind = 0;
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
