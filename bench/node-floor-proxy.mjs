#!/usr/bin/env node
// The Node floor for one HTTP proxy hop: a raw node:http reverse proxy that forwards each request's
// bytes to one upstream over a keep-alive agent and pipes the answer back. No parsing, no policy, no
// MCP. What it costs is what any Node gateway pays before doing anything; bench/overhead.mjs runs it
// next to the gateway so the gateway's own cost can be told apart from Node's.
//
//   node bench/node-floor-proxy.mjs --upstream URL [--port N]
//   → prints "listening on http://127.0.0.1:PORT/mcp" on stdout once ready. Binds 127.0.0.1 only.
import http from 'node:http';

const argv = process.argv.slice(2);
const arg = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const upstream = new URL(arg('--upstream') ?? '');
const port = Number(arg('--port') ?? 0);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade', 'proxy-connection', 'te', 'trailer']);

const server = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
  const headers = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k)) headers[k] = v;
  const up = http.request({ host: upstream.hostname, port: upstream.port, path: upstream.pathname, method: req.method, headers, agent }, (ures) => {
    const out = {};
    for (const [k, v] of Object.entries(ures.headers)) if (!HOP.has(k)) out[k] = v;
    res.writeHead(ures.statusCode ?? 502, out);
    ures.pipe(res);
  });
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  });
  req.pipe(up);
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${server.address().port}/mcp\n`));
const stop = () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop();
}, 1000).unref();
