/**
 * What one upstream connection offers: its tools, prompts, resources and resource templates, read in
 * full (following the upstream's own cursors, which never leave this file) within fixed bounds.
 */
import { isPlainObject, type Params } from '../protocol/jsonrpc.js';
import type { ServerDescription, UpstreamLink } from './link.js';

export type CatalogKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

export interface Catalog {
  tools: Params[];
  prompts: Params[];
  resources: Params[];
  resourceTemplates: Params[];
}

export const EMPTY_CATALOG: Catalog = Object.freeze({ tools: [], prompts: [], resources: [], resourceTemplates: [] }) as Catalog;

const LISTS: Record<CatalogKind, { method: string; field: string; capability: string }> = {
  tools: { method: 'tools/list', field: 'tools', capability: 'tools' },
  prompts: { method: 'prompts/list', field: 'prompts', capability: 'prompts' },
  resources: { method: 'resources/list', field: 'resources', capability: 'resources' },
  resourceTemplates: { method: 'resources/templates/list', field: 'resourceTemplates', capability: 'resources' },
};

export const MAX_ITEMS_PER_KIND = 10_000;
const MAX_PAGES = 200;

export async function fetchList(link: UpstreamLink, server: ServerDescription, kind: CatalogKind, timeoutMs: number): Promise<Params[]> {
  const spec = LISTS[kind];
  if (!isPlainObject(server.capabilities[spec.capability])) return [];
  const items: Params[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const reply = await link.request(spec.method, cursor === undefined ? {} : { cursor }, { timeoutMs });
    if (!reply.ok) {
      // Method not found for an optional list (templates) means "none".
      if (page === 0) return [];
      break;
    }
    const list = reply.result[spec.field];
    if (Array.isArray(list)) {
      for (const item of list) {
        if (isPlainObject(item) && items.length < MAX_ITEMS_PER_KIND) items.push(item);
      }
    }
    const next = reply.result.nextCursor;
    if (typeof next !== 'string' || next === '' || seen.has(next) || items.length >= MAX_ITEMS_PER_KIND) break;
    seen.add(next);
    cursor = next;
  }
  return items;
}

export async function fetchCatalog(link: UpstreamLink, server: ServerDescription, timeoutMs: number): Promise<Catalog> {
  const [tools, prompts, resources, resourceTemplates] = await Promise.all(
    (['tools', 'prompts', 'resources', 'resourceTemplates'] as const).map((k) => fetchList(link, server, k, timeoutMs)),
  );
  return { tools: tools!, prompts: prompts!, resources: resources!, resourceTemplates: resourceTemplates! };
}

export function kindForNotification(method: string): CatalogKind[] | undefined {
  switch (method) {
    case 'notifications/tools/list_changed':
      return ['tools'];
    case 'notifications/prompts/list_changed':
      return ['prompts'];
    case 'notifications/resources/list_changed':
      return ['resources', 'resourceTemplates'];
    default:
      return undefined;
  }
}
