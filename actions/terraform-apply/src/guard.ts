import type { ResourceChange } from './plan';

export interface GuardResult {
  /** Changes that delete or replace a protected resource type. */
  blocked: ResourceChange[];
  allowed: boolean;
}

/**
 * A plan that deletes or replaces a protected resource (by default a Proxmox VM, i.e. a cluster
 * node and its disks) is applied only when the operator said so with allow-destroy.
 */
export function checkDestructive(resources: readonly ResourceChange[], protectedTypes: readonly string[], allowDestroy: boolean): GuardResult {
  const types = new Set(protectedTypes);
  const blocked = resources.filter((r) => r.mode === 'managed' && types.has(r.type) && (r.action === 'delete' || r.action === 'replace'));
  return { blocked, allowed: blocked.length === 0 || allowDestroy };
}
