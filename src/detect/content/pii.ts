// PII detection by hand-written scanners: the text itself is only walked by loops and by one
// single-character-class search (to jump to the next digit); the few regular expressions run on
// bounded candidates (at most 40 characters), so nothing can backtrack over the text and the work is
// linear. Checksums and ranges do the precision work: Luhn for payment cards, ISO 13616 mod-97 (with
// per-country lengths) for IBANs, the SSA's invalid ranges for US SSNs, octet ranges for IPv4,
// RFC 4291 shape for IPv6. Phone numbers have no checksum: international and clearly grouped formats
// are accepted on their own, weak formats (two groups, a bare run of digits) only next to a word
// such as "phone", "call" or "fax". Pure: no I/O.

import { IBAN_LENGTH, ibanValid, luhnValid } from './pii-checksums.js';

export { ibanValid, luhnValid };

export type PiiKind = 'email' | 'phone' | 'card' | 'iban' | 'ssn' | 'ipv4' | 'ipv6' | 'dob';

export const PII_KINDS: readonly PiiKind[] = ['email', 'phone', 'card', 'iban', 'ssn', 'ipv4', 'ipv6', 'dob'];

export interface PiiFinding {
  kind: PiiKind;
  start: number;
  end: number;
}

export type PiiAction = 'redact' | 'mask' | 'allow';

