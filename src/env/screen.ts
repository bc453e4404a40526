/**
 * The Atari's 160x210 screen, drawn in palette indices (one byte a pixel) so that drawing is cheap and the
 * RGB frame for the UI and the grayscale frame for the agent are two table look-ups of the same picture.
 */
export const SCREEN_WIDTH = 160;
export const SCREEN_HEIGHT = 210;

/**
 * The fixed palette, modelled on the NTSC colours the originals use. Games refer to colours by these names;
 * the order is part of the file format of nothing, but keep it stable so screenshots stay comparable.
 */
export const PALETTE = {
  black: [0, 0, 0],
  white: [236, 236, 236],
  grey: [142, 142, 142],
  darkGrey: [74, 74, 74],
  lightGrey: [192, 192, 192],
  // Pong
  pongField: [144, 72, 17],
  pongBorder: [236, 236, 236],
  pongPlayer: [92, 186, 92],
  pongOpponent: [213, 130, 74],
  // Breakout
  red: [200, 72, 72],
  orange: [198, 108, 58],
  amber: [180, 122, 48],
  yellow: [162, 162, 42],
  green: [72, 160, 72],
  blue: [66, 72, 200],
  breakoutPaddle: [200, 72, 72],
  // Space Invaders
  invader: [134, 134, 29],
  cannon: [50, 132, 50],
  shield: [181, 83, 40],
  ground: [80, 89, 22],
  // Enduro
  sky: [24, 26, 167],
  grass: [64, 124, 64],
  road: [111, 111, 111],
  nightSky: [0, 0, 40],
  nightGrass: [20, 40, 20],
  carPlayer: [214, 214, 214],
  carRed: [200, 72, 72],
  carBlue: [84, 138, 210],
  carYellow: [232, 232, 74],
  // Seaquest
  sea: [0, 28, 136],
  seaSurface: [24, 59, 157],
  seaBed: [187, 187, 53],
  submarine: [187, 187, 53],
  enemySub: [170, 170, 170],
  shark: [92, 186, 92],
  diver: [66, 114, 194],
  oxygen: [214, 214, 214],
  torpedo: [187, 50, 50],
} as const satisfies Record<string, readonly [number, number, number]>;

export type ColorName = keyof typeof PALETTE;
const NAMES = Object.keys(PALETTE) as ColorName[];

/** Palette index of each colour name. */
export const C = Object.fromEntries(NAMES.map((n, i) => [n, i])) as Record<ColorName, number>;

/** RGBA for each palette index, packed little-endian for a Uint32Array view of an RGBA buffer. */
export const PALETTE_RGBA32 = new Uint32Array(256);
/** ITU-R BT.601 luma of each palette index, as ALE's grayscale observation computes it. */
export const PALETTE_LUMA = new Uint8Array(256);
for (let i = 0; i < NAMES.length; i++) {
  const [r, g, b] = PALETTE[NAMES[i]];
  PALETTE_RGBA32[i] = ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
  PALETTE_LUMA[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
}

// 3x5 digits, one row per 3 bits (most significant bit = left column).
const DIGITS = [
  [7, 5, 5, 5, 7],
  [2, 6, 2, 2, 7],
  [7, 1, 7, 4, 7],
  [7, 1, 3, 1, 7],
  [5, 5, 7, 1, 1],
  [7, 4, 7, 1, 7],
  [7, 4, 7, 5, 7],
  [7, 1, 1, 2, 2],
  [7, 5, 7, 5, 7],
  [7, 5, 7, 1, 7],
];

/** The blocks of 8 pixels (bit i: x in [8i, 8i + 8), 20 to a row) that pixels [x0, x1) of a row touch. */
export function blockMask(x0: number, x1: number): number {
  if (x1 <= x0) return 0;
  return ((2 << ((x1 - 1) >> 3)) - 1) ^ ((1 << (x0 >> 3)) - 1);
}

/** Mixes a value into a 32-bit hash (murmur3's finaliser steps). */
function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0xcc9e2d51);
  h = (h << 15) | (h >>> 17);
  return Math.imul(h, 0x1b873593) ^ (h >>> 13);
}

/** Mixes an operation's code into a row's second signature (independent of the first). */
function mix2(h: number, v: number): number {
  return mix(h ^ 0x68e31da4, v);
}

/** The two signatures of a row just cleared to `color`. */
function clearSig(color: number): number {
  return mix(0x2545f491, color);
}
function clearSig2(color: number): number {
  return mix(0x5bd1e995, color);
}

