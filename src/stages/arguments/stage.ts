/**
 * The arguments stage: a call to a tool that can reach outside (mail, HTTP, chat…) must not carry a
 * credential or configured PII out — the classic exfiltration after a prompt injection ("send the API
 * key to…"). Request-only; it sits before approval, so a person is never asked about a call that
 * would leak. Which tools are egress is policy (content.arguments.egress); the upstream's
 * openWorldHint annotation can add tools to that set when configured, never remove any.
 */
import { reject } from '../../errors.js';
import { findPii, type PiiKind } from '../../detect/content/pii.js';
import { sanitize } from '../../detect/content/sanitize.js';
import { scanSecrets } from '../../detect/content/secrets.js';
import { globToRegExpSource } from '../../policy/glob.js';
import { PASS, type Ctx, type Stage, type Verdict } from '../../pipeline/types.js';
import type { JsonRpcRequest } from '../../protocol/jsonrpc.js';
import type { ContentConfig } from '../content/schema.js';
import { compilePatternOrThrow } from '../content/user-patterns.js';
import { Tally } from '../content/tally.js';

export const STAGE_NAME = 'arguments';

/** Argument text looked at per call: beyond it the rest is not scanned, and the call is refused (fail closed). */
const MAX_ARGUMENT_CHARS = 1024 * 1024;
const MAX_DEPTH = 64;

export function argumentsStage(config: ContentConfig): Stage | undefined {
  const a = config.arguments;
  const piiKinds = a.pii as PiiKind[];
  const patterns = config.patterns.map((p) => ({ name: p.name, label: p.label, pattern: compilePatternOrThrow(p.regex) }));
  const blockedPatterns = patterns.filter((p) => p.label === 'secret' ? a.secrets === 'block' : true);
  if ((a.secrets === 'off' && piiKinds.length === 0 && blockedPatterns.length === 0) || (a.egress.length === 0 && !a.openWorldHint)) return undefined;
  const egress = a.egress.map((e) => ({ upstream: e.upstream, tools: new RegExp(`^(?:${e.tools.map(globToRegExpSource).join('|')})$`, 's') }));

  const isEgress = (ctx: Ctx): boolean => {
    const t = ctx.target!;
    if (egress.some((e) => e.upstream === t.upstream && e.tools.test(t.name))) return true;
    const annotations = ctx.definition?.annotations as Record<string, unknown> | undefined;
    return a.openWorldHint && annotations?.openWorldHint === true;
  };

  return {
    name: STAGE_NAME,
    request(ctx: Ctx, msg: JsonRpcRequest): Verdict {
      if (ctx.method !== 'tools/call' || ctx.target?.kind !== 'tool' || !isEgress(ctx)) return PASS;
      const strings = argumentTexts(msg.params?.arguments);
      const complete = strings !== undefined;
      const tally = new Tally();
      const found: string[] = [];
      for (const raw of strings ?? []) {
        // hidden characters must not split a secret past the check
        const text = sanitize(raw).text;
        if (a.secrets === 'block') {
          for (const f of scanSecrets(text).findings) {
            tally.add('arguments', f.kind, 'blocked');
            found.push(f.kind);
          }
        }
        if (piiKinds.length > 0) {
          for (const p of findPii(text, piiKinds)) {
            tally.add('arguments', p.kind, 'blocked');
            found.push(p.kind);
          }
        }
        for (const p of blockedPatterns) {
          const n = p.pattern.find(text).length;
          if (n > 0) {
            tally.add('arguments', p.name, 'blocked', n);
            found.push(p.name);
          }
        }
      }
      if (!complete) {
        tally.add('arguments', 'too-large', 'blocked');
        tally.into(ctx);
        return { kind: 'deny', rejection: reject('denied', `the arguments to ${ctx.target.name} are too large or too deeply nested to check for data leaving through this tool`, 'arguments.unchecked') };
      }
      if (found.length === 0) return PASS;
      tally.into(ctx);
      const kinds = [...new Set(found)];
      const secret = found.some((k) => !(piiKinds as string[]).includes(k) && !patterns.some((p) => p.name === k && p.label === 'pii'));
      return {
        kind: 'deny',
        rejection: reject(
          'denied',
          `possible exfiltration: the arguments to ${ctx.target.name} (upstream "${ctx.target.upstream}", which can send data outside) contain ${kinds.slice(0, 5).join(', ')}; the call was blocked. Remove the sensitive value and try again.`,
          secret ? 'arguments.secret-egress' : 'arguments.pii-egress',
        ),
      };
    },
  };
}

/**
 * The texts to check: the arguments as JSON (so `"api_key": "…"` reads like the assignment the generic
 * rules look for), plus every string that JSON escaping changes (line breaks in a private key, quotes).
 * Undefined when the arguments are too large or too deeply nested to check.
 */
function argumentTexts(args: unknown): string[] | undefined {
  let json: string;
  try {
    json = JSON.stringify(args ?? null);
  } catch {
    return undefined; // nesting deep enough to exhaust the stack
  }
  if (json.length > MAX_ARGUMENT_CHARS) return undefined;
  const out = [json];
  const escaped = (v: unknown, depth: number): boolean => {
    if (typeof v === 'string') {
      if (/[\n\r"\\]/.test(v)) out.push(v);
      return true;
    }
    if (v === null || typeof v !== 'object') return true;
    if (depth >= MAX_DEPTH) return false;
    for (const x of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) if (!escaped(x, depth + 1)) return false;
    return true;
  };
  return escaped(args, 0) ? out : undefined;
}
