import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fixtures, playbook, type Ran } from './run';

// The roles' tasks run for real (ansible-playbook, connection local, as root) with their outputs
// redirected into a temp dir: the K3s config of each of the three servers, the kubeconfig fetch
// and rewrite, the node check on `kubectl get nodes -o json`, and the checksum-verified download.

const TOKEN = `K10${randomBytes(20).toString('hex')}::server:${randomBytes(16).toString('hex')}`;
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ansible-roles-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function recap(r: Ran, host: string): string {
  return new RegExp(`^${host}\\s*:.*$`, 'm').exec(r.stdout)?.[0] ?? '';
}

describe('K3s config.yaml rendered for the three servers', () => {
  let ran: Ran;
  let vip: Ran;
  let short: Ran;
  const config = (host: string) => parse(readFileSync(join(work, 'render', host, 'config.yaml'), 'utf8')) as Record<string, unknown>;
  beforeAll(async () => {
    const k3s_yaml_fixture = join(fixtures, 'k3s.yaml');
    // Independent runs, started together: most of a playbook's time is Ansible's own start-up.
    [ran, vip, short] = await Promise.all([
      playbook('render-k3s.yml', { render_dir: join(work, 'render'), k3s_token: TOKEN, k3s_yaml_fixture }),
      playbook('render-k3s.yml', { render_dir: join(work, 'vip'), k3s_token: TOKEN, k3s_yaml_fixture, k3s_api_endpoint: 'k3s.homelab.dev' }, [
        '--limit',
        'k3s-node-01,k3s-node-02',
      ]),
      playbook('render-k3s.yml', { render_dir: join(work, 'short'), k3s_token: 'short', k3s_yaml_fixture }),
    ]);
  });

  it('runs the role tasks without failure', () => {
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    for (const host of ['k3s-node-01', 'k3s-node-02', 'k3s-node-03']) expect(recap(ran, host)).toMatch(/failed=0/);
  });

  it('cluster-init only on k3s-node-01; the others join it', () => {
    expect(config('k3s-node-01')['cluster-init']).toBe(true);
    expect(config('k3s-node-01')).not.toHaveProperty('server');
    for (const host of ['k3s-node-02', 'k3s-node-03']) {
      expect(config(host)).not.toHaveProperty('cluster-init');
      expect(config(host).server).toBe('https://192.168.10.50:6443');
    }
  });

  it('every server: token, tls-san of all node IPs, disables, its own labels, 0600', () => {
    const expected: Record<string, { ip: string; zone: string; role: string }> = {
      'k3s-node-01': { ip: '192.168.10.50', zone: 'pve1', role: 'general' },
      'k3s-node-02': { ip: '192.168.10.51', zone: 'pve2', role: 'general' },
      'k3s-node-03': { ip: '192.168.10.52', zone: 'pve1', role: 'storage' },
    };
    for (const [host, want] of Object.entries(expected)) {
      const c = config(host);
      expect(c.token).toBe(TOKEN);
      expect(c['node-name']).toBe(host);
      expect(c['node-ip']).toBe(want.ip);
      expect(c['tls-san']).toEqual(['192.168.10.50', '192.168.10.51', '192.168.10.52']);
      expect(c.disable).toEqual(['servicelb', 'traefik']);
      const labels = c['node-label'] as string[];
      expect(labels).toContain(`topology.kubernetes.io/zone=${want.zone}`);
      expect(labels).toContain(`node.homelab.dev/role=${want.role}`);
      expect(labels.some((l) => l.startsWith('node-role.kubernetes.io/'))).toBe(false);
      expect(labels.includes('node.longhorn.io/create-default-disk=true')).toBe(want.role === 'storage');
      expect(statSync(join(work, 'render', host, 'config.yaml')).mode & 0o777).toBe(0o600);
    }
  });

  it('never prints the token', () => {
    expect(ran.stdout + ran.stderr).not.toContain(TOKEN);
  });

  it('an API VIP is added to tls-san and used by the kubeconfig', () => {
    const dir = join(work, 'vip');
    expect(vip.code, vip.stdout).toBe(0);
    const c = parse(readFileSync(join(dir, 'k3s-node-02', 'config.yaml'), 'utf8')) as Record<string, unknown>;
    expect(c['tls-san']).toEqual(['192.168.10.50', '192.168.10.51', '192.168.10.52', 'k3s.homelab.dev']);
    // Joining still goes to the first server: the VIP does not exist before the cluster does.
    expect(c.server).toBe('https://192.168.10.50:6443');
    expect(readFileSync(join(dir, 'controller', 'kubeconfig'), 'utf8')).toContain('server: https://k3s.homelab.dev:6443');
  });

  it('the kubeconfig is fetched with its address rewritten, 0600, its key never printed', () => {
    const path = join(work, 'render', 'controller', 'kubeconfig');
    const text = readFileSync(path, 'utf8');
    const original = readFileSync(join(fixtures, 'k3s.yaml'), 'utf8');
    expect(text).toBe(original.replace('https://127.0.0.1:6443', 'https://192.168.10.50:6443'));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const key = /client-key-data: (\S+)/.exec(original)![1]!;
    expect(ran.stdout + ran.stderr).not.toContain(key);
  });

  it('a missing or short token stops the run before anything is written', () => {
    expect(short.code).toBe(2);
    expect(short.stdout).toContain('k3s_token (at least 16 characters) must come from the');
    expect(existsSync(join(work, 'short'))).toBe(false);
  });
});

