import { Agent, fetch, type Response } from 'undici';
import { UserError, errorMessage } from '@homelab/toolkit';

/**
 * The two Proxmox VE API calls the action makes, over undici's fetch:
 *   GET /api2/json/cluster/resources?type=vm          which templates exist, with their tags
 *   PUT /api2/json/nodes/{node}/qemu/{vmid}/config    tag a fresh template with its fingerprint
 * Authentication is an API token in the `Authorization: PVEAPIToken=user@realm!tokenid=secret`
 * header; the token never appears in a URL, a log line or an error message.
 */

export interface VmResource {
  vmid: number;
  node: string;
  name: string;
  /** 'qemu' or 'lxc': VM ids are shared by both. */
  type: string;
  template: boolean;
  tags: string[];
  status?: string;
}

export interface ProxmoxOptions {
  /** https://pve1.lan:8006 (a trailing /api2/json is accepted). */
  endpoint: string;
  /** user@realm!tokenid=secret */
  token: string;
  /**
   * Skip certificate verification for THIS client only (a dedicated undici Agent); the process-wide
   * TLS settings are untouched, so no other connection of the runner loses verification.
   */
  insecureTls?: boolean;
  attempts?: number;
  retryBaseMs?: number;
  timeoutMs?: number;
  onRetry?: (message: string) => void;
}

export class ProxmoxError extends UserError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ProxmoxError';
  }
}

const TOKEN = /^([^@\s=]+@[^!\s=]+![^=\s]+)=(\S+)$/;

/** Split `user@realm!tokenid=secret` into the id (Packer's `username`) and the secret (`token`). */
export function splitToken(token: string): { id: string; secret: string } {
  const m = TOKEN.exec(token.trim());
  if (!m) {
    throw new UserError("The Proxmox API token (secret PROXMOX_API_TOKEN) is not in the form 'user@realm!tokenid=secret' (e.g. packer@pve!build=xxxxxxxx-...).");
  }
  return { id: m[1]!, secret: m[2]! };
}

/** https://pve1.lan:8006[/api2/json][/] -> https://pve1.lan:8006 */
export function normaliseEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    throw new UserError(`Input 'proxmox-endpoint' is '${endpoint}'; expected a URL such as https://pve1.lan:8006.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UserError(`Input 'proxmox-endpoint' is '${endpoint}'; expected an https:// URL such as https://pve1.lan:8006.`);
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api2\/json$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function causeCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let i = 0; i < 5 && current && typeof current === 'object'; i++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function causeMessage(err: unknown): string {
  const cause = err && typeof err === 'object' ? (err as { cause?: unknown }).cause : undefined;
  return cause ? `${errorMessage(err)} (${errorMessage(cause)})` : errorMessage(err);
}

export class ProxmoxClient {
  readonly base: string;
  private readonly header: string;
  private readonly agent: Agent;
  private readonly attempts: number;
  private readonly retryBaseMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: ProxmoxOptions) {
    this.base = normaliseEndpoint(options.endpoint);
    splitToken(options.token);
    this.header = `PVEAPIToken=${options.token.trim()}`;
    this.agent = new Agent({ connect: { rejectUnauthorized: !options.insecureTls } });
    this.attempts = options.attempts ?? 4;
    this.retryBaseMs = options.retryBaseMs ?? 1000;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  async listVms(): Promise<VmResource[]> {
    const body = await this.request('GET', '/cluster/resources?type=vm');
    const data = (body as { data?: unknown }).data;
    if (!Array.isArray(data)) throw new ProxmoxError(`Proxmox answered GET /cluster/resources without a 'data' list; is ${this.base} a Proxmox VE API?`);
    return data.flatMap((raw): VmResource[] => {
      const r = raw as Record<string, unknown>;
      const vmid = Number(r.vmid);
      if (!Number.isInteger(vmid)) return [];
      return [
        {
          vmid,
          node: String(r.node ?? ''),
          name: String(r.name ?? ''),
          type: String(r.type ?? ''),
          template: Number(r.template ?? 0) === 1,
          tags: parseTags(typeof r.tags === 'string' ? r.tags : ''),
          status: typeof r.status === 'string' ? r.status : undefined,
        },
      ];
    });
  }

  /** Replace the template's tags (Proxmox stores them ';'-separated). Idempotent, hence retried. */
  async setTags(node: string, vmid: number, tags: readonly string[]): Promise<void> {
    const form = new URLSearchParams({ tags: tags.join(';') });
    await this.request('PUT', `/nodes/${encodeURIComponent(node)}/qemu/${vmid}/config`, form);
  }

  private async request(method: 'GET' | 'PUT', path: string, form?: URLSearchParams): Promise<unknown> {
    const url = `${this.base}/api2/json${path}`;
    const what = `${method} ${path.split('?')[0]}`;
    let last = '';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: {
            Authorization: this.header,
            Accept: 'application/json',
            ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
          },
          body: form?.toString(),
          dispatcher: this.agent,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        const code = causeCode(err);
        if (code && TLS_CODES.has(code)) {
          throw new ProxmoxError(
            `TLS verification of ${this.base} failed (${code}). Give the runner a certificate it trusts (e.g. NODE_EXTRA_CA_CERTS with the Proxmox root CA, /etc/pve/pve-root-ca.pem) or, for a self-signed lab certificate, set input 'insecure-tls: true'.`,
          );
        }
        last = code === 'ABORT_ERR' || (err as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : causeMessage(err);
        await this.backoff(attempt, what, last);
        continue;
      }
      const text = await response.text();
      if (response.ok) {
        try {
          return text === '' ? {} : (JSON.parse(text) as unknown);
        } catch {
          throw new ProxmoxError(`Proxmox answered ${what} with something that is not JSON (HTTP ${response.status}); is ${this.base} a Proxmox VE API?`, response.status);
        }
      }
      const detail = `HTTP ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 300)}` : ''}`;
      if (response.status === 401) {
        throw new ProxmoxError(
          `Proxmox rejected the API token (${what} -> HTTP 401 ${response.statusText}). Check secret PROXMOX_API_TOKEN: 'user@realm!tokenid=secret', the token exists on ${this.base}, is not expired and its user is enabled.`,
          401,
        );
      }
      if (response.status === 403) {
        const need = method === 'GET' ? 'VM.Audit on /vms' : 'VM.Config.Options on /vms';
        throw new ProxmoxError(`The Proxmox API token lacks a permission for ${what} (${detail}); it needs ${need} (with privilege separation, grant it to the token itself).`, 403);
      }
      if (response.status >= 500 || response.status === 429 || response.status === 408) {
        last = detail;
        await this.backoff(attempt, what, last);
        continue;
      }
      throw new ProxmoxError(`Proxmox refused ${what}: ${detail}`, response.status);
    }
    throw new ProxmoxError(`Proxmox API ${what} at ${this.base} failed after ${this.attempts} attempts; last error: ${last}`);
  }

  private async backoff(attempt: number, what: string, reason: string): Promise<void> {
    if (attempt >= this.attempts) return;
    const delay = this.retryBaseMs * 2 ** (attempt - 1);
    this.options.onRetry?.(`Proxmox API ${what} failed (${reason}); retry ${attempt}/${this.attempts - 1} in ${delay} ms`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** Proxmox returns tags ';'-separated; older versions and hand edits also use ',' or spaces. */
export function parseTags(raw: string): string[] {
  return raw
    .split(/[;, ]+/)
    .map((t) => t.trim())
    .filter((t) => t !== '');
}
