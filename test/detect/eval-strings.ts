/**
 * Every string of the poisoning eval data: the benign servers' definitions and the case files. With
 * `lines`, each case file is also given line by line (short texts next to the long ones).
 */
import { readFileSync, readdirSync } from 'node:fs';

export function poisoningEvalStrings({ lines = false } = {}): string[] {
  const texts: string[] = [];
  const collect = (v: unknown): void => {
    if (typeof v === 'string') texts.push(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  for (const f of readdirSync('eval/poisoning/benign').filter((x) => x.endsWith('.json'))) collect(JSON.parse(readFileSync(`eval/poisoning/benign/${f}`, 'utf8')));
  for (const f of readdirSync('eval/poisoning/cases').filter((x) => x.endsWith('.mjs') && x !== 'util.mjs')) {
    const src = readFileSync(`eval/poisoning/cases/${f}`, 'utf8');
    texts.push(src);
    if (lines) texts.push(...src.split('\n'));
  }
  return texts;
}
