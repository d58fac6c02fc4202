// Secret detection with the gitleaks rule set (generated into secret-rules.generated.ts), run in
// linear time: every regular expression is RE2 (re2js), compiled once at module load.
//
// Per call: (1) one Aho–Corasick pass finds the rules' keywords (gitleaks' keyword pre-filter);
// (2) for each keyword hit a cheap necessary condition derived from the rule's regex (a long enough
// run of token characters, or an assignment operator followed by a value) decides whether the
// regex is worth running; (3) re2js runs on a small window around the hit only, never on the whole
// text; (4) the secret group must pass the rule's entropy threshold (generic rules also need a digit)
// and the global and rule allow-lists. Work is bounded by a budget proportional to the text length.
// Pure: no I/O.

import { RE2JS } from 're2js';
import { contentKeywordIndex, contentKeywords } from './content-keywords.js';
import type { KeywordSet } from './keywords.js';
import { GLOBAL_ALLOW, SECRET_RULES } from './secret-rules.generated.js';

export interface AllowSpec {
  /** What the regexes are tested against: the secret (default), the whole match, or its line. */
  target: 'secret' | 'match' | 'line';
  regexes: readonly string[];
  /** Lowercase; a secret containing one is allowed. */
  stopwords: readonly string[];
}

export interface SecretRuleSpec {
  id: string;
  /** RE2 syntax, as in gitleaks. */
  regex: string;
  /** 0: the first non-empty capture group (or the whole match without groups). */
  secretGroup: number;
  /** Minimum Shannon entropy (bits per character) of the secret; 0 = no check. */
  entropy: number;
  /** Lowercase keywords; at least one must occur near the match. */
  keywords: readonly string[];
  /** How a keyword hit becomes a window to match; see the generator script. */
  mode: 'token' | 'assign' | 'window' | 'near';
  /** Every secret contains a run of at least this many token characters. */
  minRun: number;
  /** Longest match (capped): the window reaches this far from the keyword. */
  reach: number;
  /** token: every match starts with a keyword (the secret is the token run from the hit on). */
  kwAtStart?: boolean;
  /** token, with kwAtStart: the regex begins with \b, so a word character before the hit rules it out. */
  boundary?: boolean;
  /** assign: a keyword can be part of the value (then a long token run around the hit also qualifies). */
  kwInSecret?: boolean;
  /** assign: the value is one run of token characters (else only the longest run nearby is checked). */
  valueRun?: boolean;
  allow?: readonly AllowSpec[];
}

export interface SecretFinding {
  /** The rule id, e.g. `github-pat`, `aws-access-token`, `generic-api-key`. */
  kind: string;
  /** Offsets of the secret (UTF-16 code units), end exclusive. */
  start: number;
  end: number;
  /** Set when the work budget ran out: the rule's cheap pre-check matched, its regex was not run. */
  unverified?: true;
}

export interface SecretScan {
  findings: SecretFinding[];
  /** True when the work budget ran out before every candidate window was matched. */
  truncated: boolean;
}

interface CompiledAllow {
  target: AllowSpec['target'];
  regexes: RE2JS[];
  stopwords: readonly string[];
}

interface CompiledRule {
  spec: SecretRuleSpec;
  /** Compiled on the rule's first candidate window: ~200 RE2 programs cost seconds to compile up front. */
  re: RE2JS | undefined;
  allow: CompiledAllow[] | undefined;
  generic: boolean;
}

function compileAllow(a: AllowSpec): CompiledAllow {
  return { target: a.target, regexes: a.regexes.map((r) => RE2JS.compile(r)), stopwords: a.stopwords };
}

/** Overlapping windows of one rule merge up to this length; beyond it a new window starts. */
const MAX_WINDOW = 4096;

