import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback S3-compatible object store, just enough of the S3 REST protocol for terraform's S3
 * backend with path-style addressing: ListObjectsV2, HEAD/GET/PUT/DELETE object, and the
 * conditional PUT (If-None-Match: *) that `use_lockfile = true` locks with. Requests are recorded
 * (with the access key id from the SigV4 Authorization header, never the signature); anything
 * else is answered 501 and logged in `unknown`.
 */

export interface S3Request {
  method: string;
  path: string;
  query: string;
  /** Access key id from `Authorization: AWS4-HMAC-SHA256 Credential=<id>/...`. */
  accessKeyId?: string;
  status: number;
}

export class S3Server {
  readonly objects = new Map<string, Buffer>();
  readonly requests: S3Request[] = [];
  readonly unknown: string[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<S3Server> {
    const ready: { instance?: S3Server } = {};
    const server = createServer((req, res) => void ready.instance!.handle(req, res));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    ready.instance = new S3Server(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return ready.instance;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://loopback');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const key = `${bucket}/${decodeURIComponent(rest.join('/'))}`;
    const auth = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '');
    const reply = (status: number, text?: string | Buffer, headers: Record<string, string> = {}) => {
      this.requests.push({ method: req.method ?? '', path: url.pathname, query: url.search, accessKeyId: auth?.[1], status });
      res.writeHead(status, headers);
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    const xmlError = (status: number, code: string, message: string) =>
      reply(status, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`, { 'content-type': 'application/xml' });

    if (!auth) return xmlError(403, 'AccessDenied', 'Anonymous access is not allowed');
    if (req.method === 'GET' && rest.join('/') === '' && url.searchParams.get('list-type') === '2') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const keys = [...this.objects.keys()].filter((k) => k.startsWith(`${bucket}/${prefix}`)).map((k) => k.slice(bucket.length + 1));
      const contents = keys.map((k) => `<Contents><Key>${k}</Key><Size>${this.objects.get(`${bucket}/${k}`)!.length}</Size></Contents>`).join('');
      return reply(
        200,
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${bucket}</Name><Prefix>${prefix}</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
        { 'content-type': 'application/xml' },
      );
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      const object = this.objects.get(key);
      if (!object) return xmlError(404, 'NoSuchKey', 'The specified key does not exist.');
      return reply(200, object, { 'content-length': String(object.length), etag: '"loopback"' });
    }
    if (req.method === 'PUT') {
      if (req.headers['if-none-match'] === '*' && this.objects.has(key)) {
        return xmlError(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      }
      this.objects.set(key, body);
      return reply(200, '', { etag: '"loopback"' });
    }
    if (req.method === 'DELETE') {
      this.objects.delete(key);
      return reply(204);
    }
    this.unknown.push(`${req.method} ${req.url}`);
    return reply(501, 'not implemented by the loopback S3 server');
  }
}
