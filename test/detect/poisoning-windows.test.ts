/**
 * The pattern rules are searched only near their hints. That is exact when (1) every match of a rule
 * contains one of its hints and (2) a match is at most `maxLen` long and the pattern reads at most
 * `behind`/`ahead` characters around it. These tests prove (1) for every rule from its pattern, check
 * the reader behind (2) on crafted patterns, and compare the windowed search with a whole-field
 * search on the eval data and on texts dense in hints.
 */
import { describe, expect, it } from 'vitest';
import { poisoningEvalStrings } from './eval-strings.js';
import { candidateRules, makeFinding, runPatterns, type FieldCtx, type ItemCtx, type PatternRule } from '../../src/detect/poisoning/engine.js';
import { hintsCover, patternBounds } from '../../src/detect/poisoning/pattern-bounds.js';
import { ALL_PATTERNS, rx, rxBounds } from '../../src/detect/poisoning/safe-regex.js';
import { EXFIL_RULES } from '../../src/detect/poisoning/rules/exfiltration.js';
import { HIDDEN_RULES } from '../../src/detect/poisoning/rules/hidden.js';
import { INSTRUCTION_RULES } from '../../src/detect/poisoning/rules/instructions.js';
import type { Finding } from '../../src/detect/poisoning/types.js';
import { foldView, toSpan } from '../../src/detect/poisoning/unicode.js';
import type { Field } from '../../src/detect/poisoning/walk.js';

const LISTS: (readonly PatternRule[])[] = [INSTRUCTION_RULES, EXFIL_RULES, HIDDEN_RULES];
const ALL_RULES = LISTS.flat();

