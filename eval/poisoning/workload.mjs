// Inputs for the poisoning benchmark (bench.mjs) and the findings dump (dump-findings.mjs), built from
// the real servers' definitions in ./benign.
//
// Two shapes of "1,000 typical tools over 4 upstreams":
//   - realisticServers: each real server is placed whole on one of the 4 upstreams and keeps its real
//     tool names (read_file, search, create_issue …). An upstream's servers are cycled until it holds
//     its share; only a repeat of a name inside one upstream is renamed (`<name>_2`, `<name>_3` …), since
//     one server cannot list a name twice. So the cross-server rules get their real workload: the
//     other upstreams' names are ordinary words and identifiers that descriptions really mention
//     (shadowing looks each one up), and names two real servers share (desktop-commander and filesystem
//     both have read_file; github and supabase both have create_branch) sit on different upstreams
//     (collisions).
//   - renamedCopies: the older shape, every copy renamed `<name>_<i>` and the list cut into 4 slices.
//     No foreign name ever occurs in a description and no two names collide, so the cross-server rules
//     do almost nothing; kept for comparison with earlier figures.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The real servers' listings, in file-name order: [{ server, tools, prompts, resourceTemplates }]. */
export function realServers() {
  return readdirSync(join(here, 'benign'))
    .filter((f) => f.endsWith('.json') && f !== 'manifest.json')
    .sort()
    .map((f) => {
      const doc = JSON.parse(readFileSync(join(here, 'benign', f), 'utf8'));
      return { server: doc.server, tools: doc.tools ?? [], prompts: doc.prompts ?? [], resourceTemplates: doc.resourceTemplates ?? [] };
    });
}

/** Every real tool definition, in file-name order. */
export const realTools = () => realServers().flatMap((s) => s.tools);

/** `n` tools: the real ones cycled, copy i renamed `<name>_<i>` (all names distinct). */
export function renamedCopies(n) {
  const real = realTools();
  return Array.from({ length: n }, (_, i) => ({ ...real[i % real.length], name: `${real[i % real.length].name}_${i}` }));
}

/** The older 4-upstream shape: renamedCopies(n) cut into 4 equal slices. */
export function renamedServers(n) {
  const t = renamedCopies(n);
  const q = n / 4;
  return { a: { tools: t.slice(0, q) }, b: { tools: t.slice(q, 2 * q) }, c: { tools: t.slice(2 * q, 3 * q) }, d: { tools: t.slice(3 * q) } };
}

/**
 * `n` tools over `upstreams` upstreams with the real names (see the header). Servers are placed
 * largest first on the upstream with the fewest tools so far, which is deterministic and balanced.
 */
export function realisticServers(n, upstreams = 4) {
  const servers = realServers().filter((s) => s.tools.length > 0).sort((x, y) => y.tools.length - x.tools.length || (x.server < y.server ? -1 : 1));
  const homes = Array.from({ length: upstreams }, () => []);
  for (const s of servers) {
    const lightest = homes.reduce((best, h, i) => (h.reduce((a, x) => a + x.tools.length, 0) < homes[best].reduce((a, x) => a + x.tools.length, 0) ? i : best), 0);
    homes[lightest].push(s);
  }
  const out = {};
  homes.forEach((home, u) => {
    const defs = home.flatMap((s) => s.tools);
    const share = Math.floor(n / upstreams) + (u < n % upstreams ? 1 : 0);
    const seen = new Map();
    const tools = [];
    for (let i = 0; i < share; i++) {
      const def = defs[i % defs.length];
      const copy = (seen.get(def.name) ?? 0) + 1;
      seen.set(def.name, copy);
      tools.push(copy === 1 ? def : { ...def, name: `${def.name}_${copy}` });
    }
    out[String.fromCharCode(0x61 + u)] = { tools, servers: home.map((s) => s.server) };
  });
  return out;
}

/** realisticServers without the bookkeeping field (what scanServers gets). */
export function realisticInput(n, upstreams = 4) {
  const s = realisticServers(n, upstreams);
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, { tools: v.tools }]));
}
