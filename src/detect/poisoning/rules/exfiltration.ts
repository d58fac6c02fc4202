/**
 * Family "exfiltration": directives to move data out of the conversation — secrets, local files,
 * the conversation itself — to URLs, e-mail addresses, other tools or this tool's own parameters.
 * A sensitive word alone is never enough (tools legitimately take an `api_key` or mention
 * `~/.ssh/config`); the rules need a verb that moves or reads data, not negated, and then grade by
 * where the data goes.
 */
import { around, makeFinding, type FieldCtx, type PatternRule, type Sink } from '../engine.js';
import { gap, rx } from '../safe-regex.js';
import type { Severity } from '../types.js';
import { toSpan } from '../unicode.js';
import { CONVERSATION, PRIVATE_DATA, SECRET_ENV, SECRET_NOUN, SENSITIVE_PATH, has, hasUnnegated, mayHaveDest, reAddToParam, reMoveOrPassive, rePassive, reAllQuant, reExternalDest, reMoveVerb, reParamDest, reReadVerb } from '../vocab.js';
import { toolRefs } from './refs.js';

const F = 'exfiltration' as const;

/** Text inside a parameter's own schema: the parameter itself is where the data would go. */
const inParam = (fc: FieldCtx): boolean => fc.field.path.includes('/properties/') && !FLAG_WORDING.test(fc.view.text);
/** "Whether to include …" describes an option, not a place to put data. */
const FLAG_WORDING = /^ ?(?:whether|if (?:true|set|enabled)|when (?:true|set|enabled)|set (?:to )?true|true to|enable|include|boolean|flag)\b/;

/**
 * Verdicts about one window of one field. The window around a match is line-bounded, so on a short
 * line every match of the secrets, conversation and file rules (up to six each) gets the same window:
 * the verdicts are worked out once per distinct window of a field instead of once per match.
 */
interface WindowVerdicts { moving?: boolean; reading?: boolean; dest?: boolean }
const verdictMemo = new WeakMap<FieldCtx, Map<string, WindowVerdicts>>();
function verdictsFor(fc: FieldCtx, w: string): WindowVerdicts {
  let perWindow = verdictMemo.get(fc);
  if (!perWindow) { perWindow = new Map(); verdictMemo.set(fc, perWindow); }
  let v = perWindow.get(w);
  if (!v) { v = {}; perWindow.set(w, v); }
  return v;
}

/** Active verbs anywhere, passive ones only when the data goes into a parameter. */
function movingTo(fc: FieldCtx, w: string): boolean {
  const v = verdictsFor(fc, w);
  return (v.moving ??= hasUnnegated(reMoveVerb, w) || has(reAddToParam, w) || (hasUnnegated(rePassive, w) && (inParam(fc) || has(reParamDest, w))));
}

function reading(fc: FieldCtx, w: string): boolean {
  const v = verdictsFor(fc, w);
  return (v.reading ??= hasUnnegated(reReadVerb, w));
}

function destination(fc: FieldCtx, w: string): boolean {
  const v = verdictsFor(fc, w);
  return (v.dest ??= findDestination(fc, w));
}

function findDestination(fc: FieldCtx, window: string): boolean {
  if (inParam(fc) || (mayHaveDest(window) && has(reExternalDest, window)) || has(reParamDest, window)) return true;
  if (/\bhere\b|\bthis (?:field|parameter|argument)\b|\b(?:upload|http_request|send_message|send_email|pastebin) tool\b|\bto (?:our|the|a|this|my) (?:[a-z-]{1,20} )?(?:server|endpoint|webhook|api|backend|collector|bucket|pastebin|storage|cloud|database|inbox|channel)\b|\bsubdomain\b/.test(window)) return true;
  const refs = toolRefs(window, fc.item);
  return refs.foreign.length > 0 || refs.unknown.length > 0;
}

const STANDING = /\b(?:silently|secretly|quietly|automatically|always|also|periodically|in the background|whenever|every time|each time|before (?:answering|responding|reviewing)|as json)\b/;

/** "the contents of ~/.ssh/id_rsa": naming a secret file's content is asking for it. */
const CONTENT_OF = /\b(?:contents?|text|data|body|value|output) of\b|\bfill (?:in|it)\b|\benter\b|\bsupply\b|\b(?:should|must|needs? to|has to|shall) (?:contain|include|hold|carry|list)\b/;

