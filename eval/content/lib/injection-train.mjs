// Data, training and scoring for the injection model, shared by train-injection.mjs (the shipped
// model) and eval-injection.mjs (cross-validation by attack category). Features and windows come
// from dist/detect/content/injection-features.js, the very code that scores at run time.
import { scanFeatures, FEATURE_BITS } from '../../../dist/detect/content/injection-features.js';
import { worstWindowLogit, matchRules } from '../../../dist/detect/content/injection.js';
import { bipiaContexts, bipiaAttacks, nodeModulesTexts, fnv, mulberry32, shuffle, choice } from './common.mjs';
import { injection, hardNegative } from './injection-gen.mjs';
import { toolOutputSet } from './tool-output-set.mjs';

export const DIM = 1 << FEATURE_BITS;

/**
 * How our own data enters the "B+G" training (the shipped recipe), chosen by cross-validation by attack
 * category on three training seeds, and by the benign tool outputs' calibration part (never their test
 * part); docs/content-safety.md has the figures.
 */
export const RECIPE = {
  /** Generated injections: the first batch (a fifth of it held out for testing), then train-only extras. */
  generated: { count: 4000, extraTrain: 4000 },
  toolOutputs: {
    /** Negatives: up to this many windows spread over each benign tool output of the fit part. */
    windows: 4,
    /** Positives inside tool outputs: hosts per BIPIA attack and position; share of generated injections. */
    hosts: { bipia: 2, generated: 0.3 },
    /** Hard-negative mining: the tool outputs' highest-scoring windows (logit above minLogit) after a first model. */
    mining: { perText: 2, minLogit: -2 },
  },
};

// ---------- data ----------

/** Where an attack goes: before, inside (at a line or sentence boundary near the middle), after. */
export function insert(context, attack, where, rng) {
  if (where === 'start') return { text: `${attack}\n${context}`, start: 0, end: attack.length };
  if (where === 'end') return { text: `${context}\n${attack}`, start: context.length + 1, end: context.length + 1 + attack.length };
  // middle: a line boundary if there are lines, else a sentence boundary, in the middle third
  const cuts = [];
  for (let i = 1; i < context.length; i++) {
    if (context[i - 1] === '\n' || (context[i - 1] === ' ' && /[.!?]/.test(context[i - 2] ?? ''))) cuts.push(i);
  }
  const mid = cuts.filter((c) => c > context.length / 3 && c < (2 * context.length) / 3);
  const at = mid.length > 0 ? choice(mid, rng) : cuts.length > 0 ? choice(cuts, rng) : Math.floor(context.length / 2);
  const glue = context[at - 1] === '\n' ? '' : ' ';
  const text = `${context.slice(0, at)}${glue}${attack}\n${context.slice(at)}`;
  return { text, start: at + glue.length, end: at + glue.length + attack.length };
}

export const POSITIONS = ['start', 'middle', 'end'];

/**
 * Everything the experiments draw from, with fixed splits:
 * BIPIA contexts 70/30 train/test by content hash; ordinary text (node_modules) 60/20/20
 * train/calibration/test by chunk content; generated texts by index; benign tool outputs
 * (tool-output-set.mjs) train (fit + calib) / test by template, file and presidio template.
 */
export function loadCorpus() {
  const contexts = bipiaContexts().map((c) => ({ ...c, split: fnv(`ctx:${c.text}`) % 10 < 7 ? 'train' : 'test' }));
  const attacks = bipiaAttacks();
  // duplicated files (a package vendored twice) would leak across splits: keep one copy, split by content
  const seen = new Set();
  const ordinary = [];
  for (const d of nodeModulesTexts({ maxFiles: 8000, maxChunksPerFile: 2, chunk: 3000 })) {
    const key = d.text.replace(/\s+/g, ' ').trim();
    if (seen.has(key)) continue;
    seen.add(key);
    const h = fnv(`doc:${key}`) % 10;
    ordinary.push({ ...d, split: h < 6 ? 'train' : h < 8 ? 'calib' : 'test' });
  }
  const rng = mulberry32(77);
  const generated = Array.from({ length: RECIPE.generated.count }, (_, i) => ({ ...injection(rng), split: i % 5 === 4 ? 'test' : 'train' }));
  const hard = Array.from({ length: 2400 }, (_, i) => ({ text: hardNegative(rng), split: i % 5 === 4 ? 'test' : i % 5 === 3 ? 'calib' : 'train' }));
  // more training injections from a stream of their own, so the texts above (and the test fifth) stay as they were
  const extra = mulberry32(78);
  for (let i = 0; i < RECIPE.generated.extraTrain; i++) generated.push({ ...injection(extra), split: 'train' });
  const ordinarySplit = new Map(ordinary.map((d) => [d.text.replace(/\s+/g, ' ').trim(), d.split]));
  const tools = toolOutputSet((key) => ordinarySplit.get(key));
  return { contexts, attacks, ordinary, generated, hard, tools };
}

