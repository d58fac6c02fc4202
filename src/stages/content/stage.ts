/**
 * The content stage: what an upstream returns is untrusted input to a model. On every result (tool
 * calls, resource reads, prompt gets) and on the server→client requests that carry upstream text
 * (sampling, elicitation), in this order: output-schema validation, sanitizing, secrets, PII, custom
 * patterns, injection screening (block, quarantine, spotlight or log), minimization. Everything found
 * is recorded in ctx.findings (the audit record, and from it the metrics) and labels the result for
 * the flow rules. Response-only, except for handing out released quarantined results (see request).
 */
import { reject } from '../../errors.js';
import { PASS, type Ctx, type Stage, type Verdict } from '../../pipeline/types.js';
import { isPlainObject, type JsonRpcRequest, type JsonRpcResponse, type Params } from '../../protocol/jsonrpc.js';
import { callKey, type QuarantineStore } from '../../quarantine/store.js';
import { newVerdicts, type Verdicts } from './chain.js';
import { isContentMethod, SERVER_REQUESTS_WITH_CONTENT, walkResult, walkServerRequest, type ContentMethod } from './messages.js';
import { OutputSchemas } from './output-schema.js';
import type { ContentConfig } from './schema.js';
import { SettingsResolver, type Settings } from './settings.js';
import { spotlighter, spotlightResult } from './spotlight.js';
import { Tally } from './tally.js';
import { Walker } from './walk.js';
import { findSecrets } from '../../detect/content/secrets.js';
import { modelScore } from '../../detect/content/injection.js';

export const STAGE_NAME = 'content';

export interface ContentStageDeps {
  /** The quarantine store, opened on first use; absent: quarantine fails closed (the result is withheld). */
  quarantine?: () => Promise<QuarantineStore>;
}

let warmed = false;

/**
 * The secret engine's keyword automaton and the injection model are built on first use (about 20 ms):
 * built once per process right after the stage is, so the first result an agent waits for does not pay.
 */
function warmDetectors(): void {
  if (warmed) return;
  warmed = true;
  setImmediate(() => {
    findSecrets('');
    modelScore('');
  }).unref();
}

