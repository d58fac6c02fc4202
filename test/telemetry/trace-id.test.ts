import { describe, expect, it } from 'vitest';
import { newTraceId } from '../../src/telemetry/trace-id.js';

describe('trace ids for messages that arrive without one', () => {
  it('are 32 lower-case hex digits, never all zeros, and do not repeat across pool refills', () => {
    const ids = Array.from({ length: 1000 }, () => newTraceId()); // 16 KB of randomness: the 4 KB pool is refilled several times
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(id).not.toBe('0'.repeat(32));
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});
