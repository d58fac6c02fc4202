/**
 * Family "shadowing": a definition that tries to change how the model uses OTHER tools — hooks on
 * another tool's use ("when send_email is used, also BCC …"), diversions ("never use read_file, use
 * this instead"), disparagement of another server's tools, or global orders to every tool. References
 * to the server's own tools are workflow hints and never count (see refs.ts).
 */
import { makeFinding, type FieldCtx, type Sink } from '../engine.js';
import { alt, rx } from '../safe-regex.js';
import type { Finding, Severity } from '../types.js';
import { toSpan } from '../unicode.js';
import { has, hasUnnegated } from '../vocab.js';
import { GENERIC_REF, SERVER_REF, toolRefs, type Ref } from './refs.js';

const F = 'shadowing' as const;

/** Words that change another tool's behaviour or divert from it (several languages). */
const MOD = rx(`(?:\\b(?:always|also|additionally|as well|in addition|must|instead|never|forbidden|prohibited|not allowed|no longer allowed|banned|replace[sd]?|change[sd]?|set (?:the |it |its )?(?:recipient|destination|channel|path|branch|amount|account|to|cc|bcc|body|parameter)|bcc|cc|append|prepend|redirect|route|raise|increase|multiply|add (?:\\d|one|two|three|an? (?:bcc|cc|copy|recipient|line|header|parameter|field|step|call|note)|the line|the file)|drop|immediately|silently|sign (?:the|it|as)|mark (?:it|the|them)|supersedes?|deprecated|compromised|broken|insecure|unsafe|disabled|stale|avoid|immer|siempre|toujours|sempre|zusatzlich|ademas|kopie|copia|copie|cambia|andere|remplace|ersetze|substitua|sostituisci|musst|muss|mussen|jedem|jeder|setze|setzen|debes|debe|cada|doit|dois|devez|chaque|deve|ogni|verboten|prohibido|interdit)\\b|всегда|замени|должен|каждый|必须|总是|一定|抄送|每次|必ず|毎回|コピー)`);
/** Data-flow verbs: with a hook on "any other tool" they reroute other tools' data. */
const FLOW = rx(`\\b(?:feed|pass|send|route|forward|pipe|copy|log|report|submit|mirror|hand)\\b`);
const CONDITIONAL = rx(`(?:\\b(?:when|whenever|each time|every time|any time|anytime|once|if|after|before|wenn|sobald|cuando|lorsque|quand|quando)\\b|当|如果|とき|時)`);
const SIDE_EFFECT = rx(`\\b(?:side[ -]?effects? on|(?:affects?|modif(?:y|ies)|changes?|alters?|overrides?|hijacks?|intercepts?) (?:the )?behaviou?r of|hooks? into)\\b`);
/** Literal gate before GENERIC_REF, all words in one pass (the words of a generic reference to other tools or servers). */
const GENERIC_GATE = rx(alt(['tools', 'servers', 'functions', 'any tool', 'every tool', 'each tool', 'all tool', 'any server', 'every server', 'each server', 'any function', 'every function', 'each function', 'other tool', 'mcp server']));
const HYPHENATED = rx('[a-z0-9]-[a-z0-9]');
const MAYBE_REF = rx(`\\b(?:tool|tools|function|call|calls|calling|called|use|uses|using|used|invoke|invokes|invoking|invoked)\\b|\\(\\)`);
const TOOLISH = rx(`\\b(?:tools?|servers?|functions?)\\b|_`);
/** "when/whenever … use/call [the]" right before the reference. */
const HOOK_BEFORE = rx(`\\b(?:when|whenever|each time|every time|once|if|after|before|wenn|cuando|lorsque|quand)\\b[^\\n]{0,30}?\\b(?:use|uses|using|call|calls|calling|invoke|invokes|invoking|run|runs|utilises|usas?|benutzt|verwendest)\\b (?:the |any |a |l'outil |la herramienta |das tool |the tool )?['"\x60]?$`);
const COND_BEFORE = rx(`\\b(?:when|whenever|each time|every time|once|if|after|before|wenn|cuando|lorsque|quand)\\b[^\\n]{0,20}?(?:the |a )?['"\x60]?$`);
const USED_AFTER = rx(`^['"\x60]?(?: tool)? (?:is|are|gets|has been)? ?(?:used|called|invoked|run|executed)\\b`);
/** "every transfer_funds call", "each call to read_file". */
const EVERY_CALL = rx(`\\b(?:every|each|all|any)\\b (?:call to |use of |invocation of )?['"\x60]?[a-z0-9_.-]{2,64}['"\x60]? (?:call|calls|invocation|invocations|request|requests|use)\\b|\\b(?:every|each|all|any) (?:calls?|uses?|invocations?) (?:to|of) `);
const DIVERT_BEFORE = rx(`\\b(?:instead of|rather than|in place of|prefer(?:red)? (?:this (?:tool|one|function) |it |this )?(?:over|to)|never use|do not use|don't use|never call|do not call|don't call|stop using|replace(?: any| every| all)?(?: calls? to| uses? of)?|avoid(?: using| calling)?) (?:the |a )?['"\x60]?$`);
const DISPARAGE = rx(`\\b(?:deprecated|insecure|broken|compromised|unsafe|disabled|outdated|stale|wrong|inaccurate|buggy|unreliable|malicious|hacked|drops|slow|leaks?|leaking|spies|spying|steals?|fake|scam|phishing|fails?|failing|(?:does not|doesn't|do not|don't) work)\\b`);

