// The shim must run before the SDK's loader: keep this import first.
import './native-shim';
import type { BitwardenClient, LogLevel } from '@bitwarden/sdk-napi';
import * as core from '@actions/core';
import { UserError, errorMessage } from '../errors';
import { formatMs } from '../tool';
import { maskSecret } from './mask';
import type { SecretMapping } from './mapping';
import { withRetry, type RetryOptions } from './retry';
import { SecretSet } from './secret-set';
import { BITWARDEN_SECRETS_INPUT, BITWARDEN_TOKEN_INPUT, maskAccessToken, readBitwardenInputs, type BitwardenSettings } from './settings';

export interface FetchOptions {
  retry?: RetryOptions;
  /**
   * Give up on one request after this long (default 30 s) and retry: the SDK itself waits forever
   * on a server that accepts the connection but never answers.
   */
  requestTimeoutMs?: number;
  /** Sent as the HTTP user agent. */
  userAgent?: string;
}

export type { RetryOptions } from './retry';

/** The SDK's LogLevel.Error (an ambient const enum, which isolatedModules cannot read). */
const LOG_LEVEL_ERROR = 4 as LogLevel;

/** `[429 Too Many Requests] {...}` inside the SDK's "Received error message from server" text. */
function httpStatus(err: unknown): { code: number; text: string } | undefined {
  const m = /\[(\d{3})([^\]]*)\]/.exec(errorMessage(err));
  return m ? { code: Number(m[1]), text: `${m[1]}${m[2]}` } : undefined;
}

class RequestTimeout extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/**
 * The SDK cannot cancel a request: an abandoned one stays pending (and keeps the process alive)
 * until the server drops the connection. The error is swallowed so that it cannot go unhandled.
 */
function withTimeout<T>(promise: Promise<T>, options: FetchOptions): Promise<T> {
  const ms = options.requestTimeoutMs ?? 30_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeout(ms)), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function unreachable(err: unknown): boolean {
  return /error sending request/i.test(errorMessage(err));
}

/** Why an error is worth another attempt: throttling, a server fault or a network failure. */
export function retryReason(err: unknown): string | undefined {
  if (err instanceof RequestTimeout) return `the server gave ${err.message}`;
  const status = httpStatus(err);
  if (status && (status.code === 429 || status.code >= 500)) return `the server answered ${status.text}`;
  if (!status && unreachable(err)) return 'the server could not be reached';
  return undefined;
}

/** A malformed token is reported without echoing any of it. */
function malformedTokenError(reason: string): UserError {
  return new UserError(
    `Input '${BITWARDEN_TOKEN_INPUT}' is not a valid Bitwarden access token (${reason}); expected '0.<client-id>.<client-secret>:<encryption-key>' ` +
      'as shown once when the access token is created for a machine account.',
  );
}

function describeFailure(what: string, settings: BitwardenSettings, err: unknown, attempts: number): UserError {
  const server = `Bitwarden server '${settings.server}'`;
  if (err instanceof RequestTimeout) {
    return new UserError(`The ${server} gave no answer to ${what} within ${formatMs(err.ms)}, ${attempts} time(s). Check 'bitwarden-server' and the server's health.`);
  }
  const status = httpStatus(err);
  if (!status && unreachable(err)) {
    const url = /\(([^)]+)\)/.exec(errorMessage(err))?.[1] ?? settings.identityUrl;
    return new UserError(`Cannot reach the ${server} (${url}) after ${attempts} attempt(s): ${what} failed to connect. Check 'bitwarden-server' and the runner's network.`);
  }
  if (status && (status.code === 429 || status.code >= 500)) {
    return new UserError(`The ${server} kept failing: ${what} answered ${status.text} after ${attempts} attempt(s). Try again later.`);
  }
  if (status && (status.code === 401 || status.code === 403)) {
    return new UserError(`The ${server} refused ${what} (${status.text}): the machine account may not read these secrets. Grant it access to their project.`);
  }
  // The SDK's own text; it names URLs and statuses, never a secret value.
  const text = errorMessage(err).replace(/^Received error message from server: /, '').slice(0, 300);
  return new UserError(`Bitwarden ${what} failed: ${text}`);
}

/**
 * The SDK (and its native addon) is loaded only when an action maps secrets: most runs of most
 * actions need none, and a native addon that is never loaded can neither slow nor crash them.
 */
let sdk: Promise<typeof import('@bitwarden/sdk-napi')> | undefined;
function loadSdk(): Promise<typeof import('@bitwarden/sdk-napi')> {
  sdk ??= import('@bitwarden/sdk-napi');
  return sdk;
}

