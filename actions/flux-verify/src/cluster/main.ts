import { join, normalize, resolve } from 'node:path';
import { annotate, formatMs, getOptionalString, privateDir, setOutput, tempRoot, UserError, writeJsonReport } from '@homelab/toolkit';
import { readClusterInputs, type ClusterInputs } from './inputs';
import { applyManifest, decideInstall, detectFlux, installManifest, waitForControllers, type FluxInstallation, type InstallAction } from './install';
import { inspectKubeconfig } from './kubeconfig';
import { info } from './log';
import { Kubectl } from './kubectl';
import { findPinnedFluxVersion } from './pin';
import { isInside, loadFluxObjects, syncObjects, type RepoObject } from './repo';
import { annotateFailures, buildSummary, isFailure, jsonReport, type ClusterReport } from './report';
import { Rollout, stateLabel, type Entry, type Transition } from './rollout';
import { parseLive, refKey, refName, REQUESTED_AT, type ObjectRef, type TrackedKind } from './status';
import { ensureSyncObjects } from './sync';
import { formatVersion, type Version } from './version';

/** Resource names kubectl is asked for, per tracked kind (only those whose CRD exists). */
const RESOURCES: Record<TrackedKind, string> = {
  GitRepository: 'gitrepositories.source.toolkit.fluxcd.io',
  OCIRepository: 'ocirepositories.source.toolkit.fluxcd.io',
  Kustomization: 'kustomizations.kustomize.toolkit.fluxcd.io',
  HelmRelease: 'helmreleases.helm.toolkit.fluxcd.io',
};

export interface ClusterOutcome {
  report: ClusterReport;
  failures: Entry[];
  installation: FluxInstallation;
}

/** Entry point of `mode: cluster`, called by the action's main. */
export async function runClusterMode(): Promise<void> {
  const inputs = readClusterInputs();
  const outcome = await verifyCluster(inputs);
  const { report, failures } = outcome;
  await buildSummary(report).write();
  annotateFailures(report.entries);
  const reportPath = getOptionalString('report') ?? join(tempRoot(), 'flux-verify-cluster.json');
  writeJsonReport(reportPath, jsonReport(report));
  setOutput('report', reportPath);
  setOutput('flux-version', report.action === 'newer' ? (report.found ?? report.pinned) : report.pinned);
  setOutput('flux-action', report.action);
  setOutput('kustomizations', report.entries.filter((e) => e.ref.kind === 'Kustomization').length);
  setOutput('helmreleases', report.entries.filter((e) => e.ref.kind === 'HelmRelease').length);
  setOutput('not-ready', failures.length);
  if (failures.length > 0) {
    const list = failures.map((e) => `${e.ref.kind} ${refName(e.ref)} ${stateLabel(e.state)}`).join('; ');
    throw new UserError(`${failures.length} of ${report.entries.length} Flux objects are not Ready: ${list}.`);
  }
}

