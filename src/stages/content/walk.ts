/**
 * Walks the parts of a message that carry content — text items, embedded resources, blobs, strings
 * inside structuredContent — runs the text checks on each, and applies the size limits on the way
 * (minimization), copy-on-write: an unchanged message keeps its objects.
 *
 * Work is bounded: at most `maxBytes` of output per message plus a margin is ever scanned (a 10 MB
 * result with a 4 MB limit costs 4 MB of scanning), and structured content deeper than MAX_DEPTH or
 * with more than MAX_NODES values is removed rather than walked.
 */
import { Buffer } from 'node:buffer';
import { decodeTextBlob } from '../../detect/content/scan.js';
import { isPlainObject } from '../../protocol/jsonrpc.js';
import { checkText, type Verdicts } from './chain.js';
import type { Settings } from './settings.js';
import type { Tally } from './tally.js';

/**
 * A string cut before scanning loses this much from its scanned end too, so a secret straddling the
 * cut (only partly seen, so not recognized) is never passed on. It exceeds the longest secret the
 * rules match (private keys, up to 16 KB).
 */
const CUT_MARGIN = 16 * 1024;
export const MAX_DEPTH = 64;
export const MAX_NODES = 100_000;

type Json = unknown;

export class Walker {
  /** Output bytes still allowed (maxBytes). */
  private left: number;
  /** Set when the size limit cut or dropped something. */
  truncated = false;
  /** Items dropped by maxItems. */
  itemsWithheld = 0;
  /** Why structured content was removed, when it was. */
  structuredRemoved: string | undefined;
  private nodes = 0;

  constructor(
    readonly settings: Settings,
    readonly tally: Tally,
    readonly verdicts: Verdicts,
  ) {
    this.left = settings.maxBytes;
  }

  /** One string: checked, then cut to what is left of the size limit. */
  text(s: string): string {
    if (this.left <= 0) {
      if (s.length > 0) this.truncated = true;
      return '';
    }
    let input = s;
    let precut = false;
    if (s.length > this.left + CUT_MARGIN) {
      input = s.slice(0, this.left + CUT_MARGIN);
      precut = true;
    }
    let out = this.settings.scansText ? checkText(input, this.settings, this.tally, this.verdicts) : input;
    if (precut) out = out.slice(0, Math.max(0, out.length - CUT_MARGIN));
    const bytes = Buffer.byteLength(out);
    if (bytes > this.left) {
      out = cutUtf8(out, this.left);
      this.left = 0;
      this.truncated = true;
    } else {
      this.left -= bytes;
    }
    return out;
  }

  /**
   * Base64 content (a resource blob, image or audio data): scanned when it decodes to UTF-8 text, and
   * re-encoded if a check changed it; otherwise passed as is and recorded as not scanned. Returns
   * undefined when the blob does not fit in what is left of the size limit (the item is dropped).
   */
  blob(b64: string, kind: string): string | undefined {
    if (b64.length > this.left) {
      this.truncated = true;
      this.left = 0;
      return undefined;
    }
    const text = this.settings.scansText ? decodeTextBlob(b64, this.settings.maxBytes) : undefined;
    if (text === undefined) {
      if (this.settings.scansText) this.tally.add('binary', kind, 'not-scanned');
      this.left -= b64.length;
      return b64;
    }
    const out = checkText(text, this.settings, this.tally, this.verdicts);
    this.tally.add('binary', kind, 'scanned-as-text');
    const encoded = out === text ? b64 : Buffer.from(out, 'utf8').toString('base64');
    this.left -= encoded.length;
    return encoded;
  }

  /** A content block (tool results, prompt messages, sampling messages). Undefined: drop it. */
  item(c: Json): Json | undefined {
    if (!isPlainObject(c)) return c;
    switch (c.type) {
      case 'text': {
        if (typeof c.text !== 'string') return c;
        const text = this.text(c.text);
        if (text === '' && c.text !== '') return undefined;
        return text === c.text ? c : { ...c, text };
      }
      case 'resource': {
        if (!isPlainObject(c.resource)) return c;
        const r = this.resourceContents(c.resource);
        return r === undefined ? undefined : r === c.resource ? c : { ...c, resource: r };
      }
      case 'image':
      case 'audio': {
        if (typeof c.data !== 'string') return c;
        const data = this.blob(c.data, c.type);
        return data === undefined ? undefined : data === c.data ? c : { ...c, data };
      }
      default:
        return c; // resource_link and unknown kinds carry no content of their own
    }
  }

