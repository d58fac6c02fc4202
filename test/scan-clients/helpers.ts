import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'dist/cli/main.js');

/** A fake machine: a home directory and a project directory, so no test reads the real account. */
export interface Machine {
  readonly root: string;
  readonly home: string;
  readonly project: string;
  write(path: string, text: string | Buffer): string;
  run(args: string[], extraEnv?: Record<string, string>): { status: number | null; stdout: string; stderr: string };
  cleanup(): void;
}

export function machine(): Machine {
  const root = mkdtempSync(join(tmpdir(), 'pc-scan-clients-'));
  const home = join(root, 'home');
  const project = join(root, 'project');
  mkdirSync(home, { recursive: true });
  mkdirSync(project, { recursive: true });
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, LANG: 'C' };
  return {
    root,
    home,
    project,
    write(path, text) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return path;
    },
    run(args, extraEnv = {}) {
      const r = spawnSync(process.execPath, [CLI, ...args], { cwd: project, env: { ...env, ...extraEnv }, encoding: 'utf8', input: '', timeout: 60_000 });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
