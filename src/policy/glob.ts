/** Name patterns: `*` matches any run of characters; everything else is literal (no regex injection). */
export function globToRegExpSource(glob: string): string {
  return glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&')).join('.*');
}
