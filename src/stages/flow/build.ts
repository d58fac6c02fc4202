/** The flow stage for a config, or none when the policy has no flow rules. */
import type { Config } from '../../config/schema.js';
import type { Stage } from '../../pipeline/types.js';
import type { StateBackends } from '../../state/open.js';
import type { RateLimitStage } from '../ratelimit/stage.js';
import { compileLabels } from './labels.js';
import { compileFlow } from './rules.js';
import { flowStage } from './stage.js';

/**
 * `limits`: the rate-limit stage when it runs right after this one (nothing between them can refuse a
 * call), whose store work this stage then does in its own round trips.
 */
export function flowStageFor(config: Config, state: StateBackends, limits?: RateLimitStage): Stage | undefined {
  if (config.policy.flow.length === 0) return undefined;
  const sep = config.routing.separator;
  const passthrough = config.routing.passthrough;
  return flowStage({
    rules: compileFlow(config.policy),
    labelsOf: compileLabels(config),
    store: state.sessions,
    steps: state.steps,
    share: limits?.share,
    ttlMs: config.listen.sessionIdleTimeoutMs,
    display: (upstream, name) => (passthrough === upstream ? name : `${upstream}${sep}${name}`),
  });
}

/** Whether a config needs session history or counters at all (else nothing is opened). */
export function needsState(config: Config): boolean {
  const p = config.policy;
  return p.flow.length > 0 || p.rateLimits.length > 0 || p.budgets !== undefined;
}
