/**
 * The one strict config schema. Unknown keys are errors everywhere (z.strictObject), defaults live here
 * and nowhere else, and the committed JSON Schema (schema/portcullis.schema.json) is generated from it.
 */
import { z } from 'zod';
import { FINGERPRINT_FORMS, parseFingerprint } from '../upstream/admission/tls.js';
import { NPM_EXACT_SPEC } from '../upstream/admission/npm-spec.js';
import { literalAddressRefusal } from '../upstream/admission/address.js';
import { ContentSchema, checkContentRefs } from '../stages/content/schema.js';

const upstreamName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'upstream names are 1-32 characters of a-z, 0-9 and "-", starting with a letter');

const durationMs = z.number().int().min(1).max(24 * 3600 * 1000);

const labelName = z.string().regex(/^[a-z][a-z0-9_.:-]{0,63}$/, 'labels are 1-64 characters of a-z, 0-9, "_", ".", ":" and "-", starting with a letter');

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
  package: z
    .strictObject({
      npm: z
        .string()
        .regex(NPM_EXACT_SPEC, 'an exact npm package version such as "@scope/name@1.2.3" (no ranges, no tags such as latest)')
        .describe('The package the command runs, at an exact version: name@1.2.3.'),
      integrity: z
        .string()
        .regex(/^sha512-[A-Za-z0-9+/]{86}==$/, 'the npm integrity of the tarball: "sha512-" and 88 base64 characters (as in package-lock.json)')
        .describe('SRI hash of the published tarball, as package-lock.json records it.'),
      root: z.string().min(1).optional().describe('The directory whose node_modules holds the package. Default: cwd, else the gateway\'s working directory.'),
      cache: z.string().min(1).optional().describe('The npm cache holding the tarball. Default: $npm_config_cache, else ~/.npm.'),
    })
    .optional()
    .describe('Before each start, the installed copy is compared file by file with the tarball of this integrity from the npm cache; any difference refuses to start this upstream.'),
  binary: z
    .strictObject({
      path: z.string().min(1).describe('The file the command runs (the executable, or the script given to an interpreter).'),
      sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, '64 hex digits').describe('Its SHA-256 (sha256sum FILE).'),
    })
    .optional()
    .describe('Before each start the file is hashed; a different hash refuses to start this upstream.'),
});

export const HttpUpstreamSchema = z.strictObject({
  url: z.url(),
  headers: z.record(z.string().min(1), z.string()).default({}).describe('Extra headers sent upstream (for example its own credential).'),
  allowLoopbackHttp: z.boolean().default(false).describe('Permit plain http:// to a loopback address; otherwise https is required. Implies allowLoopback.'),
  allowLoopback: z.boolean().default(false).describe('Permit connections to loopback addresses (127.0.0.0/8, ::1). Checked on every address the host resolves to.'),
  allowPrivateNetwork: z
    .boolean()
    .default(false)
    .describe('Permit private (RFC 1918), unique-local (fc00::/7), CGNAT (100.64.0.0/10) and link-local addresses. Cloud metadata addresses stay refused.'),
  maxRedirects: z
    .number()
    .int()
    .min(0)
    .max(5)
    .default(0)
    .describe('Redirects followed per request (307/308 only), each hop re-checked like the URL; credentials never follow to another origin. 0 refuses them.'),
  tlsFingerprint: z
    .string()
    .refine((v) => parseFingerprint(v) !== undefined, `a SHA-256 certificate fingerprint: ${FINGERPRINT_FORMS}`)
    .optional()
    .describe('Pin the upstream\'s leaf certificate by its SHA-256, in addition to chain and host-name validation.'),
  caFile: z.string().min(1).optional().describe('PEM file of the CAs trusted for this upstream, in place of the system store (an internal CA, a self-signed server).'),
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
    pins: z.enum(['tofu', 'approve', 'off']).optional().describe('Tool pinning for this upstream; default: pins.mode.'),
    connectTimeoutMs: durationMs.default(20_000),
    restart: RestartSchema.prefault({}),
    labels: z.array(labelName).default([]).describe('Labels of everything this upstream offers (for example secret, external-egress); flow rules match them.'),
    concurrency: z
      .strictObject({
        max: z.number().int().min(1).max(100_000).describe('Calls forwarded to this upstream at once, per gateway replica.'),
        queueMs: z.number().int().min(0).max(600_000).default(5000).describe('How long a call waits for a free slot before it is refused with rate_limited.'),
      })
      .optional()
      .describe('Protects a slow server: calls beyond max wait in line, then are refused. Counted per replica.'),
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
  approval: z
    .strictObject({
      timeoutMs: durationMs.default(300_000).describe('How long the call is held; no decision by then denies it.'),
      userConsent: z.boolean().default(false).describe('Where the agent supports elicitation, the user may consent instead of an approver.'),
      approvers: z.array(z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/)).default([]).describe('Roles allowed to decide (besides the admin token); empty: any approver.'),
    })
    .optional()
    .describe('Hold calls this grant allows until a person approves them (see approvals).'),
});

