import { describe, expect, it } from 'vitest';
import { codeUnits } from '../../src/detect/content/code-units.js';

const viaCharCodeAt = (t: string): number[] => Array.from({ length: t.length }, (_, i) => t.charCodeAt(i));

describe('codeUnits', () => {
  it('gives the code units charCodeAt gives, for short and long, one- and two-byte, sliced and joined strings', () => {
    const long = `${'plain ascii text, '.repeat(40)}é中😀\u{E0041}\u200b${'x'.repeat(300)}`;
    const texts = ['', 'a', 'Echo: hello', 'é', '😀', '\u00a0\u00ff', long, long.slice(17, 900), long.slice(0, 255), long.slice(0, 256), ['a', 'b'.repeat(400), '中'].join('')];
    for (const t of texts) expect([...codeUnits(t)], JSON.stringify(t.slice(0, 40))).toEqual(viaCharCodeAt(t));
  });

  it('answers for the text asked about, not the last one converted', () => {
    const a = 'x'.repeat(600);
    const b = `${'x'.repeat(599)}y`; // same length, differs at the end
    expect(codeUnits(a)[599]).toBe(120);
    expect(codeUnits(b)[599]).toBe(121);
    expect(codeUnits(a)[599]).toBe(120);
  });

  it('stays right when texts of every size take turns (a reused buffer for most, own arrays for the largest)', () => {
    const sizes = [5, 300, 1500, 5000, 70_000, 300, 200_000, 1500, 5];
    const texts = sizes.map((n, k) => `${String.fromCharCode(0x61 + k)}é中${'x'.repeat(n)}`.slice(0, n));
    const sums = texts.map((t) => viaCharCodeAt(t).reduce((a, b) => a + b, 0));
    for (let round = 0; round < 2; round++) {
      texts.forEach((t, k) => {
        const units = codeUnits(t);
        expect(units.length).toBe(t.length);
        expect(units.reduce((a, b) => a + b, 0), `text ${k}`).toBe(sums[k]);
      });
    }
  });
});
