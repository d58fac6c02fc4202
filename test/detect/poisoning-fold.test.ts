/**
 * foldView's general path was rewritten for speed (state in fields, scratch buffers). It must build
 * exactly the view, and the map back to the original, that the previous version built: compared
 * here with that version (fold-reference.ts) on the eval data and on texts dense in the characters
 * the fold treats specially.
 */
import { describe, expect, it } from 'vitest';
import { foldView } from '../../src/detect/poisoning/unicode.js';
import { foldViewReference } from './fold-reference.js';
import { poisoningEvalStrings } from './eval-strings.js';


/** Pieces the fold branches on: ASCII words and case, whitespace kinds, lookalikes, accents, invisibles, escapes, surrogates. */
const PIECES = ['ignore', 'Previous', 'ALL', 'rules', 'x_y', '_', '42', ' ', '  ', '\n', '\n\n', '\r\n', '\r', '\t', '.', ',', '"', '—', '→', '•', '’',
  'іgnore', 'Іgnоrе', 'аll', 'Москва', 'поиск', 'café', 'Ⅻ', 'ﬁle', 'ß', 'ｆｕｌｌ', '𝐛𝐨𝐥𝐝', 'α', 'ω', 'ꓲ', 'ig\u200bnore', '\u200d', '\u202e', '\ufeff', '\u0301', '\u00ad',
  '\u001b[31m', '\u001b]0;title\u0007', '\u001bX', '\u009b2J', '\u0007', '🐳', '👩\u200d💻', '\ud800', '\udc00', '\u2028', '\u0085', '\u3000', 'e\u0301'];

function pieceTexts(count: number): string[] {
  let seed = 5;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(rnd() * 60) }, () => PIECES[Math.floor(rnd() * PIECES.length)]).join(''));
}

describe('foldView general path', () => {
  it('builds the same view and map as the previous version (whole fields, windows, property names)', () => {
    let compared = 0;
    for (const raw of [...pieceTexts(4000), ...poisoningEvalStrings()]) {
      const windows: [number, number][] = [[0, raw.length], [Math.floor(raw.length / 3), raw.length], [0, Math.floor(raw.length / 2)]];
      for (const [from, to] of windows) {
        for (const underscoreAsSpace of [false, true]) {
          const want = foldViewReference(raw, from, to, underscoreAsSpace);
          // plainAscii = false forces the general path even for ASCII text.
          const got = foldView(raw, from, to, underscoreAsSpace, false);
          expect(got.text, JSON.stringify(raw.slice(0, 80))).toBe(want.text);
          expect(Array.from(got.map!), JSON.stringify(raw.slice(0, 80))).toEqual(Array.from(want.map!));
          expect(got.base).toBe(want.base);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(20_000);
  });

  it('stops at the window length plus eight units, as before', () => {
    const raw = 'ﬁ'.repeat(50);
    const got = foldView(raw, 0, raw.length, false, false);
    expect(got.text).toBe(foldViewReference(raw).text);
    expect(got.text.length).toBe(58);
  });
});
