/** Helpers over a server's command line: the program's base name, and unwrapping `cmd /c …`. */

export function baseName(token: string): string {
  const last = token.split(/[\\/]/).pop() ?? token;
  return last.replace(/\.(cmd|exe|bat|ps1)$/i, '').toLowerCase();
}

/**
 * The effective command line: Windows configs often launch `cmd /c npx …` so that npx is found on
 * PATH; the program that matters is the one after `/c`.
 */
export function effectiveCommand(command: string, args: readonly string[]): { program: string; args: readonly string[] } {
  if (baseName(command) === 'cmd' && args.length >= 2 && /^\/c$/i.test(args[0]!)) return { program: args[1]!, args: args.slice(2) };
  return { program: command, args };
}
