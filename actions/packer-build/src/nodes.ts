import { InputError } from '@homelab/toolkit';

export interface NodeTarget {
  node: string;
  vmid: number;
}

/**
 * The `nodes` input: one `<proxmox node>=<template vm id>` per line, e.g. `pve1=9000`. VM ids are
 * unique across a Proxmox cluster, so two nodes can never share one.
 */
export function parseNodes(map: Record<string, string>, input = 'nodes'): NodeTarget[] {
  const targets: NodeTarget[] = [];
  const byId = new Map<number, string>();
  for (const [node, value] of Object.entries(map)) {
    if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(node)) {
      throw new InputError(input, `${node}=${value}`, `a Proxmox node name (letters, digits, '-', '.') before '='`);
    }
    if (!/^\d+$/.test(value) || Number(value) < 100 || Number(value) > 999_999_999) {
      throw new InputError(input, `${node}=${value}`, `a VM id from 100 to 999999999 after '=' (e.g. ${node}=9000)`);
    }
    const vmid = Number(value);
    const other = byId.get(vmid);
    if (other !== undefined) {
      throw new InputError(input, `${node}=${value}`, `a VM id not used by another node; ${vmid} is already ${other}'s (VM ids are cluster-wide)`);
    }
    byId.set(vmid, node);
    targets.push({ node, vmid });
  }
  return targets;
}
