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

export function createLogger(level: string): Logger {
  return pino(
    { level, base: { svc: 'portcullis' }, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ fd: 2, sync: false }),
  );
}
