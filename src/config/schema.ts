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
  sessionMaxAgeMs: durationMs.default(12 * 3600 * 1000).describe('Absolute session lifetime, however active.'),
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
  auth: z
    .strictObject({
      clientCredentials: z
        .strictObject({
          tokenUrl: z.url(),
          clientId: z.string().min(1),
          clientSecret: z.string().min(1),
          scope: z.string().min(1).optional(),
          resource: z.string().min(1).optional().describe('RFC 8707 resource indicator; defaults to the upstream URL.'),
          timeoutMs: durationMs.default(5000),
        })
        .optional()
        .describe('The gateway\'s own OAuth client credentials for this upstream, refreshed before expiry.'),
      tokenExchange: z
        .strictObject({
          tokenUrl: z.url(),
          clientId: z.string().min(1),
          clientSecret: z.string().min(1),
          audience: z.string().min(1).optional().describe('Audience of the exchanged token; defaults to the upstream URL.'),
          scope: z.string().min(1).optional().describe('Narrower scope to ask for.'),
          timeoutMs: durationMs.default(5000),
        })
        .optional()
        .describe('RFC 8693: exchange the agent\'s token at the authorization server for one of this upstream\'s audience (needs share: per-principal or per-session).'),
    })
    .optional(),
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
  when: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe('A CEL condition over args, principal {sub, roles, scopes, tenant, client}, tool {name, annotations} and upstream; compiled at load.'),
  limits: z
    .strictObject({ maxItems: z.number().int().min(0).max(1_000_000).optional().describe('Cap on the content items a result may return.') })
    .optional(),
});

const roleName = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'role names are 1-64 characters of A-Z a-z 0-9 _ . : -');

export const PolicySchema = z.strictObject({
  allow: z.array(AllowRuleSchema).default([]).describe('Grants for every caller. Anything no rule grants is neither listed nor callable.'),
  roles: z.record(roleName, z.array(AllowRuleSchema)).default({}).describe('Grants per role (roles come from the token, the API key or identity.stdio).'),
  tiers: z
    .strictObject({ read: z.string().min(1).optional(), write: z.string().min(1).optional(), admin: z.string().min(1).optional() })
    .default({})
    .describe('OAuth scope required for each tier; a token without it gets 403 insufficient_scope (step-up).'),
  toolTiers: z
    .array(z.strictObject({ upstream: upstreamName, tools: z.array(z.string().min(1)).min(1), tier: z.enum(['read', 'write', 'admin']) }))
    .default([])
    .describe('Which tools belong to which tier. Annotations such as readOnlyHint are hints, never a tier.'),
  defaultTier: z.enum(['read', 'write', 'admin']).default('write').describe('Tier of tools no toolTiers entry names.'),
});

export const AuditCheckpointSchema = z.strictObject({
  key: z.string().min(1).optional().describe('Ed25519 private key that signs checkpoints and cuts: PEM, base64, or a file path.'),
  every: z.number().int().min(0).max(1_000_000).default(1000).describe('Sign after this many records (0: by time only).'),
  intervalMs: durationMs.default(10_000).describe('Also sign an unsigned tail this often.'),
  publicKey: z.string().min(1).optional().describe('For `audit verify` on hosts without the private key.'),
  previousPublicKeys: z.array(z.string().min(1)).default([]).describe('Rotated-out keys verify still accepts.'),
});

