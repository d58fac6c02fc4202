/**
 * The effective content settings for one target: the defaults with every matching override applied
 * in order. Resolved once per (upstream, kind, name) and cached, so the hot path does one Map lookup.
 */
import { DEFAULT_INJECTION_THRESHOLD } from '../../detect/content/injection.js';
import type { PiiAction, PiiKind } from '../../detect/content/pii.js';
import type { UserPattern } from '../../detect/content/user-pattern.js';
import { globToRegExpSource } from '../../policy/glob.js';
import type { Target } from '../../pipeline/types.js';
import type { ContentConfig, ContentOverride, InjectionAction } from './schema.js';
import { compilePatternOrThrow } from './user-patterns.js';

export interface CustomPattern {
  readonly name: string;
  readonly label: 'secret' | 'pii';
  readonly action: PiiAction;
  readonly pattern: UserPattern;
}

export interface Settings {
  readonly outputSchema: 'off' | 'warn' | 'strict';
  readonly sanitize: 'off' | 'strip' | 'visible';
  readonly secrets: 'off' | 'log' | 'redact' | 'block';
  /** PII kinds looked for, each with its action. */
  readonly pii: ReadonlyMap<PiiKind, PiiAction>;
  readonly piiKinds: readonly PiiKind[];
  readonly injection: InjectionAction;
  readonly threshold: number;
  readonly maxBytes: number;
  readonly maxItems: number | undefined;
  readonly untrusted: boolean;
  readonly patterns: readonly CustomPattern[];
  /** Whether any text check runs at all (false: strings need not be visited). */
  readonly scansText: boolean;
}

interface CompiledOverride {
  readonly o: ContentOverride;
  readonly tools: RegExp | undefined;
  readonly prompts: RegExp | undefined;
  readonly resources: RegExp | undefined;
  readonly whole: boolean;
}

const MAX_CACHED = 10_000;

export class SettingsResolver {
  private readonly overrides: CompiledOverride[];
  private readonly patterns: CustomPattern[];
  private readonly cache = new Map<string, Settings>();
  readonly defaults: Settings;

  constructor(private readonly config: ContentConfig) {
    this.patterns = config.patterns.map((p) => ({ name: p.name, label: p.label, action: p.action, pattern: compilePatternOrThrow(p.regex) }));
    this.overrides = config.overrides.map((o) => ({
      o,
      tools: anyOf(o.tools),
      prompts: anyOf(o.prompts),
      resources: anyOf(o.resources),
      whole: o.tools === undefined && o.prompts === undefined && o.resources === undefined,
    }));
    this.defaults = this.build([]);
  }

  /** Whether any target could quarantine (the request hook that delivers released results is needed). */
  get mayQuarantine(): boolean {
    return this.defaults.injection === 'quarantine' || this.config.overrides.some((o) => injectionOf(o.injection).action === 'quarantine');
  }

  forTarget(target: Target | undefined): Settings {
    if (target === undefined || this.overrides.length === 0) return this.defaults;
    const key = `${target.upstream}\0${target.kind}\0${target.name}`;
    let s = this.cache.get(key);
    if (s === undefined) {
      s = this.build(this.overrides.filter((c) => applies(c, target)).map((c) => c.o));
      if (this.cache.size >= MAX_CACHED) this.cache.clear(); // bounded; names come from upstreams
      this.cache.set(key, s);
    }
    return s;
  }

  private build(matching: readonly ContentOverride[]): Settings {
    const c = this.config;
    const pii = new Map<PiiKind, PiiAction>(Object.entries(c.pii) as Array<[PiiKind, PiiAction]>);
    let { outputSchema, sanitize, secrets, maxBytes, maxItems, untrusted } = c;
    let { action: injection = 'log', threshold = DEFAULT_INJECTION_THRESHOLD } = injectionOf(c.injection);
    for (const o of matching) {
      outputSchema = o.outputSchema ?? outputSchema;
      sanitize = o.sanitize ?? sanitize;
      secrets = o.secrets ?? secrets;
      maxBytes = o.maxBytes ?? maxBytes;
      maxItems = o.maxItems ?? maxItems;
      untrusted = o.untrusted ?? untrusted;
      for (const [k, a] of Object.entries(o.pii ?? {}) as Array<[PiiKind, PiiAction]>) pii.set(k, a);
      const inj = injectionOf(o.injection);
      injection = inj.action ?? injection;
      threshold = inj.threshold ?? threshold;
    }
    const piiKinds = [...pii.keys()];
    return {
      outputSchema,
      sanitize,
      secrets,
      pii,
      piiKinds,
      injection,
      threshold,
      maxBytes,
      maxItems,
      untrusted,
      patterns: this.patterns,
      scansText: sanitize !== 'off' || secrets !== 'off' || piiKinds.length > 0 || injection !== 'off' || this.patterns.length > 0,
    };
  }
}

function injectionOf(v: ContentConfig['injection'] | undefined): { action?: InjectionAction; threshold?: number } {
  if (v === undefined) return {};
  if (typeof v === 'string') return { action: v };
  const out: { action?: InjectionAction; threshold?: number } = {};
  if (v.action !== undefined) out.action = v.action;
  if (v.threshold !== undefined) out.threshold = v.threshold;
  return out;
}

function anyOf(globs: readonly string[] | undefined): RegExp | undefined {
  if (globs === undefined) return undefined;
  if (globs.length === 0) return /(?!)/; // an empty list matches nothing
  return new RegExp(`^(?:${globs.map(globToRegExpSource).join('|')})$`, 's');
}

function applies(c: CompiledOverride, t: Target): boolean {
  if (c.o.upstream !== t.upstream) return false;
  if (c.whole) return true;
  const re = t.kind === 'tool' ? c.tools : t.kind === 'prompt' ? c.prompts : c.resources;
  return re !== undefined && re.test(t.name);
}
