import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { SecretSet, UserError } from '@homelab/toolkit';
import type { ClusterInputs } from '../src/cluster/inputs';
import { verifyCluster, type ClusterOutcome } from '../src/cluster/main';
import { parseVersion } from '../src/cluster/version';
import { fluxControllers, startFileServer, startKubeServer, type KubeObject, type KubeServer, type ScriptedObject } from './support/kube-server';

/**
 * Mode cluster end to end through the REAL kubectl against a loopback Kubernetes API server whose
 * scripted Flux controllers move objects along over time.
 */

const fixtures = join(import.meta.dirname, 'fixtures', 'cluster');
const repo = join(fixtures, 'repo', 'kubernetes');
const clusterDir = join(repo, 'clusters', 'production');
const install = readFileSync(join(fixtures, 'install-v2.9.4.yaml'));
const installOld = readFileSync(join(fixtures, 'install-v2.8.0.yaml'));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const workspace = join(fixtures, 'repo');
const rel = (p: string) => relative(workspace, p);

let tmp: string;
let releases: Awaited<ReturnType<typeof startFileServer>>;
const servers: KubeServer[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'flux-cluster-'));
  releases = await startFileServer({
    '/v2.9.4/install.yaml': install,
    '/v2.9.4/flux_2.9.4_checksums.txt': `${sha(Buffer.from('other'))}  flux_2.9.4_linux_amd64.tar.gz\n${sha(install)}  install.yaml\n`,
    // A release whose checksums file does not match its install.yaml (tampered download).
    '/v2.9.5/install.yaml': install,
    '/v2.9.5/flux_2.9.5_checksums.txt': `${sha(Buffer.from('something else'))}  install.yaml\n`,
  });
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await releases.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The layers of the fixture repository, as the root Kustomization creates them. */
function layers(overrides: Partial<Record<string, Partial<ScriptedObject>>> = {}): ScriptedObject[] {
  const ks = (name: string, path: string, dependsOn?: string[]): ScriptedObject => ({
    kind: 'Kustomization',
    namespace: 'flux-system',
    name,
    createdBy: 'flux-system/flux-system',
    dependsOn,
    readyAfterMs: 150,
    spec: { interval: '30m', path, prune: true, wait: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' } },
    ...overrides[name],
  });
  return [
    { kind: 'GitRepository', namespace: 'flux-system', name: 'flux-system', readyAfterMs: 100, ...overrides['git'] },
    { kind: 'Kustomization', namespace: 'flux-system', name: 'flux-system', readyAfterMs: 100, ...overrides['flux-system'] },
    ks('infrastructure', './kubernetes/infrastructure/base'),
    ks('metallb', './kubernetes/infrastructure/metallb', ['infrastructure']),
    ks('traefik', './kubernetes/infrastructure/traefik', ['metallb']),
    ks('apps', './kubernetes/apps', ['traefik']),
    { kind: 'HelmRelease', namespace: 'traefik', name: 'traefik', createdBy: 'flux-system/traefik', readyAfterMs: 100, ...overrides['hr-traefik'] },
    { kind: 'HelmRelease', namespace: 'apps', name: 'podinfo', createdBy: 'flux-system/apps', readyAfterMs: 100, ...overrides['hr-podinfo'] },
  ];
}

/** The objects of an install.yaml, stored as a running installation (controllers available). */
function installed(manifest: Buffer): KubeObject[] {
  return parseAllDocuments(manifest.toString())
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

/** A healthy cluster at v2.9.4: controllers, sync objects and every layer Ready. */
function healthyCluster(): KubeObject[] {
  const ready = { conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: 'Applied revision: master@sha1:0123', observedGeneration: 1 }], observedGeneration: 1 };
  const flux = (apiVersion: string, kind: string, namespace: string, name: string, spec: Record<string, unknown>, parent?: string): KubeObject => ({
    apiVersion,
    kind,
    metadata: { name, namespace, generation: 1, ...(parent ? { labels: { 'kustomize.toolkit.fluxcd.io/name': parent, 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' } } : {}) },
    spec,
    status: ready,
  });
  const sync = parseAllDocuments(readFileSync(join(clusterDir, 'flux-system', 'gotk-sync.yaml'), 'utf8')).map((d) => d.toJS() as KubeObject);
  return [
    ...installed(install),
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'flux-system', namespace: 'flux-system' }, data: { identity: 'a2V5Cg==', known_hosts: 'aG9zdHMK' } },
    ...sync.map((o) => ({ ...o, metadata: { ...o.metadata, generation: 1 }, status: ready })),
    ...layers()
      .filter((s) => s.createdBy)
      .map((s) =>
        flux(
          s.kind === 'HelmRelease' ? 'helm.toolkit.fluxcd.io/v2' : 'kustomize.toolkit.fluxcd.io/v1',
          s.kind,
          s.namespace,
          s.name,
          { ...s.spec, ...(s.dependsOn ? { dependsOn: s.dependsOn.map((name) => ({ name })) } : {}) },
          s.createdBy!.split('/')[1],
        ),
      ),
  ];
}

async function cluster(objects: KubeObject[], script: ScriptedObject[], controllersAfterMs = 200, flaky?: { path: string; times: number }): Promise<KubeServer> {
  const server = await startKubeServer({ objects, controller: fluxControllers(script, { controllersAfterMs }), flaky });
  servers.push(server);
  return server;
}

function inputs(server: KubeServer | string, extra: Partial<ClusterInputs> = {}): ClusterInputs {
  return {
    workspace,
    kubeconfig: typeof server === 'string' ? server : server.kubeconfig(mkdtempSync(join(tmp, 'kc-'))),
    cluster: clusterDir,
    path: repo,
    timeoutMs: 3000,
    pollIntervalMs: 100,
    releaseUrl: releases.url,
    reconcile: true,
    ...extra,
  };
}

function states(outcome: ClusterOutcome): Record<string, string> {
  return Object.fromEntries(outcome.report.entries.map((e) => [`${e.ref.kind}/${e.ref.namespace}/${e.ref.name}`, e.state]));
}

function entry(outcome: ClusterOutcome, kind: string, namespace: string, name: string) {
  const found = outcome.report.entries.find((e) => e.ref.kind === kind && e.ref.namespace === namespace && e.ref.name === name);
  if (!found) throw new Error(`no ${kind} ${namespace}/${name} in ${JSON.stringify(states(outcome))}`);
  return found;
}

describe('mode cluster against a loopback API server, through the real kubectl', () => {
  it('installs Flux on an empty cluster from the checksum-verified release manifest and waits for every layer in order', async () => {
    const server = await cluster([], layers());
    const outcome = await verifyCluster(inputs(server));

    expect(outcome.report.action).toBe('install');
    expect(releases.requests).toEqual(expect.arrayContaining(['/v2.9.4/install.yaml', '/v2.9.4/flux_2.9.4_checksums.txt']));
    const controllers = server.list('apps', 'deployments', 'flux-system');
    expect(controllers.map((d) => [d.metadata.name, d.metadata.labels?.['app.kubernetes.io/version']])).toEqual([
      ['helm-controller', 'v2.9.4'],
      ['kustomize-controller', 'v2.9.4'],
      ['notification-controller', 'v2.9.4'],
      ['source-controller', 'v2.9.4'],
    ]);
    // Server-side apply with our field manager, for the controllers and then the sync objects.
    const applies = server.requests.filter((r) => r.method === 'PATCH' && r.contentType.startsWith('application/apply-patch+yaml'));
    expect(applies.every((r) => r.query.includes('fieldManager=flux-verify') && r.query.includes('force=true'))).toBe(true);
    expect(applies.map((r) => r.path)).toEqual(
      expect.arrayContaining([
        '/apis/apps/v1/namespaces/flux-system/deployments/source-controller',
        '/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/flux-system',
        '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/flux-system',
      ]),
    );
    expect(outcome.report.syncApplied).toEqual(['GitRepository flux-system/flux-system', 'Kustomization flux-system/flux-system']);
    expect(outcome.failures).toEqual([]);
    expect(states(outcome)).toEqual({
      'GitRepository/flux-system/flux-system': 'ready',
      'Kustomization/flux-system/flux-system': 'ready',
      'Kustomization/flux-system/infrastructure': 'ready',
      'Kustomization/flux-system/metallb': 'ready',
      'Kustomization/flux-system/traefik': 'ready',
      'HelmRelease/traefik/traefik': 'ready',
      'Kustomization/flux-system/apps': 'ready',
      'HelmRelease/apps/podinfo': 'ready',
    });
    // Dependency order: each layer finished after the one it depends on.
    const done = (name: string) => entry(outcome, 'Kustomization', 'flux-system', name).finishedAt!;
    expect(done('infrastructure')).toBeLessThanOrEqual(done('metallb'));
    expect(done('metallb')).toBeLessThanOrEqual(done('traefik'));
    expect(done('traefik')).toBeLessThanOrEqual(done('apps'));
    expect(entry(outcome, 'Kustomization', 'flux-system', 'metallb').file).toBe(rel(join(clusterDir, 'ks', '10-metallb.yaml')));
    expect(entry(outcome, 'HelmRelease', 'apps', 'podinfo').file).toBe(rel(join(repo, 'apps', 'podinfo', 'helmrelease.yaml')));
  });

  it('changes nothing on a healthy cluster at the pinned version: no download, no apply, only the reconcile request', async () => {
    const before = releases.requests.length;
    // Healthy controllers handle a reconcile request at once when nothing changed.
    const instant = layers().map((o) => ({ ...o, readyAfterMs: 0 }));
    const server = await cluster(healthyCluster(), instant, 0);
    const started = Date.now();
    const outcome = await verifyCluster(inputs(server));
    const took = Date.now() - started;

    expect(outcome.report.action).toBe('none');
    expect(outcome.failures).toEqual([]);
    expect(outcome.report.syncApplied).toEqual([]);
    expect(outcome.report.gitSecrets).toEqual({ applied: [], unchanged: [], missing: [] });
    expect(releases.requests.length).toBe(before);
    const writes = server.writes();
    expect(writes.filter((r) => r.contentType.startsWith('application/apply-patch'))).toEqual([]);
    // The only writes: reconcile.fluxcd.io/requestedAt on the sources and Kustomizations.
    expect(writes.length).toBe(6);
    for (const w of writes) expect(Object.keys(JSON.parse(w.body).metadata.annotations)).toEqual(['reconcile.fluxcd.io/requestedAt']);
    // version, Flux detection, Git Secret, sync objects, kustomize build, annotate, one poll (two at most).
    expect(outcome.report.kubectlCalls).toBeLessThanOrEqual(8);
    expect(outcome.report.kubectlCalls).toBeGreaterThanOrEqual(7);
    expect(took).toBeLessThan(8000);

    // Without the reconcile request the run writes nothing at all.
    const quiet = await cluster(healthyCluster(), instant, 0);
    const again = await verifyCluster(inputs(quiet, { reconcile: false }));
    expect(again.failures).toEqual([]);
    expect(quiet.writes()).toEqual([]);
  });

  it('reports a HelmRelease that fails with the controller message, at the file that defines it', async () => {
    const server = await cluster(
      healthyCluster(),
      layers({
        'hr-podinfo': { fail: { reason: 'InstallFailed', message: 'Helm install failed for release apps/podinfo with chart podinfo@6.9.0: context deadline exceeded' } },
        apps: { fail: { reason: 'HealthCheckFailed', message: 'health check failed after 5m0s: HelmRelease/apps/podinfo status: Failed' } },
      }),
    );
    // The HelmRelease has been reconciled again (new generation), so its old Ready=True is stale.
    const hr = server.get('helm.toolkit.fluxcd.io', 'helmreleases', 'apps', 'podinfo')!;
    hr.metadata.generation = 2;
    const outcome = await verifyCluster(inputs(server));

    const podinfo = entry(outcome, 'HelmRelease', 'apps', 'podinfo');
    expect(podinfo.state).toBe('failed');
    expect(podinfo.reason).toBe('InstallFailed');
    expect(podinfo.message).toContain('Helm install failed for release apps/podinfo');
    expect(podinfo.file).toBe(rel(join(repo, 'apps', 'podinfo', 'helmrelease.yaml')));
    expect(podinfo.line).toBe(2);
    expect(entry(outcome, 'Kustomization', 'flux-system', 'apps').state).toBe('failed');
    expect(entry(outcome, 'Kustomization', 'flux-system', 'traefik').state).toBe('ready');
    expect(outcome.failures.map((e) => e.ref.name).sort()).toEqual(['apps', 'podinfo']);
  });

  it('times out a Kustomization that never becomes Ready and reports its dependents as blocked, not timed out', async () => {
    const server = await cluster([], layers({ traefik: { hang: true } }));
    const started = Date.now();
    const outcome = await verifyCluster(inputs(server, { timeoutMs: 1500 }));
    const took = Date.now() - started;

    const traefik = entry(outcome, 'Kustomization', 'flux-system', 'traefik');
    expect(traefik.state).toBe('timed-out');
    expect(traefik.message).toBe('reconciliation in progress');
    expect(traefik.file).toBe(rel(join(clusterDir, 'ks', '20-traefik.yaml')));
    const apps = entry(outcome, 'Kustomization', 'flux-system', 'apps');
    expect(apps.state).toBe('blocked');
    expect(apps.message).toContain('blocked by Kustomization flux-system/traefik');
    // The timeout is traefik's own: it started when metallb became Ready, and apps did not wait its own.
    expect(traefik.finishedAt! - traefik.startedAt!).toBeGreaterThanOrEqual(1500);
    expect(apps.finishedAt! - traefik.finishedAt!).toBeLessThan(500);
    expect(took).toBeLessThan(8000);
  });

  it('reports Kustomizations blocked by a failed parent, naming the parent and the root cause', async () => {
    // Flux installed, the layers not yet created (the first sync after a rebuild).
    const server = await cluster(installed(install), layers({ metallb: { fail: { reason: 'BuildFailed', message: "kustomize build failed: accumulating resources from 'ipaddresspool.yaml': no such file" } } }));
    const outcome = await verifyCluster(inputs(server));

    const metallb = entry(outcome, 'Kustomization', 'flux-system', 'metallb');
    expect(metallb).toMatchObject({ state: 'failed', reason: 'BuildFailed' });
    expect(entry(outcome, 'Kustomization', 'flux-system', 'traefik')).toMatchObject({ state: 'blocked', blockedBy: { name: 'metallb' } });
    const apps = entry(outcome, 'Kustomization', 'flux-system', 'apps');
    expect(apps).toMatchObject({ state: 'blocked', blockedBy: { name: 'traefik' }, rootCause: { name: 'metallb' } });
    expect(apps.message).toContain('blocked by Kustomization flux-system/traefik, which is blocked by Kustomization flux-system/metallb');
    expect(apps.message).toContain('kustomize build failed');
    expect(entry(outcome, 'Kustomization', 'flux-system', 'infrastructure').state).toBe('ready');
    // No deploy key Secret in this cluster and none mapped from Bitwarden: said, not hidden.
    expect(outcome.report.gitSecrets?.missing).toEqual(['flux-system/flux-system']);
  });

  it('rides out an API server that answers 503 for a few polls, and gives up when it keeps failing', async () => {
    const server = await cluster(healthyCluster(), layers(), 200, { path: '/apis/helm.toolkit.fluxcd.io/v2/helmreleases', times: 2 });
    const outcome = await verifyCluster(inputs(server));
    expect(outcome.failures).toEqual([]);
    expect(server.requests.filter((r) => r.path === '/apis/helm.toolkit.fluxcd.io/v2/helmreleases').length).toBeGreaterThanOrEqual(3);

    const down = await cluster(healthyCluster(), layers(), 200, { path: '/apis/helm.toolkit.fluxcd.io/v2/helmreleases', times: 100 });
    await expect(verifyCluster(inputs(down))).rejects.toThrow(/kubectl get failed \(exit code 1\) against http:\/\/127\.0\.0\.1:\d+:\n.*(unable to handle the request|ServiceUnavailable)/);
  });

  it('writes the deploy key Secret from Bitwarden values through stdin, never into the log, and leaves a matching one alone', async () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\ncanary-7f3a9-deploy-key\n-----END OPENSSH PRIVATE KEY-----';
    const secrets = SecretSet.fromValues({ FLUX_GIT_IDENTITY: key, FLUX_GIT_KNOWN_HOSTS: 'github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl' });
    const server = await cluster(installed(install), layers());
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    let outcome: ClusterOutcome;
    try {
      outcome = await verifyCluster(inputs(server), secrets);
    } finally {
      spy.mockRestore();
    }
    expect(outcome.report.gitSecrets).toEqual({ applied: ['flux-system/flux-system'], unchanged: [], missing: [] });
    const secret = server.get('', 'secrets', 'flux-system', 'flux-system')!;
    const data = secret.data as Record<string, string>;
    expect(Buffer.from(data.identity!, 'base64').toString()).toBe(`${key}\n`);
    expect(Buffer.from(data.known_hosts!, 'base64').toString()).toMatch(/^github\.com ssh-ed25519 \S+\n$/);
    const log = written.join('').split('\n').filter((l) => !l.startsWith('::add-mask::'));
    expect(log.join('\n')).toContain('Wrote the Git credentials Secret flux-system/flux-system (identity, known_hosts) from Bitwarden.');
    expect(log.join('\n')).not.toContain('canary-7f3a9');
    // The value went in a request body (stdin of kubectl apply -f -), never in a URL.
    expect(server.requests.some((r) => r.path.includes('canary') || r.query.includes('canary'))).toBe(false);

    const before = server.writes().length;
    const again = await verifyCluster(inputs(server, { reconcile: false }), secrets);
    expect(again.report.gitSecrets).toEqual({ applied: [], unchanged: ['flux-system/flux-system'], missing: [] });
    expect(server.writes().length).toBe(before);
  });

  it('upgrades an older Flux to the pinned version', async () => {
    const server = await cluster(installed(installOld), layers());
    const outcome = await verifyCluster(inputs(server));
    expect(outcome.report).toMatchObject({ action: 'upgrade', found: 'v2.8.0', pinned: 'v2.9.4' });
    expect(server.get('apps', 'deployments', 'flux-system', 'kustomize-controller')!.metadata.labels!['app.kubernetes.io/version']).toBe('v2.9.4');
    expect(outcome.failures).toEqual([]);
  });

  it('refuses an install.yaml whose SHA-256 does not match the release checksums, before applying anything', async () => {
    const server = await cluster([], layers());
    await expect(verifyCluster(inputs(server, { fluxVersion: parseVersion('v2.9.5') }))).rejects.toThrow(/SHA-256 of .*\/v2\.9\.5\/install\.yaml is [0-9a-f]{64}, but .*checksums\.txt expects/);
    expect(server.writes()).toEqual([]);
  });

  it('fails clearly when the API server is unreachable (closed port)', async () => {
    const port = await new Promise<number>((done) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => done(p));
      });
    });
    const kubeconfig = join(tmp, 'closed.yaml');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: lab\n  cluster: {server: "https://127.0.0.1:${port}"}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: lab\n  context: {cluster: lab, user: u}\ncurrent-context: lab\n`,
    );
    const error = await verifyCluster(inputs(kubeconfig)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      `Cannot reach the Kubernetes API server https://127.0.0.1:${port} (kubeconfig '${kubeconfig}', context 'lab'): connection refused. Is the cluster up and the server address right?`,
    );
  });

  it('says so when the API server rejects the credentials', async () => {
    const server = await startKubeServer({ failWith: { status: 401, reason: 'Unauthorized', message: 'Unauthorized' } });
    servers.push(server);
    await expect(verifyCluster(inputs(server))).rejects.toThrow(
      new RegExp(`^The Kubernetes API server http://127\\.0\\.0\\.1:\\d+ \\(kubeconfig '.*', context 'loopback'\\) rejected the credentials \\(401 Unauthorized\\)\\.$`),
    );
  });

  it('names the kubeconfig file (and line) when it is missing or broken', async () => {
    const missing = join(tmp, 'nope', 'kubeconfig');
    await expect(verifyCluster(inputs(missing))).rejects.toThrow(`The kubeconfig '${missing}' (input 'kubeconfig') does not exist.`);
    const broken = join(tmp, 'broken.yaml');
    writeFileSync(broken, 'apiVersion: v1\nclusters:\n- name: lab\n  cluster: {server: https://10.0.0.1:6443\n');
    const error = (await verifyCluster(inputs(broken)).catch((e: unknown) => e)) as UserError;
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toMatch(new RegExp(`^The kubeconfig '${broken}' is not valid YAML \\(line \\d\\):`));
    expect(error.file).toBe(broken);
    const noContext = join(tmp, 'nocontext.yaml');
    writeFileSync(noContext, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\ncurrent-context: lab\n');
    await expect(verifyCluster(inputs(noContext))).rejects.toThrow(`The kubeconfig '${noContext}' names current-context 'lab', but has no context of that name.`);
  });
});
