/**
 * Namespacing: the only place that knows how an exposed name maps to an upstream and its own name.
 * Tools and prompts become `upstream<sep>name`; resource URIs become `upstream+uri` (a URI scheme
 * prefix, so URIs of different upstreams can never collide and stay valid URIs). In passthrough mode
 * the single upstream's names are exposed unchanged.
 */
import type { Target } from '../pipeline/types.js';

export class Router {
  constructor(
    private readonly separator: string,
    private readonly upstreams: ReadonlySet<string>,
    private readonly passthrough: string | undefined,
  ) {}

  exposeName(upstream: string, name: string): string {
    return this.passthrough !== undefined ? name : `${upstream}${this.separator}${name}`;
  }

  exposeUri(upstream: string, uri: string): string {
    return this.passthrough !== undefined ? uri : `${upstream}+${uri}`;
  }

  resolveName(kind: 'tool' | 'prompt', exposed: string): Target | undefined {
    if (this.passthrough !== undefined) return { upstream: this.passthrough, kind, name: exposed };
    const at = exposed.indexOf(this.separator);
    if (at <= 0) return undefined;
    const upstream = exposed.slice(0, at);
    const name = exposed.slice(at + this.separator.length);
    if (!this.upstreams.has(upstream) || name.length === 0) return undefined;
    return { upstream, kind, name };
  }

  resolveUri(exposed: string): Target | undefined {
    if (this.passthrough !== undefined) return { upstream: this.passthrough, kind: 'resource', name: exposed };
    const at = exposed.indexOf('+');
    if (at <= 0) return undefined;
    const upstream = exposed.slice(0, at);
    const uri = exposed.slice(at + 1);
    if (!this.upstreams.has(upstream) || uri.length === 0) return undefined;
    return { upstream, kind: 'resource', name: uri };
  }
}