describe('the cluster check on `kubectl get nodes -o json`', () => {
  interface Node {
    metadata: { labels: Record<string, string> };
    status: { conditions: { type: string; status: string }[] };
  }
  const ready = JSON.parse(readFileSync(join(fixtures, 'nodes-ready.json'), 'utf8')) as { items: Node[] };

  let good: Ran;
  let r: Ran;
  let m: Ran;
  beforeAll(async () => {
    const bad = structuredClone(ready);
    bad.items[1]!.metadata.labels['topology.kubernetes.io/zone'] = 'pve1';
    bad.items[2]!.status.conditions.find((c) => c.type === 'Ready')!.status = 'False';
    writeFileSync(join(work, 'nodes-bad.json'), JSON.stringify(bad));
    const missing = structuredClone(ready);
    missing.items = missing.items.slice(0, 2);
    delete missing.items[0]!.metadata.labels['node.homelab.dev/role'];
    writeFileSync(join(work, 'nodes-missing.json'), JSON.stringify(missing));
    [good, r, m] = await Promise.all([
      playbook('check-nodes.yml', { nodes_json: join(fixtures, 'nodes-ready.json') }),
      playbook('check-nodes.yml', { nodes_json: join(work, 'nodes-bad.json') }),
      playbook('check-nodes.yml', { nodes_json: join(work, 'nodes-missing.json') }),
    ]);
  });

  it('passes when every server is Ready with its labels', () => {
    expect(good.code, good.stdout).toBe(0);
    expect(recap(good, 'k3s-node-01')).toMatch(/ok=2 .*failed=0/);
  });

  it('fails naming the node with a wrong zone, a NotReady node and a missing one', () => {
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('ok: [k3s-node-01] => (item=k3s-node-01)');
    expect(r.stdout).toMatch(/failed: \[k3s-node-01\] \(item=k3s-node-02\).*topology.kubernetes.io\/zone=pve1 .*expected Ready=True, pve2, general/);
    expect(r.stdout).toMatch(/failed: \[k3s-node-01\] \(item=k3s-node-03\).*Ready=False/);
    expect(m.code).toBe(2);
    expect(m.stdout).toMatch(/item=k3s-node-01\).*node.homelab.dev\/role=<none>/);
    expect(m.stdout).toMatch(/item=k3s-node-03\).*Ready=missing/);
  });
});

