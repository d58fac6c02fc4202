#!/usr/bin/env node
// Injection screening quality on attack categories the model has never seen: 5-fold
// cross-validation over BIPIA-train's attack categories (../shared/data/bipia, MIT). In each fold a
// fifth of the categories (3 text + 2 code) is held out; a model is trained on the rest with the same
// code as train-injection.mjs, and tested on held-out attacks inserted at the start, middle and end of
// held-out contexts (30% of the contexts, split by content). Negatives: those held-out contexts clean
// ("BIPIA"), plus ordinary documentation, code and JSON from node_modules (test split): thresholds
// are set on these ("all"). Our template-generated hard benign texts are reported apart, as the share
// flagged at the 1% threshold (they are near-duplicates of a few templates, so not a rate sample), and
// so is the test part of the benign tool-output set (lib/tool-output-set.mjs). Then the shipped model:
// the share of held-out ordinary documents and of benign tool outputs (test part: templates, word
// pools, files and presidio templates never trained or calibrated on) it flags at its thresholds.
// Scores are the detector's as shipped (model + strong rules).
//
//   npm run build && node eval/content/eval-injection.mjs [--variant B|B+G|both] [--folds 5] [--quick] [--per-attack] [--shipped-only]
//
// Variants: "B" trains on BIPIA attacks only; "B+G" (the shipped recipe) adds our generated injections
// and hard negatives (written knowing BIPIA's category names, so its unseen-category figure is the more
// optimistic) and the benign tool outputs' fit part (lib/injection-train.mjs, RECIPE).
import { loadCorpus, trainModel, detectorScore, insert, contextsFor, tprAt, POSITIONS } from './lib/injection-train.mjs';
import { reportToolOutputs } from './lib/tool-output-report.mjs';
import { mulberry32, shuffle } from './lib/common.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const variants = args.includes('--shipped-only') ? [] : opt('--variant', 'both') === 'both' ? ['B', 'B+G'] : [opt('--variant', 'B+G')];
const K = Number(opt('--folds', '5'));
const QUICK = args.includes('--quick'); // fewer held-out contexts: for quick experiments

const t0 = performance.now();
const corpus = loadCorpus();
const rng = mulberry32(11);
const textCats = shuffle([...new Set(corpus.attacks.filter((a) => a.kind === 'text').map((a) => a.category))], rng);
const codeCats = shuffle([...new Set(corpus.attacks.filter((a) => a.kind === 'code').map((a) => a.category))], rng);
const folds = Array.from({ length: K }, (_, f) => new Set([...textCats.filter((_, i) => i % K === f), ...codeCats.filter((_, i) => i % K === f)]));
const allCats = new Set([...textCats, ...codeCats]);
const testContexts = corpus.contexts.filter((c) => c.split === 'test').filter((c, i) => !QUICK || c.task !== 'table' || i % 4 === 0);
const negSets = {
  BIPIA: testContexts.map((c) => c.text),
  ordinary: corpus.ordinary.filter((d) => d.split === 'test').map((d) => d.text),
  hard: corpus.hard.filter((d) => d.split === 'test').map((d) => d.text),
  tools: corpus.tools.test.map((d) => d.text),
};
console.log(`Injection — cross-validation by attack category (BIPIA-train @ 1a2a91d, MIT), ${K} folds`);
console.log(`held-out contexts: ${testContexts.length} (email ${testContexts.filter((c) => c.task === 'email').length}, table ${testContexts.filter((c) => c.task === 'table').length}, code ${testContexts.filter((c) => c.task === 'code').length}); negatives: BIPIA ${negSets.BIPIA.length}, ordinary text ${negSets.ordinary.length}, hard benign ${negSets.hard.length}, benign tool outputs (test part) ${negSets.tools.length}`);