// Overlaps keep the more specific finding.
const PRIORITY: Record<PiiKind, number> = { email: 0, iban: 1, card: 2, ssn: 3, ipv6: 4, ipv4: 5, dob: 6, phone: 7 };

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;
const MAX_NUMERIC_SPAN = 40;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
function isAlnum(c: number): boolean {
  return isDigit(c) || isAlpha(c);
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
/** A letter or digit of any script (a word character), for boundaries. */
function isWordAt(text: string, i: number): boolean {
  if (i < 0 || i >= text.length) return false;
  const c = text.charCodeAt(i);
  if (c < 128) return isAlnum(c) || c === 95;
  return /[\p{L}\p{N}]/u.test(text.charAt(i));
}

// ---- e-mail ----
const LOCAL = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-'") LOCAL[c.charCodeAt(0)] = 1;

function scanEmails(text: string, out: PiiFinding[]): void {
  let at = text.indexOf('@');
  let floor = 0; // do not start a local part before the end of the previous address
  while (at >= 0) {
    let s = at;
    const lo = Math.max(floor, at - MAX_LOCAL);
    while (s > lo && LOCAL[text.charCodeAt(s - 1)] === 1) s--;
    while (s < at && (text.charCodeAt(s) === 46 || text.charCodeAt(s) === 39)) s++; // no leading dot or quote
    let e = at + 1;
    const hi = Math.min(text.length, at + 1 + MAX_DOMAIN);
    let lastDot = -1;
    let labelLen = 0;
    while (e < hi) {
      const c = text.charCodeAt(e);
      if (isAlnum(c) || c === 45) {
        labelLen++;
        e++;
      } else if (c === 46 && labelLen > 0 && e + 1 < hi && isAlnum(text.charCodeAt(e + 1))) {
        lastDot = e;
        labelLen = 0;
        e++;
      } else break;
    }
    // the top-level domain: at least two letters
    let ok = s < at && text.charCodeAt(at - 1) !== 46 && lastDot > at + 1 && e - lastDot - 1 >= 2;
    if (ok) {
      for (let k = lastDot + 1; k < e; k++) if (!isAlpha(text.charCodeAt(k))) ok = false;
    }
    if (ok && !isWordAt(text, e)) {
      out.push({ kind: 'email', start: s, end: e });
      floor = e;
    }
    at = text.indexOf('@', at + 1);
  }
}

// ---- IBAN ----

/** An IBAN starting at `i` (two letters, two digits, …), or its end; -1 if none. */
function ibanAt(text: string, i: number): number {
  const n = text.length;
  if (i + 15 > n || isWordAt(text, i - 1)) return -1;
  if (!isAlpha(text.charCodeAt(i)) || !isAlpha(text.charCodeAt(i + 1)) || !isDigit(text.charCodeAt(i + 2)) || !isDigit(text.charCodeAt(i + 3))) return -1;
  const want = IBAN_LENGTH[text.slice(i, i + 2).toUpperCase()];
  if (want === undefined) return -1;
  // collect `want` alphanumerics, allowing single spaces between groups of four (print format)
  let j = i;
  let count = 0;
  while (j < n && count < want) {
    const c = text.charCodeAt(j);
    if (isAlnum(c)) {
      count++;
      j++;
    } else if (c === 32 && count % 4 === 0 && j + 1 < n && isAlnum(text.charCodeAt(j + 1))) j++;
    else break;
  }
  return count === want && !isWordAt(text, j) && ibanValid(text.slice(i, j)) ? j : -1;
}

// ---- numbers: cards, SSNs, IPv4, phones, dates of birth ----

// Presidio's phone context words, plus the labels of contact cards.
const PHONE_CONTEXT = ['phone', 'number', 'telephone', 'cell', 'mobile', 'call', 'tel', 'fax', 'sms', 'whatsapp', 'desk', 'office', 'contact', 'dial'];
// Identifiers that are not phone numbers, said just before the number.
const NOT_PHONE_CONTEXT = ['license', 'licence', 'passport', 'account', 'acct', 'order', 'invoice', 'serial', 'tracking', 'ssn', 'social security', 'zip', 'postcode', 'postal', 'iban', 'routing', 'isbn'];
const SSN_CONTEXT = ['ssn', 'social security', 'ss#', 'ss #', 'taxpayer'];
const DOB_CONTEXT = ['dob', 'd.o.b', 'date of birth', 'birth date', 'birthdate', 'born', 'birthday'];

function contextHas(text: string, start: number, end: number, words: readonly string[], before = 40, after = 16): boolean {
  const ctx = text.slice(Math.max(0, start - before), Math.min(text.length, end + after)).toLowerCase();
  return words.some((w) => ctx.includes(w));
}

interface NumSpan {
  start: number;
  end: number; // after the last digit (extension included)
  groups: number[]; // digit-group lengths
  seps: string[]; // separators between groups
  digits: string;
  plus: boolean;
  paren: boolean; // has a proper "(digits)" group
  badParen: boolean; // has a parenthesis that does not enclose one group
  ext: number; // extension digits (phones), 0 if none
}

const SEP = new Uint8Array(128);
for (const c of ' -.()/') SEP[c.charCodeAt(0)] = 1;

/** Index of the first digit after `j` within the separator budget (or `j`). */
function nextDigit(text: string, j: number, limit: number): number {
  for (let k = j; k < Math.min(limit, j + 4); k++) if (isDigit(text.charCodeAt(k))) return k;
  return j;
}

/** Reads a run of digit groups with light separators from `i` (text[i] is a digit, '+' or '('). */
function readNumber(text: string, i: number): NumSpan {
  const n = text.length;
  const limit = Math.min(n, i + MAX_NUMERIC_SPAN);
  const span: NumSpan = { start: i, end: i, groups: [], seps: [], digits: '', plus: false, paren: false, badParen: false, ext: 0 };
  let j = i;
  if (text.charCodeAt(j) === 43) {
    span.plus = true;
    j++;
  }
  let sep = '';
  let lastEnd = j;
  while (j < limit) {
    const c = text.charCodeAt(j);
    if (isDigit(c)) {
      const g0 = j;
      while (j < limit && isDigit(text.charCodeAt(j))) j++;
      if (span.groups.length > 0) span.seps.push(sep);
      else if (sep !== '' && sep !== '(') break; // only "(" may come before the first group
      span.groups.push(j - g0);
      span.digits += text.slice(g0, j);
      span.end = j;
      lastEnd = j;
      // a proper "(digits)" group: "(37) 788-063", "+41 (0)96 …", "(579)888-3058"
      if (sep.endsWith('(') && text.charCodeAt(j) === 41 && isDigit(text.charCodeAt(nextDigit(text, j, limit)))) span.paren = true;
      else if (sep.includes('(')) span.badParen = true;
      sep = '';
      continue;
    }
    if (c < 128 && SEP[c] === 1 && sep.length < 3) {
      if (c === 41 && !(sep === '' && span.paren && lastEnd === j)) span.badParen = true;
      sep += text[j];
      j++;
      continue;
    }
    // extension: x123, ext. 123, ext 123
    if ((c === 120 || c === 88 || c === 101) && span.digits.length >= 7 && sep.length <= 1) {
      const m = /^(?:x|ext\.? ?)(\d{1,5})/i.exec(text.slice(j, j + 10));
      if (m !== null && !isWordAt(text, j + m[0].length)) {
        span.ext = m[1]!.length;
        span.end = j + m[0].length;
      }
    }
    break;
  }
  // a ")" that closed the last group counts as part of the span's shape, not a stray one
  return span;
}

function validDate(y: number, m: number, d: number): boolean {
  return y >= 1000 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/** Digit groups that read as a date (y-m-d, d.m.y, m/d/y …). */
function looksLikeDate(s: NumSpan): boolean {
  if (s.groups.length < 3 || s.plus) return false;
  const [a, b, c] = s.groups as [number, number, number];
  const sepOk = (s.seps[0] === '-' || s.seps[0] === '.' || s.seps[0] === '/') && s.seps[0] === s.seps[1];
  if (!sepOk) return false;
  const d = s.digits.slice(0, a + b + c);
  if (a === 4 && b <= 2 && c <= 2) return validDate(+d.slice(0, 4), +d.slice(4, 4 + b), +d.slice(4 + b));
  if (c === 4 && a <= 2 && b <= 2) {
    const x = +d.slice(0, a);
    const y = +d.slice(a, a + b);
    const year = +d.slice(a + b);
    return validDate(year, y, x) || validDate(year, x, y);
  }
  return false;
}

function ssnValid(d: string): boolean {
  const area = +d.slice(0, 3);
  const group = +d.slice(3, 5);
  const serial = +d.slice(5);
  if (area === 0 || area === 666 || area >= 900 || group === 0 || serial === 0) return false;
  // numbers used in advertising and documentation
  return !['078051120', '219099999', '123456789'].includes(d);
}

function cardGroupingOk(s: NumSpan): boolean {
  if (s.groups.length === 1) return true;
  if (!s.seps.every((x) => x === ' ' || x === '-') || !s.seps.every((x) => x === s.seps[0])) return false;
  const g = s.groups;
  if (g.length === 3 && g[0] === 4 && g[1] === 6 && (g[2] === 5 || g[2] === 4)) return true; // Amex, Diners
  for (let k = 0; k < g.length - 1; k++) if (g[k] !== 4) return false;
  const last = g[g.length - 1]!;
  return last >= 1 && last <= 4;
}

/** Loopback, unspecified, broadcast and documentation addresses identify no one. */
function ipv4NotPersonal(digits: string, groups: number[]): boolean {
  const o: number[] = [];
  let p = 0;
  for (const g of groups) {
    o.push(+digits.slice(p, p + g));
    p += g;
  }
  const [a, b, c] = o as [number, number, number, number];
  if (a === 127 || a === 0 || (a === 255 && b === 255)) return true;
  return (a === 192 && b === 0 && c === 2) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113);
}

function classifyNumber(text: string, s: NumSpan, out: PiiFinding[], want: (k: PiiKind) => boolean): void {
  const nd = s.digits.length;
  const seps = s.seps;
  // IPv4: four dotted octets
  if (s.groups.length === 4 && !s.plus && !s.paren && seps.every((x) => x === '.') && s.groups.every((g) => g <= 3)) {
    let ok = true;
    let p = 0;
    for (const g of s.groups) {
      const part = s.digits.slice(p, p + g);
      p += g;
      if (+part > 255 || (part.length > 1 && part.startsWith('0'))) ok = false;
    }
    if (ok) {
      if (want('ipv4') && !ipv4NotPersonal(s.digits, s.groups)) out.push({ kind: 'ipv4', start: s.start, end: s.end });
      return;
    }
  }
  if (looksLikeDate(s)) {
    // (a date followed by a time, "2003-08-28 12:13", reads as one span: the first three groups decide)
    if (want('dob') && s.groups.length === 3 && contextHas(text, s.start, s.end, DOB_CONTEXT, 30, 0)) out.push({ kind: 'dob', start: s.start, end: s.end });
    return;
  }
  if (seps.some((x) => x.includes('/'))) return; // fractions, paths, dates with two-digit years
  // US SSN: 3-2-4 with one kind of separator, or 9 bare digits next to "SSN"
  if (!s.plus && !s.paren && nd === 9) {
    const dashed = s.groups.length === 3 && s.groups[0] === 3 && s.groups[1] === 2 && s.groups[2] === 4 && seps[0] === seps[1] && (seps[0] === '-' || seps[0] === ' ' || seps[0] === '.');
    if (dashed || (s.groups.length === 1 && contextHas(text, s.start, s.end, SSN_CONTEXT))) {
      if (ssnValid(s.digits)) {
        if (want('ssn')) out.push({ kind: 'ssn', start: s.start, end: s.end });
        return;
      }
      if (dashed) return;
    }
  }
  // payment card: 12–19 digits, card grouping, Luhn, a card-network first digit
  if (!s.plus && !s.paren && s.ext === 0 && nd >= 12 && nd <= 19 && cardGroupingOk(s) && luhnValid(s.digits)) {
    // a card network's first digit, or the word "card" just before
    const saysCard = contextHas(text, s.start, s.end, ['card'], 30, 0);
    if (saysCard || ('123456'.includes(s.digits[0]!) && (nd >= 13 || /^(?:50|5[6-9]|6)/.test(s.digits)))) {
      if (want('card')) out.push({ kind: 'card', start: s.start, end: s.end });
      return;
    }
  }
  // phone
  if (!want('phone')) return;
  const g = s.groups.length;
  if (nd < 7 || nd > 15 || s.badParen) return;
  // one-digit groups only as country, trunk or area code at the start ("+1 (897) …", "+46 (0)8 …", "1-800-…")
  if (s.groups.some((x, k) => x === 1 && k > 0 && !(k <= 2 && s.plus))) return;
  // a dot separates phone groups only when every separator is a dot (03.93.92.16.85), never a decimal
  if (seps.some((x) => x.includes('.')) && !seps.every((x) => x === '.')) return;
  // lists of years (1982-1984-1987) and round numbers (100000000) are not phone numbers
  if (g >= 2 && s.groups.every((x) => x === 4) && /^(?:(?:19|20)\d\d)+$/.test(s.digits)) return;
  if (g === 1 && /0000$/.test(s.digits)) return;
  if (/^(\d)\1+$/.test(s.digits)) return;
  const consistent = seps.length > 0 && seps.every((x) => x === seps[0]);
  const thousands = g >= 2 && (seps[0] === ' ' || seps[0] === '.') && s.groups.slice(1).every((x) => x === 3) && /(?:^|\D)000/.test(text.slice(s.start, s.end));
  let strong = false;
  if (s.plus) strong = nd >= 8; // +41 (0)96 471 07 95, +447700677662
  else if (s.paren) strong = g >= 2; // (37) 788-063, (579)888-3058
  else if (s.ext > 0) strong = true; // 345-899-3560x4587
  else if (consistent && g >= 3 && seps[0] !== '.') strong = nd >= 8 && !thousands; // 905-674-3793, 0490 75 40 81
  else if (consistent && g >= 4) strong = nd >= 8; // 03.93.92.16.85
  else if (consistent && g === 3 && seps[0] === '.') strong = nd === 10; // 259.735.7502
  else if (consistent && g === 2 && nd >= 9 && s.digits.startsWith('0') && seps[0] !== '.') strong = true; // 0961-7596216 (trunk prefix)
  if (!s.plus && !s.paren && contextHas(text, s.start, s.end, NOT_PHONE_CONTEXT, 32, 0)) return;
  // two groups and a word right after read as a house number ("17031 2202 Rissik St")
  let k = s.end;
  while (k < text.length && text.charCodeAt(k) === 32) k++;
  const wordAfter = isWordAt(text, k);
  if (strong && !(g <= 2 && !s.plus && !s.paren && wordAfter)) {
    out.push({ kind: 'phone', start: s.start, end: s.end });
    return;
  }
  // weak shapes (467 3395, 9498777106) need a phone word nearby
  if (!thousands && !wordAfter && contextHas(text, s.start, s.end, PHONE_CONTEXT)) out.push({ kind: 'phone', start: s.start, end: s.end });
}

const GLUE = new Uint8Array(128); // characters that make a number part of a path, URL, hash or identifier
for (const c of '/\\_#=&%$@') GLUE[c.charCodeAt(0)] = 1;

function gluedBefore(text: string, i: number): boolean {
  if (i === 0) return false;
  const p = text.charCodeAt(i - 1);
  if (isWordAt(text, i - 1) || (p < 128 && GLUE[p] === 1)) return true;
  // CVE-2026-14257, types-v0.15.0, 1.2.3: a number continuing an identifier or another number
  return (p === 45 || p === 46) && isWordAt(text, i - 2);
}

function gluedAfter(text: string, e: number): boolean {
  if (e >= text.length) return false;
  const c = text.charCodeAt(e);
  if (isWordAt(text, e) || (c < 128 && GLUE[c] === 1)) return true;
  // 1.2.3.4.tar, 10-20-30-x; but "082 490 1693-Office" ends the number at the dash
  return (c === 46 && isWordAt(text, e + 1)) || (c === 45 && isDigit(text.charCodeAt(e + 1)));
}

// A single character class: the engine's native scan jumps to the next digit. `test` rather than
// `exec`: it leaves lastIndex just after the digit and allocates no match object (one per number).
const DIGIT_G = /[0-9]/g;

function scanNumbers(text: string, out: PiiFinding[], want: (k: PiiKind) => boolean): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    DIGIT_G.lastIndex = i;
    if (!DIGIT_G.test(text)) return;
    i = DIGIT_G.lastIndex - 1;
    // a number may open with "+" or "(" just before its first digit
    if (i > 0) {
      const p = text.charCodeAt(i - 1);
      if ((p === 43 || p === 40) && !(i >= 2 && isDigit(text.charCodeAt(i - 2)))) i--;
    }
    const c = text.charCodeAt(i);
    if (gluedBefore(text, i)) {
      // two letters and two digits open an IBAN ("GB82…"); otherwise a word, path or version: skip it
      if (want('iban') && i >= 2 && isDigit(c)) {
        const end = ibanAt(text, i - 2);
        if (end > 0) {
          out.push({ kind: 'iban', start: i - 2, end });
          i = end;
          continue;
        }
      }
      i++;
      while (i < n && (isAlnum(text.charCodeAt(i)) || text.charCodeAt(i) === 46 || text.charCodeAt(i) === 45)) i++;
      continue;
    }
    // fast path: a lone group of fewer than 7 digits (years, counts, table cells) is nothing we look for
    if (isDigit(c)) {
      let j = i;
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      const next = j < n ? text.charCodeAt(j) : 0;
      const continues = next < 128 && SEP[next] === 1 && ((j + 1 < n && isDigit(text.charCodeAt(j + 1))) || (j + 2 < n && isDigit(text.charCodeAt(j + 2))) || (j + 3 < n && isDigit(text.charCodeAt(j + 3))));
      if (!continues && j - i < 7 && !(j - i >= 4 && next === 120 /* x: extension */)) {
        i = j;
        continue;
      }
    }
    const span = readNumber(text, i);
    if (span.groups.length === 0 || gluedAfter(text, span.end)) {
      i = Math.max(i + 1, span.end);
      while (i < n && (isAlnum(text.charCodeAt(i)) || text.charCodeAt(i) === 46 || text.charCodeAt(i) === 45)) i++;
      continue;
    }
    classifyNumber(text, span, out, want);
    i = Math.max(i + 1, span.end);
  }
}

