#!/usr/bin/env node
// Converts the gitleaks rule set (../shared/data/gitleaks/gitleaks.toml, MIT) into the compact rules
// module src/detect/content/secret-rules.generated.ts. Run from the project root:
//
//   node eval/content/gen-secret-rules.mjs [path/to/gitleaks.toml]
//
// Kept: rules whose regex RE2 (re2js) compiles, without a `path` condition (a gateway sees text, not
// file names). Allow-lists that need a path are dropped for the same reason (an AND with a path can
// never hold; an OR keeps its regexes and stop words). For each rule the script also derives, from
// the regex's syntax tree, what the runtime needs to keep work small and bounded:
//   mode    'token'  every match's secret is a run of token characters that contains a keyword
//                    (checked on 200 random samples per rule), so the run around a keyword hit is
//                    all that needs matching;
//           'assign' the semi-generic `identifier … = value` shape: an operator must follow the
//                    keyword closely and a value of at least `minRun` token characters must follow;
//           'window' the keyword lies in every match: a window of `reach` characters around it;
//           'near'   the keyword need not be in the match (e.g. "facebook" near a bare token): a
//                    window of 4096 characters either side (gitleaks only asks for it in the file).
//           (assign rules also get kwInSecret when a keyword can be part of the value, as in
//           `lob … = test_…`, and valueRun when the value is one run of token characters)
//           (token rules get kwAtStart when every match starts with a keyword, and boundary when
//           the regex also begins with \b: then the character before the keyword must not be a word
//           character — "they" is not the start of a JWT)
//   minRun  a lower bound on the longest run of token characters in every secret (necessary condition)
//   reach   the longest possible match, capped at 4096 (16384 for private keys).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { RE2JS } from 're2js';
import { parseToml } from './lib/toml-lite.mjs';
import { parseRe2, maxLen, tokenRun, tokenOnly, findGroup, sample } from './lib/re2-ast.mjs';
import { mulberry32, dataDir } from './lib/common.mjs';

const SOURCE = process.argv[2] ?? path.join(dataDir(), 'gitleaks', 'gitleaks.toml');
const OUT = 'src/detect/content/secret-rules.generated.ts';
const CAP = 4096; // longest window around a keyword for rules without a length bound
const CAP_MULTILINE = 16384; // private keys (a 4096-bit RSA PEM is ~3.3 KB)

const raw = fs.readFileSync(SOURCE, 'utf8');
const sha256 = crypto.createHash('sha256').update(raw).digest('hex');
const cfg = parseToml(raw);
const isToken = (c) => /[A-Za-z0-9+\-./=_~]/.test(c);

function secretSpan(re, text, secretGroup) {
  const m = re.matcher(text);
  if (!m.find()) return undefined;
  const groups = m.groupCount();
  if (groups === 0) return [m.start(0), m.end(0)];
  if (secretGroup > 0) return [m.start(secretGroup), m.end(secretGroup)];
  for (let g = 1; g <= groups; g++) {
    if (m.start(g) >= 0 && m.end(g) > m.start(g)) return [m.start(g), m.end(g)];
  }
  return [m.start(0), m.end(0)];
}

// JWTs are base64url; gitleaks admits a backslash in the second segment only for JSON-escaped
// slashes (`\/`), which would break a run of token characters. Scanning the run around "ey" is
// what keeps this rule cheap: "ey" occurs in ordinary words ("they", "key") all the time.
const TOKEN_MODE = new Set(['jwt']);

/** How often every sampled match contains a keyword, and whether it lies in the secret's token run. */
function keywordPlacement(rule, re, ast, rng) {
  let valid = 0;
  let inMatch = 0;
  let inRun = 0;
  let inSecret = 0;
  let atStart = 0; // the match and its secret start with a keyword
  for (let k = 0; k < 200; k++) {
    const s = ' ' + sample(ast, rng) + ' ';
    const span = secretSpan(re, s, rule.secretGroup ?? 0);
    if (!span) continue;
    valid++;
    const m = re.matcher(s);
    m.find();
    const whole = s.slice(m.start(0), m.end(0)).toLowerCase();
    if (rule.keywords.some((kw) => whole.includes(kw))) inMatch++;
    const sec = s.slice(span[0], span[1]).toLowerCase();
    if (rule.keywords.some((kw) => sec.includes(kw))) inSecret++;
    if (m.start(0) === span[0] && rule.keywords.some((kw) => sec.startsWith(kw))) atStart++;
    let a = span[0];
    let b = span[0];
    while (a > 0 && isToken(s[a - 1])) a--;
    while (b < s.length && isToken(s[b])) b++;
    if (b < span[1]) continue; // the secret is not one run of token characters
    const run = s.slice(a, b).toLowerCase();
    if (rule.keywords.some((kw) => run.includes(kw))) inRun++;
  }
  return { valid, inMatch: valid > 0 && inMatch === valid, inRun: valid >= 50 && inRun === valid, inSecret: valid > 0 && inSecret >= valid / 2, atStart: valid >= 50 && atStart === valid };
}

