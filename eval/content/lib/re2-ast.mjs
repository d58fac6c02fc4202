// A parser for the RE2 syntax the gitleaks rules use, and three uses of its tree: length bounds
// (for the scan window around a keyword), the shortest run of token characters every match must
// contain (a cheap necessary condition checked before the real RE2 engine runs), and random
// samples (synthetic positives for the recall evaluation). Matching itself is always left to re2js.

const PRINTABLE = [[0x20, 0x7e]];
const WORD = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
const DIGIT = [[0x30, 0x39]];
const SPACE = [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]];
const POSIX = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  digit: DIGIT,
  lower: [[0x61, 0x7a]],
  upper: [[0x41, 0x5a]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  word: WORD,
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
};
/** Characters that make up tokens and secrets: a run of these is what a credential looks like. */
export const TOKEN_CHARS = [[0x2b, 0x2b], [0x2d, 0x39], [0x3d, 0x3d], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a], [0x7e, 0x7e]]; // + - . / 0-9 = A-Z _ a-z ~

function negate(ranges) {
  const sorted = normalize(ranges);
  const out = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}
function normalize(ranges) {
  const s = ranges.map((r) => [...r]).sort((a, b) => a[0] - b[0]);
  const out = [];
  for (const r of s) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push(r);
  }
  return out;
}
function foldCase(ranges) {
  const extra = [];
  for (const [lo, hi] of ranges) {
    for (let c = Math.max(lo, 0x41); c <= Math.min(hi, 0x5a); c++) extra.push([c + 32, c + 32]);
    for (let c = Math.max(lo, 0x61); c <= Math.min(hi, 0x7a); c++) extra.push([c - 32, c - 32]);
  }
  return normalize([...ranges, ...extra]);
}
function subsetOf(ranges, of) {
  return ranges.every(([lo, hi]) => of.some(([a, b]) => a <= lo && hi <= b));
}