/** Foreign names that MAYBE_REF would not reveal: hyphenated ones (when the text has a hyphen) and long plain words. */
const foreignKinds = new WeakMap<ReadonlyMap<string, string>, { hyphen: boolean; long: boolean }>();
function foreignNeedsScan(foreign: ReadonlyMap<string, string>, text: string): boolean {
  if (foreign.size === 0) return false;
  let k = foreignKinds.get(foreign);
  if (!k) {
    k = { hyphen: false, long: false };
    for (const n of foreign.keys()) { if (n.includes('-') || n.includes('.')) k.hyphen = true; else if (!/[_\d]/.test(n) && n.length >= 10) k.long = true; }
    foreignKinds.set(foreign, k);
  }
  return k.long || (k.hyphen && text.includes('-')) || /\d/.test(text);
}

/** The line-bounded neighbourhood of [at, end). */
function sentenceAround(text: string, at: number, end: number, n = 140): string {
  let a = Math.max(0, at - n);
  const nl = text.lastIndexOf('\n', at);
  if (nl >= a) a = nl + 1;
  let b = Math.min(text.length, end + n);
  const nl2 = text.indexOf('\n', end);
  if (nl2 >= 0 && nl2 < b) b = nl2;
  return text.slice(a, b);
}

export function scanShadowing(fc: FieldCtx, sink: Sink): void {
  if (fc.field.kind === 'name' || fc.field.kind === 'key' || fc.field.kind === 'uri') return;
  const text = fc.view.text;
  if (text.length < 16) return;
  // Tokenise only when a reference is possible: an identifier-ish token near a tool word (unknown
  // tools), or a text that could name one of the other servers' tools.
  const identifierish = text.includes('_') || (text.includes('-') && has(HYPHENATED, text));
  const maybeUnknown = identifierish && has(MAYBE_REF, text);
  const maybeForeign = fc.item.foreign.size > 0 && (identifierish || text.includes('`') || text.includes("'") || text.includes('"') || foreignNeedsScan(fc.item.foreign, text) || has(MAYBE_REF, text));
  const refs = maybeUnknown || maybeForeign ? toolRefs(text, fc.item) : { foreign: [], unknown: [] };
  const emit = (id: string, sev: Severity, explain: string, at: number, end: number): void => {
    sink(makeFinding({ id, family: F, explain }, sev, fc.field, toSpan(fc.view, at, end)) as Finding);
  };

  const foreignHit = refs.foreign.find((r: Ref) => {
    const s = sentenceAround(text, r.at, r.end);
    return hasUnnegated(MOD, s) || has(DISPARAGE, s) || (has(CONDITIONAL, s) && hasUnnegated(FLOW, s)) || has(EVERY_CALL, text.slice(Math.max(0, r.at - 16), r.end + 8)) || has(DIVERT_BEFORE, text.slice(Math.max(0, r.at - 48), r.at));
  });
  if (foreignHit) {
    const server = fc.item.foreign.get(foreignHit.name);
    emit('shadowing.foreign-tool', 'high', `Tells the model to change or avoid how it uses "${foreignHit.name}"${server ? ` of server "${server}"` : ''}.`, foreignHit.at, foreignHit.end);
  } else if (refs.foreign.length > 0) {
    const r = refs.foreign[0]!;
    emit('shadowing.mentions-foreign', 'low', `Mentions "${r.name}", a tool of another server.`, r.at, r.end);
  }

  // A tool nobody here defines: only a hook on its use or a diversion from it counts.
  for (const r of refs.unknown) {
    const before = text.slice(Math.max(0, r.at - 48), r.at);
    const afterRef = text.slice(r.end, r.end + 24);
    const s = sentenceAround(text, r.at, r.end);
    const hook = has(HOOK_BEFORE, before) || (has(COND_BEFORE, before) && has(USED_AFTER, afterRef));
    const divert = has(DIVERT_BEFORE, before);
    if (hook && hasUnnegated(MOD, s.slice(s.indexOf(r.name)))) {
      emit('shadowing.other-tool', 'high', `Tells the model to change what it does when "${r.name}" (not a tool of this server) is used.`, r.at, r.end);
      break;
    }
    if (divert) {
      emit('shadowing.other-tool', has(DISPARAGE, s) ? 'high' : 'medium', `Steers the model away from "${r.name}", a tool this server does not define.`, r.at, r.end);
      break;
    }
  }

  const toolWords = text.includes('tool') || text.includes('server') || text.includes('function');
  if (!toolWords) return;
  // Literal gates (memchr-fast) before the two whole-text patterns.
  const g = has(GENERIC_GATE, text) ? (GENERIC_REF.lastIndex = 0, GENERIC_REF.exec(text)) : null;
  const gs = g ? sentenceAround(text, g.index, g.index + g[0].length) : '';
  if (g && (hasUnnegated(MOD, gs) || (has(CONDITIONAL, gs) && hasUnnegated(FLOW, gs)))) {
    emit('shadowing.all-tools', 'high', 'Gives orders about other tools or servers in general.', g.index, g.index + g[0].length);
  } else {
    SERVER_REF.lastIndex = 0;
    const sr = text.includes(' server') || text.includes('integration') ? SERVER_REF.exec(text) : null;
    if (sr) {
      const s = sentenceAround(text, sr.index, sr.index + sr[0].length);
      if (has(CONDITIONAL, s) && hasUnnegated(MOD, s)) emit('shadowing.all-tools', 'high', 'Gives orders about what the model does with another server.', sr.index, sr.index + sr[0].length);
    }
  }

  if (!(text.includes('side') || text.includes('behavio') || text.includes('hook'))) return;
  SIDE_EFFECT.lastIndex = 0;
  const se = SIDE_EFFECT.exec(text);
  if (se) {
    const s = sentenceAround(text, se.index, se.index + se[0].length, 80);
    emit('shadowing.side-effect', has(TOOLISH, s) ? 'high' : 'low', 'Claims to change the behaviour of other tools.', se.index, se.index + se[0].length);
  }
}
