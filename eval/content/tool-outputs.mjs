#!/usr/bin/env node
// The benign tool-output set (lib/tool-output-set.mjs) as JSONL for `portcullis scan output`, and a
// count per genre. Real texts are read from this machine's node_modules and ../shared/data/presidio,
// so write the file somewhere outside the repository.
//
//   node eval/content/tool-outputs.mjs [--split test|train] [--out /tmp/tool-outputs.jsonl]
//   node dist/cli/main.js scan output /tmp/tool-outputs.jsonl --json
import fs from 'node:fs';
import { loadCorpus } from './lib/injection-train.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const split = opt('--split', 'test');
if (split !== 'test' && split !== 'train') {
  console.error('--split is test or train');
  process.exit(2);
}
const items = loadCorpus().tools[split];
const out = opt('--out', undefined);
if (out !== undefined) {
  fs.writeFileSync(out, items.map((t, i) => JSON.stringify({ id: `${split}-${i}`, genre: t.genre, origin: t.origin, source: t.source, text: t.text })).join('\n') + '\n');
  console.log(`wrote ${items.length} texts to ${out}`);
}
const count = new Map();
for (const t of items) count.set(`${t.origin} ${t.genre}`, (count.get(`${t.origin} ${t.genre}`) ?? 0) + 1);
console.log(`${split}: ${items.length} texts`);
for (const [k, n] of [...count].sort()) console.log(`  ${k.padEnd(34)} ${String(n).padStart(5)}`);
