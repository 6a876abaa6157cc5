import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ansibleDir, repoRoot, run } from './run';

// The real linters over ansible/: ansible-playbook --syntax-check, ansible-lint with the strictest
// profile ansible-lint 6.13 has (production), yamllint with the repository's config.

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? yamlFiles(join(dir, d.name)) : /\.ya?ml$/.test(d.name) ? [join(dir, d.name)] : [],
  );
}

describe('ansible/ passes the linters', () => {
  it('site.yml and upgrade.yml pass ansible-playbook --syntax-check', async () => {
    for (const book of ['site.yml', 'upgrade.yml']) {
      const r = await run('ansible-playbook', ['--syntax-check', '-i', 'inventory/hosts.example.yml', book], { cwd: ansibleDir });
      expect(r.code, `${book}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`playbook: ${book}`);
    }
  });

  it('ansible-lint --profile production finds nothing', async () => {
    const r = await run('ansible-lint', ['--offline', '--nocolor', '--profile', 'production', 'site.yml', 'upgrade.yml', 'roles/', 'inventory/'], {
      cwd: ansibleDir,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/Passed with production profile: 0 failure\(s\), 0 warning\(s\) on \d+ files/);
  });

  it('yamllint (repository config) finds nothing', async () => {
    const config = join(repoRoot, '.yamllint.yaml');
    const configArgs = existsSync(config) ? ['-c', config] : ['-d', 'relaxed'];
    const r = await run('yamllint', ['-f', 'parsable', '--strict', ...configArgs, 'ansible/'], { cwd: repoRoot });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toBe('');
  });
});

describe('the playbooks roll out one server at a time', () => {
  type Play = { name: string; hosts: string; serial?: number; any_errors_fatal?: boolean; roles?: { role: string }[] };
  const plays = (file: string) => parse(readFileSync(join(ansibleDir, file), 'utf8')) as Play[];

  it('site.yml: node_prep everywhere, then k3s serially with the first server first, then the check', () => {
    const site = plays('site.yml');
    expect(site.map((p) => [p.hosts, p.serial, (p.roles ?? []).map((r) => r.role)])).toEqual([
      ['k3s_servers', undefined, ['node_prep']],
      ['k3s_servers', 1, ['k3s']],
      ['k3s_servers[0]', undefined, []],
    ]);
    expect(site[1]!.any_errors_fatal).toBe(true);
  });

  it('upgrade.yml: k3s with serial 1 and any_errors_fatal', () => {
    const upgrade = plays('upgrade.yml');
    expect(upgrade[0]).toMatchObject({ hosts: 'k3s_servers', serial: 1, any_errors_fatal: true, roles: [{ role: 'k3s' }] });
  });
});

describe('the K3s version', () => {
  it('is pinned once, with the Renovate annotation on the line above', () => {
    const defaults = readFileSync(join(ansibleDir, 'roles/k3s/defaults/main.yml'), 'utf8').split('\n');
    const at = defaults.findIndex((l) => l.startsWith('k3s_version:'));
    expect(defaults[at - 1]).toBe('# renovate: datasource=github-releases depName=k3s-io/k3s');
    expect(defaults[at]).toMatch(/^k3s_version: v\d+\.\d+\.\d+\+k3s\d+$/);
    const pins = yamlFiles(ansibleDir).filter((f) => /v\d+\.\d+\.\d+\+k3s\d+/.test(readFileSync(f, 'utf8')));
    expect(pins.map((f) => relative(ansibleDir, f))).toEqual(['roles/k3s/defaults/main.yml']);
  });
});