// ---- IPv6 ----

function ipv6Valid(s: string): boolean {
  if (s.length < 3 || s.length > 45) return false;
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return false;
  const parts = (dbl >= 0 ? [s.slice(0, dbl), s.slice(dbl + 2)] : [s]).map((p) => (p === '' ? [] : p.split(':')));
  const all = parts.flat();
  let count = 0;
  for (let k = 0; k < all.length; k++) {
    const g = all[k]!;
    if (k === all.length - 1 && g.includes('.')) {
      const oct = g.split('.');
      if (oct.length !== 4 || !oct.every((o) => /^\d{1,3}$/.test(o) && +o <= 255)) return false;
      count += 2;
    } else {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return false;
      count++;
    }
  }
  if (dbl >= 0) return count <= 7 && all.length >= 2;
  return count === 8;
}

function colonsIn(s: string): number {
  let n = 0;
  for (let k = 0; k < s.length; k++) if (s.charCodeAt(k) === 58) n++;
  return n;
}

function scanIpv6(text: string, out: PiiFinding[]): void {
  let i = text.indexOf(':');
  let floor = 0;
  while (i >= 0) {
    if (i < floor) {
      i = text.indexOf(':', floor);
      continue;
    }
    // fast path: an address has another colon within five characters, hex digits between
    const near = text.indexOf(':', i + 1);
    if (near < 0 || near - i > 5) {
      i = near;
      continue;
    }
    let a = i;
    const lo = Math.max(floor, i - 45);
    while (a > lo) {
      const c = text.charCodeAt(a - 1);
      if (isHex(c) || c === 58) a--;
      else break;
    }
    let b = i;
    const hi = Math.min(text.length, i + 45);
    while (b < hi) {
      const c = text.charCodeAt(b);
      if (isHex(c) || c === 58 || c === 46) b++;
      else break;
    }
    while (b > i && text.charCodeAt(b - 1) === 46) b--;
    const cand = text.slice(a, b);
    // (at least two colons, and without "::" six or seven: ipv6Valid would refuse the rest, times such
    // as 12:30:00 among them, but only after splitting them into arrays)
    const colons = colonsIn(cand);
    if (!isWordAt(text, a - 1) && !isWordAt(text, b) && colons >= 2 && (colons >= 6 || cand.includes('::')) && ipv6Valid(cand)) {
      const lower = cand.toLowerCase();
      // loopback, unspecified and the documentation prefix 2001:db8::/32 identify no one
      if (lower !== '::1' && lower !== '::' && !/^2001:0?db8:/.test(lower)) out.push({ kind: 'ipv6', start: a, end: b });
      floor = b;
    }
    i = text.indexOf(':', Math.max(i + 1, b));
  }
}

