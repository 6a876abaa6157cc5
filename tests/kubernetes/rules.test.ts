// The tree's rules must catch the faults they exist for: each is fed a small broken input here.
import { describe, expect, it } from 'vitest';
import { strictProblems, substitute, variableUses } from './lib/envsubst';
import type { K8sObject } from './lib/flux-tree';
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

const at = (ks: string, ...objects: K8sObject[]): Located[] => objects.map((object) => ({ object, ks }));
const ns = (name: string, labels?: Record<string, string>): K8sObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const helmRepo = (name: string, namespace?: string): K8sObject => ({ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository', metadata: { name, namespace }, spec: { url: 'https://example.com' } });
const release = (name: string, namespace: string | undefined, source: Record<string, unknown>, version = '1.2.3', valuesFrom?: unknown[]): K8sObject => ({
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name, namespace },
  spec: { chart: { spec: { chart: name, version, sourceRef: source } }, ...(valuesFrom ? { valuesFrom } : {}) },
});
const valuesMap = (name: string, namespace: string, values: string): K8sObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { 'values.yaml': values } });

describe('envsubst', () => {
  it('finds variables, defaults and escapes as Flux does', () => {
    const uses = variableUses('a: ${A}\nb: ${B:=x}\nc: $${C}\nd: $D\ne: ${E:-y} ${#F} ${G,,}');
    expect(uses.map((u) => [u.name, u.hasDefault, u.line])).toEqual([
      ['A', false, 1],
      ['B', true, 2],
      ['E', true, 5],
      ['F', false, 5],
      ['G', false, 5],
    ]);
  });

  it('reports unset variables and invalid names, not escaped or defaulted ones', () => {
    expect(strictProblems('x: ${DEFINED}\ny: ${MISSING}\nz: $${LITERAL}\nw: ${OPT:=1}\nv: ${1BAD}', { DEFINED: 'v' })).toEqual([
      'line 2: ${MISSING} is not defined',
      'line 5: invalid variable name in ${1BAD}',
    ]);
  });

  it('substitutes values and defaults and unescapes $${...}', () => {
    expect(substitute('${A} ${B:=dflt} ${C:-other} $${pvc.name} $$ ${#A}', { A: 'one', C: '' })).toBe('one dflt other ${pvc.name} $ ${#A}');
  });
});

