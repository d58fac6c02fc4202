/**
 * Structured logs (pino) on stderr — stdout belongs to the MCP protocol in stdio mode. Redaction paths
 * are fixed here so no token, key or secret value reaches a log line at any level.
 */
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'cookie', '*.cookie', 'token', '*.token', 'accessToken', '*.accessToken', 'apiKey', '*.apiKey',
  'secret', '*.secret', 'clientSecret', '*.clientSecret', 'password', '*.password', 'env', '*.env',
  'privateKey', '*.privateKey', 'key', '*.key',
];

export type { Logger };

// Whether stderr still takes our lines. Once a write fails (its reader has gone: EPIPE), pino turns
// every later write into a no-op without a word, so this flag is the only trace of it: the `log` audit
// sink reports itself unhealthy from it and counts what it could not write.
let stderrBroken = false;
export const stderrWritable = (): boolean => !stderrBroken;

export function createLogger(level: string): Logger {
  const destination = pino.destination({ fd: 2, sync: false });
  destination.on('error', () => {
    stderrBroken = true;
  });
  return pino({ level, base: { svc: 'portcullis' }, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
