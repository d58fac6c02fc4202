#!/usr/bin/env node
// Summarise a V8 .cpuprofile (from `node --cpu-prof`, e.g. `node bench/overhead.mjs --cpu-prof DIR`):
// self time per function and per file, and inclusive (total) time of the gateway's own functions.
//
//   node bench/profile-summary.mjs FILE.cpuprofile [--top N] [--filter SUBSTRING]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' }, filter: { type: 'string', default: '/dist/' } } });
if (positionals.length !== 1) {
  process.stderr.write('usage: profile-summary.mjs FILE.cpuprofile [--top N] [--filter SUBSTRING]\n');
  process.exit(2);
}
const top = Number(values.top);
const prof = JSON.parse(readFileSync(positionals[0], 'utf8'));
const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Self time per node from samples x timeDeltas.
const selfUs = new Map();
for (let i = 0; i < prof.samples.length; i++) {
  const id = prof.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
}
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
const short = (url) => url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'nm/').replace(/^.*\/dist\//, 'dist/');
const key = (cf) => `${cf.functionName || '(anonymous)'}  ${cf.url ? short(cf.url) + ':' + (cf.lineNumber + 1) : ''}`.trim();

const byFn = new Map();
const byFile = new Map();
const idleNames = new Set(['(idle)', '(program)', '(garbage collector)']);
for (const [id, us] of selfUs) {
  const cf = nodes.get(id).callFrame;
  byFn.set(key(cf), (byFn.get(key(cf)) ?? 0) + us);
  const file = idleNames.has(cf.functionName) ? cf.functionName : cf.url ? short(cf.url) : '(native/builtin)';
  byFile.set(file, (byFile.get(file) ?? 0) + us);
}

// Inclusive time for functions whose file matches the filter (counted once per sample stack).
const incl = new Map();
for (let i = 0; i < prof.samples.length; i++) {
  const seen = new Set();
  for (let id = prof.samples[i]; id !== undefined; id = parent.get(id)) {
    const cf = nodes.get(id).callFrame;
    if (!cf.url.includes(values.filter)) continue;
    const k = key(cf);
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
}

const idle = selfUs.size ? [...selfUs].filter(([id]) => nodes.get(id).callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0) : 0;
const busy = totalUs - idle;
const pct = (us) => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
const print = (title, m, n = top) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, us] of [...m].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, n)) {
    process.stdout.write(`  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}\n`);
  }
};
process.stdout.write(`${positionals[0]}: ${(totalUs / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy (percentages are of busy time)\n`);
print('self time by file', byFile, 25);
print('self time by function', byFn);
print(`inclusive time, functions in files matching "${values.filter}"`, incl);