describe('rules catch broken trees', () => {
  it('HelmRelease without namespace, source without namespace, dangling sourceRef', () => {
    const problems = helmReleaseSources([
      ...at('a', release('one', undefined, { kind: 'HelmRepository', name: 'repo', namespace: 'x' }), helmRepo('repo', 'x')),
      ...at('b', release('two', 'y', { kind: 'HelmRepository', name: 'repo' }), helmRepo('repo')),
      ...at('c', release('three', 'z', { kind: 'HelmRepository', name: 'missing', namespace: 'z' })),
    ]);
    expect(problems).toEqual([
      'HelmRelease/one: metadata.namespace is not set',
      'HelmRelease/y/two: the source reference has no explicit namespace (Renovate needs it)',
      'HelmRelease/y/two: source HelmRepository/y/repo does not exist in the tree',
      'HelmRelease/z/three: source HelmRepository/z/missing does not exist in the tree',
      'HelmRepository/repo: metadata.namespace is not set',
    ]);
  });

  it('ranges and floating tags are not pins', () => {
    const oci: K8sObject = { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'OCIRepository', metadata: { name: 'o', namespace: 'n' }, spec: { ref: { semver: '>=1.0.0' } } };
    expect(exactVersions(at('a', release('r', 'n', {}, '41.x'), release('s', 'n', {}, 'v1.21.1'), oci))).toEqual([
      "HelmRelease/n/r: chart version '41.x' is not an exact version",
      "OCIRepository/n/o: ref '>=1.0.0' is not an exact tag or digest",
    ]);
  });

  it('a Secret with data is flagged, an annotated shell without data is not', () => {
    const withData: K8sObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n' }, stringData: { token: 'x' } };
    const shell: K8sObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 't', namespace: 'n', annotations: { 'replicator.v1.mittwald.de/replicate-to': 'm' } }, type: 'Opaque' };
    expect(plainSecrets(at('a', withData, shell))).toEqual(['Secret/n/s (a): a Secret with data in git; use a BitwardenSecret']);
  });

  it('objects, HelmRelease targets and replication targets in namespaces nothing creates', () => {
    const shell: K8sObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 't', namespace: 'made', annotations: { 'replicator.v1.mittwald.de/replicate-to': 'made, ghost' } } };
    const hr = release('r', 'made', {});
    (hr.spec as Record<string, unknown>).targetNamespace = 'elsewhere';
    expect(namespacesCreated(at('a', ns('made'), shell, hr, valuesMap('v', 'nowhere', '')))).toEqual([
      "Secret/made/t replicate-to: namespace 'ghost' is not created by the tree",
      "HelmRelease/made/r targetNamespace: namespace 'elsewhere' is not created by the tree",
      "ConfigMap/nowhere/v (a): namespace 'nowhere' is not created by the tree",
    ]);
  });

  it('a MetalLB pool other than the range, a missing advertisement, an address outside the pool', () => {
    const pool: K8sObject = { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'p', namespace: 'm' }, spec: { addresses: ['192.168.10.200-192.168.10.254'] } };
    const svc: K8sObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'm', annotations: { 'metallb.io/loadBalancerIPs': '192.168.10.20' } } };
    expect(metallbPool(at('a', pool, svc))).toEqual([
      'IPAddressPool/m/p: addresses ["192.168.10.200-192.168.10.254"] are not exactly 192.168.10.200-192.168.10.250',
      'IPAddressPool/m/p: no L2Advertisement announces it',
      "LoadBalancer address '192.168.10.20' is outside the MetalLB pool 192.168.10.200-192.168.10.250",
    ]);
    expect(metallbPool([])).toEqual(['expected exactly one MetalLB IPAddressPool, found 0']);
  });

  it('dependsOn to a missing Kustomization and cycles', () => {
    const ks = (name: string, ...dependsOn: string[]) => ({ name, namespace: 'flux-system', dependsOn });
    expect(dependencyGraph([ks('a'), ks('b', 'a', 'ghost'), ks('c', 'd'), ks('d', 'e'), ks('e', 'c')])).toEqual([
      'Kustomization flux-system/b depends on flux-system/ghost, which does not exist',
      'dependency cycle: flux-system/c -> flux-system/d -> flux-system/e -> flux-system/c',
    ]);
  });

  it('unknown StorageClass, IngressClass, ClusterIssuer and middleware, also inside Helm values', () => {
    const sc: K8sObject = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' } };
    const pvc: K8sObject = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'n' }, spec: { storageClassName: 'slow' } };
    const ing: K8sObject = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'i', namespace: 'n', annotations: { 'cert-manager.io/cluster-issuer': 'le', 'traefik.ingress.kubernetes.io/router.middlewares': 'auth-forward@kubernetescrd' } },
      spec: { ingressClassName: 'nginx' },
    };
    const values = 'persistence:\n  storageClass: fast\nprimary:\n  storageClassName: local-path\ningress:\n  ingressClassName: traefik\nports:\n  websecure:\n    middlewares:\n      - x-y@kubernetescrd\n';
    const objects = at('a', sc, pvc, ing, release('r', 'n', {}, '1.0.0', [{ kind: 'ConfigMap', name: 'r-values' }]), valuesMap('r-values', 'n', values));
    expect(clusterReferences(objects)).toEqual([
      "PersistentVolumeClaim/n/c (a): StorageClass 'slow' is not defined",
      "Ingress/n/i (a): ClusterIssuer 'le' is not defined",
      "Ingress/n/i (a): Traefik middleware 'auth-forward@kubernetescrd' is not defined",
      "Ingress/n/i (a): IngressClass 'nginx' is not defined",
      "values of HelmRelease/n/r: IngressClass 'traefik' is not defined",
      "values of HelmRelease/n/r: Traefik middleware 'x-y@kubernetescrd' is not defined",
    ]);
  });

  it('untagged and latest images', () => {
    const deploy: K8sObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'n' }, spec: { template: { spec: { containers: [{ image: 'nginx' }, { image: 'ghcr.io/x/y:latest' }, { image: 'registry:5000/z@sha256:abc' }] } } } };
    const values = 'image:\n  repository: foo\n  tag: latest\n';
    expect(pinnedImages(at('a', deploy, release('r', 'n', {}, '1.0.0', [{ kind: 'ConfigMap', name: 'v' }]), valuesMap('v', 'n', values)))).toEqual([
      "Deployment/n/d (a): image 'nginx' has no tag",
      "Deployment/n/d (a): image 'ghcr.io/x/y:latest' uses the latest tag",
      "values of HelmRelease/n/r: 'tag: latest'",
    ]);
  });

  it('an object rendered by two Kustomizations', () => {
    expect(ownedOnce([...at('a', ns('x')), ...at('b', ns('x'))])).toEqual(['Namespace/x is rendered by both a and b']);
  });

  it('BitwardenSecrets with placeholders left, a foreign token, or in a namespace without the token', () => {
    const bw: K8sObject = {
      apiVersion: 'k8s.bitwarden.com/v1',
      kind: 'BitwardenSecret',
      metadata: { name: 'b', namespace: 'n' },
      spec: { organizationId: '${ORG}', secretName: 's', authToken: { secretName: 'mine', secretKey: 'token' }, map: [{ bwSecretId: 'not-a-uuid', secretKeyName: 'k' }] },
    };
    expect(bitwardenSecrets(at('a', ns('n'), bw), 'label/x')).toEqual([
      "BitwardenSecret/n/b: organizationId '${ORG}' is not a UUID",
      'BitwardenSecret/n/b: authToken must be bw-auth-token/token (the replicated access token)',
      "BitwardenSecret/n/b: bwSecretId 'not-a-uuid' is not a UUID",
      `BitwardenSecret/n/b: namespace 'n' lacks the label label/x="true" that brings it the access token`,
    ]);
  });
});
