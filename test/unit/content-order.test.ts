// Where the content stages sit in the pipeline (src/gateway.ts buildStages), pinned by name.
import { describe, expect, it } from 'vitest';
import { buildStages } from '../../src/gateway.js';
import { parseConfigText } from '../../src/config/load.js';

function names(yaml: string): string[] {
  const r = parseConfigText(yaml);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return buildStages(r.config).map((s) => s.name);
}

const config = `
upstreams:
  mail: { stdio: { command: node } }
storage: { path: ":memory:" }
content:
  arguments: { egress: [{ upstream: mail, tools: ["send"] }] }
`;

describe('stage order', () => {
  it('content screens results right after authorize, before any later stage reads its labels', () => {
    const n = names(config);
    expect(n.indexOf('content')).toBe(n.indexOf('authorize') + 1);
  });

  it('argument checks run before approval, so a person is never asked about a call that would leak', () => {
    const n = names(config);
    expect(n.indexOf('arguments')).toBeGreaterThan(n.indexOf('authorize'));
    expect(n.indexOf('arguments')).toBeLessThan(n.indexOf('approval'));
  });

  it('without egress tools there is no arguments stage at all', () => {
    expect(names('storage: { path: ":memory:" }\n')).not.toContain('arguments');
  });
});
