/**
 * Shapes of the tool-definition poisoning detector. Everything here is plain data: the detector is pure
 * (no I/O, no clock, no randomness), so the gateway, `portcullis scan` and the eval script share it.
 */

export type Severity = 'low' | 'medium' | 'high' | 'critical';

/**
 * Rule families. `god-tool` is a capability warning, not evidence of malice: it never raises the
 * poisoning score (see score.ts) and the policy decides what to do with it. `limits` reports work the
 * scanner refused to do (too many tools, oversized fields) — fail closed, so it does count.
 */
export type Family = 'instructions' | 'shadowing' | 'exfiltration' | 'hidden' | 'collision' | 'god-tool' | 'limits';

export type Action = 'allow' | 'warn' | 'approve' | 'block';

export interface Finding {
  readonly ruleId: string;
  readonly family: Family;
  readonly severity: Severity;
  /** JSON pointer (RFC 6901) to the string field inside the definition, e.g. `/inputSchema/properties/q/description`. */
  readonly path: string;
  /** [start, end) in UTF-16 code units of that field's original string. */
  readonly span: readonly [number, number];
  /** Short excerpt of the original text; invisible and control characters are shown as `\u{…}`. */
  readonly evidence: string;
  readonly explanation: string;
}

export type ItemKind = 'tool' | 'prompt' | 'resourceTemplate';

export interface ScanResult {
  readonly kind: ItemKind;
  readonly server: string | undefined;
  readonly name: string;
  /** Poisoning score in [0, 1] (noisy-OR of the findings' severity weights, god-tool excluded). */
  readonly score: number;
  readonly flagged: boolean;
  /** What the policy says to do with this item. */
  readonly action: Action;
  readonly findings: readonly Finding[];
}

/** One upstream's listing, as `tools/list`, `prompts/list` and `resources/templates/list` return it. */
export interface ServerListing {
  readonly tools?: readonly unknown[];
  readonly prompts?: readonly unknown[];
  readonly resourceTemplates?: readonly unknown[];
}

export interface ServersInput {
  readonly servers: Readonly<Record<string, ServerListing>>;
}

export interface ServersScan {
  readonly results: readonly ScanResult[];
  /** Findings about the set as a whole (e.g. more tools than the scanner will look at). */
  readonly findings: readonly Finding[];
  readonly flagged: number;
}

export interface PolicyRule {
  readonly family?: Family;
  readonly ruleId?: string;
  /** The rule applies to findings of at least this severity. */
  readonly minSeverity: Severity;
  readonly action: Action;
}

/** Decisions as data: the first matching rule per finding gives its action; the item takes the strongest. */
export interface Policy {
  /** Action for an item whose score reaches the threshold, whatever its findings map to. */
  readonly flagged: Action;
  readonly rules: readonly PolicyRule[];
}

export interface Limits {
  /** Items scanned per scanServers call; the rest get a `limits.not-scanned` finding. */
  readonly maxItems: number;
  /** Characters of one string field that the pattern rules read (head and tail; the middle is skipped). */
  readonly maxFieldChars: number;
  /** Characters per item that the pattern rules read, over all its fields. */
  readonly maxItemChars: number;
  /** Characters per scanServers call that the pattern rules read. */
  readonly maxTotalChars: number;
  /** String fields read per item, and nesting depth followed. */
  readonly maxFields: number;
  readonly maxDepth: number;
}

export interface ScanOptions {
  readonly threshold: number;
  readonly weights: Readonly<Record<Severity, number>>;
  readonly limits: Limits;
  readonly policy: Policy;
}

/**
 * What one item's scan knows about its neighbours (filled in by scanServers). The scanner keeps facts
 * derived from these collections per collection object, so hand over a new set or map when the names
 * change rather than mutating one already used in a scan.
 */
export interface ScanContext {
  readonly server?: string;
  /** Lower-cased names of the other tools of the same server. */
  readonly siblings?: ReadonlySet<string>;
  /** Lower-cased names of tools of OTHER servers → one server that has it. */
  readonly foreign?: ReadonlyMap<string, string>;
}
