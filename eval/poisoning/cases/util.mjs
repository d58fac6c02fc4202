// Helpers to build tool definitions for the labelled cases. A case is
//   { id, family, label: 1 | 0, placement, lang?, tool }            — scanned alone with scanTool
//   { id, family, label, placement, servers, target: {server, tool} } — scanned with scanServers
// label 1 = the detector should act on it (flag it; for god-tool: report a god-tool finding);
// label 0 = a hard negative that must not be acted on.

/** A plain tool with a description and optional input properties. */
export function tool(name, description, properties = {}, extra = {}) {
  return {
    name,
    description,
    inputSchema: { type: 'object', properties, required: Object.keys(properties).slice(0, 1) },
    ...extra,
  };
}

export const str = (description, extra = {}) => ({ type: 'string', description, ...extra });
export const num = (description, extra = {}) => ({ type: 'number', description, ...extra });
export const bool = (description, extra = {}) => ({ type: 'boolean', description, ...extra });

/** Encode ASCII text as invisible Unicode tag characters (U+E0000 block). */
export function tagEncode(text) {
  return [...text].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');
}

/** Build cases with ids `${prefix}-NNN` from a list of partial cases. */
export function number(prefix, family, label, list) {
  return list.map((c, i) => ({ id: `${prefix}-${String(i + 1).padStart(3, '0')}`, family, label, placement: 'description', lang: 'en', ...c }));
}
