/** How a secret is shown: never its value; a recognisable prefix only when the value is long enough. */
export function maskSecret(value: string): string {
  const v = value.trim();
  if (v.length < 20) return '****';
  return `${v.slice(0, 4)}****`;
}

/** The text with every [start, end) span masked, for showing command lines that contain secrets. */
export function maskSpans(text: string, spans: ReadonlyArray<readonly [number, number]>): string {
  if (spans.length === 0) return text;
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [start, end] of sorted) {
    if (start < at) continue;
    out += text.slice(at, start) + maskSecret(text.slice(start, end));
    at = end;
  }
  return out + text.slice(at);
}
