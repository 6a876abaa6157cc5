import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../src/render/types';
import { renderTree } from '../src/render/tree';
import { checkRendered, verifyTree, type VerifyReport } from '../src/verify';

/**
 * The fault corpus: a valid tree modelled on public Flux repositories (flux-system bootstrap, ks/
 * with numbered Kustomizations, infrastructure with HelmRepository + HelmRelease, OCIRepository +
 * chartRef, substituteFrom cluster-settings, a BitwardenSecret CRD and object) must pass with zero
 * findings; each mutation below breaks it in one way and must be caught with the right rule at the
 * right file and line.
 */

const valid = join(__dirname, 'fixtures', 'valid');
const work = mkdtempSync(join(tmpdir(), 'flux-verify-faults-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const K = 'kubernetes';
const edit = (root: string, file: string, from: string | RegExp, to: string) => {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`mutation did not change ${file}: ${String(from)}`);
  writeFileSync(path, next);
};
const add = (root: string, file: string, text: string) => writeFileSync(join(root, file), text);
/** 1-based line of the first line containing needle (after the mutation). */
const lineOf = (root: string, file: string, needle: string) => {
  const index = readFileSync(join(root, file), 'utf8').split('\n').findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`${needle} not in ${file}`);
  return index + 1;
};

interface Fault {
  name: string;
  mutate(root: string): void;
  rule: string;
  file: string;
  /** The line: a needle on it, or a number. */
  at: string | number;
  severity?: Finding['severity'];
  strict?: boolean;
}

