import { describe, expect, it } from 'vitest';
import { Cancel, NEVER_CANCELLED } from '../../src/cancel.js';

describe('request cancellation', () => {
  it('runs each subscriber once, in order, and only after abort', () => {
    const c = new Cancel();
    const seen: string[] = [];
    c.signal.onAbort(() => seen.push('a'));
    c.signal.onAbort(() => seen.push('b'));
    expect(seen).toEqual([]);
    expect(c.signal.aborted).toBe(false);
    c.abort();
    c.abort();
    expect(seen).toEqual(['a', 'b']);
    expect(c.signal.aborted).toBe(true);
  });

  it('an unsubscribed callback is not run', () => {
    const c = new Cancel();
    const seen: string[] = [];
    const off = c.signal.onAbort(() => seen.push('gone'));
    c.signal.onAbort(() => seen.push('kept'));
    off();
    off();
    c.abort();
    expect(seen).toEqual(['kept']);
  });

  it('subscribing to a cancelled request runs the callback at once', () => {
    const c = new Cancel();
    c.abort();
    let ran = 0;
    c.signal.onAbort(() => ran++);
    expect(ran).toBe(1);
  });

  it('a throwing subscriber does not stop the others; the first error is rethrown', () => {
    const c = new Cancel();
    const seen: string[] = [];
    c.signal.onAbort(() => {
      throw new Error('first');
    });
    c.signal.onAbort(() => seen.push('second ran'));
    expect(() => c.abort()).toThrow('first');
    expect(seen).toEqual(['second ran']);
  });

  it('the never-cancelled signal never runs its subscribers', () => {
    let ran = 0;
    NEVER_CANCELLED.onAbort(() => ran++)();
    expect(NEVER_CANCELLED.aborted).toBe(false);
    expect(ran).toBe(0);
  });
});
