import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LOG_MODULE = fileURLToPath(new URL('../../dist/telemetry/log.js', import.meta.url));
const SINKS_MODULE = fileURLToPath(new URL('../../dist/audit/sinks.js', import.meta.url));

// The child logs two lines once its stderr has been closed, then exits at once: the first line is an
// async write in flight, the second waits in the buffer that the exit hook flushes synchronously.
// sonic-boom 4 retried that flush every 100 ms for ever on EPIPE, so a gateway whose log reader had
// gone (a desktop client that closed the pipe, `portcullis serve 2>&1 | head`) could never exit, not
// even on SIGTERM: the loop blocks the thread the signal handler runs on.
const CHILD = `
const { createLogger } = await import(process.argv[1]);
const log = createLogger('info');
process.stdin.once('data', () => {
  log.warn({ upstream: 'up' }, 'a line that can no longer be written');
  log.warn({ upstream: 'up' }, 'and a second one, queued behind it');
  process.exit(0);
});
process.stdout.write('ready\\n');
`;

describe('logging to a stderr whose reader has gone', () => {
  it('does not keep the process from exiting', async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, LOG_MODULE], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stderr.destroy(); // the reading end is gone: every later write to fd 2 fails with EPIPE
    await new Promise((r) => setTimeout(r, 100));
    child.stdin.write('go\n');
    const hung = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const result = await exited;
    clearTimeout(hung);
    expect(result).toEqual({ code: 0, signal: null });
  }, 20_000);

  // The `log` audit sink writes through the same stderr. Before, its records vanished without a trace
  // once the reader had gone (pino makes every later write a no-op); now the sink says it is unhealthy
  // (/readyz) and counts them.
  it('the log audit sink reports itself unhealthy and counts the records it could not write', async () => {
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
const { createLogger, stderrWritable } = await import(process.argv[1]);
const { LogAuditSink } = await import(process.argv[2]);
const sink = new LogAuditSink(createLogger('info'), stderrWritable);
const event = (id) => ({ id, kind: 'request', outcome: 'allowed' });
process.stdin.once('data', async () => {
  sink.append(event('a')); // the write that finds the pipe closed
  await new Promise((r) => setTimeout(r, 300));
  sink.append(event('b'));
  sink.append(event('c'));
  process.stdout.write(JSON.stringify({ healthy: sink.healthy(), lost: sink.lost }) + '\\n', () => process.exit(0));
});
process.stdout.write('ready\\n');
`,
        LOG_MODULE,
        SINKS_MODULE,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8');
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.on('data', (d: string) => (out += d));
    child.stderr.destroy();
    await new Promise((r) => setTimeout(r, 100));
    child.stdin.write('go\n');
    const hung = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await new Promise((resolve) => child.on('exit', resolve));
    clearTimeout(hung);
    expect(JSON.parse(out.trim())).toEqual({ healthy: false, lost: 2 });
  }, 20_000);
});
