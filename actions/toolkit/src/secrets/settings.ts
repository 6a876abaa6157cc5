import * as core from '@actions/core';
import { InputError } from '../inputs';
import { maskSecret } from './mask';
import { parseSecretMapping, type SecretMapping } from './mapping';

export const BITWARDEN_TOKEN_INPUT = 'bitwarden-access-token';
export const BITWARDEN_SERVER_INPUT = 'bitwarden-server';
export const BITWARDEN_SECRETS_INPUT = 'bitwarden-secrets';

export interface BitwardenSettings {
  /** The machine account's access token (masked as soon as it is read). */
  accessToken: string;
  /** The `bitwarden-server` input as given (`us`, `eu` or a base URL), for messages. */
  server: string;
  apiUrl: string;
  identityUrl: string;
  mappings: SecretMapping[];
}

const CLOUD: Record<string, { apiUrl: string; identityUrl: string }> = {
  us: { apiUrl: 'https://api.bitwarden.com', identityUrl: 'https://identity.bitwarden.com' },
  eu: { apiUrl: 'https://api.bitwarden.eu', identityUrl: 'https://identity.bitwarden.eu' },
};

const SERVER_EXPECTED = "'us', 'eu' or the https:// base URL of a self-hosted Bitwarden server";

function loopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * `us` / `eu` name the cloud regions; anything else is a self-hosted base URL whose API and
 * identity services live under /api and /identity. Plain http is refused except on loopback:
 * the access token and every secret would cross the network in clear.
 */
export function resolveServer(server: string, input = BITWARDEN_SERVER_INPUT): { apiUrl: string; identityUrl: string } {
  const region = CLOUD[server.trim().toLowerCase() || 'us'];
  if (region) return region;
  let url: URL;
  try {
    url = new URL(server.trim());
  } catch {
    throw new InputError(input, server, SERVER_EXPECTED);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback(url.hostname))) {
    throw new InputError(input, server, `${SERVER_EXPECTED} (http:// is accepted only for a loopback address)`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new InputError(input, server, `${SERVER_EXPECTED}, without credentials, query or fragment`);
  }
  const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  return { apiUrl: `${base}/api`, identityUrl: `${base}/identity` };
}

/**
 * Read the three Bitwarden inputs. The access token is masked before anything else happens to it;
 * undefined when `bitwarden-secrets` maps nothing (the action needs no secrets).
 */
export function readBitwardenInputs(): BitwardenSettings | undefined {
  const accessToken = core.getInput(BITWARDEN_TOKEN_INPUT, { trimWhitespace: true });
  if (accessToken !== '') maskAccessToken(accessToken);
  // Untrimmed, so that the line numbers in mapping errors match the workflow's block.
  const mappingText = core.getInput(BITWARDEN_SECRETS_INPUT, { trimWhitespace: false });
  const mappings = parseSecretMapping(mappingText, BITWARDEN_SECRETS_INPUT);
  if (mappings.length === 0) return undefined;
  if (accessToken === '') {
    throw new InputError(BITWARDEN_TOKEN_INPUT, '', `a Bitwarden Secrets Manager access token, because '${BITWARDEN_SECRETS_INPUT}' maps ${mappings.length} secret(s)`);
  }
  const server = core.getInput(BITWARDEN_SERVER_INPUT, { trimWhitespace: true }) || 'us';
  return { accessToken, server, ...resolveServer(server), mappings };
}

/** The whole token and its secret parts, so that neither half shows up in a log on its own. */
export function maskAccessToken(token: string): void {
  maskSecret(token);
  const m = /^[^.]*\.[^.]*\.([^:]+):(.+)$/.exec(token);
  if (m) {
    maskSecret(m[1]!);
    maskSecret(m[2]!);
  }
}
