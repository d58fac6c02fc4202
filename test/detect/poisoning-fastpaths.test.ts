/**
 * The detector's shortcuts must find exactly what the plain versions find: each test runs the
 * shortcut and the straightforward form (the regex, a full scan) on the same inputs and compares.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fullSkeleton, skeleton } from '../../src/detect/poisoning/rules/collision.js';
import { GATED_PATTERNS } from '../../src/detect/poisoning/rules/godtool.js';
import { LONG_TOKEN, NAMED_AFTER, NAMED_BEFORE, QUOTED, SEP_TOKEN, longWordAt, longWords, namedAfterNames, namedBeforeNames, quotedNames, sepTokens } from '../../src/detect/poisoning/rules/ref-candidates.js';
import { hasLongName, refsAmong, toolRefs } from '../../src/detect/poisoning/rules/refs.js';
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

/** Texts made of pieces that sit on the long-word rules' edges: 9–11 and 40–41 letter runs, separators, quotes, tool markers. */
function tokenTexts(count: number, names: readonly string[]): string[] {
  const pieces = [...names, 'abcdefghi', 'abcdefghij', 'abcdefghijk', 'a'.repeat(40), 'b'.repeat(41), 'c'.repeat(64), 'd'.repeat(65), 'x1', 'Q', '_', '.', '-', ' ', ' ', '\'', '`', '"', ' tool', '-tool', '()', 'tool ', 'function ', ' command', 'use ', '\n', 'é'];
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => pieces[Math.floor(rnd() * pieces.length)]).join(''));
}