/** Text attacks go into email and table contexts, code attacks into code contexts (as in BIPIA). */
export function contextsFor(attack, contexts) {
  return contexts.filter((c) => (attack.kind === 'code' ? c.task === 'code' : c.task !== 'code'));
}

// ---------- features and windows ----------

/** The text's segments (as scored at run time), each with its feature buckets; empty ones dropped. */
export function docSegments(text) {
  const segs = [];
  let ids = [];
  scanFeatures(text, {
    emit: (b) => ids.push(b),
    segment: (start, end, _sum, count) => {
      if (count > 0) segs.push({ start, end, ids });
      ids = [];
    },
  });
  return segs;
}

/** Windows as at run time: every segment alone (k, k) and with its predecessor (k - 1, k). */
function windowsOf(segs) {
  const out = [];
  for (let k = 0; k < segs.length; k++) {
    out.push([k, k]);
    if (k > 0) out.push([k - 1, k]);
  }
  return out;
}

function windowVector(segs, [a, b]) {
  const ids = a === b ? Int32Array.from(segs[a].ids) : Int32Array.from([...segs[a].ids, ...segs[b].ids]);
  ids.sort();
  const idx = [];
  const val = [];
  for (let i = 0; i < ids.length; i++) {
    if (i > 0 && ids[i] === ids[i - 1]) val[val.length - 1]++;
    else {
      idx.push(ids[i]);
      val.push(1);
    }
  }
  const norm = 1 / Math.sqrt(Math.max(1, ids.length));
  return { idx: Int32Array.from(idx), val: Float32Array.from(val, (v) => v * norm) };
}

/**
 * Training windows of an attacked document: the windows that hold the attack's first segment and
 * are mostly attack. (The text scores as its worst window, so one such window must score high.)
 */
export function positiveWindows(text, start, end) {
  const segs = docSegments(text);
  const first = segs.findIndex((g) => Math.min(g.end, end) - Math.max(g.start, start) >= 0.5 * Math.min(g.end - g.start, end - start));
  if (first < 0) return [];
  const out = [];
  for (const w of windowsOf(segs)) {
    if (w[0] > first || w[1] < first) continue;
    const ws = segs[w[0]].start;
    const we = segs[w[1]].end;
    const overlap = Math.max(0, Math.min(we, end) - Math.max(ws, start));
    if (overlap >= 0.5 * Math.min(we - ws, end - start)) out.push(windowVector(segs, w));
  }
  return out;
}

/** Training windows of a clean document: up to `max` of them, spread evenly. */
export function negativeWindows(text, max = 6) {
  const segs = docSegments(text);
  const all = windowsOf(segs);
  const out = [];
  const step = Math.max(1, Math.floor(all.length / max));
  for (let k = 0; k < all.length && out.length < max; k += step) out.push(windowVector(segs, all[k]));
  return out;
}

/**
 * Up to `max` windows spread over the whole text, its first and last included (negativeWindows
 * takes its evenly stepped windows from the start and, for a text of fewer than 2 × max windows,
 * never reaches the end).
 */
export function spreadWindows(text, max) {
  const segs = docSegments(text);
  const all = windowsOf(segs);
  if (all.length <= max) return all.map((w) => windowVector(segs, w));
  const picks = new Set(Array.from({ length: max }, (_, i) => Math.round((i * (all.length - 1)) / Math.max(1, max - 1))));
  return [...picks].map((k) => windowVector(segs, all[k]));
}

