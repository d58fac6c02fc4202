#!/usr/bin/env node
// Policy decision cost: 1,000 grants with CEL conditions, decisions timed one by one.
//   npm run build && node bench/policy.mjs
// Prints p50/p99 in µs for a hit on an exact-name grant, a wildcard grant, a failing condition and a
// default deny. Bar (issue 3): ≤ 20 µs p99 per decision. Prints, never asserts.
import { parseConfigText } from '../dist/config/load.js';
import { compilePolicy } from '../dist/policy/compile.js';
import { decide } from '../dist/policy/decide.js';

const RULES = 1000;
const N = 20_000;
const roles = {};
for (let r = 0; r < 50; r++) {
  roles[`role${r}`] = Array.from({ length: RULES / 50 }, (_, i) => ({
    upstream: `u${i % 10}`,
    tools: i % 4 === 0 ? [`tool_${r}_${i}_*`] : [`tool_${r}_${i}`],
    when: `args.path.startsWith("/data/${r}/") && size(args.path) < 200 && "${'role' + r}" in principal.roles`,
  }));
}
const upstreams = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`u${i}`, { stdio: { command: 'node' } }]));
const r = parseConfigText(JSON.stringify({ upstreams, policy: { roles } }));
if (!r.ok) throw new Error(JSON.stringify(r.problems.slice(0, 3)));
const t0 = performance.now();
const policy = compilePolicy(r.config.policy);
const compileMs = performance.now() - t0;

const principal = { subject: 'alice', roles: ['role7', 'role12'], scopes: [], authenticatedBy: 'oauth' };
const cases = {
  'exact grant, condition true': [{ upstream: 'u1', kind: 'tool', name: 'tool_7_1' }, { path: '/data/7/x.txt' }],
  'wildcard grant, condition true': [{ upstream: 'u0', kind: 'tool', name: 'tool_12_0_read' }, { path: '/data/12/y' }],
  'condition false': [{ upstream: 'u1', kind: 'tool', name: 'tool_7_1' }, { path: '/etc/passwd' }],
  'default deny': [{ upstream: 'u3', kind: 'tool', name: 'nothing_here' }, {}],
};
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
console.log(`policy: ${policy.ruleCount} grant patterns compiled in ${compileMs.toFixed(1)} ms`);
console.log('case                              p50 µs   p99 µs   allowed');
for (const [label, [target, args]] of Object.entries(cases)) {
  for (let i = 0; i < 2000; i++) decide(policy, principal, target, args);
  const times = new Float64Array(N);
  let d;
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    d = decide(policy, principal, target, args);
    times[i] = (performance.now() - s) * 1000;
  }
  const sorted = Array.from(times).sort((a, b) => a - b);
  const p99 = pct(sorted, 99);
  console.log(`${label.padEnd(32)} ${pct(sorted, 50).toFixed(2).padStart(7)} ${p99.toFixed(2).padStart(8)}   ${d.allowed}   ${p99 <= 20 ? 'PASS' : 'MISS'} (bar p99 ≤ 20 µs)`);
}