export const AuditSchema = z.strictObject({
  sink: z.enum(['sqlite', 'jsonl', 'log', 'file', 'memory', 'none']).default('log').describe('sqlite and jsonl keep the tamper-evident trail; file writes plain JSON lines; log writes to stderr.'),
  path: z.string().min(1).optional(),
  mode: z
    .enum(['sync', 'async'])
    .default('sync')
    .describe("sync: a call's record is durable before its response leaves, or the call is refused. async: bounded queue; lost records are counted and logged."),
  fsync: z.boolean().optional().describe('Default: true in sync mode (survives power loss), false in async (survives a process crash).'),
  queue: z
    .strictObject({
      max: z.number().int().min(1).max(1_000_000).default(10_000),
      batch: z.number().int().min(1).max(100_000).default(1024),
      flushMs: z.number().int().min(1).max(60_000).default(10),
    })
    .prefault({}),
  checkpoint: z.union([z.literal(false), AuditCheckpointSchema]).prefault({}).describe('false keeps an unsigned chain, spelled out.'),
  retention: z
    .strictObject({
      maxRecords: z.number().int().min(1).optional(),
      maxAgeDays: z.number().int().min(1).max(36_500).optional(),
      checkEveryMs: durationMs.default(3_600_000),
    })
    .optional(),
});

export const IdentitySchema = z.strictObject({
  resource: z.url().describe('The canonical URI of this gateway (RFC 8707): the audience every accepted token must carry.'),
  rolesClaim: z.string().min(1).default('roles').describe('Claim holding the roles (a dotted path such as realm_access.roles).'),
  tenantClaim: z.string().min(1).default('tenant'),
  scopesSupported: z.array(z.string().min(1)).default([]),
  cacheMaxSec: z.number().int().min(1).max(86_400).default(300).describe('A verified token is cached until it expires, at most this long.'),
  oauth: z
    .strictObject({
      issuer: z.string().min(1),
      jwksUri: z.url(),
      algorithms: z.array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])).min(1).default(['RS256', 'PS256', 'ES256', 'EdDSA']),
      clockToleranceSec: z.number().int().min(0).max(300).default(30),
      jwksTimeoutMs: durationMs.default(5000),
      introspection: z
        .strictObject({ url: z.url(), clientId: z.string().min(1), clientSecret: z.string().min(1), timeoutMs: durationMs.default(5000) })
        .optional()
        .describe('RFC 7662 introspection for opaque tokens.'),
    })
    .optional(),
  apiKeys: z.strictObject({ file: z.string().min(1).describe('JSON file of hashed API keys, managed with `portcullis keys`.') }).optional(),
  builtin: z
    .strictObject({
      enabled: z.boolean().default(false),
      issuer: z.string().min(1).default('urn:portcullis:builtin'),
      keyFile: z.string().min(1).default('./.portcullis/issuer.key').describe('Ed25519 private key (PEM), created on first use with mode 0600.'),
      key: z.string().min(1).optional().describe('The private key itself (PEM), for example from ${secret:...}; overrides keyFile.'),
      maxTtlSec: z.number().int().min(60).max(86_400).default(3600),
    })
    .prefault({}),
  stdio: z
    .strictObject({ roles: z.array(z.string().min(1)).default([]), scopes: z.array(z.string().min(1)).default([]) })
    .prefault({})
    .describe('The principal of `portcullis stdio` when no PORTCULLIS_TOKEN is given: the local user with these roles.'),
});

export const SecretsSchema = z.strictObject({
  vault: z
    .strictObject({
      address: z.url(),
      token: z.string().min(1).describe('A Vault token, normally itself a reference such as ${secret:env:VAULT_TOKEN}.'),
      mount: z.string().min(1).default('secret').describe('The KV v2 mount.'),
      namespace: z.string().min(1).optional(),
      timeoutMs: durationMs.default(5000),
    })
    .optional(),
});

export const AdminSchema = z.strictObject({
  enabled: z.boolean().default(true),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(9464).describe('Prometheus /metrics, /healthz and /readyz; 0 picks a free port.'),
});

