/**
 * Concurrency limits per upstream: at most `max` calls forwarded at once, the rest wait in line for
 * `queueMs` and are then refused with rate_limited. The slot is held around the forward itself (in
 * the gateway), so it is released however the call ends. Per replica: N replicas allow N × max.
 */
import type { Config } from '../../config/schema.js';
import { reject } from '../../errors.js';
import type { Forwarded } from '../../pipeline/runner.js';

class Semaphore {
  active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    public max: number,
    public queueMs: number,
  ) {}

  acquire(): Promise<boolean> | boolean {
    if (this.active < this.max) {
      this.active++;
      return true;
    }
    if (this.queueMs === 0) return false;
    return new Promise<boolean>((resolve) => {
      const grant = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(false);
      }, this.queueMs);
      this.waiting.push(grant);
    });
  }

  release(): void {
    // Hand the slot straight to the next in line (active stays the same), or free it.
    const next = this.active <= this.max ? this.waiting.shift() : undefined;
    if (next) next();
    else this.active--;
  }
}

export class ConcurrencyLimits {
  private readonly slots = new Map<string, Semaphore>();

  /** Apply a (re)loaded config; calls in flight keep their slots. */
  configure(upstreams: Config['upstreams']): void {
    for (const [name, u] of Object.entries(upstreams)) {
      const c = u.concurrency;
      if (!c) {
        this.slots.delete(name);
        continue;
      }
      const s = this.slots.get(name);
      if (s) {
        s.max = c.max;
        s.queueMs = c.queueMs;
      } else this.slots.set(name, new Semaphore(c.max, c.queueMs));
    }
    for (const name of this.slots.keys()) if (!(name in upstreams)) this.slots.delete(name);
  }

  async around(upstream: string | undefined, forward: () => Promise<Forwarded>): Promise<Forwarded> {
    const s = upstream === undefined ? undefined : this.slots.get(upstream);
    if (!s) return forward();
    const got = s.acquire();
    if (!(got === true || (got !== false && (await got)))) {
      const retryAfterMs = Math.max(100, s.queueMs);
      return { rejection: reject('rate_limited', `${upstream} is at its limit of ${s.max} concurrent calls; retry in ${(retryAfterMs / 1000).toFixed(1)} s`, `upstreams.${upstream}.concurrency`, { retryAfterMs }) };
    }
    try {
      return await forward();
    } finally {
      s.release();
    }
  }
}
