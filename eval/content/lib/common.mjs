// Shared helpers for the content-safety scripts: seeded randomness, where the data sets live,
// and the ordinary text used as negatives (BIPIA contexts, documentation and source code from
// node_modules). Everything is deterministic for a given checkout.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The shared data folder: $PORTCULLIS_DATA, or ../shared/data next to the project. */
export function dataDir() {
  return process.env.PORTCULLIS_DATA ?? path.resolve(ROOT, '..', 'shared', 'data');
}

export function requireData(sub) {
  const p = path.join(dataDir(), sub);
  if (!fs.existsSync(p)) {
    console.error(`data folder ${p} is absent: set PORTCULLIS_DATA to the folder holding bipia/, gitleaks/, presidio/`);
    process.exit(2);
  }
  return p;
}

export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle(arr, rng) {
  const a = [...arr];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

export function choice(arr, rng) {
  return arr[Math.floor(rng() * arr.length)];
}

/** FNV-1a of a string, for deterministic splits by content. */
export function fnv(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** BIPIA contexts as plain text, one entry per distinct context: {task, text}. */
export function bipiaContexts() {
  const dir = requireData('bipia');
  const out = [];
  const seen = new Set();
  for (const task of ['email', 'table', 'code']) {
    for (const line of fs.readFileSync(path.join(dir, task, 'train.jsonl'), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const o = JSON.parse(line);
      const text = Array.isArray(o.context) ? o.context.join('\n') : String(o.context);
      if (seen.has(text)) continue;
      seen.add(text);
      out.push({ task, text });
    }
  }
  return out;
}

export function bipiaAttacks() {
  const dir = requireData('bipia');
  const out = [];
  for (const [file, kind] of [['text_attack_train.json', 'text'], ['code_attack_train.json', 'code']]) {
    const d = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    for (const [category, list] of Object.entries(d)) for (const text of list) out.push({ kind, category, text });
  }
  return out;
}

function walk(dir, out, exts, depth = 0) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    // hidden entries are tool caches (.vite/vitest results, .cache), not package content, and they
    // change whenever tests run: reading them would make the corpora differ from run to run
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (depth < 6 && !/^(test|tests|__tests__|fixtures?)$/.test(e.name)) walk(p, out, exts, depth + 1);
    } else if (exts.some((x) => e.name.endsWith(x))) out.push(p);
  }
}

/**
 * Ordinary documentation and source code from the installed packages, cut into chunks of at most
 * `chunk` characters. Test folders and fixtures are skipped (they hold example credentials on purpose).
 */
export function nodeModulesTexts({ exts = ['.md', '.js', '.ts', '.json'], chunk = 4000, maxFiles = 4000, maxChunksPerFile = 3 } = {}) {
  const files = [];
  walk(path.join(ROOT, 'node_modules'), files, exts);
  const picked = files.filter((f) => !/\.min\.js$|package-lock|\.map$|\.d\.ts$/.test(f) && !/\/(?:re2js|typescript)\//.test(f));
  const out = [];
  // spread the picks over the whole tree, deterministically
  const step = Math.max(1, Math.floor(picked.length / maxFiles));
  for (let i = 0; i < picked.length && out.length < maxFiles * maxChunksPerFile; i += step) {
    let text;
    try {
      text = fs.readFileSync(picked[i], 'utf8');
    } catch {
      continue;
    }
    if (text.length < 200 || text.includes('\u0000')) continue;
    const kind = picked[i].endsWith('.md') ? 'docs' : picked[i].endsWith('.json') ? 'json' : 'code';
    for (let k = 0; k < maxChunksPerFile && k * chunk < text.length; k++) {
      out.push({ kind, file: path.relative(ROOT, picked[i]), text: text.slice(k * chunk, (k + 1) * chunk) });
    }
  }
  return out;
}