const faults: Fault[] = [
  {
    name: 'YAML syntax error',
    mutate: (r) => edit(r, `${K}/apps/whoami/service.yaml`, '  selector:\n', '  selector:\n   bad: [unclosed\n'),
    rule: 'yaml-syntax',
    file: `${K}/apps/whoami/service.yaml`,
    at: 'bad: [unclosed',
  },
  {
    name: 'duplicate key',
    mutate: (r) => edit(r, `${K}/apps/whoami/deployment.yaml`, '  replicas: ${APP_REPLICAS}\n', '  replicas: ${APP_REPLICAS}\n  replicas: 3\n'),
    rule: 'yaml-duplicate-key',
    file: `${K}/apps/whoami/deployment.yaml`,
    at: 'replicas: 3',
  },
  {
    name: 'kustomize build failure (missing resource, built by kustomize)',
    mutate: (r) => edit(r, `${K}/infrastructure/cert-manager/kustomization.yaml`, '  - helmrelease.yaml\n', '  - helmrelease.yaml\n  - missing-file.yaml\n'),
    rule: 'kustomize-build',
    file: `${K}/infrastructure/cert-manager/kustomization.yaml`,
    at: 1,
  },
  {
    name: 'Kustomization path does not exist',
    mutate: (r) => edit(r, `${K}/clusters/production/ks/20-cert-manager.yaml`, './kubernetes/infrastructure/cert-manager', './kubernetes/infrastructure/cert-manger'),
    rule: 'ks-path-not-found',
    file: `${K}/clusters/production/ks/20-cert-manager.yaml`,
    at: 'path: ./kubernetes/infrastructure/cert-manger',
  },
  {
    name: 'dependsOn a missing Kustomization',
    mutate: (r) => edit(r, `${K}/clusters/production/ks/10-metallb.yaml`, '    - name: infrastructure-sources', '    - name: infra-sources'),
    rule: 'depends-on-missing',
    file: `${K}/clusters/production/ks/10-metallb.yaml`,
    at: '- name: infra-sources',
  },
  {
    name: 'dependency cycle',
    mutate: (r) => edit(r, `${K}/clusters/production/ks/00-infrastructure-sources.yaml`, '  prune: true\n', '  prune: true\n  dependsOn:\n    - name: apps\n'),
    rule: 'depends-on-cycle',
    file: `${K}/clusters/production/ks/90-apps.yaml`,
    at: '- name: cert-manager',
  },
  {
    name: 'duplicate Flux Kustomization name',
    mutate: (r) => {
      add(r, `${K}/infrastructure/sources/metallb-ks.yaml`, readFileSync(join(r, `${K}/clusters/production/ks/20-cert-manager.yaml`), 'utf8').replace('name: cert-manager\n', 'name: metallb\n'));
      edit(r, `${K}/infrastructure/sources/kustomization.yaml`, '  - bitwarden.yaml\n', '  - bitwarden.yaml\n  - metallb-ks.yaml\n');
    },
    rule: 'ks-duplicate-name',
    file: `${K}/infrastructure/sources/metallb-ks.yaml`,
    at: 1,
  },
  {
    name: 'Kustomization sourceRef to a missing GitRepository',
    mutate: (r) => edit(r, `${K}/clusters/production/ks/30-bitwarden.yaml`, '    name: flux-system', '    name: flux-sytem'),
    rule: 'source-ref-missing',
    file: `${K}/clusters/production/ks/30-bitwarden.yaml`,
    at: 'sourceRef:',
  },
  {
    name: 'HelmRelease chart sourceRef to a missing HelmRepository',
    mutate: (r) => edit(r, `${K}/infrastructure/metallb/helmrelease.yaml`, '        name: metallb\n', '        name: metal-lb\n'),
    rule: 'source-ref-missing',
    file: `${K}/infrastructure/metallb/helmrelease.yaml`,
    at: 'sourceRef:',
  },
  {
    name: 'HelmRelease chartRef to a missing OCIRepository',
    mutate: (r) => edit(r, `${K}/apps/podinfo/helmrelease.yaml`, '    name: podinfo\n  valuesFrom', '    name: podinfo-chart\n  valuesFrom'),
    rule: 'source-ref-missing',
    file: `${K}/apps/podinfo/helmrelease.yaml`,
    at: 'chartRef:',
  },
  {
    name: 'valuesFrom a missing ConfigMap',
    mutate: (r) => edit(r, `${K}/infrastructure/cert-manager/kustomization.yaml`, 'disableNameSuffixHash: true', 'disableNameSuffixHash: false'),
    rule: 'values-from-missing',
    file: `${K}/infrastructure/cert-manager/helmrelease.yaml`,
    at: '- kind: ConfigMap',
  },
  {
    name: 'substituteFrom a missing ConfigMap',
    mutate: (r) => edit(r, `${K}/clusters/production/ks/10-metallb.yaml`, '        name: cluster-settings', '        name: cluster-setting'),
    rule: 'substitute-from-missing',
    file: `${K}/clusters/production/ks/10-metallb.yaml`,
    at: '- kind: ConfigMap',
  },
  {
    name: 'unset variable (strict)',
    mutate: (r) => edit(r, `${K}/apps/whoami/deployment.yaml`, 'value: ${TIMEZONE}', 'value: ${TIME_ZONE}'),
    rule: 'substitute-unset-variable',
    file: `${K}/apps/whoami/deployment.yaml`,
    at: '${TIME_ZONE}',
  },
  {
    name: 'invalid variable name',
    mutate: (r) => edit(r, `${K}/clusters/production/ks/90-apps.yaml`, '      APP_REPLICAS: "2"\n', '      APP_REPLICAS: "2"\n      app-tier: frontend\n'),
    rule: 'substitute-invalid-name',
    file: `${K}/clusters/production/ks/90-apps.yaml`,
    at: 'app-tier: frontend',
  },
  {
    name: 'substitution syntax error',
    mutate: (r) => edit(r, `${K}/apps/whoami/service.yaml`, '  name: whoami\n', '  name: whoami\n  annotations:\n    note: ${APP_REPLICAS-1}\n'),
    rule: 'substitute-syntax',
    file: `${K}/apps/whoami/service.yaml`,
    at: 1,
  },
  {
    name: 'HelmRelease without a chart',
    mutate: (r) => edit(r, `${K}/apps/podinfo/helmrelease.yaml`, '  chartRef:\n    kind: OCIRepository\n    name: podinfo\n', ''),
    rule: 'helmrelease-chart-missing',
    file: `${K}/apps/podinfo/helmrelease.yaml`,
    at: 'spec:',
  },
  {
    name: 'unknown field in a core kind',
    mutate: (r) => edit(r, `${K}/apps/whoami/deployment.yaml`, '          image: traefik/whoami:v1.11.0\n', '          image: traefik/whoami:v1.11.0\n          imagePulPolicy: Always\n'),
    rule: 'schema-violation',
    file: `${K}/apps/whoami/deployment.yaml`,
    at: 'imagePulPolicy',
  },
  {
    name: 'wrong type after substitution',
    mutate: (r) => edit(r, `${K}/clusters/production/ks/90-apps.yaml`, 'APP_REPLICAS: "2"', 'APP_REPLICAS: "two"'),
    rule: 'schema-violation',
    file: `${K}/apps/whoami/deployment.yaml`,
    at: 'replicas: ${APP_REPLICAS}',
  },
  {
    name: 'bad Flux field (interval without a unit)',
    mutate: (r) => edit(r, `${K}/infrastructure/bitwarden/helmrelease.yaml`, '  interval: 30m', '  interval: 30'),
    rule: 'schema-violation',
    file: `${K}/infrastructure/bitwarden/helmrelease.yaml`,
    at: 'interval: 30',
  },
  {
    name: 'custom resource against the CRD in the tree',
    mutate: (r) => edit(r, `${K}/apps/podinfo/bitwardensecret.yaml`, '  organizationId: 5f1b7f3e-0000-4000-8000-000000000001\n', ''),
    rule: 'schema-violation',
    file: `${K}/apps/podinfo/bitwardensecret.yaml`,
    at: 'spec:',
  },
  {
    name: 'object rendered by two Kustomizations',
    mutate: (r) => {
      add(r, `${K}/infrastructure/sources/settings.yaml`, readFileSync(join(r, `${K}/clusters/production/cluster-settings.yaml`), 'utf8'));
      edit(r, `${K}/infrastructure/sources/kustomization.yaml`, '  - bitwarden.yaml\n', '  - bitwarden.yaml\n  - settings.yaml\n');
    },
    rule: 'object-duplicate',
    file: `${K}/infrastructure/sources/settings.yaml`,
    at: 1,
  },
  {
    name: 'namespace nothing creates',
    mutate: (r) => edit(r, `${K}/infrastructure/bitwarden/helmrelease.yaml`, 'namespace: sm-operator-system', 'namespace: sm-operator'),
    rule: 'namespace-missing',
    file: `${K}/infrastructure/bitwarden/helmrelease.yaml`,
    at: 'namespace: sm-operator',
  },
  {
    name: 'plaintext Secret',
    mutate: (r) => {
      add(r, `${K}/apps/whoami/secret.yaml`, 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: whoami-token\nstringData:\n  token: hunter2\n');
      edit(r, `${K}/apps/whoami/kustomization.yaml`, '  - ingress.yaml\n', '  - ingress.yaml\n  - secret.yaml\n');
    },
    rule: 'secret-plaintext',
    file: `${K}/apps/whoami/secret.yaml`,
    at: 'stringData:',
  },
  {
    name: 'HelmRelease into a namespace nothing creates',
    mutate: (r) => edit(r, `${K}/infrastructure/metallb/helmrelease.yaml`, '  interval: 30m\n', '  interval: 30m\n  targetNamespace: metallb\n'),
    rule: 'namespace-missing',
    file: `${K}/infrastructure/metallb/helmrelease.yaml`,
    at: 'targetNamespace: metallb',
  },
  {
    name: 'SOPS Secret in a Kustomization without decryption',
    mutate: (r) => {
      add(r, `${K}/apps/whoami/secret.sops.yaml`, ['apiVersion: v1', 'kind: Secret', 'metadata:', '  name: encrypted', 'stringData:', '  token: ENC[AES256_GCM,data:abc=,type:str]', 'sops:', '  mac: ENC[AES256_GCM,data:xyz=,type:str]', '  version: 3.9.0', ''].join('\n'));
      edit(r, `${K}/apps/whoami/kustomization.yaml`, '  - ingress.yaml\n', '  - ingress.yaml\n  - secret.sops.yaml\n');
    },
    rule: 'sops-without-decryption',
    file: `${K}/apps/whoami/secret.sops.yaml`,
    at: 'sops:',
  },
  {
    name: 'name the API server rejects (after substitution)',
    mutate: (r) => {
      edit(r, `${K}/apps/whoami/service.yaml`, '  name: whoami\n', '  name: ${SERVICE_NAME:=Whoami_Web}\n');
    },
    rule: 'name-invalid',
    file: `${K}/apps/whoami/service.yaml`,
    at: 'SERVICE_NAME',
  },
  {
    name: 'invalid label value',
    mutate: (r) => edit(r, `${K}/apps/whoami/deployment.yaml`, '  labels:\n    app.kubernetes.io/name: whoami\n', '  labels:\n    app.kubernetes.io/name: whoami\n    owner: team lab\n'),
    rule: 'label-invalid',
    file: `${K}/apps/whoami/deployment.yaml`,
    at: 'owner: team lab',
  },
  {
    name: 'deprecated Flux API version',
    mutate: (r) => edit(r, `${K}/infrastructure/sources/jetstack.yaml`, 'source.toolkit.fluxcd.io/v1', 'source.toolkit.fluxcd.io/v1beta2'),
    rule: 'api-deprecated',
    file: `${K}/infrastructure/sources/jetstack.yaml`,
    at: 'apiVersion:',
  },
  {
    name: 'file no Kustomization references',
    mutate: (r) => add(r, `${K}/apps/whoami/forgotten.yaml`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: forgotten\n  namespace: whoami\n'),
    rule: 'unreferenced-file',
    severity: 'warning',
    file: `${K}/apps/whoami/forgotten.yaml`,
    at: 1,
  },
  {
    name: 'namespaced object without a namespace',
    mutate: (r) => edit(r, `${K}/infrastructure/bitwarden/helmrelease.yaml`, '  namespace: sm-operator-system\n', ''),
    rule: 'namespace-unset',
    file: `${K}/infrastructure/bitwarden/helmrelease.yaml`,
    at: 1,
  },
  {
    name: 'source outside this repository (notice, not an error)',
    mutate: (r) => {
      add(r, `${K}/clusters/production/ks/95-external.yaml`, [
        'apiVersion: source.toolkit.fluxcd.io/v1',
        'kind: GitRepository',
        'metadata: {name: shared, namespace: flux-system}',
        'spec: {interval: 1h, url: "https://github.com/example/shared", ref: {branch: main}}',
        '---',
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata: {name: shared, namespace: flux-system}',
        'spec:',
        '  interval: 1h',
        '  prune: true',
        '  path: ./deploy',
        '  sourceRef: {kind: GitRepository, name: shared}',
        '',
      ].join('\n'));
    },
    rule: 'external-source',
    severity: 'notice',
    file: `${K}/clusters/production/ks/95-external.yaml`,
    at: 'sourceRef:',
  },
];

async function run(name: string, mutate: (root: string) => void, strict = true): Promise<{ root: string; report: VerifyReport }> {
  const root = join(work, name.replace(/[^a-z0-9]+/gi, '-'));
  cpSync(valid, root, { recursive: true });
  mutate(root);
  return { root, report: await verifyTree({ repoRoot: root, strictSubstitution: strict }) };
}

describe('the valid tree', () => {
  let report: VerifyReport;
  beforeAll(async () => {
    report = (await run('valid', () => {})).report;
  });

  it('passes with zero findings', () => {
    expect(report.findings).toEqual([]);
    expect(report.counts).toMatchObject({ errors: 0, kustomizations: 7 });
    expect([...report.results.values()].every((r) => r === 'ok')).toBe(true);
  });

  it('follows the graph from the bootstrap Kustomization and substitutes', () => {
    const ids = report.render.kustomizations.map((k) => k.id);
    expect(ids[0]).toBe('flux-system/flux-system');
    expect(ids).toContain('flux-system/apps');
    const deployment = report.render.objects.find((o) => o.kind === 'Deployment')!;
    expect(deployment.origin).toMatchObject({ file: 'kubernetes/apps/whoami/deployment.yaml', line: 1 });
    const spec = deployment.object.spec as { replicas: unknown; template: { spec: { containers: { env: { value: string }[] }[] } } };
    expect(spec.replicas).toBe(2);
    expect(spec.template.spec.containers[0]!.env.map((e) => e.value)).toEqual(['Europe/Berlin', 'costs ${AMOUNT} per month']);
    // objects built by kustomize (cert-manager has a configMapGenerator) still point at their source
    const generated = report.render.objects.find((o) => o.name === 'cert-manager-values')!;
    expect(generated.origin.file).toBe('kubernetes/infrastructure/cert-manager/kustomization.yaml');
    const release = report.render.objects.find((o) => o.kind === 'HelmRelease' && o.name === 'cert-manager')!;
    expect(release).toMatchObject({ namespace: 'cert-manager', kustomization: 'flux-system/cert-manager', origin: { file: 'kubernetes/infrastructure/cert-manager/helmrelease.yaml', line: 1 } });
    expect(report.render.timings).toMatchObject({ inProcessBuilds: 6, kustomizeBuilds: 1 });
    const ingress = report.render.objects.find((o) => o.kind === 'Ingress')!;
    expect(JSON.stringify(ingress.object)).toContain('whoami.lab.example.com');
  });

  it('lists the kinds it has no schema for, and validates the CRD kind from the tree', () => {
    expect(report.missingSchemas).toEqual([{ apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', count: 1, file: 'kubernetes/apps/whoami/middleware.yaml', line: 1 }]);
  });
});

describe('fault corpus', () => {
  const results = new Map<string, { root: string; report: VerifyReport }>();
  beforeAll(async () => {
    for (const f of faults) results.set(f.name, await run(f.name, f.mutate, f.strict ?? true));
  });

  for (const f of faults) {
    it(`${f.name} -> ${f.rule}`, () => {
      const { root, report } = results.get(f.name)!;
      const line = typeof f.at === 'number' ? f.at : lineOf(root, f.file, f.at);
      const match = report.findings.filter((x) => x.rule === f.rule);
      expect(match.length, JSON.stringify(report.findings, null, 1)).toBeGreaterThan(0);
      expect(match.map((x) => ({ severity: x.severity, file: x.file, line: x.line }))).toContainEqual({ severity: f.severity ?? 'error', file: f.file, line });
    });
  }

  it('reports a broken build once, not its files as unreferenced', () => {
    const { report } = results.get('kustomize build failure (missing resource, built by kustomize)')!;
    expect(report.findings.map((f) => f.rule)).toEqual(['kustomize-build']);
    expect(report.findings[0]!.message).toContain("open kubernetes/infrastructure/cert-manager/missing-file.yaml: no such file or directory");
  });

  it('prints the cycle', () => {
    const cycle = results.get('dependency cycle')!.report.findings.find((f) => f.rule === 'depends-on-cycle')!;
    expect(cycle.message).toContain('flux-system/apps -> flux-system/cert-manager -> flux-system/infrastructure-sources -> flux-system/apps');
  });

  it('reports every fault in one run', async () => {
    const { report } = await run('all at once', (r) => {
      for (const name of ['unset variable (strict)', 'dependsOn a missing Kustomization', 'plaintext Secret', 'deprecated Flux API version']) faults.find((f) => f.name === name)!.mutate(r);
    });
    const rules = new Set(report.findings.map((f) => f.rule));
    for (const rule of ['substitute-unset-variable', 'depends-on-missing', 'secret-plaintext', 'api-deprecated']) expect(rules).toContain(rule);
  });

  it('applies the Flux-side fields and honours substitute: disabled', async () => {
    const { report } = await run('flux fields', (r) => {
      edit(
        r,
        `${K}/clusters/production/ks/90-apps.yaml`,
        '  prune: true\n',
        [
          '  prune: true',
          '  commonMetadata:',
          '    labels:',
          '      team: lab',
          '  images:',
          '    - name: traefik/whoami',
          '      newTag: v1.12.0',
          '  components:',
          '    - ../components/common',
          '  patches:',
          '    - patch: |',
          '        - op: replace',
          '          path: /spec/replicas',
          '          value: 3',
          '      target:',
          '        kind: Deployment',
          '        name: whoami',
          '',
        ].join('\n'),
      );
      mkdirSync(join(r, `${K}/components/common`), { recursive: true });
      add(r, `${K}/components/common/kustomization.yaml`, 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - dashboard.yaml\n');
      add(
        r,
        `${K}/components/common/dashboard.yaml`,
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dashboard\n  namespace: whoami\n  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\ndata:\n  query: sum(rate(x[${WINDOW}]))\n',
      );
    });
    expect(report.findings).toEqual([]);
    const deployment = report.render.objects.find((o) => o.kind === 'Deployment')!;
    const spec = deployment.object.spec as { replicas: number; template: { spec: { containers: { image: string }[] } } };
    expect(spec.replicas).toBe(3);
    expect(spec.template.spec.containers[0]!.image).toBe('traefik/whoami:v1.12.0');
    expect(deployment.object.metadata.labels).toMatchObject({ team: 'lab', 'app.kubernetes.io/name': 'whoami' });
    const dashboard = report.render.objects.find((o) => o.name === 'dashboard')!;
    expect(dashboard.origin.file).toBe('kubernetes/components/common/dashboard.yaml');
    expect((dashboard.object.data as Record<string, string>).query).toBe('sum(rate(x[${WINDOW}]))');
  });

  it('builds only the selected Kustomizations when asked (changed-only verification)', async () => {
    const render = await renderTree({ repoRoot: valid, select: (ks) => ks.name === 'cert-manager' || ks.name === 'infrastructure-sources' });
    const states = Object.fromEntries(render.kustomizations.map((k) => [k.name, k.state]));
    expect(states).toEqual({ 'flux-system': 'rendered', 'infrastructure-sources': 'rendered', metallb: 'skipped', 'metallb-config': 'skipped', 'cert-manager': 'rendered', bitwarden: 'skipped', apps: 'skipped' });
    expect(render.kustomizations.find((k) => k.name === 'apps')!.objects).toEqual([]);
    expect(render.objects.some((o) => o.kind === 'HelmRelease' && o.name === 'cert-manager')).toBe(true);
    const report = checkRendered(render);
    expect(report.results.has('flux-system/apps')).toBe(false);
    expect(report.results.get('flux-system/cert-manager')).toBe('ok');
  });

  it('is not strict when asked: an unset variable becomes empty', async () => {
    const fault = faults.find((f) => f.name === 'unset variable (strict)')!;
    const { report } = await run('not strict', fault.mutate, false);
    expect(report.findings.filter((f) => f.rule === 'substitute-unset-variable')).toEqual([]);
  });

  it('accepts a SOPS-encrypted Secret and resolves substituteFrom through a BitwardenSecret', async () => {
    const { report } = await run('sops', (r) => {
      appendFileSync(
        join(r, `${K}/apps/whoami/deployment.yaml`),
        ['---', 'apiVersion: v1', 'kind: Secret', 'metadata: {name: encrypted}', 'stringData:', '  token: ENC[AES256_GCM,data:abc=,type:str]', 'sops:', '  mac: ENC[AES256_GCM,data:xyz=,type:str]', '  version: 3.9.0', ''].join('\n'),
      );
      // cluster-secrets is no longer optional: the BitwardenSecret in flux-system will create it
      edit(r, `${K}/clusters/production/ks/90-apps.yaml`, '        name: cluster-secrets\n        optional: true', '        name: cluster-secrets');
      edit(r, `${K}/clusters/production/ks/90-apps.yaml`, '  prune: true\n', '  prune: true\n  decryption:\n    provider: sops\n    secretRef:\n      name: sops-age\n');
      add(r, `${K}/clusters/production/cluster-secrets.yaml`, readFileSync(join(r, `${K}/apps/podinfo/bitwardensecret.yaml`), 'utf8').replace(/podinfo-secrets/g, 'cluster-secrets').replace('secretKeyName: values.yaml', 'secretKeyName: API_TOKEN').replace('metadata:\n', 'metadata:\n  namespace: flux-system\n'));
      edit(r, `${K}/apps/whoami/deployment.yaml`, 'value: ${TIMEZONE}', 'value: ${API_TOKEN}');
    });
    expect(report.findings).toEqual([]);
    const deployment = report.render.objects.find((o) => o.kind === 'Deployment')!;
    expect(JSON.stringify(deployment.object)).toContain('"value":"secret-api-token"');
  });
});
