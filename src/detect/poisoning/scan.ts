/**
 * Entry points: scanTool (one definition), scanPrompt / scanResourceTemplate, and scanServers (the
 * listings of several upstreams, which adds cross-server shadowing and name collisions). Every string
 * field is read through the same pipeline: walk → fold → family rules → score → policy.
 */
import { runPatterns, type FieldCtx, type ItemCtx, type Sink } from './engine.js';
import { DEFAULT_OPTIONS } from './options.js';
import { EXFIL_RULES, scanBroadcast, scanFixedRecipients } from './rules/exfiltration.js';
import { scanGodTool } from './rules/godtool.js';
import { HIDDEN_RULES, scanHiddenChars, scanLength } from './rules/hidden.js';
import { INSTRUCTION_RULES } from './rules/instructions.js';
import { collisionFindings, type NamedTool } from './rules/collision.js';
import { scanShadowing } from './rules/shadowing.js';
import { decide } from './score.js';
import type { Finding, ItemKind, ScanContext, ScanOptions, ScanResult, ServersInput, ServersScan } from './types.js';
import { foldView, hasNonPlainAscii, type View } from './unicode.js';
import { isObject, topParams, walkDefinition, type Field } from './walk.js';

const PATTERN_RULES = [...INSTRUCTION_RULES, ...EXFIL_RULES, ...HIDDEN_RULES];
const EMPTY_SET: ReadonlySet<string> = new Set();
const EMPTY_MAP: ReadonlyMap<string, string> = new Map();

/** Mutable budget shared by the items of one scanServers call. */
interface Budget { chars: number }

function scanItem(kind: ItemKind, def: unknown, ctx: ScanContext, options: ScanOptions, budget: Budget | undefined): ScanResult {
  const findings: Finding[] = [];
  const sink: Sink = (f) => { findings.push(f); };
  const lim = options.limits;
  const rawName = isObject(def) ? def['name'] : undefined;
  const name = typeof rawName === 'string' ? rawName : '';
  if (!isObject(def)) {
    findings.push({ ruleId: 'limits.invalid-definition', family: 'limits', severity: 'medium', path: '', span: [0, 0], evidence: typeof def, explanation: `A ${kind} definition must be an object.` });
  } else if (kind !== 'resourceTemplate' && typeof rawName !== 'string') {
    findings.push({ ruleId: 'limits.invalid-definition', family: 'limits', severity: 'medium', path: '/name', span: [0, 0], evidence: String(typeof rawName), explanation: `The ${kind} has no string name.` });
  }

  const walked = walkDefinition(def, lim);
  if (walked.truncated) {
    findings.push({ ruleId: 'limits.definition-truncated', family: 'limits', severity: 'high', path: '', span: [0, 0], evidence: walked.truncated, explanation: `The definition exceeds the scanner's ${walked.truncated} limit; the rest was not scanned.` });
  }
  const params = kind === 'tool' ? topParams(def) : [];
  const item: ItemCtx = {
    kind,
    name: name.toLowerCase(),
    server: ctx.server,
    siblings: ctx.siblings ?? EMPTY_SET,
    foreign: ctx.foreign ?? EMPTY_MAP,
    params: new Set(params.map((p) => p.name.toLowerCase())),
  };

  let nameField: Field | undefined;
  let descField: Field | undefined;
  let descView: View | undefined;
  const head = Math.floor(lim.maxFieldChars * 0.75);
  const tail = lim.maxFieldChars - head;
  for (const field of walked.fields) {
    if (field.path === '/name') nameField = field;
    if (field.path === '/description') descField = field;
    const len = field.text.length;
    if (budget) {
      if (budget.chars <= 0) break;
      budget.chars -= Math.min(len, lim.maxFieldChars);
    }
    // Whether the field is plain ASCII decides the fast paths below; found once per field (oversized
    // fields are only read in windows, which answer for themselves).
    const plainAscii = len <= lim.maxItemChars ? !hasNonPlainAscii(field.text) : undefined;
    // Five plain-ASCII characters cannot hold anything any rule looks for: skip them outright.
    if (len < 6 && plainAscii === true) continue;
    // Invisible characters: one cheap pass over a bounded prefix (and the tail, where padding hides text).
    scanHiddenChars(field, Math.min(len, lim.maxItemChars), sink, false, plainAscii);
    if (len > lim.maxItemChars) scanHiddenChars({ ...field, text: field.text.slice(len - tail) }, tail, (f) => sink({ ...f, span: [f.span[0] + len - tail, f.span[1] + len - tail] }), true);
    // An oversized field is read in two windows, its head and its tail.
    if (len > lim.maxFieldChars) {
      const view = scanWindow(field, 0, head, undefined, item, lim.maxFieldChars, sink);
      if (field === descField) descView = view;
      scanWindow(field, len - tail, len, undefined, item, lim.maxFieldChars, sink);
    } else {
      const view = scanWindow(field, 0, len, plainAscii, item, lim.maxFieldChars, sink);
      if (field === descField) descView = view;
    }
  }
  if (budget && budget.chars <= 0) {
    findings.push({ ruleId: 'limits.not-scanned', family: 'limits', severity: 'high', path: '', span: [0, 0], evidence: '', explanation: 'The scan ran out of its character budget before this item was fully read.' });
  }
  if (kind === 'tool') scanGodTool({ name: nameField, description: descField, descView }, params, item, sink);
  const d = decide(findings, options);
  return { kind, server: ctx.server, name, score: d.score, flagged: d.flagged, action: d.action, findings: dedupe(findings) };
}

