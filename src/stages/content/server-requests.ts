/**
 * Requests an upstream sends to the agent during a call (sampling, elicitation) carry upstream text
 * to the agent's model or user: they pass the stages' `serverRequest` hooks, in stage order, before
 * the agent is asked. A refusal answers the upstream with the rejection; the agent is never asked.
 * Findings land in the calling request's context, so the call's audit record says what its server
 * requests carried.
 */
import { performance } from 'node:perf_hooks';
import { toRpcError } from '../../errors.js';
import type { Ctx, Stage } from '../../pipeline/types.js';
import type { JsonRpcRequest, JsonRpcResponse, Params } from '../../protocol/jsonrpc.js';

export type Ask = (method: string, params: Params | undefined) => Promise<JsonRpcResponse>;

export function screenedAsk(stages: readonly Stage[], ctx: Ctx, ask: Ask): Ask {
  const screens = stages.filter((s) => s.serverRequest);
  if (screens.length === 0) return ask;
  return async (method, params) => {
    let req: JsonRpcRequest = { jsonrpc: '2.0', id: 0, method, ...(params === undefined ? {} : { params }) };
    for (const stage of screens) {
      const t0 = performance.now();
      const v = await stage.serverRequest!(ctx, req);
      const ms = Math.round((performance.now() - t0) * 1000) / 1000;
      if (v.kind === 'deny') {
        ctx.stages.push({ stage: stage.name, verdict: 'deny', reason: v.rejection.rule ?? v.rejection.reason, ms });
        return toRpcError(0, v.rejection);
      }
      if (v.kind === 'replace' && 'method' in v.message) {
        ctx.stages.push({ stage: stage.name, verdict: 'replace', reason: `${method}: ${v.note}`, ms });
        req = v.message;
      }
    }
    return ask(req.method, req.params);
  };
}