// ---- token characters: A-Z a-z 0-9 + - . / = _ ~ ----
const TOKEN = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-./=_~') TOKEN[c.charCodeAt(0)] = 1;
function isWordChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}
function isTok(code: number): boolean {
  return code < 128 && TOKEN[code] === 1;
}
const ASSIGN_GAP = new Uint8Array(128); // may sit between identifier and operator: [ \t\w.-] and [\s'"]
for (const c of ' \t\r\n\'"._-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789') ASSIGN_GAP[c.charCodeAt(0)] = 1;
const OPERATOR = new Uint8Array(128);
for (const c of '=>:|?,') OPERATOR[c.charCodeAt(0)] = 1;
const VALUE_LEAD = new Uint8Array(128); // after the operator, before the value: [\x60'"\s=] and more operator characters
for (const c of '`\'" \t\r\n:|>?,=') VALUE_LEAD[c.charCodeAt(0)] = 1;

/** Shannon entropy in bits per character (gitleaks' definition). */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * Allow-lists Portcullis adds to gitleaks' own, each for a false positive seen on ordinary code and
 * documentation (eval/content/eval-secrets.mjs --show-fp): member expressions of compiled modules
 * (`visitor_keys_1.visitorKeys`) and public-key fingerprints (`GPG key: 3ABC…`), which are not secrets.
 */
const EXTRA_ALLOW: Readonly<Record<string, readonly AllowSpec[]>> = {
  'generic-api-key': [
    { target: 'secret', regexes: [String.raw`^[A-Za-z_$][A-Za-z_$]*[0-9]*(?:\.[A-Za-z_$][A-Za-z_$]*[0-9]*)+$`], stopwords: [] },
    { target: 'line', regexes: [String.raw`(?i)\b(?:gpg|pgp)\b|fingerprint`], stopwords: [] },
  ],
};

class SecretEngine {
  private readonly rules: CompiledRule[];
  private readonly keywords: KeywordSet;
  /** Per keyword of the shared set (content-keywords.ts): the rules it gates, or undefined for words of other detectors. */
  private readonly rulesOfKeyword: (number[] | undefined)[];
  private readonly globalAllow: CompiledAllow;
  /** Per rule, the [start, end) pairs of its keyword hits in the text being scanned (see scan). */
  private readonly hitsOfRule: (number[] | undefined)[];

  constructor(specs: readonly SecretRuleSpec[], globalAllow: AllowSpec) {
    this.rules = specs.map((spec) => ({ spec, re: undefined, allow: undefined, generic: spec.id.startsWith('generic') }));
    this.globalAllow = compileAllow(globalAllow);
    this.hitsOfRule = new Array<number[] | undefined>(this.rules.length);
    this.keywords = contentKeywords();
    this.rulesOfKeyword = new Array<number[] | undefined>(this.keywords.keywords.length);
    this.rules.forEach((r, ri) => {
      for (const k of r.spec.keywords) (this.rulesOfKeyword[contentKeywordIndex(k)] ??= []).push(ri);
    });
  }

  scan(text: string): SecretScan {
    // (1) keyword hits, grouped per rule: [start, end) pairs in text order, in a holder kept from call
    // to call (two hundred rules, and most texts hit a few: a new one per text cost more than the
    // rest of the scan); `touched` lists the rules with hits, and the holder is emptied on the way out
    const hits = this.hitsOfRule;
    const touched: number[] = [];
    const kwLen = this.keywords.keywords;
    const keywordHits = this.keywords.hitsOf(text);
    for (let h = 0; h < keywordHits.length; h += 2) {
      const k = keywordHits[h]!;
      const rules = this.rulesOfKeyword[k];
      if (rules === undefined) continue; // a trigger word of the injection rules
      const end = keywordHits[h + 1]!;
      const len = kwLen[k]!.length;
      for (const ri of rules) {
        let list = hits[ri];
        if (list === undefined) {
          list = hits[ri] = [];
          touched.push(ri);
        }
        list.push(end - len, end);
      }
    }
    if (touched.length === 0) return { findings: [], truncated: false };
    touched.sort((a, b) => a - b); // rule order
    try {
      return this.match(text, hits, touched);
    } finally {
      for (const ri of touched) hits[ri] = undefined;
    }
  }

