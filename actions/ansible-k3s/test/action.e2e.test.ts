import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annotations, BitwardenServer, nodeRuntimes, readTree, repoRoot, runAction, type ActionRun } from '@homelab/toolkit/testing';

// The bundled action (dist/), run like the runner runs it, with the REAL ansible-playbook against
// this machine (connection local) and an unreachable SSH host, and the REAL Bitwarden SDK against
// a loopback Secrets Manager.

const FIXTURES = 'actions/ansible-k3s/test/fixtures/playbooks';
const PROBE = `${FIXTURES}/roles/probe/tasks/main.yml`;
const token = `k3s-${randomBytes(16).toString('hex')}`;
const sshKey = `-----BEGIN OPENSSH PRIVATE KEY-----\n${randomBytes(48).toString('base64')}\n-----END OPENSSH PRIVATE KEY-----`;
const knownHosts = `192.168.10.50 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${randomBytes(24).toString('base64').replace(/=+$/, '')}`;
let server: BitwardenServer;
let secrets: string;
let accessToken: string;
const [node20, node24] = nodeRuntimes();

beforeAll(async () => {
  server = await BitwardenServer.start();
  const key = server.addSecret({ key: 'k3s-ssh-key', value: sshKey });
  const join_ = server.addSecret({ key: 'k3s-token', value: token });
  secrets = `${key.id} > SSH_PRIVATE_KEY\n${join_.id} > K3S_TOKEN`;
  accessToken = server.mintAccessToken();
});
afterAll(async () => server.close());

function inputs(extra: Record<string, string>): Record<string, string> {
  return {
    inventory: `${FIXTURES}/inventory.yml`,
    'bitwarden-access-token': accessToken,
    'bitwarden-server': server.url,
    'bitwarden-secrets': secrets,
    'known-hosts': knownHosts,
    ...extra,
  };
}

/** No secret value anywhere the runner keeps or shows. */
function expectNoLeak(run: ActionRun): void {
  // `::add-mask::` lines are consumed by the runner and never reach the log.
  const stdout = run.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  const places = { stdout, stderr: run.stderr, summary: run.summary, outputs: JSON.stringify(run.outputs), state: JSON.stringify(run.state) };
  for (const [where, text] of Object.entries(places)) {
    expect(text.includes(token), `join token in ${where}`).toBe(false);
    expect(text.includes(sshKey.split('\n')[1]!), `SSH key in ${where}`).toBe(false);
    expect(text.includes(accessToken), `access token in ${where}`).toBe(false);
  }
}

describe('a successful run', () => {
  let run: ActionRun;
  beforeAll(async () => {
    run = await runAction('ansible-k3s', {
      node: node24!.path,
      inputs: inputs({
        playbook: `${FIXTURES}/cluster.yml`,
        limit: 'healthy,broken',
        'extra-vars': `expected_token_sha256=${createHash('sha256').update(token).digest('hex')}`,
      }),
    });
  });

  it('succeeds and writes the kubeconfig as a 0600 file under RUNNER_TEMP', () => {
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    const kubeconfig = run.outputs.kubeconfig!;
    expect(kubeconfig.startsWith(run.runnerTemp)).toBe(true);
    expect(statSync(kubeconfig).mode & 0o777).toBe(0o600);
    expect(readFileSync(kubeconfig, 'utf8')).toContain('server: https://192.168.10.50:6443');
  });

  it('passes the token in a vars file and the SSH key as a 0600 --private-key file', () => {
    const command = run.stdout.split('\n').find((l) => l.startsWith('ansible-playbook '))!;
    const keyFile = /--private-key (\S+)/.exec(command)?.[1];
    const varsFile = /--extra-vars @(\S+)/.exec(command)?.[1];
    expect(keyFile?.startsWith(run.runnerTemp)).toBe(true);
    expect(readFileSync(keyFile!, 'utf8')).toBe(`${sshKey}\n`);
    expect(statSync(keyFile!).mode & 0o777).toBe(0o600);
    expect(statSync(varsFile!).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(varsFile!, 'utf8'))).toMatchObject({ k3s_token: token, k3s_kubeconfig_local_path: run.outputs.kubeconfig });
  });

  it('reports per-host stats in outputs and the summary', () => {
    expect(JSON.parse(run.outputs.stats!)).toEqual({
      broken: { ok: 1, changed: 0, failures: 0, unreachable: 0, skipped: 1, rescued: 0, ignored: 0 },
      healthy: { ok: 2, changed: 1, failures: 0, unreachable: 0, skipped: 1, rescued: 0, ignored: 0 },
    });
    expect(run.outputs.changed).toBe('true');
    expect(run.outputs['failed-hosts']).toBe('');
    expect(run.summary).toContain('| healthy | ✏️ changed | 2 | 1 | 0 | 0 | 1 | 0 | 0 |');
    expect(run.summary).toContain('| broken | ✅ ok | 1 | 0 | 0 | 0 | 1 | 0 | 0 |');
    expect(run.summary).toContain('SSH host keys: pinned (known-hosts)');
    expect(annotations(run.stdout).filter((a) => a.level === 'error')).toEqual([]);
  });

  it('shows progress line by line', () => {
    expect(run.stdout).toContain('TASK [Write the kubeconfig on the controller]');
    expect(run.stdout).toContain('  changed: healthy');
    expect(run.stdout).toContain('  skipped: broken');
  });

  it('leaks no secret, and the post step removes the files', async () => {
    expectNoLeak(run);
    const post = await runAction('ansible-k3s', { node: node24!.path, entry: 'post', previous: run });
    expect(post.exitCode).toBe(0);
    expect(existsSync(run.outputs.kubeconfig!)).toBe(false);
    expect(readTree(run.runnerTemp)).toEqual([]);
  });
});

