import { describe, expect, it } from 'vitest';
import { Screen } from '../../src/env/screen.js';

describe('Screen.sprites', () => {
  const rows = [0x18, 0x3c, 0x00, 0xdb, 0x81];
  // Inside the screen (one operation a row), clipped at the right edge, and at a fractional x (both copy by copy).
  for (const [x, y] of [[3, 20], [100, 205], [2.5, 0]] as const) {
    it(`draws the pixels of one sprite per copy (x ${x}, y ${y})`, () => {
      const copies = new Screen();
      const each = new Screen();
      copies.clear(0);
      each.clear(0);
      copies.sprites(rows, 8, x, 16, 0b101101, y, 7);
      for (let i = 0; i < 6; i++) if ((0b101101 >> i) & 1) each.sprite(rows, 8, x + i * 16, y, 7);
      expect(copies.pixels).toEqual(each.pixels);
      expect(copies.pixels.some((v) => v === 7)).toBe(true);
    });
  }

  it('gives rows drawn alike equal signatures and rows drawn differently different ones', () => {
    const s = new Screen();
    s.clear(0);
    s.sprites([0x18, 0x18, 0x3c], 8, 10, 16, 0b11, 50, 7);
    expect(s.rowSig[51]).toBe(s.rowSig[50]);
    expect(s.rowSig2[51]).toBe(s.rowSig2[50]);
    expect(s.rowSig[52]).not.toBe(s.rowSig[51]);
  });
});