const ASSIGN_SHAPE = [String.raw`(?:[ \t\w.-]{0,20})[\s'"]{0,3}`, String.raw`(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)`];
const NEAR = 4096; // for rules whose keyword need not be inside the match: how far away it may be

/** The regex begins with \b (before any character is consumed). */
function startsWithBoundary(n) {
  for (;;) {
    if (n.t === 'assert') return n.kind === '\\b';
    if (n.t === 'cat') n = n.items.find((x) => !(x.t === 'assert' && x.kind !== '\\b')) ?? n.items[0];
    else if (n.t === 'group') n = n.node;
    else return false;
  }
}

const rules = [];
const dropped = [];
const rng = mulberry32(6);
for (const r of cfg.rules) {
  if (!r.regex) {
    dropped.push(`${r.id} (no regex: path-only rule)`);
    continue;
  }
  if (r.path) {
    dropped.push(`${r.id} (applies to file paths only)`);
    continue;
  }
  let re;
  try {
    re = RE2JS.compile(r.regex);
  } catch (e) {
    dropped.push(`${r.id} (RE2 refused: ${e.message})`);
    continue;
  }
  const { ast, groups } = parseRe2(r.regex);
  const secretNode = groups === 0 ? ast : findGroup(ast, r.secretGroup ?? 1) ?? ast;
  const minRun = tokenRun(secretNode);
  const longest = maxLen(ast);
  const keywords = (r.keywords ?? []).map((k) => k.toLowerCase());
  let mode;
  const placement = keywordPlacement({ ...r, keywords }, re, ast, rng);
  if (ASSIGN_SHAPE.every((x) => r.regex.includes(x))) mode = 'assign';
  else if (TOKEN_MODE.has(r.id) || placement.inRun) mode = 'token';
  else if (placement.inMatch) mode = 'window';
  else mode = 'near';
  const cap = /PRIVATE KEY/.test(r.regex) ? CAP_MULTILINE : CAP;
  const reach = mode === 'near' ? NEAR : Number.isFinite(longest) ? Math.min(longest, cap) : cap;
  const allow = [];
  for (const a of r.allowlists ?? []) {
    if (a.paths && (a.condition ?? 'OR') === 'AND') continue;
    if (!a.regexes && !a.stopwords) continue;
    allow.push({
      target: a.regexTarget ?? 'secret',
      regexes: a.regexes ?? [],
      stopwords: (a.stopwords ?? []).map((w) => w.toLowerCase()),
    });
  }
  for (const a of allow) for (const x of a.regexes) RE2JS.compile(x); // fail here, not at run time
  rules.push({
    id: r.id,
    regex: r.regex,
    secretGroup: r.secretGroup ?? 0,
    entropy: r.entropy ?? 0,
    keywords,
    mode,
    minRun,
    reach,
    ...(mode === 'assign' && placement.inSecret ? { kwInSecret: true } : {}),
    ...(mode === 'token' && placement.atStart ? { kwAtStart: true } : {}),
    ...(mode === 'token' && placement.atStart && startsWithBoundary(ast) ? { boundary: true } : {}),
    ...(mode === 'assign' && tokenOnly(secretNode) ? { valueRun: true } : {}),
    ...(allow.length > 0 ? { allow } : {}),
  });
}
const globalAllow = {
  regexes: cfg.allowlist?.regexes ?? [],
  stopwords: (cfg.allowlist?.stopwords ?? []).map((w) => w.toLowerCase()),
};
for (const x of globalAllow.regexes) RE2JS.compile(x);

const modes = rules.reduce((a, r) => ((a[r.mode] = (a[r.mode] ?? 0) + 1), a), {});
const header = `// GENERATED by eval/content/gen-secret-rules.mjs — do not edit by hand; re-run the script.
//
// Source: the gitleaks default rule set, gitleaks/gitleaks @ b58d3f1, config/gitleaks.toml
// (https://github.com/gitleaks/gitleaks), licence MIT, Copyright (c) 2019 Zachary Rice.
// Input sha256: ${sha256}
// ${rules.length} of ${cfg.rules.length} rules kept (modes: ${Object.entries(modes).map(([k, v]) => `${k} ${v}`).join(', ')}); dropped:
${dropped.map((d) => `//   - ${d}`).join('\n')}
// Field meanings: see SecretRuleSpec in secrets.ts and the header of the generator script.
`;
const body = `${header}
import type { SecretRuleSpec, AllowSpec } from './secrets.js';

export const GITLEAKS_SHA256 = '${sha256}';

export const GLOBAL_ALLOW: AllowSpec = ${JSON.stringify({ target: 'secret', ...globalAllow })};

export const SECRET_RULES: readonly SecretRuleSpec[] = ${JSON.stringify(rules, null, 0).replace(/\},\{"id"/g, '},\n  {"id"')};
`;
fs.writeFileSync(OUT, body);
console.log(`wrote ${OUT}: ${rules.length} rules (${JSON.stringify(modes)}), dropped ${dropped.length}`);
for (const d of dropped) console.log('  dropped', d);
