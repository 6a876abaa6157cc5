// The real tree, copied and broken on purpose: the same discovery, build and checks that pass on
// kubernetes/ must fail on the copy, for the reason introduced.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strictProblems } from './lib/envsubst';
import { CLUSTER, clusterSettings, discoverKustomizations, kustomizeBuild, render } from './lib/flux-tree';
import { dependencyGraph, metallbPool } from './lib/rules';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let root: string;

const edit = (file: string, change: (text: string) => string) => {
  const path = join(root, file);
  const before = readFileSync(path, 'utf8');
  const after = change(before);
  if (after === before) throw new Error(`mutation did not change ${file}`);
  writeFileSync(path, after);
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'flux-tree-'));
  cpSync(join(repo, 'kubernetes'), join(root, 'kubernetes'), { recursive: true });
  cpSync(join(repo, '.yamllint.yaml'), join(root, '.yamllint.yaml'));
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a broken copy of the tree is rejected', () => {
  it('a setting removed from cluster-settings leaves ${TIMEZONE} unset (strict substitution)', async () => {
    edit(`${CLUSTER}/cluster-settings.yaml`, (t) => t.replace(/^ {2}TIMEZONE: .*\n/m, ''));
    const apps = discoverKustomizations(root).find((k) => k.name === 'apps')!;
    const raw = await kustomizeBuild(root, apps.path);
    expect(strictProblems(raw, clusterSettings(root)).join('\n')).toMatch(/\$\{TIMEZONE\} is not defined/);
  });

  it('a resource that does not exist fails the kustomize build', async () => {
    edit('kubernetes/apps/kustomization.yaml', (t) => t.replace('  - mealie\n', '  - mealie\n  - paperless\n'));
    await expect(kustomizeBuild(root, 'kubernetes/apps')).rejects.toThrow(/kubectl kustomize kubernetes\/apps failed: .*paperless/s);
  });

  it('a dependsOn typo and a widened MetalLB pool are caught', async () => {
    edit(`${CLUSTER}/ks/90-apps.yaml`, (t) => t.replace('- name: authentik', '- name: authentic'));
    expect(dependencyGraph(discoverKustomizations(root))).toEqual(['Kustomization flux-system/apps depends on flux-system/authentic, which does not exist']);
    edit('kubernetes/infrastructure/metallb/config/pool.yaml', (t) => t.replace('192.168.10.250', '192.168.10.254'));
    const ks = discoverKustomizations(root).find((k) => k.name === 'metallb-config')!;
    const { objects } = render(ks, await kustomizeBuild(root, ks.path), clusterSettings(root));
    expect(metallbPool(objects.map((object) => ({ object, ks: ks.name })))).toEqual([
      'IPAddressPool/metallb-system/vlan10: addresses ["192.168.10.200-192.168.10.254"] are not exactly 192.168.10.200-192.168.10.250',
    ]);
  });

  it('yamllint with the repository config rejects a duplicate key', async () => {
    edit('kubernetes/apps/jellyfin/service.yaml', (t) => t.replace('  name: jellyfin\n', '  name: jellyfin\n  name: jelly\n'));
    const run = promisify(execFile);
    const result = await run('yamllint', ['-f', 'parsable', '-c', '.yamllint.yaml', 'kubernetes/apps/jellyfin'], { cwd: root }).then(
      () => ({ code: 0, stdout: '' }),
      (err: { code?: number; stdout?: string }) => ({ code: err.code, stdout: err.stdout ?? '' }),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/service\.yaml:\d+:\d+: \[error\] duplication of key "name"/);
  });
});
