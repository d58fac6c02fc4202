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
});
