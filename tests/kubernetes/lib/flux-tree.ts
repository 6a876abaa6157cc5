// Discovers the Flux Kustomizations of the production cluster (gotk-sync.yaml + the ks/ files) and
// renders each one the way kustomize-controller does: `kubectl kustomize <path>`, then post-build
// substitution from the cluster-settings ConfigMap.
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { substitute } from './envsubst';

const run = promisify(execFile);

export type K8sObject = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  [key: string]: unknown;
};

export interface FluxKustomization {
  name: string;
  namespace: string;
  /** Repository-relative file that declares it. */
  file: string;
  object: K8sObject;
  path: string;
  dependsOn: string[];
  substitutes: boolean;
}

export const CLUSTER = 'kubernetes/clusters/production';

export function parseYamlDocuments(text: string, where: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as K8sObject | null;
    return value ? [value] : [];
  });
}

export function readObjects(root: string, file: string): K8sObject[] {
  return parseYamlDocuments(readFileSync(join(root, file), 'utf8'), file);
}

function toKustomization(object: K8sObject, file: string): FluxKustomization {
  const spec = (object.spec ?? {}) as { path?: string; dependsOn?: { name: string }[]; postBuild?: { substituteFrom?: unknown[] } };
  return {
    name: object.metadata?.name ?? '',
    namespace: object.metadata?.namespace ?? 'flux-system',
    file,
    object,
    path: (spec.path ?? '').replace(/^\.\//, ''),
    dependsOn: (spec.dependsOn ?? []).map((d) => d.name),
    substitutes: (spec.postBuild?.substituteFrom ?? []).length > 0,
  };
}

const isFluxKustomization = (o: K8sObject) => o.kind === 'Kustomization' && (o.apiVersion ?? '').startsWith('kustomize.toolkit.fluxcd.io/');

/** The root (from gotk-sync.yaml) and every Kustomization declared in ks/. */
export function discoverKustomizations(root: string): FluxKustomization[] {
  const sync = `${CLUSTER}/flux-system/gotk-sync.yaml`;
  const found = readObjects(root, sync).filter(isFluxKustomization).map((o) => toKustomization(o, sync));
  for (const entry of readdirSync(join(root, CLUSTER, 'ks')).filter((f) => f.endsWith('.yaml')).sort()) {
    const file = `${CLUSTER}/ks/${entry}`;
    found.push(...readObjects(root, file).filter(isFluxKustomization).map((o) => toKustomization(o, file)));
  }
  return found;
}

export function clusterSettings(root: string): Record<string, string> {
  const cm = readObjects(root, `${CLUSTER}/cluster-settings.yaml`).find((o) => o.kind === 'ConfigMap' && o.metadata?.name === 'cluster-settings');
  if (!cm?.data) throw new Error('cluster-settings ConfigMap not found');
  return cm.data;
}

export interface Rendered {
  kustomization: FluxKustomization;
  /** kustomize output before substitution. */
  raw: string;
  objects: K8sObject[];
}

export async function kustomizeBuild(root: string, path: string): Promise<string> {
  try {
    const { stdout } = await run('kubectl', ['kustomize', path], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`kubectl kustomize ${path} failed: ${e.stderr || e.message}`);
  }
}

/** Runs `work` over items, at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await work(items[index] as T) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function render(kustomization: FluxKustomization, raw: string, settings: Record<string, string>): Rendered {
  const text = kustomization.substitutes ? substitute(raw, settings) : raw;
  return { kustomization, raw, objects: parseYamlDocuments(text, kustomization.path) };
}
