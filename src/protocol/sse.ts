/**
 * Server-sent events, both ways: a streaming parser for upstream responses and the framing the
 * downstream adapter writes. Only what MCP uses: `data`, `id`, `event`, `retry`.
 */
export interface SseEvent {
  data: string;
  id?: string;
  event?: string;
}

/** Feed text chunks; complete events come out through `onEvent`. Bounded by `maxEventBytes`. */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private id: string | undefined;
  private event: string | undefined;
  private size = 0;

  constructor(
    private readonly onEvent: (e: SseEvent) => void,
    private readonly maxEventBytes = 64 * 1024 * 1024,
  ) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let start = 0;
    for (;;) {
      const nl = this.buffer.indexOf('\n', start);
      if (nl === -1) break;
      let line = this.buffer.slice(start, nl);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      start = nl + 1;
      this.line(line);
    }
    this.buffer = this.buffer.slice(start);
    if (this.buffer.length + this.size > this.maxEventBytes) throw new Error('SSE event over the size limit');
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) {
        const e: SseEvent = { data: this.data.join('\n') };
        if (this.id !== undefined) e.id = this.id;
        if (this.event !== undefined) e.event = this.event;
        this.onEvent(e);
      }
      this.data = [];
      this.event = undefined;
      this.size = 0;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        this.size += value.length;
        break;
      case 'id':
        this.id = value;
        break;
      case 'event':
        this.event = value;
        break;
      default:
        break;
    }
  }
}

/** Frame one JSON-RPC message as an SSE event. JSON.stringify output never contains raw newlines. */
export function sseFrame(json: string, id?: string): string {
  return id === undefined ? `event: message\ndata: ${json}\n\n` : `event: message\nid: ${id}\ndata: ${json}\n\n`;
}
