import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatMs, privateDir, UserError } from '@homelab/toolkit';
import type { Kubectl } from './kubectl';
import { info } from './log';
import { compareVersions, formatVersion, parseVersion, type Version } from './version';

/** The Flux controllers and CRDs found in the cluster. */
export interface FluxInstallation {
  /** The oldest controller version (app.kubernetes.io/version), undefined when Flux is absent. */
  version?: Version;
  controllers: { name: string; version?: string; available: boolean; message: string }[];
  /** Names of the Flux CRDs, e.g. kustomizations.kustomize.toolkit.fluxcd.io. */
  crds: string[];
  /** CRDs the API server does not serve yet (condition Established not True). */
  crdsPending: string[];
}

export type InstallAction = 'none' | 'install' | 'upgrade' | 'newer';

const REQUIRED_CONTROLLERS = ['source-controller', 'kustomize-controller'];
const REQUIRED_CRDS = ['gitrepositories.source.toolkit.fluxcd.io', 'kustomizations.kustomize.toolkit.fluxcd.io'];
export const FLUX_SELECTOR = 'app.kubernetes.io/part-of=flux';

/** One kubectl call: the Flux Deployments and CRDs (both carry app.kubernetes.io/part-of=flux). */
export async function detectFlux(kubectl: Kubectl): Promise<FluxInstallation> {
  const items = await kubectl.items(['deployments.apps,customresourcedefinitions.apiextensions.k8s.io', '--all-namespaces', '-l', FLUX_SELECTOR]);
  const controllers: FluxInstallation['controllers'] = [];
  const crds: string[] = [];
  const crdsPending: string[] = [];
  let oldest: Version | undefined;
  for (const item of items) {
    const metadata = (item.metadata ?? {}) as { name?: string; labels?: Record<string, string> };
    if (item.kind === 'CustomResourceDefinition') {
      if (!metadata.name) continue;
      crds.push(metadata.name);
      const conditions = ((item.status ?? {}) as { conditions?: { type?: string; status?: string }[] }).conditions ?? [];
      if (!conditions.some((c) => c.type === 'Established' && c.status === 'True')) crdsPending.push(metadata.name);
      continue;
    }
    const versionText = metadata.labels?.['app.kubernetes.io/version'];
    const version = versionText ? parseVersion(versionText) : undefined;
    if (version && (!oldest || compareVersions(version, oldest) < 0)) oldest = version;
    controllers.push({ name: metadata.name ?? '', version: versionText, ...deploymentAvailability(item) });
  }
  const complete = REQUIRED_CONTROLLERS.every((c) => controllers.some((d) => d.name === c)) && REQUIRED_CRDS.every((c) => crds.includes(c));
  return { version: complete ? oldest : undefined, controllers: controllers.sort((a, b) => a.name.localeCompare(b.name)), crds: crds.sort(), crdsPending };
}

export function decideInstall(installed: FluxInstallation, pinned: Version): InstallAction {
  if (!installed.version) return 'install';
  const c = compareVersions(installed.version, pinned);
  return c < 0 ? 'upgrade' : c > 0 ? 'newer' : 'none';
}

/** kubectl rollout status's rule: the current generation observed, every replica updated and available. */
export function deploymentAvailability(item: Record<string, unknown>): { available: boolean; message: string } {
  const metadata = (item.metadata ?? {}) as { generation?: number };
  const spec = (item.spec ?? {}) as { replicas?: number };
  const status = (item.status ?? {}) as {
    observedGeneration?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: { type?: string; status?: string; message?: string }[];
  };
  const replicas = spec.replicas ?? 1;
  const conditions = status.conditions ?? [];
  const failure = conditions.find((c) => (c.type === 'Progressing' || c.type === 'ReplicaFailure') && c.status === 'False');
  if ((status.observedGeneration ?? 0) < (metadata.generation ?? 1)) return { available: false, message: 'new generation not observed yet' };
  if ((status.updatedReplicas ?? 0) < replicas) return { available: false, message: `${status.updatedReplicas ?? 0} of ${replicas} replicas updated${failure?.message ? `: ${failure.message}` : ''}` };
  if ((status.availableReplicas ?? 0) < replicas) return { available: false, message: `${status.availableReplicas ?? 0} of ${replicas} replicas available${failure?.message ? `: ${failure.message}` : ''}` };
  return { available: true, message: 'available' };
}

