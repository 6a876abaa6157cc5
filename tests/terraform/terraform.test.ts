import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * terraform/ checked offline with the REAL terraform: formatting, the cluster-plan module's
 * `terraform test` suite, its validation messages, the committed node data, and the root module's
 * wiring. Nothing here may reach the network: no provider is installed (the CLI config points
 * provider installation at an empty mirror) and checkpoint calls are off.
 */

const repo = join(__dirname, '..', '..');
const terraformDir = join(repo, 'terraform');
const modulePath = join(terraformDir, 'modules', 'cluster-plan');
const run = promisify(execFile);

let tmp: string;
let env: Record<string, string>;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function terraform(args: string[], cwd: string, dataDir = join(tmp, `data-${Math.random().toString(36).slice(2)}`)): Promise<Result> {
  try {
    const { stdout, stderr } = await run('terraform', args, { cwd, env: { ...env, TF_DATA_DIR: dataDir }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const ARCHITECTURE_NODES = {
  'k3s-node-01': { proxmox_host: 'pve1', role: 'general', ip: '192.168.10.50', vm_id: 1050 },
  'k3s-node-02': { proxmox_host: 'pve2', role: 'general', ip: '192.168.10.51', vm_id: 1051 },
  'k3s-node-03': { proxmox_host: 'pve1', role: 'storage', ip: '192.168.10.52', vm_id: 1052 },
};

/** A root module around cluster-plan, so that a plan shows the module's own error messages. */
function wrapper(name: string, vars: object): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'main.tf'),
    `variable "nodes" {}\nvariable "template_ids" {}\nmodule "cluster" {\n  source       = "${modulePath}"\n  nodes        = var.nodes\n  template_ids = var.template_ids\n}\noutput "inventory_yaml" {\n  value = module.cluster.inventory_yaml\n}\noutput "vms" {\n  value = module.cluster.vms\n}\n`,
  );
  writeFileSync(join(dir, 'vars.tfvars.json'), JSON.stringify(vars));
  return dir;
}

async function planError(name: string, nodes: object, templateIds: object = { pve1: 9000, pve2: 9001 }): Promise<string> {
  const dir = wrapper(name, { nodes, template_ids: templateIds });
  const data = join(tmp, `${name}-data`);
  expect((await terraform(['init', '-input=false', '-no-color', '-backend=false'], dir, data)).code).toBe(0);
  const result = await terraform(['plan', '-input=false', '-no-color', '-var-file=vars.tfvars.json'], dir, data);
  expect(result.code, result.stdout).toBe(1);
  return result.stderr.replace(/\s+/g, ' ');
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'terraform-tests-'));
  mkdirSync(join(tmp, 'empty-mirror'));
  const cli = join(tmp, 'offline.tfrc');
  writeFileSync(cli, `provider_installation {\n  filesystem_mirror {\n    path    = "${join(tmp, 'empty-mirror')}"\n    include = ["*/*/*"]\n  }\n}\n`);
  env = { PATH: process.env.PATH ?? '', HOME: tmp, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: cli };
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('terraform/ (offline, real terraform)', () => {
  it('is formatted (terraform fmt -check -recursive), fixtures included', async () => {
    for (const dir of [terraformDir, join(repo, 'actions', 'terraform-apply', 'test', 'fixtures')]) {
      const result = await terraform(['fmt', '-check', '-recursive', '-diff', '-no-color', dir], repo);
      expect(result.code, `${dir} needs terraform fmt:\n${result.stdout}`).toBe(0);
    }
  });

  it('passes the cluster-plan terraform test suite, every run block included', async () => {
    const testsDir = join(modulePath, 'tests');
    const runBlocks = readdirSync(testsDir)
      .filter((f) => f.endsWith('.tftest.hcl'))
      .reduce((n, f) => n + (readFileSync(join(testsDir, f), 'utf8').match(/^run "/gm) ?? []).length, 0);
    expect(runBlocks).toBeGreaterThanOrEqual(19);
    const result = await terraform(['test', '-no-color'], modulePath);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`Success! ${runBlocks} passed, 0 failed.`);
  });

  it('rejects bad node data with messages that name the node and the rule', async () => {
    const with02 = (patch: object) => ({ ...ARCHITECTURE_NODES, 'k3s-node-02': { ...ARCHITECTURE_NODES['k3s-node-02'], ...patch } });
    const { 'k3s-node-03': _dropped, ...two } = ARCHITECTURE_NODES;
    const [metallb, outside, gateway, dupIp, dupId, host, even, template] = await Promise.all([
      planError('metallb', with02({ ip: '192.168.10.210' })),
      planError('outside', with02({ ip: '10.0.0.5' })),
      planError('gateway', with02({ ip: '192.168.10.1' })),
      planError('dup-ip', with02({ ip: '192.168.10.50' })),
      planError('dup-id', with02({ vm_id: 1050 })),
      planError('host', with02({ proxmox_host: 'pve9' }), { pve1: 9000, pve2: 9001, pve9: 9002 }),
      planError('even', two),
      planError('template', ARCHITECTURE_NODES, { pve1: 9000 }),
    ]);
    expect(metallb).toContain('IPs inside the MetalLB pool 192.168.10.200-192.168.10.250: k3s-node-02 (192.168.10.210)');
    expect(outside).toContain('IPs must be IPv4 addresses inside 192.168.10.0/24 (the K3s VLAN); outside: k3s-node-02 (10.0.0.5)');
    expect(gateway).toContain('k3s-node-02 (192.168.10.1) uses the network, broadcast or gateway address');
    expect(dupIp).toContain('duplicate IPs: 192.168.10.50');
    expect(dupId).toContain('duplicate VM ids (unique across the Proxmox cluster): 1050');
    expect(host).toContain('unknown Proxmox host for k3s-node-02 (pve9); known hosts: pve1, pve2');
    expect(even).toContain('their number must be odd (1, 3, 5...) to keep a quorum; got 2');
    expect(template).toContain('template_ids: no template for pve2');
  });

  it('plans the committed nodes.auto.tfvars into the architecture: zones, roles, addresses, inventory', async () => {
    const dir = wrapper('committed', { template_ids: { pve1: 9000, pve2: 9001 } });
    cpSync(join(terraformDir, 'nodes.auto.tfvars'), join(dir, 'nodes.auto.tfvars'));
    const data = join(tmp, 'committed-data');
    expect((await terraform(['init', '-input=false', '-no-color', '-backend=false'], dir, data)).code).toBe(0);
    const plan = await terraform(['plan', '-input=false', '-no-color', '-var-file=vars.tfvars.json', '-out=plan.tfplan'], dir, data);
    expect(plan.code, plan.stderr).toBe(0);
    const shown = JSON.parse((await terraform(['show', '-json', 'plan.tfplan'], dir, data)).stdout) as {
      planned_values: { outputs: { vms: { value: Record<string, Record<string, unknown>> }; inventory_yaml: { value: string } } };
    };
    const vms = shown.planned_values.outputs.vms.value;
    const table = Object.entries(vms).map(([name, vm]) => [name, vm.proxmox_host, vm.role, vm.ip, vm.vlan_id, vm.gateway, vm.template_id]);
    expect(table).toEqual([
      ['k3s-node-01', 'pve1', 'general', '192.168.10.50', 10, '192.168.10.1', 9000],
      ['k3s-node-02', 'pve2', 'general', '192.168.10.51', 10, '192.168.10.1', 9001],
      ['k3s-node-03', 'pve1', 'storage', '192.168.10.52', 10, '192.168.10.1', 9000],
    ]);
    const inventory = shown.planned_values.outputs.inventory_yaml.value;
    expect(inventory).toContain('"k3s_servers":');
    expect(inventory).toMatch(/"k3s-node-03":\n\s+"ansible_host": "192.168.10.52"/);
    expect(inventory).toContain('"node.homelab.dev/role": "storage"');
    // Ansible itself reads it: group k3s_servers in node order, the host variables the k3s role uses.
    const inventoryFile = join(dir, 'inventory.yml');
    writeFileSync(inventoryFile, inventory);
    const { stdout } = await run('ansible-inventory', ['-i', inventoryFile, '--list'], { env: { PATH: process.env.PATH ?? '', HOME: tmp, ANSIBLE_LOCAL_TEMP: join(tmp, 'ansible-tmp') } });
    const listed = JSON.parse(stdout) as { k3s_servers: { hosts: string[] }; _meta: { hostvars: Record<string, Record<string, unknown>> } };
    expect(listed.k3s_servers.hosts).toEqual(['k3s-node-01', 'k3s-node-02', 'k3s-node-03']);
    expect(listed._meta.hostvars['k3s-node-02']).toMatchObject({ ansible_host: '192.168.10.51', k3s_role: 'general', k3s_zone: 'pve2', vm_id: 1051 });
    // The host variables ansible/roles/k3s reads.
    expect(inventory).toMatch(/"k3s-node-03":\n(\s+"[^\n]+\n)*?\s+"k3s_role": "storage"\n\s+"k3s_zone": "pve1"/);
    expect(inventory).toContain('"topology.kubernetes.io/zone": "pve2"');
  });

  it('root module: parses, wires cluster-plan and pins bpg/proxmox ~> 0.111 (backend swapped for local; the provider cannot be installed here)', async () => {
    const dir = join(tmp, 'root');
    cpSync(terraformDir, dir, { recursive: true });
    // An override file replaces only the backend: the S3 backend would need its bucket at init.
    writeFileSync(join(dir, 'backend_override.tf'), 'terraform {\n  backend "local" {}\n}\n');
    const data = join(tmp, 'root-data');
    const init = await terraform(['init', '-input=false', '-no-color'], dir, data);
    // Expected to stop at provider installation: no registry and an empty mirror.
    expect(init.code).toBe(1);
    expect(init.stdout).toContain('- cluster in modules/cluster-plan');
    expect(init.stderr).toContain('provider registry.terraform.io/bpg/proxmox was not found');
    const providers = await terraform(['providers', '-no-color'], dir, data);
    expect(providers.code, providers.stderr).toBe(0);
    expect(providers.stdout).toContain('provider[registry.terraform.io/bpg/proxmox] ~> 0.111');
    expect(providers.stdout).toContain('module.cluster');
  });

  it('root module: S3 backend with native locking and no location or credentials in git', () => {
    const versions = readFileSync(join(terraformDir, 'versions.tf'), 'utf8');
    expect(versions).toMatch(/required_version\s*=\s*">= 1\.10"/);
    const backend = /backend "s3" \{([^}]*)\}/.exec(versions)?.[1] ?? '';
    expect(backend).toMatch(/^\s*use_lockfile\s*=\s*true\s*$/m);
    expect(backend).not.toMatch(/^\s*(bucket|key|region|endpoints?|access_key|secret_key)\s*=/m);
    const sources = readdirSync(terraformDir).filter((f) => /\.(tf|tfvars)$/.test(f));
    for (const f of sources) {
      expect(readFileSync(join(terraformDir, f), 'utf8'), f).not.toMatch(/(api_token|access_key|secret_key|password)\s*=|PVEAPIToken|ssh-(ed25519|rsa) AAAA[0-9A-Za-z+/]{20,}/);
    }
  });
});
