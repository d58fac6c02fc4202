#!/usr/bin/env node
// A lean MCP upstream for benchmarks: raw node:http, Streamable HTTP, legacy era (2025-11-25),
// sessionful, JSON responses only (never SSE). No SDK, no framework, no logging per request, so the
// gateway's own cost is not hidden behind a heavy upstream.
//
//   node bench/lean-upstream.mjs [--port N]      (0 = a free port; binds 127.0.0.1 only)
//   → prints "listening on http://127.0.0.1:PORT/mcp" on stdout once ready.
//
// Protocol surface:
//   POST initialize            → result + Mcp-Session-Id header (a new session)
//   POST notifications/*       → 202 (needs a live session)
//   POST ping | tools/list     → JSON result
//   POST tools/call echo       → { content: [{ type: "text", text: "Echo: <message>" }] }
//   POST server/discover       → -32601 (so an `era: auto` client falls back to initialize)
//   GET                        → 405 (no standalone stream; capabilities announce no listChanged)
//   DELETE                     → ends the session
// Errors follow the Streamable HTTP rules: no session header → 400, unknown session → 404.
// Exits on SIGTERM/SIGINT and when its parent process goes away.
import http from 'node:http';
import { randomUUID } from 'node:crypto';

const argv = process.argv.slice(2);
const portArg = argv.indexOf('--port');
const port = portArg >= 0 ? Number(argv[portArg + 1]) : 0;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('usage: lean-upstream.mjs [--port N]\n');
  process.exit(2);
}

const PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];
const MAX_BODY = 4 * 1024 * 1024;
const TOOLS = [
  {
    name: 'echo',
    description: 'Echoes back the input string',
    inputSchema: { type: 'object', properties: { message: { type: 'string', description: 'Message to echo' } }, required: ['message'] },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
];
const sessions = new Map(); // id -> { createdAt }

function send(res, status, body, extraHeaders) {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) };
  if (extraHeaders) Object.assign(headers, extraHeaders);
  res.writeHead(status, headers);
  res.end(text);
}

const ok = (id, result) => ({ jsonrpc: '2.0', id, result });
const fail = (id, code, message) => ({ jsonrpc: '2.0', id, error: { code, message } });

function handle(req, res, text) {
  let msg;
  try {
    msg = JSON.parse(text);
  } catch {
    send(res, 400, fail(null, -32700, 'Parse error'));
    return;
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg) || msg.jsonrpc !== '2.0') {
    send(res, 400, fail(null, -32600, 'Invalid Request'));
    return;
  }
  const isRequest = typeof msg.method === 'string' && msg.id !== undefined && msg.id !== null;
  const isNotification = typeof msg.method === 'string' && msg.id === undefined;
  const sid = req.headers['mcp-session-id'];

  if (isRequest && msg.method === 'initialize') {
    if (sid !== undefined) {
      send(res, 400, fail(msg.id, -32600, 'initialize must not carry a session id'));
      return;
    }
    const requested = msg.params?.protocolVersion;
    const version = PROTOCOL_VERSIONS.includes(requested) ? requested : PROTOCOL_VERSIONS[0];
    const id = randomUUID();
    sessions.set(id, { createdAt: Date.now() });
    send(res, 200, ok(msg.id, { protocolVersion: version, capabilities: { tools: {} }, serverInfo: { name: 'lean-upstream', version: '1.0.0' } }), { 'mcp-session-id': id });
    return;
  }
  if (isRequest && msg.method === 'server/discover') {
    send(res, 200, fail(msg.id, -32601, 'Method not found: server/discover'));
    return;
  }
  if (sid === undefined) {
    send(res, 400, fail(isRequest ? msg.id : null, -32000, 'Bad Request: Mcp-Session-Id header is required'));
    return;
  }
  if (!sessions.has(sid)) {
    send(res, 404, fail(isRequest ? msg.id : null, -32001, 'Session not found'));
    return;
  }
  if (isNotification || !isRequest) {
    // notifications/initialized, notifications/cancelled, or a response: accepted, nothing to do.
    res.writeHead(202).end();
    return;
  }
  switch (msg.method) {
    case 'ping':
      send(res, 200, ok(msg.id, {}));
      return;
    case 'tools/list':
      send(res, 200, ok(msg.id, { tools: TOOLS }));
      return;
    case 'tools/call': {
      const name = msg.params?.name;
      const message = msg.params?.arguments?.message;
      if (name !== 'echo') {
        send(res, 200, fail(msg.id, -32602, `Unknown tool: ${String(name).slice(0, 80)}`));
        return;
      }
      if (typeof message !== 'string') {
        send(res, 200, ok(msg.id, { content: [{ type: 'text', text: 'message must be a string' }], isError: true }));
        return;
      }
      send(res, 200, ok(msg.id, { content: [{ type: 'text', text: `Echo: ${message}` }] }));
      return;
    }
    default:
      send(res, 200, fail(msg.id, -32601, `Method not found: ${msg.method.slice(0, 80)}`));
  }
}

const server = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
  const path = req.url === undefined ? '' : req.url.split('?')[0];
  if (path !== '/mcp') {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  if (req.method === 'GET') {
    res.writeHead(405, { allow: 'POST, DELETE' }).end();
    return;
  }
  if (req.method === 'DELETE') {
    const sid = req.headers['mcp-session-id'];
    if (sid === undefined || !sessions.delete(sid)) {
      send(res, 404, fail(null, -32001, 'Session not found'));
      return;
    }
    res.writeHead(200).end();
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'GET, POST, DELETE' }).end();
    return;
  }
  const chunks = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (c) => {
    if (tooLarge) return;
    size += c.length;
    if (size > MAX_BODY) {
      tooLarge = true;
      send(res, 413, fail(null, -32600, 'Request body too large'), { connection: 'close' });
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (tooLarge) return;
    handle(req, res, chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'));
  });
});

server.on('error', (err) => {
  process.stderr.write(`lean-upstream: ${err.message}\n`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}/mcp\n`);
});

const stop = () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Do not outlive the process that started us (a crashed bench runner must not leak servers).
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop();
}, 1000).unref();
