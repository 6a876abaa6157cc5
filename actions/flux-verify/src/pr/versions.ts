import { parse } from 'yaml';

/**
 * What Renovate's "only a version moved" updates touch: chart versions (HelmRelease, HelmChart),
 * OCI artifact refs, and container image tags/digests (in pod templates, in Helm values, and in
 * values files carried by ConfigMaps). Replacing those with a placeholder and comparing what is left
 * tells a routine bump from a real change.
 */

export interface VersionChange {
  field: string;
  from: string;
  to: string;
  kind: 'chart' | 'image' | 'artifact';
}

const PLACEHOLDER = '<version>';

/** Split an image reference into repository and version (tag and/or digest). */
export function splitImage(ref: string): { repository: string; version: string } {
  const at = ref.indexOf('@');
  const beforeDigest = at >= 0 ? ref.slice(0, at) : ref;
  const digest = at >= 0 ? ref.slice(at) : '';
  const lastSlash = beforeDigest.lastIndexOf('/');
  const colon = beforeDigest.lastIndexOf(':');
  if (colon > lastSlash) return { repository: beforeDigest.slice(0, colon), version: beforeDigest.slice(colon + 1) + digest };
  return { repository: beforeDigest, version: digest };
}

type Json = unknown;

function isRecord(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A copy of `value` with version fields replaced by a placeholder. */
function normalizeValue(value: Json, key: string | undefined, parent: Record<string, Json> | undefined): Json {
  if (typeof value === 'string') {
    if (key === 'image') return `${splitImage(value).repository}:${PLACEHOLDER}`;
    // Helm values style: image: {repository, tag, digest}
    if ((key === 'tag' || key === 'digest') && parent && ('repository' in parent || 'registry' in parent)) return PLACEHOLDER;
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => normalizeValue(v, undefined, undefined));
  if (isRecord(value)) {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalizeValue(v, k, value);
    return out;
  }
  return value;
}

function getPath(obj: Json, path: string[]): Json {
  let cur = obj;
  for (const p of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

function setPath(obj: Json, path: string[], value: Json): void {
  let cur = obj;
  for (const p of path.slice(0, -1)) {
    if (!isRecord(cur)) return;
    cur = cur[p];
  }
  if (isRecord(cur) && path.length > 0 && path[path.length - 1]! in cur) cur[path[path.length - 1]!] = value;
}

/** Fields that hold a version for a kind (besides images, found anywhere). */
const VERSION_FIELDS: Record<string, { path: string[]; kind: VersionChange['kind'] }[]> = {
  HelmRelease: [{ path: ['spec', 'chart', 'spec', 'version'], kind: 'chart' }],
  HelmChart: [{ path: ['spec', 'version'], kind: 'chart' }],
  OCIRepository: [
    { path: ['spec', 'ref', 'tag'], kind: 'artifact' },
    { path: ['spec', 'ref', 'digest'], kind: 'artifact' },
    { path: ['spec', 'ref', 'semver'], kind: 'artifact' },
  ],
};

/** The object with every version replaced by a placeholder. */
export function normalizeVersions(kind: string, body: Record<string, unknown>): Json {
  const copy = normalizeValue(structuredClone(body), undefined, undefined);
  for (const field of VERSION_FIELDS[kind] ?? []) setPath(copy, field.path, PLACEHOLDER);
  if (kind === 'ConfigMap' && isRecord(getPath(copy, ['data']))) {
    const data = getPath(copy, ['data']) as Record<string, Json>;
    for (const [k, v] of Object.entries(data)) {
      if (typeof v !== 'string' || !/\.ya?ml$/.test(k)) continue;
      try {
        data[k] = normalizeValue(parse(v) as Json, undefined, undefined);
      } catch {
        // not YAML after all: compared as text
      }
    }
  }
  return copy;
}

/** The version moves between two versions of an object, for the summary table. */
export function versionChanges(kind: string, before: Record<string, unknown>, after: Record<string, unknown>): VersionChange[] {
  const changes: VersionChange[] = [];
  for (const field of VERSION_FIELDS[kind] ?? []) {
    const from = getPath(before, field.path);
    const to = getPath(after, field.path);
    if (from !== to && (typeof from === 'string' || typeof to === 'string')) {
      changes.push({ field: field.path.join('.'), from: String(from ?? ''), to: String(to ?? ''), kind: field.kind });
    }
  }
  const imagesBefore = collectImages(before, '');
  const imagesAfter = collectImages(after, '');
  for (const [path, to] of imagesAfter) {
    const from = imagesBefore.get(path);
    if (from !== undefined && from !== to) changes.push({ field: path, from, to, kind: 'image' });
  }
  return changes;
}

function collectImages(value: Json, path: string, out = new Map<string, string>(), parent?: Record<string, Json>, key?: string): Map<string, string> {
  if (typeof value === 'string') {
    if (key === 'image') out.set(path, value);
    else if ((key === 'tag' || key === 'digest') && parent && ('repository' in parent || 'registry' in parent)) {
      out.set(path, `${String(parent.repository ?? parent.registry)}:${value}`);
    }
    return out;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      const name = isRecord(v) && typeof v.name === 'string' ? v.name : String(i);
      collectImages(v, `${path}[${name}]`, out);
    });
    return out;
  }
  if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string' && /\.ya?ml$/.test(k) && path === '.data') {
        try {
          collectImages(parse(v) as Json, `${path}.${k}`, out);
        } catch {
          // not YAML
        }
        continue;
      }
      collectImages(v, path === '' ? `.${k}` : `${path}.${k}`, out, value, k);
    }
  }
  return out;
}
