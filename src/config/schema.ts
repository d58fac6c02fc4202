/**
 * The one strict config schema. Unknown keys are errors everywhere (z.strictObject), defaults live here
 * and nowhere else, and the committed JSON Schema (schema/portcullis.schema.json) is generated from it.
 */
import { z } from 'zod';

const upstreamName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'upstream names are 1-32 characters of a-z, 0-9 and "-", starting with a letter');

const durationMs = z.number().int().min(1).max(24 * 3600 * 1000);

export const ListenSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1').describe('Address to bind. Loopback unless you mean to expose the gateway.'),
  port: z.number().int().min(0).max(65535).default(8800).describe('TCP port; 0 picks a free port.'),
  path: z.string().regex(/^\/[A-Za-z0-9/_-]*$/).default('/mcp'),
  allowedHosts: z
    .array(z.string().min(1))
    .optional()
    .describe('Host header values accepted (DNS-rebinding protection). Default: the loopback names when bound to loopback, else the bind host.'),
  allowedOrigins: z
    .array(z.string().min(1))
    .default([])
    .describe('Origin header values accepted from browsers. Requests without Origin are allowed; any other Origin gets 403.'),
  maxBodyBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
  sessionIdleTimeoutMs: durationMs.default(30 * 60 * 1000),
  maxSessions: z.number().int().min(1).max(1_000_000).default(10_000),
});

const envMap = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'invalid environment variable name'), z.string());

export const StdioUpstreamSchema = z.strictObject({
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: envMap.default({}).describe('The child environment: only these plus a minimal safe set (PATH, HOME, LANG, TZ, ...).'),
  cwd: z.string().min(1).optional(),
});

export const HttpUpstreamSchema = z.strictObject({
  url: z.url(),
  headers: z.record(z.string().min(1), z.string()).default({}).describe('Extra headers sent upstream (for example its own credential).'),
  allowLoopbackHttp: z.boolean().default(false).describe('Permit plain http:// to a loopback address; otherwise https is required.'),
});

export const RestartSchema = z.strictObject({
  initialDelayMs: durationMs.default(250),
  maxDelayMs: durationMs.default(30_000),
  maxAttempts: z.number().int().min(0).max(1_000_000).default(1_000_000),
});

export const UpstreamSchema = z
  .strictObject({
    description: z.string().max(500).optional(),
    stdio: StdioUpstreamSchema.optional(),
    http: HttpUpstreamSchema.optional(),
    era: z
      .enum(['auto', 'legacy', 'modern'])
      .default('auto')
      .describe('auto probes server/discover (2026-07-28) and falls back to initialize (legacy).'),
    share: z
      .enum(['shared', 'per-principal', 'per-session'])
      .default('shared')
      .describe('One connection for every caller, one per principal, or one per agent session.'),
    timeoutMs: durationMs.default(60_000).describe('Per-call time limit.'),
    connectTimeoutMs: durationMs.default(20_000),
    restart: RestartSchema.prefault({}),
  })
  .superRefine((u, ctx) => {
    if ((u.stdio ? 1 : 0) + (u.http ? 1 : 0) !== 1) {
      ctx.addIssue({ code: 'custom', message: 'an upstream needs exactly one of "stdio" or "http"' });
    }
  });

export const RoutingSchema = z.strictObject({
  separator: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,4}$/, 'the separator must be 1-4 characters allowed in tool names')
    .default('__'),
  passthrough: upstreamName.optional().describe('Expose this single upstream without renaming its tools, prompts and resources.'),
  pageSize: z.number().int().min(1).max(10_000).default(500).describe('Items per page of the lists the gateway serves.'),
});

const patternList = z.array(z.string().min(1).max(256)).default([]);

export const AllowRuleSchema = z.strictObject({
  upstream: upstreamName,
  tools: patternList.describe('Tool-name patterns ("*" matches any run of characters) in the upstream\'s own names.'),
  prompts: patternList,
  resources: patternList.describe('Resource URI patterns in the upstream\'s own URIs.'),
});

export const PolicySchema = z.strictObject({
  allow: z.array(AllowRuleSchema).default([]).describe('The allow-list: anything not listed is neither listed nor callable.'),
});

export const AuditSchema = z.strictObject({
  sink: z.enum(['log', 'file', 'memory', 'none']).default('log'),
  path: z.string().min(1).optional(),
});

export const LogSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    listen: ListenSchema.prefault({}),
    upstreams: z.record(upstreamName, UpstreamSchema).default({}),
    routing: RoutingSchema.prefault({}),
    policy: PolicySchema.prefault({}),
    audit: AuditSchema.prefault({}),
    log: LogSchema.prefault({}),
  });

/**
 * Checks that span sections. They run on the raw input even when the shape has errors, so `validate`
 * reports every problem at once rather than one layer at a time.
 */
export function crossCheck(raw: unknown): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const root = obj(raw);
  const upstreams = obj(root.upstreams);
  const routing = obj(root.routing);
  const names = new Set(Object.keys(upstreams));
  const separator = typeof routing.separator === 'string' ? routing.separator : '__';
  for (const name of names) {
    if (!upstreamName.safeParse(name).success) {
      out.push({ path: `upstreams.${name}`, message: 'upstream names are 1-32 characters of a-z, 0-9 and "-", starting with a letter' });
    } else if (name.includes(separator)) {
      out.push({ path: `upstreams.${name}`, message: `upstream name contains the separator "${separator}"` });
    }
  }
  if (typeof routing.passthrough === 'string') {
    if (!names.has(routing.passthrough)) out.push({ path: 'routing.passthrough', message: `no upstream named "${routing.passthrough}"` });
    else if (names.size > 1) out.push({ path: 'routing.passthrough', message: 'passthrough exposes one upstream: configure exactly one' });
  }
  const allow = obj(root.policy).allow;
  if (Array.isArray(allow)) {
    allow.forEach((rule, i) => {
      const u = obj(rule).upstream;
      if (typeof u === 'string' && !names.has(u)) out.push({ path: `policy.allow.${i}.upstream`, message: `no upstream named "${u}"` });
    });
  }
  const audit = obj(root.audit);
  if (audit.sink === 'file' && audit.path === undefined) out.push({ path: 'audit.path', message: 'the file sink needs a path' });
  return out;
}

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type UpstreamConfig = z.output<typeof UpstreamSchema>;
export type AllowRule = z.output<typeof AllowRuleSchema>;

export function configJsonSchema(): unknown {
  return z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' });
}
