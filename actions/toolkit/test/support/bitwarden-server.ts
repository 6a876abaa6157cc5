import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback Bitwarden Secrets Manager for tests: it speaks the identity and API wire protocol and
 * the crypto that the real @bitwarden/sdk-napi expects (REFERENCE §7), so the SDK runs unmodified
 * against http://127.0.0.1:<port>. Faults (missing secrets, bad credentials, 429, 5xx) are
 * configurable; a request it does not know is logged in `unknown` and answered 501, so that a new
 * SDK call fails a test clearly instead of hanging on a guess.
 */

export interface FixtureSecret {
  id: string;
  key: string;
  value: string;
  note?: string;
}

export type BitwardenRoute = 'token' | 'get-by-ids' | 'secret' | 'list';

export interface RecordedRequest {
  method: string;
  path: string;
  route: BitwardenRoute | 'unknown';
  /** The answer's status; -1 for a request left hanging. */
  status: number;
  /** Secret ids asked for (get-by-ids body or the path's id). */
  ids?: string[];
}

interface Client {
  secret: string;
  key: Buffer;
}

interface Fault {
  status: number | 'hang';
  times: number;
}

/** 32-byte AES key + 32-byte MAC key, as the SDK's SymmetricCryptoKey (AesCbc256_HmacSha256_B64). */
export interface SymmetricKey {
  enc: Buffer;
  mac: Buffer;
}

export function splitKey(key64: Buffer): SymmetricKey {
  if (key64.length !== 64) throw new Error(`expected a 64-byte key, got ${key64.length}`);
  return { enc: key64.subarray(0, 32), mac: key64.subarray(32, 64) };
}

/** The key that protects a login's encrypted_payload: HMAC-SHA256 then HKDF-Expand (REFERENCE §7). */
export function accessTokenKey(key16: Buffer): SymmetricKey {
  const prk = createHmac('sha256', 'bitwarden-accesstoken').update(key16).digest();
  const info = Buffer.from('sm-access-token');
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; blocks.length * 32 < 64; i++) {
    previous = createHmac('sha256', prk)
      .update(Buffer.concat([previous, info, Buffer.from([i])]))
      .digest();
    blocks.push(previous);
  }
  return splitKey(Buffer.concat(blocks).subarray(0, 64));
}

/** EncString type 2: `2.<iv>|<ct>|<mac>`, AES-256-CBC with HMAC-SHA256 over iv||ct. */
export function encString(plain: string | Buffer, key: SymmetricKey): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', key.enc, iv);
  const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
  const mac = createHmac('sha256', key.mac).update(Buffer.concat([iv, ct])).digest();
  return `2.${iv.toString('base64')}|${ct.toString('base64')}|${mac.toString('base64')}`;
}

