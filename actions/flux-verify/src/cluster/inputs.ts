import { resolve } from 'node:path';
import { getBoolean, getOptionalString, getString, InputError } from '@homelab/toolkit';
import { parseDuration } from './duration';
import { parseVersion, type Version } from './version';

/** The inputs of `mode: cluster` (the dry-run inputs `cluster` and `path` are shared). */
export interface ClusterInputs {
  /** Absolute repository root (GITHUB_WORKSPACE, else the current directory); annotations are relative to it. */
  workspace: string;
  /** Path of the kubeconfig file. */
  kubeconfig: string;
  /** Cluster entry directory (holds flux-system/ and ks/), absolute. */
  cluster: string;
  /** The Kubernetes tree of the repository, searched for the files that define failing objects; absolute. */
  path: string;
  /** An explicit Flux version; undefined: the version pinned in <cluster>/flux-system/. */
  fluxVersion?: Version;
  /** Wait per Kustomization / HelmRelease (and for the controllers after an install). */
  timeoutMs: number;
  pollIntervalMs: number;
  /** Where the release assets live: <url>/v<version>/install.yaml and flux_<version>_checksums.txt. */
  releaseUrl: string;
  /** Expected SHA-256 of install.yaml; undefined: taken from the release's checksums file. */
  installSha256?: string;
  /** Annotate the sources and Kustomizations with reconcile.fluxcd.io/requestedAt first. */
  reconcile: boolean;
  /** The kubectl binary (default: kubectl on PATH). */
  kubectl?: string;
  /** known_hosts for an ssh:// GitRepository when FLUX_GIT_KNOWN_HOSTS is not mapped (public keys). */
  gitKnownHosts?: string;
}

function duration(name: string, fallback: string): number {
  const text = getString(name, { default: fallback });
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new InputError(name, text, "a duration such as '5m', '90s' or '1m30s'");
  return ms;
}

export function readClusterInputs(): ClusterInputs {
  const kubeconfig = getOptionalString('kubeconfig');
  if (kubeconfig === undefined) throw new InputError('kubeconfig', '', "the path of a kubeconfig file (required with mode 'cluster')");
  const versionText = getOptionalString('flux-version');
  let fluxVersion: Version | undefined;
  if (versionText !== undefined) {
    fluxVersion = parseVersion(versionText);
    if (!fluxVersion) throw new InputError('flux-version', versionText, "a Flux release version such as 'v2.9.4'");
  }
  const installSha256 = getOptionalString('flux-install-sha256')?.toLowerCase();
  if (installSha256 !== undefined && !/^[0-9a-f]{64}$/.test(installSha256)) {
    throw new InputError('flux-install-sha256', installSha256, 'a SHA-256 digest of 64 hexadecimal digits');
  }
  const workspace = resolve(process.env.GITHUB_WORKSPACE && process.env.GITHUB_WORKSPACE !== '' ? process.env.GITHUB_WORKSPACE : process.cwd());
  return {
    workspace,
    kubeconfig: resolve(workspace, kubeconfig),
    cluster: resolve(workspace, getString('cluster', { default: 'kubernetes/clusters/production' })),
    path: resolve(workspace, getString('path', { default: 'kubernetes' })),
    fluxVersion,
    timeoutMs: duration('timeout', '5m'),
    pollIntervalMs: duration('poll-interval', '5s'),
    releaseUrl: getString('flux-release-url', { default: 'https://github.com/fluxcd/flux2/releases/download' }).replace(/\/+$/, ''),
    installSha256,
    reconcile: getBoolean('reconcile', { default: true }),
    kubectl: getOptionalString('kubectl'),
    gitKnownHosts: getOptionalString('git-known-hosts'),
  };
}
