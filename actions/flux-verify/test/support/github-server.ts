import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback server speaking the parts of the GitHub REST API that the sticky PR comment uses
 * (list/create/update issue comments, with Link-header pagination), so the real Octokit client
 * from @actions/github is exercised. Records every request.
 */
export interface FakeComment {
  id: number;
  /** The issue or pull request number the comment is on. */
  issue: number;
  body: string;
  user: { login: string; type: string };
}

export class GitHubServer {
  readonly comments: FakeComment[] = [];
  readonly requests: { method: string; path: string; authorization?: string }[] = [];
  /** Status to answer write requests with, e.g. 403 for a read-only token. */
  writeStatus = 0;
  pageSize = 30;
  private server?: Server;
  private nextId = 1000;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  addComment(body: string, login = 'someone', issue = 7): void {
    this.comments.push({ id: this.nextId++, issue, body, user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' } });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push({ method: req.method ?? '', path: url.pathname + url.search, authorization: req.headers.authorization });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString()) as { body?: string }) : {};
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(payload));
    };
    const list = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
    const one = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (this.writeStatus && req.method !== 'GET') {
      send(this.writeStatus, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest' });
      return;
    }
    if (list && req.method === 'GET') {
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? this.pageSize), this.pageSize);
      const page = Number(url.searchParams.get('page') ?? '1');
      const onIssue = this.comments.filter((c) => c.issue === Number(list[3]));
      const slice = onIssue.slice((page - 1) * perPage, page * perPage);
      const headers: Record<string, string> = {};
      if (page * perPage < onIssue.length) {
        const next = new URL(url);
        next.searchParams.set('page', String(page + 1));
        headers.link = `<${next.toString()}>; rel="next"`;
      }
      send(200, slice.map((c) => this.toJson(c)), headers);
      return;
    }
    if (list && req.method === 'POST') {
      const comment = { id: this.nextId++, issue: Number(list[3]), body: body.body ?? '', user: { login: 'github-actions[bot]', type: 'Bot' } };
      this.comments.push(comment);
      send(201, this.toJson(comment));
      return;
    }
    if (one && req.method === 'PATCH') {
      const comment = this.comments.find((c) => c.id === Number(one[3]));
      if (!comment) {
        send(404, { message: 'Not Found' });
        return;
      }
      comment.body = body.body ?? '';
      send(200, this.toJson(comment));
      return;
    }
    send(404, { message: `Not Found: ${req.method} ${url.pathname}` });
  }

  private toJson(c: FakeComment) {
    return { id: c.id, body: c.body, user: c.user, html_url: `https://github.com/o/r/pull/1#issuecomment-${c.id}` };
  }
}