/** Which calls a flow rule (or its requiresBefore) is about: every field given must match. */
export const CallSelectorSchema = z.strictObject({
  upstream: upstreamName.optional(),
  tools: z.array(z.string().min(1).max(256)).min(1).optional().describe('Tool-name patterns in the upstream\'s own names ("*" matches any run).'),
  labels: z.array(labelName).min(1).optional().describe('The tool carries at least one of these labels.'),
});

export const LabelRuleSchema = z.strictObject({
  upstream: upstreamName,
  tools: patternList,
  prompts: patternList,
  resources: patternList.describe('Resource URI patterns in the upstream\'s own URIs.'),
  labels: z.array(labelName).min(1),
});

const flowRuleName = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'flow rule names are 1-64 characters of A-Z a-z 0-9 _ . : -');

export const FlowRuleSchema = z
  .strictObject({
    name: flowRuleName.describe('Named in denials and audit records.'),
    deny: CallSelectorSchema.optional().describe('The calls this rule refuses when its conditions hold.'),
    approve: CallSelectorSchema.optional().describe('The calls this rule sends to a person for approval when its conditions hold.'),
    after: z.array(labelName).min(1).optional().describe('The session has read something carrying any of these labels.'),
    afterAll: z.array(labelName).min(1).optional().describe('The session has read something carrying each of these labels (the lethal trifecta: [untrusted-content] with after: [secret, pii]).'),
    maxCalls: z.number().int().min(0).max(1_000_000).optional().describe('The session already made this many of the selected calls.'),
    maxDistinctTargets: z
      .strictObject({
        arg: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'a dotted argument path such as "to" or "message.to"'),
        max: z.number().int().min(1).max(10_000),
      })
      .optional()
      .describe('The selected calls would reach more than max distinct values of this argument in the session.'),
    requiresBefore: CallSelectorSchema.optional().describe('No earlier call in the session matched this (tool B only after tool A).'),
  })
  .superRefine((r, ctx) => {
    if ((r.deny ? 1 : 0) + (r.approve ? 1 : 0) !== 1) ctx.addIssue({ code: 'custom', message: 'a flow rule needs exactly one of "deny" or "approve"' });
    if (r.after === undefined && r.afterAll === undefined && r.maxCalls === undefined && r.maxDistinctTargets === undefined && r.requiresBefore === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a flow rule needs a condition: after, afterAll, maxCalls, maxDistinctTargets or requiresBefore (use the allow-list to refuse a tool outright)' });
    }
  });

export const RateLimitSchema = z.strictObject({
  name: flowRuleName.describe('Named in refusals and audit records.'),
  per: z.enum(['principal', 'tool', 'upstream', 'global']).describe('One bucket per caller, per tool, per upstream, or one for everyone.'),
  rate: z.number().positive().max(1_000_000).describe('Tokens added per interval.'),
  intervalMs: durationMs.default(1000),
  burst: z.number().int().min(1).max(1_000_000).optional().describe('Bucket capacity; defaults to rate (rounded up).'),
  upstream: upstreamName.optional().describe('Only calls to this upstream.'),
  tools: z.array(z.string().min(1).max(256)).min(1).optional().describe('Only these tools (patterns in the upstream\'s own names).'),
});

export const BudgetsSchema = z.strictObject({
  maxCalls: z.number().int().min(0).max(100_000_000).optional().describe('Tool calls per session.'),
  maxWriteCalls: z.number().int().min(0).max(100_000_000).optional().describe('Calls of write- or admin-tier tools (policy.toolTiers) per session.'),
  maxBytes: z.number().int().min(0).max(1e15).optional().describe('Bytes of results returned per session; a call that starts under the budget completes.'),
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
  labels: z.array(LabelRuleSchema).default([]).describe('Labels of tools, prompts and resources by name pattern, added to their upstream\'s labels.'),
  flow: z.array(FlowRuleSchema).default([]).describe('Rules over a session\'s history: what it has read (labels) and called. Every matching rule applies; deny wins over approve.'),
  rateLimits: z.array(RateLimitSchema).default([]).describe('Token buckets. A call must find a token in every bucket that applies, or none is spent.'),
  budgets: BudgetsSchema.optional().describe('Per-session totals; a call past one is refused with budget_exceeded.'),
});

