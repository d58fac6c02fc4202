#!/usr/bin/env node
// Secret detector quality: recall on synthetic credentials generated from every rule's own regex
// (grouped by provider family), and the false-positive rate on ordinary prose and code.
//
//   npm run build && node eval/content/eval-secrets.mjs [--per-rule] [--show-fp]
//
// Positives: for each rule, 12 random strings its RE2 regex matches, whose secret passes the rule's
// entropy threshold and allow-lists (a token the rule is meant to catch), each placed in 3 contexts
// (a line of prose, a JSON value, a shell export). A positive counts as found when a finding covers
// the secret; "kind ok" says whether it was reported under that rule's id.
// Negatives: BIPIA contexts (email, table, code; ../shared/data/bipia, MIT) and documentation, source
// code and JSON from installed packages (node_modules, test folders skipped). A document counts as a
// false positive when any finding is reported in it.
import { RE2JS } from 're2js';
import { SECRET_RULES, GLOBAL_ALLOW } from '../../dist/detect/content/secret-rules.generated.js';
import { findSecrets, shannonEntropy } from '../../dist/detect/content/secrets.js';
import { parseRe2, sample } from './lib/re2-ast.mjs';
import { mulberry32, bipiaContexts, nodeModulesTexts } from './lib/common.mjs';

const args = new Set(process.argv.slice(2));
const rng = mulberry32(2024);
const PER_RULE = 12;

const globalAllow = GLOBAL_ALLOW.regexes.map((r) => RE2JS.compile(r));
function allowed(rule, secret, match) {
  const lower = secret.toLowerCase();
  const lists = [{ target: 'secret', regexes: globalAllow, stopwords: GLOBAL_ALLOW.stopwords }, ...(rule.allow ?? []).map((a) => ({ ...a, regexes: a.regexes.map((r) => RE2JS.compile(r)) }))];
  return lists.some((a) => a.stopwords.some((w) => lower.includes(w)) || a.regexes.some((r) => r.matcher(a.target === 'match' ? match : secret).find()));
}

function synth(rule) {
  const re = RE2JS.compile(rule.regex);
  const { ast } = parseRe2(rule.regex);
  const out = [];
  for (let attempt = 0; attempt < 400 && out.length < PER_RULE; attempt++) {
    const s = sample(ast, rng);
    if (s.includes('\n') && !/PRIVATE KEY|curl/.test(rule.regex)) continue;
    const probe = `\n${s}\n`;
    const m = re.matcher(probe);
    if (!m.find()) continue;
    let ss = m.start(0);
    let se = m.end(0);
    const groups = m.groupCount();
    if (groups > 0) {
      const gs = rule.secretGroup > 0 ? [rule.secretGroup] : Array.from({ length: groups }, (_, i) => i + 1);
      for (const g of gs) {
        if (m.start(g) >= 0 && m.end(g) > m.start(g)) {
          ss = m.start(g);
          se = m.end(g);
          break;
        }
      }
    }
    const secret = probe.slice(ss, se);
    if (rule.entropy > 0 && (shannonEntropy(secret) <= rule.entropy || (rule.id.startsWith('generic') && !/\d/.test(secret)))) continue;
    if (allowed(rule, secret, probe.slice(m.start(0), m.end(0)))) continue;
    // gitleaks only fires when a keyword occurs in the text: give samples without one a nearby mention
    const lower = s.toLowerCase();
    const lead = rule.keywords.length > 0 && !rule.keywords.some((k) => lower.includes(k)) ? `${rule.keywords[0]} ` : '';
    out.push({ sample: lead + s, secretOffset: lead.length + ss - 1, secretLength: se - ss });
  }
  return out;
}

const CONTEXTS = [
  (s) => [`Here is the configuration you asked for:\n`, s, `\nLet me know if anything else is needed.`],
  (s) => [`{"status":"ok","value":"`, s, `","count":3}`],
  (s) => [`#!/bin/sh\nexport SERVICE_SETTING=`, s, `\nexec ./server --port 8080`],
];

