/**
 * Family "god-tool": over-privileged capabilities — arbitrary shell or code execution on the host,
 * arbitrary SQL, unrestricted file access, root. Judged from the name, the description and the input
 * schema together (a `command` string parameter on a tool that runs commands). These findings are
 * capability warnings, not signs of malice: they do not raise the poisoning score, and the default
 * policy asks a person to approve the tool. Capabilities scoped to a browser page, a sandbox,
 * allowed directories or read-only SQL are not god tools.
 */
import { literalsIn, makeFinding, type ItemCtx, type Sink } from '../engine.js';
import { gap, rx } from '../safe-regex.js';
import type { Severity } from '../types.js';
import { foldView, toSpan, type View } from '../unicode.js';
import type { Field, Param } from '../walk.js';
import { has } from '../vocab.js';

const F = 'god-tool' as const;

const SHELL_TOKENS = new Set(['bash', 'sh', 'zsh', 'fish', 'shell', 'powershell', 'pwsh', 'cmd', 'terminal', 'exec', 'sudo', 'subprocess', 'popen', 'repl']);
const CMD_PARAM = /^(?:command|commands|cmd|cmdline|command_?line|script|scripts|shell_?command|bash_?command|args|argv|arguments|line|input|code|source|source_?code|program|expression|snippet|exec|comando|befehl|commande|keys|keystrokes)$/i;
const CODE_DESC = /\b(?:command|commands|script|code|shell|program|snippet|argv|comando|befehl|commande)\b/;

const EXEC = rx(`(?:\\b(?:execute[sd]?|executing|run|runs|running|start|starts|spawn|spawns|launch|launches|invoke[s]?|calls?|send (?:input|keystrokes|commands?) to|gives? you|open[s]? an? (?:interactive )?)\\b${gap(40)}?\\b(?:shell|terminal|bash|zsh|powershell|cmd(?:\\.exe)?|command line|commands?|command-line programs?|programs?|executables?|process|processes|binar(?:y|ies)|scripts?|repls?|system\\(\\)|sudo|kubectl)\\b|\\b(?:ejecuta[r]?|executa[r]?|execute|fuhrt|ausfuhren|esegue|eseguire|lance|lancer)\\b${gap(40)}?\\b(?:comando|comandos|befehl|befehle|commande|commandes|terminal|shell|script)\\b)`);
const CODE = rx(`\\b(?:execute[sd]?|executing|run|runs|running|evaluate[s]?|evaluating|eval|interpret[s]?)\\b${gap(30)}?\\b(?:javascript|js|python|ruby|lua|perl|php|node\\.?js|shell|bash|code|snippets?|scripts?|source code|mongo(?:db)? shell)\\b`);
const SCOPED_CODE = /\b(?:browser|page|tab|console|frame|webpage|dom|sandbox(?:ed)?|isolated|wasm|playground|in the page|element)\b/;
const HOST = /\b(?:server process|node\.?js process|host|rce|the machine|your machine|operating system|full access|require|child_process|on the server)\b/;
const SQL = rx(`\\b(?:execute[sd]?|executing|run|runs|running|issue[s]?|perform[s]?)\\b${gap(25)}?\\b(?:raw |arbitrary |any |custom |ad[- ]hoc |the |an? )?(?:sql|queries|query|statements?|ddl|dml)\\b`);
// Literal gates: necessary conditions of the patterns below, cheap enough to try first. EXEC and CODE
// need both a verb and an object, so each has a gate for either part (most descriptions have a verb
// such as "run" or "open" but no shell, command or code to run). All gates are answered by one pass
// over the description (literalsIn).
const EXEC_GATE = ['exec', 'run', 'start', 'spawn', 'launch', 'invok', 'call', 'send', 'give', 'open', 'ejecut', 'fuhrt', 'ausfuhr', 'esegu', 'lance'];
const EXEC_OBJECT_GATE = ['shell', 'terminal', 'bash', 'zsh', 'powershell', 'cmd', 'command', 'program', 'executable', 'process', 'binar', 'script', 'repl', 'system()', 'sudo', 'kubectl', 'comando', 'befehl', 'commande'];
const CODE_GATE = ['java', 'js', 'python', 'ruby', 'lua', 'perl', 'php', 'node', 'shell', 'bash', 'code', 'snippet', 'script', 'source', 'mongo'];
const CODE_VERB_GATE = ['execut', 'run', 'eval', 'interpret'];
const FILE_GATE = ['any', 'arbitrary', 'all ', 'anywhere', 'restrict', 'full access', 'system files', 'rm -rf', 'recursively'];
const FILE_OBJECT_GATE = ['file', 'path', 'director', 'location', 'anywhere', 'restrict', 'rm -rf', 'recursively'];
const PRIV_GATE = ['sudo', 'root', 'administrator', 'elevated', 'admin rights'];
/** Words that make a description worth the SQL checks. */
const SQL_HINT = ['sql', 'postgres', 'database', 'db'];
const GATES: readonly (readonly string[])[] = [EXEC_GATE, EXEC_OBJECT_GATE, CODE_GATE, CODE_VERB_GATE, FILE_GATE, FILE_OBJECT_GATE, PRIV_GATE, SQL_HINT];
const gate = (bits: number, list: readonly string[]): boolean => (bits & (1 << GATES.indexOf(list))) !== 0;
const EXEC_SCOPED = /\b(?:defined in|predefined|pre-defined|saved|by (?:its )?(?:name|id)|one of the|allow-?listed|whitelisted|configured (?:commands|scripts)|vs ?code command|editor command)\b/;
const SQL_OR_DATABASE = /sql|database/i;
const SQL_WORD = /\b(?:sql|mysql|postgres(?:ql)?|sqlite|mariadb|mssql|t-sql|database|db)\b/;
const READ_ONLY = /\b(?:read-only|readonly|read only|select only|only select|select statements only|writes are rejected|cannot modify|no writes|does not modify)\b/;
const SQL_ANY = /\b(?:any|arbitrary|raw|custom)\b[^\n]{0,12}\b(?:sql|query|queries|statement)\b|\b(?:ddl|dml)\b/;
const FILE_ANY = rx(`(?:\\b(?:any|arbitrary|all)\\b${gap(15)}?\\b(?:files?|paths?|director(?:y|ies)|locations?)\\b${gap(30)}?(?:\\bon (?:the |your )?(?:disk|machine|system|host|computer|file ?system)\\b|\\banywhere\\b|\\bincluding system files\\b)|\\banywhere on (?:the |your )?(?:file ?system|disk|machine|computer|host)\\b|\\bno (?:directory |path )?restrictions\\b|\\bfull access to the (?:entire )?file ?system\\b|\\bsystem files\\b|\\brm -rf\\b|\\brecursively delet(?:e|es)\\b${gap(10)}?\\bany\\b|\\b(?:paths?|access|files?|directories) (?:are|is) not restricted\\b|\\bunrestricted (?:file|filesystem|file system|disk|path) access\\b|\\b(?:read|write|delete|modify|overwrite)s? (?:or (?:read|write|delete|modify|overwrite) )?any (?:file|path)s?\\b)`);
const FILE_SCOPED = /\b(?:only works within|within (?:the )?allowed|allowed directories|sandbox|workspace root|inside the project|(?:in|within|inside|under) (?:the |this |your )?(?:workspace|project|repository|repo|allowed (?:directories|paths))\b)/;
const PRIV = rx(`\\b(?:sudo|root privileges|as root|administrator privileges|elevated privileges|admin rights)\\b`);

