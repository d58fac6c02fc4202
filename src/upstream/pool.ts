/**
 * The connections to one configured upstream. `share` decides how many: one for every caller, one per
 * principal, or one per agent session, so one tenant's server-side state never reaches another's.
 * Each connection keeps the catalog it offers, re-read on `list_changed` and after a restart.
 */
import type { UpstreamConfig } from '../config/schema.js';
import type { JsonRpcNotification, Params } from '../protocol/jsonrpc.js';
import type { Principal } from '../pipeline/types.js';
import { EMPTY_CATALOG, fetchCatalog, fetchList, kindForNotification, type Catalog, type CatalogKind } from './catalog.js';
import type { LinkEvent, ServerDescription, UpstreamLink } from './link.js';
import { StdioLink } from './stdio.js';
import { HttpLink } from './http.js';
import { Backoff } from './backoff.js';

const ALL_KINDS: CatalogKind[] = ['tools', 'prompts', 'resources', 'resourceTemplates'];

export interface PoolEvents {
  listChanged(upstream: string, connectionKey: string, kinds: CatalogKind[]): void;
  notification(upstream: string, connectionKey: string, n: JsonRpcNotification): void;
  health(upstream: string, connectionKey: string, up: boolean, reason?: string): void;
  log(level: 'info' | 'warn' | 'error', message: string, detail?: Record<string, unknown>): void;
  /**
   * Every listing is shown here before it is served (tool pinning). `previous` is this connection's
   * earlier listing when this is a re-list. A failure is logged; the listing is served anyway, and
   * whatever could not be checked stays hidden (the check fails closed).
   */
  inspect?(upstream: string, next: Catalog, previous: Catalog | undefined, instructions: string | undefined): Promise<void>;
}

export type CatalogInspector = (next: Catalog, previous: Catalog | undefined, instructions: string | undefined) => Promise<void>;

export class Connection {
  catalog: Catalog | undefined;
  private loading: Promise<Catalog> | undefined;
  /** Set while the catalog could not be read: when lists may try again (see listCatalog). */
  private retryAt: number | undefined;
  lastUsed = Date.now();

  constructor(
    readonly key: string,
    readonly link: UpstreamLink,
    private readonly timeoutMs: number,
    private readonly retry: Backoff = new Backoff(250, 30_000, 1_000_000),
    /** Called when a catalog that could not be read earlier has been read: agents should re-list. */
    private readonly recovered: () => void = () => undefined,
    private readonly inspect: CatalogInspector = async () => undefined,
  ) {}

  private toolIndex: { of: Catalog; byName: Map<string, Params> } | undefined;

  /** A tool's definition as this connection last listed it. */
  tool(name: string): Params | undefined {
    const catalog = this.catalog;
    if (!catalog) return undefined;
    if (this.toolIndex?.of !== catalog) {
      const byName = new Map<string, Params>();
      for (const t of catalog.tools) if (typeof t.name === 'string') byName.set(t.name, t);
      this.toolIndex = { of: catalog, byName };
    }
    return this.toolIndex.byName.get(name);
  }

  async server(): Promise<ServerDescription> {
    return this.link.server ?? (await this.link.start());
  }

  /** The catalog, loading it once; concurrent callers share the same read. */
  async getCatalog(): Promise<Catalog> {
    if (this.catalog) return this.catalog;
    this.loading ??= this.server()
      .then((s) => fetchCatalog(this.link, s, this.timeoutMs))
      .then(async (c) => {
        await this.inspect(c, undefined, this.link.server?.instructions);
        return c;
      })
      .then(
        (c) => {
          this.catalog = c;
          if (this.retryAt !== undefined) {
            this.retryAt = undefined;
            this.retry.reset();
            this.recovered();
          }
          return c;
        },
        (err: unknown) => {
          this.retryAt = Date.now() + (this.retry.next() ?? Number.POSITIVE_INFINITY);
          throw err;
        },
      )
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /** Whether the catalog has not been read yet because reading it failed. */
  get unreadable(): boolean {
    return this.catalog === undefined && this.retryAt !== undefined;
  }

  /**
   * The catalog for answering a list. Once reading it has failed, a list does not wait for this
   * upstream again: its connect time-out would stall every agent's list (25 s for a server that never
   * answers). It lists nothing meanwhile, is retried in the background with the restart backoff, and
   * announces its items with a list_changed once it is read (see `recovered`).
   */
  async listCatalog(): Promise<Catalog> {
    if (this.catalog || this.retryAt === undefined) return this.getCatalog();
    if (!this.loading && Date.now() >= this.retryAt) this.getCatalog().catch(() => undefined);
    return EMPTY_CATALOG;
  }

  async refresh(kinds: CatalogKind[]): Promise<CatalogKind[]> {
    // A list_changed can arrive before the first full read (server-everything sends one during its
    // handshake). Re-reading only `kinds` then would leave a partial catalog standing in for the full
    // one, so the first read is always a full one, and a read in progress is waited for.
    if (this.loading) await this.loading.catch(() => undefined);
    if (!this.catalog) {
      await this.getCatalog();
      return kinds;
    }
    const server = await this.server();
    const before = this.catalog;
    const fresh: Partial<Catalog> = {};
    const changed: CatalogKind[] = [];
    for (const k of kinds) {
      fresh[k] = await fetchList(this.link, server, k, this.timeoutMs);
      if (JSON.stringify(before[k]) !== JSON.stringify(fresh[k])) changed.push(k);
    }
    // Merged onto the latest catalog, so concurrent refreshes of other kinds are not undone.
    const merged = { ...(this.catalog ?? before), ...fresh };
    if (changed.length > 0) await this.inspect(merged, before, this.link.server?.instructions);
    this.catalog = merged;
    return changed;
  }
}

export type LinkFactory = (upstream: string, cfg: UpstreamConfig, emit: (e: LinkEvent) => void, clientCapabilities: Params) => UpstreamLink;

export const defaultLinkFactory: LinkFactory = (upstream, cfg, emit, caps) =>
  cfg.stdio ? new StdioLink(upstream, cfg, emit, caps) : new HttpLink(upstream, cfg, emit, caps);

/**
 * Client capabilities the gateway declares upstream. Roots are declared only on per-session
 * connections: a server such as server-filesystem replaces its allowed directories with the roots it
 * is given, and one agent's roots must not reconfigure a server that other agents share.
 */
function upstreamCapabilities(share: UpstreamConfig['share'], agentCaps: Params | undefined): Params {
  if (share === 'per-session' && agentCaps) return agentCaps;
  const caps: Params = { sampling: {}, elicitation: { form: {}, url: {} } };
  return caps;
}

export class UpstreamPool {
  private readonly connections = new Map<string, Connection>();
  private closed = false;

