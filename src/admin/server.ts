/**
 * The admin listener, separate from /mcp: Prometheus `/metrics`, `/healthz` (the process is alive) and
 * `/readyz` (it can serve: not draining, and the audit trail is accepting records), and the authenticated
 * approvals API under `/admin/approvals` (src/approvals/admin-api.ts). Loopback by default.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from '../telemetry/metrics.js';
import type { ApprovalsApi } from '../approvals/admin-api.js';

export interface AdminOptions {
  host: string;
  port: number;
  metrics: Metrics;
  ready(): { ready: boolean; reason?: string };
  /** /admin/approvals: list, show and decide held calls (authenticated). */
  approvals?: ApprovalsApi | undefined;
}

export class AdminServer {
  private readonly server: http.Server;

  constructor(private readonly opts: AdminOptions) {
    this.server = http.createServer((req, res) => {
      void this.route(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => resolve(this.server.address() as AddressInfo));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    const path = url.pathname;
    if (this.opts.approvals && (await this.opts.approvals.handle(req, res, path, url.searchParams))) return;
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    switch (path) {
      case '/metrics': {
        const body = await this.opts.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': this.opts.metrics.registry.contentType }).end(body);
        return;
      }
      case '/healthz':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      case '/readyz': {
        const r = this.opts.ready();
        res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: r.ready ? 'ready' : 'not ready', ...(r.reason ? { reason: r.reason } : {}) }));
        return;
      }
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  }
}
