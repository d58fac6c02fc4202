/**
 * Adds upstreams to the gateway's YAML config as text, so every other byte of the file (comments,
 * flow style, key order, blank lines) stays as its owner wrote it. Only when `upstreams` is written
 * in a form text insertion cannot extend (a flow mapping, an empty value) is the document re-printed.
 */
import { Document, isMap, parseDocument, type YAMLMap } from 'yaml';

export type GatewayDoc = { ok: true; text: string; doc: Document; names: Set<string> } | { ok: false; error: string };

export function loadGatewayYaml(text: string | undefined): GatewayDoc {
  const src = text ?? '';
  const doc = parseDocument(src, { uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false, error: `the gateway config is not valid YAML (${doc.errors[0]!.message.split('\n')[0]})` };
  if (doc.contents !== null && !isMap(doc.contents)) return { ok: false, error: 'the gateway config is not a YAML mapping' };
  const ups: unknown = doc.get('upstreams', true);
  if (ups !== undefined && ups !== null && !isMap(ups) && doc.get('upstreams') !== null) return { ok: false, error: 'upstreams in the gateway config is not a mapping' };
  const names = new Set<string>(isMap(ups) ? ups.items.map((i) => String((i.key as { value?: unknown } | null)?.value ?? i.key)) : []);
  return { ok: true, text: src, doc, names };
}

function block(entries: Record<string, unknown>, indent: number): string {
  const body = new Document(entries).toString({ lineWidth: 0, indent: Math.max(2, indent) });
  return body
    .split('\n')
    .map((l) => (l === '' ? l : ' '.repeat(indent) + l))
    .join('\n');
}

function column(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

export function addUpstreams(g: Extract<GatewayDoc, { ok: true }>, entries: Record<string, unknown>): string {
  const { text, doc } = g;
  const ups: unknown = doc.get('upstreams', true);
  if (!doc.has('upstreams')) {
    const sep = text === '' || text.endsWith('\n') ? '' : '\n';
    return `${text}${sep}upstreams:\n${block(entries, 2)}`;
  }
  if (isMap(ups) && !ups.flow && ups.range && ups.items.length > 0) {
    const map = ups as YAMLMap;
    const firstKey = map.items[0]!.key as { range?: [number, number, number] } | null;
    const indent = firstKey?.range ? column(text, firstKey.range[0]) : 2;
    const at = map.range![1];
    const sep = at > 0 && text[at - 1] !== '\n' ? '\n' : '';
    return `${text.slice(0, at)}${sep}${block(entries, indent)}${text.slice(at)}`;
  }
  // `upstreams: {}` or `upstreams:` with no value: re-print (comments survive, spacing may not).
  if (!isMap(ups)) doc.set('upstreams', doc.createNode({}));
  for (const [name, value] of Object.entries(entries)) doc.setIn(['upstreams', name], doc.createNode(value));
  return doc.toString({ lineWidth: 0 });
}