  constructor(
    readonly name: string,
    readonly cfg: UpstreamConfig,
    private readonly events: PoolEvents,
    private readonly makeLink: LinkFactory = defaultLinkFactory,
  ) {}

  keyFor(principal: Principal, session: string | undefined): string {
    switch (this.cfg.share) {
      case 'shared':
        return 'shared';
      case 'per-principal':
        return `p:${principal.tenant ?? ''}:${principal.subject}`;
      case 'per-session':
        // 2026-07-28 requests have no transport session: the token's session claim (sid) is the session,
        // bound to the principal that carries it; without one, the principal is.
        if (session !== undefined) return `s:${session}`;
        if (principal.sessionClaim !== undefined) return `c:${principal.tenant ?? ''}:${principal.subject}:${principal.sessionClaim}`;
        return `p:${principal.tenant ?? ''}:${principal.subject}`;
    }
  }

  connection(key: string, agentCaps?: Params): Connection {
    let c = this.connections.get(key);
    if (!c) {
      const conn: Connection = new Connection(
        key,
        this.makeLink(this.name, this.cfg, (e) => this.onLinkEvent(conn, e), upstreamCapabilities(this.cfg.share, agentCaps)),
        this.cfg.timeoutMs,
        new Backoff(this.cfg.restart.initialDelayMs, this.cfg.restart.maxDelayMs, this.cfg.restart.maxAttempts),
        () => this.events.listChanged(this.name, conn.key, ALL_KINDS),
        async (next, previous, instructions) => {
          try {
            await this.events.inspect?.(this.name, next, previous, instructions);
          } catch (err) {
            this.events.log('error', 'could not check tool pins; unchecked definitions stay hidden', { upstream: this.name, error: err instanceof Error ? err.message : String(err) });
          }
        },
      );
      c = conn;
      this.connections.set(key, c);
    }
    c.lastUsed = Date.now();
    return c;
  }

  /** Shared upstreams connect at start so the first agent does not pay for the handshake. */
  async warm(): Promise<void> {
    if (this.cfg.share !== 'shared') return;
    await this.connection('shared').getCatalog();
  }

  get inFlight(): number {
    let n = 0;
    for (const c of this.connections.values()) n += c.link.inFlight;
    return n;
  }

  get healthy(): boolean {
    for (const c of this.connections.values()) if (c.link.server) return true;
    return this.cfg.share !== 'shared';
  }

  async release(key: string): Promise<void> {
    const c = this.connections.get(key);
    if (!c || key === 'shared') return;
    this.connections.delete(key);
    await c.link.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.allSettled(all.map((c) => c.link.close()));
  }

  private onLinkEvent(conn: Connection, e: LinkEvent): void {
    if (this.closed && e.type !== 'log') return;
    switch (e.type) {
      case 'notification': {
        const kinds = kindForNotification(e.notification.method);
        if (kinds) {
          conn
            .refresh(kinds)
            .then((changed) => {
              if (changed.length > 0) this.events.listChanged(this.name, conn.key, changed);
            })
            .catch((err: unknown) => this.events.log('warn', 'could not re-list after list_changed', { upstream: this.name, error: String(err) }));
          return;
        }
        this.events.notification(this.name, conn.key, e.notification);
        return;
      }
      case 'up': {
        this.events.health(this.name, conn.key, true);
        if (conn.catalog) {
          // After a restart the server may offer something else: re-list everything and compare.
          conn
            .refresh(ALL_KINDS)
            .then((changed) => {
              if (changed.length > 0) this.events.listChanged(this.name, conn.key, changed);
            })
            .catch((err: unknown) => this.events.log('warn', 'could not re-list after restart', { upstream: this.name, error: String(err) }));
        } else if (conn.unreadable) {
          // Back after a failed start: read what it offers now (announced through `recovered`).
          conn.getCatalog().catch(() => undefined);
        }
        return;
      }
      case 'down':
        this.events.health(this.name, conn.key, false, e.reason);
        return;
      case 'log':
        this.events.log(e.level, e.message, e.detail);
        return;
    }
  }
}
