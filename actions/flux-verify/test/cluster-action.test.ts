import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotations, nodeRuntimes, runAction } from '@homelab/toolkit/testing';
import { fluxControllers, startFileServer, startKubeServer, type KubeServer, type ScriptedObject } from './support/kube-server';

/**
 * The bundled action (dist/index.js, `mode: cluster`) run like the runner runs it, against a
 * loopback Kubernetes API through the real kubectl: the workspace is the fixture repository, so
 * the inputs `cluster` and `path` keep their defaults.
 */

const fixtures = join(import.meta.dirname, 'fixtures', 'cluster');
const workspace = join(fixtures, 'repo');
const install = readFileSync(join(fixtures, 'install-v2.9.4.yaml'));

let tmp: string;
let releases: Awaited<ReturnType<typeof startFileServer>>;
const servers: KubeServer[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'flux-cluster-action-'));
  releases = await startFileServer({
    '/v2.9.4/install.yaml': install,
    '/v2.9.4/flux_2.9.4_checksums.txt': `${createHash('sha256').update(install).digest('hex')}  install.yaml\n`,
  });
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await releases.close();
  rmSync(tmp, { recursive: true, force: true });
});

function script(podinfoFails: boolean): ScriptedObject[] {
  const ks = (name: string, dependsOn?: string[]): ScriptedObject => ({
    kind: 'Kustomization',
    namespace: 'flux-system',
    name,
    createdBy: 'flux-system/flux-system',
    dependsOn,
    readyAfterMs: 100,
    spec: { interval: '30m', path: `./kubernetes/${name}`, prune: true, sourceRef: { kind: 'GitRepository', name: 'flux-system' } },
  });
  return [
    { kind: 'GitRepository', namespace: 'flux-system', name: 'flux-system', readyAfterMs: 50 },
    { kind: 'Kustomization', namespace: 'flux-system', name: 'flux-system', readyAfterMs: 50 },
    ks('infrastructure'),
    ks('metallb', ['infrastructure']),
    ks('traefik', ['metallb']),
    { ...ks('apps', ['traefik']), ...(podinfoFails ? { fail: { reason: 'HealthCheckFailed', message: 'health check failed: HelmRelease/apps/podinfo status: Failed' } } : {}) },
    { kind: 'HelmRelease', namespace: 'traefik', name: 'traefik', createdBy: 'flux-system/traefik', readyAfterMs: 50 },
    {
      kind: 'HelmRelease',
      namespace: 'apps',
      name: 'podinfo',
      createdBy: 'flux-system/apps',
      readyAfterMs: 50,
      ...(podinfoFails ? { fail: { reason: 'InstallFailed', message: 'Helm install failed for release apps/podinfo: image pull back-off' } } : {}),
    },
  ];
}

async function run(podinfoFails: boolean, node?: string) {
  const server = await startKubeServer({ controller: fluxControllers(script(podinfoFails), { controllersAfterMs: 100 }) });
  servers.push(server);
  const result = await runAction('flux-verify', {
    cwd: workspace,
    node,
    inputs: {
      mode: 'cluster',
      kubeconfig: server.kubeconfig(mkdtempSync(join(tmp, 'kc-'))),
      timeout: '5s',
      'poll-interval': '100ms',
      'flux-release-url': releases.url,
    },
    timeoutMs: 60_000,
  });
  return { server, result };
}

