// The production Flux tree: every Flux Kustomization builds with the real kustomize, and the rendered
// objects obey the rules the cluster (and Renovate) depend on.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { strictProblems, variableUses } from './lib/envsubst';
import { CLUSTER, clusterSettings, discoverKustomizations, kustomizeBuild, mapLimit, readObjects, render, type Rendered } from './lib/flux-tree';
import {
  bitwardenSecrets,
  clusterReferences,
  dependencyGraph,
  exactVersions,
  helmReleaseSources,
  metallbPool,
  namespacesCreated,
  ownedOnce,
  pinnedImages,
  plainSecrets,
  type Located,
} from './lib/rules';

/** Go duration ("1h30m", "10m0s", "90s") in seconds. */
function seconds(duration: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1 };
  const parts = [...duration.matchAll(/(\d+)([hms])/g)];
  if (parts.length === 0) throw new Error(`not a duration: ${duration}`);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * (units[unit!] ?? 0), 0);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const kustomizations = discoverKustomizations(root);
const settings = clusterSettings(root);
const rendered = new Map<string, Rendered>();
const failures = new Map<string, string>();
let objects: Located[] = [];

beforeAll(async () => {
  const results = await mapLimit(kustomizations, 2, (ks) => kustomizeBuild(root, ks.path));
  results.forEach((result, i) => {
    const ks = kustomizations[i]!;
    try {
      if (result.status === 'rejected') throw result.reason;
      rendered.set(ks.name, render(ks, result.value, settings));
    } catch (err) {
      failures.set(ks.name, err instanceof Error ? err.message : String(err));
    }
  });
  objects = [...rendered.values()].flatMap((r) => r.objects.map((object) => ({ object, ks: r.kustomization.name })));
}, 120_000);

