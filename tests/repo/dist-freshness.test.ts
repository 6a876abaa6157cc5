import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, appendFileSync } from 'node:fs';
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
  scratch = mkdtempSync(join(tmpdir(), 'dist-check-'));
  cpSync(join(repoRoot, 'actions'), join(scratch, 'actions'), { recursive: true });
  cpSync(join(repoRoot, 'tsconfig.json'), join(scratch, 'tsconfig.json'));
  symlinkSync(join(repoRoot, 'node_modules'), join(scratch, 'node_modules'));
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

    appendFileSync(join(scratch, 'actions', action, 'src', 'main.ts'), '\n(globalThis as Record<string, unknown>).driftedFromTheBundle = 42;\n');
    const stale = check(scratch);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain(`actions/${action}/dist/index.js differs from a fresh bundle`);
    expect(stale.stderr).toContain('run `npm run bundle`');
  });
});