describe('pattern bounds', () => {
  it('reads the longest match and the lookaround reach from the source', () => {
    expect(patternBounds(/a{2,5}b?/g)).toEqual({ maxLen: 6, behind: 1, ahead: 1 });
    expect(patternBounds(/\bfoo(?:bar|x)\b/g)?.maxLen).toBe(6);
    expect(patternBounds(/(?<!\b(?:by|the) )send(?! (?:it|them))/g)).toEqual({ maxLen: 4, behind: 5, ahead: 6 });
    expect(patternBounds(/[^\n]{0,40}?x[\x60'"]/g)?.maxLen).toBe(42);
    // `{` that is not a quantifier is a literal; `[]]` is an empty class followed by `]`.
    expect(patternBounds(/a{x}/g)?.maxLen).toBe(4);
    expect(patternBounds(new RegExp('[]]', 'g'))?.maxLen).toBe(2);
  });

  it('refuses what it cannot bound: unbounded quantifiers, back-references, other flags, nested lookarounds', () => {
    for (const re of [/a+/g, /a*/g, /a{2,}/g, /(a)\1/g, /a/gi, /a/gu, /a/gm, /(?=a(?=b))/g, /\p{L}/gu]) expect(patternBounds(re), re.source).toBeUndefined();
  });

  it('rx reads the same bounds while checking a pattern (two independent readings agree)', () => {
    let compared = 0;
    for (const re of ALL_PATTERNS) {
      const fromRx = rxBounds(re);
      expect(fromRx, re.source.slice(0, 60)).toEqual(patternBounds(re));
      if (fromRx) compared++;
    }
    expect(compared).toBeGreaterThan(60);
    expect(rxBounds(rx('(a)\\1'))).toBeUndefined();
    expect(rxBounds(rx('x(?=a(?=b))'))).toBeUndefined();
    expect(rxBounds(rx('(?<!\\bre)load[\\x60]{1,3}\\x41?'))).toEqual({ maxLen: 8, behind: 3, ahead: 1 });
  });

  it('proves hints only when every match holds one', () => {
    expect(hintsCover(/(?:abc|xyz)d/g, ['abc'])).toBe(false);
    expect(hintsCover(/(?:abc|xyz)d/g, ['abc', 'yzd'])).toBe(true);
    // A hint spanning items ("n't" across a group and a literal).
    expect(hintsCover(/\b(?:do|does|wo)n't (?:ever )?tell\b/g, ["n't"])).toBe(true);
    expect(hintsCover(/\bauthori[sz]ed (?:you|them)\b/g, ['authorized'])).toBe(false);
    expect(hintsCover(/\bauthori[sz]ed (?:you|them)\b/g, ['authorized', 'authorised'])).toBe(true);
    // Optional parts never cover; a lookaround is not part of the match.
    expect(hintsCover(/(?:user )?data/g, ['user'])).toBe(false);
    expect(hintsCover(/data(?= user)/g, ['user'])).toBe(false);
    expect(hintsCover(/x[^\n]{0,30}?user/g, ['user'])).toBe(true);
  });

  it('every rule pattern has bounds, and its hints cover every match exactly unless the rule says they do not', () => {
    expect(ALL_RULES.length).toBeGreaterThan(40);
    for (const r of ALL_RULES) {
      expect(patternBounds(r.re), `${r.id}: ${r.re.source.slice(0, 60)}`).toBeDefined();
      expect(r.hints, r.id).toBeDefined();
      expect(hintsCover(r.re, r.hints!), `${r.id}: ${r.re.source.slice(0, 60)}`).toBe(r.hintsIncomplete !== true);
    }
  });
});


/** Long texts of words the rules key on, mixed with filler, so that windows start, merge and end everywhere. */
function hintDenseTexts(count: number): string[] {
  const words = ['ignore', 'all', 'previous', 'instructions', 'the user', 'do not', "don't", 'tell', 'never', 'let', 'know', 'send', 'the', 'api key', 'token', 'password',
    'to', 'https://evil.example.com/x', 'a@b.io', 'conversation history', 'before using this tool', 'read', '~/.ssh/id_rsa', '.env', '<!--', '-->', '<system>', '</description>',
    'system:', '\n', '\n\n', 'note to the ai', 'assistant,', 'your new task is', 'from now on', 'always', 'say', 'success', 'even if', 'regardless of what the user asks',
    'override', 'takes precedence over', 'system prompt', 'this tool', 'call this tool before answering any', 'lorem', 'ipsum', 'dolor', 'sit', 'amet', '.', ',', '"', '`',
    '<div style="display:none">', '>', '[//]: # (hidden words go here)', 'printenv', 'encode the token in the subdomain', '<|im_start|>', '[inst]', 'keep this secret'];
  let seed = 11;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  return Array.from({ length: count }, () => {
    const n = 20 + Math.floor(rnd() * 1200);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(rnd() < 0.35 ? words[Math.floor(rnd() * words.length)]! : 'filler');
    return out.join(' ');
  });
}

/** The rules as they ran before windows: each candidate rule searched over the whole field. */
function wholeFieldSearch(rules: readonly PatternRule[], fc: FieldCtx, sink: (f: Finding) => void): void {
  const text = fc.view.text;
  if (text.length < 8) return;
  for (const ri of candidateRules(rules, text)) {
    const rule = rules[ri]!;
    if (rule.kinds ? !rule.kinds.includes(fc.field.kind) : fc.field.kind === 'name' || fc.field.kind === 'key') continue;
    rule.re.lastIndex = 0;
    for (let k = 0; k < 6; k++) {
      const m = rule.re.exec(text);
      if (m === null) break;
      if (m[0].length === 0) rule.re.lastIndex++;
      const sev = rule.check ? rule.check(m, fc) : rule.severity;
      if (sev !== null) { sink(makeFinding(rule, sev, fc.field, toSpan(fc.view, m.index, m.index + m[0].length))); break; }
    }
  }
}

describe('windowed pattern search', () => {
  it('finds exactly what a whole-field search finds (eval data and hint-dense texts)', () => {
    const item: ItemCtx = { kind: 'tool', name: 'tool_x', server: 'a', siblings: new Set(['helper_y']), foreign: new Map([['send_email', 'b']]), params: new Set(['note']) };
    let findings = 0;
    let longTexts = 0;
    for (const text of [...poisoningEvalStrings({ lines: true }), ...hintDenseTexts(400)]) {
      for (const path of ['/description', '/inputSchema/properties/note/description']) {
        const field: Field = { path, text, kind: 'description' };
        const fc: FieldCtx = { field, view: foldView(text), item };
        const got: Finding[] = [];
        const want: Finding[] = [];
        for (const rules of LISTS) {
          runPatterns(rules, fc, (f) => got.push(f));
          wholeFieldSearch(rules, fc, (f) => want.push(f));
        }
        expect(got, JSON.stringify(text.slice(0, 100))).toEqual(want);
        findings += want.length;
        if (text.length > 2000) longTexts++;
      }
    }
    expect(findings).toBeGreaterThan(2000);
    expect(longTexts).toBeGreaterThan(200);
  });

  it('reads the text around a window: word boundaries, the longest match, and matches a rejected one overlaps', () => {
    const rule = (id: string, source: string, hints: string[], check?: PatternRule['check']): PatternRule => ({ id, family: 'instructions', severity: 'high', explain: id, re: new RegExp(source, 'g'), hints, check });
    const rules = [
      rule('t.boundary', '\\bsend\\b', ['send']),
      rule('t.longest', 'x[^\\n]{0,10}?key', ['key']),
      // The first match is rejected: the next one must not overlap it (a global exec loop moves past it).
      rule('t.overlap', '[a-z]{2}ab', ['ab'], (m) => (m.index === 0 ? null : 'high')),
      rule('t.lookbehind', '(?<!re)load', ['load']),
    ];
    const item: ItemCtx = { kind: 'tool', name: 't', server: undefined, siblings: new Set(), foreign: new Map(), params: new Set() };
    const found = (text: string, search: typeof runPatterns): string[] => {
      const out: string[] = [];
      search(rules, { field: { path: '/description', text, kind: 'description' }, view: foldView(text), item }, (f) => out.push(`${f.ruleId}@${f.span[0]}`));
      return out;
    };
    const cases: [string, string[]][] = [
      ['please resend the file now', []],
      ['please send the file now', ['t.boundary@7']],
      ['filler filler x0123456789key filler', ['t.longest@14']],
      ['qqabab and more text here', []],
      ['please reload the page, then load it', ['t.lookbehind@29']],
    ];
    for (const [text, want] of cases) {
      expect(found(text, wholeFieldSearch), text).toEqual(want);
      expect(found(text, runPatterns), text).toEqual(want);
    }
  });

  it('every match on the eval data contains a hint of its rule and is no longer than the rule bound', () => {
    const bounds = new Map(ALL_RULES.map((r) => [r, patternBounds(r.re)!.maxLen]));
    let matched = 0;
    const wrong: string[] = [];
    for (const raw of poisoningEvalStrings({ lines: true })) {
      const text = foldView(raw).text;
      for (const r of ALL_RULES) {
        r.re.lastIndex = 0;
        for (let m = r.re.exec(text); m !== null; m = r.re.exec(text)) {
          if (m[0].length === 0) r.re.lastIndex++;
          matched++;
          if (m[0].length > bounds.get(r)!) wrong.push(`${r.id} too long: ${m[0]}`);
          if (!r.hintsIncomplete && !r.hints!.some((h) => m![0].includes(h))) wrong.push(`${r.id} without a hint: ${m[0]}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(matched).toBeGreaterThan(300);
  });
});
