/**
 * Table, JSON and SARIF renderings of a clients report. Command lines are shown with every detected
 * credential masked, so no output format ever carries a secret from the scanned files.
 */
import { pathToFileURL } from 'node:url';
import { staticCredentials } from './rules/credentials.js';
import type { ClientFinding, ClientRuleId, ClientsReport, ServerEntry } from './types.js';

const RULE_HELP: Record<ClientRuleId, string> = {
  'client.shadow-server': 'An MCP server the client reaches without going through the gateway: no policy, no audit.',
  'client.static-credential': 'A key, token or password written in clear in a client config.',
  'client.unpinned-package': 'A server launched from a registry without an exact version or digest: it changes under you.',
  'client.file-unreadable': 'A client config that could not be read: its servers were not checked.',
  'client.file-too-large': 'A client config over the size limit: not scanned.',
  'client.file-malformed': 'A client config that does not parse: its servers were not checked.',
};

/** The server's launch command or URL, with its credentials masked. */
export function launchLine(s: ServerEntry): string {
  let line = s.transport === 'http' ? (s.url ?? '') : [s.command ?? '', ...s.args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a))].join(' ');
  for (const hit of staticCredentials(s)) {
    for (const form of new Set([hit.value, encodeURIComponent(hit.value)])) {
      if (form.length > 0) line = line.split(form).join('****');
    }
  }
  return line;
}

function summary(r: ClientsReport): { files: number; servers: number; findings: number; bySeverity: Record<string, number> } {
  const bySeverity: Record<string, number> = {};
  for (const f of r.findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  return { files: r.files.length, servers: r.files.reduce((n, f) => n + f.servers.length, 0), findings: r.findings.length, bySeverity };
}

export function summaryLine(r: ClientsReport): string {
  const s = summary(r);
  const sev = Object.entries(s.bySeverity).map(([k, v]) => `${v} ${k}`).join(', ');
  return `scanned ${s.files} client config file${s.files === 1 ? '' : 's'} (${s.servers} server${s.servers === 1 ? '' : 's'}): ${s.findings} finding${s.findings === 1 ? '' : 's'}${sev ? ` (${sev})` : ''}`;
}

export function renderJson(r: ClientsReport): string {
  return JSON.stringify(
    {
      files: r.files.map((f) => ({
        path: f.path,
        client: f.client,
        status: f.status,
        ...(f.error !== undefined ? { error: f.error } : {}),
        servers: f.servers.map((s) => ({ name: s.name, line: s.line ?? null, transport: s.transport, launch: launchLine(s) })),
      })),
      findings: r.findings.map((f) => ({ ruleId: f.ruleId, severity: f.severity, file: f.file, server: f.server ?? null, line: f.line ?? null, message: f.message })),
      summary: summary(r),
    },
    null,
    2,
  ) + '\n';
}

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function renderTable(r: ClientsReport): string {
  const lines: string[] = [];
  const byFile = new Map<string, ClientFinding[]>();
  for (const f of r.findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  for (const f of r.files) {
    const findings = byFile.get(f.path) ?? [];
    if (f.status !== 'ok') {
      lines.push(`${f.path} (${f.client}): ${f.status} — ${f.error ?? ''}`, '');
      continue;
    }
    lines.push(`${f.path} (${f.client}): ${f.servers.length} server${f.servers.length === 1 ? '' : 's'}`);
    for (const s of f.servers) {
      lines.push(`  ${clip(s.name, 24).padEnd(24)} ${clip(launchLine(s), 90)}`);
      for (const x of findings.filter((x) => x.server === s.name)) lines.push(`    ${x.severity.padEnd(8)} ${x.ruleId.padEnd(25)} ${x.message}`);
    }
    lines.push('');
  }
  if (r.files.length === 0) lines.push('no MCP client configs found', '');
  return lines.join('\n');
}

export function renderSarif(r: ClientsReport): string {
  const level = (s: string) => (s === 'critical' || s === 'high' ? 'error' : s === 'medium' ? 'warning' : 'note');
  const rules = (Object.keys(RULE_HELP) as ClientRuleId[]).map((id) => ({ id, shortDescription: { text: RULE_HELP[id] } }));
  return JSON.stringify(
    {
      version: '2.1.0',
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      runs: [
        {
          tool: { driver: { name: 'portcullis', informationUri: 'https://portcullis.dev', rules } },
          results: r.findings.map((f) => ({
            ruleId: f.ruleId,
            level: level(f.severity),
            message: { text: f.server !== undefined ? `${f.server}: ${f.message}` : f.message },
            locations: [
              {
                physicalLocation: { artifactLocation: { uri: pathToFileURL(f.file).href }, ...(f.line !== undefined ? { region: { startLine: f.line } } : {}) },
                ...(f.server !== undefined ? { logicalLocations: [{ fullyQualifiedName: f.server }] } : {}),
              },
            ],
          })),
        },
      ],
    },
    null,
    2,
  ) + '\n';
}
