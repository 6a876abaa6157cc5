// Renovate checks with the real Renovate 44 (installed by scripts/ensure/renovate.mjs, run on
// Node 24): the config validates, the auto-merge policy decides as docs/operations.md says
// (Renovate's own preset resolver and rule matchers), and an offline extraction sees every pinned
// version that a scan of the repository finds.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePin, expectedPins, extractedDeps, isSeen, type ExpectedPin, type ExtractedDep } from './expected-pins';
import { assertRenovateInstalled, extract, gitCommitAll, gitSnapshot, node24, repoRoot, validateConfig } from './run-renovate';

let tmp: string;
let version: string;

beforeAll(() => {
  version = assertRenovateInstalled();
  tmp = mkdtempSync(join(tmpdir(), 'renovate-check-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('renovate-config-validator', () => {
  it('accepts renovate.json in strict mode', () => {
    const r = validateConfig(join(repoRoot, 'renovate.json'), tmp);
    expect(r.status, `renovate-config-validator ${version} failed:\n${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/validated successfully/);
  });

  it('rejects a config with an unknown option and a broken regex manager', () => {
    const config = JSON.parse(readFileSync(join(repoRoot, 'renovate.json'), 'utf8')) as { packageRules: Record<string, unknown>[]; customManagers: { matchStrings: string[] }[] };
    config.packageRules[0] = { ...config.packageRules[0], matchDatasourcez: ['helm'] };
    config.customManagers[0]!.matchStrings = ['(?<depName>['];
    const bad = join(tmp, 'bad-renovate.json');
    writeFileSync(bad, JSON.stringify(config));
    const r = validateConfig(bad, tmp);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/matchDatasourcez/);
    expect(r.stdout + r.stderr).toMatch(/Invalid regExp/);
  });
});

interface Decision {
  automerge: boolean;
  ignoreTests: boolean;
  platformAutomerge: boolean;
  automergeType: string;
  minimumReleaseAge: string | null;
  groupName: string | null;
  labels: string[];
}

interface UpdateCase {
  what: string;
  dep: Record<string, string>;
  automerge: boolean;
  group?: string;
  label?: string;
}

const chart = (depName: string, currentValue: string, updateType: string, packageFile = `kubernetes/infrastructure/${depName}/helmrelease-${depName}.yaml`) => ({
  manager: 'flux', datasource: 'helm', depName, packageName: depName, currentValue, currentVersion: currentValue, updateType, versioning: 'helm', packageFile,
});
const image = (manager: string, depName: string, currentValue: string, updateType: string, packageFile: string) => ({
  manager, datasource: 'docker', depName, packageName: depName, currentValue, currentVersion: currentValue, updateType, versioning: 'docker', packageFile,
});
const action = (depName: string, updateType: string) => ({
  manager: 'github-actions', datasource: 'github-tags', depName, packageName: depName, currentValue: 'v6.0.2', currentVersion: 'v6.0.2', updateType, versioning: 'docker', packageFile: '.github/workflows/ci.yml',
});
const annotated = (depName: string, currentValue: string, updateType: string, packageFile: string) => ({
  manager: 'regex', datasource: 'github-releases', depName, packageName: depName, currentValue, currentVersion: currentValue, updateType, versioning: 'semver-coerced', packageFile,
});

// The policy of issue 9 / docs/operations.md, case by case.
const CASES: UpdateCase[] = [
  { what: 'chart patch', dep: chart('longhorn', '1.12.1', 'patch'), automerge: true, label: 'renovate/chart' },
  { what: 'chart minor (1.x)', dep: chart('cert-manager', 'v1.21.1', 'minor'), automerge: true },
  { what: 'chart minor of a 0.x chart', dep: chart('metallb', '0.16.1', 'minor'), automerge: false },
  { what: 'chart patch of a 0.x chart', dep: chart('metallb', '0.16.1', 'patch'), automerge: true },
  { what: 'chart major', dep: chart('longhorn', '1.12.1', 'major'), automerge: false, label: 'renovate/major' },
  { what: 'OCI chart (OCIRepository tag) minor', dep: image('flux', 'ghcr.io/traefik/helm/traefik', '41.0.0', 'minor', 'kubernetes/infrastructure/traefik/ocirepository.yaml'), automerge: true, label: 'renovate/chart' },
  { what: 'container image digest', dep: { ...image('kubernetes', 'ghcr.io/example/app', '1.2.3', 'digest', 'kubernetes/apps/example/deployment.yaml'), currentDigest: 'sha256:0' }, automerge: true, label: 'renovate/image' },
  { what: 'image in Helm values, minor', dep: image('helm-values', 'ghcr.io/example/app', '1.2.3', 'minor', 'kubernetes/apps/example/values.yaml'), automerge: true },
  { what: 'image major', dep: image('kubernetes', 'ghcr.io/example/app', '1.2.3', 'major', 'kubernetes/apps/example/deployment.yaml'), automerge: false },
  { what: 'GitHub Action digest', dep: action('actions/checkout', 'digest'), automerge: true, group: 'GitHub Actions', label: 'renovate/github-actions' },
  { what: 'GitHub Action minor', dep: action('actions/setup-node', 'minor'), automerge: true, group: 'GitHub Actions' },
  { what: 'GitHub Action major', dep: action('actions/checkout', 'major'), automerge: false },
  { what: 'Terraform provider bpg/proxmox patch', dep: { manager: 'terraform', datasource: 'terraform-provider', depName: 'proxmox', packageName: 'bpg/proxmox', currentValue: '~> 0.111', updateType: 'patch', versioning: 'hashicorp', packageFile: 'terraform/versions.tf' }, automerge: false, label: 'renovate/infrastructure-layer' },
  { what: 'Packer plugin patch', dep: annotated('hashicorp/packer-plugin-proxmox', '1.2.4', 'patch', 'packer/ubuntu-24.04.pkr.hcl'), automerge: false, label: 'renovate/infrastructure-layer' },
  { what: 'K3s patch', dep: annotated('k3s-io/k3s', 'v1.36.4+k3s1', 'patch', 'ansible/roles/k3s/defaults/main.yml'), automerge: false, label: 'renovate/infrastructure-layer' },
  { what: 'Flux patch', dep: annotated('fluxcd/flux2', 'v2.9.4', 'patch', 'kubernetes/clusters/production/flux-system/flux-version.yaml'), automerge: false, group: 'Flux' },
  { what: 'a Flux controller image', dep: image('kubernetes', 'ghcr.io/fluxcd/source-controller', 'v1.8.0', 'patch', 'kubernetes/clusters/production/flux-system/gotk-components.yaml'), automerge: false, group: 'Flux' },
  { what: 'anything else in the Flux bootstrap', dep: image('kubernetes', 'ghcr.io/example/other', '1.0.0', 'patch', 'kubernetes/clusters/production/flux-system/extra.yaml'), automerge: false },
  { what: 'npm dev tooling patch', dep: { manager: 'npm', datasource: 'npm', depName: 'vitest', packageName: 'vitest', currentValue: '~4.1.12', depType: 'devDependencies', updateType: 'patch', versioning: 'npm', packageFile: 'package.json' }, automerge: false, group: 'npm dev tooling' },
  { what: 'npm runtime dependency of an action', dep: { manager: 'npm', datasource: 'npm', depName: 'yaml', packageName: 'yaml', currentValue: '^2.9.1', depType: 'dependencies', updateType: 'minor', versioning: 'npm', packageFile: 'actions/toolkit/package.json' }, automerge: false, label: 'renovate/rebuild-dist' },
];

describe('auto-merge policy, decided by Renovate’s own rule engine', () => {
  let decisions: Decision[];

  beforeAll(() => {
    const r = spawnSync(node24, [join(repoRoot, 'tests', 'renovate', 'apply-rules.mjs'), join(repoRoot, '.cache', 'renovate', 'node_modules', 'renovate'), join(repoRoot, 'renovate.json')], {
      input: JSON.stringify(CASES.map((c) => c.dep)),
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: tmp, RENOVATE_X_IGNORE_RE2: 'true', LOG_LEVEL: 'fatal' },
      timeout: 60_000,
    });
    if (r.status !== 0) throw new Error(`apply-rules.mjs failed (${r.status}):\n${r.stderr}`);
    decisions = JSON.parse(r.stdout) as Decision[];
  });

  it.each(CASES.map((c, i) => [c.what, i] as const))('%s', (_what, i) => {
    const c = CASES[i]!;
    const d = decisions[i]!;
    expect(d.automerge, `${c.what}: automerge`).toBe(c.automerge);
    // Auto-merge is only ever GitHub's, behind the required checks, after the release age.
    expect(d.ignoreTests).toBe(false);
    expect(d.platformAutomerge).toBe(true);
    expect(d.automergeType).toBe('pr');
    if (c.automerge) expect(d.minimumReleaseAge).toBe('3 days');
    if (c.group) expect(d.groupName).toBe(c.group);
    if (c.label) expect(d.labels).toContain(c.label);
  });
});

describe('extraction sees every pinned version', () => {
  const snapshot = () => join(tmp, 'repo');
  let deps: ExtractedDep[];
  let expected: ExpectedPin[];
  let logLines: Record<string, unknown>[];
  let extractMs: number;

  // Probes added to the snapshot only: a manifest image, a digest-pinned image, an image in Helm
  // values and a chart (kinds the repository may not use yet, so the widened managers are proven
  // anyway), and one pin WITHOUT a Renovate annotation, which the check must report as unseen.
  const PROBE_UNSEEN = { file: 'ansible/roles/renovate-probe/defaults/main.yml', value: '9.9.9' };
  const probes: Record<string, string> = {
    'kubernetes/apps/renovate-probe/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: probe
  namespace: probe
spec:
  selector:
    matchLabels: {app: probe}
  template:
    metadata:
      labels: {app: probe}
    spec:
      initContainers:
        - name: init
          image: docker.io/library/busybox:1.37.0@sha256:${'a'.repeat(64)}
      containers:
        - name: app
          image: ghcr.io/example/renovate-probe:1.2.3
`,
    'kubernetes/apps/renovate-probe/helmrelease.yaml': `apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: probe-charts
  namespace: flux-system
spec:
  url: https://charts.example.com
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: probe
  namespace: probe
spec:
  interval: 1h
  chart:
    spec:
      chart: probe-chart
      version: 3.4.5
      sourceRef:
        kind: HelmRepository
        name: probe-charts
        namespace: flux-system
  values:
    image:
      repository: ghcr.io/example/renovate-probe-values
      tag: 2.0.1
`,
    [PROBE_UNSEEN.file]: `---\nprobe_version: ${PROBE_UNSEEN.value}\n`,
  };

  beforeAll(() => {
    const t0 = Date.now();
    gitSnapshot(snapshot());
    for (const [file, text] of Object.entries(probes)) {
      mkdirSync(join(snapshot(), file, '..'), { recursive: true });
      writeFileSync(join(snapshot(), file), text);
    }
    gitCommitAll(snapshot());
    const snapshotMs = Date.now() - t0;
    const reportPath = join(tmp, 'report.json');
    const home = join(tmp, 'home');
    mkdirSync(home);
    const r = extract(snapshot(), reportPath, home);
    extractMs = r.ms;
    if (r.status !== 0) throw new Error(`renovate --dry-run=extract failed (${r.status}):\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
    logLines = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    deps = extractedDeps(JSON.parse(readFileSync(reportPath, 'utf8')));
    expected = expectedPins(snapshot());
    console.log(`renovate ${version}: snapshot ${snapshotMs} ms, extraction ${extractMs} ms, ${deps.length} dependencies, ${expected.length} expected pins`);
  });

  it('the scan finds the probes (the expected set is not empty by accident)', () => {
    const kinds = new Set(expected.map((p) => p.kind));
    for (const kind of ['HelmRelease chart', 'container image', 'container image (Helm values)', 'GitHub Action', 'npm devDependencies', 'renovate annotation']) {
      expect(kinds, `no "${kind}" pin found by the scan`).toContain(kind);
    }
    expect(expected.some((p) => p.currentDigest === `sha256:${'a'.repeat(64)}`)).toBe(true);
  });

  it('every pin in the repository is extracted, with no skipReason', () => {
    const unseen = expected.filter((p) => !isSeen(p, deps) && !(p.file === PROBE_UNSEEN.file));
    const nearMisses = (p: ExpectedPin) =>
      deps
        .filter((d) => d.packageFile === p.file)
        .map((d) => `    extracted: ${d.manager} ${d.depName} ${d.currentValue ?? ''}${d.skipReason ? ` skipReason=${d.skipReason}` : ''}`)
        .join('\n');
    expect(unseen.map((p) => `${describePin(p)}\n${nearMisses(p) || '    (nothing extracted from this file)'}`).join('\n')).toBe('');
  });

  it('reports a pin that Renovate cannot see (the un-annotated probe)', () => {
    const probe = expected.filter((p) => p.file === PROBE_UNSEEN.file);
    expect(probe).toHaveLength(1);
    expect(probe[0]!.currentValue).toBe(PROBE_UNSEEN.value);
    expect(isSeen(probe[0]!, deps)).toBe(false);
  });

  it('the infrastructure layers are extracted by the regex manager with the right datasource', () => {
    const byName = (name: string) => deps.filter((d) => d.depName === name && d.manager === 'regex');
    expect(byName('k3s-io/k3s').map((d) => d.datasource)).toContain('github-releases');
    expect(byName('fluxcd/flux2').map((d) => d.datasource)).toContain('github-releases');
    expect(byName('hashicorp/packer-plugin-proxmox').map((d) => d.datasource)).toContain('github-releases');
    expect(deps.some((d) => d.manager === 'terraform' && d.packageName === 'bpg/proxmox' && !d.skipReason)).toBe(true);
  });

  it('ran offline: no HTTP request was made', () => {
    const stats = logLines.find((l) => l.msg === 'HTTP statistics');
    expect(stats, 'Renovate printed no HTTP statistics (log format changed?)').toBeDefined();
    expect(stats!.requests).toBe(0);
  });
});
