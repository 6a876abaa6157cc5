// The shell logic inside the workflows, run for real with bash the way the runner does
// (`bash --noprofile --norc -eo pipefail`, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files): layer
// selection, the inventory hand-off between jobs, the Renovate routine gate, the CI aggregate.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runScripts } from './run-scripts';

const repoRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
let tmp: string;
let counter = 0;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'workflow-steps-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The run: script of the step whose name starts with `name`. */
function stepScript(workflow: string, job: string, name: string): string {
  const text = readFileSync(join(repoRoot, '.github', 'workflows', workflow), 'utf8');
  const script = runScripts(workflow, text).find((s) => s.job === job && s.name?.startsWith(name));
  if (!script) throw new Error(`${workflow}: job ${job} has no run step named "${name}…"`);
  // The scripts read everything from env: (the policy forbids untrusted expressions inline), so
  // any remaining ${{ }} would be a trusted expression this test cannot evaluate.
  if (script.script.includes('__')) throw new Error(`${workflow} ${job} step "${name}": inline expression left in the script`);
  return script.script;
}

/** GITHUB_OUTPUT's `name=value` and `name<<DELIM … DELIM` records. */
function readOutputs(path: string): Record<string, string> {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: Record<string, string> = {};
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([\w-]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      out[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

function runStep(script: string, env: Record<string, string>, cwd = tmp) {
  const n = ++counter;
  const output = join(tmp, `output-${n}`);
  const summary = join(tmp, `summary-${n}`);
  writeFileSync(output, '');
  writeFileSync(summary, '');
  const file = join(tmp, `step-${n}.sh`);
  writeFileSync(file, script);
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, RUNNER_TEMP: tmp, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, outputs: readOutputs(output), summary: readFileSync(summary, 'utf8') };
}

describe('infra-rebuild: layer selection', () => {
  const select = () => stepScript('infra-rebuild.yml', 'plan', 'Select the layers');
  const base = { FROM_LAYER: 'packer', TO_LAYER: 'flux', PLAN_ONLY: 'false', PROXMOX_NODES: '', ANSIBLE_PLAYBOOK: 'site', TEMPLATE_VM_IDS: 'pve1=9000,pve2=9001' };

  it('runs every layer by default, Terraform applies, Packer builds on every host', () => {
    const r = runStep(select(), base);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.outputs).toMatchObject({ packer: 'true', terraform: 'true', 'terraform-mode': 'apply', ansible: 'true', flux: 'true', cluster: 'true' });
    expect(r.outputs['packer-nodes']).toBe('pve1=9000\npve2=9001');
    expect(r.outputs['template-ids']).toBe('pve1=9000\npve2=9001');
    expect(r.summary).toContain('| true | true (apply) | true | true | false |');
  });

  it('from ansible: no Packer, Terraform only plans (to read the inventory)', () => {
    const r = runStep(select(), { ...base, FROM_LAYER: 'ansible' });
    expect(r.status).toBe(0);
    expect(r.outputs).toMatchObject({ packer: 'false', terraform: 'true', 'terraform-mode': 'plan', ansible: 'true', flux: 'true', cluster: 'true' });
  });

  it('packer to terraform: no cluster job', () => {
    const r = runStep(select(), { ...base, TO_LAYER: 'terraform' });
    expect(r.outputs).toMatchObject({ packer: 'true', terraform: 'true', 'terraform-mode': 'apply', ansible: 'false', flux: 'false', cluster: 'false' });
  });

  it('packer alone: nothing after it', () => {
    const r = runStep(select(), { ...base, TO_LAYER: 'packer' });
    expect(r.outputs).toMatchObject({ packer: 'true', terraform: 'false', cluster: 'false' });
  });

  it('plan-only: no Packer build, Terraform plans', () => {
    const r = runStep(select(), { ...base, PLAN_ONLY: 'true' });
    expect(r.outputs).toMatchObject({ packer: 'false', terraform: 'true', 'terraform-mode': 'plan', ansible: 'true', flux: 'true' });
  });

  it('one Proxmox host: Packer builds there, Terraform still gets every template id', () => {
    const r = runStep(select(), { ...base, PROXMOX_NODES: 'pve2' });
    expect(r.outputs['packer-nodes']).toBe('pve2=9001');
    expect(r.outputs['template-ids']).toBe('pve1=9000\npve2=9001');
  });

  it.each([
    [{ FROM_LAYER: 'flux', TO_LAYER: 'terraform' }, 'Invalid layer range'],
    [{ FROM_LAYER: 'helm' }, 'Invalid layer range'],
    [{ PROXMOX_NODES: 'pve9' }, "Unknown Proxmox host::'pve9'"],
    [{ PROXMOX_NODES: 'pve1=.*' }, 'Invalid Proxmox host'],
    [{ TEMPLATE_VM_IDS: 'pve1:9000' }, 'Invalid TEMPLATE_VM_IDS'],
    [{ TEMPLATE_VM_IDS: '' }, 'Invalid TEMPLATE_VM_IDS'],
    [{ ANSIBLE_PLAYBOOK: 'upgrade' }, 'Upgrade with Flux'],
  ])('rejects %o', (override, message) => {
    const r = runStep(select(), { ...base, ...override });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`::error title=${message}`);
    expect(r.outputs).toEqual({});
  });

  it('upgrade without the flux layer is fine', () => {
    const r = runStep(select(), { ...base, FROM_LAYER: 'ansible', TO_LAYER: 'ansible', ANSIBLE_PLAYBOOK: 'upgrade' });
    expect(r.status).toBe(0);
    expect(r.outputs).toMatchObject({ ansible: 'true', flux: 'false', cluster: 'true' });
  });

  it('the default TEMPLATE_VM_IDS matches terraform/nodes.auto.tfvars hosts and packer-build’s default', () => {
    const wf = parse(readFileSync(join(repoRoot, '.github', 'workflows', 'infra-rebuild.yml'), 'utf8')) as { env: Record<string, string> };
    const fallback = /'([^']+)'/.exec(wf.env.TEMPLATE_VM_IDS ?? '')?.[1] ?? '';
    const action = parse(readFileSync(join(repoRoot, 'actions', 'packer-build', 'action.yml'), 'utf8')) as { inputs: { nodes: { default: string } } };
    expect(fallback.split(',').sort()).toEqual(action.inputs.nodes.default.trim().split('\n').sort());
    const tfvars = readFileSync(join(repoRoot, 'terraform', 'nodes.auto.tfvars'), 'utf8');
    const hosts = new Set([...tfvars.matchAll(/proxmox_host\s*=\s*"([^"]+)"/g)].map((m) => m[1]));
    expect([...hosts].sort()).toEqual(fallback.split(',').map((p) => p.split('=')[0]).sort());
  });
});

