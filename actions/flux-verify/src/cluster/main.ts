import { join, relative, resolve } from 'node:path';
import { annotate, getOptionalString, loadSecrets, privateDir, SecretSet, setOutput, Summary, tempRoot, UserError, writeJsonReport } from '@homelab/toolkit';
import { clusterKustomizations, expectFromRepository } from './expected';
import { ensureGitSecrets } from './git-secret';
import { readClusterInputs, type ClusterInputs } from './inputs';
import { applyManifest, decideInstall, detectFlux, installManifest, waitForControllers, type FluxInstallation, type InstallAction } from './install';
import { inspectKubeconfig } from './kubeconfig';
import { info } from './log';
import { Kubectl } from './kubectl';
import { findPinnedFluxVersion } from './pin';
import { isInside, loadFluxObjects, syncObjects } from './repo';
import { annotateFailures, buildSummary, isFailure, jsonReport, type ClusterReport } from './report';
import { Rollout, stateLabel, type Entry } from './rollout';
import { refName, REQUESTED_AT, type TrackedKind } from './status';
import { RESOURCES, waitForRollout } from './poll';
import { ensureSyncObjects } from './sync';
import { formatVersion, type Version } from './version';

export interface ClusterOutcome {
  report: ClusterReport;
  failures: Entry[];
  installation: FluxInstallation;
}

/** Entry point of `mode: cluster`, called by the action's main. */
export async function runClusterMode(): Promise<void> {
  const inputs = readClusterInputs();
  let outcome: ClusterOutcome;
  try {
    outcome = await verifyCluster(inputs, await loadSecrets());
  } catch (err) {
    // The job summary says why there is no table (runMain prints the failure itself).
    if (err instanceof UserError) await new Summary().heading('Flux on the cluster: not verified', 2).code(err.message).write();
    throw err;
  }
  const { report, failures } = outcome;
  await buildSummary(report).write();
  annotateFailures(report.entries);
  const reportPath = resolve(inputs.workspace, getOptionalString('report') ?? join(tempRoot(), 'flux-verify-report.json'));
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
export async function verifyCluster(inputs: ClusterInputs, secrets: SecretSet = SecretSet.empty()): Promise<ClusterOutcome> {
  const started = Date.now();
  const fluxSystemDir = join(inputs.cluster, 'flux-system');
  const pin = pinnedVersion(inputs, fluxSystemDir);
  const sync = syncObjects(fluxSystemDir, inputs.workspace);
  if (!sync.some((o) => o.kind === 'Kustomization')) {
    throw new UserError(`No Flux Kustomization in ${relative(inputs.workspace, fluxSystemDir) || fluxSystemDir}: expected the bootstrap's sync objects (a GitRepository and the root Kustomization, e.g. gotk-sync.yaml).`);
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

  // 2. The bootstrap's Git credentials and sync objects.
  const gitSecrets = await ensureGitSecrets(kubectl, sync, secrets, inputs.gitKnownHosts);
  const syncResult = await ensureSyncObjects(kubectl, sync);
  info(syncResult.applied.length > 0 ? `Applied the sync objects: ${syncResult.applied.join(', ')}.` : 'The sync objects already match the repository.');

  // 3. What must become Ready, from the repository.
  const repoObjects = loadFluxObjects(inputs.path, inputs.workspace);
  if (!isInside(join(inputs.cluster, 'x'), inputs.path)) repoObjects.push(...loadFluxObjects(inputs.cluster, inputs.workspace));
  const token = inputs.reconcile ? new Date().toISOString() : undefined;
  const rollout = new Rollout({ timeoutMs: inputs.timeoutMs, token, origin: Date.now() });
  expectFromRepository(rollout, inputs, sync, await clusterKustomizations(kubectl, inputs, repoObjects));

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
    gitSecrets,
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
      `No Flux version is pinned in ${relative(inputs.workspace, fluxSystemDir)}: expected a '# renovate: datasource=github-releases depName=fluxcd/flux2' comment with the version on the next line (or a gotk-components.yaml), or set the input 'flux-version'.`,
    );
  }
  return { version: pin.version, from: `${relative(inputs.workspace, pin.file)}:${pin.line}` };
}