/** Each pattern with the gates tried before it: every gate must match wherever the pattern does (a test checks this on the eval data). */
export const GATED_PATTERNS: readonly (readonly [RegExp, readonly (readonly string[])[]])[] = [
  [EXEC, [EXEC_GATE, EXEC_OBJECT_GATE]],
  [CODE, [CODE_GATE, CODE_VERB_GATE]],
  [FILE_ANY, [FILE_GATE, FILE_OBJECT_GATE]],
  [PRIV, [PRIV_GATE]],
];

// Code (script, python, js) is judged by the CODE rule, which knows browser-page scoping.
const SHELLISH = new Set(['shell', 'bash', 'sh', 'zsh', 'command', 'commands', 'cmd', 'terminal', 'process', 'powershell', 'pwsh', 'program', 'binary', 'subprocess']);
const ACTION = new Set(['run', 'exec', 'execute', 'start', 'spawn', 'launch', 'invoke', 'interact']);
const HOSTISH = new Set(['ssh', 'docker', 'shell', 'bash', 'sh', 'kubectl', 'container', 'pod', 'remote', 'cmd', 'host', 'system', 'os']);

/** The name says "run a shell/command/process" — not a name that merely mentions a shell (shell_escape). */
function isShellName(tokens: readonly string[]): boolean {
  if (tokens.length === 1) return SHELL_TOKENS.has(tokens[0]!) || tokens[0] === 'system';
  const first = tokens[0]!;
  const last = tokens[tokens.length - 1]!;
  if (ACTION.has(first) && tokens.slice(1).some((t) => SHELLISH.has(t))) return true;
  if ((last === 'exec' || last === 'run' || last === 'execute') && HOSTISH.has(first)) return true;
  return false;
}

/** Match that is not negated just before ("without running it", "never executes"). */
function hasUnnegatedMatch(re: RegExp, s: string): boolean {
  re.lastIndex = 0;
  for (let k = 0; k < 4; k++) {
    const m = re.exec(s);
    if (m === null) return false;
    if (!/\b(?:not|never|no|without|nor|don't|doesn't)\b[^.]{0,12}$/.test(s.slice(Math.max(0, m.index - 24), m.index))) return true;
  }
  return false;
}

const nameTokens = (name: string): string[] => name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]{1,8}/).filter((t) => t.length > 0);

