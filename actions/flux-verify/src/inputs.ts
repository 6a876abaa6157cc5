import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
}

export function readInputs(): Inputs {
  const mode = getEnum('mode', ['dry-run', 'cluster'] as const, { default: 'dry-run' });
  const workspace = resolve(process.env.GITHUB_WORKSPACE && process.env.GITHUB_WORKSPACE !== '' ? process.env.GITHUB_WORKSPACE : process.cwd());
  const path = getString('path', { default: 'kubernetes' });
  const cluster = getString('cluster', { default: 'kubernetes/clusters/production' });
  const strictSubstitution = getBoolean('strict-substitution', { default: true });
  const report = resolve(workspace, getOptionalString('report') ?? join(tempRoot(), 'flux-verify-report.json'));
  if (mode === 'dry-run') {
    requireDir('path', path, workspace);
    requireDir('cluster', cluster, workspace);
  }
  return { workspace, path, cluster, mode, strictSubstitution, report };
}

function requireDir(input: string, value: string, workspace: string): void {
  const abs = resolve(workspace, value);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new InputError(input, value, `a directory relative to ${workspace} (${abs} does not exist)`);
  if (!abs.startsWith(workspace)) throw new InputError(input, value, `a directory inside the repository ${workspace}`);
}
