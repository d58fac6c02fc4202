/**
 * Table, JSON lines and SARIF for poisoning scan results, shared by `scan tools` (definitions from a
 * file) and `scan server` (definitions listed from a live server).
 */
import type { ScanResult, ServersScan } from '../detect/poisoning/index.js';

export type OutputFormat = 'table' | 'json' | 'sarif';

export function poisoningSarif(results: readonly ScanResult[]): unknown {
  const level = (s: string) => (s === 'critical' || s === 'high' ? 'error' : s === 'medium' ? 'warning' : 'note');
  return {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: { driver: { name: 'portcullis', informationUri: 'https://portcullis.dev', rules: [] } },
        results: results.flatMap((r) =>
          r.findings.map((f) => ({
            ruleId: f.ruleId,
            level: level(f.severity),
            message: { text: `${r.server ?? ''}/${r.name}: ${f.explanation} (${f.evidence})` },
            locations: [{ logicalLocations: [{ fullyQualifiedName: `${r.server ?? ''}/${r.kind}/${r.name}${f.path}` }] }],
          })),
        ),
      },
    ],
  };
}

export function renderPoisoning(scan: ServersScan, format: OutputFormat): string {
  if (format === 'sarif') return JSON.stringify(poisoningSarif(scan.results), null, 2) + '\n';
  const out: string[] = [];
  if (format === 'json') {
    for (const r of scan.results) {
      out.push(JSON.stringify({ server: r.server, kind: r.kind, name: r.name, score: Math.round(r.score * 1000) / 1000, flagged: r.flagged, action: r.action, findings: r.findings }) + '\n');
    }
    return out.join('');
  }
  out.push(`${'SERVER'.padEnd(16)} ${'NAME'.padEnd(32)} ${'SCORE'.padStart(5)}  ${'ACTION'.padEnd(7)} FINDINGS\n`);
  for (const r of scan.results) {
    const findings = r.findings.map((f) => `${f.ruleId}(${f.severity})`).join(', ');
    out.push(`${(r.server ?? '').slice(0, 16).padEnd(16)} ${r.name.slice(0, 32).padEnd(32)} ${r.score.toFixed(2).padStart(5)}  ${r.action.padEnd(7)} ${findings || '-'}\n`);
  }
  for (const f of scan.findings) out.push(`(set) ${f.ruleId}: ${f.explanation}\n`);
  return out.join('');
}

/** 1 when anything is flagged or blocked by policy (the CI gate), else 0. */
export function poisoningExitCode(scan: ServersScan): number {
  const blocked = scan.results.filter((r) => r.action === 'block').length;
  return scan.flagged > 0 || blocked > 0 ? 1 : 0;
}