describe('node_prep without systemd: swap in fstab, the templates', () => {
  const fstab = [
    '# /etc/fstab: static file system information.',
    'UUID=1111-aaaa / ext4 errors=remount-ro 0 1',
    'UUID=2222-bbbb none swap sw 0 0',
    '/dev/sdb /var/lib/longhorn ext4 defaults,nofail 0 2',
    '#/swapfile none swap sw 0 0',
    '/swap.img\tnone\tswap\tsw\t0\t0',
    '',
  ].join('\n');
  let once: Ran;
  let twice: Ran;
  const out = () => join(work, 'node-prep');
  beforeAll(async () => {
    mkdirSync(out());
    writeFileSync(join(out(), 'fstab'), fstab);
    once = await playbook('node-prep.yml', { out_dir: out() });
    twice = await playbook('node-prep.yml', { out_dir: out() });
  });

  it('comments out the swap lines and nothing else, once', () => {
    expect(once.code, once.stdout).toBe(0);
    expect(readFileSync(join(out(), 'fstab'), 'utf8')).toBe(
      fstab.replace('\nUUID=2222-bbbb none swap', '\n# UUID=2222-bbbb none swap').replace('\n/swap.img', '\n# /swap.img'),
    );
    expect(twice.code).toBe(0);
    expect(twice.stdout).toMatch(/TASK \[node_prep : Keep swap off after a reboot\] \*+\nok: \[k3s-node-01\]/);
  });

  it('blacklists sd* devices in multipath.conf for Longhorn and loads the K3s kernel modules', () => {
    expect(readFileSync(join(out(), 'multipath.conf'), 'utf8')).toMatch(/blacklist \{\n\s+devnode "\^sd\[a-z0-9\]\+"\n\}/);
    const modules = readFileSync(join(out(), 'modules-load.conf'), 'utf8').split('\n');
    for (const m of ['br_netfilter', 'overlay', 'iscsi_tcp']) expect(modules).toContain(m);
    expect(readFileSync(join(out(), 'chrony-sources'), 'utf8')).toContain('pool 0.debian.pool.ntp.org iburst');
    expect(readFileSync(join(out(), 'timesyncd.conf'), 'utf8')).toContain('NTP=0.debian.pool.ntp.org 1.debian.pool.ntp.org');
  });
});

describe('the K3s binary is downloaded from the release and verified against sha256sum-amd64.txt', () => {
  let server: Server;
  let base: string;
  const binary = randomBytes(4096);
  const tampered = randomBytes(4096);
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      // /tampered/... serves another binary under the same checksum file.
      const url = req.url ?? '';
      const prefix = url.startsWith('/tampered/') ? '/tampered/v1.36.4%2Bk3s1/' : '/v1.36.4%2Bk3s1/';
      if (url === `${prefix}k3s`) {
        res.end(prefix.startsWith('/tampered/') ? tampered : binary);
      } else if (url === `${prefix}sha256sum-amd64.txt`) {
        const sum = createHash('sha256').update(binary).digest('hex');
        res.end(`${'0'.repeat(64)}  k3s-airgap-images-amd64.tar.gz\n${sum}  k3s\n${'1'.repeat(64)}  k3s-images.txt\n`);
      } else {
        res.statusCode = 404;
        res.end('not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  let first: Ran;
  let refused: Ran;
  beforeAll(async () => {
    mkdirSync(join(work, 'bin'));
    mkdirSync(join(work, 'tampered'));
    [first, refused] = await Promise.all([
      playbook('download-k3s.yml', { release_url: base, install_dir: join(work, 'bin') }),
      playbook('download-k3s.yml', { release_url: `${base}/tampered`, install_dir: join(work, 'tampered') }),
    ]);
  });

  it('installs the verified binary 0755, links kubectl, and does not download it again', async () => {
    const dir = join(work, 'bin');
    expect(first.code, first.stdout).toBe(0);
    expect(readFileSync(join(dir, 'k3s')).equals(binary)).toBe(true);
    expect(statSync(join(dir, 'k3s')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(dir, 'kubectl')).equals(binary)).toBe(true);
    expect(requests).toContain('/v1.36.4%2Bk3s1/k3s');

    requests.length = 0;
    const again = await playbook('download-k3s.yml', { release_url: base, install_dir: dir });
    expect(again.code).toBe(0);
    expect(recap(again, 'k3s-node-01')).toMatch(/changed=0/);
    expect(requests).not.toContain('/v1.36.4%2Bk3s1/k3s');
  });

  it('refuses a binary whose checksum does not match', () => {
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/checksum/i);
    expect(existsSync(join(work, 'tampered', 'k3s'))).toBe(false);
  });
});
