import { existsSync } from 'node:fs';
import { join, normalize, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { errorMessage } from '@homelab/toolkit';
import type { ClusterInputs } from './inputs';
import type { Kubectl } from './kubectl';
import { info } from './log';
import { isInside, type RepoObject } from './repo';
import type { Rollout } from './rollout';
import { refKey, type ObjectRef, type TrackedKind } from './status';

function ref(kind: TrackedKind, o: RepoObject, defaultNamespace = 'flux-system'): ObjectRef {
  return { kind, name: o.name, namespace: o.namespace ?? defaultNamespace };
}

/**
 * The Flux Kustomizations the root Kustomization will apply: its directory built with the real
 * kustomize when it has a kustomization.yaml (a file in ks/ that is not listed is not applied),
 * else every Kustomization under it (kustomize-controller generates a kustomization.yaml listing
 * every manifest then). Each is matched back to the file and line that defines it.
 */
export async function clusterKustomizations(kubectl: Kubectl, inputs: ClusterInputs, repo: readonly RepoObject[]): Promise<RepoObject[]> {
  const scanned = repo.filter((o) => o.kind === 'Kustomization' && isInside(resolve(inputs.workspace, o.file), inputs.cluster));
  if (!['kustomization.yaml', 'kustomization.yml', 'Kustomization'].some((f) => existsSync(join(inputs.cluster, f)))) return scanned;
  let rendered;
  try {
    rendered = await kubectl.run(['kustomize', inputs.cluster]);
  } catch (err) {
    info(`kustomize could not build ${relative(inputs.workspace, inputs.cluster)} (${errorMessage(err).split('\n')[0]}); expecting every Kustomization found under it.`);
    return scanned;
  }
  const result: RepoObject[] = [];
  for (const d of parseAllDocuments(rendered.stdout)) {
    const doc = d.toJS() as Record<string, unknown> | null;
    if (!doc || typeof doc.apiVersion !== 'string' || !doc.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/') || doc.kind !== 'Kustomization') continue;
    const metadata = (doc.metadata ?? {}) as { name?: string; namespace?: string };
    if (!metadata.name) continue;
    const source = scanned.find((o) => o.name === metadata.name && (o.namespace ?? 'flux-system') === (metadata.namespace ?? 'flux-system'));
    result.push({ apiVersion: doc.apiVersion, kind: 'Kustomization', name: metadata.name, namespace: metadata.namespace, file: source?.file ?? relative(inputs.workspace, inputs.cluster), line: source?.line ?? 1, doc });
  }
  return result;
}

/**
 * The repository's promise: the sync objects, and the Flux Kustomizations the root Kustomization
 * (the one whose path is the cluster directory) creates.
 */
export function expectFromRepository(rollout: Rollout, inputs: ClusterInputs, sync: readonly RepoObject[], layers: readonly RepoObject[]): void {
  const want = relative(inputs.workspace, inputs.cluster);
  const roots = sync.filter((o) => o.kind === 'Kustomization');
  const root =
    roots.find((o) => normalize(String((o.doc.spec as { path?: unknown } | undefined)?.path ?? '')).replace(/\/+$/, '') === want) ?? (roots.length === 1 ? roots[0] : undefined);
  const rootRef = root ? ref('Kustomization', root) : undefined;
  for (const o of sync) {
    if (o.kind !== 'GitRepository' && o.kind !== 'OCIRepository' && o.kind !== 'Kustomization') continue;
    rollout.expect(ref(o.kind, o), { ...specRefs(o), file: o.file, line: o.line });
  }
  const syncKeys = new Set(sync.map((o) => `${o.kind}/${o.namespace}/${o.name}`));
  for (const o of layers) {
    const r = ref('Kustomization', o);
    if (syncKeys.has(refKey(r))) continue;
    rollout.expect(r, { ...specRefs(o), creator: rootRef, file: o.file, line: o.line });
  }
}

function specRefs(o: RepoObject): { dependsOn?: ObjectRef[]; source?: ObjectRef } {
  const spec = (o.doc.spec ?? {}) as { dependsOn?: { name?: string; namespace?: string }[]; sourceRef?: { kind?: string; name?: string; namespace?: string } };
  const namespace = o.namespace ?? 'flux-system';
  const dependsOn = (spec.dependsOn ?? [])
    .filter((d) => typeof d?.name === 'string')
    .map((d) => ({ kind: 'Kustomization' as const, name: d.name!, namespace: d.namespace ?? namespace }));
  const s = spec.sourceRef;
  const sourceKind = s?.kind === 'GitRepository' || s?.kind === 'OCIRepository' ? s.kind : undefined;
  const source: ObjectRef | undefined = s && sourceKind && s.name ? { kind: sourceKind, name: s.name, namespace: s.namespace ?? namespace } : undefined;
  return o.kind === 'Kustomization' ? { dependsOn, source } : {};
}

