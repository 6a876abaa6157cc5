import { describe, expect, it } from 'vitest';
import { diffObjects } from '../src/pr/object-diff';
import { selectAffected } from '../src/pr/changed-only';
import { splitImage } from '../src/pr/versions';
import type { DiffObject } from '../src/pr/types';

function helmRelease(version: string, values: Record<string, unknown> = {}): DiffObject {
  return {
    kustomization: 'flux-system/infrastructure',
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    namespace: 'metallb-system',
    name: 'metallb',
    body: {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'metallb', namespace: 'metallb-system' },
      spec: { interval: '30m', chart: { spec: { chart: 'metallb', version, sourceRef: { kind: 'HelmRepository', name: 'metallb' } } }, values },
    },
  };
}

function deployment(image: string, replicas = 1): DiffObject {
  return {
    kustomization: 'flux-system/apps',
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace: 'media',
    name: 'jellyfin',
    body: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'jellyfin', namespace: 'media' },
      spec: { replicas, template: { spec: { containers: [{ name: 'app', image }] } } },
    },
  };
}

describe('rendered diff and the routine verdict', () => {
  it('a chart version bump is routine and listed in the version table', () => {
    const diff = diffObjects([helmRelease('0.15.2')], [helmRelease('0.16.1')]);
    expect(diff.routine).toBe(true);
    expect(diff.changed[0]!.versions).toEqual([{ field: 'spec.chart.spec.version', from: '0.15.2', to: '0.16.1', kind: 'chart' }]);
    expect(diff.changed[0]!.patch).toContain('-      version: 0.15.2\n+      version: 0.16.1');
  });

  it('an image digest or tag bump is routine, a repository change is not', () => {
    const a = 'ghcr.io/jellyfin/jellyfin:10.10.1@sha256:' + 'a'.repeat(64);
    const b = 'ghcr.io/jellyfin/jellyfin:10.10.1@sha256:' + 'b'.repeat(64);
    expect(diffObjects([deployment(a)], [deployment(b)]).routine).toBe(true);
    expect(diffObjects([deployment('nginx:1.27')], [deployment('nginx:1.28')]).changed[0]!.versions[0]).toMatchObject({ kind: 'image', from: 'nginx:1.27', to: 'nginx:1.28' });
    const moved = diffObjects([deployment('nginx:1.27')], [deployment('evil.example/nginx:1.27')]);
    expect(moved.routine).toBe(false);
    expect(moved.reasons).toEqual(['changed Deployment media/jellyfin beyond a version']);
  });

  it('a Helm values image tag is routine; any other values change is not', () => {
    const v = (tag: string, extra = {}) => helmRelease('1.0.0', { image: { repository: 'ghcr.io/x/y', tag }, ...extra });
    expect(diffObjects([v('1.0')], [v('1.1')]).routine).toBe(true);
    const changed = diffObjects([v('1.0')], [v('1.0', { replicas: 3 })]);
    expect(changed.routine).toBe(false);
  });

  it('added and removed objects and Kustomizations are not routine', () => {
    const diff = diffObjects([deployment('nginx:1')], [deployment('nginx:1'), helmRelease('1.0.0')], { base: ['flux-system/apps', 'flux-system/old'], head: ['flux-system/apps'] });
    expect(diff.routine).toBe(false);
    expect(diff.added).toHaveLength(1);
    expect(diff.kustomizationsRemoved).toEqual(['flux-system/old']);
    expect(diff.reasons).toContain('removed Flux Kustomization flux-system/old');
  });

  it('the same objects from moved files are no change at all', () => {
    const before = { ...deployment('nginx:1'), file: 'kubernetes/apps/a.yaml', line: 1 };
    const after = { ...deployment('nginx:1'), file: 'kubernetes/apps/renamed.yaml', line: 5 };
    const diff = diffObjects([before], [after]);
    expect(diff).toMatchObject({ added: [], removed: [], changed: [], routine: true });
  });

  it('splits image references with registries, ports, tags and digests', () => {
    expect(splitImage('registry:5000/team/app:1.2@sha256:abc')).toEqual({ repository: 'registry:5000/team/app', version: '1.2@sha256:abc' });
    expect(splitImage('registry:5000/team/app')).toEqual({ repository: 'registry:5000/team/app', version: '' });
    expect(splitImage('nginx@sha256:abc')).toEqual({ repository: 'nginx', version: '@sha256:abc' });
  });
});

describe('changed-only selection', () => {
  const graph = [
    { id: 'flux-system/infra', inputs: ['kubernetes/infrastructure'], definedIn: 'kubernetes/clusters/production/ks/00-infrastructure.yaml', dependsOn: [] },
    { id: 'flux-system/db', inputs: ['kubernetes/databases'], dependsOn: ['flux-system/infra'] },
    { id: 'flux-system/apps', inputs: ['kubernetes/apps', 'kubernetes/shared/app-defaults.yaml'], dependsOn: ['flux-system/db'] },
    { id: 'flux-system/other', inputs: ['kubernetes/other'], dependsOn: [] },
  ];

  it('selects the Kustomization whose inputs changed and everything that depends on it', () => {
    const s = selectAffected(graph, ['kubernetes/databases/cnpg/values.yaml']);
    expect(s.all).toBe(false);
    expect([...s.selected].sort()).toEqual(['flux-system/apps', 'flux-system/db']);
    expect([...selectAffected(graph, ['kubernetes/shared/app-defaults.yaml']).selected]).toEqual(['flux-system/apps']);
    expect([...selectAffected(graph, ['kubernetes/clusters/production/ks/00-infrastructure.yaml']).selected].sort()).toEqual([
      'flux-system/apps',
      'flux-system/db',
      'flux-system/infra',
    ]);
  });

  it('does not confuse sibling directories with a common prefix', () => {
    expect(selectAffected(graph, ['kubernetes/apps-old/x.yaml']).selected.size).toBe(0);
  });

  it('verifies everything when a shared input changes', () => {
    const s = selectAffected(graph, ['kubernetes/clusters/production/flux-system/gotk-sync.yaml']);
    expect(s.all).toBe(true);
    expect(s.selected.size).toBe(4);
    expect(s.reason).toContain('shared input');
  });
});