/** The code of a rectangle over columns [x0, x1) in `color` (top byte 0x3c). */
function rectCode(x0: number, x1: number, color: number): number {
  return (x0 | (x1 << 8) | (color << 16)) ^ 0x3c6ef372;
}

/**
 * A screen to draw on. Games draw only through these methods, never into `pixels` directly: each row keeps
 * a 64-bit signature of the drawing operations that touched it since the last `clear`, so two rows with
 * equal signatures hold equal pixels, and the pixel observation resizes each run of equal rows only once.
 * An operation's code must name the pixels it draws: a rectangle's code is its row span and colour (top byte
 * 0x3c), a sprite row's is two words, its bits and width (top byte 0x80 + width, never 0x3c) then its x, scale
 * and colour, and a row of sprite copies' three, its bits and width (top byte 0xc0 + width), its x, pitch and
 * colour, and which copies show, so a row's sequence of codes reads back one way only.
 *
 * Each row also keeps its background (the colour of the last operation that covered the whole row) and which
 * blocks of 8 pixels anything else drew into since: outside those blocks the row is its background, which
 * the observation resizes without reading the pixels, and where a row drawn again over the same background
 * stays the same.
 */
export class Screen {
  readonly pixels = new Uint8Array(SCREEN_WIDTH * SCREEN_HEIGHT);
  /** The same pixels four at a time, to fill long runs a word at a time. */
  private readonly words = new Int32Array(this.pixels.buffer);
  /** Two independent 32-bit hashes per row of the operations that drew it. */
  readonly rowSig = new Int32Array(SCREEN_HEIGHT);
  readonly rowSig2 = new Int32Array(SCREEN_HEIGHT);
  /** Per row: its background colour, and the blocks drawn into since (see `blockMask`). */
  readonly rowBase = new Uint8Array(SCREEN_HEIGHT);
  readonly rowDirty = new Int32Array(SCREEN_HEIGHT);
  /** Scratch for `band`: its rectangles' clipped columns and colours. */
  private readonly runX0 = new Int32Array(16);
  private readonly runX1 = new Int32Array(16);
  private readonly runColor = new Int32Array(16);

  clear(color: number): void {
    this.pixels.fill(color);
    this.rowSig.fill(clearSig(color));
    this.rowSig2.fill(clearSig2(color));
    this.rowBase.fill(color);
    this.rowDirty.fill(0);
  }

