/**
 * Unpinned packages: a server launched from a registry without an exact version runs whatever is
 * published next time it starts (`npx pkg`, `pkg@latest`, `uvx pkg`, a docker tag instead of a digest).
 */
import type { ServerEntry } from '../types.js';
import { baseName, effectiveCommand } from './command.js';

const EXACT_SEMVER = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const EXACT_PEP440 = /^\d+(?:\.\d+)*(?:(?:a|b|rc)\d+)?(?:\.post\d+)?(?:\.dev\d+)?$/i;
const GIT_COMMIT = /#[0-9a-f]{40}$|@[0-9a-f]{40}$/i;
const DOCKER_DIGEST = /@sha256:[0-9a-f]{64}$/i;

type Problem = string | undefined;

function isLocal(spec: string): boolean {
  return /^(\.{1,2}[\\/]|[\\/]|~|[A-Za-z]:[\\/]|file:)/.test(spec);
}

function isRemoteSource(spec: string): boolean {
  return /^(git\+|git:|github:|gitlab:|bitbucket:|https?:)/i.test(spec);
}

/** npm spec: `name`, `name@range`, `@scope/name@version`, a git/tarball URL or a local path. */
export function npmSpecProblem(spec: string): Problem {
  if (isLocal(spec)) return undefined;
  if (isRemoteSource(spec)) return GIT_COMMIT.test(spec) ? undefined : `${spec} is fetched from a URL without a commit hash`;
  const at = spec.lastIndexOf('@');
  const version = at > 0 ? spec.slice(at + 1) : '';
  if (version === '') return `${spec} has no version: npx runs whatever is published at start`;
  if (!EXACT_SEMVER.test(version)) return `${spec} is not an exact version ("${version}" can change)`;
  return undefined;
}

/** Python spec: `pkg==1.2.3`, `pkg@1.2.3` (uvx) or a git URL at a commit. */
export function pythonSpecProblem(spec: string): Problem {
  if (isLocal(spec)) return undefined;
  if (isRemoteSource(spec)) return GIT_COMMIT.test(spec) ? undefined : `${spec} is fetched from a URL without a commit hash`;
  const eq = /^([^=<>!~@\s]+)\s*==\s*(\S+)$/.exec(spec);
  if (eq) return EXACT_PEP440.test(eq[2]!) ? undefined : `${spec} is not an exact version`;
  const at = /^([^@\s]+)@(\S+)$/.exec(spec);
  if (at) return EXACT_PEP440.test(at[2]!) ? undefined : `${spec} is not an exact version ("${at[2]}" can change)`;
  return `${spec} has no version (use ==X.Y.Z)`;
}

export function dockerImageProblem(image: string): Problem {
  return DOCKER_DIGEST.test(image) ? undefined : `image ${image} is not pinned by digest (@sha256:…)`;
}

/** Walks argv: flags in `valued` take the next token; the first other non-flag is returned. */
function positionals(args: readonly string[], valued: ReadonlySet<string>): { first: string | undefined; flagValues: Map<string, string[]> } {
  const flagValues = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return { first: args[i + 1], flagValues };
    if (a.startsWith('-')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      let value: string | undefined;
      if (eq > 0) value = a.slice(eq + 1);
      else if (valued.has(a)) value = args[++i];
      if (value !== undefined) flagValues.set(name, [...(flagValues.get(name) ?? []), value]);
      continue;
    }
    return { first: a, flagValues };
  }
  return { first: undefined, flagValues };
}

const NPX_VALUED = new Set(['-p', '--package', '-c', '--call', '--cache', '--registry', '--userconfig', '-w', '--workspace']);
const UVX_VALUED = new Set(['--from', '--with', '--with-editable', '--with-requirements', '--python', '-p', '--index', '--index-url', '--extra-index-url', '--default-index', '-i', '--constraint', '-c', '--directory', '--project', '--config-file', '--cache-dir']);
const PIPX_VALUED = new Set(['--spec', '--python', '--index-url', '-i', '--pip-args']);
const DOCKER_VALUED = new Set([
  '-e', '--env', '--env-file', '-v', '--volume', '--name', '-p', '--publish', '--network', '--net', '--mount', '-w', '--workdir',
  '--entrypoint', '-u', '--user', '-l', '--label', '--platform', '--pull', '--cpus', '-m', '--memory', '--add-host', '--cap-add',
  '--cap-drop', '--device', '--dns', '--gpus', '-h', '--hostname', '--ipc', '--log-driver', '--log-opt', '--restart', '--runtime',
  '--security-opt', '--shm-size', '--tmpfs', '--ulimit', '--pid', '--uts', '--cgroupns', '--stop-signal', '--stop-timeout',
]);

function npxProblems(args: readonly string[]): string[] {
  const { first, flagValues } = positionals(args, NPX_VALUED);
  const packages = [...(flagValues.get('-p') ?? []), ...(flagValues.get('--package') ?? [])];
  const specs = packages.length > 0 ? packages : first !== undefined ? [first] : [];
  return specs.map(npmSpecProblem).filter((p): p is string => p !== undefined);
}

function uvxProblems(args: readonly string[]): string[] {
  const { first, flagValues } = positionals(args, UVX_VALUED);
  const from = flagValues.get('--from');
  const specs = [...(from ?? (first !== undefined ? [first] : [])), ...(flagValues.get('--with') ?? [])];
  return specs.map(pythonSpecProblem).filter((p): p is string => p !== undefined);
}

function pipxProblems(args: readonly string[]): string[] {
  const { first, flagValues } = positionals(args, PIPX_VALUED);
  const specs = flagValues.get('--spec') ?? (first !== undefined ? [first] : []);
  return specs.map(pythonSpecProblem).filter((p): p is string => p !== undefined);
}

function dockerProblems(args: readonly string[]): string[] {
  let rest = args;
  if (rest[0] === 'container') rest = rest.slice(1);
  if (rest[0] !== 'run') return [];
  const { first } = positionals(rest.slice(1), DOCKER_VALUED);
  const p = first !== undefined ? dockerImageProblem(first) : undefined;
  return p ? [p] : [];
}

/** One explanation per unpinned package the server launches (none for local programs). */
export function unpinnedPackages(entry: ServerEntry): string[] {
  if (entry.transport !== 'stdio' || entry.command === undefined) return [];
  const { program, args } = effectiveCommand(entry.command, entry.args);
  const name = baseName(program);
  switch (name) {
    case 'npx':
    case 'bunx':
      return npxProblems(args);
    case 'npm':
    case 'pnpm':
    case 'yarn':
    case 'bun':
      return ['exec', 'x', 'dlx'].includes(args[0] ?? '') ? npxProblems(args.slice(1)) : [];
    case 'uvx':
      return uvxProblems(args);
    case 'uv':
      return args[0] === 'tool' && args[1] === 'run' ? uvxProblems(args.slice(2)) : [];
    case 'pipx':
      return args[0] === 'run' ? pipxProblems(args.slice(1)) : [];
    case 'docker':
    case 'podman':
      return dockerProblems(args);
    default:
      return [];
  }
}
