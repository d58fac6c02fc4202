/**
 * walkDefinition builds a path only for the values it reads. It must collect exactly the fields (path,
 * text, kind, order) and stop at exactly the limits the previous version did (walk-reference.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../../src/detect/poisoning/options.js';
import { walkDefinition } from '../../src/detect/poisoning/walk.js';
import { walkDefinitionReference } from './walk-reference.js';

function evalDefinitions(): unknown[] {
  const defs: unknown[] = [];
  for (const f of readdirSync('eval/poisoning/benign').filter((x) => x.endsWith('.json') && x !== 'manifest.json')) {
    const doc = JSON.parse(readFileSync(`eval/poisoning/benign/${f}`, 'utf8')) as Record<string, unknown[] | undefined>;
    defs.push(...(doc['tools'] ?? []), ...(doc['prompts'] ?? []), ...(doc['resourceTemplates'] ?? []));
  }
  return defs;
}

/** Odd shapes: arrays at the top, strings under skipped keywords, keys with `/` and `~`, deep nesting, required lists. */
function oddDefinitions(): unknown[] {
  let seed = 3;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const keys = ['name', 'description', 'title', 'type', 'enum', 'default', 'examples', 'example', 'const', 'properties', 'required', 'items', 'format', 'a/b', 'c~d', 'uri', 'x'];
  const value = (depth: number): unknown => {
    const r = rnd();
    if (depth > 6 || r < 0.3) return 'text ' + Math.floor(rnd() * 100);
    if (r < 0.4) return [null, 1, true][Math.floor(rnd() * 3)];
    if (r < 0.6) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let k = Math.floor(rnd() * 5); k > 0; k--) o[keys[Math.floor(rnd() * keys.length)]!] = value(depth + 1);
    return o;
  };
  const cyclic: Record<string, unknown> = { name: 'loop', description: 'self' };
  cyclic['inputSchema'] = cyclic;
  return [...Array.from({ length: 2000 }, () => value(0)), 'just a string', ['a', { description: 'b' }], null, 42, cyclic];
}

describe('walkDefinition', () => {
  it('collects the same fields as before, under the default and under small limits', () => {
    const small = { ...DEFAULT_OPTIONS.limits, maxFields: 7, maxDepth: 4, maxItemChars: 60 };
    let fields = 0;
    for (const def of [...evalDefinitions(), ...oddDefinitions()]) {
      for (const limits of [DEFAULT_OPTIONS.limits, small]) {
        const want = walkDefinitionReference(def, limits);
        expect(walkDefinition(def, limits)).toEqual(want);
        fields += want.fields.length;
      }
    }
    expect(fields).toBeGreaterThan(10_000);
  });
});