function sensitiveFile(m: RegExpExecArray, fc: FieldCtx): Severity | null {
  const w = around(fc.view.text, m, 140);
  const moving = movingTo(fc, w) || reading(fc, w) || CONTENT_OF.test(w);
  const dest = destination(fc, w);
  if (moving && dest) return 'critical';
  if (moving) return 'high';
  return dest ? 'medium' : 'low';
}

function secretValue(m: RegExpExecArray, fc: FieldCtx): Severity | null {
  const w = around(fc.view.text, m, 120);
  const moving = movingTo(fc, w);
  const isReading = reading(fc, w);
  // Cheapest first: without a verb that moves or reads data there is nothing to grade.
  if (!moving && !isReading) return null;
  const dest = destination(fc, w);
  const scope = /\bthe user'?s?\b|\b(?:all|every|any)\b|\bvisible\b|\bin the conversation\b|\benvironment\b|\bde l'utilisateur\b|\bdel usuario\b/.test(w);
  if (moving && (dest || scope)) return 'high';
  if (isReading && dest) return 'high';
  if (moving) return 'medium';
  return null;
}

function conversation(m: RegExpExecArray, fc: FieldCtx): Severity | null {
  const w = around(fc.view.text, m, 120);
  if (!movingTo(fc, w)) return null;
  return destination(fc, w) ? 'high' : 'medium';
}

/**
 * A verb that moves data followed (within 100 characters) by a fixed external address. Done in two
 * linear passes — all destinations first, then each verb looks up the next one — instead of one
 * pattern with a gap before the address, whose backtracking bound would be the product of both.
 */
