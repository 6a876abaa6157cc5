import { appendFileSync, cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BitwardenServer, annotations, nodeRuntimes, readTree, runAction, type ActionRun } from '@homelab/toolkit/testing';
import { ProxmoxServer } from './support/proxmox-server';

/**
 * The bundled action (dist/index.js, as the runner starts it) with the REAL packer binary, real
 * Bitwarden SDK against a loopback Bitwarden, and a loopback Proxmox API. The template is a
 * plugin-free stand-in for packer/ with the same variable contract (fixtures/templates/e2e).
 */

const TOKEN = 'packer@pve!build=0b8f3c1e-6a7d-4e25-9d0a-7f3b2c1d4e5f';
const TOKEN_SECRET = '0b8f3c1e-6a7d-4e25-9d0a-7f3b2c1d4e5f';
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOperatorKeyOperatorKeyOperatorKey00 operator@lab';

let work: string;
let templateDir: string;
let bw: BitwardenServer;
let pve: ProxmoxServer;
let tokenId: string;
let sshId: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'packer-e2e-'));
  templateDir = join(work, 'template');
  cpSync(join(__dirname, 'fixtures', 'templates', 'e2e'), templateDir, { recursive: true });
  bw = await BitwardenServer.start();
  tokenId = bw.addSecret({ key: 'proxmox-api-token', value: TOKEN }).id;
  sshId = bw.addSecret({ key: 'ssh-public-key', value: SSH_KEY }).id;
  pve = await ProxmoxServer.start(TOKEN);
});

afterAll(async () => {
  await bw?.close();
  await pve?.close();
  rmSync(work, { recursive: true, force: true });
});

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'template-dir': templateDir,
    nodes: 'pve1=9000\npve2=9001',
    concurrency: '2',
    'proxmox-endpoint': pve.url,
    'bitwarden-access-token': bw.mintAccessToken(),
    'bitwarden-server': bw.url,
    'bitwarden-secrets': `${tokenId} > PROXMOX_API_TOKEN\n${sshId} > SSH_PUBLIC_KEY`,
    ...extra,
  };
}

type Templates = Record<string, { vmid: number; name: string; fingerprint: string; status: string; durationMs: number }>;
const templates = (run: ActionRun) => JSON.parse(run.outputs.templates ?? '{}') as Templates;
const creates = () => pve.requests.filter((r) => r.path === '/api2/json/test/create-template');

/** The token's secret part must appear nowhere but in the runner's own ::add-mask:: command. */
function expectNoLeak(run: ActionRun): void {
  const visible = (run.stdout + run.stderr)
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  expect(visible).not.toContain(TOKEN_SECRET);
  expect(run.summary + JSON.stringify(run.outputs)).not.toContain(TOKEN_SECRET);
  for (const f of readTree(run.runnerTemp)) expect(f.content.toString('utf8')).not.toContain(TOKEN_SECRET);
}

