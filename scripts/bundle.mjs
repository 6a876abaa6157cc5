#!/usr/bin/env node
// Bundles every action (actions/<name>/action.yml) with @vercel/ncc into actions/<name>/dist/.
//   node scripts/bundle.mjs            write the bundles
//   node scripts/bundle.mjs --check    fail when a committed dist/ differs from a fresh bundle
//   node scripts/bundle.mjs NAME...    only these actions
//
// The Bitwarden SDK's native addon (~6.6 MB) is kept ONCE for all actions, in
// actions/toolkit/native/, and every bundle loads it from there (see docs/bundling.md).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleEntry, NATIVE } from './bundle-lib.mjs';

// BUNDLE_ROOT lets the freshness test check a scratch copy of the repository.
const root = process.env.BUNDLE_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '..');
const actionsDir = join(root, 'actions');
const nativeDir = join(actionsDir, 'toolkit', 'native');

const args = process.argv.slice(2);
const check = args.includes('--check');
const only = args.filter((a) => !a.startsWith('--'));

/** All actions: folders under actions/ with an action.yml. */
export function listActions() {
  return readdirSync(actionsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(actionsDir, d.name, 'action.yml')))
    .map((d) => d.name)
    .sort();
}

async function bundleAction(name) {
  const dir = join(actionsDir, name);
  const entries = [['src/index.ts', '']];
  if (existsSync(join(dir, 'src', 'post.ts'))) entries.push(['src/post.ts', 'post']);
  const files = new Map();
  for (const [src, prefix] of entries) {
    for (const [path, source] of await bundleEntry(join(dir, src), prefix)) files.set(path, source);
  }
  return files;
}

function listFiles(dir, base = dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? listFiles(join(dir, d.name), base) : [relative(base, join(dir, d.name))],
  );
}

const actions = only.length > 0 ? only : listActions();
const problems = [];
let native;
for (const name of actions) {
  if (!existsSync(join(actionsDir, name, 'action.yml'))) {
    console.error(`actions/${name}/action.yml does not exist`);
    process.exit(2);
  }
  const files = await bundleAction(name);
  const distDir = join(actionsDir, name, 'dist');
  const bundleFiles = [...files.entries()].filter(([p]) => !p.startsWith('native:'));
  for (const [p, source] of files) if (p.startsWith('native:')) native = source;
  if (check) {
    const expected = new Set(bundleFiles.map(([p]) => p));
    for (const [path, source] of bundleFiles) {
      const file = join(distDir, path);
      if (!existsSync(file) || !readFileSync(file).equals(Buffer.from(source))) problems.push(`actions/${name}/dist/${path} differs from a fresh bundle`);
    }
    for (const path of listFiles(distDir)) if (!expected.has(path)) problems.push(`actions/${name}/dist/${path} is not produced by the bundle`);
  } else {
    rmSync(distDir, { recursive: true, force: true });
    for (const [path, source] of bundleFiles) {
      const file = join(distDir, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, source);
    }
    const size = bundleFiles.reduce((n, [, s]) => n + Buffer.byteLength(s), 0);
    console.log(`actions/${name}/dist: ${bundleFiles.length} files, ${(size / 1024).toFixed(0)} KiB`);
  }
}

if (native) {
  const file = join(nativeDir, NATIVE);
  if (check) {
    if (!existsSync(file) || !readFileSync(file).equals(Buffer.from(native))) problems.push(`actions/toolkit/native/${NATIVE} differs from the installed @bitwarden/sdk-napi`);
  } else {
    mkdirSync(nativeDir, { recursive: true });
    if (!existsSync(file) || !readFileSync(file).equals(Buffer.from(native))) {
      // Never rewrite a loaded shared library in place: processes that have it mapped crash
      // (SIGSEGV/SIGBUS). A rename gives the new file a new inode and leaves theirs intact.
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, native, { mode: 0o755 });
      renameSync(tmp, file);
    }
    console.log(`actions/toolkit/native/${NATIVE}: ${(statSync(file).size / 1024 / 1024).toFixed(1)} MiB (shared by every action)`);
  }
}

if (check) {
  if (problems.length > 0) {
    console.error('dist/ is stale; run `npm run bundle` and commit the result:');
    for (const p of problems) console.error(`  - ${p}`);
    process.exit(1);
  }
  console.log(`dist/ matches the sources for ${actions.length} action(s).`);
}
