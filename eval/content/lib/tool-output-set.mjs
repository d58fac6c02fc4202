// The benign tool-output set: what MCP tools return in ordinary use (short answers, status lines,
// JSON, logs, listings, SQL rows, stack traces, tickets, emails, chat, code, tables, docs with
// instructions for people), labelled benign, with a fixed train/test split:
//
// - generated (tool-output-gen*.mjs): every third template of each genre, filled from its own part of
//   the word pools, is test; the training and the threshold calibration never see a test template;
// - real (tool-output-real.mjs): node_modules files the ordinary corpus holds only in its test split
//   (or not at all), and presidio templates by id, are test.
//
// The train part is split again by content hash: "fit" (training negatives) and "calib" (threshold
// calibration). Texts are deduplicated over the whole set (a text in the test part is dropped from
// the train part).
import { fnv, mulberry32, shuffle } from './common.mjs';
import { generateToolOutputs } from './tool-output-gen.mjs';
import { realToolOutputs } from './tool-output-real.mjs';

/** Generated texts per template, and the most real texts kept per genre and split (drawn at random, seeded). */
export const TOOL_OUTPUT_SIZES = { generatedPerTemplate: { train: 40, test: 40 }, realPerGenre: { train: 600, test: 250 } };

const key = (s) => s.replace(/\s+/g, ' ').trim();

/**
 * { train, test }: arrays of {genre, origin: 'generated' | 'real', source, text}; train items also
 * carry part: 'fit' | 'calib'. `ordinarySplitOf(contentKey)` is the ordinary corpus's split of a chunk.
 */
export function toolOutputSet(ordinarySplitOf) {
  const real = realToolOutputs(ordinarySplitOf);
  const bySplit = { train: [], test: [] };
  const seen = new Set();
  for (const split of ['test', 'train']) {
    const generated = generateToolOutputs(split, TOOL_OUTPUT_SIZES.generatedPerTemplate[split]).map((g) => ({ genre: g.genre, origin: 'generated', source: g.template, text: g.text }));
    const rng = mulberry32(split === 'test' ? 31 : 37);
    const realHere = [];
    for (const genre of [...new Set(real.map((r) => r.genre))].sort()) {
      const pool = real.filter((r) => r.split === split && r.genre === genre);
      for (const r of shuffle(pool, rng).slice(0, TOOL_OUTPUT_SIZES.realPerGenre[split])) realHere.push({ genre, origin: 'real', source: r.source, text: r.text });
    }
    for (const item of [...generated, ...realHere]) {
      const k = key(item.text);
      if (k === '' || seen.has(k)) continue;
      seen.add(k);
      bySplit[split].push(split === 'train' ? { ...item, part: fnv(`tool-output:${k}`) % 5 === 0 ? 'calib' : 'fit' } : item);
    }
  }
  return bySplit;
}
