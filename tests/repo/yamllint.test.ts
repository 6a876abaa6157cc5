import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@homelab/toolkit/testing';

// Every YAML file of the repository (action.yml files, workflows, kubernetes/, ansible/, renovate
// inputs...) against the one .yamllint.yaml; test fixtures are excluded there on purpose.
describe('yamllint over the whole repository', () => {
  it('finds nothing', () => {
    const r = spawnSync('yamllint', ['--strict', '--format', 'parsable', '.'], { cwd: repoRoot, encoding: 'utf8' });
    if (r.error) throw new Error(`yamllint could not run (Debian package yamllint): ${r.error.message}`);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
