/** Client server names become gateway upstream names: a-z, 0-9 and "-", at most 32, unique. */
const MAX = 32;

export function upstreamNameFor(clientName: string, taken: ReadonlySet<string>): string {
  let base = clientName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '');
  if (base === '') base = 'server';
  base = base.slice(0, MAX).replace(/-+$/, '');
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const suffix = `-${i}`;
    const candidate = `${base.slice(0, MAX - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}
