// Real benign text shaped like tool outputs, read at run time from what is on this machine (never
// copied into the project): slices of the installed packages' READMEs, changelogs, package.json files
// and source code (what a file-reading, docs or code-search tool returns), and the sentences of
// presidio-research's synthetic PII set (../shared/data/presidio, MIT: customer messages and records
// as a CRM or support tool returns them).
//
// Split: a node_modules file gives test items only if every chunk of it that the ordinary-text corpus
// holds is in that corpus's test split (injection-train.mjs), so neither training nor threshold
// calibration has seen any of it; presidio sentences are split by template id.
import fs from 'node:fs';
import path from 'node:path';
import { fnv, mulberry32, nodeModulesTexts, requireData } from './common.mjs';

const MAX_CHARS = 6000;

/** The ordinary corpus's chunking (loadCorpus: 3000-character chunks, at most two per file). */
const ORDINARY_CHUNK = 3000;
const ORDINARY_CHUNKS = 2;
const contentKey = (s) => s.replace(/\s+/g, ' ').trim();

function headingSections(text) {
  const out = [];
  let cur = [];
  for (const line of text.split('\n')) {
    if (/^#{1,4} /.test(line) && cur.some((l) => l.trim() !== '')) {
      out.push(cur.join('\n'));
      cur = [];
    }
    cur.push(line);
  }
  if (cur.length > 0) out.push(cur.join('\n'));
  return out.filter((s) => s.trim().length > 0);
}

/** Runs of non-blank lines. */
function paragraphsOf(text) {
  const out = [];
  let cur = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (cur.length > 0) out.push(cur.join('\n'));
      cur = [];
    } else cur.push(line);
  }
  if (cur.length > 0) out.push(cur.join('\n'));
  return out;
}

/** One tool-output-like slice of a file, or undefined. */
function sliceOf(file, kind, text, rng) {
  const base = path.basename(file).toLowerCase();
  const pick = (xs) => xs[Math.floor(rng() * xs.length)];
  if (kind === 'docs') {
    const sections = headingSections(text);
    if (sections.length === 0) return undefined;
    const genre = base.startsWith('changelog') || base.startsWith('history') ? 'changelog' : 'readme';
    const r = rng();
    if (r < 0.5) return { genre, text: pick(sections) };
    const paragraphs = paragraphsOf(pick(sections));
    if (r < 0.8) return { genre, text: pick(paragraphs) };
    const ls = paragraphs.join('\n').split('\n').filter((l) => l.trim().length > 1);
    return ls.length > 0 ? { genre, text: pick(ls).trim() } : undefined;
  }
  if (kind === 'json') {
    if (base === 'package.json') {
      try {
        const pkg = JSON.parse(text);
        if (rng() < 0.5 && typeof pkg.description === 'string' && pkg.description.trim()) return { genre: 'package-description', text: pkg.description };
      } catch {
        // not JSON: fall through to a plain slice
      }
    }
    return { genre: 'json-file', text: text.length <= MAX_CHARS ? text : text.slice(0, 1 + Math.floor(rng() * MAX_CHARS)) };
  }
  const ls = text.split('\n');
  const n = Math.max(1, Math.floor(Math.exp(rng() * Math.log(120))));
  const at = Math.floor(rng() * Math.max(1, ls.length - n));
  const slice = ls.slice(at, at + n).join('\n');
  return slice.trim() ? { genre: 'source-code', text: slice } : undefined;
}

/**
 * Real items of both splits: {split, genre, source, text}. `ordinarySplitOf(key)` tells the ordinary
 * corpus's split of a chunk (by its content key), undefined for a chunk it does not hold.
 */
export function realToolOutputs(ordinarySplitOf) {
  const out = [];
  for (const d of nodeModulesTexts({ maxFiles: 20000, maxChunksPerFile: 1, chunk: 200_000 })) {
    const chunks = [];
    for (let k = 0; k < ORDINARY_CHUNKS && k * ORDINARY_CHUNK < d.text.length; k++) chunks.push(d.text.slice(k * ORDINARY_CHUNK, (k + 1) * ORDINARY_CHUNK));
    const seenBy = chunks.map((c) => ordinarySplitOf(contentKey(c)));
    const split = seenBy.every((s) => s === undefined || s === 'test') ? 'test' : 'train';
    const rng = mulberry32(fnv(`real:${d.file}`));
    const item = sliceOf(d.file, d.kind, d.text, rng);
    if (item === undefined) continue;
    const text = item.text.length > MAX_CHARS ? item.text.slice(0, MAX_CHARS) : item.text;
    if (text.trim().length === 0) continue;
    out.push({ split, genre: item.genre, source: d.file, text });
  }
  const presidio = JSON.parse(fs.readFileSync(path.join(requireData('presidio'), 'synth_dataset_v2.json'), 'utf8'));
  for (const p of presidio) {
    const split = fnv(`presidio-template:${p.template_id}`) % 10 < 3 ? 'test' : 'train';
    out.push({ split, genre: 'crm-sentence', source: `presidio template ${p.template_id}`, text: p.full_text });
  }
  return out;
}