/** Install or upgrade Flux when needed, sync, request a reconcile and wait for every layer. */
export async function verifyCluster(inputs: ClusterInputs): Promise<ClusterOutcome> {
  const started = Date.now();
  const fluxSystemDir = join(inputs.cluster, 'flux-system');
  const pin = pinnedVersion(inputs, fluxSystemDir);
  const sync = syncObjects(fluxSystemDir);
  if (!sync.some((o) => o.kind === 'Kustomization')) {
    throw new UserError(`No Flux Kustomization in ${fluxSystemDir}: expected the bootstrap's sync objects (a GitRepository and the root Kustomization, e.g. gotk-sync.yaml).`);
  }
  const config = inspectKubeconfig(inputs.kubeconfig);
  const kubectl = new Kubectl(config, { cacheDir: privateDir('kubectl-cache-'), binary: inputs.kubectl });
  const serverVersion = await kubectl.json<{ serverVersion?: { gitVersion?: string } }>(['version']);
  info(`Kubernetes API ${config.server} (context ${config.context}): ${serverVersion.serverVersion?.gitVersion ?? 'unknown version'}`);

  // 1. Flux itself.
  let installation = await detectFlux(kubectl);
  const found = installation.version ? formatVersion(installation.version) : undefined;
  const action: InstallAction = decideInstall(installation, pin.version);
  let installOrigin: string | undefined;
  const tag = formatVersion(pin.version);
  if (action === 'install' || action === 'upgrade') {
    info(action === 'install' ? `Flux is not installed: installing ${tag}.` : `Flux ${found} is older than the pinned ${tag}: upgrading.`);
    const manifest = await installManifest({ fluxSystemDir, version: pin.version, releaseUrl: inputs.releaseUrl, sha256: inputs.installSha256 });
    installOrigin = manifest.origin;
    info(`  manifests: ${manifest.origin} (sha256 ${manifest.sha256})`);
    const applied = await applyManifest(kubectl, manifest.file);
    info(`  applied ${applied.length} objects`);
    installation = await waitForControllers(kubectl, inputs);
  } else {
    if (action === 'newer') annotate({ severity: 'warning', message: `Flux ${found} is installed, newer than the pinned ${tag} (${pin.from}); not downgrading.` });
    else info(`Flux ${tag} is installed.`);
    if (installation.controllers.some((c) => !c.available) || installation.crdsPending.length > 0) installation = await waitForControllers(kubectl, inputs);
  }

  // 2. The bootstrap's sync objects.
  const syncResult = await ensureSyncObjects(kubectl, sync);
  info(syncResult.applied.length > 0 ? `Applied the sync objects: ${syncResult.applied.join(', ')}.` : 'The sync objects already match the repository.');

  // 3. What must become Ready, from the repository.
  const repoObjects = loadFluxObjects(inputs.path);
  if (!isInside(resolve(inputs.cluster, 'x'), inputs.path)) repoObjects.push(...loadFluxObjects(inputs.cluster));
  const token = inputs.reconcile ? new Date().toISOString() : undefined;
  const rollout = new Rollout({ timeoutMs: inputs.timeoutMs, token });
  expectFromRepository(rollout, inputs.cluster, sync, repoObjects);

  // 4. Ask for a reconcile now, like `flux reconcile ks flux-system --with-source`.
  const kinds = (Object.keys(RESOURCES) as TrackedKind[]).filter((k) => installation.crds.includes(RESOURCES[k]));
  if (token) {
    const targets = kinds.filter((k) => k !== 'HelmRelease').map((k) => RESOURCES[k]);
    await kubectl.run(['annotate', '--overwrite', '--all', '--all-namespaces', targets.join(','), `${REQUESTED_AT}=${token}`]);
    info(`Requested a reconcile of every source and Kustomization (${REQUESTED_AT}=${token}).`);
  }

  // 5. Wait, polling, reporting every change.
  await waitForRollout(kubectl, rollout, kinds, repoObjects, inputs, started);
  const entries = rollout.ordered();
  const report: ClusterReport = {
    server: config.server,
    pinned: tag,
    pinnedFrom: pin.from,
    found,
    action,
    installOrigin,
    syncApplied: syncResult.applied,
    reconcileRequested: token !== undefined,
    entries,
    started,
    finished: Date.now(),
    kubectlCalls: kubectl.calls,
  };
  return { report, failures: entries.filter(isFailure), installation };
}

function pinnedVersion(inputs: ClusterInputs, fluxSystemDir: string): { version: Version; from: string } {
  if (inputs.fluxVersion) return { version: inputs.fluxVersion, from: "input 'flux-version'" };
  const pin = findPinnedFluxVersion(fluxSystemDir);
  if (!pin) {
    throw new UserError(
      `No Flux version is pinned in ${fluxSystemDir}: expected a '# renovate: datasource=github-releases depName=fluxcd/flux2' comment with the version on the next line (or a gotk-components.yaml), or set the input 'flux-version'.`,
    );
  }
  return { version: pin.version, from: `${pin.file}:${pin.line}` };
}

function ref(kind: TrackedKind, o: RepoObject, defaultNamespace = 'flux-system'): ObjectRef {
  return { kind, name: o.name, namespace: o.namespace ?? defaultNamespace };
}

/**
 * The repository's promise: the sync objects, and every Flux Kustomization under the cluster
 * directory, which the root Kustomization (the one whose path is that directory) creates.
 */
function expectFromRepository(rollout: Rollout, clusterDir: string, sync: readonly RepoObject[], repo: readonly RepoObject[]): void {
  const want = normalize(clusterDir).replace(/\/+$/, '');
  const roots = sync.filter((o) => o.kind === 'Kustomization');
  const root =
    roots.find((o) => normalize(String((o.doc.spec as { path?: unknown } | undefined)?.path ?? '')).replace(/\/+$/, '') === want) ?? (roots.length === 1 ? roots[0] : undefined);
  const rootRef = root ? ref('Kustomization', root) : undefined;
  for (const o of sync) {
    if (o.kind !== 'GitRepository' && o.kind !== 'OCIRepository' && o.kind !== 'Kustomization') continue;
    rollout.expect(ref(o.kind, o), { ...specRefs(o), file: o.file, line: o.line });
  }
  const syncKeys = new Set(sync.map((o) => `${o.kind}/${o.namespace}/${o.name}`));
  for (const o of repo) {
    if (o.kind !== 'Kustomization' || !isInside(o.file, clusterDir)) continue;
    const r = ref('Kustomization', o);
    if (syncKeys.has(refKey(r))) continue;
    rollout.expect(r, { ...specRefs(o), creator: rootRef, file: o.file, line: o.line });
  }
}