describe('infra-rebuild: the inventory crosses from the terraform job to the cluster job', () => {
  it('round-trips through a job output unchanged', () => {
    const inventory = 'all:\n  children:\n    k3s_servers:\n      hosts:\n        k3s-node-01:\n          ansible_host: 192.168.10.50\n';
    const file = join(tmp, 'inventory-in.yml');
    writeFileSync(file, inventory);
    const handOff = runStep(stepScript('infra-rebuild.yml', 'terraform', 'Hand the inventory'), { INVENTORY: file });
    expect(handOff.status, handOff.stderr).toBe(0);
    expect(handOff.outputs.inventory).toBe(inventory.trimEnd());
    const receive = runStep(stepScript('infra-rebuild.yml', 'cluster', 'Inventory from the terraform job'), { INVENTORY: handOff.outputs.inventory! });
    expect(receive.status).toBe(0);
    expect(readFileSync(receive.outputs.path!, 'utf8')).toBe(inventory);
  });

  it('no inventory: a warning in the terraform job, an error in the cluster job', () => {
    expect(runStep(stepScript('infra-rebuild.yml', 'terraform', 'Hand the inventory'), { INVENTORY: '' }).stdout).toContain('::warning title=No inventory');
    const r = runStep(stepScript('infra-rebuild.yml', 'cluster', 'Inventory from the terraform job'), { INVENTORY: '' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('::error title=No inventory');
  });
});

describe('infra-rebuild: non-secret Terraform variables', () => {
  it('writes an auto-loaded tfvars file that the real terraform accepts', () => {
    const work = mkdtempSync(join(tmp, 'tf-'));
    mkdirSync(join(work, 'terraform'));
    writeFileSync(join(work, 'terraform', 'main.tf'), 'variable "proxmox_endpoint" { type = string }\nvariable "proxmox_insecure" { type = bool }\nlocals { e = "${var.proxmox_endpoint} ${var.proxmox_insecure}" }\n');
    const r = runStep(stepScript('infra-rebuild.yml', 'terraform', 'Non-secret Terraform variables'), { PROXMOX_ENDPOINT: 'https://pve1.lan:8006/', PROXMOX_INSECURE: 'false' }, work);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // `terraform console` evaluates expressions with the auto-loaded *.auto.tfvars.
    const out = spawnSync('terraform', ['-chdir=terraform', 'console'], { cwd: work, input: 'local.e\n', encoding: 'utf8' });
    if (out.error) throw new Error(`terraform could not run: ${out.error.message}`);
    expect(out.stdout.trim()).toBe('"https://pve1.lan:8006/ false"');
  });

  it('fails clearly without PROXMOX_ENDPOINT', () => {
    const work = mkdtempSync(join(tmp, 'tf-'));
    mkdirSync(join(work, 'terraform'));
    const r = runStep(stepScript('infra-rebuild.yml', 'terraform', 'Non-secret Terraform variables'), { PROXMOX_ENDPOINT: '', PROXMOX_INSECURE: 'false' }, work);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('::error title=Missing variable::set the variable PROXMOX_ENDPOINT');
  });
});

describe('kubernetes-pr: the Renovate routine gate', () => {
  const gate = () => stepScript('kubernetes-pr.yml', 'kubernetes-pr', 'flux-verify passed');
  const renovate = { AUTHOR: 'renovate[bot]', HEAD_REF: 'renovate/metallb-0.x', TOUCHES_CLUSTER: 'true', REVIEWED: 'false', VERIFY_RESULT: 'success' };
  it.each([
    ['a person’s PR, not routine', { ...renovate, AUTHOR: 'alice', HEAD_REF: 'feature/x', ROUTINE: 'false' }, 0],
    ['Renovate, routine', { ...renovate, ROUTINE: 'true' }, 0],
    ['Renovate, not routine', { ...renovate, ROUTINE: 'false' }, 1],
    ['Renovate, verdict missing', { ...renovate, ROUTINE: '' }, 1],
    ['Renovate, not routine, reviewed', { ...renovate, ROUTINE: 'false', REVIEWED: 'true' }, 0],
    ['Renovate outside kubernetes/ (a GitHub Actions digest): not the verdict’s business', { ...renovate, TOUCHES_CLUSTER: 'false', ROUTINE: 'false' }, 0],
    ['Renovate, scope unknown', { ...renovate, TOUCHES_CLUSTER: '', ROUTINE: 'false' }, 1],
    ['a renovate/ branch pushed by someone else, not routine', { ...renovate, AUTHOR: 'bob', ROUTINE: 'false' }, 1],
  ])('%s', (_name, env, status) => {
    const r = runStep(gate(), { CHANGED: '["apps"]', ...env });
    expect(r.status).toBe(status);
    if (status === 1) expect(r.stdout).toContain('::error title=Not a routine update::');
  });

  it.each(['failure', 'cancelled', 'skipped'])('fails for everyone when flux-verify ended with %s', (result) => {
    const r = runStep(gate(), { ...renovate, AUTHOR: 'alice', HEAD_REF: 'feature/x', ROUTINE: 'true', VERIFY_RESULT: result });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`::error title=flux-verify did not pass::the flux-verify job ended with '${result}'`);
  });
});

describe('kubernetes-pr: does the PR change kubernetes/?', () => {
  const git = (cwd: string, ...args: string[]) => {
    const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e.invalid' } });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  let repo: string;
  let base: string;
  beforeAll(() => {
    repo = mkdtempSync(join(tmp, 'pr-'));
    git(repo, 'init', '-q', '-b', 'master');
    mkdirSync(join(repo, 'kubernetes'));
    writeFileSync(join(repo, 'kubernetes', 'a.yaml'), 'a: 1\n');
    writeFileSync(join(repo, 'ci.yml'), 'x: 1\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'base');
    base = git(repo, 'rev-parse', 'HEAD');
  });
  const scope = () => stepScript('kubernetes-pr.yml', 'flux-verify', 'Does the pull request change the cluster tree');

  it('a change outside kubernetes/ only: false', () => {
    git(repo, 'checkout', '-q', '-b', 'outside', base);
    writeFileSync(join(repo, 'ci.yml'), 'x: 2\n');
    git(repo, 'commit', '-qam', 'outside');
    expect(runStep(scope(), { BASE_SHA: base }, repo).outputs['touches-cluster']).toBe('false');
  });

  it('a change in kubernetes/: true', () => {
    git(repo, 'checkout', '-q', '-b', 'inside', base);
    writeFileSync(join(repo, 'kubernetes', 'a.yaml'), 'a: 2\n');
    git(repo, 'commit', '-qam', 'inside');
    expect(runStep(scope(), { BASE_SHA: base }, repo).outputs['touches-cluster']).toBe('true');
  });

  it('an unknown base: true (the safe side)', () => {
    expect(runStep(scope(), { BASE_SHA: 'f'.repeat(40) }, repo).outputs['touches-cluster']).toBe('true');
  });
});

describe('ci: the aggregate job', () => {
  const aggregate = () => stepScript('ci.yml', 'ci-ok', 'All CI jobs passed');
  it.each([
    ['success success success', 0],
    ['success failure success', 1],
    ['success cancelled success', 1],
    ['success skipped success', 1],
  ])('%s', (results, status) => {
    expect(runStep(aggregate(), { RESULTS: results }).status).toBe(status);
  });
});