async function login(settings: BitwardenSettings, options: FetchOptions): Promise<BitwardenClient> {
  const attempts = options.retry?.attempts ?? 4;
  const { BitwardenClient } = await loadSdk();
  try {
    return await withRetry(
      'Bitwarden login',
      async () => {
        // A failed login leaves the client locked: every attempt starts from a fresh one.
        const client = new BitwardenClient(
          { apiUrl: settings.apiUrl, identityUrl: settings.identityUrl, userAgent: options.userAgent ?? 'homelab-actions' },
          LOG_LEVEL_ERROR,
        );
        await withTimeout(client.auth().loginAccessToken(settings.accessToken), options);
        return client;
      },
      retryReason,
      options.retry,
    );
  } catch (err) {
    const message = errorMessage(err);
    const malformed = /Access token is not in a valid format: (.*)/.exec(message);
    if (malformed) throw malformedTokenError(malformed[1]!.trim());
    if (/MAC doesn't match/i.test(message)) {
      // The server accepted the client id and secret, but the key after ':' cannot open the payload.
      throw new UserError(
        `Input '${BITWARDEN_TOKEN_INPUT}' has the wrong encryption key (the part after ':'): the token is mistyped or truncated. ` +
          "Copy the whole access token into the workflow's secret again.",
      );
    }
    const status = httpStatus(err);
    if (status?.code === 400 && /invalid_client/.test(message)) {
      throw new UserError(
        `The Bitwarden server '${settings.server}' rejected the access token (invalid_client): it is revoked, expired or mistyped, ` +
          `or belongs to another server. Create a new access token for the machine account and store it in the workflow's secret.`,
      );
    }
    throw describeFailure('login', settings, err, attempts);
  }
}

function mappingLabel(m: SecretMapping): string {
  return `secret ${m.id} ('${BITWARDEN_SECRETS_INPUT}' line ${m.line}, ${m.name})`;
}

function missingError(missing: SecretMapping[]): UserError {
  const list = missing.map(mappingLabel).join('; ');
  return new UserError(
    `Bitwarden has no ${list}, or the machine account cannot read ${missing.length === 1 ? 'it' : 'them'}. ` +
      'Check the id and give the machine account access to the project that holds the secret.',
  );
}

/** A batch 404 does not say which id is missing: ask for each one to name it. */
async function findMissing(client: BitwardenClient, mappings: SecretMapping[], options: FetchOptions): Promise<SecretMapping[]> {
  const absent = new Set<string>();
  for (const id of new Set(mappings.map((m) => m.id))) {
    try {
      const secret = await withRetry('Bitwarden get', () => withTimeout(client.secrets().get(id), options), retryReason, options.retry);
      maskSecret(secret.value);
    } catch (err) {
      if (httpStatus(err)?.code === 404) absent.add(id);
      else throw err;
    }
  }
  return mappings.filter((m) => absent.has(m.id));
}

/**
 * Log in with the machine account's access token and fetch every mapped secret in one batched
 * request. Each value is masked before anything else is done with it. Throttling, server faults
 * and network errors are retried with backoff; errors name the secret id or mapping line, never
 * a value.
 */
export async function fetchSecrets(settings: BitwardenSettings, options: FetchOptions = {}): Promise<SecretSet> {
  maskAccessToken(settings.accessToken);
  if (settings.mappings.length === 0) return SecretSet.empty();
  const attempts = options.retry?.attempts ?? 4;
  const client = await login(settings, options);
  const ids = [...new Set(settings.mappings.map((m) => m.id.toLowerCase()))];
  let secrets: { id: string; value: string }[];
  try {
    secrets = (await withRetry('Bitwarden get-by-ids', () => withTimeout(client.secrets().getByIds(ids), options), retryReason, options.retry)).data;
  } catch (err) {
    if (httpStatus(err)?.code === 404) {
      const missing = await findMissing(client, settings.mappings, options);
      if (missing.length > 0) throw missingError(missing);
    }
    throw describeFailure(`fetching ${ids.length} secret(s)`, settings, err, attempts);
  }
  const byId = new Map<string, string>();
  for (const secret of secrets) {
    maskSecret(secret.value);
    byId.set(secret.id.toLowerCase(), secret.value);
  }
  const missing = settings.mappings.filter((m) => !byId.has(m.id.toLowerCase()));
  if (missing.length > 0) throw missingError(missing);
  const values: Record<string, string> = {};
  for (const m of settings.mappings) values[m.name] = byId.get(m.id.toLowerCase())!;
  core.info(`Fetched ${settings.mappings.length} secret(s) from Bitwarden (${settings.server}): ${settings.mappings.map((m) => m.name).join(', ')}.`);
  return SecretSet.fromValues(values);
}

/** The action's secrets from its inputs; an empty set when `bitwarden-secrets` maps nothing. */
export async function loadSecrets(options: FetchOptions = {}): Promise<SecretSet> {
  const settings = readBitwardenInputs();
  return settings ? fetchSecrets(settings, options) : SecretSet.empty();
}