export function parseRe2(src) {
  let i = 0;
  let groupIndex = 0;
  const peek = () => src[i];

  function parseEscapeClass(c) {
    switch (c) {
      case 'd': return DIGIT;
      case 'D': return negate(DIGIT);
      case 'w': return WORD;
      case 'W': return negate(WORD);
      case 's': return SPACE;
      case 'S': return negate(SPACE);
      default: return undefined;
    }
  }
  function parseEscapeChar() {
    // after the backslash
    const c = src[i++];
    const simple = { n: 10, r: 13, t: 9, f: 12, v: 11, a: 7 };
    if (c in simple) return simple[c];
    if (c === 'x') {
      if (src[i] === '{') {
        const end = src.indexOf('}', i);
        const v = parseInt(src.slice(i + 1, end), 16);
        i = end + 1;
        return v;
      }
      const v = parseInt(src.slice(i, i + 2), 16);
      i += 2;
      return v;
    }
    if (/[0-9A-Za-z]/.test(c)) throw new Error(`unsupported escape \\${c} in ${src}`);
    return c.codePointAt(0);
  }

  function parseClass(flags) {
    // at '[' already consumed
    let neg = false;
    if (peek() === '^') {
      neg = true;
      i++;
    }
    const ranges = [];
    let first = true;
    while (first || peek() !== ']') {
      if (i >= src.length) throw new Error(`unterminated class in ${src}`);
      first = false;
      if (src.startsWith('[:', i)) {
        const end = src.indexOf(':]', i);
        const name = src.slice(i + 2, end);
        const r = POSIX[name.replace(/^\^/, '')];
        if (!r) throw new Error(`unknown POSIX class ${name}`);
        ranges.push(...(name.startsWith('^') ? negate(r) : r));
        i = end + 2;
        continue;
      }
      let lo;
      if (peek() === '\\') {
        i++;
        const cls = parseEscapeClass(peek());
        if (cls) {
          i++;
          ranges.push(...cls);
          continue;
        }
        lo = parseEscapeChar();
      } else lo = src.codePointAt(i++);
      if (peek() === '-' && src[i + 1] !== ']') {
        i++;
        let hi;
        if (peek() === '\\') {
          i++;
          hi = parseEscapeChar();
        } else hi = src.codePointAt(i++);
        ranges.push([lo, hi]);
      } else ranges.push([lo, lo]);
    }
    i++; // ]
    let r = normalize(ranges);
    if (flags.i) r = foldCase(r);
    if (neg) r = negate(r);
    return { t: 'set', ranges: r };
  }

  function parseAlt(flags) {
    const alts = [parseCat(flags)];
    while (peek() === '|') {
      i++;
      alts.push(parseCat(flags));
    }
    return alts.length === 1 ? alts[0] : { t: 'alt', alts };
  }

  function parseCat(flags) {
    const items = [];
    while (i < src.length && peek() !== '|' && peek() !== ')') {
      let atom;
      const c = src[i];
      if (c === '(') {
        i++;
        if (src[i] === '?') {
          i++;
          if (src[i] === 'P' || src[i] === '<') {
            const end = src.indexOf('>', i);
            i = end + 1;
            const index = ++groupIndex;
            const node = parseAlt({ ...flags });
            i++;
            atom = { t: 'group', cap: true, index, node };
          } else {
            const m = /^([imsU]*)(?:-([imsU]*))?([:)])/.exec(src.slice(i));
            if (!m) throw new Error(`bad group flags at ${i} in ${src}`);
            i += m[0].length;
            const f = { ...flags };
            for (const x of m[1]) f[x] = true;
            for (const x of m[2] ?? '') f[x] = false;
            if (m[3] === ')') {
              Object.assign(flags, f); // flags for the rest of the enclosing group
              continue;
            }
            const node = parseAlt(f);
            i++;
            atom = { t: 'group', cap: false, node };
          }
        } else {
          const index = ++groupIndex;
          const node = parseAlt({ ...flags });
          i++;
          atom = { t: 'group', cap: true, index, node };
        }
      } else if (c === '[') {
        i++;
        atom = parseClass(flags);
      } else if (c === '.') {
        i++;
        atom = { t: 'set', ranges: flags.s ? [[0, 0x10ffff]] : negate([[10, 10]]) };
      } else if (c === '^' || c === '$') {
        i++;
        atom = { t: 'assert', kind: c };
      } else if (c === '\\') {
        i++;
        const e = src[i];
        if ('bBAz'.includes(e)) {
          i++;
          atom = { t: 'assert', kind: '\\' + e };
        } else {
          const cls = parseEscapeClass(e);
          if (cls) {
            i++;
            atom = { t: 'set', ranges: cls };
          } else {
            const cp = parseEscapeChar();
            atom = { t: 'set', ranges: flags.i ? foldCase([[cp, cp]]) : [[cp, cp]], lit: String.fromCodePoint(cp) };
          }
        }
      } else {
        const cp = src.codePointAt(i);
        i += cp > 0xffff ? 2 : 1;
        atom = { t: 'set', ranges: flags.i ? foldCase([[cp, cp]]) : [[cp, cp]], lit: String.fromCodePoint(cp) };
      }
      // quantifier
      const q = /^(?:([*+?])|\{(\d+)(?:(,)(\d*))?\})(\?)?/.exec(src.slice(i, i + 20));
      if (q) {
        i += q[0].length;
        let min;
        let max;
        if (q[1] === '*') [min, max] = [0, Infinity];
        else if (q[1] === '+') [min, max] = [1, Infinity];
        else if (q[1] === '?') [min, max] = [0, 1];
        else {
          min = Number(q[2]);
          max = q[3] ? (q[4] === '' ? Infinity : Number(q[4])) : min;
        }
        atom = { t: 'rep', node: atom, min, max, lazy: Boolean(q[5]) };
      }
      items.push(atom);
    }
    return items.length === 1 ? items[0] : { t: 'cat', items };
  }

  const ast = parseAlt({ i: false, s: false, m: false, U: false });
  if (i !== src.length) throw new Error(`trailing input at ${i} in ${src}`);
  return { ast, groups: groupIndex };
}