  /** Fills a rectangle, clipped to the screen; coordinates are rounded down to whole pixels. */
  rect(x: number, y: number, w: number, h: number, color: number): void {
    let x0 = Math.floor(x);
    let y0 = Math.floor(y);
    let x1 = x0 + Math.floor(w);
    let y1 = y0 + Math.floor(h);
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > SCREEN_WIDTH) x1 = SCREEN_WIDTH;
    if (y1 > SCREEN_HEIGHT) y1 = SCREEN_HEIGHT;
    if (x1 <= x0 || y1 <= y0) return;
    this.fill(x0, y0, x1, y1, color);
  }

  /**
   * Fills pixels [x0, x1) x [y0, y1), inside the screen and not empty. Apart from `rect`, which stays small
   * enough to be inlined where it is called: a call that is not inlined boxes each fractional argument.
   */
  private fill(x0: number, y0: number, x1: number, y1: number, color: number): void {
    const op = rectCode(x0, x1, color);
    const sig = this.rowSig;
    const sig2 = this.rowSig2;
    for (let yy = y0; yy < y1; yy++) {
      sig[yy] = mix(sig[yy], op);
      sig2[yy] = mix2(sig2[yy], op);
    }
    const W = SCREEN_WIDTH;
    if (x0 === 0 && x1 === W) {
      // Whole rows: the new background, and one run of memory.
      this.rowBase.fill(color, y0, y1);
      this.rowDirty.fill(0, y0, y1);
      this.pixels.fill(color, y0 * W, y1 * W);
    } else {
      const blocks = blockMask(x0, x1);
      const dirty = this.rowDirty;
      for (let yy = y0; yy < y1; yy++) dirty[yy] |= blocks;
      for (let row = y0 * W; row < y1 * W; row += W) this.run(row, x0, x1, color);
    }
  }

  /**
   * Writes pixels [x0, x1) of the row starting at `row`: the aligned words in it a word at a time (Breakout's
   * 8-pixel side walls are two), the rest byte by byte (a typed array's fill costs about as much as 20 single
   * stores before it writes anything).
   */
  private run(row: number, x0: number, x1: number, color: number): void {
    const p = this.pixels;
    let i = row + x0;
    const end = row + x1;
    if (x1 - x0 >= 4) {
      const words = this.words;
      const c4 = Math.imul(color, 0x01010101);
      for (; (i & 3) !== 0; i++) p[i] = color;
      for (; i + 4 <= end; i += 4) words[i >> 2] = c4;
    }
    for (; i < end; i++) p[i] = color;
  }

  /**
   * Rows [y, y + h) cleared to `color` with rectangles [xs[i], xs[i] + ws[i]) over them, i < n (rounded and
   * clipped as `rect`): the same pixels and signatures as `clear` of those rows and `rect` for each, but a row
   * whose signature says it already shows exactly that (drawn so on this screen before, nothing since) is left
   * as it is: a scene that mostly stays put between frames is mostly only signed.
   */
  band(y: number, h: number, color: number, n: number, xs: Float64Array, ws: Float64Array, colors: Int32Array): void {
    const W = SCREEN_WIDTH;
    let y0 = Math.floor(y);
    let y1 = y0 + Math.floor(h);
    if (y0 < 0) y0 = 0;
    if (y1 > SCREEN_HEIGHT) y1 = SCREEN_HEIGHT;
    if (y1 <= y0) return;
    // The rows' signatures and background after it all, and the rectangles that show.
    const x0s = this.runX0;
    const x1s = this.runX1;
    const cs = this.runColor;
    let base = color;
    let s1 = clearSig(color);
    let s2 = clearSig2(color);
    let m = 0;
    let blocks = 0;
    for (let i = 0; i < n; i++) {
      let x0 = Math.floor(xs[i]);
      let x1 = x0 + Math.floor(ws[i]);
      if (x0 < 0) x0 = 0;
      if (x1 > W) x1 = W;
      if (x1 <= x0) continue;
      const c = colors[i];
      const op = rectCode(x0, x1, c);
      s1 = mix(s1, op);
      s2 = mix2(s2, op);
      if (x0 === 0 && x1 === W) {
        // A whole row: the new background, over everything before it.
        base = c;
        m = 0;
        blocks = 0;
        continue;
      }
      if (m === x0s.length) throw new RangeError(`band draws at most ${x0s.length} rectangles`);
      x0s[m] = x0;
      x1s[m] = x1;
      cs[m++] = c;
      blocks |= blockMask(x0, x1);
    }
    const sig = this.rowSig;
    const sig2 = this.rowSig2;
    const p = this.pixels;
    let drawn = -1; // a row drawn so already, to copy rather than draw again
    for (let yy = y0; yy < y1; yy++) {
      if (sig[yy] === s1 && sig2[yy] === s2) continue;
      sig[yy] = s1;
      sig2[yy] = s2;
      this.rowBase[yy] = base;
      this.rowDirty[yy] = blocks;
      const row = yy * W;
      if (drawn >= 0) {
        p.copyWithin(row, drawn, drawn + W);
        continue;
      }
      p.fill(base, row, row + W);
      for (let k = 0; k < m; k++) this.run(row, x0s[k], x1s[k], cs[k]);
      drawn = row;
    }
  }

  /** Draws a bitmap whose rows are bit masks (most significant of `width` bits = left), scaled by `scale`. */
  sprite(rows: readonly number[], width: number, x: number, y: number, color: number, scale = 1): void {
    if (!(x === (x | 0) && y === (y | 0) && scale === (scale | 0) && scale >= 1 && scale < 256 && width <= 24 && x >= -32768 && x < 32768)) {
      this.spriteRuns(rows, width, x, y, color, scale);
      return;
    }
    const W = SCREEN_WIDTH;
    const p = this.pixels;
    const sig = this.rowSig;
    const sig2 = this.rowSig2;
    const mask = (1 << width) - 1;
    const op2 = (x & 0xffff) | (scale << 16) | (color << 24);
    const inside = x >= 0 && x + width * scale <= W; // no column to clip
    const blocks = blockMask(Math.max(0, x), Math.min(W, x + width * scale));
    const dirty = this.rowDirty;
    for (let r = 0; r < rows.length; r++) {
      const bits = rows[r] & mask;
      if (bits === 0) continue;
      let y0 = y + r * scale;
      let y1 = y0 + scale;
      if (y0 < 0) y0 = 0;
      if (y1 > SCREEN_HEIGHT) y1 = SCREEN_HEIGHT;
      if (y0 >= y1) continue;
      const op1 = (bits | (width << 24)) ^ 0x80000000;
      for (let yy = y0; yy < y1; yy++) {
        sig[yy] = mix(mix(sig[yy], op1), op2);
        sig2[yy] = mix(mix2(sig2[yy], op1), op2);
        dirty[yy] |= blocks;
        const row = yy * W;
        // Each set bit, from its index: bit b is column width - 1 - b.
        for (let m = bits; m !== 0; ) {
          const b = 31 - Math.clz32(m);
          m ^= 1 << b;
          let x0 = x + (width - 1 - b) * scale;
          if (scale === 1 && inside) {
            p[row + x0] = color;
            continue;
          }
          let x1 = x0 + scale;
          if (x0 < 0) x0 = 0;
          if (x1 > W) x1 = W;
          for (let i = row + x0; i < row + x1; i++) p[i] = color;
        }
      }
    }
  }

  /**
   * `sprite` (unscaled) at x + i * pitch for each set bit i of `copies`, as the 2600 repeats one sprite across
   * a row (a row of invaders): one drawing operation a row for all the copies.
   */
  sprites(rows: readonly number[], width: number, x: number, pitch: number, copies: number, y: number, color: number): void {
    if (copies === 0) return;
    const first = 31 - Math.clz32(copies & -copies);
    const last = 31 - Math.clz32(copies);
    const left = x + first * pitch;
    const right = x + last * pitch + width;
    if (!(x === (x | 0) && y === (y | 0) && pitch === (pitch | 0) && pitch > 0 && pitch < 256 && width <= 24 && x >= 0 && x < 256 && right <= SCREEN_WIDTH)) {
      for (let i = first; i <= last; i++) if ((copies >> i) & 1) this.sprite(rows, width, x + i * pitch, y, color);
      return;
    }
    const W = SCREEN_WIDTH;
    const p = this.pixels;
    const sig = this.rowSig;
    const sig2 = this.rowSig2;
    const mask = (1 << width) - 1;
    const op2 = x | (pitch << 16) | (color << 24);
    const blocks = blockMask(left, right);
    const dirty = this.rowDirty;
    for (let r = 0; r < rows.length; r++) {
      const bits = rows[r] & mask;
      const yy = y + r;
      if (bits === 0 || yy < 0 || yy >= SCREEN_HEIGHT) continue;
      const op1 = (bits | (width << 24)) ^ 0xc0000000;
      sig[yy] = mix(mix(mix(sig[yy], op1), op2), copies);
      sig2[yy] = mix(mix(mix2(sig2[yy], op1), op2), copies);
      dirty[yy] |= blocks;
      const row = yy * W;
      for (let i = first; i <= last; i++) {
        if (((copies >> i) & 1) === 0) continue;
        // Each set bit, from its index: bit b is column width - 1 - b.
        const x0 = row + x + i * pitch + width - 1;
        for (let m = bits; m !== 0; ) {
          const b = 31 - Math.clz32(m);
          m ^= 1 << b;
          p[x0 - b] = color;
        }
      }
    }
  }

  /** `sprite` at any position: each horizontal run of set bits is one rectangle. */
  private spriteRuns(rows: readonly number[], width: number, x: number, y: number, color: number, scale: number): void {
    for (let r = 0; r < rows.length; r++) {
      const bits = rows[r];
      let c = 0;
      while (c < width) {
        if (!(bits & (1 << (width - 1 - c)))) {
          c++;
          continue;
        }
        const start = c;
        while (c < width && bits & (1 << (width - 1 - c))) c++;
        this.rect(x + start * scale, y + r * scale, (c - start) * scale, scale, color);
      }
    }
  }

  /** Draws a non-negative integer right-aligned so that its last digit ends at `right`; returns its left x. */
  number(value: number, right: number, y: number, color: number, scale = 2): number {
    const text = String(Math.max(0, Math.floor(value)));
    const advance = 4 * scale;
    let x = right - text.length * advance + scale;
    const left = x;
    for (const ch of text) {
      this.sprite(DIGITS[ch.charCodeAt(0) - 48], 3, x, y, color, scale);
      x += advance;
    }
    return left;
  }
}
