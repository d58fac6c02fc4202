/**
 * An exact npm package spec, `name@1.2.3` or `@scope/name@1.2.3-rc.1`: a pin names one published
 * version, so ranges (^1, ~1.2, 1.x), tags (latest) and URLs are refused by the schema.
 */
const NAME = '(?:@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*';
const NUM = '(?:0|[1-9][0-9]*)';
const VERSION = `${NUM}\\.${NUM}\\.${NUM}(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?`;

export const NPM_EXACT_SPEC = new RegExp(`^${NAME}@${VERSION}$`);

export function parseNpmSpec(spec: string): { name: string; version: string } | undefined {
  if (!NPM_EXACT_SPEC.test(spec)) return undefined;
  const at = spec.lastIndexOf('@');
  return { name: spec.slice(0, at), version: spec.slice(at + 1) };
}
