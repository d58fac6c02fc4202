/** The rate-limit stage for a config, or none when the policy sets no limits and no budgets. */
import type { Config } from '../../config/schema.js';
import { compilePolicy } from '../../policy/compile.js';
import type { StateBackends } from '../../state/open.js';
import { compileLimits } from './limits.js';
import { rateLimitStage, type RateLimitStage } from './stage.js';

export function rateLimitStageFor(config: Config, state: StateBackends): RateLimitStage | undefined {
  const limits = compileLimits(config.policy);
  if (limits.count === 0 && config.policy.budgets === undefined) return undefined;
  return rateLimitStage({
    bucketsFor: limits.bucketsFor,
    budgets: config.policy.budgets,
    tierOf: compilePolicy(config.policy).tierOf,
    counters: state.counters,
    ttlMs: config.listen.sessionIdleTimeoutMs,
  });
}
