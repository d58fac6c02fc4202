import { describe, expect, it } from 'vitest';
import { applyRecord, applyReserve, emptyState, HISTORY_MAX, parseState } from '../../src/state/session-state.js';
import { stateText } from '../../src/state/sql-sessions.js';

// The SQL store writes a session's state with each history line's text reused from earlier writes;
// what it writes must be exactly what JSON.stringify of the whole state gives.
describe('the stored text of a session state', () => {
  it('is JSON.stringify of the state, byte for byte, across records, reservations, trimming and re-reads', () => {
    let rnd = 7;
    const next = (n: number) => (rnd = (rnd * 1103515245 + 12345) % 2147483648) % n;
    let s = emptyState();
    expect(stateText(s)).toBe(JSON.stringify(s));
    for (let i = 0; i < HISTORY_MAX * 3; i++) {
      const labels = ['secret', 'pii', 'untrusted-content', 'internal'].filter(() => next(3) === 0);
      const entry = { tool: `up__tool_${next(5)}`, at: 1_700_000_000_000 + i, id: `id-${i}`, ...(labels.length ? { labels } : {}), ...(next(4) === 0 ? { targets: { to: `h${next(9)}` } } : {}) };
      applyRecord(s, { entry, seen: next(5) === 0 ? ['needs-read'] : [] });
      applyReserve(s, { call: { tool: 'mail__send', at: i, id: `r-${i}` }, counts: [{ rule: `c${next(3)}` }], distinct: [{ rule: 'to', values: [`v${next(20)}`] }] });
      expect(stateText(s)).toBe(JSON.stringify(s));
      // A state read back from the text (new objects) writes the same text again.
      if (i % 50 === 49) {
        s = parseState(stateText(s));
        expect(stateText(s)).toBe(JSON.stringify(s));
      }
    }
    expect(s.history).toHaveLength(HISTORY_MAX);
  });

  it('a state with no other fields still gives valid JSON', () => {
    const s = { history: [{ tool: 't', at: 1, id: 'a' }] } as unknown as ReturnType<typeof emptyState>;
    expect(JSON.parse(stateText(s))).toEqual(s);
  });
});