export function scanBroadcast(fc: FieldCtx, sink: Sink): void {
  const k = fc.field.kind;
  if (k === 'name' || k === 'key' || k === 'uri') return;
  const t = fc.view.text;
  if (!mayHaveDest(t)) return;
  const dests: [number, number][] = [];
  const reD = reExternalDest;
  reD.lastIndex = 0;
  for (let j = 0; j < 64; j++) {
    const d = reD.exec(t);
    if (d === null) break;
    dests.push([d.index, d.index + d[0].length]);
  }
  if (dests.length === 0) return;
  const reV = reMoveOrPassive;
  reV.lastIndex = 0;
  let best: { sev: Severity; at: number; end: number } | undefined;
  for (let j = 0; j < 64; j++) {
    const v = reV.exec(t);
    if (v === null) break;
    const vEnd = v.index + v[0].length;
    const d = dests.find(([a]) => a >= vEnd && a - vEnd <= 100 && !t.slice(vEnd, a).includes('\n'));
    if (!d) continue;
    if (/\b(?:not|never|no|don't|without|nor)\b/.test(t.slice(Math.max(0, v.index - 20), v.index))) continue;
    const w = t.slice(Math.max(0, v.index - 60), d[0]);
    const sev: Severity = has(reAllQuant, w) || STANDING.test(w) ? 'high' : 'medium';
    if (!best || (sev === 'high' && best.sev !== 'high')) best = { sev, at: v.index, end: d[1] };
    if (sev === 'high') break;
  }
  if (best) {
    sink(makeFinding({ id: 'exfiltration.broadcast', family: F, explain: best.sev === 'high' ? 'Tells the model to send everything, or always, to a fixed external address.' : 'Tells the model to send data to a fixed external address.' },
      best.sev, fc.field, toSpan(fc.view, best.at, best.end)));
  }
}

export const EXFIL_RULES: readonly PatternRule[] = [
  { id: 'exfiltration.sensitive-file', family: F, severity: 'high', explain: 'Refers to a credential or private file together with reading or sending it.', hints: ['/.', 'id_', '/etc/', 'mcp.json', 'claude_desktop', 'login data', 'wallet.dat', 'keychain', 'kubeconfig', '.env', '.pem', '.p12', '.pfx', '.kdbx', '.git-credentials', '.netrc', '.npmrc'],
    re: rx(SENSITIVE_PATH), check: sensitiveFile, kinds: ['description', 'title', 'default', 'enum', 'example', 'const', 'other', 'key'] },
  { id: 'exfiltration.secrets', family: F, severity: 'high', explain: 'Asks the model to send or pass on secrets (keys, tokens, passwords).', hints: ['key', 'token', 'secret', 'passw', 'passphrase', 'credential', 'bank', 'login', 'account', 'cookie', 'seed', 'mnemonic', 'recovery', '2fa', 'otp', 'one-time', 'card', 'cvv', 'social security', 'ssn', 'clave', 'contrasena', 'cle', 'de passe', 'jeton', 'schlussel', 'kennwort', 'zugangsdaten', 'chiavi', 'senha', 'ключ', 'парол', 'токен', '密钥', '密码', '令牌', '凭证', '凭据', 'パスワード', 'トークン', '秘密鍵', '_pat'],
    re: rx(`(?:${SECRET_NOUN}|${SECRET_ENV})`), check: secretValue, kinds: ['description', 'title', 'default', 'enum', 'example', 'const', 'other', 'key'] },
  { id: 'exfiltration.conversation', family: F, severity: 'high', explain: 'Asks the model to send the conversation somewhere.', hints: ['conversation', 'chat', 'dialog', 'session', 'message', 'prompt', 'mail', 'dms', 'the user', 'list of', 'verlauf', 'historial', 'historique', 'cronologia', 'истори', '对话', '聊天', '会話'],
    re: rx(CONVERSATION), check: conversation, kinds: ['description', 'title', 'default', 'enum', 'example', 'const', 'other', 'key'] },
  { id: 'exfiltration.conversation', family: F, severity: 'high', explain: 'Asks the model to send the user\'s private data somewhere.', hints: ['home', 'typed', 'asked', 'said', 'wrote', 'written', 'entered', 'told you', 'shared', 'sent', 'mentioned', 'pasted', 'health', 'medical', 'location', 'gps', 'ip address', 'tabs', 'browsing', 'output of', 'result of', 'browser', 'contact', 'phone', 'shell history', 'command history', 'clipboard', 'conversacion'],
    re: rx(PRIVATE_DATA), check: conversation, kinds: ['description', 'title', 'default', 'enum', 'example', 'const', 'other', 'key'] },
  { id: 'exfiltration.env-dump', family: F, severity: 'high', explain: 'Asks the model to send out environment variables.', hints: ['printenv', 'output of', 'environment variables', 'process.env', 'os.environ'],
    re: rx(`(?:\\bprintenv\\b|\\boutput of [\`'"]?env\\b|\\benvironment variables\\b|\\bprocess\\.env\\b|\\bos\\.environ\\b)`),
    check: (m, fc) => { const w = around(fc.view.text, m, 120); return hasUnnegated(reMoveVerb, w) && destination(fc, w) ? 'high' : null; } },
  { id: 'exfiltration.smuggle', family: F, severity: 'high', explain: 'Asks the model to hide secrets in URLs, DNS names or images.', hints: ['token', 'key', 'secret', 'passw', 'credential', 'cookie'],
    re: rx(`(?:\\b(?:encode|embed|hide|smuggle|append|put|add)\\b${gap(40)}?\\b(?:tokens?|keys?|secrets?|passwords?|credentials?|api keys?|cookies)\\b${gap(60)}?(?:subdomain|\\bdns\\b|query string|url parameter|\\?[a-z]{1,10}=|image url|markdown image|in the url|to every url|to each url)|\\?[a-z]{1,10}=${gap(30)}?\\b(?:api keys?|tokens?|secrets?|passwords?))`) },
];

/** Parameters whose fixed value is a recipient or endpoint: a baked-in address is an exfil route. */
const RECIPIENT_PARAM = /\/properties\/(?:to|cc|bcc|recipients?|emails?|forward_?to|reply_?to|send_?to|notify|copy_?to)(?:\/|$)/i;
const ENDPOINT_PARAM = /\/properties\/(?:webhook(?:_?url)?|callback(?:_?url)?|endpoint|upload_?url|destination|target_?url|report_?url)(?:\/|$)/i;

export function scanFixedRecipients(fc: FieldCtx, sink: Sink): void {
  const k = fc.field.kind;
  if (k !== 'default' && k !== 'const' && k !== 'enum' && k !== 'example') return;
  const recipient = RECIPIENT_PARAM.test(fc.field.path);
  if (!recipient && !ENDPOINT_PARAM.test(fc.field.path)) return;
  if (!mayHaveDest(fc.view.text)) return;
  reExternalDest.lastIndex = 0;
  const m = reExternalDest.exec(fc.view.text);
  if (!m) return;
  sink(makeFinding({ id: 'exfiltration.fixed-recipient', family: F, explain: recipient ? 'A recipient parameter has a built-in external address.' : 'An endpoint parameter has a built-in external address.' },
    recipient ? 'high' : 'low', fc.field, toSpan(fc.view, m.index, m.index + m[0].length)));
}