const families = new Map();
const failures = [];
let total = 0;
let found = 0;
let kindOk = 0;
const notSynth = [];
const t0 = performance.now();
for (const rule of SECRET_RULES) {
  const family = rule.id.split('-')[0];
  const f = families.get(family) ?? { rules: 0, n: 0, found: 0, kindOk: 0 };
  families.set(family, f);
  f.rules++;
  const samples = synth(rule);
  if (samples.length === 0) notSynth.push(rule.id);
  for (const { sample: s, secretOffset, secretLength } of samples) {
    for (const ctx of CONTEXTS) {
      const [pre, mid, post] = ctx(s);
      const text = pre + mid + post;
      const a = pre.length + secretOffset;
      const b = a + secretLength;
      const fs = findSecrets(text);
      const hit = fs.find((x) => x.start < b && a < x.end);
      total++;
      f.n++;
      if (hit) {
        found++;
        f.found++;
        if (hit.kind === rule.id) {
          kindOk++;
          f.kindOk++;
        }
      } else failures.push({ rule: rule.id, text });
    }
  }
}
const tPos = performance.now() - t0;

const pct = (a, b) => (b === 0 ? '   n/a' : `${((100 * a) / b).toFixed(1).padStart(5)}%`);
console.log('Secrets — recall on synthetic credentials (gitleaks rules @ b58d3f1, MIT; samples from each rule\'s regex)');
console.log(`family                      rules  samples  recall   kind ok`);
for (const [name, f] of [...families].sort((a, b) => a[0].localeCompare(b[0]))) {
  console.log(`${name.padEnd(26)} ${String(f.rules).padStart(5)} ${String(f.n).padStart(8)}  ${pct(f.found, f.n)}  ${pct(f.kindOk, f.n)}`);
}
console.log(`ALL                        ${String(SECRET_RULES.length).padStart(5)} ${String(total).padStart(8)}  ${pct(found, total)}  ${pct(kindOk, total)}   (${(tPos / total).toFixed(2)} ms per sample)`);
if (notSynth.length) console.log(`rules without a synthesized sample: ${notSynth.join(', ')}`);
if (failures.length) {
  console.log(`missed (${failures.length}, first 10):`);
  for (const x of (args.has("--all-missed") ? failures.filter((_, i) => i % 6 === 0) : failures.slice(0, 10))) console.log(`  ${x.rule}: ${JSON.stringify(x.text).slice(0, 200)}`);
}

// ---- negatives ----
const negatives = [
  ...bipiaContexts().map((c) => ({ corpus: `bipia-${c.task}`, text: c.text })),
  ...nodeModulesTexts().map((c) => ({ corpus: `node_modules-${c.kind}`, text: c.text, file: c.file })),
];
const perCorpus = new Map();
const fps = [];
let bytes = 0;
const t1 = performance.now();
for (const d of negatives) {
  const c = perCorpus.get(d.corpus) ?? { docs: 0, fp: 0, kb: 0 };
  perCorpus.set(d.corpus, c);
  c.docs++;
  c.kb += d.text.length / 1024;
  bytes += d.text.length;
  const fs = findSecrets(d.text);
  if (fs.length > 0) {
    c.fp++;
    fps.push({ corpus: d.corpus, file: d.file, finds: fs.map((x) => `${x.kind}: ${d.text.slice(x.start, x.end).slice(0, 60)}`) });
  }
}
const tNeg = performance.now() - t1;
console.log('\nSecrets — false positives on ordinary text (documents with any finding)');
console.log('corpus                      docs      KB   FP docs   FP rate');
let nd = 0;
let nf = 0;
for (const [name, c] of [...perCorpus].sort((a, b) => a[0].localeCompare(b[0]))) {
  nd += c.docs;
  nf += c.fp;
  console.log(`${name.padEnd(24)} ${String(c.docs).padStart(7)} ${c.kb.toFixed(0).padStart(7)} ${String(c.fp).padStart(9)}  ${pct(c.fp, c.docs)}`);
}
console.log(`ALL                      ${String(nd).padStart(7)} ${(bytes / 1024).toFixed(0).padStart(7)} ${String(nf).padStart(9)}  ${((100 * nf) / nd).toFixed(3)}%   (${((tNeg * 1000) / (bytes / 1024)).toFixed(1)} µs per KB)`);
if (fps.length) {
  console.log(`false positives${args.has('--show-fp') ? '' : ' (first 15; --show-fp for all)'}:`);
  for (const x of args.has('--show-fp') ? fps : fps.slice(0, 15)) console.log(`  [${x.corpus}] ${x.file ?? ''} ${JSON.stringify(x.finds)}`);
}
console.log(`\nbars: recall ≥ 99% → ${found / total >= 0.99 ? 'PASS' : 'FAIL'}; FP ≤ 0.1% of negative documents → ${nf / nd <= 0.001 ? 'PASS' : 'FAIL'}`);