export function contentStage(config: ContentConfig, deps: ContentStageDeps = {}): Stage {
  warmDetectors();
  const settings = new SettingsResolver(config);
  const schemas = new OutputSchemas();
  /** Calls answered from the quarantine (released results): screened already, only wrapped on the way out. */
  const released = new WeakSet<Ctx>();
  /** The arguments of calls that may be quarantined: the key under which a released result is found again. */
  const callArgs = new WeakMap<Ctx, unknown>();

  const stage: Stage = {
    name: STAGE_NAME,
    response(ctx: Ctx, msg: JsonRpcResponse): Verdict | Promise<Verdict> {
      if ('error' in msg || !isContentMethod(ctx.method)) return PASS;
      const method = ctx.method;
      if (released.has(ctx)) return deliverReleased(ctx, method, msg);
      const s = settings.forTarget(ctx.target);
      const tally = new Tally();
      if (msg.result.resultType === 'input_required') return inputRequests(ctx, msg, s, tally);

      if (method === 'tools/call' && s.outputSchema !== 'off' && msg.result.isError !== true) {
        const schema = ctx.definition?.outputSchema;
        if (schema !== undefined) {
          const c = schemas.check(schema, msg.result.structuredContent);
          if (!c.ok) {
            tally.add('output-schema', c.kind, s.outputSchema === 'strict' ? 'refused' : 'warned');
            if (s.outputSchema === 'strict') {
              tally.into(ctx);
              return { kind: 'deny', rejection: reject('upstream_protocol', `${describe(ctx)}: ${c.detail}`, 'content.output-schema') };
            }
          }
        }
      }

      const v = newVerdicts();
      let result = walkResult(method, msg.result, new Walker(s, tally, v));
      if (s.untrusted) tally.labels.add('untrusted-content');
      if (v.secretBlocked) {
        tally.into(ctx);
        return { kind: 'deny', rejection: reject('denied', `the result of ${describe(ctx)} was withheld: it contains a credential`, 'content.secrets') };
      }
      if (v.flagged && s.injection !== 'off') {
        tally.labels.add('untrusted-content');
        const why = injectionWhy(v);
        for (const kind of injectionKinds(v)) tally.add('injection', kind, INJECTION_DONE[s.injection]);
        switch (s.injection) {
          case 'block':
            tally.into(ctx);
            return { kind: 'deny', rejection: reject('denied', `the result of ${describe(ctx)} was withheld: it looks like a prompt injection (${why})`, 'content.injection') };
          case 'quarantine':
            tally.into(ctx);
            return quarantine(ctx, method, msg, result, why);
          case 'spotlight':
            result = spotlightResult(method, result, spotlighter(ctx.target, `flagged as a possible prompt injection (${why})`));
            break;
          case 'log':
            break;
        }
      }
      tally.into(ctx);
      return result === msg.result ? PASS : { kind: 'replace', note: noteOf(tally), message: { ...msg, result } };
    },

    serverRequest(ctx: Ctx, req: JsonRpcRequest): Verdict {
      if (!SERVER_REQUESTS_WITH_CONTENT.has(req.method)) return PASS;
      const s = settings.forTarget(ctx.target);
      const tally = new Tally();
      const v = newVerdicts();
      let params = walkServerRequest(req.method, req.params, new Walker(s, tally, v));
      const refused = refusal(ctx, s, v, tally, `the ${req.method} request from ${describe(ctx)}`);
      if (refused) return refused;
      if (v.flagged && s.injection === 'spotlight' && params) params = spotlightParams(req.method, params, spotlighter(ctx.target, 'flagged as a possible prompt injection'));
      tally.into(ctx);
      return params === req.params ? PASS : { kind: 'replace', note: noteOf(tally), message: { ...req, params: params ?? {} } };
    },
  };

  /** The 2026-07-28 form of server→client requests: questions inside an input_required result. */
  function inputRequests(ctx: Ctx, msg: JsonRpcResponse & { result: Params }, s: Settings, tally: Tally): Verdict {
    const requests = msg.result.inputRequests;
    if (!isPlainObject(requests)) return PASS;
    const v = newVerdicts();
    let changed: Params | undefined;
    for (const [key, r] of Object.entries(requests)) {
      if (!isPlainObject(r) || typeof r.method !== 'string' || !SERVER_REQUESTS_WITH_CONTENT.has(r.method)) continue;
      const params = isPlainObject(r.params) ? r.params : undefined;
      const next = walkServerRequest(r.method, params, new Walker(s, tally, v));
      if (next !== params) (changed ??= { ...requests })[key] = { ...r, params: next };
    }
    const refused = refusal(ctx, s, v, tally, `an input request from ${describe(ctx)}`);
    if (refused) return refused;
    tally.into(ctx);
    return changed ? { kind: 'replace', note: noteOf(tally), message: { ...msg, result: { ...msg.result, inputRequests: changed } } } : PASS;
  }

  /** Secrets set to block, or an injection set to block or quarantine (a request cannot be held): refuse. */
  function refusal(ctx: Ctx, s: Settings, v: Verdicts, tally: Tally, what: string): Verdict | undefined {
    if (v.flagged && s.injection !== 'off') {
      tally.labels.add('untrusted-content');
      const held = s.injection === 'block' || s.injection === 'quarantine';
      for (const kind of injectionKinds(v)) tally.add('injection', kind, held ? 'blocked' : INJECTION_DONE[s.injection]);
      if (held) {
        tally.into(ctx);
        return { kind: 'deny', rejection: reject('denied', `${what} was refused: it looks like a prompt injection (${injectionWhy(v)})`, 'content.injection') };
      }
    }
    if (v.secretBlocked) {
      tally.into(ctx);
      return { kind: 'deny', rejection: reject('denied', `${what} was refused: it contains a credential`, 'content.secrets') };
    }
    return undefined;
  }

  async function quarantine(ctx: Ctx, method: ContentMethod, msg: JsonRpcResponse & { result: Params }, result: Params, why: string): Promise<Verdict> {
    const t = ctx.target!;
    let id: string;
    try {
      if (!deps.quarantine) throw new Error('no quarantine store');
      const store = await deps.quarantine();
      id = await store.put({
        subject: ctx.principal.subject,
        tenant: ctx.principal.tenant,
        upstream: t.upstream,
        target: t.name,
        method,
        callKey: keyOf(ctx, callArgs.get(ctx) ?? null),
        reason: why,
        result: JSON.stringify(result),
      });
    } catch {
      // Fail closed: a result that cannot be kept for review is not passed on either.
      return { kind: 'deny', rejection: reject('denied', `the result of ${describe(ctx)} was withheld: it looks like a prompt injection, and the quarantine is unavailable`, 'content.quarantine') };
    }
    const notice = `[portcullis: the result of ${describe(ctx)} was quarantined: it looks like a prompt injection (${why}). It is kept for review as ${id}. If an operator releases it, make the same call again (same arguments) to receive it.]`;
    return { kind: 'replace', note: `quarantined as ${id}`, message: { ...msg, result: quarantinedResult(method, msg.result, notice, id) } };
  }

  function deliverReleased(ctx: Ctx, method: ContentMethod, msg: JsonRpcResponse & { result: Params }): Verdict {
    const tally = new Tally();
    tally.labels.add('untrusted-content');
    tally.add('quarantine', 'released', 'delivered');
    tally.into(ctx);
    const result = spotlightResult(method, msg.result, spotlighter(ctx.target, 'quarantined as a possible prompt injection and released by an operator'));
    return { kind: 'replace', note: 'released from quarantine', message: { ...msg, result } };
  }

  if (settings.mayQuarantine && deps.quarantine) {
    const open = deps.quarantine;
    // A call whose result was quarantined and then released is answered from the quarantine, once:
    // the upstream is not called again (the call may not be safe to repeat).
    stage.request = async (ctx: Ctx, msg: JsonRpcRequest): Promise<Verdict> => {
      if (!isContentMethod(ctx.method) || !ctx.target || settings.forTarget(ctx.target).injection !== 'quarantine') return PASS;
      const args = argsOf(ctx, msg);
      callArgs.set(ctx, args);
      let entry;
      try {
        entry = await (await open()).takeReleased(keyOf(ctx, args));
      } catch {
        return PASS; // the store is down: the call goes on, and its result is screened as usual
      }
      if (!entry) return PASS;
      let result: unknown;
      try {
        result = JSON.parse(entry.result);
      } catch {
        return PASS;
      }
      if (!isPlainObject(result)) return PASS;
      released.add(ctx);
      return { kind: 'replace', note: `answered from quarantine ${entry.id}`, message: { jsonrpc: '2.0', id: msg.id, result } };
    };
  }
  return stage;
}