/** The training vector's logit under `model` (float weights), as the scorer computes a window's. */
export function windowLogit(model, v) {
  let z = model.b;
  for (let k = 0; k < v.idx.length; k++) z += model.w[v.idx[k]] * v.val[k];
  return z;
}

/**
 * The `k` windows of `text` that `model` scores highest, if above `minLogit`: the windows a
 * worst-window detector would flag, hence the negatives worth adding.
 */
export function hardestWindows(model, text, k, minLogit) {
  const segs = docSegments(text);
  return windowsOf(segs)
    .map((w) => windowVector(segs, w))
    .map((v) => ({ v, z: windowLogit(model, v) }))
    .filter((x) => x.z > minLogit)
    .sort((a, b) => b.z - a.z)
    .slice(0, k)
    .map((x) => x.v);
}

// ---------- logistic regression (AdaGrad, L2) ----------

export function train(examples, { epochs = 6, lr = 0.3, l2 = 1e-6, seed = 1, log = () => {} } = {}) {
  const w = new Float64Array(DIM);
  const G = new Float64Array(DIM).fill(1e-8);
  let b = 0;
  let Gb = 1e-8;
  const pos = examples.filter((e) => e.y === 1).length;
  const neg = examples.length - pos;
  const wPos = neg / Math.max(1, pos) > 1 ? Math.sqrt(neg / Math.max(1, pos)) : 1; // soften the imbalance
  const rng = mulberry32(seed);
  for (let ep = 0; ep < epochs; ep++) {
    const order = shuffle([...examples.keys()], rng);
    let loss = 0;
    for (const i of order) {
      const e = examples[i];
      let z = b;
      for (let k = 0; k < e.idx.length; k++) z += w[e.idx[k]] * e.val[k];
      const p = 1 / (1 + Math.exp(-z));
      const cw = e.y === 1 ? wPos : 1;
      loss += -cw * (e.y === 1 ? Math.log(p + 1e-12) : Math.log(1 - p + 1e-12));
      const g = (p - e.y) * cw;
      for (let k = 0; k < e.idx.length; k++) {
        const j = e.idx[k];
        const gj = g * e.val[k] + l2 * w[j];
        G[j] += gj * gj;
        w[j] -= (lr * gj) / Math.sqrt(G[j]);
      }
      Gb += g * g;
      b -= (lr * g) / Math.sqrt(Gb);
    }
    log(`  epoch ${ep + 1}: mean loss ${(loss / examples.length).toFixed(4)}`);
  }
  return { w: Float32Array.from(w), b };
}

/** int8 weights with one scale, as shipped; `shipped` scores exactly as the runtime does. */
export function quantize(model) {
  let max = 0;
  for (const v of model.w) max = Math.max(max, Math.abs(v));
  const scale = max / 127;
  const q = new Int8Array(DIM);
  let nonzero = 0;
  for (let i = 0; i < DIM; i++) {
    q[i] = Math.max(-127, Math.min(127, Math.round(model.w[i] / scale)));
    if (q[i] !== 0) nonzero++;
  }
  return { q, scale, nonzero, shipped: { w: Float32Array.from(q, (v) => v * scale), b: model.b } };
}

// ---------- scoring ----------

export function modelLogit(model, text) {
  return worstWindowLogit(text, model.w, model.b).logit;
}

/** Detector score as shipped: the model's probability, raised to 0.99 by a strong rule. */
export function detectorScore(model, text, useRules = true) {
  const p = 1 / (1 + Math.exp(-modelLogit(model, text)));
  if (!useRules) return p;
  return matchRules(text).some((r) => r.strong) ? Math.max(p, 0.99) : p;
}

/** Threshold allowing at most `fpr` of negatives strictly above it, and the TPR it gives. */
export function thresholdAt(negScores, fpr) {
  const sorted = [...negScores].sort((a, b) => b - a);
  const k = Math.floor(fpr * sorted.length);
  return k < sorted.length ? sorted[k] : -Infinity;
}
export function tprAt(posScores, negScores, fpr) {
  const t = thresholdAt(negScores, fpr);
  return { t, tpr: posScores.filter((s) => s > t).length / Math.max(1, posScores.length) };
}

