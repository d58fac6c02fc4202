// A small TOML reader for the subset gitleaks.toml uses: [table], [[array.of.tables]], key = value
// with '''literal''', 'literal', "basic" strings, numbers, booleans and (multi-line) arrays of those.
// Enough to turn the gitleaks rule set into data; anything else is an error, not a guess.

function parseString(src, i) {
  if (src.startsWith("'''", i)) {
    const end = src.indexOf("'''", i + 3);
    if (end < 0) throw new Error(`unterminated ''' at ${i}`);
    let s = src.slice(i + 3, end);
    if (s.startsWith('\n')) s = s.slice(1);
    return [s, end + 3];
  }
  if (src[i] === "'") {
    const end = src.indexOf("'", i + 1);
    return [src.slice(i + 1, end), end + 1];
  }
  if (src[i] === '"') {
    let out = '';
    let j = i + 1;
    while (src[j] !== '"') {
      if (j >= src.length) throw new Error(`unterminated string at ${i}`);
      if (src[j] === '\\') {
        const e = src[j + 1];
        const map = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', b: '\b', f: '\f' };
        if (e in map) {
          out += map[e];
          j += 2;
        } else if (e === 'u' || e === 'U') {
          const len = e === 'u' ? 4 : 8;
          out += String.fromCodePoint(parseInt(src.slice(j + 2, j + 2 + len), 16));
          j += 2 + len;
        } else throw new Error(`bad escape \\${e} at ${j}`);
      } else out += src[j++];
    }
    return [out, j + 1];
  }
  throw new Error(`expected a string at ${i}`);
}

function skipWs(src, i) {
  for (;;) {
    while (i < src.length && /[ \t\r\n,]/.test(src[i])) i++;
    if (src[i] === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    return i;
  }
}

function parseValue(src, i) {
  const c = src[i];
  if (c === "'" || c === '"') return parseString(src, i);
  if (c === '[') {
    const arr = [];
    i = skipWs(src, i + 1);
    while (src[i] !== ']') {
      const [v, j] = parseValue(src, i);
      arr.push(v);
      i = skipWs(src, j);
    }
    return [arr, i + 1];
  }
  const m = /^(true|false|[+-]?\d+(?:\.\d+)?)/.exec(src.slice(i, i + 40));
  if (!m) throw new Error(`unsupported value at ${i}: ${src.slice(i, i + 20)}`);
  const v = m[1] === 'true' ? true : m[1] === 'false' ? false : Number(m[1]);
  return [v, i + m[1].length];
}

export function parseToml(src) {
  const root = {};
  let current = root;
  let i = 0;
  while (i < src.length) {
    i = skipWs(src, i);
    if (i >= src.length) break;
    if (src.startsWith('[[', i)) {
      const end = src.indexOf(']]', i);
      const path = src.slice(i + 2, end).trim().split('.');
      let t = root;
      for (let k = 0; k < path.length - 1; k++) {
        const v = t[path[k]];
        t = Array.isArray(v) ? v[v.length - 1] : (t[path[k]] ??= {});
      }
      const last = path[path.length - 1];
      (t[last] ??= []).push((current = {}));
      i = end + 2;
      continue;
    }
    if (src[i] === '[') {
      const end = src.indexOf(']', i);
      const path = src.slice(i + 1, end).trim().split('.');
      let t = root;
      for (const p of path) t = t[p] ??= {};
      current = t;
      i = end + 1;
      continue;
    }
    const m = /^([A-Za-z0-9_-]+)\s*=\s*/.exec(src.slice(i, i + 200));
    if (!m) throw new Error(`unexpected input at ${i}: ${src.slice(i, i + 30)}`);
    const [v, j] = parseValue(src, i + m[0].length);
    current[m[1]] = v;
    i = j;
  }
  return root;
}
