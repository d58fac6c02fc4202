#!/usr/bin/env node
// Collects the real `tools/list` (plus prompts/list and resources/templates/list) of MCP servers over
// stdio and saves them as benign evaluation data. Run it from a scratch directory where the servers are
// installed (never inside the repo), e.g.:
//   cd /tmp/evalsrv && npm i <packages from manifest.json> && node /path/to/eval/poisoning/collect.mjs
// Each server gets a throwaway HOME so nothing writes into the real one. Only stdio, no network needed.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const manifest = JSON.parse(readFileSync(join(here, 'benign', 'manifest.json'), 'utf8'));
const only = process.argv.slice(2);

function rpcSession(command, args, env) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let buf = '';
  const waiters = new Map();
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      let msg;
      try { msg = JSON.parse(line); } catch { continue; }
      if (msg.id !== undefined && waiters.has(msg.id)) { waiters.get(msg.id)(msg); waiters.delete(msg.id); }
      else if (msg.method && msg.id !== undefined) {
        // server→client request (roots/list etc.): answer minimally
        child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: msg.method === 'roots/list' ? { roots: [] } : {} }) + '\n');
      }
    }
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  let nextId = 1;
  const request = (method, params, ms = 20000) => new Promise((resolve, reject) => {
    const id = nextId++;
    const t = setTimeout(() => { waiters.delete(id); reject(new Error(`timeout ${method}; stderr: ${stderr.slice(-400)}`)); }, ms);
    waiters.set(id, (m) => { clearTimeout(t); resolve(m); });
    child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
  });
  const notify = (method, params) => child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method, params }) + '\n');
  return { child, request, notify, stderr: () => stderr };
}

async function listAll(s, method, key) {
  const out = [];
  let cursor;
  for (let page = 0; page < 50; page++) {
    const r = await s.request(method, cursor ? { cursor } : {});
    if (r.error) return page === 0 ? undefined : out;
    out.push(...(r.result?.[key] ?? []));
    cursor = r.result?.nextCursor;
    if (!cursor) break;
  }
  return out;
}

for (const srv of manifest.servers) {
  if (only.length && !only.includes(srv.id)) continue;
  const home = mkdtempSync(join(tmpdir(), 'evalhome-'));
  const s = rpcSession(srv.command, srv.args, { HOME: home, ...(srv.env ?? {}) });
  try {
    const init = await s.request('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'portcullis-eval', version: '0' } }, 60000);
    if (init.error) throw new Error(JSON.stringify(init.error));
    s.notify('notifications/initialized', {});
    const caps = init.result.capabilities ?? {};
    const tools = await listAll(s, 'tools/list', 'tools');
    const prompts = caps.prompts ? await listAll(s, 'prompts/list', 'prompts') : undefined;
    const resourceTemplates = caps.resources ? await listAll(s, 'resources/templates/list', 'resourceTemplates') : undefined;
    const doc = { server: srv.id, package: srv.package, serverInfo: init.result.serverInfo, tools: tools ?? [] };
    if (prompts) doc.prompts = prompts;
    if (resourceTemplates) doc.resourceTemplates = resourceTemplates;
    writeFileSync(join(here, 'benign', `${srv.id}.json`), JSON.stringify(doc, null, 2) + '\n');
    console.log(`${srv.id}: ${doc.tools.length} tools, ${prompts?.length ?? 0} prompts, ${resourceTemplates?.length ?? 0} templates`);
  } catch (e) {
    console.log(`${srv.id}: FAILED ${e.message}`);
  } finally {
    s.child.kill('SIGTERM');
  }
}
process.exit(0);
