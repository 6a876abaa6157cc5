import { UserError } from '@homelab/toolkit';
import type { NodeTarget } from './nodes';
import type { VmResource } from './proxmox';

/**
 * What to do on each node, from what the cluster already holds. Pure, so that every case is
 * tested without a server. Anything that could destroy something that is not ours (a real VM,
 * a VM id taken on another node) stops the run before a single build starts.
 */

export type Decision =
  | { node: string; vmid: number; action: 'skip'; name: string; reason: string }
  | { node: string; vmid: number; action: 'build'; replace: boolean; reason: string };

export function decide(targets: readonly NodeTarget[], resources: readonly VmResource[], tag: string, force: boolean): Decision[] {
  const problems: string[] = [];
  const decisions = targets.map((t): Decision => {
    const existing = resources.find((r) => r.vmid === t.vmid);
    if (!existing) return { ...t, action: 'build', replace: false, reason: `no VM ${t.vmid} yet` };
    const label = `${existing.type === 'lxc' ? 'container' : 'VM'} ${t.vmid} ('${existing.name}')`;
    if (existing.node !== t.node) {
      problems.push(`${label} exists on node ${existing.node}, but nodes maps ${t.node}=${t.vmid}; VM ids are cluster-wide, give ${t.node} another id.`);
      return { ...t, action: 'build', replace: false, reason: 'conflict' };
    }
    if (existing.type === 'lxc' || !existing.template) {
      problems.push(`${label} on ${t.node} is not a VM template; refusing to replace it. Free VM id ${t.vmid} or map ${t.node} to another id.`);
      return { ...t, action: 'build', replace: false, reason: 'conflict' };
    }
    if (existing.tags.includes(tag)) {
      if (force) return { ...t, action: 'build', replace: true, reason: `up to date (${tag}), rebuilt because force is set` };
      return { ...t, action: 'skip', name: existing.name, reason: `template already carries ${tag}` };
    }
    const old = existing.tags.find((x) => x.startsWith('fp-'));
    return { ...t, action: 'build', replace: true, reason: old ? `template is ${old}, wanted ${tag}` : `template has no fingerprint tag` };
  });
  if (problems.length > 0) throw new UserError(problems.join('\n'));
  return decisions;
}

/** The tags a template keeps after a rebuild: its own, minus any older fingerprint, plus the new one. */
export function withFingerprintTag(tags: readonly string[], tag: string): string[] {
  return [...tags.filter((t) => !t.startsWith('fp-')), tag];
}
