// yamllint (the repository's .yamllint.yaml) over .github/: the workflows and actionlint.yaml.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

describe('yamllint', () => {
  it('finds nothing in .github/', () => {
    const r = spawnSync('yamllint', ['--strict', '--format', 'parsable', '.github'], { cwd: repoRoot, encoding: 'utf8' });
    if (r.error) throw new Error(`yamllint could not run (Debian package yamllint): ${r.error.message}`);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('rejects a broken workflow (the check can fail)', () => {
    const bad = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    runs-on: ubuntu-latest\n    steps:\n    - run:   echo hi   \n';
    const r = spawnSync('yamllint', ['--strict', '--format', 'parsable', '-'], { cwd: repoRoot, input: bad, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/key-duplicates/);
    expect(r.stdout).toMatch(/trailing-spaces/);
  });
});