function specRefs(o: RepoObject): { dependsOn?: ObjectRef[]; source?: ObjectRef } {
  const spec = (o.doc.spec ?? {}) as { dependsOn?: { name?: string; namespace?: string }[]; sourceRef?: { kind?: string; name?: string; namespace?: string } };
  const namespace = o.namespace ?? 'flux-system';
  const dependsOn = (spec.dependsOn ?? [])
    .filter((d) => typeof d?.name === 'string')
    .map((d) => ({ kind: 'Kustomization' as const, name: d.name!, namespace: d.namespace ?? namespace }));
  const s = spec.sourceRef;
  const sourceKind = s?.kind === 'GitRepository' || s?.kind === 'OCIRepository' ? s.kind : undefined;
  const source: ObjectRef | undefined = s && sourceKind && s.name ? { kind: sourceKind, name: s.name, namespace: s.namespace ?? namespace } : undefined;
  return o.kind === 'Kustomization' ? { dependsOn, source } : {};
}

/** Where the repository defines a live object: same kind and name, the namespace when the file sets one. */
function locator(repo: readonly RepoObject[]): (entry: Entry) => RepoObject | undefined {
  return (entry) => {
    const candidates = repo.filter((o) => o.kind === entry.ref.kind && o.name === entry.ref.name);
    return candidates.find((o) => o.namespace === entry.ref.namespace) ?? (candidates.length === 1 && candidates[0]!.namespace === undefined ? candidates[0] : undefined);
  };
}

async function waitForRollout(kubectl: Kubectl, rollout: Rollout, kinds: TrackedKind[], repo: readonly RepoObject[], inputs: ClusterInputs, started: number): Promise<void> {
  const locate = locator(repo);
  const resources = kinds.map((k) => RESOURCES[k]).join(',');
  const heartbeatMs = Math.max(30_000, inputs.pollIntervalMs * 6);
  let lastHeartbeat = Date.now();
  let first = true;
  info(`Waiting for every Flux object (timeout ${formatMs(inputs.timeoutMs)} each, polling every ${formatMs(inputs.pollIntervalMs)}):`);
  for (;;) {
    const items = await kubectl.items([resources, '--all-namespaces']);
    const live = items.map(parseLive).filter((o) => o !== undefined);
    const now = Date.now();
    const transitions = rollout.update(live, now);
    for (const entry of rollout.ordered()) {
      const where = entry.file === undefined ? locate(entry) : undefined;
      if (where) rollout.locate(entry.ref, where.file, where.line);
    }
    if (first) {
      first = false;
      const all = rollout.ordered();
      info(`Tracking ${all.length} objects, in dependency order: ${all.map((e) => `${e.ref.kind} ${refName(e.ref)}`).join(', ')}`);
    }
    for (const t of transitions) if (t.entry.state !== 'waiting') info(progressLine(t, now - started));
    if (rollout.done()) return;
    if (now - lastHeartbeat >= heartbeatMs) {
      lastHeartbeat = now;
      const open = rollout.ordered().filter((e) => e.state === 'progressing' || e.state === 'waiting');
      info(`[${clock(now - started)}] still waiting for ${open.length}: ${open.map((e) => `${e.ref.kind} ${refName(e.ref)}${e.message ? ` (${e.message})` : ''}`).join('; ')}`);
    }
    await new Promise((r) => setTimeout(r, inputs.pollIntervalMs));
  }
}

const MARK: Record<Entry['state'], string> = { ready: '✅', failed: '❌', 'timed-out': '⏱️', blocked: '⛔', waiting: '⏳', progressing: '🔄' };

function progressLine(t: Transition, elapsedMs: number): string {
  const e = t.entry;
  const took = e.finishedAt !== undefined && e.startedAt !== undefined && e.state !== 'blocked' ? ` after ${formatMs(e.finishedAt - e.startedAt)}` : '';
  const state = stateLabel(e.state);
  const detail = e.state === 'ready' ? '' : [e.reason, e.message].filter(Boolean).join(': ');
  return `[${clock(elapsedMs)}] ${MARK[e.state]} ${e.ref.kind} ${refName(e.ref)} ${state}${took}${detail ? ` — ${detail}` : ''}`;
}

function clock(ms: number): string {
  return `${(ms / 1000).toFixed(1).padStart(6)}s`;
}
