import { createTwoFilesPatch } from 'diff';
import { isDeepStrictEqual } from 'node:util';
import { stringify } from 'yaml';
import { displayName, objectKey, type DiffObject } from './types';
import { normalizeVersions, versionChanges, type VersionChange } from './versions';

export interface ChangedObject {
  key: string;
  before: DiffObject;
  after: DiffObject;
  /** Unified diff of the rendered YAML. */
  patch: string;
  versions: VersionChange[];
  /** Only versions moved (chart, image tag/digest, OCI ref). */
  routine: boolean;
}

export interface PrDiff {
  added: DiffObject[];
  removed: DiffObject[];
  changed: ChangedObject[];
  /** Flux Kustomizations present on one side only. */
  kustomizationsAdded: string[];
  kustomizationsRemoved: string[];
  /** True when every change is a version bump of the Renovate class (or nothing changed). */
  routine: boolean;
  /** Why not routine, one reason per offending change (empty when routine). */
  reasons: string[];
}

export function toYaml(o: DiffObject): string {
  return stringify(o.body, { sortMapEntries: false, lineWidth: 0 });
}

/**
 * Compare the rendered objects of two revisions. Objects are matched by group/kind/namespace/name,
 * so a file move or a reordering with no rendered change is no change at all.
 */
export function diffObjects(
  base: readonly DiffObject[],
  head: readonly DiffObject[],
  kustomizations: { base: readonly string[]; head: readonly string[] } = { base: [], head: [] },
): PrDiff {
  const baseByKey = new Map(base.map((o) => [objectKey(o), o]));
  const headByKey = new Map(head.map((o) => [objectKey(o), o]));
  const added: DiffObject[] = [];
  const removed: DiffObject[] = [];
  const changed: ChangedObject[] = [];
  const reasons: string[] = [];

  for (const [key, after] of headByKey) {
    const before = baseByKey.get(key);
    if (!before) {
      added.push(after);
      reasons.push(`added ${displayName(after)}`);
      continue;
    }
    if (isDeepStrictEqual(before.body, after.body)) continue;
    const routine = isDeepStrictEqual(normalizeVersions(before.kind, before.body), normalizeVersions(after.kind, after.body));
    const name = displayName(after);
    const patch = createTwoFilesPatch(`a/${name}`, `b/${name}`, toYaml(before), toYaml(after), undefined, undefined, { context: 3 });
    changed.push({ key, before, after, patch: stripHeader(patch), versions: versionChanges(after.kind, before.body, after.body), routine });
    if (!routine) reasons.push(`changed ${name} beyond a version`);
  }
  for (const [key, before] of baseByKey) {
    if (!headByKey.has(key)) {
      removed.push(before);
      reasons.push(`removed ${displayName(before)}`);
    }
  }
  const baseKs = new Set(kustomizations.base);
  const headKs = new Set(kustomizations.head);
  const kustomizationsAdded = [...headKs].filter((k) => !baseKs.has(k)).sort();
  const kustomizationsRemoved = [...baseKs].filter((k) => !headKs.has(k)).sort();
  for (const k of kustomizationsAdded) reasons.push(`added Flux Kustomization ${k}`);
  for (const k of kustomizationsRemoved) reasons.push(`removed Flux Kustomization ${k}`);

  const order = (a: DiffObject, b: DiffObject) => objectKey(a).localeCompare(objectKey(b));
  return {
    added: added.sort(order),
    removed: removed.sort(order),
    changed: changed.sort((a, b) => a.key.localeCompare(b.key)),
    kustomizationsAdded,
    kustomizationsRemoved,
    routine: reasons.length === 0,
    reasons,
  };
}

/** jsdiff's patch starts with an '=====' line and file headers; the comment shows the hunks only. */
function stripHeader(patch: string): string {
  const lines = patch.split('\n');
  const first = lines.findIndex((l) => l.startsWith('@@'));
  return (first >= 0 ? lines.slice(first) : []).join('\n').replace(/\n+$/, '');
}
