#!/usr/bin/env node
// Makes a fresh Debian machine ready for `npm test`: npm dependencies, the Debian packages the
// tests drive for real (ansible, ansible-lint, yamllint, shellcheck, packer, git), then every
// scripts/ensure/*.mjs module (tools with their own install, e.g. Renovate), called with
// { root, run, onPath }.
// A tool that cannot be installed fails loudly: no test is skipped for a missing tool.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Debian package for each binary the tests need. */
export const APT_TOOLS = {
  git: 'git',
  'ansible-playbook': 'ansible',
  'ansible-lint': 'ansible-lint',
  yamllint: 'yamllint',
  shellcheck: 'shellcheck',
  packer: 'packer',
};

/** Preinstalled on the project's machines; no Debian package of a usable version exists. */
const PREINSTALLED = {
  terraform: 'terraform >= 1.10 (HashiCorp release)',
  kubectl: 'kubectl with kustomize v5 (kubectl kustomize)',
};

function onPath(bin) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, bin)));
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.status !== 0) {
    console.error(`setup: '${cmd} ${args.join(' ')}' failed with exit code ${result.status ?? result.signal}`);
    process.exit(1);
  }
}

function ensureNodeModules() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('setup: installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function ensureApt() {
  const missing = Object.entries(APT_TOOLS).filter(([bin]) => !onPath(bin));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !onPath('apt-get')) {
    console.error(`setup: missing ${missing.map(([b]) => b).join(', ')}; install the Debian packages: sudo apt-get install -y ${packages.join(' ')}`);
    process.exit(1);
  }
  console.log(`setup: installing Debian packages: ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env });
}

function ensurePreinstalled() {
  const missing = Object.entries(PREINSTALLED).filter(([bin]) => !onPath(bin));
  if (missing.length === 0) return;
  for (const [bin, what] of missing) console.error(`setup: '${bin}' is not on PATH; install ${what}.`);
  process.exit(1);
}

async function ensureExtras() {
  const dir = join(root, 'scripts', 'ensure');
  if (!existsSync(dir)) return;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort()) {
    const mod = await import(pathToFileURL(join(dir, file)).href);
    await mod.ensure({ root, run, onPath });
  }
}

ensureNodeModules();
ensureApt();
ensurePreinstalled();
await ensureExtras();
try {
  execFileSync('git', ['--version'], { stdio: 'ignore' });
} catch {
  console.error('setup: git does not run');
  process.exit(1);
}
