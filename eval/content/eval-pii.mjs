#!/usr/bin/env node
// PII detector quality on presidio-research's synth_dataset_v2 (../shared/data/presidio, MIT):
// precision, recall and F1 per entity type, on a split by template_id (sentences from one template
// never land on both sides). Rules were tuned looking at the dev split only; the test split is the
// one to quote.
//
//   npm run build && node eval/content/eval-pii.mjs [--split dev|test|all] [--errors]
//
// A prediction is a true positive when it overlaps a gold span of the mapped type (one-to-one);
// "exact" counts those whose offsets match the gold span exactly. Entity mapping (presidio → ours):
//   EMAIL_ADDRESS → email, PHONE_NUMBER → phone, CREDIT_CARD → card, IBAN_CODE → iban,
//   US_SSN → ssn, IP_ADDRESS → ipv4 or ipv6. Other presidio types (PERSON, STREET_ADDRESS, …) are not
//   looked for; DATE_TIME is not a date of birth, so `dob` is not scored here.
import fs from 'node:fs';
import path from 'node:path';
import { findPii } from '../../dist/detect/content/pii.js';
import { requireData, fnv, bipiaContexts, nodeModulesTexts } from './lib/common.mjs';

const args = process.argv.slice(2);
const split = args.includes('--split') ? args[args.indexOf('--split') + 1] : 'test';
const MAP = { EMAIL_ADDRESS: ['email'], PHONE_NUMBER: ['phone'], CREDIT_CARD: ['card'], IBAN_CODE: ['iban'], US_SSN: ['ssn'], IP_ADDRESS: ['ipv4', 'ipv6'] };
const ours = { email: 'EMAIL_ADDRESS', phone: 'PHONE_NUMBER', card: 'CREDIT_CARD', iban: 'IBAN_CODE', ssn: 'US_SSN', ipv4: 'IP_ADDRESS', ipv6: 'IP_ADDRESS' };

const data = JSON.parse(fs.readFileSync(path.join(requireData('presidio'), 'synth_dataset_v2.json'), 'utf8'));
const splitOf = (tid) => (fnv(`template:${tid}`) % 2 === 0 ? 'dev' : 'test');
const rows = data.filter((r) => split === 'all' || splitOf(r.template_id) === split);

const stats = Object.fromEntries(Object.keys(MAP).map((k) => [k, { tp: 0, fp: 0, fn: 0, exact: 0 }]));
const errors = [];
for (const r of rows) {
  const text = r.full_text;
  const gold = r.spans.filter((s) => MAP[s.entity_type]).map((s) => ({ type: s.entity_type, start: s.start_position, end: s.end_position, used: false }));
  const preds = findPii(text).filter((p) => ours[p.kind]);
  for (const p of preds) {
    const type = ours[p.kind];
    const g = gold.find((x) => !x.used && x.type === type && x.start < p.end && p.start < x.end);
    if (g) {
      g.used = true;
      stats[type].tp++;
      if (g.start === p.start && g.end === p.end) stats[type].exact++;
      else errors.push(`~ ${type} gold ${JSON.stringify(text.slice(g.start, g.end))} got ${JSON.stringify(text.slice(p.start, p.end))}`);
    } else {
      stats[type].fp++;
      const other = r.spans.find((x) => x.start_position < p.end && p.start_position < x.end_position);
      errors.push(`FP ${type} ${JSON.stringify(text.slice(p.start, p.end))}${other ? ` (gold ${other.entity_type})` : ''} in ${JSON.stringify(text.slice(Math.max(0, p.start - 40), p.end + 20))}`);
    }
  }
  for (const g of gold) {
    if (!g.used) {
      stats[g.type].fn++;
      errors.push(`FN ${g.type} ${JSON.stringify(text.slice(g.start, g.end))} in ${JSON.stringify(text.slice(Math.max(0, g.start - 40), g.end + 20))}`);
    }
  }
}

const templates = new Set(rows.map((r) => r.template_id)).size;
console.log(`PII — presidio-research synth_dataset_v2 (MIT), split "${split}": ${rows.length} sentences from ${templates} templates`);
console.log('entity          gold  pred    TP   FP   FN   precision  recall     F1   exact');
let pass = true;
for (const [type, s] of Object.entries(stats)) {
  const p = s.tp + s.fp === 0 ? 1 : s.tp / (s.tp + s.fp);
  const rc = s.tp + s.fn === 0 ? 1 : s.tp / (s.tp + s.fn);
  const f1 = p + rc === 0 ? 0 : (2 * p * rc) / (p + rc);
  if (f1 < 0.9) pass = false;
  console.log(`${type.padEnd(14)} ${String(s.tp + s.fn).padStart(5)} ${String(s.tp + s.fp).padStart(5)} ${String(s.tp).padStart(5)} ${String(s.fp).padStart(4)} ${String(s.fn).padStart(4)}      ${p.toFixed(3)}   ${rc.toFixed(3)}  ${f1.toFixed(3)}  ${s.tp ? ((100 * s.exact) / s.tp).toFixed(0).padStart(4) + '%' : '    -'}`);
}
console.log(`bar: F1 ≥ 0.9 on each of the six types → ${pass ? 'PASS' : 'FAIL'}`);
if (args.includes('--errors')) for (const e of errors) console.log(e);

// Unlabelled ordinary text: how often each kind fires per 100 KB. Not a precision figure (the data
// holds real addresses and example numbers), but a guard against a detector that fires on everything.
const ordinary = [...bipiaContexts().map((c) => ({ corpus: `bipia-${c.task}`, text: c.text })), ...nodeModulesTexts().map((d) => ({ corpus: `node_modules-${d.kind}`, text: d.text }))];
const rates = new Map();
for (const d of ordinary) {
  const r = rates.get(d.corpus) ?? { kb: 0, counts: {} };
  rates.set(d.corpus, r);
  r.kb += d.text.length / 1024;
  for (const f of findPii(d.text)) r.counts[f.kind] = (r.counts[f.kind] ?? 0) + 1;
}
const KINDS = ['email', 'phone', 'card', 'iban', 'ssn', 'ipv4', 'ipv6', 'dob'];
console.log(`\nDetections per 100 KB of unlabelled ordinary text (BIPIA contexts, node_modules docs/code/JSON)`);
console.log(`corpus                        KB  ${KINDS.map((k) => k.padStart(6)).join('')}`);
for (const [name, r] of [...rates].sort((a, b) => a[0].localeCompare(b[0]))) {
  console.log(`${name.padEnd(24)} ${r.kb.toFixed(0).padStart(7)}  ${KINDS.map((k) => (((r.counts[k] ?? 0) * 100) / r.kb).toFixed(1).padStart(6)).join('')}`);
}
