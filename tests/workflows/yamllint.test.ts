// yamllint catches what the workflows must not contain. The workflows themselves are linted with
// the rest of the repository by tests/repo/yamllint.test.ts.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

describe('yamllint', () => {
  it('rejects a broken workflow (the check can fail)', () => {
    const bad = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    runs-on: ubuntu-latest\n    steps:\n    - run:   echo hi   \n';
    const r = spawnSync('yamllint', ['--strict', '--format', 'parsable', '-'], { cwd: repoRoot, input: bad, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/key-duplicates/);
    expect(r.stdout).toMatch(/trailing-spaces/);
  });
});
