#!/usr/bin/env node
/** `portcullis <command>`: one file per command; this one only dispatches. */
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

// Each command is imported when it runs: a CLI call loads only its own command's code (start-up of
// `pins approve` or `approvals list` does not pay for the gateway, the detectors or the SDKs).
type Command = (args: string[]) => Promise<number>;
const commands: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.js')).runServe,
  stdio: async () => (await import('./stdio.js')).runStdio,
  validate: async () => (await import('./validate.js')).runValidate,
  schema: async () => (await import('./schema.js')).runSchema,
  token: async () => (await import('./token.js')).runToken,
  keys: async () => (await import('./keys.js')).runKeys,
  policy: async () => (await import('./policy.js')).runPolicy,
  audit: async () => (await import('./audit.js')).runAudit,
  scan: async () => (await import('./scan.js')).runScan,
  wrap: async () => (await import('./wrap.js')).runWrap,
  unwrap: async () => (await import('./wrap.js')).runUnwrap,
  approvals: async () => (await import('./approvals.js')).runApprovals,
  pins: async () => (await import('./pins.js')).runPins,
  quarantine: async () => (await import('./quarantine.js')).runQuarantine,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  const load = commands[command];
  if (!load) {
    process.stderr.write(`portcullis: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  return (await load())(rest);
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