/** The tool-level god-tool check: runs once per tool over its name, description and parameters. */
export function scanGodTool(def: { name: Field | undefined; description: Field | undefined; descView?: View | undefined }, params: readonly Param[], item: ItemCtx, sink: Sink): void {
  void item;
  // Without a free-form string or array input a tool cannot take a command, code or a path.
  const freeParams = params.filter((p) => !p.hasEnum && (p.type === undefined || /string|array/.test(p.type)));
  if (freeParams.length === 0) return;
  const tokens = nameTokens(def.name?.text ?? '');
  const descField = def.description;
  const view: View | undefined = def.descView ?? (descField ? foldView(descField.text, 0, Math.min(descField.text.length, 16_384)) : undefined);
  const d = view?.text ?? '';
  // Computed only when a rule needs them (most tools fail the cheap gates first).
  let cmdParamMemo: Param | undefined | null = null;
  const cmdParamOf = (): Param | undefined => (cmdParamMemo === null ? (cmdParamMemo = freeParams.find((p) => CMD_PARAM.test(p.name) || CODE_DESC.test(p.description.toLowerCase()))) : cmdParamMemo);
  let paramTextMemo: string | undefined;
  const paramTextOf = (): string => (paramTextMemo ??= params.map((p) => `${p.name} ${p.description}`).join(' \n ').toLowerCase());

  const report = (id: string, sev: Severity, explain: string, re?: RegExp): void => {
    let field = descField ?? def.name;
    let span: [number, number] = [0, field?.text.length ?? 0];
    if (re && view && descField) {
      re.lastIndex = 0;
      const m = re.exec(d);
      if (m) span = toSpan(view, m.index, m.index + m[0].length);
    } else if (!re && def.name) { field = def.name; span = [0, def.name.text.length]; }
    if (field) sink(makeFinding({ id, family: F, explain }, sev, field, span));
  };

  const shellName = isShellName(tokens);
  // Cheap literal gates before each pattern: most descriptions mention none of these words.
  const bits = literalsIn(GATES, d);
  const execDesc = gate(bits, EXEC_GATE) && gate(bits, EXEC_OBJECT_GATE) && hasUnnegatedMatch(EXEC, d) && !EXEC_SCOPED.test(d);
  const codeDesc = gate(bits, CODE_GATE) && gate(bits, CODE_VERB_GATE) && hasUnnegatedMatch(CODE, d);
  const cmdParam = shellName || execDesc || codeDesc ? cmdParamOf() : undefined;
  // A parameter documented as an id or a name picks a predefined thing; it is not a free command.
  const freeCmd = cmdParam !== undefined && !/^(?:the )?(?:[a-z]{1,12} )?(?:id|name|key|alias)\b|\b(?:id|name) (?:of|from) (?:a|an|the|one)\b/.test(cmdParam.description.toLowerCase());
  if ((shellName && freeParams.length > 0 && (freeCmd || cmdParam === undefined)) || (execDesc && (freeCmd || shellName))) {
    report('god-tool.shell', 'high', 'Runs arbitrary shell commands or programs on the host.', execDesc ? EXEC : undefined);
    return;
  }
  if (freeCmd && codeDesc) {
    const scoped = SCOPED_CODE.test(d) && !HOST.test(d);
    if (!scoped) { report('god-tool.code', 'high', 'Executes arbitrary code in the server process.', CODE); return; }
  }
  // Case-insensitive test instead of lower-casing a copy of every parameter's text (the same answer:
  // no non-ASCII character lower-cases to, or matches without the u flag, these ASCII letters).
  const paramSql = (): boolean => params.some((p) => SQL_OR_DATABASE.test(p.name) || SQL_OR_DATABASE.test(p.description));
  const sqlish = tokens.includes('sql') || ((gate(bits, SQL_HINT) || paramSql()) && (SQL_WORD.test(d) || SQL_WORD.test(paramTextOf())));
  const paramText = sqlish ? paramTextOf() : '';
  const sqlParam = sqlish ? freeParams.find((p) => /^(?:sql|query|statement|stmt|q|sql_?query)$/i.test(p.name) || /\bsql\b/.test(p.description.toLowerCase())) : undefined;
  const sqlName = (tokens.length === 1 && tokens[0] === 'sql') || (tokens.includes('sql') && tokens.some((t) => /^(?:run|exec|execute|query|raw)$/.test(t)));
  if (sqlish && sqlParam && (hasUnnegatedMatch(SQL, d) || SQL_ANY.test(paramText) || sqlName)) {
    if (READ_ONLY.test(d) || READ_ONLY.test(paramText)) report('god-tool.sql', 'low', 'Runs free-form read-only SQL: every table the connection can see is readable.', SQL);
    else report('god-tool.sql', 'high', 'Runs arbitrary SQL, including writes and schema changes.', SQL);
    return;
  }
  if (gate(bits, FILE_GATE) && gate(bits, FILE_OBJECT_GATE) && has(FILE_ANY, d) && !FILE_SCOPED.test(d)) { report('god-tool.file', 'high', 'Reads, writes or deletes files anywhere on the host.', FILE_ANY); return; }
  if (gate(bits, PRIV_GATE) && has(PRIV, d)) { report('god-tool.privilege', 'high', 'Acts with root or administrator privileges.', PRIV); return; }
}