export const StorageSchema = z.strictObject({
  path: z
    .string()
    .min(1)
    .default('./.portcullis/state.db')
    .describe('Embedded SQLite file for shared state (tool pins, approvals, session history) when no postgres is set; ":memory:" keeps it in memory.'),
  postgres: z
    .strictObject({ url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL'), schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default('portcullis') })
    .optional()
    .describe('PostgreSQL shared by every replica: pins, approvals and session history live here when set.'),
  redis: z
    .strictObject({ url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL'), prefix: z.string().min(1).max(64).default('portcullis:') })
    .optional()
    .describe('Redis shared by every replica: rate-limit counters, budgets and session state, atomic in one round trip.'),
});

export const LogSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const ConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    environment: z.string().regex(/^[A-Za-z0-9_.-]{1,32}$/).default('default').describe('A name for this deployment (prod, staging…), carried into every audit record.'),
    listen: ListenSchema.prefault({}),
    upstreams: z.record(upstreamName, UpstreamSchema).default({}),
    routing: RoutingSchema.prefault({}),
    policy: PolicySchema.prefault({}),
    secrets: SecretsSchema.optional().describe('Where ${secret:vault:…} references are read from.'),
    identity: IdentitySchema.optional().describe('Without this section every caller is anonymous: for local use only.'),
    audit: AuditSchema.prefault({}),
    admin: AdminSchema.prefault({}).describe('The admin listener, separate from /mcp.'),
    storage: StorageSchema.prefault({}).describe('The storage port: where state every replica must share is kept.'),
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
  const checkRules = (rules: unknown, path: string) => {
    if (!Array.isArray(rules)) return;
    rules.forEach((rule, i) => {
      const u = obj(rule).upstream;
      if (typeof u === 'string' && !names.has(u)) out.push({ path: `${path}.${i}.upstream`, message: `no upstream named "${u}"` });
    });
  };
  const policy = obj(root.policy);
  checkRules(policy.allow, 'policy.allow');
  for (const [role, rules] of Object.entries(obj(policy.roles))) checkRules(rules, `policy.roles.${role}`);
  checkRules(policy.toolTiers, 'policy.toolTiers');
  for (const [name, u] of Object.entries(upstreams)) {
    const http = obj(obj(u).http);
    if (typeof http.url === 'string') {
      let url: URL | undefined;
      try {
        url = new URL(http.url);
      } catch {
        url = undefined; // the schema reports the malformed URL
      }
      if (url && url.protocol !== 'https:') {
        const loopback = ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(url.hostname);
        if (url.protocol !== 'http:') out.push({ path: `upstreams.${name}.http.url`, message: 'remote upstreams are reached over https' });
        else if (!loopback || http.allowLoopbackHttp !== true) {
          out.push({ path: `upstreams.${name}.http.url`, message: 'plain http is allowed only to a loopback address with allowLoopbackHttp: true; use https' });
        }
      }
    }
    const te = obj(obj(obj(u).http).auth).tokenExchange;
    const share = obj(u).share ?? 'shared';
    if (te !== undefined && share === 'shared') {
      out.push({ path: `upstreams.${name}.share`, message: 'token exchange gives each caller its own upstream identity: use share: per-principal or per-session' });
    }
  }
  const audit = obj(root.audit);
  const chained = audit.sink === 'sqlite' || audit.sink === 'jsonl';
  if ((audit.sink === 'file' || chained) && audit.path === undefined) out.push({ path: 'audit.path', message: `the ${String(audit.sink)} sink needs a path` });
  if (chained && audit.checkpoint !== false && obj(audit.checkpoint).key === undefined) {
    out.push({ path: 'audit.checkpoint.key', message: 'required when checkpoints are on: create one with `portcullis audit keygen --out FILE`, or set audit.checkpoint: false for an unsigned chain' });
  }
  if (audit.retention !== undefined && !(chained && audit.checkpoint !== false)) {
    out.push({ path: 'audit.retention', message: 'retention drops records only through a signed cut: it needs the sqlite or jsonl sink with checkpoints on' });
  }
  return out;
}

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type UpstreamConfig = z.output<typeof UpstreamSchema>;
export type AllowRule = z.output<typeof AllowRuleSchema>;
export type StorageConfig = z.output<typeof StorageSchema>;

export function configJsonSchema(): unknown {
  return z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' });
}