describe('packer-build bundle end to end (real packer, loopback Proxmox + Bitwarden)', () => {
  let first: ActionRun;
  let fingerprint: string;

  it('builds every node on the first run and tags the templates with the fingerprint', async () => {
    first = await runAction('packer-build', { inputs: inputs() });
    expect(first.stderr + first.stdout).not.toMatch(/Unexpected error/);
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    const t = templates(first);
    fingerprint = t.pve1!.fingerprint;
    expect(fingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(t).toEqual({
      pve1: { vmid: 9000, name: 'ubuntu-2404-k3s', fingerprint, status: 'built', durationMs: expect.any(Number) },
      pve2: { vmid: 9001, name: 'ubuntu-2404-k3s', fingerprint, status: 'built', durationMs: expect.any(Number) },
    });
    expect(first.outputs.built).toBe('2');
    // What Packer received: the token id split off PROXMOX_API_TOKEN, the secret, the operator key
    // and an ephemeral build key, all through PKR_VAR_* (the provisioner reports them).
    const forms = creates().map((r) => Object.fromEntries(new URLSearchParams(r.body)));
    expect(forms.map((f) => f.node).sort()).toEqual(['pve1', 'pve2']);
    for (const f of forms) {
      expect(f).toMatchObject({ user: 'packer@pve!build', has_token: '1', has_ssh_key: '1' });
      expect(f.build_key).toMatch(/^ssh-ed25519 \S+ packer-build-ephemeral$/);
    }
    // The builder left tag 'packer' only; the action added fp-<fingerprint> through the API.
    expect(pve.vms.get(9000)!.tags).toEqual(['packer', `fp-${fingerprint}`]);
    expect(pve.vms.get(9001)!.tags).toEqual(['packer', `fp-${fingerprint}`]);
    expect(pve.count('PUT', '/api2/json/nodes/')).toBe(2);
    // progress from the live machine-readable stream, prefixed per node, in a log group
    expect(first.stdout).toMatch(/::group::packer build: pve1, pve2 \(up to 2 at a time\)/);
    expect(first.stdout).toContain('[pve1]     ubuntu.null.template: installing on pve1, vm 9000');
    expect(first.stdout).toContain('no required_plugins');
    expect(first.summary).toMatch(/\| pve1 \| 9000 \| ubuntu-2404-k3s \| 🔨 built \|/);
    expectNoLeak(first);
    expect(first.stdout).toContain(`::add-mask::${TOKEN_SECRET}\n`);
  });

  it('removes the ephemeral key in the post step', async () => {
    const keyFiles = () => readTree(first.runnerTemp).filter((f) => f.path.endsWith('packer-build-key'));
    expect(keyFiles()).toHaveLength(1);
    const post = await runAction('packer-build', { entry: 'post', previous: first });
    expect(post.exitCode).toBe(0);
    expect(keyFiles()).toHaveLength(0);
  });

  it('skips every node on a second run with nothing changed, on both Node runtimes (a changed secret is not a change)', async () => {
    bw.addSecret({ id: sshId, key: 'ssh-public-key', value: SSH_KEY.replace('operator@lab', 'rotated@lab') });
    for (const runtime of nodeRuntimes()) {
      const before = creates().length;
      const started = Date.now();
      const run = await runAction('packer-build', { inputs: inputs(), node: runtime.path });
      const ms = Date.now() - started;
      expect(run.exitCode, run.stdout + run.stderr).toBe(0);
      expect(templates(run)).toEqual({
        pve1: { vmid: 9000, name: 'ubuntu-2404-k3s', fingerprint, status: 'skipped', durationMs: 0 },
        pve2: { vmid: 9001, name: 'ubuntu-2404-k3s', fingerprint, status: 'skipped', durationMs: 0 },
      });
      expect(run.outputs.built).toBe('0');
      expect(creates().length).toBe(before);
      expect(run.stdout).not.toContain('packer validate');
      expect(run.summary).toMatch(/\| pve2 \| 9001 \| ubuntu-2404-k3s \| ⏭️ skipped \|/);
      console.log(`no-op run (${runtime.name}): ${ms} ms`);
      expect(ms).toBeLessThan(15_000);
    }
  });

  it('retries a Proxmox 5xx and then goes on', async () => {
    pve.fail('resources', 502, 1);
    const run = await runAction('packer-build', { inputs: inputs() });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/::warning::Proxmox API GET \/cluster\/resources failed \(HTTP 502 Bad Gateway.*retry 1\/3 in 1000 ms/);
    // the list that finally came back is the one the decision used: nothing changed since the no-op run
    expect([templates(run).pve1!.status, templates(run).pve2!.status]).toEqual(['skipped', 'skipped']);
  });

  it('rebuilds (replacing the old templates with -force) when a template file changes', async () => {
    appendFileSync(join(templateDir, 'template.pkr.hcl'), '\n# a change that shapes the image\n');
    const run = await runAction('packer-build', { inputs: inputs() });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const t = templates(run);
    expect(t.pve1!.fingerprint).not.toBe(fingerprint);
    expect([t.pve1!.status, t.pve2!.status]).toEqual(['built', 'built']);
    expect(run.stdout).toContain(`template is fp-${fingerprint}, wanted fp-${t.pve1!.fingerprint}`);
    expect(run.stdout).toMatch(/\[pve1\] packer build -force /);
    expect(pve.vms.get(9000)!.tags).toEqual(['packer', `fp-${t.pve1!.fingerprint}`]);
    fingerprint = t.pve1!.fingerprint;
  });

  it('writes no tags through the API when the builder already tagged the template', async () => {
    const puts = pve.count('PUT', '/api2/json/nodes/');
    const run = await runAction('packer-build', { inputs: inputs({ force: 'true', variables: 'builder_tags=true' }) });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const fp = templates(run).pve1!.fingerprint;
    expect(pve.vms.get(9000)!.tags).toEqual(['packer', `fp-${fp}`]);
    expect(pve.count('PUT', '/api2/json/nodes/')).toBe(puts);
    expect(run.stdout).not.toContain('tagged template');
  });

  it('talks to a self-signed HTTPS Proxmox only with insecure-tls, and says how to fix it otherwise', async () => {
    const tls = await ProxmoxServer.start(TOKEN, { tls: true });
    try {
      for (const vm of pve.vms.values()) tls.addVm({ ...vm });
      const strict = await runAction('packer-build', { inputs: inputs({ 'proxmox-endpoint': tls.url, variables: 'builder_tags=true' }) });
      expect(strict.exitCode).toBe(1);
      expect(strict.stdout).toMatch(/::error::TLS verification of https:\/\/127\.0\.0\.1:\d+ failed \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
      const lax = await runAction('packer-build', { inputs: inputs({ 'proxmox-endpoint': tls.url, 'insecure-tls': 'true', variables: 'builder_tags=true' }) });
      expect(lax.exitCode, lax.stdout + lax.stderr).toBe(0);
      expect(lax.stdout).toMatch(/::warning::insecure-tls is set: the certificate of https:\/\/127\.0\.0\.1:\d+ is not verified/);
      expect(Object.values(templates(lax)).map((t) => t.status)).toEqual(['skipped', 'skipped']);
    } finally {
      await tls.close();
    }
  });

  it('reports a node whose build fails as failed, annotates the error, and still builds the others', async () => {
    const run = await runAction('packer-build', { inputs: inputs({ force: 'true', variables: 'fail_on=pve2' }) });
    expect(run.exitCode).toBe(1);
    const t = templates(run);
    expect([t.pve1!.status, t.pve2!.status]).toEqual(['built', 'failed']);
    const errors = annotations(run.stdout).filter((a) => a.level === 'error');
    expect(errors.find((a) => a.title === 'packer build on pve2')?.message).toMatch(/Script exited with non-zero exit status: 7/);
    expect(errors.at(-1)?.message).toMatch(/Packer failed on pve2; the other nodes' results are in the 'templates' output/);
    expect(run.stdout).toContain('[pve2] ==> ubuntu.null.template: simulated failure on pve2');
  });

  it('fails clearly, before building, when Proxmox rejects the token', async () => {
    const wrong = bw.addSecret({ key: 'wrong-token', value: 'packer@pve!build=11111111-2222-3333-4444-555555555555' });
    const before = creates().length;
    const run = await runAction('packer-build', { inputs: inputs({ 'bitwarden-secrets': `${wrong.id} > PROXMOX_API_TOKEN` }) });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error::Proxmox rejected the API token \(GET \/cluster\/resources -> HTTP 401/);
    expect(creates().length).toBe(before);
    expect(run.stdout).not.toContain('at ProxmoxClient');
  });

  it('refuses to touch a VM that is not a template', async () => {
    pve.addVm({ vmid: 9002, node: 'pve2', name: 'database', template: false });
    const run = await runAction('packer-build', { inputs: inputs({ nodes: 'pve1=9000\npve2=9002' }) });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error::VM 9002 \('database'\) on pve2 is not a VM template; refusing to replace it/);
    expect(pve.vms.get(9002)!.template).toBe(false);
  });

  it('says that Packer 1.6.6 cannot install required_plugins', async () => {
    const dir = join(work, 'with-plugins');
    cpSync(templateDir, dir, { recursive: true });
    writeFileSync(
      join(dir, 'plugins.pkr.hcl'),
      'packer {\n  required_plugins {\n    proxmox = {\n      source  = "github.com/hashicorp/proxmox"\n      version = "1.2.4"\n    }\n  }\n}\n',
    );
    const run = await runAction('packer-build', { inputs: inputs({ 'template-dir': dir, nodes: 'pve3=9003' }) });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/pins plugins in required_plugins \(github.com\/hashicorp\/proxmox 1.2.4\), which Packer 1.6.6 cannot install: 'packer init' needs Packer >= 1.7/);
    expect(existsSync(join(dir, 'packer_cache'))).toBe(false);
  });

  it('rejects a packer older than packer-version and a secret passed as a variable', async () => {
    const old = await runAction('packer-build', { inputs: inputs({ 'packer-version': '1.10.0' }) });
    expect(old.exitCode).toBe(1);
    expect(old.stdout).toMatch(/::error::Packer 1\.6\.6 at \S+ is older than input 'packer-version' \(1\.10\.0\)/);
    const bad = await runAction('packer-build', { inputs: inputs({ variables: 'proxmox_token=oops' }) });
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toMatch(/::error::Input 'variables' is 'proxmox_token=\.\.\.'; expected no 'proxmox_token': the action sets it/);
  });
});
