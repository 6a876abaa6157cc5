import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setSecret } from '@actions/core';
import { getBoolean, getEnum, getOptionalString, getString, InputError, tempRoot } from '@homelab/toolkit';

export interface Inputs {
  /** Absolute repository root (GITHUB_WORKSPACE, else the current directory). */
  workspace: string;
  /** Tree to verify, relative to the workspace. */
  path: string;
  /** Cluster entry directory, relative to the workspace. */
  cluster: string;
  mode: 'dry-run' | 'cluster';
  strictSubstitution: boolean;
  /** Absolute path of the JSON report. */
  report: string;
  /** Pull-request mode: the branch or commit the PR merges into (unset: plain dry-run). */
  baseRef?: string;
  /** Token for the sticky PR comment (unset: no comment, with a notice). */
  githubToken?: string;
  /** In pull-request mode, build only the Kustomizations the change can affect. */
  changedOnly: boolean;
}

export function readInputs(): Inputs {
  const mode = getEnum('mode', ['dry-run', 'cluster'] as const, { default: 'dry-run' });
  const workspace = resolve(process.env.GITHUB_WORKSPACE && process.env.GITHUB_WORKSPACE !== '' ? process.env.GITHUB_WORKSPACE : process.cwd());
  const path = getString('path', { default: 'kubernetes' });
  const cluster = getString('cluster', { default: 'kubernetes/clusters/production' });
  const strictSubstitution = getBoolean('strict-substitution', { default: true });
  const report = resolve(workspace, getOptionalString('report') ?? join(tempRoot(), 'flux-verify-report.json'));
  const baseRef = getOptionalString('base-ref');
  const githubToken = getOptionalString('github-token');
  // The runner masks github.token already; this also covers a personal token passed in.
  if (githubToken) setSecret(githubToken);
  const changedOnly = getBoolean('changed-only', { default: true });
  if (mode === 'dry-run') {
    requireDir('path', path, workspace);
    requireDir('cluster', cluster, workspace);
  }
  return { workspace, path, cluster, mode, strictSubstitution, report, baseRef, githubToken, changedOnly };
}

function requireDir(input: string, value: string, workspace: string): void {
  const abs = resolve(workspace, value);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new InputError(input, value, `a directory relative to ${workspace} (${abs} does not exist)`);
  if (!abs.startsWith(workspace)) throw new InputError(input, value, `a directory inside the repository ${workspace}`);
}
