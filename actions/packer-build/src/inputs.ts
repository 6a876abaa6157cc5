import { InputError, getBoolean, getInteger, getMap, getOptionalString, getString } from '@homelab/toolkit';
import { parseNodes, type NodeTarget } from './nodes';

export interface Inputs {
  templateDir: string;
  nodes: NodeTarget[];
  variables: Record<string, string>;
  only?: string;
  force: boolean;
  concurrency: number;
  endpoint: string;
  insecureTls: boolean;
  packerVersion?: string;
  packerPath?: string;
  buildTimeoutMinutes: number;
}

/** Variables the action sets itself; passing them in `variables` would silently fight with it. */
const RESERVED = new Set(['node', 'vm_id', 'fingerprint', 'proxmox_url', 'proxmox_insecure_tls', 'proxmox_username', 'proxmox_token', 'ssh_public_key', 'build_ssh_public_key', 'build_ssh_private_key_file']);

export function readInputs(): Inputs {
  const variables = getMap('variables', { default: {} });
  for (const name of Object.keys(variables)) {
    if (RESERVED.has(name)) {
      throw new InputError('variables', `${name}=...`, `no '${name}': the action sets it (secrets come from Bitwarden, node and vm_id from input 'nodes')`);
    }
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw new InputError('variables', name, 'Packer variable names (letters, digits, _ and -)');
  }
  const packerVersion = getOptionalString('packer-version');
  if (packerVersion !== undefined && !/^v?\d+\.\d+(\.\d+)?$/.test(packerVersion)) {
    throw new InputError('packer-version', packerVersion, 'a minimum Packer version such as 1.11.0');
  }
  return {
    templateDir: getString('template-dir', { default: 'packer' }),
    nodes: parseNodes(getMap('nodes', { default: { pve1: '9000', pve2: '9001' } })),
    variables,
    only: getOptionalString('only'),
    force: getBoolean('force', { default: false }),
    concurrency: getInteger('concurrency', { min: 1, max: 16, default: 2 }),
    endpoint: getString('proxmox-endpoint'),
    insecureTls: getBoolean('insecure-tls', { default: false }),
    packerVersion,
    packerPath: getOptionalString('packer-path'),
    buildTimeoutMinutes: getInteger('build-timeout-minutes', { min: 1, max: 24 * 60, default: 120 }),
  };
}