// ---- public surface ----

/** PII in `text`, sorted by offset, non-overlapping. `types` limits the kinds looked for. */
export function findPii(text: string, types?: readonly PiiKind[]): PiiFinding[] {
  const want = types === undefined ? () => true : (k: PiiKind) => types.includes(k);
  const found: PiiFinding[] = [];
  if (want('email') && text.includes('@')) scanEmails(text, found);
  if (want('ipv6') && text.includes(':')) scanIpv6(text, found);
  if (want('phone') || want('card') || want('ssn') || want('ipv4') || want('dob') || want('iban')) scanNumbers(text, found, want);
  found.sort((x, y) => PRIORITY[x.kind] - PRIORITY[y.kind] || x.start - y.start);
  const kept: PiiFinding[] = [];
  for (const f of found) {
    if (!want(f.kind)) continue;
    if (kept.some((k) => f.start < k.end && k.start < f.end)) continue;
    kept.push(f);
  }
  return kept.sort((x, y) => x.start - y.start);
}

/** Keeps the last four letters or digits; every other letter or digit becomes `*`. */
export function maskValue(value: string): string {
  let keep = 4;
  const chars = [...value];
  for (let k = chars.length - 1; k >= 0; k--) {
    if (/[\p{L}\p{N}]/u.test(chars[k]!)) {
      if (keep > 0) keep--;
      else chars[k] = '*';
    }
  }
  return chars.join('');
}

export interface PiiRedaction {
  text: string;
  /** Findings that were redacted or masked (offsets into the input). */
  findings: Array<PiiFinding & { action: Exclude<PiiAction, 'allow'> }>;
}

/**
 * Applies the action configured per kind: `redact` → `[REDACTED:<kind>]`, `mask` → last four kept,
 * `allow` → left as is. Kinds without an action use `fallback` (default `redact`).
 */
export function applyPiiActions(text: string, findings: readonly PiiFinding[], actions: Partial<Record<PiiKind, PiiAction>>, fallback: PiiAction = 'redact'): PiiRedaction {
  const acted: PiiRedaction['findings'] = [];
  for (const f of findings) {
    const action = actions[f.kind] ?? fallback;
    if (action !== 'allow') acted.push({ ...f, action });
  }
  acted.sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let at = 0;
  for (const f of acted) {
    parts.push(text.slice(at, f.start), f.action === 'mask' ? maskValue(text.slice(f.start, f.end)) : `[REDACTED:${f.kind}]`);
    at = f.end;
  }
  parts.push(text.slice(at));
  return { text: parts.join(''), findings: acted };
}
