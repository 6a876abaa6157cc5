import { describe, expect, it } from 'vitest';
import { parseNodes } from '../src/nodes';
import { decide, withFingerprintTag } from '../src/plan';
import type { VmResource } from '../src/proxmox';

const targets = parseNodes({ pve1: '9000', pve2: '9001' });
const vm = (v: Partial<VmResource> & { vmid: number; node: string }): VmResource => ({ name: `t${v.vmid}`, type: 'qemu', template: true, tags: [], ...v });

describe('decide', () => {
  it('builds where nothing exists and skips a template with the fingerprint tag', () => {
    const d = decide(targets, [vm({ vmid: 9000, node: 'pve1', tags: ['packer', 'fp-aaa'] })], 'fp-aaa', false);
    expect(d.map((x) => [x.node, x.action])).toEqual([
      ['pve1', 'skip'],
      ['pve2', 'build'],
    ]);
    expect(d[1]).toMatchObject({ replace: false });
  });

  it('replaces a template with another fingerprint, or any when forced', () => {
    const resources = [vm({ vmid: 9000, node: 'pve1', tags: ['fp-old'] }), vm({ vmid: 9001, node: 'pve2', tags: ['fp-new'] })];
    expect(decide(targets, resources, 'fp-new', false).map((x) => [x.action, x.action === 'build' && x.replace])).toEqual([
      ['build', true],
      ['skip', false],
    ]);
    expect(decide(targets, resources, 'fp-new', true).every((x) => x.action === 'build' && x.replace)).toBe(true);
  });

  it('refuses to replace a VM that is not a template, or an id used on another node', () => {
    expect(() => decide(targets, [vm({ vmid: 9001, node: 'pve2', template: false, name: 'db' })], 'fp-a', false)).toThrow(/VM 9001 \('db'\) on pve2 is not a VM template; refusing/);
    expect(() => decide(targets, [vm({ vmid: 9001, node: 'pve1' })], 'fp-a', true)).toThrow(/exists on node pve1, but nodes maps pve2=9001/);
    expect(() => decide(targets, [vm({ vmid: 9000, node: 'pve1', type: 'lxc' })], 'fp-a', false)).toThrow(/container 9000/);
  });

  it('swaps the fingerprint tag and keeps the others', () => {
    expect(withFingerprintTag(['packer', 'fp-old', 'ubuntu'], 'fp-new')).toEqual(['packer', 'ubuntu', 'fp-new']);
  });
});

describe('parseNodes', () => {
  it('rejects shared ids, bad ids and bad names with the offending line', () => {
    expect(() => parseNodes({ pve1: '9000', pve2: '9000' })).toThrow(/9000 is already pve1's/);
    expect(() => parseNodes({ pve1: '90' })).toThrow(/VM id from 100/);
    expect(() => parseNodes({ 'pve 1': '9000' })).toThrow(/Proxmox node name/);
  });
});
