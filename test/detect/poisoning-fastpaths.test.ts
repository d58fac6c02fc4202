/**
 * The detector's shortcuts must find exactly what the plain versions find: each test runs the
 * shortcut and the straightforward form (the regex, a full scan) on the same inputs and compares.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATED_PATTERNS } from '../../src/detect/poisoning/rules/godtool.js';
import { SEP_TOKEN, sepTokens, toolRefs } from '../../src/detect/poisoning/rules/refs.js';
import type { ItemCtx } from '../../src/detect/poisoning/engine.js';
import { foldView } from '../../src/detect/poisoning/unicode.js';

/** Deterministic pseudo-random strings over an alphabet dense in the characters the scanners branch on. */
function randomTexts(count: number, alphabet: string, maxLen: number): string[] {
  let seed = 42;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  return Array.from({ length: count }, () => Array.from({ length: Math.floor(rnd() * maxLen) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(''));
}

function corpusTexts(): string[] {
  const texts: string[] = [];
  const collect = (v: unknown): void => {
    if (typeof v === 'string') texts.push(foldView(v).text);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  for (const f of readdirSync('eval/poisoning/benign').filter((x) => x.endsWith('.json'))) collect(JSON.parse(readFileSync(`eval/poisoning/benign/${f}`, 'utf8')));
  for (const f of readdirSync('eval/poisoning/cases').filter((x) => x.endsWith('.mjs') && x !== 'util.mjs')) texts.push(...foldView(readFileSync(`eval/poisoning/cases/${f}`, 'utf8')).text.split('\n'));
  return texts;
}

const viaRegex = (text: string, max: number): [number, string][] => {
  const out: [number, string][] = [];
  SEP_TOKEN.lastIndex = 0;
  for (let k = 0; k < max; k++) {
    const m = SEP_TOKEN.exec(text);
    if (m === null) break;
    out.push([m.index, m[0]]);
  }
  return out;
};
const viaScan = (text: string, max: number): [number, string][] => {
  const out: [number, string][] = [];
  sepTokens(text, max, (at, t) => out.push([at, t]));
  return out;
};

describe('poisoning shortcuts', () => {
  it('sepTokens finds the same separator tokens as SEP_TOKEN (random text and the real servers)', () => {
    const random = randomTexts(3000, 'ab1_.- -x\n`é', 120);
    // Runs around the 40 / 60 character bounds of the pattern.
    const bounds = [39, 40, 41].flatMap((n) => [`${'a'.repeat(n)}_b`, `x ${'a'.repeat(n)}.${'b'.repeat(70)} y`, `-${'a'.repeat(n)}-c`, `${'a'.repeat(n)}__`]);
    for (const text of [...random, ...bounds, ...corpusTexts()]) {
      expect(viaScan(text, 400), JSON.stringify(text.slice(0, 80))).toEqual(viaRegex(text, 400));
    }
    expect(viaScan('a_b c_d e_f', 2)).toEqual(viaRegex('a_b c_d e_f', 2));
  });

  it('names marked "x tool" / "x()" are found however far into the text they are, up to the 64-character name bound', () => {
    const item: ItemCtx = { kind: 'tool', name: 'me', server: 'a', siblings: new Set(), foreign: new Map([['lookup', 'b'], [`q${'z'.repeat(63)}`, 'b']]), params: new Set() };
    const filler = 'plain words without any marker at all. '.repeat(400);
    const refs = toolRefs(`${filler}always use the lookup tool instead. then q${'z'.repeat(63)}() too`, item);
    expect(refs.foreign.map((r) => r.name)).toEqual(['lookup', `q${'z'.repeat(63)}`]);
    // A name of 65 characters is not a candidate for the pattern either.
    expect(toolRefs(`${filler}use q${'z'.repeat(64)}() now`, item).foreign).toEqual([]);
  });

  it('god-tool gates are necessary conditions: wherever a gated pattern matches, each of its gates does', () => {
    const has = (re: RegExp, t: string): boolean => { re.lastIndex = 0; return re.test(t); };
    let matched = 0;
    for (const text of corpusTexts()) {
      for (const [pattern, gates] of GATED_PATTERNS) {
        if (!has(pattern, text)) continue;
        matched++;
        for (const g of gates) expect(has(g, text), `${g.source} for ${pattern.source.slice(0, 50)} in ${text.slice(0, 80)}`).toBe(true);
      }
    }
    expect(matched).toBeGreaterThan(20);
  });
});
