import { createHash } from 'node:crypto';
import type { RequiredPlugin, TemplateFile } from './template';

/**
 * The content fingerprint of a template: everything that shapes the image and nothing else.
 * Secrets are never an input (they reach Packer only through the environment), nor are the node
 * and VM id (the same image is built on every node) or the API endpoint.
 */

export interface FingerprintInput {
  files: readonly TemplateFile[];
  /** Non-secret -var values from the action's `variables` input. */
  variables: Readonly<Record<string, string>>;
  plugins: readonly RequiredPlugin[];
  packerVersion: string;
}

export interface Fingerprint {
  /** Full sha256, hex. */
  sha256: string;
  /** The first 12 hex digits: what the template carries as tag `fp-<short>`. */
  short: string;
  /** The canonical document that was hashed, for the log. */
  manifest: string;
}

/** Bump when the meaning of the manifest changes, so that old templates are rebuilt once. */
const SCHEMA = 1;

export function computeFingerprint(input: FingerprintInput): Fingerprint {
  const files = [...input.files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => [f.path, createHash('sha256').update(f.content).digest('hex')]);
  const variables = Object.keys(input.variables)
    .sort()
    .map((k) => [k, input.variables[k]]);
  const plugins = [...input.plugins].sort((a, b) => a.name.localeCompare(b.name)).map((p) => [p.name, p.source, p.version]);
  const manifest = JSON.stringify({ schema: SCHEMA, packer: input.packerVersion, plugins, variables, files });
  const sha256 = createHash('sha256').update(manifest).digest('hex');
  return { sha256, short: sha256.slice(0, 12), manifest };
}

export function fingerprintTag(short: string): string {
  return `fp-${short}`;
}
