#!/usr/bin/env node
// Evaluates the tool-definition poisoning detector (dist/detect/poisoning, so run `npm run build`
// first) on the labelled cases in ./cases and on the real servers' definitions in ./benign.
//
//   node eval/poisoning/run.mjs                # test split (the figures we report)
//   node eval/poisoning/run.mjs --split dev    # the only split used while tuning rules
//   node eval/poisoning/run.mjs --split dev -v # list misses and false positives (dev only, please)
//   node eval/poisoning/run.mjs --json         # machine-readable summary
//
// Split rule (fixed before any tuning): a case is in "test" when the first byte of
// sha256("portcullis-poisoning-split-v1:" + id) is >= 128, otherwise in "dev". Cases that carry
// `split: 'dev'` (the probes in cases/probes.mjs) are always dev.
//
// Detection: for the god-tool family, a god-tool finding of severity >= medium; for every other
// family, `flagged` (score >= threshold, default 0.5). God-tool findings never flag by themselves.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', '..', 'dist', 'detect', 'poisoning', 'index.js');
const { scanServers, scanTool, DEFAULT_OPTIONS } = await import(pathToFileURL(dist).href);

const args = process.argv.slice(2);
const split = args.includes('--split') ? args[args.indexOf('--split') + 1] : 'test';
const verbose = args.includes('-v') || args.includes('--verbose');
const asJson = args.includes('--json');

export function splitOf(id) {
  return createHash('sha256').update(`portcullis-poisoning-split-v1:${id}`).digest()[0] >= 128 ? 'test' : 'dev';
}
// Probe cases (cases/probes.mjs) were written after a look at test figures and carry split: 'dev'.
const splitOfCase = (c) => c.split ?? splitOf(c.id);

const FAMILIES = ['instructions', 'shadowing', 'exfiltration', 'hidden', 'collision', 'god-tool'];
const files = { instructions: 'instructions.mjs', shadowing: 'shadowing.mjs', exfiltration: 'exfiltration.mjs', hidden: 'hidden.mjs', collision: 'collision.mjs', 'god-tool': 'godtool.mjs' };
const cases = [];
for (const fam of FAMILIES) {
  const mod = await import(pathToFileURL(join(here, 'cases', files[fam])).href);
  cases.push(...mod.cases);
}
cases.push(...(await import(pathToFileURL(join(here, 'cases', 'probes.mjs')).href)).cases);
const ids = new Set();
for (const c of cases) { if (ids.has(c.id)) throw new Error(`duplicate case id ${c.id}`); ids.add(c.id); }

const rank = { low: 0, medium: 1, high: 2, critical: 3 };
function resultFor(c) {
  if (c.servers) {
    const scan = scanServers({ servers: c.servers });
    const r = scan.results.find((x) => x.server === c.target.server && x.name === c.target.tool);
    if (!r) throw new Error(`case ${c.id}: target not found`);
    return r;
  }
  return scanTool(c.tool);
}
function detected(c, r) {
  if (c.family === 'god-tool') return r.findings.some((f) => f.family === 'god-tool' && rank[f.severity] >= rank.medium);
  return r.flagged;
}

const selected = cases.filter((c) => split === 'all' || splitOfCase(c) === split);
const table = {};
const misses = [];
for (const fam of FAMILIES) table[fam] = { tp: 0, fn: 0, fp: 0, tn: 0, attributed: 0 };
for (const c of selected) {
  const r = resultFor(c);
  const d = detected(c, r);
  const t = table[c.family];
  if (c.label === 1) {
    if (d) { t.tp++; if (r.findings.some((f) => f.family === c.family || (c.family === 'collision' && f.family === 'hidden'))) t.attributed++; }
    else { t.fn++; misses.push({ kind: 'MISS', c, r }); }
  } else if (d) { t.fp++; misses.push({ kind: 'FP', c, r }); }
  else t.tn++;
}

// Real servers' definitions: each server alone (as an upstream of its own), then all together.
const manifest = JSON.parse(readFileSync(join(here, 'benign', 'manifest.json'), 'utf8'));
const top10 = new Set(manifest.servers.slice(0, 10).map((s) => s.id));
const real = [];
const allTogether = {};
for (const f of readdirSync(join(here, 'benign')).filter((f) => f.endsWith('.json') && f !== 'manifest.json').sort()) {
  const doc = JSON.parse(readFileSync(join(here, 'benign', f), 'utf8'));
  const listing = { tools: doc.tools ?? [], prompts: doc.prompts ?? [], resourceTemplates: doc.resourceTemplates ?? [] };
  allTogether[doc.server] = listing;
  const scan = scanServers({ servers: { [doc.server]: listing } });
  real.push({ server: doc.server, pkg: doc.package, top10: top10.has(doc.server), items: scan.results.length, flagged: scan.results.filter((r) => r.flagged), god: scan.results.filter((r) => r.findings.some((x) => x.family === 'god-tool' && rank[x.severity] >= rank.medium)) });
}
const t0 = performance.now();
const together = scanServers({ servers: allTogether });
const togetherMs = performance.now() - t0;

