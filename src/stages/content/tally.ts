/**
 * What the checks of one message found and did, merged by (check, kind, action) so a result with a
 * thousand e-mail addresses is one finding with count 1000. Never holds the matched text.
 */
import type { Ctx, Finding } from '../../pipeline/types.js';

export type ResultLabel = 'secret' | 'pii' | 'untrusted-content';

export class Tally {
  private readonly counts = new Map<string, { check: string; kind: string; action: string; count: number }>();
  readonly labels = new Set<ResultLabel>();

  add(check: string, kind: string, action: string, count = 1): void {
    const key = `${check}\0${kind}\0${action}`;
    const f = this.counts.get(key);
    if (f) f.count += count;
    else this.counts.set(key, { check, kind, action, count });
  }

  get empty(): boolean {
    return this.counts.size === 0 && this.labels.size === 0;
  }

  findings(): Finding[] {
    return [...this.counts.values()];
  }

  /** Copy findings into the audit record (ctx.findings) and labels into ctx.resultLabels. */
  into(ctx: Ctx): void {
    if (this.counts.size > 0) (ctx.findings ??= []).push(...this.findings());
    if (this.labels.size > 0) {
      const labels = (ctx.resultLabels ??= []);
      for (const l of this.labels) if (!labels.includes(l)) labels.push(l);
    }
  }
}
