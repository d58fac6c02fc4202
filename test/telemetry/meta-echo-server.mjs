#!/usr/bin/env node
// Upstream MCP fixture for the tracing tests: a 2025-11-25 stdio server (SDK v1) with one tool, `meta`,
// returning the `_meta` object of the very tools/call request that invoked it, as JSON text. It shows
// what trace context (SEP-414 `_meta.traceparent`) the gateway hands to an upstream over stdio.
// stdout carries protocol messages only; the process exits when stdin closes.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

const server = new McpServer({ name: 'meta-echo-server', version: '1.0.0' });
server.registerTool('meta', { description: 'Return the _meta of this call as JSON text.' }, async (extra) => ({
  content: [{ type: 'text', text: JSON.stringify(extra._meta ?? {}) }],
}));
process.stdin.on('end', () => process.exit(0));
await server.connect(new StdioServerTransport());
