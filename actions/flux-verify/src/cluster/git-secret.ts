import { annotate, UserError, type SecretSet } from '@homelab/toolkit';
import type { Kubectl } from './kubectl';
import { info } from './log';
import type { RepoObject } from './repo';

/**
 * The credentials Secret of the bootstrap's GitRepository (what `flux bootstrap` creates next to
 * the sync objects: a deploy key for ssh://, a token for https://). Its values come from Bitwarden
 * through the toolkit; they travel to kubectl on stdin only, never on a command line or in a log.
 */

export const SSH_NAMES = { identity: 'FLUX_GIT_IDENTITY', knownHosts: 'FLUX_GIT_KNOWN_HOSTS' } as const;
export const HTTPS_NAMES = { username: 'FLUX_GIT_USERNAME', password: 'FLUX_GIT_PASSWORD' } as const;

export interface GitSecretResult {
  /** namespace/name of the Secrets written, checked, or missing. */
  applied: string[];
  unchanged: string[];
  missing: string[];
}

function wanted(repo: RepoObject, secrets: SecretSet, knownHosts: string | undefined): Record<string, string> | undefined {
  const url = String((repo.doc.spec as { url?: unknown } | undefined)?.url ?? '');
  if (url.startsWith('ssh://')) {
    if (!secrets.has(SSH_NAMES.identity)) return undefined;
    const hosts = secrets.has(SSH_NAMES.knownHosts) ? secrets.get(SSH_NAMES.knownHosts) : knownHosts;
    if (!hosts) {
      throw new UserError(
        `GitRepository ${repo.namespace}/${repo.name} (${repo.file}:${repo.line}) pulls over SSH: with ${SSH_NAMES.identity} mapped, the known_hosts are needed too (map ${SSH_NAMES.knownHosts} or set the input 'git-known-hosts').`,
      );
    }
    const identity = secrets.get(SSH_NAMES.identity);
    return { identity: identity.endsWith('\n') ? identity : `${identity}\n`, known_hosts: hosts.endsWith('\n') ? hosts : `${hosts}\n` };
  }
  if (!secrets.has(HTTPS_NAMES.password)) return undefined;
  return { username: secrets.has(HTTPS_NAMES.username) ? secrets.get(HTTPS_NAMES.username) : 'git', password: secrets.get(HTTPS_NAMES.password) };
}

export async function ensureGitSecrets(kubectl: Kubectl, sync: readonly RepoObject[], secrets: SecretSet, knownHosts?: string): Promise<GitSecretResult> {
  const result: GitSecretResult = { applied: [], unchanged: [], missing: [] };
  for (const repo of sync.filter((o) => o.kind === 'GitRepository')) {
    const name = (repo.doc.spec as { secretRef?: { name?: unknown } } | undefined)?.secretRef?.name;
    if (typeof name !== 'string') continue;
    const namespace = repo.namespace ?? 'flux-system';
    const id = `${namespace}/${name}`;
    const live = await kubectl.items(['secret', '-n', namespace, name, '--ignore-not-found']);
    const data = wanted(repo, secrets, knownHosts);
    if (!data) {
      if (live.length === 0) {
        result.missing.push(id);
        annotate({
          severity: 'warning',
          file: repo.file,
          line: repo.line,
          message: `GitRepository ${repo.namespace}/${repo.name} needs the Secret ${id}, which does not exist; map ${SSH_NAMES.identity} and ${SSH_NAMES.knownHosts} (ssh) or ${HTTPS_NAMES.password} (https) in 'bitwarden-secrets' to create it.`,
        });
      }
      continue;
    }
    const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    const have = ((live[0]?.data ?? {}) as Record<string, string>);
    if (live.length > 0 && Object.entries(encoded).every(([k, v]) => have[k] === v)) {
      result.unchanged.push(id);
      continue;
    }
    const manifest = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'Opaque', data: encoded };
    await kubectl.run(['apply', '--server-side', '--force-conflicts', '--field-manager=flux-verify', '-f', '-'], { input: JSON.stringify(manifest) });
    info(`Wrote the Git credentials Secret ${id} (${Object.keys(data).join(', ')}) from Bitwarden.`);
    result.applied.push(id);
  }
  return result;
}