const pct = (n, d) => (d === 0 ? '   n/a' : `${((100 * n) / d).toFixed(1).padStart(5)}%`);
const rows = [];
let T = { tp: 0, fn: 0, fp: 0, tn: 0 };
for (const fam of FAMILIES) {
  const t = table[fam];
  T = { tp: T.tp + t.tp, fn: T.fn + t.fn, fp: T.fp + t.fp, tn: T.tn + t.tn };
  rows.push({ family: fam, pos: t.tp + t.fn, neg: t.fp + t.tn, precision: t.tp / (t.tp + t.fp || 1), recall: t.tp / (t.tp + t.fn || 1), fpr: t.fp / (t.fp + t.tn || 1), ...t });
}
const realTop = real.filter((r) => r.top10);
const summary = {
  split, threshold: DEFAULT_OPTIONS.threshold, cases: selected.length, rows,
  overall: { ...T, precision: T.tp / (T.tp + T.fp || 1), recall: T.tp / (T.tp + T.fn || 1), fpr: T.fp / (T.fp + T.tn || 1) },
  realServers: real.map((r) => ({ server: r.server, package: r.pkg, top10: r.top10, items: r.items, flagged: r.flagged.map((x) => x.name), godToolWarnings: r.god.map((x) => x.name) })),
  realTogether: { items: together.results.length, flagged: together.results.filter((r) => r.flagged).map((r) => `${r.server}/${r.name}`), ms: Math.round(togetherMs) },
};
if (asJson) { console.log(JSON.stringify(summary, null, 2)); process.exit(0); }

console.log(`poisoning eval — split=${split}, ${selected.length} labelled cases, threshold ${DEFAULT_OPTIONS.threshold}`);
console.log('family        pos  neg   TP  FN  FP   precision  recall     FPR');
for (const r of rows) console.log(`${r.family.padEnd(13)} ${String(r.pos).padStart(3)}  ${String(r.neg).padStart(3)}  ${String(r.tp).padStart(3)} ${String(r.fn).padStart(3)} ${String(r.fp).padStart(3)}   ${pct(r.tp, r.tp + r.fp)}     ${pct(r.tp, r.tp + r.fn)}  ${pct(r.fp, r.fp + r.tn)}`);
console.log(`${'overall'.padEnd(13)} ${String(T.tp + T.fn).padStart(3)}  ${String(T.fp + T.tn).padStart(3)}  ${String(T.tp).padStart(3)} ${String(T.fn).padStart(3)} ${String(T.fp).padStart(3)}   ${pct(T.tp, T.tp + T.fp)}     ${pct(T.tp, T.tp + T.fn)}  ${pct(T.fp, T.fp + T.tn)}`);
console.log('');
console.log('real servers (tools/list + prompts + resource templates, each scanned as its own upstream):');
for (const r of real) console.log(`  ${r.top10 ? '*' : ' '} ${r.server.padEnd(20)} ${String(r.items).padStart(3)} items  flags ${r.flagged.length}${r.flagged.length ? ` (${r.flagged.map((x) => x.name).join(', ')})` : ''}  god-tool warnings ${r.god.length}${r.god.length ? ` (${r.god.map((x) => x.name).join(', ')})` : ''}`);
const sumTop = realTop.reduce((a, r) => a + r.flagged.length, 0);
console.log(`  ten most used (*): ${realTop.reduce((a, r) => a + r.items, 0)} items, ${sumTop} flagged; all ${real.length} servers: ${real.reduce((a, r) => a + r.items, 0)} items, ${real.reduce((a, r) => a + r.flagged.length, 0)} flagged`);
console.log(`  all ${real.length} servers as one gateway (cross-server rules on): ${together.results.length} items, ${summary.realTogether.flagged.length} flagged${summary.realTogether.flagged.length ? ` (${summary.realTogether.flagged.join(', ')})` : ''}, ${summary.realTogether.ms} ms`);

if (verbose) {
  if (split === 'test') console.log('\n(-v on the test split: look, do not tune)');
  for (const m of misses) {
    console.log(`\n${m.kind} ${m.c.id} [${m.c.family}/${m.c.placement}] score=${m.r.score}`);
    console.log(`  ${JSON.stringify(m.c.tool ?? m.c.servers[m.c.target.server].tools[0]).slice(0, 300)}`);
    for (const f of m.r.findings) console.log(`  - ${f.severity} ${f.ruleId} ${f.path} "${f.evidence}"`);
  }
  for (const r of real) for (const x of r.flagged) {
    console.log(`\nREAL ${r.server}/${x.name} score=${x.score}`);
    for (const f of x.findings) console.log(`  - ${f.severity} ${f.ruleId} ${f.path} "${f.evidence}"`);
  }
}
