/**
 * The two moments a tool call touches shared state, each as one step: on the way in, the flow rules'
 * check-and-reserve, joined by the rate limits' take; on the way back, the record of what the call
 * read, joined by the bytes it returned. Where one store holds both (Redis) each step is one Lua
 * script: atomic, one round trip. Elsewhere (counters in process beside SQL or in-process history)
 * the steps are the session store's alone, and the rate-limit stage takes and adds for itself.
 * Either way the outcome is the same: a call refused by a flow rule takes nothing, and a call that
 * passes the flow rules keeps its flow counters even when a rate limit then refuses it (README).
 */
import type { Bucket, BudgetCheck, TakeResult } from './counters.js';
import type { Outcome, Reservation, SessionState } from './session-state.js';
import type { Judged, SessionStore } from './sessions.js';

/** What a tool call takes from the rate-limit counters. */
export interface TakeRequest {
  readonly buckets: readonly Bucket[];
  readonly budget?: BudgetCheck | undefined;
}

/** What a result adds to its session's byte budget. */
export interface BytesReturned {
  readonly key: string;
  readonly bytes: number;
  readonly ttlMs: number;
}

export interface Admitted<T> extends Judged<T> {
  /** The rate-limit part: present when the steps are joint, one was asked for and the flow part passed. */
  readonly take?: TakeResult | undefined;
}

export interface CallSteps {
  /** Whether `admit` also takes the rate-limit counters and `conclude` also adds the bytes. */
  readonly joint: boolean;
  admit<T>(key: string, r: Reservation, ttlMs: number, judge: (before: SessionState) => T, take?: TakeRequest): Promise<Admitted<T>>;
  /**
   * Record the outcome (rejects when it could not be recorded) and, when joint, add the bytes
   * returned (best effort, as `Counters.addBytes`).
   */
  conclude(key: string, o: Outcome, ttlMs: number, bytes?: BytesReturned): Promise<void>;
}

/** The steps of a session store that holds no counters: the flow parts alone. */
export function sessionSteps(sessions: SessionStore): CallSteps {
  return {
    joint: false,
    admit: (key, r, ttlMs, judge) => sessions.admit(key, r, ttlMs, judge),
    conclude: (key, o, ttlMs) => sessions.record(key, o, ttlMs),
  };
}