const pct = (x) => `${(100 * x).toFixed(1).padStart(5)}%`;
for (const variant of variants) {
  const perCat = new Map();
  const pooled = { pos: 0, hit1: 0, hit01: 0, hit1b: 0 };
  const foldRows = [];
  const modelOnly = { pos: 0, hit1: 0 };
  for (let f = 0; f < K; f++) {
    const held = folds[f];
    const trainCats = new Set([...allCats].filter((c) => !held.has(c)));
    const { model, examples } = trainModel(corpus, { categories: trainCats, contextSplit: ['train'], generated: variant === 'B+G', toolOutputs: variant === 'B+G', seed: 100 + f }, { seed: f + 1 });
    const neg = Object.fromEntries(Object.entries(negSets).map(([k, v]) => [k, v.map((t) => detectorScore(model, t))]));
    const negAll = [...neg.BIPIA, ...neg.ordinary];
    const prng = mulberry32(500 + f);
    const pos = [];
    const posModel = [];
    for (const a of corpus.attacks.filter((x) => held.has(x.category))) {
      for (const c of contextsFor(a, testContexts)) {
        for (const where of POSITIONS) {
          const doc = insert(c.text, a.text, where, prng);
          const s = detectorScore(model, doc.text);
          pos.push({ cat: a.category, kind: a.kind, where, s, attack: a.text });
          posModel.push(detectorScore(model, doc.text, false));
        }
      }
    }
    const ps = pos.map((p) => p.s);
    const r1 = tprAt(ps, negAll, 0.01);
    const r01 = tprAt(ps, negAll, 0.001);
    const r1b = tprAt(ps, neg.BIPIA, 0.01);
    const rm = tprAt(posModel, negAll.map((x) => x), 0.01);
    const hardFlagged = neg.hard.filter((x) => x > r1.t).length / neg.hard.length;
    const ordFlagged = neg.ordinary.filter((x) => x > r1.t).length / neg.ordinary.length;
    const bipFlagged = neg.BIPIA.filter((x) => x > r1.t).length / neg.BIPIA.length;
    const toolFlagged = neg.tools.filter((x) => x > r1.t).length / neg.tools.length;
    foldRows.push({ f, cats: [...held].join(', '), n: ps.length, r1, r01, r1b, train: examples.length, hardFlagged, ordFlagged, bipFlagged, toolFlagged });
    pooled.pos += ps.length;
    pooled.hit1 += r1.tpr * ps.length;
    pooled.hit01 += r01.tpr * ps.length;
    pooled.hit1b += r1b.tpr * ps.length;
    modelOnly.pos += ps.length;
    modelOnly.hit1 += rm.tpr * ps.length;
    if (args.includes('--per-attack')) {
      const per = new Map();
      for (const p of pos) {
        const r = per.get(p.attack) ?? [0, 0];
        per.set(p.attack, r);
        r[1]++;
        if (p.s > r1.t) r[0]++;
      }
      for (const [a, [h, n]] of per) if (h / n < 0.9) console.log(`   missed ${(100 - (100 * h) / n).toFixed(0)}%: ${JSON.stringify(a.slice(0, 110))}`);
    }
    for (const p of pos) {
      const row = perCat.get(p.cat) ?? { kind: p.kind, n: 0, hit1: 0, hit01: 0, where: { start: [0, 0], middle: [0, 0], end: [0, 0] } };
      perCat.set(p.cat, row);
      row.n++;
      if (p.s > r1.t) row.hit1++;
      if (p.s > r01.t) row.hit01++;
      row.where[p.where][1]++;
      if (p.s > r1.t) row.where[p.where][0]++;
    }
  }
  console.log(`\nvariant ${variant}${variant === 'B' ? ' (BIPIA attacks only)' : ' (BIPIA + our generated injections, hard negatives and benign tool outputs)'}`);
  console.log('fold  held-out categories                                              test docs  TPR@1%FPR  TPR@0.1%FPR  TPR@1%(BIPIA negs)   at the 1% threshold, flagged: BIPIA / ordinary / hard / tool outputs');
  for (const r of foldRows) {
    console.log(`${String(r.f + 1).padStart(4)}  ${r.cats.slice(0, 64).padEnd(64)} ${String(r.n).padStart(10)}  ${pct(r.r1.tpr)}     ${pct(r.r01.tpr)}      ${pct(r.r1b.tpr)}            ${pct(r.bipFlagged)} / ${pct(r.ordFlagged)} / ${pct(r.hardFlagged)} / ${pct(r.toolFlagged)}`);
  }
  console.log('per held-out category (at its fold\'s thresholds, all negatives)');
  console.log('category                           kind   docs  TPR@1%FPR  TPR@0.1%FPR   start  middle     end');
  for (const [cat, r] of [...perCat].sort((a, b) => a[1].kind.localeCompare(b[1].kind) || a[0].localeCompare(b[0]))) {
    const w = (k) => pct(r.where[k][0] / Math.max(1, r.where[k][1]));
    console.log(`${cat.padEnd(34)} ${r.kind.padEnd(5)} ${String(r.n).padStart(6)}     ${pct(r.hit1 / r.n)}       ${pct(r.hit01 / r.n)}  ${w('start')} ${w('middle')} ${w('end')}`);
  }
  console.log(`ALL (pooled over folds)               ${String(pooled.pos).padStart(6)}     ${pct(pooled.hit1 / pooled.pos)}       ${pct(pooled.hit01 / pooled.pos)}   (BIPIA negatives only, 1% FPR: ${pct(pooled.hit1b / pooled.pos)}; model without rules, 1% FPR: ${pct(modelOnly.hit1 / modelOnly.pos)})`);
  console.log(`bar: TPR ≥ 85% at 1% FPR on unseen categories → ${pooled.hit1 / pooled.pos >= 0.85 ? 'PASS' : 'FAIL'}`);
}
// the shipped model (trained on every category) on text it never saw: ordinary documents of the test split
const { scoreInjection, DEFAULT_INJECTION_THRESHOLD, STRICT_INJECTION_THRESHOLD } = await import('../../dist/detect/content/injection.js');
const ord = negSets.ordinary.map((t) => scoreInjection(t).score);
const gen = corpus.generated.filter((g) => g.split === 'test').map((g) => scoreInjection(g.text).score);
const rate = (xs, t) => pct(xs.filter((x) => x >= t).length / xs.length);
console.log(`\nshipped model (src/detect/content/model, all categories): thresholds ${DEFAULT_INJECTION_THRESHOLD} (default) and ${STRICT_INJECTION_THRESHOLD} (strict)`);
console.log(`  held-out ordinary documents flagged (${ord.length}): ${rate(ord, DEFAULT_INJECTION_THRESHOLD)} at default, ${rate(ord, STRICT_INJECTION_THRESHOLD)} at strict`);
console.log(`  held-out generated injections caught (${gen.length}, same templates as training: optimistic): ${rate(gen, DEFAULT_INJECTION_THRESHOLD)} at default, ${rate(gen, STRICT_INJECTION_THRESHOLD)} at strict`);
reportToolOutputs(corpus.tools.test, (t) => scoreInjection(t).score, DEFAULT_INJECTION_THRESHOLD, STRICT_INJECTION_THRESHOLD, pct);
console.log(`\n(${((performance.now() - t0) / 1000).toFixed(0)} s)`);
