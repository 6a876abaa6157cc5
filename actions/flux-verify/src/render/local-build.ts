import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { FileStore } from './files';
import { groupOf, kustomizeClusterScoped } from './scope';
import type { KubeObject } from './types';

/**
 * In-process kustomize for the common case: kustomization files that only list plain resource
 * files and directories, optionally with `namespace:` (or Flux's generated kustomization for a
 * directory without one). It returns the same objects as `kustomize build`; whenever a directory
 * uses anything else (generators, patches, components, labels, remote bases...) or looks wrong in
 * any way, it returns `undefined` and the caller runs the real kustomize, which then also produces
 * kustomize's own error message.
 */

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export interface BuiltObject {
  object: KubeObject;
  /** Absolute source file and document index. */
  path: string;
  doc: number;
}

export type LocalBuild =
  | { ok: true; objects: BuiltObject[]; files: string[] }
  /** A file in the build has YAML errors (reported on their own): the build fails like Flux's would. */
  | { ok: false; yamlFile: string; message: string };

const SIMPLE_KEYS = new Set(['apiVersion', 'kind', 'resources', 'namespace']);
/** Kinds whose fields the namespace transformer also rewrites (subjects, webhook services). */
const NAMESPACE_SENSITIVE = new Set(['RoleBinding', 'ClusterRoleBinding', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'APIService']);

class NotSimple extends Error {}
class YamlBroken extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

export function kustomizationFile(dir: string): string | undefined {
  const found = KUSTOMIZATION_FILES.map((f) => join(dir, f)).filter((f) => existsSync(f) && statSync(f).isFile());
  if (found.length > 1) return undefined;
  return found[0];
}

/** Flux's generated kustomization for a directory without one: every .yaml/.yml below it, and sub-directories that hold a kustomization. */
export function fluxScan(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        if (KUSTOMIZATION_FILES.some((f) => existsSync(join(p, f)) && statSync(join(p, f)).isFile())) out.push(p);
        else walk(p);
      } else if (extname(p) === '.yaml' || extname(p) === '.yml') out.push(p);
    }
  };
  walk(dir);
  return out;
}

export function localBuild(store: FileStore, dir: string, targetNamespace: string | undefined): LocalBuild | undefined {
  const files: string[] = [];
  try {
    const kfile = kustomizationFile(dir);
    let objects: BuiltObject[];
    if (kfile) objects = buildDir(store, dir, new Set(), files);
    else if (KUSTOMIZATION_FILES.some((f) => existsSync(join(dir, f)))) return undefined;
    else {
      objects = [];
      for (const entry of fluxScan(dir)) objects.push(...buildEntry(store, entry, new Set([dir]), files));
    }
    if (targetNamespace !== undefined) setNamespace(objects, targetNamespace);
    ensureUniqueIds(objects);
    return { ok: true, objects, files };
  } catch (err) {
    if (err instanceof NotSimple) return undefined;
    if (err instanceof YamlBroken) return { ok: false, yamlFile: err.file, message: err.message };
    throw err;
  }
}

function buildDir(store: FileStore, dir: string, stack: Set<string>, files: string[]): BuiltObject[] {
  if (stack.has(dir)) throw new NotSimple();
  const kfile = kustomizationFile(dir);
  if (!kfile) throw new NotSimple();
  const source = store.get(kfile);
  files.push(kfile);
  if (source.problems.length > 0) throw new YamlBroken(kfile, `${store.rel(kfile)} is not valid YAML`);
  if (source.docs.length !== 1) throw new NotSimple();
  const k = source.docs[0]!.value;
  if (!isRecord(k)) throw new NotSimple();
  for (const key of Object.keys(k)) if (!SIMPLE_KEYS.has(key)) throw new NotSimple();
  if (k.apiVersion !== undefined && k.apiVersion !== 'kustomize.config.k8s.io/v1beta1') throw new NotSimple();
  if (k.kind !== undefined && k.kind !== 'Kustomization') throw new NotSimple();
  const resources = k.resources ?? [];
  if (!Array.isArray(resources) || resources.some((r) => typeof r !== 'string')) throw new NotSimple();
  const inner = new Set(stack).add(dir);
  const objects: BuiltObject[] = [];
  for (const r of resources as string[]) {
    if (r.includes('://') || r.startsWith('/') || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(r) || r.includes('?ref=')) throw new NotSimple();
    objects.push(...buildEntry(store, resolve(dir, r), inner, files));
  }
  if (k.namespace !== undefined) {
    if (typeof k.namespace !== 'string') throw new NotSimple();
    if (k.namespace !== '') setNamespace(objects, k.namespace);
  }
  return objects;
}

function buildEntry(store: FileStore, path: string, stack: Set<string>, files: string[]): BuiltObject[] {
  if (!existsSync(path)) throw new NotSimple();
  if (statSync(path).isDirectory()) return buildDir(store, path, stack, files);
  const source = store.get(path);
  files.push(path);
  if (source.problems.length > 0) throw new YamlBroken(path, `${store.rel(path)} is not valid YAML`);
  const out: BuiltObject[] = [];
  for (const d of source.docs) {
    if (d.value === null || d.value === undefined) continue;
    const v = d.value;
    // not an object kustomize accepts as is (a List, a values file Flux's scan would reject...):
    // the real kustomize builds it, or says what is wrong with it
    if (!isRecord(v) || typeof v.apiVersion !== 'string' || typeof v.kind !== 'string' || v.kind.endsWith('List')) throw new NotSimple();
    const meta = v.metadata;
    if (!isRecord(meta) || typeof meta.name !== 'string' || meta.name === '') throw new NotSimple();
    if (meta.namespace !== undefined && typeof meta.namespace !== 'string') throw new NotSimple();
    // kustomize and sigs.k8s.io/yaml drop null-valued fields in places; do not guess, let it build
    if (hasNull(v)) throw new NotSimple();
    out.push({ object: structuredClone(v) as KubeObject, path, doc: d.index });
  }
  return out;
}

function setNamespace(objects: BuiltObject[], namespace: string): void {
  for (const o of objects) {
    const { apiVersion, kind } = o.object;
    if (NAMESPACE_SENSITIVE.has(kind)) throw new NotSimple();
    if (kind === 'CustomResourceDefinition' && isRecord(o.object.spec) && o.object.spec.conversion !== undefined) throw new NotSimple();
    if (groupOf(apiVersion) === '' && kind === 'Namespace') {
      // kustomize renames Namespace objects to the target namespace
      o.object.metadata.name = namespace;
      continue;
    }
    if (kustomizeClusterScoped(apiVersion, kind)) continue;
    o.object.metadata.namespace = namespace;
  }
}

function ensureUniqueIds(objects: BuiltObject[]): void {
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${groupOf(o.object.apiVersion)}/${o.object.kind}/${o.object.metadata.namespace ?? ''}/${o.object.metadata.name}`;
    if (seen.has(id)) throw new NotSimple();
    seen.add(id);
  }
}

function hasNull(v: unknown): boolean {
  if (v === null) return true;
  if (Array.isArray(v)) return v.some(hasNull);
  if (typeof v === 'object') return Object.values(v as object).some(hasNull);
  return false;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