export function minLen(n) {
  switch (n.t) {
    case 'set': return 1;
    case 'assert': return 0;
    case 'cat': return n.items.reduce((a, x) => a + minLen(x), 0);
    case 'alt': return Math.min(...n.alts.map(minLen));
    case 'group': return minLen(n.node);
    case 'rep': return n.min * minLen(n.node);
  }
  throw new Error(n.t);
}
export function maxLen(n) {
  switch (n.t) {
    case 'set': return 1;
    case 'assert': return 0;
    case 'cat': return n.items.reduce((a, x) => a + maxLen(x), 0);
    case 'alt': return Math.max(...n.alts.map(maxLen));
    case 'group': return maxLen(n.node);
    case 'rep': return n.max === Infinity ? (maxLen(n.node) === 0 ? 0 : Infinity) : n.max * maxLen(n.node);
  }
  throw new Error(n.t);
}

export function findGroup(n, index) {
  if (n.t === 'group' && n.cap && n.index === index) return n;
  const kids = n.t === 'cat' ? n.items : n.t === 'alt' ? n.alts : n.t === 'group' || n.t === 'rep' ? [n.node] : [];
  for (const k of kids) {
    const g = findGroup(k, index);
    if (g) return g;
  }
  return undefined;
}

/** Only token characters can appear in any match of `n`. */
export function tokenOnly(n) {
  switch (n.t) {
    case 'set': return subsetOf(n.ranges, TOKEN_CHARS);
    case 'assert': return true;
    case 'cat': return n.items.every(tokenOnly);
    case 'alt': return n.alts.every(tokenOnly);
    case 'group': return tokenOnly(n.node);
    case 'rep': return tokenOnly(n.node);
  }
  throw new Error(n.t);
}
/** A lower bound on the longest run of token characters that every match of `n` contains. */
export function tokenRun(n) {
  if (tokenOnly(n)) return minLen(n);
  switch (n.t) {
    case 'set':
    case 'assert': return 0;
    case 'cat': {
      let best = 0;
      let cur = 0;
      for (const x of n.items) {
        if (tokenOnly(x)) cur += minLen(x);
        else {
          best = Math.max(best, cur, tokenRun(x));
          cur = 0;
        }
      }
      return Math.max(best, cur);
    }
    case 'alt': return Math.min(...n.alts.map(tokenRun));
    case 'group': return tokenRun(n.node);
    case 'rep': return n.min > 0 ? tokenRun(n.node) : 0;
  }
  throw new Error(n.t);
}

function pick(ranges, rng, printableOnly) {
  let r = ranges;
  if (printableOnly) {
    const clipped = [];
    for (const [lo, hi] of ranges) {
      const a = Math.max(lo, 0x20);
      const b = Math.min(hi, 0x7e);
      if (a <= b) clipped.push([a, b]);
    }
    if (clipped.length > 0) r = clipped;
  }
  const total = r.reduce((a, [lo, hi]) => a + hi - lo + 1, 0);
  let k = Math.floor(rng() * total);
  for (const [lo, hi] of r) {
    const size = hi - lo + 1;
    if (k < size) return String.fromCodePoint(lo + k);
    k -= size;
  }
  return String.fromCodePoint(r[0][0]);
}

/**
 * A random string the pattern should match. Optional and lazy parts are kept short (they are
 * context, such as the `[\w.-]{0,50}?` prefix); secret bodies get random characters of their class.
 */
export function sample(n, rng) {
  switch (n.t) {
    case 'set':
      if (n.lit !== undefined) return n.lit;
      // an unescaped `.` in a rule nearly always stands for a literal dot (hooks.slack.com)
      if (n.ranges.length === 2 && n.ranges[0][0] === 0 && n.ranges[1][1] === 0x10ffff && rng() < 0.7) return '.';
      return pick(n.ranges, rng, true);
    case 'assert': return '';
    case 'cat': return n.items.map((x) => sample(x, rng)).join('');
    case 'alt': return sample(n.alts[Math.floor(rng() * n.alts.length)], rng);
    case 'group': return sample(n.node, rng);
    case 'rep': {
      let count;
      const cap = n.max === Infinity ? n.min + 24 : n.max;
      if (n.lazy || n.min === 0) count = n.min + Math.floor(rng() * (Math.min(cap, n.min + 2) - n.min + 1));
      else count = n.min + Math.floor(rng() * (Math.min(cap, n.min + 16) - n.min + 1));
      let s = '';
      for (let k = 0; k < count; k++) s += sample(n.node, rng);
      return s;
    }
  }
  throw new Error(n.t);
}
