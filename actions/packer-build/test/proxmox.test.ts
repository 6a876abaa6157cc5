import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxmoxClient, normaliseEndpoint, splitToken } from '../src/proxmox';
import { ProxmoxServer } from './support/proxmox-server';

const TOKEN = 'packer@pve!build=5c1f0d57-3f6e-4f5c-9a55-0d4f6f0c2b1e';

let pve: ProxmoxServer;
let tls: ProxmoxServer;
beforeAll(async () => {
  pve = await ProxmoxServer.start(TOKEN);
  tls = await ProxmoxServer.start(TOKEN, { tls: true });
});
afterAll(async () => {
  await pve.close();
  await tls.close();
});

const client = (over: Partial<ConstructorParameters<typeof ProxmoxClient>[0]> = {}) =>
  new ProxmoxClient({ endpoint: pve.url, token: TOKEN, retryBaseMs: 10, attempts: 3, timeoutMs: 2000, ...over });

describe('Proxmox API client', () => {
  it('lists VMs and templates with their tags, sending the PVEAPIToken header', async () => {
    pve.addVm({ vmid: 9000, node: 'pve1', name: 'ubuntu-2404-k3s', template: true, tags: ['packer', 'fp-0123456789ab'] });
    pve.addVm({ vmid: 101, node: 'pve2', name: 'k3s-node-02' });
    const c = client();
    const vms = await c.listVms();
    await c.close();
    expect(vms).toEqual([
      { vmid: 9000, node: 'pve1', name: 'ubuntu-2404-k3s', type: 'qemu', template: true, tags: ['packer', 'fp-0123456789ab'], status: 'stopped' },
      { vmid: 101, node: 'pve2', name: 'k3s-node-02', type: 'qemu', template: false, tags: [], status: 'stopped' },
    ]);
    const last = pve.requests.at(-1)!;
    expect(last.path).toBe('/api2/json/cluster/resources?type=vm');
    expect(last.authorization).toBe(`PVEAPIToken=${TOKEN}`);
  });

  it('sets tags with a form-encoded PUT on the VM config', async () => {
    const c = client();
    await c.setTags('pve1', 9000, ['packer', 'fp-ffffffffffff']);
    await c.close();
    expect(pve.vms.get(9000)!.tags).toEqual(['packer', 'fp-ffffffffffff']);
    const put = pve.requests.at(-1)!;
    expect([put.method, put.path, put.body]).toEqual(['PUT', '/api2/json/nodes/pve1/qemu/9000/config', 'tags=packer%3Bfp-ffffffffffff']);
  });

  it('turns a 401 into a clear "token rejected" error without retrying or echoing the token', async () => {
    const before = pve.requests.length;
    const c = client({ token: 'packer@pve!build=wrong-secret' });
    const err = (await c.listVms().then(
      () => new Error('no error'),
      (e: unknown) => e,
    )) as Error;
    await c.close();
    expect(err.message).toMatch(/Proxmox rejected the API token \(GET \/cluster\/resources -> HTTP 401 authentication failure\)/);
    expect(err.message).not.toContain('wrong-secret');
    expect(pve.requests.length - before).toBe(1);
  });

  it('retries a 5xx with backoff and then succeeds', async () => {
    pve.fail('resources', 500, 2);
    const retries: string[] = [];
    const c = client({ onRetry: (m) => retries.push(m) });
    const vms = await c.listVms();
    await c.close();
    expect(vms.length).toBeGreaterThan(0);
    expect(retries).toEqual([
      'Proxmox API GET /cluster/resources failed (HTTP 500 Internal Server Error: {"data":null}); retry 1/2 in 10 ms',
      'Proxmox API GET /cluster/resources failed (HTTP 500 Internal Server Error: {"data":null}); retry 2/2 in 20 ms',
    ]);
  });

  it('gives up after the last attempt with the last error', async () => {
    pve.fail('resources', 503, 3);
    const c = client();
    await expect(c.listVms()).rejects.toThrow(/GET \/cluster\/resources at http:\/\/127\.0\.0\.1:\d+ failed after 3 attempts; last error: HTTP 503/);
    await c.close();
  });

  it('times out a server that never answers, and retries', async () => {
    pve.fail('resources', 0, 1, true);
    const retries: string[] = [];
    const c = client({ timeoutMs: 300, onRetry: (m) => retries.push(m) });
    const vms = await c.listVms();
    await c.close();
    expect(vms.length).toBeGreaterThan(0);
    expect(retries[0]).toMatch(/no answer within 300 ms/);
  });

  it('verifies TLS by default and skips it only when insecure-tls is asked for', async () => {
    tls.addVm({ vmid: 9001, node: 'pve2', template: true });
    const strict = client({ endpoint: tls.url });
    await expect(strict.listVms()).rejects.toThrow(/TLS verification of https:\/\/127\.0\.0\.1:\d+ failed \(DEPTH_ZERO_SELF_SIGNED_CERT\).*insecure-tls: true/s);
    await strict.close();
    const lax = client({ endpoint: tls.url, insecureTls: true });
    expect((await lax.listVms()).map((v) => v.vmid)).toEqual([9001]);
    await lax.close();
    // The process-wide default is untouched: plain fetch still refuses the certificate.
    await expect(fetch(`${tls.url}/api2/json/cluster/resources`)).rejects.toThrow();
  });
});

describe('token and endpoint', () => {
  it('splits user@realm!tokenid=secret', () => {
    expect(splitToken('packer@pve!build=abc-123')).toEqual({ id: 'packer@pve!build', secret: 'abc-123' });
    expect(() => splitToken('packer@pve:abc')).toThrow(/not in the form 'user@realm!tokenid=secret'/);
  });

  it('normalises the endpoint', () => {
    expect(normaliseEndpoint('https://pve1.lan:8006/api2/json/')).toBe('https://pve1.lan:8006');
    expect(() => normaliseEndpoint('pve1.lan')).toThrow(/Input 'proxmox-endpoint'/);
  });
});