describe('the bundled action in mode cluster', () => {
  for (const runtime of nodeRuntimes()) {
    it(`bootstraps Flux on an empty cluster and reports every layer Ready (${runtime.name})`, async () => {
      const { server, result } = await run(false, runtime.path);
      expect(result.exitCode, `${result.stdout.slice(-3000)}\n${result.stderr}`).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.outputs).toMatchObject({ 'flux-version': 'v2.9.4', 'flux-action': 'install', kustomizations: '5', helmreleases: '2', 'not-ready': '0' });
      expect(server.get('apps', 'deployments', 'flux-system', 'source-controller')).toBeDefined();
      // Live progress, in dependency order.
      const lines = result.stdout.split('\n').filter((l) => / ready after /.test(l));
      const order = lines.map((l) => /(Kustomization|HelmRelease|GitRepository) (\S+)/.exec(l)![2]);
      expect(order.indexOf('flux-system/metallb')).toBeLessThan(order.indexOf('flux-system/traefik'));
      expect(order.indexOf('flux-system/traefik')).toBeLessThan(order.indexOf('flux-system/apps'));
      expect(result.summary).toContain('## Flux on the cluster: every layer is Ready');
      expect(result.summary).toContain('Flux installed v2.9.4 (pinned in kubernetes/clusters/production/flux-system/flux-version.yaml:4)');
      expect(result.summary).toMatch(/\| flux-system\/metallb \| ✅ ready \| [^|]+ \| Applied revision: master@sha1:0123456789abcdef \| kubernetes\/clusters\/production\/ks\/10-metallb\.yaml:2 \|/);
      expect(result.summary).toContain('```mermaid');
      expect(result.summary).toMatch(/Total time: [\d.]+ (ms|s)/);
      const report = JSON.parse(readFileSync(result.outputs.report!, 'utf8')) as { objects: { state: string }[] };
      expect(report.objects).toHaveLength(8);
      expect(report.objects.every((o) => o.state === 'ready')).toBe(true);
    });
  }

  it('fails with exit code 1, the controller messages in the summary and annotations at the defining files', async () => {
    const { result } = await run(true);
    expect(result.exitCode).toBe(1);
    expect(result.outputs['not-ready']).toBe('2');
    const errors = annotations(result.stdout).filter((a) => a.level === 'error');
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'kubernetes/apps/podinfo/helmrelease.yaml', line: 2, title: 'HelmRelease apps/podinfo failed', message: 'InstallFailed: Helm install failed for release apps/podinfo: image pull back-off' }),
        expect.objectContaining({ file: 'kubernetes/clusters/production/ks/90-apps.yaml', line: 2, title: 'Kustomization flux-system/apps failed' }),
        expect.objectContaining({ message: '2 of 8 Flux objects are not Ready: Kustomization flux-system/apps failed; HelmRelease apps/podinfo failed.' }),
      ]),
    );
    expect(result.summary).toContain('## Flux on the cluster: 2 not ready');
    expect(result.summary).toContain('| apps/podinfo | ❌ failed |');
    expect(result.summary).toMatch(/class [^\n]*n_HelmRelease_apps_podinfo[^\n]* failed/);
  });

  it('fails with one clear message when the API server is unreachable', async () => {
    const port = await new Promise<number>((done) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => done(p));
      });
    });
    const kubeconfig = join(tmp, 'closed-port.yaml');
    writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: lab, cluster: {server: "https://127.0.0.1:${port}"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: lab, context: {cluster: lab, user: u}}]\ncurrent-context: lab\n`);
    const result = await runAction('flux-verify', { cwd: workspace, inputs: { mode: 'cluster', kubeconfig } });
    expect(result.exitCode).toBe(1);
    expect(annotations(result.stdout).map((a) => a.message)).toEqual([
      `Cannot reach the Kubernetes API server https://127.0.0.1:${port} (kubeconfig '${kubeconfig}', context 'lab'): connection refused. Is the cluster up and the server address right?`,
    ]);
    expect(result.stdout).not.toMatch(/at .*\.js:\d+/);
    expect(result.summary).toContain('## Flux on the cluster: not verified');
    expect(result.summary).toContain(`Cannot reach the Kubernetes API server https://127.0.0.1:${port}`);
  });

  it('names the kubeconfig file when it does not exist', async () => {
    const missing = join(tmp, 'missing-kubeconfig');
    const result = await runAction('flux-verify', { cwd: workspace, inputs: { mode: 'cluster', kubeconfig: missing } });
    expect(result.exitCode).toBe(1);
    expect(annotations(result.stdout).map((a) => a.message)).toEqual([`The kubeconfig '${missing}' (input 'kubeconfig') does not exist.`]);
  });
});
