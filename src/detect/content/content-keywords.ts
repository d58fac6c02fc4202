// The keywords of the content detectors in one automaton: the secret rules' keywords (gitleaks'
// pre-filter) and the injection rules' trigger words. The chain checks each text for both, so one
// pass over the text finds the hits of both (KeywordSet keeps the last text's), and each detector
// reads the ones that concern it. Built on first use (a few hundred keywords).

import { INJECTION_RULES } from './injection-rules.js';
import { KeywordSet } from './keywords.js';
import { SECRET_RULES } from './secret-rules.generated.js';

let shared: KeywordSet | undefined;
let index: Map<string, number> | undefined;

/** The shared keyword set. */
export function contentKeywords(): KeywordSet {
  if (shared === undefined) {
    const words = new Set<string>();
    for (const rule of SECRET_RULES) for (const k of rule.keywords) words.add(k.toLowerCase());
    for (const rule of INJECTION_RULES) for (const t of rule.triggers) words.add(t.toLowerCase());
    shared = new KeywordSet([...words]);
    index = new Map(shared.keywords.map((k, i) => [k, i]));
  }
  return shared;
}

/** The index of `word` in the shared set (its hits carry this index); throws for a word it lacks. */
export function contentKeywordIndex(word: string): number {
  contentKeywords();
  const i = index!.get(word.toLowerCase());
  if (i === undefined) throw new Error(`${JSON.stringify(word)} is not a content keyword (content-keywords.ts)`);
  return i;
}