  /** Steps (2) to (4) for the rules in `touched` (ascending), whose keyword hits are in `hits`. */
  private match(text: string, hits: readonly (number[] | undefined)[], touched: readonly number[]): SecretScan {
    // re2js costs tens to hundreds of microseconds per window: bound the number of windows and the
    // characters matched. Past the budget, the candidate a hit pointed at is reported unverified
    // (if it passes the entropy check), so hostile input costs bounded time and still gets redacted.
    const budget = { calls: 128 + (text.length >> 13), chars: 65536 + (text.length >> 2) };
    let truncated = false;
    const found: Array<SecretFinding & { generic: boolean }> = [];
    for (const ri of touched) {
      const h = hits[ri]!;
      const rule = this.rules[ri]!;
      // (2) candidate windows, merged
      const { windows, candidates } = this.windows(text, rule.spec, h);
      // (3) match in each window
      for (let w = 0; w < windows.length; w += 2) {
        const ws = windows[w]!;
        const we = windows[w + 1]!;
        budget.chars -= we - ws;
        const stopped = budget.chars >= 0 ? this.matchWindow(text, rule, ws, we, found, budget) : ws;
        if (stopped === we) continue;
        truncated = true;
        for (let c = 0; c < candidates.length; c += 2) {
          const cs = candidates[c]!;
          const ce = candidates[c + 1]!;
          if (cs < stopped || ce > we) continue;
          const secret = text.slice(cs, ce);
          if (rule.spec.entropy > 0 && shannonEntropy(secret) <= rule.spec.entropy) continue;
          found.push({ kind: rule.spec.id, start: cs, end: ce, generic: rule.generic, unverified: true });
        }
      }
    }
    return { findings: resolveOverlaps(found), truncated };
  }