export interface InstallManifest {
  file: string;
  /** Where it came from, for the report. */
  origin: string;
  sha256: string;
}

/**
 * The manifests of one Flux release. When the repository holds the bootstrap's
 * gotk-components.yaml, that reviewed file is the install (its `# Flux Version:` header must be
 * the pinned version). Otherwise the release's install.yaml is downloaded and its SHA-256
 * checked against `flux-install-sha256` or the release's checksums file before kubectl sees it.
 */
export async function installManifest(options: { fluxSystemDir: string; version: Version; releaseUrl: string; sha256?: string }): Promise<InstallManifest> {
  const local = join(options.fluxSystemDir, 'gotk-components.yaml');
  const tag = formatVersion(options.version);
  if (existsSync(local)) {
    const text = readFileSync(local, 'utf8');
    const header = /^#\s*Flux Version:\s*(\S+)/m.exec(text);
    const version = header ? parseVersion(header[1]!) : undefined;
    if (!version || compareVersions(version, options.version) !== 0) {
      throw new UserError(`${local} installs Flux ${header?.[1] ?? '(no "# Flux Version:" header)'}, but the pinned version is ${tag}; regenerate it for ${tag}.`, { file: local, line: 1 });
    }
    return { file: local, origin: local, sha256: sha256(text) };
  }
  const base = `${options.releaseUrl}/${tag}`;
  const manifestUrl = `${base}/install.yaml`;
  const body = await download(manifestUrl);
  const digest = sha256(body);
  let expected = options.sha256;
  let expectedFrom = "input 'flux-install-sha256'";
  if (!expected) {
    const checksumsUrl = `${base}/flux_${tag.slice(1)}_checksums.txt`;
    const checksums = (await download(checksumsUrl)).toString('utf8');
    const line = checksums.split('\n').find((l) => /^[0-9a-f]{64}\s+\*?install\.yaml$/.test(l.trim()));
    if (!line) throw new UserError(`${checksumsUrl} lists no checksum for install.yaml; set the input 'flux-install-sha256' to the expected SHA-256 of ${manifestUrl}.`);
    expected = line.trim().slice(0, 64);
    expectedFrom = checksumsUrl;
  }
  if (digest !== expected) {
    throw new UserError(`The SHA-256 of ${manifestUrl} is ${digest}, but ${expectedFrom} expects ${expected}: refusing to install it.`);
  }
  const file = join(privateDir('flux-install-'), 'install.yaml');
  writeFileSync(file, body, { mode: 0o600 });
  return { file, origin: manifestUrl, sha256: digest };
}

async function download(url: string): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new UserError(`Cannot download ${url}: ${cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err))}`);
  }
  if (!response.ok) throw new UserError(`Cannot download ${url}: HTTP ${response.status} ${response.statusText}`);
  return Buffer.from(await response.arrayBuffer());
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Server-side apply of the release manifests; returns kubectl's one line per object. */
export async function applyManifest(kubectl: Kubectl, file: string): Promise<string[]> {
  const result = await kubectl.run(['apply', '--server-side', '--force-conflicts', '--field-manager=flux-verify', '-f', file]);
  return result.stdout.split('\n').filter((l) => l.trim() !== '');
}

/** Wait until every Flux controller Deployment is available and every CRD served, or fail naming what is not. */
export async function waitForControllers(kubectl: Kubectl, options: { timeoutMs: number; pollIntervalMs: number }): Promise<FluxInstallation> {
  const started = Date.now();
  let reported = '';
  for (;;) {
    const installation = await detectFlux(kubectl);
    const pending = installation.controllers.filter((c) => !c.available);
    if (installation.controllers.length > 0 && pending.length === 0 && installation.crdsPending.length === 0) return installation;
    const line =
      [...pending.map((c) => `${c.name} (${c.message})`), ...installation.crdsPending.map((c) => `CRD ${c} (not established)`)].join(', ') || 'no controller Deployment yet';
    if (line !== reported) {
      info(`  waiting for the Flux controllers: ${line}`);
      reported = line;
    }
    if (Date.now() - started >= options.timeoutMs) {
      throw new UserError(`The Flux controllers did not become available within ${formatMs(options.timeoutMs)}: ${line}.`);
    }
    await new Promise((r) => setTimeout(r, options.pollIntervalMs));
  }
}
