import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDestructive } from '../src/guard';
import { classifyActions, parsePlan, PlanFormatError, plannedOutput } from '../src/plan';

// Plans recorded with the real terraform by test/fixtures/record-plans.mjs.
const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', 'plans', `${name}.json`), 'utf8');
const byAddress = (name: string) => new Map(parsePlan(fixture(name)).resources.map((r) => [r.address, r]));
const node = (n: number) => `terraform_data.vm["k3s-node-0${n}"]`;

describe('parsePlan on recorded terraform show -json', () => {
  it('reads a first apply as three creates and output creations', () => {
    const plan = parsePlan(fixture('create'));
    expect(plan.terraformVersion).toMatch(/^1\.\d+\.\d+/);
    expect(plan.resources.map((r) => [r.address, r.action])).toEqual([
      [node(1), 'create'],
      [node(2), 'create'],
      [node(3), 'create'],
    ]);
    expect(plan.counts).toMatchObject({ create: 3, update: 0, replace: 0, delete: 0 });
    expect(plan.outputs).toEqual([
      { name: 'inventory', action: 'create', sensitive: false },
      { name: 'nodes', action: 'create', sensitive: false },
    ]);
    expect(plan.hasChanges).toBe(true);
  });

  it('reads a plan without changes as no-ops only', () => {
    const plan = parsePlan(fixture('no-changes'));
    expect(plan.resources.every((r) => r.action === 'no-op')).toBe(true);
    expect(plan.counts['no-op']).toBe(3);
    expect(plan.hasChanges).toBe(false);
  });

  it('reads a new template id as an in-place update of the pve1 nodes, naming the changed attributes', () => {
    const changes = byAddress('update');
    expect(changes.get(node(1))?.action).toBe('update');
    expect(changes.get(node(2))?.action).toBe('no-op');
    expect(changes.get(node(3))?.action).toBe('update');
    expect(changes.get(node(1))?.changedAttributes).toEqual(['input', 'output']);
  });

  it('reads a node moved to another host as a delete-then-create replace with its reason and forcing path', () => {
    const replaced = byAddress('replace').get(node(3))!;
    expect(replaced).toMatchObject({ action: 'replace', replaceOrder: 'delete-then-create', reason: 'replace_because_cannot_update' });
    expect(replaced.replacePaths).toEqual(['triggers_replace']);
    expect(parsePlan(fixture('replace')).counts).toMatchObject({ replace: 1, 'no-op': 2 });
  });

  it('reads create_before_destroy replaces, deferred reads and moved addresses', () => {
    const changes = byAddress('replace-create-before-destroy');
    expect(changes.get('terraform_data.cbd')).toMatchObject({ action: 'replace', replaceOrder: 'create-then-delete' });
    expect(changes.get('data.terraform_remote_state.peer')).toMatchObject({ action: 'read', mode: 'data', reason: 'read_because_config_unknown' });
    expect(changes.get('terraform_data.renamed')).toMatchObject({ action: 'no-op', previousAddress: 'terraform_data.original' });
  });

  it('reads removed nodes as deletes with terraform reason', () => {
    const plan = parsePlan(fixture('delete'));
    expect(plan.resources.filter((r) => r.action === 'delete').map((r) => [r.address, r.reason])).toEqual([
      [node(2), 'delete_because_each_key'],
      [node(3), 'delete_because_each_key'],
    ]);
  });

  it('never carries attribute values, even for a plan that holds a sensitive variable in clear', () => {
    const text = fixture('update-sensitive');
    // The recorded plan does hold the rotated key in clear: that is why the action keeps it private.
    expect(text).toContain('AAAAIRotated');
    const plan = parsePlan(text);
    expect(plan.counts.update).toBe(3);
    expect(JSON.stringify(plan)).not.toMatch(/Rotated|[0-9a-f]{64}/);
  });

  it('exposes planned output values that are known at plan time', () => {
    const doc = JSON.parse(fixture('create')) as object;
    const inventory = plannedOutput(doc, 'inventory');
    expect(inventory).toMatchObject({ known: true, sensitive: false });
    expect(String(inventory?.value)).toContain('ansible_host');
    // The nodes output holds ids that terraform_data only knows after apply.
    expect(plannedOutput(doc, 'nodes')).toMatchObject({ known: false });
    expect(plannedOutput(doc, 'absent')).toBeUndefined();
  });

  it('rejects what is not a plan and action lists it does not know', () => {
    expect(() => parsePlan('{"values": {}}')).toThrow(PlanFormatError);
    expect(() => parsePlan('not json')).toThrow(/not JSON/);
    expect(() => parsePlan({ format_version: '2.0' })).toThrow(/not supported/);
    expect(() => classifyActions(['delete', 'update'])).toThrow(/unknown action list \[delete,update\]/);
    const broken = JSON.parse(fixture('create')) as { resource_changes: { change: { actions?: string[] } }[] };
    delete broken.resource_changes[1]!.change.actions;
    expect(() => parsePlan(broken)).toThrow(/resource_changes\[1\].*has no change.actions/);
  });
});

describe('checkDestructive', () => {
  const replacePlan = parsePlan(fixture('replace')).resources;
  const deletePlan = parsePlan(fixture('delete')).resources;

  it('blocks a replace or delete of a protected type unless allowed', () => {
    expect(checkDestructive(replacePlan, ['terraform_data'], false)).toMatchObject({ allowed: false, blocked: [{ address: node(3) }] });
    expect(checkDestructive(deletePlan, ['terraform_data'], false).blocked.map((r) => r.address)).toEqual([node(2), node(3)]);
    expect(checkDestructive(replacePlan, ['terraform_data'], true)).toMatchObject({ allowed: true, blocked: [{ address: node(3) }] });
  });

  it('lets other types, updates and creates through', () => {
    expect(checkDestructive(replacePlan, ['proxmox_virtual_environment_vm'], false)).toEqual({ allowed: true, blocked: [] });
    expect(checkDestructive(parsePlan(fixture('update')).resources, ['terraform_data'], false)).toEqual({ allowed: true, blocked: [] });
    expect(checkDestructive(parsePlan(fixture('create')).resources, ['terraform_data'], false).allowed).toBe(true);
  });
});
