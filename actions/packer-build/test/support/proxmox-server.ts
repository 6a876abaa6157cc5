import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A loopback Proxmox VE API for tests, speaking the real wire format of the two calls the action
 * makes (GET /api2/json/cluster/resources?type=vm, PUT /api2/json/nodes/{node}/qemu/{vmid}/config
 * with a form body) and checking the `Authorization: PVEAPIToken=...` header like Proxmox does
 * (401 otherwise). One extra, test-only route stands in for what the proxmox-iso builder does on a
 * real cluster (create the VM, convert it to a template): POST /api2/json/test/create-template.
 */

export interface FakeVm {
  vmid: number;
  node: string;
  name: string;
  type: 'qemu' | 'lxc';
  template: boolean;
  tags: string[];
}

export interface Recorded {
  method: string;
  path: string;
  status: number;
  authorization?: string;
  body?: string;
}

type Route = 'resources' | 'config' | 'create';

export class ProxmoxServer {
  readonly vms = new Map<number, FakeVm>();
  readonly requests: Recorded[] = [];
  private readonly faults = new Map<Route, { status: number; times: number; hang?: boolean }>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly token: string,
  ) {}

  /** `tls: true` serves HTTPS with a fresh self-signed certificate (openssl), like a default PVE install. */
  static async start(token: string, options: { tls?: boolean } = {}): Promise<ProxmoxServer> {
    let server: Server;
    if (options.tls) {
      const dir = mkdtempSync(join(tmpdir(), 'pve-cert-'));
      try {
        execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
        server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } else {
      server = createHttpServer();
    }
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    const instance = new ProxmoxServer(server, `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`, token);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void instance.handle(req, res));
    return instance;
  }

  addVm(vm: Partial<FakeVm> & { vmid: number; node: string }): void {
    this.vms.set(vm.vmid, { name: `vm-${vm.vmid}`, type: 'qemu', template: false, tags: [], ...vm });
  }

  /** Answer the next `times` requests of a route with `status` (or never answer, with hang). */
  fail(route: Route, status: number, times = 1, hang = false): void {
    this.faults.set(route, { status, times, hang });
  }

  count(method: string, pathPrefix: string): number {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix)).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections?.();
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    const record: Recorded = { method, path: url.pathname + url.search, status: 0, authorization: req.headers.authorization, body };
    this.requests.push(record);
    const send = (status: number, payload: unknown) => {
      record.status = status;
      res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8' });
      res.end(JSON.stringify(payload));
    };

    const route: Route | undefined =
      method === 'GET' && url.pathname === '/api2/json/cluster/resources'
        ? 'resources'
        : method === 'PUT' && /^\/api2\/json\/nodes\/[^/]+\/qemu\/\d+\/config$/.test(url.pathname)
          ? 'config'
          : method === 'POST' && url.pathname === '/api2/json/test/create-template'
            ? 'create'
            : undefined;
    if (!route) return send(501, { data: null, message: `Method '${method} ${url.pathname}' not implemented` });

    const fault = this.faults.get(route);
    if (fault && fault.times > 0) {
      fault.times--;
      if (fault.hang) {
        record.status = -1;
        return; // never answer: the client's timeout must fire
      }
      return send(fault.status, { data: null });
    }

    if (route !== 'create' && req.headers.authorization !== `PVEAPIToken=${this.token}`) {
      // Proxmox answers a bad or missing token with 401 and a reason phrase.
      record.status = 401;
      res.writeHead(401, 'authentication failure', { 'Content-Type': 'application/json;charset=UTF-8' });
      res.end(JSON.stringify({ data: null }));
      return;
    }

    if (route === 'resources') {
      const type = url.searchParams.get('type');
      const data = [...this.vms.values()]
        .filter(() => type === null || type === 'vm')
        .map((vm) => ({
          id: `${vm.type}/${vm.vmid}`,
          type: vm.type,
          vmid: vm.vmid,
          name: vm.name,
          node: vm.node,
          status: 'stopped',
          template: vm.template ? 1 : 0,
          ...(vm.tags.length > 0 ? { tags: vm.tags.join(';') } : {}),
          maxmem: 4294967296,
          maxdisk: 34359738368,
          uptime: 0,
        }));
      return send(200, { data });
    }

    if (route === 'config') {
      const [, , , , node, , vmidText] = url.pathname.split('/');
      const vm = this.vms.get(Number(vmidText));
      if (!vm || vm.node !== node) return send(500, { data: null, message: `Configuration file 'nodes/${node}/qemu-server/${vmidText}.conf' does not exist` });
      if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') return send(400, { data: null, message: 'expected a form body' });
      const form = new URLSearchParams(body);
      if (form.has('tags')) vm.tags = (form.get('tags') ?? '').split(/[;, ]+/).filter(Boolean);
      return send(200, { data: null });
    }

    // create: what proxmox-iso does after a successful build (with -force it first deletes the old template)
    const form = new URLSearchParams(body);
    const vmid = Number(form.get('vmid'));
    const node = form.get('node') ?? '';
    const existing = this.vms.get(vmid);
    if (existing && (!existing.template || form.get('force') !== '1')) return send(500, { data: null, message: `VM ${vmid} already exists` });
    this.vms.set(vmid, { vmid, node, name: form.get('name') ?? `vm-${vmid}`, type: 'qemu', template: true, tags: (form.get('tags') ?? '').split(';').filter(Boolean) });
    return send(200, { data: `UPID:${node}:create:${vmid}` });
  }
}