  /**
   * Windows [start, end) worth matching for one rule's keyword hits (flattened pairs; overlapping
   * ones merged up to MAX_WINDOW characters), and the candidate secret span each hit pointed at
   * (what is redacted, unverified, if the work budget runs out before the window is matched).
   */
  private windows(text: string, spec: SecretRuleSpec, h: number[]): { windows: number[]; candidates: number[] } {
    const out: number[] = [];
    const candidates: number[] = [];
    const n = text.length;
    const push = (a: number, b: number, cs: number, ce: number): void => {
      const s = Math.max(0, a);
      const e = Math.min(n, b);
      const last = out.length - 1;
      if (last > 0 && s <= out[last]! && e - out[last - 1]! <= MAX_WINDOW) out[last] = Math.max(out[last]!, e);
      else out.push(s, e);
      if (cs >= 0) candidates.push(cs, ce);
    };
    let runA = -1;
    let runB = -1; // cache of the last token run around a hit (hits come in text order)
    let fwdFrom = -1;
    let fwdTo = -1; // [fwdFrom, fwdTo) is known to be token characters
    let fwdEnded = false; // and fwdTo is where that run ends
    for (let k = 0; k < h.length; k += 2) {
      const ks = h[k]!;
      const ke = h[k + 1]!;
      switch (spec.mode) {
        case 'token': {
          if (spec.kwAtStart === true) {
            if (spec.boundary === true && ks > 0 && isWordChar(text.charCodeAt(ks - 1))) break;
            const hi = Math.min(n, ks + spec.reach);
            let b: number;
            if (ks >= fwdFrom && ks < fwdTo) {
              b = fwdEnded ? Math.min(fwdTo, hi) : fwdTo; // resume where the last scan stopped
            } else b = ks;
            if (!(fwdEnded && ks >= fwdFrom && ks < fwdTo)) {
              while (b < hi && isTok(text.charCodeAt(b))) b++;
              fwdFrom = ks;
              fwdTo = b;
              fwdEnded = b < hi || b === n;
            }
            b = Math.min(b, hi);
            if (b - ks >= spec.minRun) push(ks - 1, b + 64, ks, b);
            break;
          }
          if (!(ks >= runA && ke <= runB)) [runA, runB] = tokenRunAround(text, ks, ke, spec.reach);
          if (runB - runA >= spec.minRun) push(runA - 64, runB + 64, runA, runB);
          break;
        }
        case 'assign': {
          if (spec.kwInSecret === true) {
            const [a, b] = tokenRunAround(text, ks, ke, spec.reach);
            if (b - a >= spec.minRun) push(a - Math.min(spec.reach, 256), b + 8, a, b);
          }
          const values = assignedValues(text, ke);
          for (let v = 0; v < values.length; v += 2) {
            const vs = values[v]!;
            const ve = values[v + 1]!;
            if (spec.valueRun === true) {
              if (ve - vs < spec.minRun) continue;
              if (spec.id.startsWith('generic') && !hasDigit(text, vs, ve)) continue;
              if (spec.id === 'generic-api-key' && GENERIC_SHAPE && genericCannotMatch(text, vs, ve, spec.entropy)) continue;
              push(ks - 64, ve + 4, vs, ve);
            } else {
              const end = Math.min(n, ke + spec.reach);
              if (longestRun(text, vs, end) < spec.minRun) continue;
              push(ks - 64, end + 4, vs, ve);
            }
          }
          break;
        }
        case 'window':
        case 'near': {
          const a = ke - spec.reach;
          const b = ks + spec.reach;
          const required = REQUIRED_AFTER_KEYWORD[spec.id];
          if (required && !required.every((re) => re.test(text.slice(ks, Math.min(n, b))))) break;
          if (longestRun(text, Math.max(0, a), Math.min(n, b)) >= spec.minRun) push(a, b, -1, -1);
          break;
        }
        default: {
          const never: never = spec.mode;
          throw new Error(`unknown mode ${String(never)}`);
        }
      }
    }
    return { windows: out, candidates };
  }

  /** Matches the rule in [ws, we); returns we, or where it stopped when the call budget ran out. */
  private matchWindow(text: string, rule: CompiledRule, ws: number, we: number, found: Array<SecretFinding & { generic: boolean }>, budget: { calls: number }): number {
    const sub = text.slice(ws, we);
    rule.re ??= RE2JS.compile(rule.spec.regex);
    const m = rule.re.matcher(sub);
    let at = 0;
    for (;;) {
      if (--budget.calls < 0) return ws + at;
      if (!m.find()) return we;
      const ms = m.start(0);
      const me = m.end(0);
      at = me;
      let ss = ms;
      let se = me;
      const groups = m.groupCount();
      if (groups > 0) {
        if (rule.spec.secretGroup > 0) {
          ss = m.start(rule.spec.secretGroup);
          se = m.end(rule.spec.secretGroup);
        } else {
          for (let g = 1; g <= groups; g++) {
            const a = m.start(g);
            const b = m.end(g);
            if (a >= 0 && b > a) {
              ss = a;
              se = b;
              break;
            }
          }
        }
      }
      if (ss < 0 || se <= ss) continue;
      const secret = sub.slice(ss, se);
      if (rule.spec.entropy > 0) {
        if (shannonEntropy(secret) <= rule.spec.entropy) continue;
        if (rule.generic && !/[0-9]/.test(secret)) continue;
      }
      if (this.allowed(secret, sub.slice(ms, me), text, ws + ms, ws + me, rule)) continue;
      found.push({ kind: rule.spec.id, start: ws + ss, end: ws + se, generic: rule.generic });
    }
  }

