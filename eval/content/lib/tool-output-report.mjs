// The false-positive report on the benign tool-output test set (tool-output-set.mjs): the share of
// texts flagged at the shipped thresholds, pooled, by origin, by genre and by length.

const LENGTHS = [
  [0, 20],
  [20, 100],
  [100, 1000],
  [1000, Infinity],
];

/** Short tool results a detector must pass; printed with their scores. */
export const SHORT_RESULTS = ['The answer is 42.', 'OK', 'Done.', 'No results found.', 'Email sent.', 'Answer: B', 'The capital of France is Paris.'];

export function reportToolOutputs(items, score, threshold, strict, pct) {
  const scores = items.map((t) => score(t.text));
  const share = (idx, t) => idx.filter((i) => scores[i] >= t).length / Math.max(1, idx.length);
  const row = (label, idx) => `  ${label.padEnd(30)} ${String(idx.length).padStart(5)}  ${pct(share(idx, threshold))}  ${pct(share(idx, strict))}`;
  const all = items.map((_, i) => i);
  console.log(`\nbenign tool outputs, test part (templates, word pools, files and presidio templates that training and calibration never saw): flagged by the shipped model`);
  console.log(`  ${''.padEnd(30)} texts  default   strict`);
  console.log(row('ALL', all));
  for (const origin of ['generated', 'real']) console.log(row(`${origin}`, all.filter((i) => items[i].origin === origin)));
  for (const [a, b] of LENGTHS) console.log(row(`length ${a}–${b === Infinity ? '' : b - 1} chars`, all.filter((i) => items[i].text.length >= a && items[i].text.length < b)));
  const genres = [...new Set(items.map((t) => `${t.origin}/${t.genre}`))].sort();
  for (const g of genres) console.log(row(g, all.filter((i) => `${items[i].origin}/${items[i].genre}` === g)));
  console.log(`  short results: ${SHORT_RESULTS.map((t) => `${JSON.stringify(t)} ${score(t).toFixed(3)}`).join(', ')}`);
  console.log(`  bar: ≤ 1% of the test part flagged at the default threshold → ${share(all, threshold) <= 0.01 ? 'PASS' : 'FAIL'}`);
}
