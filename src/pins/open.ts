/** Open tool pinning for a config: the state database, the pin store and the guard. */
import type { Config } from '../config/schema.js';
import { openSql } from '../storage/sql.js';
import { PinGuard, scanOptionsFor, type PinEvent, type PinMode } from './guard.js';
import { PinStore } from './store.js';

export function pinModeFor(config: Config, upstream: string): PinMode {
  return config.upstreams[upstream]?.pins ?? config.pins.mode;
}

/** Undefined when no upstream is pinned: nothing is opened then. */
export async function openPinGuard(
  config: () => Config,
  hooks: { event(e: PinEvent): void; decision(): void; error(err: unknown): void },
): Promise<{ guard: PinGuard; close(): Promise<void> } | undefined> {
  const initial = config();
  const any = Object.keys(initial.upstreams).some((u) => pinModeFor(initial, u) !== 'off');
  if (!any) return undefined;
  const db = await openSql(initial.storage);
  try {
    const store = await PinStore.open(db);
    const guard = await PinGuard.open(store, {
      modeFor: (u) => pinModeFor(config(), u),
      pollMs: initial.pins.pollMs,
      scan: scanOptionsFor(initial.pins),
      onEvent: hooks.event,
      onDecision: hooks.decision,
      onError: hooks.error,
    });
    return {
      guard,
      close: async () => {
        guard.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