  private allowed(secret: string, match: string, text: string, ms: number, me: number, rule: CompiledRule): boolean {
    const lower = secret.toLowerCase();
    const test = (a: CompiledAllow): boolean => {
      if (a.stopwords.some((w) => lower.includes(w))) return true;
      if (a.regexes.length === 0) return false;
      let target = secret;
      if (a.target === 'match') target = match;
      else if (a.target === 'line') {
        const ls = text.lastIndexOf('\n', ms - 1) + 1;
        let le = text.indexOf('\n', me);
        if (le < 0) le = text.length;
        target = text.slice(ls, le);
      }
      return a.regexes.some((r) => r.matcher(target).find());
    };
    rule.allow ??= [...(rule.spec.allow ?? []), ...(EXTRA_ALLOW[rule.spec.id] ?? [])].map(compileAllow);
    return test(this.globalAllow) || rule.allow.some(test);
  }
}

/**
 * The generic rule dominates the cost of ordinary text (a window costs re2js milliseconds) and almost
 * never matches there. When a candidate value is one run of [A-Za-z0-9_.=-] of at most 150 characters,
 * not preceded by '=' and not opening with it, the regex's secret group can only be that whole run
 * (greedy [\w.=-]{10,150}; the lead [\x60'"\s=]{0,5} cannot reach into it), so the rule's own later
 * checks can be applied here: the run must be followed by the regex's terminator, and its entropy must
 * exceed the rule's threshold. Otherwise the window cannot yield a finding and is not matched.
 * Applied only while the generated regex has the shape this reasoning assumes (GENERIC_SHAPE).
 */
const GENERIC_SHAPE = SECRET_RULES.some(
  (r) => r.id === 'generic-api-key' && r.regex.endsWith(String.raw`[\x60'"\s=]{0,5}([\w.=-]{10,150}|[a-z0-9][a-z0-9+/]{11,}={0,3})(?:[\x60'"\s;]|\\[nr]|$)`) && r.secretGroup === 0,
);
const GENERIC_VALUE = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.=-') GENERIC_VALUE[c.charCodeAt(0)] = 1;
const GENERIC_END = new Uint8Array(128); // [\x60'"\s;] with RE2's \s = [\t\n\f\r ]
for (const c of '`\'" \t\n\f\r;') GENERIC_END[c.charCodeAt(0)] = 1;

function genericCannotMatch(text: string, vs: number, ve: number, entropy: number): boolean {
  if (ve - vs > 150 || text.charCodeAt(vs) === 61 || (vs > 0 && text.charCodeAt(vs - 1) === 61)) return false;
  for (let i = vs; i < ve; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || GENERIC_VALUE[c] !== 1) return false; // '+', '/' or '~': the other alternative may apply
  }
  if (ve < text.length) {
    const t = text.charCodeAt(ve);
    const escaped = t === 92 && (text.charCodeAt(ve + 1) === 110 || text.charCodeAt(ve + 1) === 114); // \n \r
    if (!escaped && (t >= 128 || GENERIC_END[t] !== 1)) return true;
  }
  return entropy > 0 && shannonEntropy(text.slice(vs, ve)) <= entropy;
}

/**
 * Literals the curl rules' regexes require after their keyword (an option flag, and for headers a header
 * name): without them the whole-text window (several milliseconds of re2js) cannot match. Plain literal
 * alternations: linear in native RegExp.
 */
const REQUIRED_AFTER_KEYWORD: Readonly<Record<string, readonly RegExp[]>> = {
  'curl-auth-header': [/[ \t\n\r](?:-H|--header)/, /authorization:|key:|token:/i],
  'curl-auth-user': [/[ \t\n\r](?:-u|--user)/],
};

