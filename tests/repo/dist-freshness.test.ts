import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '@homelab/toolkit/testing';

// The committed bundles must match the sources. This proves the checker catches a source change
// that was not rebundled, on a scratch copy of the repository (the real tree is checked by
// `npm run check-dist`, which `npm test` runs first).

const actions = readdirSync(join(repoRoot, 'actions')).filter((a) => existsSync(join(repoRoot, 'actions', a, 'dist', 'index.js')));
let scratch: string;

function check(root: string) {
  return spawnSync(process.execPath, [join(repoRoot, 'scripts', 'bundle.mjs'), '--check', actions[0]!], {
    env: { ...process.env, BUNDLE_ROOT: root },
    encoding: 'utf8',
  });
}

beforeAll(() => {
  // A scratch repository whose sources are symlinks to the real ones: webpack resolves symlinks, so
  // the fresh bundle is byte-identical to the committed one until a source file really changes.
  scratch = mkdtempSync(join(tmpdir(), 'dist-check-'));
  const action = actions[0]!;
  const real = join(repoRoot, 'actions', action);
  const copy = join(scratch, 'actions', action);
  mkdirSync(join(copy, 'src'), { recursive: true });
  for (const f of ['action.yml', 'package.json']) cpSync(join(real, f), join(copy, f));
  cpSync(join(real, 'dist'), join(copy, 'dist'), { recursive: true });
  for (const f of readdirSync(join(real, 'src'))) symlinkSync(join(real, 'src', f), join(copy, 'src', f));
  symlinkSync(join(repoRoot, 'actions', 'toolkit'), join(scratch, 'actions', 'toolkit'));
  symlinkSync(join(repoRoot, 'node_modules'), join(scratch, 'node_modules'));
  cpSync(join(repoRoot, 'tsconfig.json'), join(scratch, 'tsconfig.json'));
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('dist freshness check', () => {
  it('has at least one bundled action to check', () => {
    expect(actions.length).toBeGreaterThan(0);
  });

  it('passes on the committed bundle and fails, naming the file, once a source changes', () => {
    const action = actions[0]!;
    const clean = check(scratch);
    expect(clean.stderr).not.toContain('differs');
    expect(clean.status).toBe(0);
    expect(clean.stdout).toContain('dist/ matches the sources');

    // Edit main.ts without rebundling. index.ts and main.ts become real files in the scratch tree
    // (a link would resolve './main' next to the original).
    for (const file of ['index.ts', 'main.ts']) {
      const path = join(scratch, 'actions', action, 'src', file);
      const source = readFileSync(path, 'utf8');
      rmSync(path);
      writeFileSync(path, file === 'main.ts' ? `${source}\n(globalThis as Record<string, unknown>).driftedFromTheBundle = 42;\n` : source);
    }
    const stale = check(scratch);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain(`actions/${action}/dist/index.js differs from a fresh bundle`);
    expect(stale.stderr).toContain('run `npm run bundle`');
  });
});
