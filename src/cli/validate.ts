import { formatProblems, loadConfigFile } from '../config/load.js';
import { parse } from './args.js';

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
  process.stdout.write(`${file}: ok (${Object.keys(r.config.upstreams).length} upstreams)\n`);
  return 0;
}
