import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BitwardenServer, decString, splitKey } from '@homelab/toolkit/testing';
import { backoffDelay } from '../src/secrets/retry';
import {
  fetchSecrets,
  loadSecrets,
  parseSecretMapping,
  resolveServer,
  retryReason,
  UserError,
  type BitwardenSettings,
} from '../src/index';

// The REAL @bitwarden/sdk-napi against the loopback server: login, crypto and HTTP are the SDK's.

const fast = { retry: { baseDelayMs: 5, attempts: 3 } };
let server: BitwardenServer;
let token: string;
let out: string[] = [];
const secret = { db: '', ssh: '', api: '' };
const value = { db: `pw-${randomBytes(12).toString('hex')}`, ssh: '', api: `api-${randomBytes(12).toString('hex')}` };
value.ssh = `-----BEGIN OPENSSH PRIVATE KEY-----\n${randomBytes(30).toString('base64')}\n${randomBytes(30).toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;

beforeAll(async () => {
  server = await BitwardenServer.start();
  secret.db = server.addSecret({ key: 'db-password', value: value.db, note: 'postgres' }).id;
  secret.ssh = server.addSecret({ key: 'ssh-key', value: value.ssh }).id;
  secret.api = server.addSecret({ key: 'api-token', value: value.api }).id;
  token = server.mintAccessToken();
});
afterAll(async () => server.close());
beforeEach(() => {
  out = [];
  server.requests.length = 0;
  server.clearFaults();
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  expect(server.unknown).toEqual([]);
});

function settings(mapping: string, accessToken = token, url = server.url): BitwardenSettings {
  return { accessToken, server: url, ...resolveServer(url), mappings: parseSecretMapping(mapping) };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

function noValueIn(text: string): void {
  for (const v of [value.db, value.api, ...value.ssh.split('\n').filter((l) => l.length > 3)]) expect(text).not.toContain(v);
  expect(text).not.toContain(token.split(':')[1]);
  expect(text).not.toContain(token.split('.')[2]!.split(':')[0]);
}

describe('fetchSecrets with the real SDK', () => {
  it('logs in and fetches every mapped secret in one batched request', async () => {
    const secrets = await fetchSecrets(settings(`${secret.db} > DB_PASSWORD\n${secret.ssh} > SSH_KEY\n${secret.api} > API_TOKEN\n${secret.db} > PGPASSWORD`), fast);
    expect(secrets.env()).toEqual({ DB_PASSWORD: value.db, SSH_KEY: value.ssh, API_TOKEN: value.api, PGPASSWORD: value.db });
    expect(server.requests.map((r) => `${r.route} ${r.status}`)).toEqual(['token 200', 'get-by-ids 200']);
    expect(server.requests[1]!.ids).toEqual([secret.db, secret.ssh, secret.api]);
    // Every value was masked, and the first line that mentions it is its mask.
    const printed = out.join('').split('\n');
    for (const v of [value.db, value.api]) expect(printed[printed.findIndex((l) => l.includes(v))]).toBe(`::add-mask::${v}`);
    for (const line of value.ssh.split('\n').filter((l) => l !== '')) {
      expect(printed).toContain(`::add-mask::${line}`);
      expect(printed[printed.findIndex((l) => l.includes(line))]!.startsWith('::add-mask::')).toBe(true);
    }
    expect(printed.some((l) => l.startsWith('Fetched 4 secret(s) from Bitwarden'))).toBe(true);
  });

  it('reads the action inputs (loadSecrets) and returns an empty set when nothing is mapped', async () => {
    vi.stubEnv('INPUT_BITWARDEN-ACCESS-TOKEN', token);
    vi.stubEnv('INPUT_BITWARDEN-SERVER', server.url);
    vi.stubEnv('INPUT_BITWARDEN-SECRETS', `# the API\n${secret.api} > API_TOKEN\n`);
    expect((await loadSecrets(fast)).env()).toEqual({ API_TOKEN: value.api });
    vi.stubEnv('INPUT_BITWARDEN-SECRETS', '');
    expect((await loadSecrets(fast)).names()).toEqual([]);
    expect(server.count('token')).toBe(1);
  });

  it('names the id, line and NAME of a secret that does not exist', async () => {
    const missing = randomUUID();
    const err = await failure(fetchSecrets(settings(`${secret.db} > DB_PASSWORD\n\n${missing} > GONE`), fast));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain(`secret ${missing} ('bitwarden-secrets' line 3, GONE)`);
    expect(err.message).not.toContain(secret.db);
    noValueIn(err.message);
    // A 404 is not retried: one batch, then one probe per id to find the missing one.
    expect(server.count('get-by-ids')).toBe(1);
    expect(server.requests.filter((r) => r.route === 'secret').map((r) => r.ids![0])).toEqual([secret.db, missing]);
  });

  it('names a secret the server leaves out of the batch answer', async () => {
    server.omitMissingFromBatch = true;
    try {
      const missing = randomUUID();
      const err = await failure(fetchSecrets(settings(`${missing} > FIRST\n${secret.api} > API_TOKEN\n${missing} > AGAIN`), fast));
      expect(err.message).toContain(`secret ${missing} ('bitwarden-secrets' line 1, FIRST); secret ${missing} ('bitwarden-secrets' line 3, AGAIN)`);
      noValueIn(err.message);
      expect(server.requests.map((r) => `${r.route} ${r.status}`)).toEqual(['token 200', 'get-by-ids 200']);
    } finally {
      server.omitMissingFromBatch = false;
    }
  });

  it('says the token was rejected, without retrying, when the client secret is wrong', async () => {
    const bad = token.replace(/\.([^.:]+):/, `.${randomBytes(15).toString('base64url')}:`);
    const err = await failure(fetchSecrets(settings(`${secret.db} > DB_PASSWORD`, bad), fast));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain(`The Bitwarden server '${server.url}' rejected the access token (invalid_client)`);
    expect(err.message).not.toContain(bad.split(':')[0]!.split('.')[2]);
    expect(server.requests.map((r) => `${r.route} ${r.status}`)).toEqual(['token 400']);
  });

  it('says the encryption key is wrong when only the part after the colon is', async () => {
    const wrongKey = `${token.split(':')[0]}:${randomBytes(16).toString('base64')}`;
    const err = await failure(fetchSecrets(settings(`${secret.db} > DB_PASSWORD`, wrongKey), fast));
    expect(err.message).toContain("Input 'bitwarden-access-token' has the wrong encryption key (the part after ':')");
    expect(err.message).not.toContain(wrongKey.split(':')[1]);
    expect(server.requests.map((r) => `${r.route} ${r.status}`)).toEqual(['token 200']);
  });

  it.each([
    ['with a short encryption key', () => `${token.split(':')[0]}:${randomBytes(10).toString('base64')}`, 'Invalid base64 length: expected 16, got 10'],
    ['without the encryption key', () => token.split(':')[0]!, "Doesn't contain a decryption key"],
    ['with a bad client id', () => `0.not-a-uuid.${token.split('.')[2]}`, 'Has an invalid identifier'],
  ])('rejects a token %s before any request, never echoing it', async (_what, make, reason) => {
    const malformed = make();
    const err = await failure(fetchSecrets(settings(`${secret.db} > DB_PASSWORD`, malformed), fast));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toContain(`Input 'bitwarden-access-token' is not a valid Bitwarden access token (${reason})`);
    expect(err.message).not.toContain(malformed);
    expect(server.requests).toEqual([]);
  });

  it('reports an unreachable server after retrying', async () => {
    const port = await new Promise<number>((done) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => done(port));
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const err = await failure(fetchSecrets(settings(`${secret.db} > DB_PASSWORD`, token, url), fast));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe(
      `Cannot reach the Bitwarden server '${url}' (${url}/identity/connect/token) after 3 attempt(s): login failed to connect. Check 'bitwarden-server' and the runner's network.`,
    );
    expect(out.join('').match(/Bitwarden login: the server could not be reached; retrying/g)).toHaveLength(2);
  });

  it('retries 429 with backoff, then succeeds', async () => {
    server.fail('get-by-ids', 429, 2);
    server.fail('token', 429, 1);
    const secrets = await fetchSecrets(settings(`${secret.api} > API_TOKEN`), fast);
    expect(secrets.get('API_TOKEN')).toBe(value.api);
    expect(server.requests.map((r) => `${r.route} ${r.status}`)).toEqual(['token 429', 'token 200', 'get-by-ids 429', 'get-by-ids 429', 'get-by-ids 200']);
    expect(out.join('')).toContain('Bitwarden get-by-ids: the server answered 429 Too Many Requests; retrying in');
  });

  it('retries 5xx, and gives up after the configured attempts with the last status', async () => {
    server.fail('get-by-ids', 503, 1);
    expect((await fetchSecrets(settings(`${secret.db} > DB_PASSWORD`), fast)).get('DB_PASSWORD')).toBe(value.db);
    expect(server.count('get-by-ids')).toBe(2);

    server.requests.length = 0;
    server.fail('get-by-ids', 500, 10);
    const err = await failure(fetchSecrets(settings(`${secret.db} > DB_PASSWORD`), fast));
    expect(err.message).toBe(`The Bitwarden server '${server.url}' kept failing: fetching 1 secret(s) answered 500 Internal Server Error after 3 attempt(s). Try again later.`);
    expect(server.count('get-by-ids')).toBe(3);
  });

  it('gives up on a request the server never answers, and retries it', async () => {
    server.fail('get-by-ids', 'hang', 1);
    const options = { ...fast, requestTimeoutMs: 300 };
    expect((await fetchSecrets(settings(`${secret.api} > API_TOKEN`), options)).get('API_TOKEN')).toBe(value.api);
    expect(server.requests.map((r) => `${r.route} ${r.status}`)).toEqual(['token 200', 'get-by-ids -1', 'get-by-ids 200']);

    server.requests.length = 0;
    server.fail('token', 'hang', 3);
    const err = await failure(fetchSecrets(settings(`${secret.api} > API_TOKEN`), options));
    expect(err.message).toBe(`The Bitwarden server '${server.url}' gave no answer to login within 300 ms, 3 time(s). Check 'bitwarden-server' and the server's health.`);
    expect(out.join('')).toContain('Bitwarden login: the server gave no answer within 300 ms; retrying');
  });

  it('reports mapping errors with their line before contacting the server', async () => {
    vi.stubEnv('INPUT_BITWARDEN-ACCESS-TOKEN', token);
    vi.stubEnv('INPUT_BITWARDEN-SERVER', server.url);
    vi.stubEnv('INPUT_BITWARDEN-SECRETS', `${secret.db} > DB_PASSWORD\n${secret.api} API_TOKEN\n`);
    const err = await failure(loadSecrets(fast));
    expect(err.message).toBe("Input 'bitwarden-secrets' is '<line 2>'; expected '<secret-uuid> > NAME' on line 2.");
    expect(server.requests).toEqual([]);
  });
});