export const AuditCheckpointSchema = z.strictObject({
  key: z.string().min(1).optional().describe('Ed25519 private key that signs checkpoints and cuts: PEM, base64, or a file path.'),
  every: z.number().int().min(0).max(1_000_000).default(1000).describe('Sign after this many records (0: by time only).'),
  intervalMs: durationMs.default(10_000).describe('Also sign an unsigned tail this often.'),
  publicKey: z.string().min(1).optional().describe('For `audit verify` on hosts without the private key.'),
  previousPublicKeys: z.array(z.string().min(1)).default([]).describe('Rotated-out keys verify still accepts.'),
});

export const AuditSchema = z.strictObject({
  sink: z
    .enum(['sqlite', 'jsonl', 'postgres', 'log', 'file', 'memory', 'none'])
    .default('log')
    .describe('sqlite, jsonl and postgres keep the tamper-evident trail; file writes plain JSON lines; log writes to stderr.'),
  path: z.string().min(1).optional(),
  postgres: z
    .strictObject({
      url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL').optional().describe('Default: storage.postgres.url.'),
      schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).optional().describe('Default: storage.postgres.schema, else "portcullis".'),
      chain: z
        .string()
        .regex(/^[A-Za-z0-9_.:-]{1,64}$/, "1-64 letters, digits, '_', '.', ':' or '-'")
        .optional()
        .describe("This replica's chain: one writer each, stable across restarts (default: the host name)."),
    })
    .optional()
    .describe('The postgres sink: every replica writes its own hash chain into the same tables.'),
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

export const PinsSchema = z.strictObject({
  mode: z
    .enum(['tofu', 'approve', 'off'])
    .default('tofu')
    .describe('tofu: a definition seen first is trusted (unless the scan objects); approve: every new or changed definition waits for `portcullis pins approve`; off: no pinning.'),
  scan: z.boolean().default(true).describe('Scan new definitions for poisoning; flagged ones are blocked or wait for approval whatever the mode.'),
  threshold: z.number().gt(0).max(1).optional().describe('Poisoning score at which a definition is flagged (default 0.5).'),
  pollMs: z.number().int().min(100).max(60_000).default(1000).describe('How often a replica looks for decisions made elsewhere (another replica, the CLI).'),
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

export const ApprovalsSchema = z.strictObject({
  webhook: z
    .strictObject({
      url: z.url().describe('Receives a signed JSON payload for every approval request and outcome.'),
      secret: z.string().min(16).describe('HMAC-SHA256 key for the x-portcullis-signature header, normally ${secret:…}.'),
      timeoutMs: durationMs.default(5000),
    })
    .optional(),
  adminToken: z.string().min(32).optional().describe('Bearer token for the admin approvals API (normally ${secret:…}); identity tokens with approverRole also work.'),
  approverRole: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/).default('approver').describe('Role a token needs to decide approvals on the admin API.'),
  defaultTimeoutMs: durationMs.default(300_000).describe('Hold time for approvals a flow rule asks for.'),
  pollMs: z.number().int().min(50).max(60_000).default(1000).describe('How often a held call checks the store for a decision made elsewhere (another replica, the CLI).'),
  progressMs: z.number().int().min(100).max(60_000).default(5000).describe('Interval of progress notifications to an agent that sent a progressToken.'),
});

export const LogSchema = z.strictObject({
  level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

const otlpUrl = z.url({ protocol: /^https?$/ });
const otlpHeaders = z.record(z.string().min(1), z.string()).default({}).describe('Sent with every export, for example the collector\'s API key (${secret:…} references work).');

export const TelemetrySchema = z.strictObject({
  tracing: z
    .strictObject({
      enabled: z.boolean().default(false).describe('A span per message (stages and upstream call as children), after the OpenTelemetry conventions for MCP.'),
      endpoint: otlpUrl.default('http://127.0.0.1:4318/v1/traces').describe('OTLP/HTTP (JSON) traces endpoint of your collector.'),
      headers: otlpHeaders,
      serviceName: z.string().min(1).max(128).default('portcullis'),
      sampleRatio: z.number().min(0).max(1).default(1).describe('Share of requests traced, decided by trace id. An agent\'s sampled flag neither forces nor suppresses it.'),
    })
    .prefault({}),
  logs: z
    .strictObject({
      endpoint: otlpUrl.describe('OTLP/HTTP (JSON) logs endpoint, for example http://127.0.0.1:4318/v1/logs.'),
      headers: otlpHeaders,
    })
    .optional()
    .describe('Also export every audit record as an OpenTelemetry log record. The audit sink stays the record of truth.'),
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
    pins: PinsSchema.prefault({}).describe('Tool-definition pinning: a changed tool is hidden and refused until approved.'),
    storage: StorageSchema.prefault({}).describe('The storage port: where state every replica must share is kept.'),
    approvals: ApprovalsSchema.prefault({}).describe('Human approval of calls a grant or flow rule holds: notification, admin API, timing.'),
    content: ContentSchema.prefault({}).describe('Content safety: what results may carry to the agent (schema, hidden text, secrets, PII, injection, size) and what arguments may carry out.'),
    log: LogSchema.prefault({}),
    telemetry: TelemetrySchema.prefault({}).describe('OpenTelemetry: traces and (optionally) audit records as logs, over OTLP/HTTP.'),
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
  out.push(...checkContentRefs(root.content, names));
  checkRules(policy.labels, 'policy.labels');
  checkRules(policy.rateLimits, 'policy.rateLimits');
  const ruleNames = new Set<string>();
  (Array.isArray(policy.flow) ? policy.flow : []).forEach((rule, i) => {
    const r = obj(rule);
    if (typeof r.name === 'string') {
      if (ruleNames.has(r.name)) out.push({ path: `policy.flow.${i}.name`, message: `another flow rule is named "${r.name}"` });
      ruleNames.add(r.name);
    }
    for (const key of ['deny', 'approve', 'requiresBefore']) {
      const u = obj(r[key]).upstream;
      if (typeof u === 'string' && !names.has(u)) out.push({ path: `policy.flow.${i}.${key}.upstream`, message: `no upstream named "${u}"` });
    }
  });
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
      if (url?.protocol === 'https:') {
        // Literal addresses (in any notation) are judged now; names are judged on what they resolve to, at connect.
        const allow = { loopback: http.allowLoopback === true || http.allowLoopbackHttp === true, privateNetwork: http.allowPrivateNetwork === true };
        const refused = literalAddressRefusal(url.hostname, allow);
        if (refused) out.push({ path: `upstreams.${name}.http.url`, message: refused });
      }
    }
    const te = obj(obj(obj(u).http).auth).tokenExchange;
    const share = obj(u).share ?? 'shared';
    if (te !== undefined && share === 'shared') {
      out.push({ path: `upstreams.${name}.share`, message: 'token exchange gives each caller its own upstream identity: use share: per-principal or per-session' });
    }
  }
  const audit = obj(root.audit);
  const chained = audit.sink === 'sqlite' || audit.sink === 'jsonl' || audit.sink === 'postgres';
  if ((audit.sink === 'file' || audit.sink === 'sqlite' || audit.sink === 'jsonl') && audit.path === undefined) out.push({ path: 'audit.path', message: `the ${String(audit.sink)} sink needs a path` });
  if (audit.sink === 'postgres' && obj(audit.postgres).url === undefined && obj(obj(root.storage).postgres).url === undefined) {
    out.push({ path: 'audit.postgres.url', message: 'the postgres sink needs a URL here or in storage.postgres.url' });
  }
  if (chained && audit.checkpoint !== false && obj(audit.checkpoint).key === undefined) {
    out.push({ path: 'audit.checkpoint.key', message: 'required when checkpoints are on: create one with `portcullis audit keygen --out FILE`, or set audit.checkpoint: false for an unsigned chain' });
  }
  if (audit.retention !== undefined && !(chained && audit.checkpoint !== false)) {
    out.push({ path: 'audit.retention', message: 'retention drops records only through a signed cut: it needs the sqlite, jsonl or postgres sink with checkpoints on' });
  }
  return out;
}

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type UpstreamConfig = z.output<typeof UpstreamSchema>;
export type AllowRule = z.output<typeof AllowRuleSchema>;
export type StorageConfig = z.output<typeof StorageSchema>;
export type ApprovalsConfig = z.output<typeof ApprovalsSchema>;
export type FlowRule = z.output<typeof FlowRuleSchema>;
export type CallSelector = z.output<typeof CallSelectorSchema>;
export type RateLimit = z.output<typeof RateLimitSchema>;

export function configJsonSchema(): unknown {
  return z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' });
}