// ---------- training sets ----------

/**
 * Training windows. BIPIA: each attack of the allowed categories goes at the start, middle and end of
 * `perAttack` random allowed contexts; allowed contexts are also negatives, with ordinary text
 * (node_modules, train split). With `generated`, our synthetic injections (inserted into allowed
 * contexts or ordinary text, or alone) and hard negatives join. With `toolOutputs`, the benign tool
 * outputs' fit part joins as negatives, and attacks are inserted into some of them as positives
 * (RECIPE.toolOutputs).
 */
export function buildTraining(corpus, { categories, contextSplit, generated, toolOutputs = false, seed = 5, perAttack = 8 }) {
  const rng = mulberry32(seed);
  const examples = [];
  const add = (vecs, y) => {
    for (const v of vecs) examples.push({ ...v, y });
  };
  const contexts = corpus.contexts.filter((c) => contextSplit.includes(c.split));
  const attacks = corpus.attacks.filter((a) => categories.has(a.category));
  for (const a of attacks) {
    const pool = contextsFor(a, contexts);
    for (const where of POSITIONS) {
      for (const c of shuffle(pool, rng).slice(0, perAttack)) {
        const doc = insert(c.text, a.text, where, rng);
        add(positiveWindows(doc.text, doc.start, doc.end), 1);
      }
    }
  }
  for (const c of contexts) add(negativeWindows(c.text, 24), 0);
  const ordinary = corpus.ordinary.filter((d) => d.split === 'train');
  for (const d of ordinary) add(negativeWindows(d.text, 12), 0);
  if (generated) {
    for (const g of corpus.generated.filter((x) => x.split === 'train')) {
      const r = rng();
      if (r < 0.2) add(positiveWindows(g.text, 0, g.text.length), 1);
      else {
        const host = r < 0.6 ? choice(contexts, rng).text : choice(ordinary, rng).text.slice(0, 1500);
        const doc = insert(host, g.text, choice(POSITIONS, rng), rng);
        add(positiveWindows(doc.text, doc.start, doc.end), 1);
      }
    }
    for (const h of corpus.hard.filter((x) => x.split === 'train')) add(negativeWindows(h.text, 3), 0);
  }
  if (toolOutputs) {
    const { windows, hosts } = RECIPE.toolOutputs;
    const tools = corpus.tools.train.filter((x) => x.part === 'fit');
    for (const t of tools) add(spreadWindows(t.text, windows), 0);
    // injections arrive inside tool outputs: attacks also go into benign tool outputs, so that looking
    // like a tool output (JSON, a log, a listing) never becomes evidence of innocence
    const trng = mulberry32(seed + 1000);
    const host = () => choice(tools, trng).text.slice(0, 1500);
    for (const a of attacks) {
      for (const where of POSITIONS) {
        for (let k = 0; k < hosts.bipia; k++) {
          const doc = insert(host(), a.text, where, trng);
          add(positiveWindows(doc.text, doc.start, doc.end), 1);
        }
      }
    }
    if (generated) {
      for (const g of corpus.generated.filter((x) => x.split === 'train')) {
        if (trng() >= hosts.generated) continue;
        const doc = insert(host(), g.text, choice(POSITIONS, trng), trng);
        add(positiveWindows(doc.text, doc.start, doc.end), 1);
      }
    }
  }
  return examples;
}

/**
 * A model on `buildTraining`'s windows. With `toolOutputs`, hard-negative mining follows: the windows of
 * the benign tool outputs (fit part) that the first model scores highest join as negatives, and the
 * model is trained again from scratch with the same seed (the text scores as its worst window, so
 * those are the windows that would flag it).
 */
export function trainModel(corpus, buildOptions, trainOptions) {
  const examples = buildTraining(corpus, buildOptions);
  let model = train(examples, trainOptions);
  if (buildOptions.toolOutputs) {
    const { perText, minLogit } = RECIPE.toolOutputs.mining;
    for (const t of corpus.tools.train.filter((x) => x.part === 'fit')) {
      for (const v of hardestWindows(model, t.text, perText, minLogit)) examples.push({ ...v, y: 0 });
    }
    model = train(examples, trainOptions);
  }
  return { model, examples };
}
