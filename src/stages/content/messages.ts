/**
 * Where content sits in each kind of message, for the walker: tool results (content blocks and
 * structuredContent), resource reads (contents), prompt gets (messages), and the server→client
 * requests that carry upstream text to the agent (sampling messages and system prompt, elicitation
 * message and schema). Each function is copy-on-write and appends the truncation notice the agent
 * sees when the size limits cut something.
 */
import { isPlainObject, type Params } from '../../protocol/jsonrpc.js';
import type { Walker } from './walk.js';

export type ContentMethod = 'tools/call' | 'resources/read' | 'prompts/get';

export function isContentMethod(method: string): method is ContentMethod {
  return method === 'tools/call' || method === 'resources/read' || method === 'prompts/get';
}

export function walkResult(method: ContentMethod, result: Params, w: Walker): Params {
  switch (method) {
    case 'tools/call':
      return toolResult(result, w);
    case 'resources/read':
      return readResult(result, w);
    case 'prompts/get':
      return promptResult(result, w);
  }
}

function toolResult(result: Params, w: Walker): Params {
  let out = result;
  if (Array.isArray(result.content)) {
    const content = w.items(result.content);
    if (content !== result.content) out = { ...out, content };
  }
  if (result.structuredContent !== undefined) {
    const sc = w.structured(result.structuredContent);
    if (sc !== result.structuredContent) {
      out = { ...out };
      if (sc === undefined) delete out.structuredContent;
      else out.structuredContent = sc;
    }
  }
  const notices: unknown[] = [];
  if (w.structuredRemoved !== undefined) notices.push({ type: 'text', text: `[portcullis: the structured content of this result was removed: ${w.structuredRemoved}.]` });
  const notice = truncationNotice(w);
  if (notice !== undefined) notices.push({ type: 'text', text: notice });
  if (notices.length > 0) out = { ...out, content: [...(Array.isArray(out.content) ? out.content : []), ...notices] };
  return out;
}

function readResult(result: Params, w: Walker): Params {
  if (!Array.isArray(result.contents)) return result;
  const contents = w.items(result.contents, (c) => (isPlainObject(c) ? w.resourceContents(c) : c));
  const notice = truncationNotice(w);
  if (notice === undefined) return contents === result.contents ? result : { ...result, contents };
  const first = result.contents.find(isPlainObject);
  const uri = first && typeof first.uri === 'string' ? first.uri : 'portcullis:notice';
  return { ...result, contents: [...contents, { uri, mimeType: 'text/plain', text: notice }] };
}

function promptResult(result: Params, w: Walker): Params {
  let out = result;
  if (typeof result.description === 'string') {
    const description = w.text(result.description);
    if (description !== result.description) out = { ...out, description };
  }
  if (Array.isArray(result.messages)) {
    const messages = w.items(result.messages, (m) => promptMessage(m, w));
    if (messages !== result.messages) out = { ...out, messages };
  }
  const notice = truncationNotice(w);
  if (notice !== undefined) out = { ...out, messages: [...(Array.isArray(out.messages) ? out.messages : []), { role: 'user', content: { type: 'text', text: notice } }] };
  return out;
}

/** A prompt or sampling message: `content` is one block (or, in sampling, a list of blocks). */
function promptMessage(m: unknown, w: Walker): unknown {
  if (!isPlainObject(m)) return m;
  if (Array.isArray(m.content)) {
    const content = w.items(m.content);
    return content === m.content ? m : { ...m, content };
  }
  const content = w.item(m.content);
  if (content === undefined) return undefined;
  return content === m.content ? m : { ...m, content };
}

/** The params of a server→client request that shows upstream text to the agent's model or user. */
export function walkServerRequest(method: string, params: Params | undefined, w: Walker): Params | undefined {
  if (!params) return params;
  if (method === 'sampling/createMessage') {
    let out = params;
    if (typeof params.systemPrompt === 'string') {
      const systemPrompt = w.text(params.systemPrompt);
      if (systemPrompt !== params.systemPrompt) out = { ...out, systemPrompt };
    }
    if (Array.isArray(params.messages)) {
      const messages = w.items(params.messages, (m) => promptMessage(m, w));
      if (messages !== params.messages) out = { ...out, messages };
    }
    return out;
  }
  if (method === 'elicitation/create') {
    let out = params;
    if (typeof params.message === 'string') {
      const message = w.text(params.message);
      if (message !== params.message) out = { ...out, message };
    }
    if (params.requestedSchema !== undefined) {
      const schema = w.structured(params.requestedSchema);
      if (schema !== params.requestedSchema) out = { ...out, requestedSchema: schema ?? { type: 'object', properties: {} } };
    }
    return out;
  }
  return params;
}

export const SERVER_REQUESTS_WITH_CONTENT = new Set(['sampling/createMessage', 'elicitation/create']);

function truncationNotice(w: Walker): string | undefined {
  if (!w.truncated && w.itemsWithheld === 0) return undefined;
  const parts: string[] = [];
  if (w.itemsWithheld > 0) {
    w.tally.add('limits', 'items', 'withheld', w.itemsWithheld);
    parts.push(`${w.itemsWithheld} more item${w.itemsWithheld === 1 ? '' : 's'} withheld (limit ${w.settings.maxItems} items)`);
  }
  if (w.truncated) {
    w.tally.add('limits', 'bytes', 'truncated');
    parts.push(`content cut at the limit of ${w.settings.maxBytes} bytes`);
  }
  return `[portcullis: this result was truncated: ${parts.join('; ')}. Ask for less (a narrower query, a page, a range) to see the rest.]`;
}
