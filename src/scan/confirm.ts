/**
 * Consent before doing something with side effects (running a command, rewriting a file): `--yes`,
 * or a y/N answer on a terminal. Without a terminal and without `--yes` the answer is no, so a
 * script never runs a command it did not ask for explicitly.
 */
import { createInterface } from 'node:readline/promises';

export type Consent = 'yes' | 'no' | 'not-interactive';

export async function confirm(question: string, assumeYes: boolean, io: { input: NodeJS.ReadStream; output: NodeJS.WriteStream } = { input: process.stdin, output: process.stderr }): Promise<Consent> {
  if (assumeYes) return 'yes';
  if (!io.input.isTTY || !io.output.isTTY) return 'not-interactive';
  const rl = createInterface({ input: io.input, output: io.output });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim()) ? 'yes' : 'no';
  } finally {
    rl.close();
  }
}
