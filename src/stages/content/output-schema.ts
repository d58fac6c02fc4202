/**
 * structuredContent against the tool's outputSchema. Schemas come from upstreams (untrusted, possibly
 * broken), so: each distinct schema is compiled once (cached by identity, then by the SHA-256 of its
 * canonical JSON, in a bounded cache); a schema that does not compile is an outcome ('bad-schema'),
 * never a crash; `pattern` keywords run on RE2 (linear-time), so a schema cannot make validation
 * backtrack catastrophically; oversized schemas are refused before ajv sees them.
 */
import { createHash } from 'node:crypto';
import Ajv2020Module from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import canonicalizeModule from 'canonicalize';
import { RE2JS } from 're2js';

const Ajv2020 = Ajv2020Module as unknown as typeof Ajv2020Module.default;
const canonicalize = canonicalizeModule as unknown as (v: unknown) => string | undefined;

export type SchemaCheck = { ok: true } | { ok: false; kind: 'missing' | 'invalid' | 'bad-schema'; detail: string };

type Compiled = { validate: ValidateFunction; body: object } | { error: string };

const MAX_SCHEMA_CHARS = 256 * 1024;
const MAX_CACHED = 256;

export class OutputSchemas {
  private readonly byObject = new WeakMap<object, Compiled>();
  private readonly byHash = new Map<string, Compiled>();
  private readonly ajv = new Ajv2020({
    strict: false,
    allErrors: false,
    validateFormats: false, // formats are advisory in MCP; no format plugin is loaded
    logger: false,
    code: { regExp: re2Engine },
  });

  check(schema: unknown, structured: unknown): SchemaCheck {
    if (structured === undefined) return { ok: false, kind: 'missing', detail: 'the tool declares an outputSchema but returned no structuredContent' };
    const c = this.compiled(schema);
    if ('error' in c) return { ok: false, kind: 'bad-schema', detail: c.error };
    let valid: boolean;
    try {
      valid = c.validate(structured) === true;
    } catch {
      // recursive schemas over hostile data can exhaust the stack: not valid, and not a crash
      return { ok: false, kind: 'invalid', detail: 'structuredContent could not be validated (too deeply nested)' };
    }
    if (valid) return { ok: true };
    const e = c.validate.errors?.[0];
    const where = e?.instancePath ? ` at ${e.instancePath.slice(0, 120)}` : '';
    return { ok: false, kind: 'invalid', detail: `structuredContent does not match the tool's outputSchema${where}: ${(e?.message ?? 'invalid').slice(0, 200)}` };
  }

  private compiled(schema: unknown): Compiled {
    if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return { error: 'outputSchema is not a JSON object' };
    const known = this.byObject.get(schema);
    if (known) return known;
    const c = this.compileByHash(schema);
    this.byObject.set(schema, c);
    return c;
  }

  private compileByHash(schema: object): Compiled {
    let canonical: string | undefined;
    try {
      canonical = canonicalize(schema);
    } catch {
      canonical = undefined;
    }
    if (canonical === undefined) return { error: 'outputSchema is not serializable JSON' };
    if (canonical.length > MAX_SCHEMA_CHARS) return { error: `outputSchema is larger than ${MAX_SCHEMA_CHARS} characters` };
    const hash = createHash('sha256').update(canonical).digest('hex');
    const hit = this.byHash.get(hash);
    if (hit) {
      this.byHash.delete(hash); // LRU: move to the newest end
      this.byHash.set(hash, hit);
      return hit;
    }
    let c: Compiled;
    try {
      // A schema's own $schema/$id would make ajv fetch or register meta-schemas: validate with 2020-12 semantics.
      const { $schema: _s, $id: _i, ...body } = JSON.parse(canonical) as Record<string, unknown>;
      c = { validate: this.ajv.compile(body), body };
    } catch (err) {
      c = { error: `outputSchema does not compile: ${(err instanceof Error ? err.message : String(err)).slice(0, 200)}` };
    }
    if (this.byHash.size >= MAX_CACHED) {
      const oldest = this.byHash.keys().next().value!;
      const evicted = this.byHash.get(oldest);
      this.byHash.delete(oldest);
      if (evicted && 'body' in evicted) this.ajv.removeSchema(evicted.body); // ajv keeps its own cache per schema object
    }
    this.byHash.set(hash, c);
    return c;
  }
}

/** ajv's regExp option: JSON Schema `pattern` on RE2, so an upstream's schema cannot backtrack. */
function re2Engine(pattern: string, flags: string): { test(s: string): boolean } {
  const re = RE2JS.compile(pattern, flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0);
  return { test: (s: string) => re.matcher(s).find() };
}
re2Engine.code = 'portcullis-re2';
