import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { getBoolean, getEnum, getInteger, getList, getMap, getOptionalString, getString, InputError } from '@homelab/toolkit';

export const HOST_KEY_POLICIES = ['pinned', 'accept-new'] as const;
export type HostKeyPolicy = (typeof HOST_KEY_POLICIES)[number];

export interface Inputs {
  inventory: string;
  playbook: string;
  checkMode: boolean;
  limit?: string;
  tags: string[];
  skipTags: string[];
  extraVars: Record<string, string>;
  /** Where the playbook writes the kubeconfig; undefined: a private file under RUNNER_TEMP. */
  kubeconfigPath?: string;
  knownHosts?: string;
  hostKeyPolicy: HostKeyPolicy;
  timeoutMinutes: number;
  workspace: string;
}

/** Variables the action sets itself; the workflow must not pass them in extra-vars. */
export const RESERVED_VARS: Record<string, string> = {
  k3s_token: "the join token comes from Bitwarden: map it with '<secret-uuid> > K3S_TOKEN' in bitwarden-secrets",
  k3s_kubeconfig_local_path: "use the 'kubeconfig-path' input",
  ansible_ssh_private_key_file: "the SSH key comes from Bitwarden: map it with '<secret-uuid> > SSH_PRIVATE_KEY' in bitwarden-secrets",
  ansible_password: 'a password never goes in a workflow file',
  ansible_become_password: 'a password never goes in a workflow file',
};

function existingFile(input: string, value: string, workspace: string): string {
  const path = isAbsolute(value) ? value : resolve(workspace, value);
  if (!existsSync(path)) throw new InputError(input, value, `a file that exists (looked for ${path})`);
  if (!statSync(path).isFile()) throw new InputError(input, value, `a file, not a directory (${path})`);
  return path;
}

export function readInputs(): Inputs {
  const workspace = process.env.GITHUB_WORKSPACE && process.env.GITHUB_WORKSPACE !== '' ? process.env.GITHUB_WORKSPACE : process.cwd();
  const inventory = existingFile('inventory', getString('inventory'), workspace);
  const playbook = existingFile('playbook', getString('playbook', { default: 'ansible/site.yml' }), workspace);
  const extraVars = getMap('extra-vars', { default: {} });
  for (const key of Object.keys(extraVars)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new InputError('extra-vars', key, 'variable names of letters, digits and _ (not starting with a digit)');
    const why = RESERVED_VARS[key];
    if (why) throw new InputError('extra-vars', `${key}=...`, `no '${key}' here: ${why}`);
  }
  const hostKeyPolicy = getEnum('host-key-policy', HOST_KEY_POLICIES, { default: 'pinned' });
  const knownHosts = getOptionalString('known-hosts');
  if (hostKeyPolicy === 'pinned' && knownHosts === undefined) {
    throw new InputError(
      'known-hosts',
      '',
      "the nodes' SSH host keys (known_hosts lines, e.g. from `ssh-keyscan -t ed25519 <ip>` run on a trusted network), or host-key-policy: accept-new to trust each node's key on first use",
    );
  }
  const kubeconfig = getOptionalString('kubeconfig-path');
  return {
    inventory,
    playbook,
    checkMode: getBoolean('check-mode', { default: false }),
    limit: getOptionalString('limit'),
    tags: getList('tags', { default: [] }),
    skipTags: getList('skip-tags', { default: [] }),
    extraVars,
    kubeconfigPath: kubeconfig === undefined ? undefined : isAbsolute(kubeconfig) ? kubeconfig : resolve(workspace, kubeconfig),
    knownHosts,
    hostKeyPolicy,
    timeoutMinutes: getInteger('timeout-minutes', { min: 1, max: 720, default: 60 }),
    workspace,
  };
}
