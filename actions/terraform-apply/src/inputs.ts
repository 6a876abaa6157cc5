import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { getBoolean, getEnum, getList, getMap, getOptionalString, getString, InputError } from '@homelab/toolkit';
import { SECRET_BACKEND_SETTINGS, type BackendSettings } from './backend';
import { parseTemplateIds } from './template-ids';

export interface Inputs {
  workingDirectory: string;
  mode: 'plan' | 'apply';
  templateIds?: Record<string, number>;
  varFiles: string[];
  backend: BackendSettings;
  allowDestroy: boolean;
  protectedTypes: string[];
  /** Go duration for terraform's -lock-timeout. */
  lockTimeout: string;
  lockTimeoutMs: number;
  /** Per terraform command. */
  timeoutMs: number;
  inventoryPath?: string;
  inventoryOutput: string;
  nodesOutput: string;
  cliConfigFile?: string;
  /** undefined: no plugin cache. */
  pluginCacheDir?: string;
  terraform?: string;
}

const DURATION = /^(\d+)(s|m|h)$/;

/** "90s", "5m", "1h" -> milliseconds. */
export function parseDuration(name: string, value: string): number {
  const m = DURATION.exec(value.trim());
  if (!m) throw new InputError(name, value, "a duration such as '30s', '5m' or '1h'");
  const unit = { s: 1_000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

function workspacePath(path: string): string {
  return isAbsolute(path) ? path : resolve(process.env.GITHUB_WORKSPACE || process.cwd(), path);
}

export function readInputs(): Inputs {
  const workingDirectory = workspacePath(getString('working-directory', { default: 'terraform' }));
  if (!existsSync(workingDirectory) || !statSync(workingDirectory).isDirectory()) {
    throw new InputError('working-directory', workingDirectory, 'a directory holding the Terraform root module');
  }
  const mode = getEnum('mode', ['plan', 'apply'], { default: 'plan' });
  const templateIds = parseTemplateIds(getOptionalString('template-ids') ?? '');
  const varFiles = getList('var-files', { default: [] }).map((f) => {
    const path = isAbsolute(f) ? f : resolve(workingDirectory, f);
    if (!existsSync(path)) throw new InputError('var-files', f, `an existing .tfvars file (relative to ${workingDirectory})`);
    return path;
  });

  const extra = getMap('backend-config', { default: {} });
  for (const name of Object.keys(extra)) {
    if (SECRET_BACKEND_SETTINGS.includes(name)) {
      throw new InputError(
        'backend-config',
        `${name}=<hidden>`,
        `non-secret settings only; map the credential from Bitwarden to AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY instead (terraform stores backend settings in .terraform/ and in plan files)`,
      );
    }
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new InputError('backend-config', name, 'backend setting names (lowercase letters, digits, _)');
  }
  const endpoint = getOptionalString('backend-endpoint');
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) throw new InputError('backend-endpoint', endpoint, 'an http(s):// URL of the S3-compatible server');
  const backend: BackendSettings = {
    bucket: getOptionalString('backend-bucket'),
    key: getOptionalString('backend-key'),
    region: getOptionalString('backend-region'),
    endpoint,
    extra,
  };

  const lockTimeout = getString('lock-timeout', { default: '5m' });
  const lockTimeoutMs = parseDuration('lock-timeout', lockTimeout);
  const timeoutMs = parseDuration('timeout', getString('timeout', { default: '60m' }));
  if (timeoutMs <= lockTimeoutMs) {
    throw new InputError('timeout', getString('timeout', { default: '60m' }), `a duration longer than 'lock-timeout' (${lockTimeout})`);
  }

  const protectedTypes = getList('protected-types', { default: ['proxmox_virtual_environment_vm'] });
  for (const t of protectedTypes) {
    if (!/^[a-z][a-z0-9_]*$/.test(t)) throw new InputError('protected-types', t, 'resource type names such as proxmox_virtual_environment_vm');
  }

  const cache = getOptionalString('plugin-cache-dir');
  let pluginCacheDir: string | undefined;
  if (cache === undefined) {
    pluginCacheDir = process.env.RUNNER_TOOL_CACHE ? resolve(process.env.RUNNER_TOOL_CACHE, 'terraform-plugin-cache') : undefined;
  } else if (cache !== 'off') {
    pluginCacheDir = workspacePath(cache);
  }

  const cliConfigFile = getOptionalString('cli-config-file');
  if (cliConfigFile !== undefined && !existsSync(workspacePath(cliConfigFile))) {
    throw new InputError('cli-config-file', cliConfigFile, 'an existing terraform CLI configuration file');
  }

  const inventoryPath = getOptionalString('inventory-path');
  return {
    workingDirectory,
    mode,
    templateIds,
    varFiles,
    backend,
    allowDestroy: getBoolean('allow-destroy', { default: false }),
    protectedTypes,
    lockTimeout,
    lockTimeoutMs,
    timeoutMs,
    inventoryPath: inventoryPath === undefined ? undefined : workspacePath(inventoryPath),
    inventoryOutput: getString('inventory-output', { default: 'inventory' }),
    nodesOutput: getString('nodes-output', { default: 'nodes' }),
    cliConfigFile: cliConfigFile === undefined ? undefined : workspacePath(cliConfigFile),
    pluginCacheDir,
    terraform: getOptionalString('terraform'),
  };
}
