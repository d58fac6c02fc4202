/**
 * The pins stage: agents see and use only definitions whose pin is trusted. Lists are filtered through
 * `visible`; a call or prompt get is refused unless the definition the upstream currently lists for it
 * is trusted (so a tool changed after approval cannot be called under its old name).
 */
import { reject, UpstreamFailure } from '../../errors.js';
import type { Params } from '../../protocol/jsonrpc.js';
import { PASS, type CatalogEntry, type Ctx, type Stage, type Verdict } from '../../pipeline/types.js';
import type { PinGuard } from '../../pins/guard.js';
import type { PinKind } from '../../pins/fingerprint.js';

/** The definition the caller's connection lists for a target (loading the catalog if it was not read yet). */
export type DefinitionLookup = (ctx: Ctx) => Promise<Params | undefined>;

export function pinsStage(guard: PinGuard, lookup: DefinitionLookup): Stage {
  return {
    name: 'pins',
    visible(_principal, entry: CatalogEntry): boolean {
      const kind: PinKind | undefined = entry.kind === 'tool' ? 'tool' : entry.kind === 'prompt' ? 'prompt' : typeof entry.definition.uriTemplate === 'string' ? 'resourceTemplate' : undefined;
      // Concrete resources are data the server offers, not instructions: they are not pinned.
      return kind === undefined || guard.allows(entry.upstream, kind, entry.definition as Params);
    },
    request(ctx): Verdict | Promise<Verdict> {
      const t = ctx.target;
      if (!t || (t.kind !== 'tool' && t.kind !== 'prompt') || !guard.enforced(t.upstream)) return PASS;
      const kind = t.kind;
      const decide = (def: Params | undefined): Verdict => {
        if (def && guard.allows(t.upstream, kind, def)) return PASS;
        const what = kind === 'tool' ? 'tool' : 'prompt';
        return {
          kind: 'deny',
          rejection: reject(
            'not_approved',
            def ? `the ${what}'s definition has changed or is new and awaits approval (portcullis pins diff)` : `the upstream does not list this ${what}`,
            'pins',
          ),
        };
      };
      // A tool call already carries the listed definition: decided without a promise on the hot path.
      if (kind === 'tool' && ctx.definition) return decide(ctx.definition as Params);
      return lookup(ctx).then(decide, (err: unknown) => {
        // The upstream could not be listed: the same answer the call itself would have had.
        if (err instanceof UpstreamFailure) return { kind: 'deny', rejection: err.toRejection(t.upstream) } as Verdict;
        throw err;
      });
    },
  };
}
