/**
 * Custom patterns from the config. They run on every result and every egress call, so they must be
 * linear-time: they are compiled with RE2 (re2js), which refuses backreferences and lookaround, and a
 * pattern with nested unbounded repetition — `(a+)+`, `(\w*\s?)*`, `(x|xy)+…` — is refused too. RE2
 * would run it in linear time, but it is the shape of a catastrophic regex, it usually means a
 * mistake, and the same file may be read by tools that do backtrack (editors, gitleaks). Refusing it
 * at load gives a clear error instead of a surprise later.
 */
import { compileUserPattern, type UserPattern } from '../../detect/content/user-pattern.js';

/** undefined when the pattern is acceptable, else why not (a config error message). */
export function checkUserPattern(source: string): string | undefined {
  const nested = nestedRepetition(source);
  if (nested !== undefined) {
    return `"${nested}" repeats a group that itself repeats without bound: such a pattern can backtrack catastrophically; write it without nested repetition (for example (ab)+ instead of (a+b?)+)`;
  }
  const r = compileUserPattern(source);
  return r.ok ? undefined : `${r.reason}; patterns use RE2 syntax and must run in linear time`;
}

export function compilePatternOrThrow(source: string): UserPattern {
  const problem = checkUserPattern(source);
  if (problem !== undefined) throw new Error(problem);
  const r = compileUserPattern(source);
  if (!r.ok) throw new Error(r.reason);
  return r.pattern;
}

/**
 * The first group that is quantified without bound (`*`, `+`, `{n,}`) or more than a few times, and
 * contains an unbounded quantifier itself; undefined when there is none. A small parser over the
 * regex syntax: escapes and character classes are skipped, groups are matched with a stack.
 */
function nestedRepetition(source: string): string | undefined {
  // per open group: where it starts and whether it contains an unbounded quantifier
  const stack: Array<{ start: number; unbounded: boolean }> = [];
  let i = 0;
  const n = source.length;
  const quantifierAt = (j: number): { end: number; unbounded: boolean; many: boolean } | undefined => {
    const c = source[j];
    if (c === '*' || c === '+') return { end: j + 1, unbounded: true, many: true };
    if (c === '?') return { end: j + 1, unbounded: false, many: false };
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(j, j + 24));
      if (!m) return undefined;
      const unbounded = m[2] !== undefined && (m[3] === undefined || m[3] === '');
      const max = unbounded ? Infinity : Number(m[3] ?? m[1]);
      return { end: j + m[0].length, unbounded, many: max > 1 };
    }
    return undefined;
  };
  while (i < n) {
    const c = source[i];
    if (c === '\\') {
      i += 2;
    } else if (c === '[') {
      i++;
      if (source[i] === '^') i++;
      if (source[i] === ']') i++;
      while (i < n && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '(') {
      stack.push({ start: i, unbounded: false });
      i++;
      continue;
    } else if (c === ')') {
      const group = stack.pop();
      i++;
      const q = quantifierAt(i);
      if (group && q) {
        if (group.unbounded && q.many) return source.slice(group.start, q.end);
        if (q.unbounded) markUnbounded(stack);
        i = q.end;
      }
      if (group?.unbounded) markUnbounded(stack);
      continue;
    } else {
      i++;
    }
    const q = quantifierAt(i);
    if (q) {
      if (q.unbounded) markUnbounded(stack);
      i = q.end;
    }
  }
  return undefined;
}

function markUnbounded(stack: Array<{ unbounded: boolean }>): void {
  const top = stack[stack.length - 1];
  if (top) top.unbounded = true;
}