/** Candidate references as the five collectors found them before the long-word shortcut: every collector run as a regex. */
function plainCandidates(text: string, wantLong: boolean, max: number): [number, string][] {
  const out = new Map<number, string>();
  const collect = (re: RegExp, group: number, suffixes?: readonly string[]): void => {
    re.lastIndex = 0;
    for (let k = 0; k < max; k++) {
      if (suffixes) {
        const from = re.lastIndex;
        let next = -1;
        for (const s of suffixes) { const at = text.indexOf(s, from); if (at >= 0 && (next < 0 || at < next)) next = at; }
        if (next < 0) break;
        if (next - 64 > from) re.lastIndex = next - 64;
      }
      const m = re.exec(text);
      if (m === null) break;
      const g = m[group];
      if (g === undefined) continue;
      const at = m.index + m[0].indexOf(g);
      if (!out.has(at)) out.set(at, g);
    }
  };
  SEP_TOKEN.lastIndex = 0;
  for (let k = 0; k < max; k++) { const m = SEP_TOKEN.exec(text); if (m === null) break; out.set(m.index, m[0]); }
  if (wantLong) collect(LONG_TOKEN, 0);
  if (text.includes('`') || text.includes("'") || text.includes('"')) collect(QUOTED, 1);
  if (text.includes('tool') || text.includes('function') || text.includes('command') || text.includes('()')) collect(NAMED_AFTER, 1, [' tool', ' function', ' command', '-tool', '()']);
  if (text.includes('tool') || text.includes('function') || text.includes('herramienta') || text.includes('outil') || text.includes('werkzeug')) collect(NAMED_BEFORE, 1);
  return [...out].sort((x, y) => x[0] - y[0]);
}

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

  it('longWords and longWordAt find exactly the matches of LONG_TOKEN', () => {
    const viaLongRegex = (text: string, max: number): [number, string][] => {
      const out: [number, string][] = [];
      LONG_TOKEN.lastIndex = 0;
      for (let k = 0; k < max; k++) { const m = LONG_TOKEN.exec(text); if (m === null) break; out.push([m.index, m[0]]); }
      return out;
    };
    for (const text of [...tokenTexts(3000, ['sequentialthinking']), ...corpusTexts()]) {
      const viaScan: [number, string][] = [];
      longWords(text, 400, (at, t) => viaScan.push([at, t]));
      const expected = viaLongRegex(text, 400);
      expect(viaScan, JSON.stringify(text.slice(0, 80))).toEqual(expected);
      const atEvery = Array.from({ length: text.length }, (_, at) => longWordAt(text, at)).flatMap((len, at) => (len > 0 ? [[at, text.slice(at, at + len)]] : []));
      expect(atEvery, JSON.stringify(text.slice(0, 80))).toEqual(viaLongRegex(text, Infinity));
    }
    const many = 'abcdefghijk '.repeat(450);
    const capped: [number, string][] = [];
    longWords(many, 400, (at, t) => capped.push([at, t]));
    expect(capped).toEqual(viaLongRegex(many, 400));
  });

  it('the quoted and named-tool scanners find exactly the matches of their patterns (and where the collector puts them)', () => {
    const viaPattern = (re: RegExp, text: string, max: number): [number, string][] => {
      const out: [number, string][] = [];
      re.lastIndex = 0;
      for (let k = 0; k < max; k++) {
        const m = re.exec(text);
        if (m === null) break;
        out.push([m.index + m[0].indexOf(m[1]!), m[1]!]);
      }
      return out;
    };
    const scanners: [RegExp, typeof quotedNames][] = [[QUOTED, quotedNames], [NAMED_AFTER, namedAfterNames], [NAMED_BEFORE, namedBeforeNames]];
    // Names right at the 64-character bound, with an earlier suffix in the same run.
    // ("-tool." ends a name too: `.` is not a word character.)
    const edges = [56, 57, 58].flatMap((n) => [`x-tool.${'y'.repeat(n)} tool`, `x-tool.${'y'.repeat(n)}()`, `use x.tool-${'y'.repeat(n)}-tool now`, `'${'a'.repeat(n + 7)}'`, `tool '${'b'.repeat(n + 7)}' x`]);
    const texts = [...edges, ...tokenTexts(4000, ['read_file', 'a.b', 'x-y', 'tool', 'function', 'outil', 'werkzeug', 'herramienta', 'tool-tool', 'q.tool', ' tools', 'toolx', '((', '))']), ...corpusTexts()];
    let matched = 0;
    for (const [re, scan] of scanners) {
      for (const text of texts) {
        for (const max of [400, 2]) {
          const got: [number, string][] = [];
          scan(text, max, (at, t) => got.push([at, t]));
          const want = viaPattern(re, text, max);
          matched += want.length;
          expect(got, `${re.source.slice(0, 30)} on ${JSON.stringify(text.slice(0, 80))}`).toEqual(want);
        }
      }
    }
    expect(matched).toBeGreaterThan(3000);
  });

  it('toolRefs finds the same references as the five plain collectors, with long names known or not', () => {
    const long = ['sequentialthinking', 'abcdefghijk', 'b'.repeat(41)];
    const items: ItemCtx[] = [
      { kind: 'tool', name: 'me', server: 'a', siblings: new Set(['abcdefghij']), foreign: new Map([...long.map((n) => [n, 'b'] as [string, string]), ['x1_q', 'b'], ['a-b', 'b']]), params: new Set(['q_x']) },
      { kind: 'tool', name: 'sequentialthinking', server: 'a', siblings: new Set(), foreign: new Map([['read_file', 'b']]), params: new Set() },
      { kind: 'tool', name: 'me', server: 'a', siblings: new Set(), foreign: new Map([['read_file', 'b']]), params: new Set() },
    ];
    const texts = [...tokenTexts(3000, [...long, 'x1_q', 'a-b', 'read_file', 'q_x']), ...corpusTexts(), 'sequentialthinking '.repeat(420) + 'use `abcdefghijk` tool'];
    let found = 0;
    for (const item of items) {
      for (const text of texts) {
        const expected = refsAmong(text, item, plainCandidates(text, hasLongName(item), 400));
        found += expected.foreign.length + expected.unknown.length;
        expect(toolRefs(text, item), JSON.stringify(text.slice(0, 80))).toEqual(expected);
      }
    }
    expect(found).toBeGreaterThan(100);
  });

  it('names marked "x tool" / "x()" are found however far into the text they are, up to the 64-character name bound', () => {
    const item: ItemCtx = { kind: 'tool', name: 'me', server: 'a', siblings: new Set(), foreign: new Map([['lookup', 'b'], [`q${'z'.repeat(63)}`, 'b']]), params: new Set() };
    const filler = 'plain words without any marker at all. '.repeat(400);
    const refs = toolRefs(`${filler}always use the lookup tool instead. then q${'z'.repeat(63)}() too`, item);
    expect(refs.foreign.map((r) => r.name)).toEqual(['lookup', `q${'z'.repeat(63)}`]);
    // A name of 65 characters is not a candidate for the pattern either.
    expect(toolRefs(`${filler}use q${'z'.repeat(64)}() now`, item).foreign).toEqual([]);
  });

  it('the skeleton of a printable-ASCII name is the one the character-by-character fold gives', () => {
    const names = randomTexts(5000, 'IlL1|0oOrnmvVwW_-.aZ ', 20).concat(['get_ba1ance', 'GET_BALANCE', 'Iist_Iogs', 'rnerge_pr', 'vvrite', '', 'I', 'x'.repeat(300)]);
    for (const n of names) expect(skeleton(n), n).toEqual(fullSkeleton(n.slice(0, 256)));
  });

  it('god-tool gates are necessary conditions: wherever a gated pattern matches, each of its gates does', () => {
    const has = (re: RegExp, t: string): boolean => { re.lastIndex = 0; return re.test(t); };
    let matched = 0;
    for (const text of corpusTexts()) {
      for (const [pattern, gates] of GATED_PATTERNS) {
        if (!has(pattern, text)) continue;
        matched++;
        for (const g of gates) expect(g.some((w) => text.includes(w)), `${g.join('|')} for ${pattern.source.slice(0, 50)} in ${text.slice(0, 80)}`).toBe(true);
      }
    }
    expect(matched).toBeGreaterThan(20);
  });
});
