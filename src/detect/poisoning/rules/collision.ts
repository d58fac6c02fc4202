/**
 * Family "collision": tool names that collide across upstreams. Names are reduced to a "skeleton"
 * (what a person sees): compatibility and lookalike characters folded to ASCII, invisible characters
 * dropped, and the classic confusions folded together (i/I/l/1/|, o/0, rn/m, vv/w). Two tools of
 * different servers with the same skeleton but different names are a deliberate lookalike: high
 * severity on the one whose name needed more folding. Identical names are ordinary (two filesystem
 * servers with different roots both have `read_file`; the gateway namespaces them) and only noted.
 */
import type { Finding, Severity } from '../types.js';
import { classify } from '../unicode.js';
import { showExcerpt } from '../unicode.js';

export interface NamedTool { readonly server: string; readonly name: string; readonly index: number }

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Skeleton of a name and how much folding it took (higher = more suspicious). */
export function skeleton(name: string): { skel: string; cost: number } {
  const s = name.slice(0, 256);
  return PRINTABLE_ASCII.test(s) ? asciiSkeleton(s) : fullSkeleton(s);
}

/**
 * The same for a printable-ASCII name, without the per-character loop: only `I`, `1`, `|` and `0`
 * change (an `I` that does not cost becomes `i`, which the last step folds to `l` as well).
 */
function asciiSkeleton(s: string): { skel: string; cost: number } {
  let cost = 0;
  const mixedCase = /[a-z]/.test(s) && s !== s.toUpperCase();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c === 0x49 && mixedCase) || c === 0x31 || c === 0x7c || c === 0x30) cost += 2;
  }
  return finishSkeleton(s.toLowerCase().replace(/[1|]/g, 'l').replace(/0/g, 'o'), cost);
}

/** The character-by-character skeleton, for any name (a test checks the ASCII shortcut against it). */
export function fullSkeleton(s: string): { skel: string; cost: number } {
  let out = '';
  let cost = 0;
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    let ch = String.fromCodePoint(cp);
    if (cp >= 0x80) {
      const info = classify(cp);
      if (info.cls === 'invisible' || info.cls === 'control' || info.cls === 'mark') { cost += 3; i += w; continue; }
      if (info.cls === 'confusable' || info.cls === 'latin') { ch = info.fold; cost += 3; }
    }
    // Uppercase I in a name that is otherwise lower case reads as l.
    if (ch === 'I' && /[a-z]/.test(s) && s !== s.toUpperCase()) { ch = 'l'; cost += 2; }
    if (ch === '1' || ch === '|') { ch = 'l'; cost += 2; }
    if (ch === '0') { ch = 'o'; cost += 2; }
    out += ch.toLowerCase();
    i += w;
  }
  return finishSkeleton(out, cost);
}

/** Classic pairs; `i` and `l` fold together without cost (both sides get it). */
function finishSkeleton(out: string, cost: number): { skel: string; cost: number } {
  const rn = out.split('rn').length - 1;
  const vv = out.split('vv').length - 1;
  return { skel: out.replace(/rn/g, 'm').replace(/vv/g, 'w').replace(/i/g, 'l'), cost: cost + 2 * (rn + vv) };
}

/** Findings per tool (keyed `${server}\u0000${index}`) for lookalike and duplicate names across servers. */
export function collisionFindings(tools: readonly NamedTool[]): Map<string, Finding[]> {
  const groups = new Map<string, { t: NamedTool; cost: number }[]>();
  for (const t of tools) {
    const { skel, cost } = skeleton(t.name);
    const g = groups.get(skel);
    if (g) g.push({ t, cost }); else groups.set(skel, [{ t, cost }]);
  }
  const out = new Map<string, Finding[]>();
  const add = (t: NamedTool, f: Finding): void => {
    const k = `${t.server}\u0000${t.index}`;
    const l = out.get(k);
    if (l) l.push(f); else out.set(k, [f]);
  };
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    const servers = new Set(g.map((x) => x.t.server));
    if (servers.size < 2) continue;
    const minCost = Math.min(...g.map((x) => x.cost));
    for (const x of g) {
      const others = g.filter((y) => y.t.server !== x.t.server);
      if (others.length === 0) continue;
      const lookalike = others.find((y) => y.t.name !== x.t.name);
      const same = others.find((y) => y.t.name === x.t.name);
      if (lookalike) {
        // The one that needed more folding is the impostor; on a tie (i/l swaps) both need a person.
        const tie = g.every((y) => y.cost === minCost);
        const sev: Severity = x.cost > minCost || tie ? 'high' : 'low';
        add(x.t, finding('collision.lookalike', sev, x.t.name, sev === 'high'
          ? `Looks like "${showExcerpt(lookalike.t.name, 0, 64)}" of server "${lookalike.t.server}" but is a different name.`
          : `Server "${lookalike.t.server}" has a lookalike of this name ("${showExcerpt(lookalike.t.name, 0, 64)}").`));
      } else if (same) {
        add(x.t, finding('collision.duplicate', 'low', x.t.name, `Server "${same.t.server}" has a tool with the same name.`));
      }
    }
  }
  return out;
}

function finding(ruleId: string, severity: Severity, name: string, explanation: string): Finding {
  return { ruleId, family: 'collision', severity, path: '/name', span: [0, name.length], evidence: showExcerpt(name, 0, name.length), explanation };
}
