#!/usr/bin/env node
// The batch entry of issue 6 until the CLI wires it: reads JSON lines {"id": …, "text": …} from a
// file (or stdin) and prints one line per input:
//   {"id", "injection": {"score", "flagged"}, "secrets": [{"kind", "start", "end"}], "pii": [{"kind", "start", "end"}]}
//
//   npm run build && node eval/content/scan-output.mjs FILE.jsonl [--threshold 0.8] [--pii email,phone]
//
// Offsets are UTF-16 code units into the line's "text", as JavaScript counts them. A line that is
// not JSON, or has no string "text", yields {"id", "error"}; the run goes on.
import fs from 'node:fs';
import readline from 'node:readline';
import { scanOutputLine } from '../../dist/detect/content/scan.js';

const args = process.argv.slice(2);
const opt = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const file = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
const thresholds = {};
if (opt('--threshold') !== undefined) thresholds.injection = Number(opt('--threshold'));
if (opt('--pii') !== undefined) thresholds.piiTypes = opt('--pii').split(',');

const input = file === undefined || file === '-' ? process.stdin : fs.createReadStream(file, { encoding: 'utf8' });
const rl = readline.createInterface({ input, crlfDelay: Infinity });
let n = 0;
for await (const line of rl) {
  n++;
  if (line.trim() === '') continue;
  let obj;
  try {
    obj = JSON.parse(line);
  } catch {
    process.stdout.write(`${JSON.stringify({ id: null, error: `line ${n}: not JSON` })}\n`);
    continue;
  }
  process.stdout.write(`${JSON.stringify(scanOutputLine(obj, thresholds))}\n`);
}