/** The field rules over raw[a, b) of a field: fold it, then every rule that reads the folded view. */
function scanWindow(field: Field, a: number, b: number, plainAscii: boolean | undefined, item: ItemCtx, maxFieldChars: number, sink: Sink): View {
  const view = foldView(field.text, a, b, field.kind === 'key', plainAscii);
  const fc: FieldCtx = { field, view, item };
  runPatterns(PATTERN_RULES, fc, sink);
  scanShadowing(fc, sink);
  scanFixedRecipients(fc, sink);
  scanBroadcast(fc, sink);
  if (a === 0) scanLength(fc, maxFieldChars, sink);
  return view;
}

/** One finding per (rule, path), keeping the most severe. */
function dedupe(findings: Finding[]): Finding[] {
  const best = new Map<string, Finding>();
  const rank = { low: 0, medium: 1, high: 2, critical: 3 } as const;
  for (const f of findings) {
    const k = `${f.ruleId}\u0000${f.path}`;
    const old = best.get(k);
    if (!old || rank[f.severity] > rank[old.severity]) best.set(k, f);
  }
  return [...best.values()];
}

export function scanTool(def: unknown, ctx: ScanContext = {}, options: ScanOptions = DEFAULT_OPTIONS): ScanResult {
  return scanItem('tool', def, ctx, options, undefined);
}

export function scanPrompt(def: unknown, ctx: ScanContext = {}, options: ScanOptions = DEFAULT_OPTIONS): ScanResult {
  return scanItem('prompt', def, ctx, options, undefined);
}

export function scanResourceTemplate(def: unknown, ctx: ScanContext = {}, options: ScanOptions = DEFAULT_OPTIONS): ScanResult {
  return scanItem('resourceTemplate', def, ctx, options, undefined);
}

const lowerName = (t: unknown): string | undefined => (isObject(t) && typeof t['name'] === 'string' ? t['name'].toLowerCase() : undefined);
const asList = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);

/**
 * Scan several upstreams' listings together. Tools learn their siblings and the other servers' tool
 * names (for shadowing), and names are compared across servers (collisions). Work is bounded by
 * options.limits.maxItems and maxTotalChars; items past either get a `limits.not-scanned` finding.
 */
export function scanServers(input: ServersInput, options: ScanOptions = DEFAULT_OPTIONS): ServersScan {
  const servers = isObject(input) && isObject(input.servers) ? (input.servers as Record<string, unknown>) : {};
  const setFindings: Finding[] = [];
  const results: ScanResult[] = [];
  const budget: Budget = { chars: options.limits.maxTotalChars };

  // Tool names per server, and the owner of each name (for foreign references).
  const owners = new Map<string, Set<string>>();
  const named: NamedTool[] = [];
  let total = 0;
  for (const [server, listing] of Object.entries(servers)) {
    const tools = asList(isObject(listing) ? listing['tools'] : undefined);
    total += tools.length + asList(isObject(listing) ? listing['prompts'] : undefined).length + asList(isObject(listing) ? listing['resourceTemplates'] : undefined).length;
    tools.forEach((t, index) => {
      const n = lowerName(t);
      if (n === undefined || index >= options.limits.maxItems) return;
      const s = owners.get(n);
      if (s) s.add(server); else owners.set(n, new Set([server]));
      named.push({ server, name: (t as { name: string }).name, index });
    });
  }
  if (total > options.limits.maxItems) {
    setFindings.push({ ruleId: 'limits.too-many-items', family: 'limits', severity: 'high', path: '/servers', span: [0, 0], evidence: String(total), explanation: `The listings hold ${total} items; only the first ${options.limits.maxItems} are scanned, the rest are flagged unscanned.` });
  }
  const collisions = collisionFindings(named);

  let seen = 0;
  for (const [server, listing] of Object.entries(servers)) {
    const l = isObject(listing) ? listing : {};
    const tools = asList(l['tools']);
    const siblings = new Set<string>();
    for (const t of tools.slice(0, options.limits.maxItems)) { const n = lowerName(t); if (n !== undefined) siblings.add(n); }
    const foreign = new Map<string, string>();
    for (const [n, s] of owners) {
      if (siblings.has(n)) continue;
      const first = s.values().next().value;
      if (first !== undefined) foreign.set(n, first);
    }
    const ctx: ScanContext = { server, siblings, foreign };
    const groups: [ItemKind, readonly unknown[]][] = [['tool', tools], ['prompt', asList(l['prompts'])], ['resourceTemplate', asList(l['resourceTemplates'])]];
    for (const [kind, items] of groups) {
      items.forEach((def, index) => {
        seen++;
        if (seen > options.limits.maxItems) {
          results.push(notScanned(kind, server, def, options));
          return;
        }
        const r = scanItem(kind, def, ctx, options, budget);
        const extra = kind === 'tool' ? collisions.get(`${server}\u0000${index}`) : undefined;
        if (extra && extra.length > 0) {
          const findings = [...r.findings, ...extra];
          const d = decide(findings, options);
          results.push({ ...r, findings, score: d.score, flagged: d.flagged, action: d.action });
        } else results.push(r);
      });
    }
  }
  return { results, findings: setFindings, flagged: results.filter((r) => r.flagged).length };
}

function notScanned(kind: ItemKind, server: string, def: unknown, options: ScanOptions): ScanResult {
  const rawName = isObject(def) ? def['name'] : undefined;
  const findings: Finding[] = [{ ruleId: 'limits.not-scanned', family: 'limits', severity: 'high', path: '', span: [0, 0], evidence: '', explanation: `Not scanned: past the limit of ${options.limits.maxItems} items per scan.` }];
  const d = decide(findings, options);
  return { kind, server, name: typeof rawName === 'string' ? rawName : '', score: d.score, flagged: d.flagged, action: d.action, findings };
}
