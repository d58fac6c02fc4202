/**
 * Client variables in server definitions. The gateway interpolates `${NAME}` and `${NAME:-default}`
 * from its environment (which, under `portcullis stdio`, the client passes on); VS Code and Cursor
 * write the same thing as `${env:NAME}`. Anything else (`${input:…}`, `${workspaceFolder}`,
 * `${userHome}`) only the client can resolve, so such a server stays in the client.
 */
const ANY_REF = /\$\{([^}]*)\}/g;
const GATEWAY_REF = /^[A-Za-z_][A-Za-z0-9_]*(:-.*)?$/s;
const ENV_REF = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;
/** Predefined variables of VS Code and its forks: they look like environment names but are not. */
const CLIENT_PREDEFINED = new Set([
  'workspaceFolder', 'workspaceFolderBasename', 'workspaceRoot', 'userHome', 'file', 'fileWorkspaceFolder', 'relativeFile',
  'relativeFileDirname', 'fileBasename', 'fileBasenameNoExtension', 'fileExtname', 'fileDirname', 'fileDirnameBasename', 'cwd',
  'lineNumber', 'selectedText', 'execPath', 'pathSeparator', '/', 'defaultBuildTask',
]);

/** The value in the gateway's syntax, or undefined when it uses a variable only the client knows. */
export function toGatewayValue(value: string): string | undefined {
  let ok = true;
  const out = value.replace(ANY_REF, (whole, body: string) => {
    const env = ENV_REF.exec(body);
    if (env) return `\${${env[1]}}`;
    if (GATEWAY_REF.test(body) && !CLIENT_PREDEFINED.has(body.split(':-')[0]!)) return whole;
    ok = false;
    return whole;
  });
  return ok ? out : undefined;
}