function hasDigit(text: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

/** The maximal run of token characters around [ks, ke), at most `reach` further either side. */
function tokenRunAround(text: string, ks: number, ke: number, reach: number): [number, number] {
  let a = ks;
  const lo = Math.max(0, ks - reach);
  while (a > lo && isTok(text.charCodeAt(a - 1))) a--;
  let b = ke;
  const hi = Math.min(text.length, ke + reach);
  while (b < hi && isTok(text.charCodeAt(b))) b++;
  return [a, b];
}

function longestRun(text: string, a: number, b: number): number {
  let best = 0;
  let cur = 0;
  for (let i = a; i < b; i++) {
    if (isTok(text.charCodeAt(i))) {
      cur++;
      if (cur > best) best = cur;
    } else cur = 0;
  }
  return best;
}

/**
 * For the semi-generic `identifier … = value` rules: from the end of the keyword, walk over what may
 * sit between identifier and operator (at most 48 characters), and for every operator met, skip quotes
 * and blanks and take the run of token characters that follows (a candidate value). Every value the
 * rule's regex can match starts at one of these candidates: a necessary condition, checked in JS.
 * Returns flattened [start, end) pairs.
 */
function assignedValues(text: string, from: number): number[] {
  const out: number[] = [];
  const n = text.length;
  const end = Math.min(n, from + 48);
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) break;
    if (OPERATOR[c] === 1) {
      let j = i + 1;
      const leadEnd = Math.min(n, j + 8);
      while (j < leadEnd) {
        const d = text.charCodeAt(j);
        if (d < 128 && VALUE_LEAD[d] === 1) j++;
        else break;
      }
      let k = j;
      const ve = Math.min(n, j + 4096);
      while (k < ve && isTok(text.charCodeAt(k))) k++;
      if (k > j) out.push(j, k);
    } else if (ASSIGN_GAP[c] !== 1 && VALUE_LEAD[c] !== 1) break;
  }
  return out;
}

/** Specific rules win over generic ones; otherwise the earlier, then the longer finding. */
function resolveOverlaps(found: Array<SecretFinding & { generic: boolean }>): SecretFinding[] {
  // verified before unverified, specific before generic, then earlier and longer
  found.sort((a, b) => Number(a.unverified === true) - Number(b.unverified === true) || Number(a.generic) - Number(b.generic) || a.start - b.start || b.end - a.end);
  const kept: SecretFinding[] = [];
  for (const f of found) {
    if (kept.some((k) => f.start < k.end && k.start < f.end)) continue;
    kept.push(f.unverified === true ? { kind: f.kind, start: f.start, end: f.end, unverified: true } : { kind: f.kind, start: f.start, end: f.end });
  }
  return kept.sort((a, b) => a.start - b.start);
}

let engine: SecretEngine | undefined;
function defaultEngine(): SecretEngine {
  // compiled on first use (about 200 RE2 programs), then shared
  engine ??= new SecretEngine(SECRET_RULES, GLOBAL_ALLOW);
  return engine;
}

/** Secrets in `text`, sorted by offset, non-overlapping. */
export function findSecrets(text: string): SecretFinding[] {
  return defaultEngine().scan(text).findings;
}

/** Like `findSecrets`, and says whether the work budget cut the scan short. */
export function scanSecrets(text: string): SecretScan {
  return defaultEngine().scan(text);
}

export interface Redaction<F> {
  text: string;
  findings: F[];
}

/** Replaces every finding with `[REDACTED:<kind>]`; findings keep offsets into the input. */
export function redactSpans<F extends { kind: string; start: number; end: number }>(text: string, findings: readonly F[], replace: (f: F, original: string) => string = (f) => `[REDACTED:${f.kind}]`): string {
  if (findings.length === 0) return text;
  const sorted = [...findings].sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let at = 0;
  for (const f of sorted) {
    if (f.start < at) continue;
    parts.push(text.slice(at, f.start), replace(f, text.slice(f.start, f.end)));
    at = f.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

export function redactSecrets(text: string): Redaction<SecretFinding> {
  const findings = findSecrets(text);
  return { text: redactSpans(text, findings), findings };
}

export { compileUserPattern, type UserPattern, type UserPatternResult } from './user-pattern.js';
