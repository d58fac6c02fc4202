/**
 * Cancellation of one request: the agent cancels it or goes away, a parked call expires, the gateway
 * shuts down. Every request on the message path carries one.
 *
 * Why not AbortController: in Node 20 an AbortSignal that has ever had a listener survives every
 * young-generation collection until the next full one, and takes everything it reaches with it. With
 * one signal per request, each request's whole object graph (≈ 6 KB) was promoted to the old
 * generation, which made every scavenge copy ≈ 1.7 MB and added full collections under load
 * (`node --trace-gc-nvp`: `promoted=` per scavenge). This handle is a flag and a short list of
 * callbacks, and nothing outlives the request.
 */

export interface CancelSignal {
  readonly aborted: boolean;
  /**
   * Run `fn` once when the request is cancelled, or at once when it already is. Returns the function
   * that unsubscribes it; call it when the work `fn` would stop has finished.
   */
  onAbort(fn: () => void): () => void;
}

const noop = (): void => undefined;

export class Cancel implements CancelSignal {
  private fns: Array<() => void> | undefined;
  private done = false;

  get aborted(): boolean {
    return this.done;
  }

  get signal(): CancelSignal {
    return this;
  }

  /** Cancel: every subscriber runs once, in the order it subscribed, even if one of them throws. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    const fns = this.fns;
    this.fns = undefined;
    if (!fns) return;
    let failure: unknown;
    let failed = false;
    for (const fn of fns) {
      try {
        fn();
      } catch (err) {
        if (!failed) failure = err;
        failed = true;
      }
    }
    if (failed) throw failure;
  }

  onAbort(fn: () => void): () => void {
    if (this.done) {
      fn();
      return noop;
    }
    (this.fns ??= []).push(fn);
    return () => {
      const fns = this.fns;
      if (!fns) return;
      const i = fns.indexOf(fn);
      if (i >= 0) fns.splice(i, 1);
    };
  }
}

/** A signal that never fires: for requests nobody can cancel (the handshake, internal calls). */
export const NEVER_CANCELLED: CancelSignal = { aborted: false, onAbort: () => noop };