const INJECTION_DONE = { off: 'none', log: 'logged', spotlight: 'spotlighted', quarantine: 'quarantined', block: 'blocked' } as const;

function injectionKinds(v: Verdicts): string[] {
  return v.rules.size > 0 ? [...v.rules] : ['model'];
}

function injectionWhy(v: Verdicts): string {
  const rules = [...v.rules];
  return `${rules.length > 0 ? `rules: ${rules.join(', ')}; ` : ''}score ${v.score.toFixed(2)}`;
}

function describe(ctx: Ctx): string {
  const t = ctx.target;
  return t ? `${t.kind} "${t.name}" of upstream "${t.upstream}"` : ctx.method;
}

function noteOf(tally: Tally): string {
  const f = tally.findings();
  return f.length === 0 ? 'content checked' : f.slice(0, 8).map((x) => `${x.check}:${x.kind}:${x.action}×${x.count}`).join(', ');
}

function argsOf(ctx: Ctx, msg: JsonRpcRequest): unknown {
  return ctx.method === 'resources/read' ? ctx.target?.name : msg.params?.arguments ?? null;
}

function keyOf(ctx: Ctx, args: unknown): string {
  const t = ctx.target!;
  return callKey(ctx.principal.subject, ctx.principal.tenant, ctx.method, t.upstream, t.name, args);
}

function quarantinedResult(method: ContentMethod, original: Params, notice: string, id: string): Params {
  const meta = { ...(isPlainObject(original._meta) ? original._meta : {}), 'portcullis/quarantine': id };
  switch (method) {
    case 'tools/call':
      return { content: [{ type: 'text', text: notice }], isError: true, _meta: meta };
    case 'resources/read': {
      const first = Array.isArray(original.contents) ? original.contents.find(isPlainObject) : undefined;
      return { contents: [{ uri: first && typeof first.uri === 'string' ? first.uri : 'portcullis:quarantine', mimeType: 'text/plain', text: notice }], _meta: meta };
    }
    case 'prompts/get':
      return { messages: [{ role: 'user', content: { type: 'text', text: notice } }], _meta: meta };
  }
}

function spotlightParams(method: string, params: Params, wrap: (t: string) => string): Params {
  if (method === 'sampling/createMessage' && Array.isArray(params.messages)) {
    const block = (c: unknown): unknown => (isPlainObject(c) && c.type === 'text' && typeof c.text === 'string' ? { ...c, text: wrap(c.text) } : c);
    return { ...params, messages: params.messages.map((m) => (isPlainObject(m) ? { ...m, content: Array.isArray(m.content) ? m.content.map(block) : block(m.content) } : m)) };
  }
  if (method === 'elicitation/create' && typeof params.message === 'string') return { ...params, message: wrap(params.message) };
  return params;
}