describe('Flux Kustomizations', () => {
  it('are discovered: the root from gotk-sync.yaml and at least 00-infrastructure ... 90-apps from ks/', () => {
    expect(kustomizations[0]).toMatchObject({ name: 'flux-system', path: CLUSTER });
    const files = kustomizations.slice(1).map((k) => k.file.split('/').pop());
    expect(files[0]).toBe('00-infrastructure.yaml');
    expect(files.at(-1)).toBe('90-apps.yaml');
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  it.each(kustomizations.map((k) => [k.name, k.path]))('%s (%s) builds with kubectl kustomize', (name) => {
    expect(failures.get(name)).toBeUndefined();
    expect(rendered.get(name)?.objects.length).toBeGreaterThan(0);
  });

  it('the root renders the cluster settings, its own sync objects and exactly the Kustomizations of ks/', () => {
    const rootObjects = rendered.get('flux-system')?.objects ?? [];
    const fromRoot = rootObjects.filter((o) => o.kind === 'Kustomization').map((o) => o.metadata?.name).sort();
    expect(fromRoot).toEqual(kustomizations.map((k) => k.name).sort());
    expect(rootObjects.some((o) => o.kind === 'ConfigMap' && o.metadata?.name === 'cluster-settings')).toBe(true);
  });

  it('each ks/ Kustomization prunes, waits (longer than its HelmReleases), times out, substitutes from cluster-settings, and depends only on earlier layers', () => {
    const problems: string[] = [];
    const order = new Map(kustomizations.slice(1).map((k) => [k.name, Number(k.file.split('/').pop()?.split('-')[0])]));
    for (const ks of kustomizations.slice(1)) {
      const spec = ks.object.spec as { prune?: boolean; wait?: boolean; healthChecks?: unknown[]; timeout?: string; sourceRef?: { name?: string }; postBuild?: { substituteFrom?: { kind: string; name: string }[] } };
      if (spec.prune !== true) problems.push(`${ks.file}: prune is not true`);
      if (spec.wait !== true && !spec.healthChecks?.length) problems.push(`${ks.file}: neither wait nor healthChecks`);
      if (!/^\d+[smh]$/.test(spec.timeout ?? '')) problems.push(`${ks.file}: no timeout`);
      if (spec.sourceRef?.name !== 'flux-system') problems.push(`${ks.file}: source is not the flux-system GitRepository`);
      if (!spec.postBuild?.substituteFrom?.some((s) => s.kind === 'ConfigMap' && s.name === 'cluster-settings')) problems.push(`${ks.file}: no substituteFrom cluster-settings`);
      if (!existsSync(join(root, ks.path))) problems.push(`${ks.file}: path ${ks.path} does not exist`);
      for (const dep of ks.dependsOn)
        if (!((order.get(dep) ?? Infinity) < (order.get(ks.name) ?? -Infinity))) problems.push(`${ks.file}: depends on ${dep}, which is not an earlier layer`);
      if (order.get(ks.name) !== 0 && ks.dependsOn.length === 0) problems.push(`${ks.file}: depends on nothing`);
      // A layer that waits must allow its slowest HelmRelease to finish.
      for (const hr of rendered.get(ks.name)?.objects.filter((o) => o.kind === 'HelmRelease') ?? []) {
        const hrTimeout = seconds(String(hr.spec?.timeout ?? '5m'));
        if (hrTimeout > seconds(spec.timeout ?? '0s')) problems.push(`${ks.file}: timeout ${spec.timeout} is shorter than HelmRelease ${hr.metadata?.name}'s ${String(hr.spec?.timeout)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('dependsOn targets exist and form no cycle', () => {
    expect(dependencyGraph(kustomizations)).toEqual([]);
  });

  it('strict substitution: every ${VAR} is defined in cluster-settings or has a default', () => {
    const problems = [...rendered.values()].flatMap((r) =>
      r.kustomization.substitutes ? strictProblems(r.raw, settings).map((p) => `${r.kustomization.name}: ${p}`) : variableUses(r.raw).map((u) => `${r.kustomization.name} does not substitute but uses \${${u.expression}}`),
    );
    expect(problems).toEqual([]);
  });

  it('every cluster setting is used and documented in kubernetes/README.md', () => {
    const used = new Set([...rendered.values()].flatMap((r) => variableUses(r.raw).map((u) => u.name)));
    const readme = readFileSync(join(root, 'kubernetes/README.md'), 'utf8');
    expect(Object.keys(settings).filter((name) => !used.has(name))).toEqual([]);
    expect(Object.keys(settings).filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });
});

describe('rendered objects', () => {
  it('yamllint passes on kubernetes/ with the repository config', async () => {
    const run = promisify(execFile);
    const result = await run('yamllint', ['--strict', '-f', 'parsable', '-c', '.yamllint.yaml', 'kubernetes/'], { cwd: root }).catch((err: { stdout?: string; code?: number }) => ({ stdout: err.stdout ?? String(err), code: err.code }));
    expect(result.stdout).toBe('');
  });

  it('HelmReleases and their sources carry metadata.namespace, and every sourceRef/chartRef resolves', () => {
    expect(objects.filter((l) => l.object.kind === 'HelmRelease').length).toBeGreaterThanOrEqual(15);
    expect(helmReleaseSources(objects)).toEqual([]);
  });

  it('chart versions and OCI tags are exact pins', () => {
    expect(exactVersions(objects)).toEqual([]);
  });

  it('no Secret carries data in git', () => {
    expect(plainSecrets(objects)).toEqual([]);
  });

  it('every namespace used is created by the tree, and none is ever pruned (it would take its PVCs along)', () => {
    expect(namespacesCreated(objects)).toEqual([]);
    const pruned = objects.filter((l) => l.object.kind === 'Namespace' && l.object.metadata?.annotations?.['kustomize.toolkit.fluxcd.io/prune'] !== 'disabled');
    expect(pruned.map((l) => l.object.metadata?.name)).toEqual([]);
  });

  it('MetalLB has exactly the pool 192.168.10.200-192.168.10.250, advertised over L2, and Traefik asks for an address in it', () => {
    expect(metallbPool(objects)).toEqual([]);
    expect(settings.TRAEFIK_LB_IP).toMatch(/^192\.168\.10\.(2[0-4]\d|250)$/);
  });

  it('StorageClass, IngressClass, issuer and middleware references resolve to what the tree defines', () => {
    expect(clusterReferences(objects)).toEqual([]);
    const classes = objects.filter((l) => l.object.kind === 'StorageClass');
    const defaults = classes.filter((l) => l.object.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true').map((l) => l.object.metadata?.name);
    expect(defaults).toEqual(['longhorn-r2']);
    const replicas = Object.fromEntries(classes.map((l) => [l.object.metadata?.name, (l.object.parameters as Record<string, string> | undefined)?.numberOfReplicas]));
    expect(replicas).toMatchObject({ 'longhorn-r2': '2', 'longhorn-r1': '1' });
  });

  it('images are pinned (no latest)', () => {
    expect(pinnedImages(objects)).toEqual([]);
  });

  it('no object is rendered by two Kustomizations', () => {
    expect(ownedOnce(objects)).toEqual([]);
  });

  it('every BitwardenSecret reads the replicated access token and maps well-formed secret ids', () => {
    expect(objects.filter((l) => l.object.kind === 'BitwardenSecret').length).toBeGreaterThanOrEqual(7);
    expect(bitwardenSecrets(objects, 'secrets.homelab.dev/bitwarden-auth')).toEqual([]);
  });
});

describe('Flux bootstrap', () => {
  it('syncs this repository on master into ./kubernetes/clusters/production, controllers not committed', () => {
    const sync = readObjects(root, `${CLUSTER}/flux-system/gotk-sync.yaml`);
    expect(sync.find((o) => o.kind === 'GitRepository')?.spec).toMatchObject({ ref: { branch: 'master' } });
    expect(sync.find((o) => o.kind === 'Kustomization')?.spec).toMatchObject({ path: './kubernetes/clusters/production', prune: true });
    expect(existsSync(join(root, CLUSTER, 'flux-system/gotk-components.yaml'))).toBe(false);
  });

  it('pins the Flux version in one place, with a Renovate annotation', () => {
    const text = readFileSync(join(root, CLUSTER, 'flux-system/flux-version.yaml'), 'utf8');
    expect(text).toMatch(/# renovate: datasource=github-releases depName=fluxcd\/flux2\nversion: v\d+\.\d+\.\d+\n/);
  });
});