  /** `{uri, text}` or `{uri, blob}`: an embedded resource or one entry of resources/read. */
  resourceContents(r: Record<string, unknown>): Record<string, unknown> | undefined {
    if (typeof r.text === 'string') {
      const text = this.text(r.text);
      if (text === '' && r.text !== '') return undefined;
      return text === r.text ? r : { ...r, text };
    }
    if (typeof r.blob === 'string') {
      const blob = this.blob(r.blob, 'blob');
      return blob === undefined ? undefined : blob === r.blob ? r : { ...r, blob };
    }
    return r;
  }

  /** A list of content blocks, capped at maxItems (the cap is applied first: no work on withheld items). */
  items(list: readonly Json[], each: (c: Json) => Json | undefined = (c) => this.item(c)): Json[] | readonly Json[] {
    const max = this.settings.maxItems;
    let input = list;
    if (max !== undefined && list.length > max) {
      this.itemsWithheld += list.length - max;
      input = list.slice(0, max);
    }
    let out: Json[] | undefined = input === list ? undefined : [...input];
    for (let i = 0; i < input.length; i++) {
      const c = input[i];
      const next = each(c);
      if (next !== c) {
        out ??= [...input];
        out[i] = next;
      }
    }
    return out ? out.filter((c) => c !== undefined) : list;
  }

  /**
   * Structured content: every string value checked (keys are names, not content). Undefined when it
   * has to be removed: deeper than MAX_DEPTH, more than MAX_NODES values, or over the size limit
   * (structured data cut in the middle would be wrong data, so it goes whole).
   */
  structured(value: Json): Json | undefined {
    this.nodes = 0;
    const before = this.truncated;
    this.truncated = false;
    let out: Json | undefined;
    try {
      out = this.json(value, 0);
    } catch (err) {
      if (!(err instanceof TooBig)) throw err;
      this.tally.add('structured', err.why, 'removed');
      this.structuredRemoved = err.why === 'too-deep' ? `it is nested deeper than ${MAX_DEPTH} levels` : `it has more than ${MAX_NODES} values`;
      this.truncated = before;
      return undefined;
    }
    if (this.truncated) {
      this.tally.add('structured', 'size', 'removed');
      this.structuredRemoved = `it does not fit in the limit of ${this.settings.maxBytes} bytes`;
      this.truncated = before;
      return undefined;
    }
    this.truncated = before;
    return out;
  }

  private json(v: Json, depth: number): Json {
    if (++this.nodes > MAX_NODES) throw new TooBig('too-many-values');
    if (typeof v === 'string') return this.text(v);
    if (v === null || typeof v !== 'object') return v;
    if (depth >= MAX_DEPTH) throw new TooBig('too-deep');
    if (Array.isArray(v)) {
      let out: Json[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const next = this.json(v[i], depth + 1);
        if (next !== v[i]) (out ??= [...v])[i] = next;
      }
      return out ?? v;
    }
    let out: Record<string, Json> | undefined;
    const o = v as Record<string, Json>;
    for (const k of Object.keys(o)) {
      const next = this.json(o[k], depth + 1);
      if (next !== o[k]) (out ??= { ...o })[k] = next;
    }
    return out ?? v;
  }
}

class TooBig extends Error {
  constructor(readonly why: 'too-deep' | 'too-many-values') {
    super(why);
  }
}

/** The longest prefix of `s` whose UTF-8 encoding fits in `bytes` (never splits a character). */
export function cutUtf8(s: string, bytes: number): string {
  let used = 0;
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let n: number;
    if (c < 0x80) n = 1;
    else if (c < 0x800) n = 2;
    else if (c >= 0xd800 && c <= 0xdbff) n = 4;
    else n = 3;
    if (used + n > bytes) break;
    used += n;
    if (n === 4) i++;
  }
  return s.slice(0, i);
}