/** The inverse of encString, MAC checked: lets tests read what the server holds. */
export function decString(text: string, key: SymmetricKey): string {
  const m = /^2\.([^|]+)\|([^|]+)\|([^|]+)$/.exec(text);
  if (!m) throw new Error('not an EncString of type 2');
  const iv = Buffer.from(m[1]!, 'base64');
  const ct = Buffer.from(m[2]!, 'base64');
  const mac = createHmac('sha256', key.mac).update(Buffer.concat([iv, ct])).digest();
  if (!mac.equals(Buffer.from(m[3]!, 'base64'))) throw new Error('EncString MAC mismatch');
  const decipher = createDecipheriv('aes-256-cbc', key.enc, iv);
  return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

const NOT_FOUND = {
  message: 'Resource not found.',
  validationErrors: null,
  exceptionMessage: null,
  exceptionStackTrace: null,
  innerExceptionMessage: null,
  object: 'error',
};

export class BitwardenServer {
  readonly organizationId = randomUUID();
  readonly orgKey = randomBytes(64);
  /** Every request, in order, with the status it got. */
  readonly requests: RecordedRequest[] = [];
  /** Requests the server does not implement (answered 501). */
  readonly unknown: string[] = [];
  /** Answer get-by-ids with the secrets it has, silently leaving out unknown ids (instead of a 404). */
  omitMissingFromBatch = false;
  private readonly secrets = new Map<string, FixtureSecret & { creationDate: string; revisionDate: string }>();
  private readonly clients = new Map<string, Client>();
  private readonly faults = new Map<BitwardenRoute, Fault>();
  private readonly issued = new Map<string, string>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(secrets: FixtureSecret[] = []): Promise<BitwardenServer> {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    const instance = new BitwardenServer(server, `http://127.0.0.1:${port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void instance.handle(req, res));
    for (const s of secrets) instance.addSecret(s);
    return instance;
  }

  addSecret(secret: Omit<FixtureSecret, 'id'> & { id?: string }): FixtureSecret {
    const now = new Date().toISOString();
    const stored = { ...secret, id: (secret.id ?? randomUUID()).toLowerCase(), creationDate: now, revisionDate: now };
    this.secrets.set(stored.id, stored);
    return stored;
  }

  removeSecret(id: string): void {
    this.secrets.delete(id.toLowerCase());
  }

  /** A valid access token for a new service account of this organization. */
  mintAccessToken(): string {
    const clientId = randomUUID();
    const secret = randomBytes(22).toString('base64url').slice(0, 30);
    const key = randomBytes(16);
    this.clients.set(clientId, { secret, key });
    return `0.${clientId}.${secret}:${key.toString('base64')}`;
  }

  /** Answer the next `times` requests of a route with `status` (e.g. 429, 500, 503), or never (`'hang'`). */
  fail(route: BitwardenRoute, status: number | 'hang', times = 1): void {
    this.faults.set(route, { status, times });
  }

  clearFaults(): void {
    this.faults.clear();
  }

  count(route: BitwardenRoute | 'unknown'): number {
    return this.requests.filter((r) => r.route === route).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = new URL(req.url ?? '/', this.url).pathname;
    const method = req.method ?? 'GET';
    const record: RecordedRequest = { method, path, route: 'unknown', status: 0 };
    this.requests.push(record);
    const send = (status: number, payload: unknown): void => {
      record.status = status;
      const text = JSON.stringify(payload);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };

    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/identity/connect/token') record.route = 'token';
    else if (method === 'POST' && path === '/api/secrets/get-by-ids') record.route = 'get-by-ids';
    else if (method === 'GET' && (m = /^\/api\/secrets\/([0-9a-fA-F-]{36})$/.exec(path))) {
      record.route = 'secret';
      record.ids = [m[1]!.toLowerCase()];
    } else if (method === 'GET' && /^\/api\/organizations\/[0-9a-fA-F-]{36}\/secrets$/.test(path)) record.route = 'list';
    else {
      this.unknown.push(`${method} ${req.url}`);
      send(501, { message: `loopback Bitwarden server: ${method} ${path} is not implemented` });
      return;
    }

    const fault = this.faults.get(record.route);
    if (fault && fault.times > 0) {
      fault.times--;
      if (fault.status === 'hang') {
        record.status = -1;
        return;
      }
      send(fault.status, fault.status === 429 ? { message: 'Too many requests' } : { message: 'An error has occurred.', object: 'error' });
      return;
    }

    if (record.route === 'token') {
      this.token(new URLSearchParams(body), send);
      return;
    }
    if (!this.authorised(req.headers.authorization)) {
      send(401, { message: 'Unauthorized' });
      return;
    }
    switch (record.route) {
      case 'get-by-ids': {
        const ids = ((JSON.parse(body) as { ids?: string[] }).ids ?? []).map((id) => id.toLowerCase());
        record.ids = ids;
        // Like the real server: one inaccessible id fails the whole batch with a bare 404.
        const known = ids.filter((id) => this.secrets.has(id));
        if (known.length < ids.length && !this.omitMissingFromBatch) return send(404, NOT_FOUND);
        return send(200, { data: known.map((id) => this.wire(id)), continuationToken: null, object: 'list' });
      }
      case 'secret': {
        const id = record.ids![0]!;
        if (!this.secrets.has(id)) return send(404, NOT_FOUND);
        return send(200, this.wire(id));
      }
      case 'list':
        return send(200, {
          secrets: [...this.secrets.values()].map((s) => ({
            id: s.id,
            organizationId: this.organizationId,
            key: encString(s.key, splitKey(this.orgKey)),
            creationDate: s.creationDate,
            revisionDate: s.revisionDate,
          })),
          projects: [],
          object: 'SecretsWithProjectsList',
        });
    }
  }

  private token(form: URLSearchParams, send: (status: number, payload: unknown) => void): void {
    const client = this.clients.get(form.get('client_id') ?? '');
    if (form.get('grant_type') !== 'client_credentials' || form.get('scope') !== 'api.secrets' || !client || client.secret !== form.get('client_secret')) {
      send(400, { error: 'invalid_client' });
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const clientId = form.get('client_id')!;
    const header = base64url({ alg: 'RS256', kid: 'loopback', typ: 'at+jwt' });
    const payload = base64url({
      nbf: now,
      exp: now + 3600,
      iss: this.url + '/identity',
      client_id: clientId,
      sub: clientId,
      organization: this.organizationId,
      jti: randomUUID(),
      iat: now,
      scope: ['api.secrets'],
      type: 'ServiceAccount',
    });
    const jwt = `${header}.${payload}.${randomBytes(32).toString('base64url')}`;
    this.issued.set(jwt, clientId);
    send(200, {
      access_token: jwt,
      expires_in: 3600,
      token_type: 'Bearer',
      scope: 'api.secrets',
      encrypted_payload: encString(JSON.stringify({ encryptionKey: this.orgKey.toString('base64') }), accessTokenKey(client.key)),
    });
  }

  private authorised(header: string | undefined): boolean {
    const m = /^Bearer (.+)$/.exec(header ?? '');
    return m !== null && this.issued.has(m[1]!);
  }

  private wire(id: string): object {
    const s = this.secrets.get(id)!;
    const key = splitKey(this.orgKey);
    return {
      id: s.id,
      organizationId: this.organizationId,
      key: encString(s.key, key),
      value: encString(s.value, key),
      note: encString(s.note ?? '', key),
      creationDate: s.creationDate,
      revisionDate: s.revisionDate,
      projects: [],
      read: true,
      write: false,
      object: 'secret',
    };
  }
}
