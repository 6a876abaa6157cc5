import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateDir } from '@homelab/toolkit';
import type { Kubectl } from './kubectl';
import { toYamlStream, type RepoObject } from './repo';

export interface SyncResult {
  /** Objects whose live state differed (or that were missing) and were applied. */
  applied: string[];
  unchanged: string[];
}

/** True when every field set in `want` has the same value in `have` (the API server adds defaults). */
export function isSubset(want: unknown, have: unknown): boolean {
  if (want === null || typeof want !== 'object') return want === have || (want !== undefined && String(want) === String(have) && typeof have !== 'object');
  if (Array.isArray(want)) return Array.isArray(have) && want.length === have.length && want.every((w, i) => isSubset(w, have[i]));
  if (have === null || typeof have !== 'object' || Array.isArray(have)) return false;
  return Object.entries(want as Record<string, unknown>).every(([k, v]) => isSubset(v, (have as Record<string, unknown>)[k]));
}

function describe(o: { kind: string; namespace?: string; name: string }): string {
  return `${o.kind} ${o.namespace ?? ''}/${o.name}`;
}

/**
 * Make the bootstrap's sync objects in the cluster match the repository: read them back, and
 * server-side apply them only when one is missing or differs, so that a healthy cluster is not
 * written to.
 */
export async function ensureSyncObjects(kubectl: Kubectl, objects: readonly RepoObject[]): Promise<SyncResult> {
  if (objects.length === 0) return { applied: [], unchanged: [] };
  const file = join(privateDir('flux-sync-'), 'sync.yaml');
  writeFileSync(file, toYamlStream(objects), { mode: 0o600 });
  const live = await kubectl.items(['-f', file, '--ignore-not-found']);
  const differs: string[] = [];
  const unchanged: string[] = [];
  for (const want of objects) {
    const have = live.find((l) => {
      const m = (l.metadata ?? {}) as { name?: string; namespace?: string };
      return l.kind === want.kind && m.name === want.name && (m.namespace ?? 'flux-system') === want.namespace;
    });
    const wantMeta = (want.doc.metadata ?? {}) as Record<string, unknown>;
    const haveMeta = (have?.metadata ?? {}) as Record<string, unknown>;
    const same =
      have !== undefined &&
      isSubset(want.doc.spec ?? {}, have.spec ?? {}) &&
      isSubset(wantMeta.labels ?? {}, haveMeta.labels ?? {}) &&
      isSubset(wantMeta.annotations ?? {}, haveMeta.annotations ?? {});
    (same ? unchanged : differs).push(describe(want));
  }
  if (differs.length === 0) return { applied: [], unchanged };
  await kubectl.run(['apply', '--server-side', '--force-conflicts', '--field-manager=flux-verify', '-f', file]);
  return { applied: differs, unchanged };
}
