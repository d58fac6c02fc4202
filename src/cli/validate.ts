import { formatProblems, loadConfigFile } from '../config/load.js';
import { parse } from './args.js';
import { verifyConfiguredUpstreams } from '../upstream/admission/integrity.js';

/** `portcullis validate FILE`: exit 0 when valid, 1 listing every problem as `path: message`. */
export async function runValidate(args: string[]): Promise<number> {
  const { positionals, values } = parse(args, { config: { type: 'string' } }, true);
  const file = values.config ?? positionals[0];
  if (!file) {
    process.stderr.write('usage: portcullis validate FILE\n');
    return 2;
  }
  const r = await loadConfigFile(file);
  if (!r.ok) {
    process.stdout.write(formatProblems(r.problems) + '\n');
    return 1;
  }
  // Pinned stdio packages and binaries are checked on disk too: the serve would refuse to start them.
  const integrity = await verifyConfiguredUpstreams(r.config);
  if (integrity.length > 0) {
    process.stdout.write(formatProblems(integrity) + '\n');
    return 1;
  }
  process.stdout.write(`${file}: ok (${Object.keys(r.config.upstreams).length} upstreams)\n`);
  return 0;
}
