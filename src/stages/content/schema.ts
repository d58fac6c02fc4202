/**
 * The `content` section of the config: what the content checks do with results (the `content` stage)
 * and with call arguments (the `arguments` stage), as defaults plus per-upstream/tool overrides.
 * Custom patterns are compiled here, at load, so a pattern that is not linear-time is a config error
 * and never reaches the hot path.
 */
import { z } from 'zod';
import { PII_KINDS } from '../../detect/content/pii.js';
import { checkUserPattern } from './user-patterns.js';

const piiKind = z.enum(PII_KINDS as unknown as [string, ...string[]]);
const piiAction = z.enum(['redact', 'mask', 'allow']);

export const INJECTION_ACTIONS = ['off', 'log', 'spotlight', 'quarantine', 'block'] as const;
const injectionAction = z.enum(INJECTION_ACTIONS);

const injection = z.union([
  injectionAction,
  z.strictObject({
    action: injectionAction.optional(),
    threshold: z.number().gt(0).max(1).optional().describe('Score at or above which a text is flagged (default: the model\'s 1%-false-positive threshold, 0.715; 0.9555 flags about 0.1%).'),
  }),
]);

/** The steps that can be set globally and per override (every field optional in an override). */
const steps = {
  outputSchema: z
    .enum(['off', 'warn', 'strict'])
    .describe('structuredContent against the tool\'s outputSchema: strict refuses a missing or invalid structured result, warn passes it and records the finding.'),
  sanitize: z.enum(['off', 'strip', 'visible']).describe('ANSI/terminal escapes, Unicode tag characters, zero-width and bidi controls: removed, or replaced by a visible marker.'),
  secrets: z.enum(['off', 'log', 'redact', 'block']).describe('Credentials in results: redact as [REDACTED:<kind>], refuse the whole result, or only record them.'),
  pii: z
    .partialRecord(piiKind, piiAction)
    .describe('PII kinds looked for, each with its action (redact → [REDACTED:<kind>], mask → last four kept, allow → recorded only). Kinds not named are not looked for.'),
  injection: injection.describe('Prompt-injection screening: an action (off, log, spotlight, quarantine, block) or {action, threshold}.'),
  maxBytes: z.number().int().min(256).max(256 * 1024 * 1024).describe('Largest result (text, structured content and blobs, in bytes) passed to the agent; beyond it the result is truncated with a notice.'),
  maxItems: z.number().int().min(1).max(1_000_000).describe('Most content items per result; beyond it the rest is withheld with a notice.'),
  untrusted: z.boolean().describe('Label every result of these tools "untrusted-content" (web pages, mail, tickets), whatever the screening says; flow rules can act on it.'),
};

const patternList = z.array(z.string().min(1).max(256));

export const ContentOverrideSchema = z.strictObject({
  upstream: z.string().min(1).max(32),
  tools: patternList.optional().describe('Tool-name patterns ("*" matches any run) in the upstream\'s own names. Without tools, prompts and resources, the override covers the whole upstream.'),
  prompts: patternList.optional(),
  resources: patternList.optional().describe('Resource URI patterns in the upstream\'s own URIs.'),
  outputSchema: steps.outputSchema.optional(),
  sanitize: steps.sanitize.optional(),
  secrets: steps.secrets.optional(),
  pii: steps.pii.optional(),
  injection: steps.injection.optional(),
  maxBytes: steps.maxBytes.optional(),
  maxItems: steps.maxItems.optional(),
  untrusted: steps.untrusted.optional(),
});

export const ContentPatternSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,47}$/, 'pattern names are 1-48 characters of a-z, 0-9 and "-", starting with a letter'),
    regex: z.string().min(1).max(2000).describe('RE2 syntax (linear-time): no backreferences or lookaround, and no nested unbounded repetition such as (a+)+.'),
    label: z.enum(['secret', 'pii']).default('secret').describe('What a match is: a secret (always redacted in results, blocked in egress arguments) or PII.'),
    action: piiAction.default('redact').describe('For results: redact, mask or allow (record only).'),
  })
  .superRefine((p, ctx) => {
    const problem = checkUserPattern(p.regex);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['regex'], message: problem });
  });

export const ArgumentsSchema = z.strictObject({
  secrets: z.enum(['off', 'block']).default('block').describe('Secrets in the arguments of a call to an egress tool: refuse the call (possible exfiltration).'),
  pii: z.array(piiKind).default([]).describe('PII kinds refused in the arguments of a call to an egress tool.'),
  egress: z
    .array(z.strictObject({ upstream: z.string().min(1).max(32), tools: patternList.default(['*']) }))
    .default([])
    .describe('Tools that can send data outside (mail, HTTP, chat, …): their arguments are checked.'),
  openWorldHint: z
    .boolean()
    .default(false)
    .describe('Also treat tools annotated openWorldHint: true as egress. Annotations come from the upstream: a hint that adds checks, never one that removes them.'),
});

export const ContentSchema = z.strictObject({
  outputSchema: steps.outputSchema.default('warn'),
  sanitize: steps.sanitize.default('strip'),
  secrets: steps.secrets.default('redact'),
  pii: steps.pii.default({}),
  // Log by default: the model flags about 0.5% of ordinary tool output (mostly short texts with "answer"
  // in them) and a share of instruction-like benign text, so rewriting results is a choice made per
  // upstream (docs/content-safety.md).
  injection: steps.injection.default('log'),
  maxBytes: steps.maxBytes.default(4 * 1024 * 1024),
  maxItems: steps.maxItems.optional(),
  untrusted: steps.untrusted.default(false),
  patterns: z.array(ContentPatternSchema).default([]).describe('Custom secret or PII formats, matched in results and egress arguments.'),
  overrides: z.array(ContentOverrideSchema).default([]).describe('Per upstream and tool; every matching override applies in order, later ones win.'),
  arguments: ArgumentsSchema.prefault({}).describe('The arguments stage: secrets and PII in calls to tools that can reach outside.'),
});

export type ContentConfig = z.output<typeof ContentSchema>;
export type ContentOverride = z.output<typeof ContentOverrideSchema>;
export type InjectionAction = (typeof INJECTION_ACTIONS)[number];

/** Overrides and egress entries must name configured upstreams (checked with the rest of crossCheck). */
export function checkContentRefs(content: unknown, upstreams: ReadonlySet<string>): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const list = (v: unknown, path: string) => {
    if (!Array.isArray(v)) return;
    v.forEach((entry, i) => {
      const u = obj(entry).upstream;
      if (typeof u === 'string' && !upstreams.has(u)) out.push({ path: `${path}.${i}.upstream`, message: `no upstream named "${u}"` });
    });
  };
  const c = obj(content);
  list(c.overrides, 'content.overrides');
  list(obj(c.arguments).egress, 'content.arguments.egress');
  return out;
}
