import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { annotations, BitwardenServer, nodeRuntimes, readTree, runAction, type ActionRun } from '@homelab/toolkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The bundled action (dist/) end-to-end with the REAL terraform on provider-free fixture modules
 * and a local backend whose state lives in a temp dir, secrets from a loopback Bitwarden server.
 * The scenarios share one state and run in order, like successive workflow runs.
 */

const fixtures = join(__dirname, 'fixtures', 'modules');
const NODES = (node3Host: string) => `nodes = {
  "k3s-node-01" = { proxmox_host = "pve1", ip = "192.168.10.50" }
  "k3s-node-02" = { proxmox_host = "pve2", ip = "192.168.10.51" }
  "k3s-node-03" = { proxmox_host = "${node3Host}", ip = "192.168.10.52" }
}
`;
// Values only the loopback Bitwarden server knows; they must never show up anywhere.
const CANARY_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICanaryKeyNeverInLogs canary';
const CANARY_AWS = 'CanaryAwsSecretNeverInLogs0123456789';

let root: string;
let ws: string;
let statePath: string;
let bitwarden: BitwardenServer;
let baseInputs: Record<string, string>;
let secretInputs: Record<string, string>;
const runs: ActionRun[] = [];

async function action(inputs: Record<string, string>, options: { cwd?: string; node?: string } = {}): Promise<ActionRun> {
  const main = await runAction('terraform-apply', { inputs: { ...baseInputs, ...inputs }, cwd: options.cwd ?? ws, node: options.node });
  runs.push(main);
  return main;
}

async function post(main: ActionRun): Promise<ActionRun> {
  const run = await runAction('terraform-apply', { entry: 'post', previous: main });
  runs.push(run);
  return run;
}

const state = () => readFileSync(statePath, 'utf8');
const resources = () =>
  (
    JSON.parse(state()) as {
      // terraform_data stores its dynamic values as {value, type}.
      resources: { name: string; instances: { index_key: string; attributes: { triggers_replace: { value: string[] }; input: { value: { template: number } } } }[] }[];
    }
  ).resources;
const instance = (key: string) => resources()[0]!.instances.find((i) => i.index_key === key)!;
const failure = (run: ActionRun) => annotations(run.stdout).filter((a) => a.level === 'error').map((a) => a.message).join('\n');

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'terraform-apply-e2e-'));
  ws = join(root, 'ws');
  mkdirSync(ws);
  cpSync(join(fixtures, 'nodes'), join(ws, 'nodes'), { recursive: true });
  statePath = join(root, 'state', 'nodes.tfstate');
  mkdirSync(join(root, 'state'));
  bitwarden = await BitwardenServer.start();
  const key = bitwarden.addSecret({ key: 'ssh-public-key', value: CANARY_KEY });
  const id = bitwarden.addSecret({ key: 'minio-access-key', value: 'CanaryAccessKeyId' });
  const secret = bitwarden.addSecret({ key: 'minio-secret-key', value: CANARY_AWS });
  baseInputs = {
    'working-directory': 'nodes',
    'backend-config': `path=${statePath}`,
    'protected-types': 'terraform_data',
    'template-ids': JSON.stringify({ pve1: { vmid: 9000, built: true }, pve2: { vmid: 9001, built: false } }),
    'plugin-cache-dir': 'off',
    'lock-timeout': '1s',
    timeout: '2m',
  };
  // Only the runs about secrets fetch them (see withSecrets).
  secretInputs = {
    'bitwarden-access-token': bitwarden.mintAccessToken(),
    'bitwarden-server': bitwarden.url,
    'bitwarden-secrets': `${key.id} > TF_VAR_ssh_public_key\n${id.id} > AWS_ACCESS_KEY_ID\n${secret.id} > AWS_SECRET_ACCESS_KEY`,
  };
  expect(existsSync(join(__dirname, '..', 'dist', 'index.js')), 'run node scripts/bundle.mjs terraform-apply').toBe(true);
});

afterAll(async () => {
  await bitwarden?.close();
  if (root) rmSync(root, { recursive: true, force: true });
  // runAction's work dirs (runner files, RUNNER_TEMP).
  for (const run of runs) rmSync(dirname(run.files.output), { recursive: true, force: true });
});

