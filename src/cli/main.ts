#!/usr/bin/env node
/** `portcullis <command>`: one file per command; this one only dispatches. */
import { runServe } from './serve.js';
import { runStdio } from './stdio.js';
import { runValidate } from './validate.js';
import { runSchema } from './schema.js';
import { runToken } from './token.js';
import { runKeys } from './keys.js';
import { runPolicy } from './policy.js';
import { runAudit } from './audit.js';
import { runScan } from './scan.js';
import { runWrap, runUnwrap } from './wrap.js';
import { runApprovals } from './approvals.js';
import { runPins } from './pins.js';
import { runQuarantine } from './quarantine.js';

const USAGE = `portcullis — an MCP security gateway

usage:
  portcullis serve --config FILE [--port N] [--host H]   serve Streamable HTTP on /mcp
  portcullis stdio --config FILE                         serve one agent over stdio
  portcullis validate FILE                               check a config; every error as path: message
  portcullis schema                                      print the config's JSON Schema
  portcullis token mint --config FILE --sub NAME --roles a,b [--scope "…"] [--ttl 15m]
  portcullis keys create|list|revoke --config FILE …     API keys (only hashes stored)
  portcullis policy check --config FILE --sub NAME --roles a,b --tool server__tool --args JSON
  portcullis audit verify|search|export|keygen --config FILE …   the tamper-evident audit trail
  portcullis approvals list|show|approve|deny --config FILE [ID] [--reason …] [--as NAME] [--session-wide]
  portcullis scan tools FILE.json [--json | --sarif]    scan tool definitions for poisoning (exit 1 if flagged)
  portcullis scan clients|server …; portcullis wrap|unwrap --path FILE …   find shadow MCP servers; move a client's servers behind the gateway
  portcullis pins list|diff|approve|reject --config FILE [--upstream U] [--tool T]   review changed tool definitions
  portcullis quarantine list|show|release|discard --config FILE [ID] [--as NAME]   results held as possible prompt injections
`;

const commands: Record<string, (args: string[]) => Promise<number>> = {
  serve: runServe,
  stdio: runStdio,
  validate: runValidate,
  schema: runSchema,
  token: runToken,
  keys: runKeys,
  policy: runPolicy,
  audit: (args) => runAudit(args),
  scan: runScan,
  wrap: runWrap,
  unwrap: runUnwrap,
  approvals: runApprovals,
  pins: runPins,
  quarantine: runQuarantine,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  const run = commands[command];
  if (!run) {
    process.stderr.write(`portcullis: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`portcullis: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
