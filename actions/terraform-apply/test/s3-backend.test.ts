import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { annotations, BitwardenServer, readTree, runAction, type ActionRun } from '@homelab/toolkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Server } from './support/s3-server';

/**
 * The S3 backend the real terraform/ uses (partial config, use_lockfile = true), end-to-end: the
 * bundled action, the real terraform and its real S3 backend against a loopback S3 server, the
 * access keys from a loopback Bitwarden server.
 */

const ACCESS_KEY_ID = 'CanaryAccessKeyId42';
const SECRET_KEY = 'CanarySecretAccessKeyNeverInFiles0123456789';
const STATE = 'tfstate/homelab/k3s-nodes.tfstate';

let root: string;
let ws: string;
let s3: S3Server;
let bitwarden: BitwardenServer;
let inputs: Record<string, string>;

const failure = (run: ActionRun) =>
  annotations(run.stdout)
    .filter((a) => a.level === 'error')
    .map((a) => a.message)
    .join('\n');

const runs: ActionRun[] = [];

async function action(extra: Record<string, string> = {}): Promise<ActionRun> {
  const run = await runAction('terraform-apply', { inputs: { ...inputs, ...extra }, cwd: ws });
  runs.push(run);
  return run;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'terraform-apply-s3-'));
  ws = join(root, 'ws');
  cpSync(join(__dirname, 'fixtures', 'modules', 'nodes'), join(ws, 'nodes'), { recursive: true });
  // The same backend block as terraform/versions.tf, in an override file of the fixture module.
  writeFileSync(join(ws, 'nodes', 'backend_override.tf'), 'terraform {\n  backend "s3" {\n    use_lockfile = true\n  }\n}\n');
  s3 = await S3Server.start();
  bitwarden = await BitwardenServer.start();
  const id = bitwarden.addSecret({ key: 'minio-access-key-id', value: ACCESS_KEY_ID });
  const secret = bitwarden.addSecret({ key: 'minio-secret-access-key', value: SECRET_KEY });
  inputs = {
    'working-directory': 'nodes',
    mode: 'apply',
    'template-ids': 'pve1=9000\npve2=9001',
    'backend-bucket': 'tfstate',
    'backend-key': 'homelab/k3s-nodes.tfstate',
    'backend-endpoint': s3.url,
    'backend-config': 'max_retries=1',
    'plugin-cache-dir': 'off',
    'lock-timeout': '1s',
    'bitwarden-access-token': bitwarden.mintAccessToken(),
    'bitwarden-server': bitwarden.url,
    'bitwarden-secrets': `${id.id} > AWS_ACCESS_KEY_ID\n${secret.id} > AWS_SECRET_ACCESS_KEY`,
  };
});

afterAll(async () => {
  await s3?.close();
  await bitwarden?.close();
  if (root) rmSync(root, { recursive: true, force: true });
  // runAction's work dirs (runner files, RUNNER_TEMP).
  for (const run of runs) rmSync(dirname(run.files.output), { recursive: true, force: true });
});

describe('terraform-apply with the S3 backend (loopback S3, real terraform)', () => {
  it('keeps the state in the bucket, signs with the Bitwarden keys and never writes them to a file', async () => {
    const run = await action();
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.outputs).toMatchObject({ changed: 'true', applied: 'true' });
    const state = JSON.parse(s3.objects.get(STATE)?.toString('utf8') ?? '{}') as { resources?: { instances: unknown[] }[] };
    expect(state.resources?.[0]?.instances).toHaveLength(3);
    // Native locking: a .tflock object was created with If-None-Match and removed again.
    expect(s3.requests.some((r) => r.method === 'PUT' && r.path === `/${STATE}.tflock`)).toBe(true);
    expect(s3.objects.has(`${STATE}.tflock`)).toBe(false);
    expect(s3.unknown).toEqual([]);
    expect(s3.requests.every((r) => r.accessKeyId === ACCESS_KEY_ID && r.path.startsWith('/tfstate'))).toBe(true);
    // Before the post step: the backend file, terraform's data dir and the plan hold no key.
    const files = readTree(run.runnerTemp);
    expect(files.some((f) => f.path.endsWith('backend.tfbackend'))).toBe(true);
    for (const f of files) expect(f.content.toString('latin1'), f.path).not.toMatch(/CanarySecretAccessKey|CanaryAccessKeyId42/);
    const post = await runAction('terraform-apply', { entry: 'post', previous: run });
    expect(post.exitCode).toBe(0);
    expect(readTree(run.runnerTemp)).toEqual([]);

    const again = await action();
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.outputs.changed).toBe('false');
    await runAction('terraform-apply', { entry: 'post', previous: again });
  });

  it('names the holder of an S3 lock file held by another terraform', async () => {
    const holderEnv = {
      PATH: process.env.PATH ?? '',
      HOME: root,
      CHECKPOINT_DISABLE: '1',
      TF_CLI_CONFIG_FILE: '/dev/null',
      TF_DATA_DIR: join(root, 'holder-data'),
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET_KEY,
    };
    const backendFile = join(root, 'holder.tfbackend');
    writeFileSync(
      backendFile,
      `bucket = "tfstate"\nkey = "homelab/k3s-nodes.tfstate"\nregion = "us-east-1"\nendpoints = { s3 = "${s3.url}" }\nuse_path_style = true\nskip_credentials_validation = true\nskip_region_validation = true\nskip_requesting_account_id = true\nskip_metadata_api_check = true\nskip_s3_checksum = true\n`,
    );
    mkdirSync(holderEnv.TF_DATA_DIR);
    const init = spawn('terraform', ['init', '-input=false', '-no-color', `-backend-config=${backendFile}`], { cwd: join(ws, 'nodes'), env: holderEnv, stdio: 'ignore' });
    expect(await new Promise((r) => init.once('close', r))).toBe(0);
    const holder = spawn('terraform', ['apply', '-no-color', '-var', 'template_ids={"pve1"=9300,"pve2"=9001}'], { cwd: join(ws, 'nodes'), env: holderEnv, stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      for (let i = 0; i < 150 && !s3.objects.has(`${STATE}.tflock`); i++) await new Promise((r) => setTimeout(r, 100));
      const lock = JSON.parse(s3.objects.get(`${STATE}.tflock`)?.toString('utf8') ?? 'null') as { ID: string; Who: string } | null;
      expect(lock, 'the holder never took the lock').not.toBeNull();
      const before = s3.objects.get(STATE)?.toString('utf8');
      const run = await action();
      expect(run.exitCode).toBe(1);
      const message = failure(run);
      expect(message).toContain('the state is locked by another Terraform run');
      expect(message).toContain(`ID: ${lock!.ID}`);
      expect(message).toContain(`held by: ${lock!.Who}`);
      expect(message).toContain(`terraform force-unlock ${lock!.ID}`);
      expect(s3.objects.get(STATE)?.toString('utf8')).toBe(before);
      await runAction('terraform-apply', { entry: 'post', previous: run });
    } finally {
      holder.stdin.end('no\n');
      await new Promise((r) => holder.once('close', r));
    }
    expect(s3.objects.has(`${STATE}.tflock`)).toBe(false);
  });

  it('says which Bitwarden names are missing when the backend has no credentials', async () => {
    const run = await action({ 'bitwarden-secrets': '', 'bitwarden-access-token': '' });
    expect(run.exitCode).toBe(1);
    expect(failure(run)).toContain("terraform init could not authenticate to the S3 backend: map the access keys in 'bitwarden-secrets' as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    await runAction('terraform-apply', { entry: 'post', previous: run });
  });
});