describe('failures', () => {
  it('a failed task and an unreachable host: exit code 4, annotations at the role file, a clear message', async () => {
    const run = await runAction('ansible-k3s', {
      node: node20!.path,
      inputs: inputs({ playbook: `${FIXTURES}/mixed.yml`, 'host-key-policy': 'accept-new', 'known-hosts': '' }),
    });
    expect(run.exitCode).toBe(1);
    const errors = annotations(run.stdout).filter((a) => a.level === 'error');
    const disk = errors.find((a) => a.file === PROBE && a.line === 30);
    expect(disk).toMatchObject({ title: 'broken: probe : Check the disk of the broken host failed' });
    expect(disk?.message).toContain('disk /dev/sdb is missing on broken');
    expect(errors.find((a) => a.title?.startsWith('offline:'))?.message).toContain('connect to host 127.0.0.2 port 1');
    const failure = errors.find((a) => a.file === undefined && a.title === undefined)!;
    expect(failure.message).toMatch(/^ansible-playbook exit code 4: a task failed on broken; offline could not be reached over SSH/);
    expect(annotations(run.stdout).filter((a) => a.level === 'warning' && a.file === PROBE)).toHaveLength(4);
    expect(run.stdout).toContain('trust on first use');
    expect(run.summary).toContain('| offline | 🔌 unreachable | 0 | 0 | 0 | 1 |');
    expect(run.summary).toContain('### Failed tasks');
    expect(run.outputs['failed-hosts']).toBe('broken');
    expect(run.outputs['unreachable-hosts']).toBe('offline');
    expectNoLeak(run);
  });

  it('only a failed task: exit code 2 is named', async () => {
    const run = await runAction('ansible-k3s', {
      node: node24!.path,
      inputs: inputs({ playbook: `${FIXTURES}/mixed.yml`, limit: 'healthy,broken' }),
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('::error::ansible-playbook exit code 2: a task failed on broken.');
    expect(JSON.parse(run.outputs.stats!).healthy.failures).toBe(0);
  });

  it('a playbook that does not parse: exit code 4 without hosts, with the error', async () => {
    const run = await runAction('ansible-k3s', { node: node24!.path, inputs: inputs({ playbook: `${FIXTURES}/broken-syntax.yml` }) });
    expect(run.exitCode).toBe(1);
    const failure = annotations(run.stdout).find((a) => a.level === 'error')!;
    expect(failure.message).toContain('could not be parsed');
    expect(failure.message).toContain("couldn't resolve module/action 'no_such_module_here'");
    expect(run.summary).toContain('ansible-playbook error output');
  });

  it('an inventory Ansible cannot read fails with the reason, not a run against no host', async () => {
    const run = await runAction('ansible-k3s', {
      node: node24!.path,
      inputs: inputs({ playbook: `${FIXTURES}/ok.yml`, inventory: `${FIXTURES}/ok.yml` }),
    });
    expect(run.exitCode).toBe(1);
    const failure = annotations(run.stdout).find((a) => a.level === 'error')!;
    expect(failure.message).toMatch(/^ansible-playbook exit code 1 \(an error stopped Ansible\)\. The inventory could not be parsed/);
    expect(failure.message).toContain('No inventory was parsed');
  });

  it('check mode passes --check and writes no kubeconfig', async () => {
    const run = await runAction('ansible-k3s', {
      node: node24!.path,
      inputs: inputs({
        playbook: `${FIXTURES}/cluster.yml`,
        limit: 'healthy',
        'check-mode': 'true',
        'extra-vars': `expected_token_sha256=${createHash('sha256').update(token).digest('hex')}`,
      }),
    });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/ansible-playbook .* --check --diff --limit healthy/);
    expect(run.outputs.kubeconfig ?? '').toBe('');
    expect(run.summary).toContain('check mode: nothing was changed');
  });
});

describe('bad inputs are named, never a stack trace', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['a secret in extra-vars', { 'extra-vars': 'k3s_token=abc' }, "Input 'extra-vars' is 'k3s_token=...'; expected no 'k3s_token' here: the join token comes from Bitwarden"],
    ['pinned without known-hosts', { 'known-hosts': '' }, "Input 'known-hosts' is empty; expected the nodes' SSH host keys"],
    ['a malformed known-hosts line', { 'known-hosts': 'not a key line' }, "Input 'known-hosts' is '<1 bad line(s)>'; expected line 1: expected '<host>[,<host>...] <key-type> <base64 key>'"],
    ['a missing inventory', { inventory: 'ansible/nope.yml' }, "Input 'inventory' is 'ansible/nope.yml'; expected a file that exists"],
  ];
  for (const [name, extra, message] of cases) {
    it(name, async () => {
      const run = await runAction('ansible-k3s', { node: node24!.path, inputs: { ...inputs({ playbook: `${FIXTURES}/ok.yml` }), ...extra } });
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toContain(`::error::${message}`);
      expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
    });
  }
});

it('the repository layout the action defaults to exists', () => {
  expect(existsSync(join(repoRoot, 'ansible', 'site.yml'))).toBe(true);
});