describe('terraform-apply end-to-end (real terraform, local backend)', () => {
  it('plans three creates in plan mode and applies nothing', async () => {
    const run = await action({ mode: 'plan' });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ changed: 'true', applied: 'false' });
    expect(JSON.parse(run.outputs.plan!)).toMatchObject({ counts: { create: 3, update: 0, replace: 0, delete: 0 } });
    expect(run.summary).toContain('**3 to create, 0 to update, 0 to replace, 0 to delete.** Plan only');
    expect(run.summary).toContain('| terraform_data.vm["k3s-node-02"] | create |');
    expect(existsSync(statePath)).toBe(false);
    // The inventory is known at plan time; the nodes output (ids) only after apply.
    expect(readFileSync(run.outputs.inventory!, 'utf8')).toContain('"ansible_host": "192.168.10.51"');
    expect(JSON.parse(run.outputs.nodes!)).toEqual({});
    await post(run);
  });

  it('creates the nodes on apply and writes the inventory and nodes outputs', async () => {
    const run = await action({ mode: 'apply' });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.outputs).toMatchObject({ changed: 'true', applied: 'true' });
    expect(run.summary).toContain('Applied the saved plan.');
    expect(resources()[0]!.instances.map((i) => i.index_key)).toEqual(['k3s-node-01', 'k3s-node-02', 'k3s-node-03']);
    expect(instance('k3s-node-02').attributes.input.value.template).toBe(9001);
    const inventory = readFileSync(run.outputs.inventory!, 'utf8');
    expect(inventory).toMatch(/"k3s-node-01":\n\s+"ansible_host": "192.168.10.50"/);
    const nodes = JSON.parse(run.outputs.nodes!) as Record<string, { ip: string; proxmox_host: string; id: string }>;
    expect(Object.keys(nodes)).toEqual(['k3s-node-01', 'k3s-node-02', 'k3s-node-03']);
    expect(nodes['k3s-node-03']).toMatchObject({ ip: '192.168.10.52', proxmox_host: 'pve1' });
    expect(nodes['k3s-node-03']!.id).toMatch(/^[0-9a-f-]{36}$/);
    await post(run);
  });

  it('changes nothing on a second apply, on both node runtimes', async () => {
    for (const runtime of nodeRuntimes()) {
      const before = state();
      const started = Date.now();
      const run = await action({ mode: 'apply' }, { node: runtime.path });
      const ms = Date.now() - started;
      expect(run.exitCode, `${runtime.name}: ${run.stdout}`).toBe(0);
      expect(run.outputs).toMatchObject({ changed: 'false', applied: 'false' });
      expect(run.summary).toContain('No changes: the infrastructure matches the configuration');
      expect(state()).toBe(before);
      expect(existsSync(run.outputs.inventory!)).toBe(true);
      console.log(`no-change run (${runtime.name}): ${ms} ms`);
      await post(run);
    }
  });

  it('updates the pve1 nodes in place when the pve1 template changes', async () => {
    const inventoryPath = join(root, 'out', 'inventory.yml');
    const run = await action({ mode: 'apply', 'template-ids': 'pve1=9100\npve2=9001', 'inventory-path': inventoryPath });
    expect(run.outputs.inventory).toBe(inventoryPath);
    expect(readFileSync(inventoryPath, 'utf8')).toContain('"ansible_host": "192.168.10.50"');
    expect(run.exitCode, run.stdout).toBe(0);
    expect(JSON.parse(run.outputs.plan!)).toMatchObject({ counts: { update: 2, 'no-op': 1, replace: 0 } });
    expect(run.summary).toContain('| terraform_data.vm["k3s-node-01"] | update | input, output |');
    expect(instance('k3s-node-01').attributes.input.value.template).toBe(9100);
    expect(instance('k3s-node-02').attributes.input.value.template).toBe(9001);
    baseInputs['template-ids'] = 'pve1=9100\npve2=9001';
    await post(run);
  });

  it('refuses to replace a node without allow-destroy and leaves the state untouched', async () => {
    writeFileSync(join(ws, 'nodes', 'nodes.auto.tfvars'), NODES('pve2'));
    const before = state();
    const run = await action({ mode: 'apply' });
    expect(run.exitCode).toBe(1);
    expect(failure(run)).toContain('Refusing to apply: the plan would replace terraform_data.vm["k3s-node-03"]');
    expect(failure(run)).toContain("allow-destroy: true");
    expect(run.outputs).toMatchObject({ changed: 'true', applied: 'false' });
    expect(run.summary).toContain('REFUSED');
    expect(run.summary).toContain('| terraform_data.vm["k3s-node-03"] | **replace** (delete, then create) |');
    expect(state()).toBe(before);
    await post(run);
  });

  it('warns about the replace in plan mode without touching the state', async () => {
    const before = state();
    const run = await action({ mode: 'plan' });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(annotations(run.stdout).filter((a) => a.level === 'warning').map((a) => a.message)).toEqual([
      'This plan would replace terraform_data.vm["k3s-node-03"]; an apply refuses it unless \'allow-destroy\' is true.',
    ]);
    expect(run.summary).toContain('An apply of this plan is refused unless `allow-destroy: true`: `terraform_data.vm["k3s-node-03"]` (replace)');
    expect(state()).toBe(before);
    await post(run);
  });

  it('replaces the node when allow-destroy is true', async () => {
    const before = instance('k3s-node-03');
    const run = await action({ mode: 'apply', 'allow-destroy': 'true' });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.summary).toContain('Allowed by `allow-destroy: true`: `terraform_data.vm["k3s-node-03"]` (replace)');
    const after = instance('k3s-node-03');
    expect(after.attributes.triggers_replace.value).toEqual(['pve2']);
    expect(after).not.toEqual(before);
    expect(JSON.parse(run.outputs.nodes!)['k3s-node-03']).toMatchObject({ proxmox_host: 'pve2' });
    await post(run);
  });

  it('fails with the variable and its rule on an invalid template id, state untouched', async () => {
    const before = state();
    const run = await action({ mode: 'apply', 'template-ids': 'pve1=5\npve2=9001' });
    expect(run.exitCode).toBe(1);
    const message = failure(run);
    expect(message).toContain('terraform plan failed');
    expect(message).toContain('Error: Invalid value for variable');
    expect(message).toContain("written from input 'template-ids'");
    expect(message).toContain('every template VM id must be 100 or more');
    expect(message).toContain('var.template_ids');
    expect(state()).toBe(before);
    await post(run);
  });

  it('names the holder of a held state lock and changes nothing', async () => {
    // Another real terraform holds the lock: an interactive apply waiting for its approval.
    const holderData = join(root, 'holder-data');
    const holderEnv = { PATH: process.env.PATH ?? '', HOME: root, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null', TF_DATA_DIR: holderData };
    execFileSync('terraform', ['init', '-input=false', '-no-color', `-backend-config=path=${statePath}`], { cwd: join(ws, 'nodes'), env: holderEnv, stdio: 'ignore' });
    const holder: ChildProcess = spawn('terraform', ['apply', '-no-color', '-var', 'template_ids={"pve1"=9200,"pve2"=9001}'], {
      cwd: join(ws, 'nodes'),
      env: holderEnv,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    const lockInfo = join(root, 'state', '.nodes.tfstate.lock.info');
    try {
      for (let i = 0; i < 150 && !existsSync(lockInfo); i++) await new Promise((r) => setTimeout(r, 100));
      expect(existsSync(lockInfo), 'the holder never took the lock').toBe(true);
      const held = JSON.parse(readFileSync(lockInfo, 'utf8')) as { ID: string; Who: string };
      const before = state();
      const run = await action({ mode: 'apply' });
      expect(run.exitCode).toBe(1);
      const message = failure(run);
      expect(message).toContain('the state is locked by another Terraform run');
      expect(message).toContain(`ID: ${held.ID}`);
      expect(message).toContain(`held by: ${held.Who}`);
      expect(message).toContain('operation: OperationTypeApply');
      expect(message).toContain(`terraform force-unlock ${held.ID}`);
      expect(message).toContain("waited 1s (input 'lock-timeout')");
      expect(state()).toBe(before);
      await post(run);
    } finally {
      holder.stdin?.end('no\n');
      await new Promise((r) => holder.once('close', r));
    }
    // The holder was answered "no": it released the lock without applying.
    expect(existsSync(lockInfo)).toBe(false);
    expect(instance('k3s-node-01').attributes.input.value.template).toBe(9100);
  });

  it('reports a provider that cannot be installed clearly, without the network', async () => {
    const dir = join(root, 'provider-ws');
    cpSync(join(fixtures, 'provider'), join(dir, 'mod'), { recursive: true });
    mkdirSync(join(dir, 'mirror'));
    writeFileSync(join(dir, 'cli.tfrc'), `provider_installation {\n  filesystem_mirror {\n    path    = "${join(dir, 'mirror')}"\n    include = ["*/*/*"]\n  }\n}\n`);
    const run = await action({ mode: 'plan', 'working-directory': 'mod', 'cli-config-file': 'cli.tfrc', 'backend-config': `path=${join(dir, 'p.tfstate')}` }, { cwd: dir });
    expect(run.exitCode).toBe(1);
    const message = failure(run);
    expect(message).toContain('terraform init could not install the providers');
    expect(message).toContain('provider registry.terraform.io/bpg/proxmox was not found');
    await post(run);
  });

  it('stops on bad inputs before running terraform, naming the input', async () => {
    const before = state();
    const cases: [Record<string, string>, string][] = [
      [{ mode: 'destroy' }, "Input 'mode' is 'destroy'; expected one of 'plan', 'apply'."],
      [{ 'backend-config': 'secret_key=abc' }, "Input 'backend-config' is 'secret_key=<hidden>'; expected non-secret settings only"],
      [{ 'lock-timeout': '10m', timeout: '5m' }, "Input 'timeout' is '5m'; expected a duration longer than 'lock-timeout' (10m)."],
      [{ 'template-ids': 'pve1=9000\npve2=x' }, "expected a template VM id (a whole number) for 'pve2' on line 2."],
      [{ 'working-directory': 'missing' }, "Input 'working-directory' is"],
    ];
    for (const [inputs, expected] of cases) {
      const run = await action(inputs);
      expect(run.exitCode, JSON.stringify(inputs)).toBe(1);
      expect(failure(run)).toContain(expected);
      expect(run.stdout).not.toContain('terraform init');
      await post(run);
    }
    const secret = bitwarden.addSecret({ key: 'unrelated', value: 'not-for-terraform' });
    const run = await action({ ...secretInputs, 'bitwarden-secrets': `${secretInputs['bitwarden-secrets']}\n${secret.id} > GITHUB_TOKEN` });
    expect(run.exitCode).toBe(1);
    expect(failure(run)).toContain("Input 'bitwarden-secrets' maps GITHUB_TOKEN, which terraform-apply does not use; expected TF_VAR_<variable>");
    await post(run);
    expect(state()).toBe(before);
  });

  it('names the resource of a failed apply and keeps what was completed before it', async () => {
    const dir = join(root, 'failing-ws');
    cpSync(join(fixtures, 'failing'), join(dir, 'mod'), { recursive: true });
    const failingState = join(dir, 'failing.tfstate');
    const run = await action({ mode: 'apply', 'working-directory': 'mod', 'backend-config': `path=${failingState}`, 'template-ids': '' }, { cwd: dir });
    expect(run.exitCode).toBe(1);
    const message = failure(run);
    expect(message).toContain('terraform apply failed at terraform_data.clone (reported by its provider or provisioner)');
    expect(message).toContain('storage local-lvm does not exist on pve1');
    const saved = JSON.parse(readFileSync(failingState, 'utf8')) as { resources: { name: string; instances: { status?: string }[] }[] };
    expect(saved.resources.map((r) => [r.name, r.instances[0]?.status ?? 'ok'])).toEqual([
      ['clone', 'tainted'],
      ['created_first', 'ok'],
    ]);
    await post(run);
  });

  it('interrupts a command that outlives the timeout; terraform saves the state and releases the lock', async () => {
    const dir = join(root, 'slow-ws');
    cpSync(join(fixtures, 'slow'), join(dir, 'mod'), { recursive: true });
    const slowState = join(dir, 'slow.tfstate');
    const started = Date.now();
    const run = await action({ mode: 'apply', 'working-directory': 'mod', timeout: '3s', 'backend-config': `path=${slowState}`, 'template-ids': '' }, { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(failure(run)).toMatch(/terraform apply timed out after 3\.0 s \(input 'timeout'\); terraform was interrupted/);
    // Terraform's graceful stop recorded the half-created resource as tainted and unlocked.
    expect(readFileSync(slowState, 'utf8')).toContain('"status": "tainted"');
    expect(existsSync(join(dir, '.slow.tfstate.lock.info'))).toBe(false);
    await post(run);
  });

  it('passes Bitwarden secrets to terraform through its environment only', async () => {
    const dir = join(root, 'secrets-ws');
    cpSync(join(fixtures, 'nodes'), join(dir, 'nodes'), { recursive: true });
    const secretState = join(dir, 'secrets.tfstate');
    const run = await action({ ...secretInputs, mode: 'apply', 'backend-config': `path=${secretState}` }, { cwd: dir });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('Fetched 3 secret(s) from Bitwarden');
    // The module hashes var.ssh_public_key into each node: TF_VAR_ssh_public_key reached terraform.
    const saved = JSON.parse(readFileSync(secretState, 'utf8')) as { resources: { instances: { attributes: { input: { value: { key: string } } } }[] }[] };
    expect(saved.resources[0]!.instances[0]!.attributes.input.value.key).toBe(createHash('sha256').update(CANARY_KEY).digest('hex'));
    // Before the post step: terraform stores variable values in saved plans, so the plan JSON holds
    // the sensitive variable in clear (the plan file too, zipped); both are 0600 in a 0700 directory.
    // The data dir, the backend file and every other file hold no secret at all.
    const files = readTree(run.runnerTemp);
    const holding = files.filter((f) => /CanaryKeyNeverInLogs|CanaryAwsSecretNeverInLogs|CanaryAccessKeyId/.test(f.content.toString('latin1')));
    expect(holding.map((f) => basename(f.path))).toEqual(['plan.json']);
    for (const name of ['plan.json', 'plan.tfplan']) {
      const file = files.find((f) => basename(f.path) === name)!.path;
      expect(statSync(file).mode & 0o777, file).toBe(0o600);
      expect(statSync(dirname(file)).mode & 0o777, dirname(file)).toBe(0o700);
    }
    await post(run);
    expect(files.filter((f) => existsSync(f.path))).toEqual([]);
  });

  it('never leaks a secret and leaves nothing behind after the post step', () => {
    expect(runs.length).toBeGreaterThan(10);
    for (const run of runs) {
      // ::add-mask:: lines are how a value gets masked: the runner consumes them, they are never shown.
      const stdout = run.stdout
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n');
      const visible = [stdout, run.stderr, run.summary, JSON.stringify(run.outputs), JSON.stringify(run.exported)].join('\n');
      for (const canary of [CANARY_KEY, 'CanaryKeyNeverInLogs', CANARY_AWS, 'CanaryAccessKeyId']) expect(visible).not.toContain(canary);
      // The post step removed the private dir (plan file, plan JSON, data dir, backend file).
      expect(readTree(run.runnerTemp).map((f) => f.path)).toEqual([]);
    }
    for (const file of [...readTree(ws), ...readTree(join(root, 'state')), ...readTree(join(root, 'secrets-ws'))]) {
      expect(file.content.toString('utf8'), file.path).not.toMatch(/CanaryKeyNeverInLogs|CanaryAwsSecretNeverInLogs|CanaryAccessKeyId/);
    }
    // The workspace holds only the module: terraform's data dir lived under RUNNER_TEMP.
    expect(existsSync(join(ws, 'nodes', '.terraform'))).toBe(false);
  });
});
