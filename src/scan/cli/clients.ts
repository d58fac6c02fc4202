/**
 * `portcullis scan clients [--path FILE…] [--project DIR] [--no-discover] [--gateway URL…] [--config GATEWAY.yaml]
 * [--json | --sarif]`. Exit 0 when nothing is flagged, 1 when something is (a CI gate; a config that
 * could not be read counts, since its servers went unchecked), 2 for usage errors.
 */
import { parse, UsageError } from '../../cli/args.js';
import { scanClients } from '../clients/scan.js';
import { renderJson, renderSarif, renderTable, summaryLine } from '../clients/output.js';
import { gatewayEndpointFromConfig, parseGatewayUrl } from '../gateway-url.js';

export const CLIENTS_USAGE = 'portcullis scan clients [--path FILE]… [--project DIR] [--no-discover] [--gateway URL]… [--config GATEWAY.yaml] [--json | --sarif]';

function usage(message: string): number {
  process.stderr.write(`portcullis scan clients: ${message}\nusage: ${CLIENTS_USAGE}\n`);
  return 2;
}

export async function runScanClients(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parse(args, {
      path: { type: 'string', multiple: true },
      project: { type: 'string' },
      'no-discover': { type: 'boolean', default: false },
      gateway: { type: 'string', multiple: true },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      sarif: { type: 'boolean', default: false },
    }));
  } catch (err) {
    if (err instanceof UsageError) return usage(err.message);
    throw err;
  }
  if (values.json && values.sarif) return usage('--json and --sarif exclude each other');
  if (values['no-discover'] && (values.path ?? []).length === 0) return usage('--no-discover needs at least one --path');
  const gateways: URL[] = [];
  for (const raw of values.gateway ?? []) {
    const u = parseGatewayUrl(raw);
    if (typeof u === 'string') return usage(u);
    gateways.push(u);
  }
  if (values.config !== undefined) {
    const u = await gatewayEndpointFromConfig(values.config);
    if (typeof u === 'string') return usage(u);
    gateways.push(u);
  }
  const progress = process.stderr.isTTY === true;
  const report = await scanClients({
    platform: process.platform,
    env: process.env,
    projectDir: values.project ?? process.cwd(),
    paths: values.path ?? [],
    discover: !values['no-discover'],
    gateways,
    ...(progress ? { onProgress: (done: number, total: number, file: string) => process.stderr.write(`\r\x1b[2K[${done}/${total}] ${file.slice(-70)}`) } : {}),
  });
  if (progress) process.stderr.write('\r\x1b[2K');
  process.stdout.write(values.sarif ? renderSarif(report) : values.json ? renderJson(report) : renderTable(report));
  process.stderr.write(`${summaryLine(report)}\n`);
  return report.findings.length > 0 ? 1 : 0;
}