describe('the loopback server', () => {
  it('stores values as EncStrings under the organization key', async () => {
    const login = await fetch(`${server.url}/identity/connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ scope: 'api.secrets', grant_type: 'client_credentials', client_id: token.split('.')[1]!, client_secret: token.split('.')[2]!.split(':')[0]! }),
    });
    const { access_token } = (await login.json()) as { access_token: string };
    const res = await fetch(`${server.url}/api/secrets/${secret.db}`, { headers: { authorization: `Bearer ${access_token}` } });
    const wire = (await res.json()) as { value: string; note: string };
    expect(wire.value).toMatch(/^2\.[^|]+\|[^|]+\|[^|]+$/);
    expect(decString(wire.value, splitKey(server.orgKey))).toBe(value.db);
    expect(decString(wire.note, splitKey(server.orgKey))).toBe('postgres');
    const unknown = await fetch(`${server.url}/api/projects`);
    expect(unknown.status).toBe(501);
    expect(server.unknown).toEqual(['GET /api/projects']);
    server.unknown.length = 0;
  });
});

describe('retry policy', () => {
  it('retries throttling, server faults and network errors only', () => {
    expect(retryReason(new Error('Received error message from server: [429 Too Many Requests] {}'))).toBe('the server answered 429 Too Many Requests');
    expect(retryReason(new Error('Received error message from server: [502 Bad Gateway] {}'))).toBe('the server answered 502 Bad Gateway');
    expect(retryReason(new Error('error sending request for url (http://x/identity/connect/token)'))).toBe('the server could not be reached');
    for (const status of ['400 Bad Request', '401 Unauthorized', '403 Forbidden', '404 Not Found']) {
      expect(retryReason(new Error(`Received error message from server: [${status}] {}`))).toBeUndefined();
    }
  });

  it('backs off exponentially with bounded jitter', () => {
    const at = (retry: number, random: number) => backoffDelay(retry, { baseDelayMs: 1000, maxDelayMs: 5000, random: () => random });
    expect([1, 2, 3, 4].map((n) => at(n, 0))).toEqual([500, 1000, 2000, 2500]);
    expect([1, 2, 3, 4].map((n) => at(n, 0.999))).toEqual([1000, 1999, 3998, 4998]);
  });
});
