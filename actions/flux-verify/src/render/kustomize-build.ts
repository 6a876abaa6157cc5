import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseAllDocuments, parse as parseYaml, stringify } from 'yaml';
import type { Kustomize } from '../kustomize';
import type { FileStore } from './files';
import { fluxScan, isRecord, kustomizationFile, type BuiltObject } from './local-build';
import type { KubeObject } from './types';

/** The Flux-side build fields of a Flux Kustomization (kustomize-controller's generated kustomization). */
export interface FluxBuildFields {
  targetNamespace?: string;
  namePrefix?: string;
  nameSuffix?: string;
  patches?: unknown[];
  images?: unknown[];
  components?: string[];
}

export type KustomizeBuild =
  | { ok: true; objects: BuiltObject[]; files: string[] }
  | { ok: false; message: string; file?: string; line?: number };

const ORIGIN = 'config.kubernetes.io/origin';

function overlay(workDir: string, dir: string, fields: FluxBuildFields, origin: boolean): Record<string, unknown> {
  const rel = (p: string) => relative(workDir, p) || '.';
  const kfile = kustomizationFile(dir);
  const o: Record<string, unknown> = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: kfile ? [rel(dir)] : fluxScan(dir).map(rel),
  };
  if (fields.targetNamespace) o.namespace = fields.targetNamespace;
  if (fields.namePrefix) o.namePrefix = fields.namePrefix;
  if (fields.nameSuffix) o.nameSuffix = fields.nameSuffix;
  if (fields.patches?.length) o.patches = fields.patches;
  if (fields.images?.length) o.images = fields.images;
  if (fields.components?.length) o.components = fields.components.map((c) => rel(resolve(dir, c)));
  if (origin) o.buildMetadata = ['originAnnotations'];
  return o;
}

/** Objects of a kustomize output, each with the absolute source file its origin annotation names. */
export function parseOutput(store: FileStore, yaml: string, workDir: string, fallback: string): BuiltObject[] {
  const objects: BuiltObject[] = [];
  for (const doc of parseAllDocuments(yaml)) {
    const value = doc.toJS() as unknown;
    if (!isRecord(value)) continue;
    const object = value as KubeObject;
    const annotations = isRecord(object.metadata?.annotations) ? object.metadata.annotations : undefined;
    const origin = annotations?.[ORIGIN];
    let path = fallback;
    if (annotations && typeof origin === 'string') {
      delete annotations[ORIGIN];
      if (Object.keys(annotations).length === 0) delete object.metadata.annotations;
      const o = parseYaml(origin) as unknown;
      if (isRecord(o) && typeof o.path === 'string') path = resolve(workDir, o.path);
      else if (isRecord(o) && typeof o.configuredIn === 'string') path = resolve(workDir, o.configuredIn);
    }
    objects.push({ object, path, doc: findDoc(store, path, object) });
  }
  return objects;
}

/**
 * Builds a directory with the real kustomize through a generated overlay in a temporary directory
 * (the source tree is never written): the overlay carries Flux's fields and
 * `buildMetadata: [originAnnotations]`, so each rendered object names the file it came from.
 */
export async function kustomizeBuild(kustomize: Kustomize, store: FileStore, workDir: string, dir: string, fields: FluxBuildFields): Promise<KustomizeBuild> {
  mkdirSync(workDir, { recursive: true });
  const kfile = kustomizationFile(dir);
  writeFileSync(join(workDir, 'kustomization.yaml'), stringify(overlay(workDir, dir, fields, true)));
  const result = await kustomize.build(workDir);
  if (!result.ok) {
    const where = locateError(store, result.message, dir, workDir) ?? (kfile ? { file: kfile } : {});
    return { ok: false, message: readableMessage(store, result.message, workDir), ...where };
  }
  const objects = parseOutput(store, result.yaml, workDir, kfile ?? dir);
  const files = new Set<string>(kfile ? referencedFiles(store, dir) : []);
  for (const o of objects) files.add(o.path);
  return { ok: true, objects, files: [...files] };
}

/**
 * Directories that can share one kustomize process: everything they reference lies inside them,
 * so each rendered object's origin tells which directory it belongs to.
 */
export function selfContained(store: FileStore, dir: string): boolean {
  const kfile = kustomizationFile(dir);
  if (!kfile) return true;
  const inside = dir.endsWith(sep) ? dir : dir + sep;
  return referencedFiles(store, dir).every((f) => f.startsWith(inside));
}

/**
 * Several independent directories in ONE kustomize run (one sub-overlay each, under a parent
 * overlay): starting kustomize costs more than building a directory. Returns undefined when the
 * combined build fails (for example two directories render the same object); the caller then
 * builds them one by one, which also pins each error to its directory.
 */
export async function kustomizeBatch(
  kustomize: Kustomize,
  store: FileStore,
  workDir: string,
  items: readonly { dir: string; fields: FluxBuildFields }[],
): Promise<KustomizeBuild[] | undefined> {
  mkdirSync(workDir, { recursive: true });
  items.forEach((item, i) => {
    const sub = join(workDir, String(i));
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'kustomization.yaml'), stringify(overlay(sub, item.dir, item.fields, false)));
  });
  writeFileSync(join(workDir, 'kustomization.yaml'), stringify({ resources: items.map((_, i) => `./${i}`), buildMetadata: ['originAnnotations'] }));
  const result = await kustomize.build(workDir);
  if (!result.ok) return undefined;
  const objects = parseOutput(store, result.yaml, workDir, '');
  const builds = items.map((item) => {
    const kfile = kustomizationFile(item.dir);
    return { ok: true as const, objects: [] as BuiltObject[], files: new Set<string>(kfile ? referencedFiles(store, item.dir) : []) };
  });
  for (const o of objects) {
    const owner = items.findIndex((item) => o.path.startsWith(item.dir + sep));
    if (owner < 0) return undefined;
    builds[owner]!.objects.push(o);
    builds[owner]!.files.add(o.path);
  }
  return builds.map((b) => ({ ok: true, objects: b.objects, files: [...b.files] }));
}

/** The document of a file that holds an object (by kind and name, allowing for a prefix/suffix). */
function findDoc(store: FileStore, path: string, object: KubeObject): number {
  const file = store.tryGet(path);
  if (!file) return 0;
  let fallback = -1;
  for (const d of file.docs) {
    if (!isRecord(d.value)) continue;
    if (d.value.kind !== object.kind) continue;
    const meta = d.value.metadata;
    const name = isRecord(meta) ? meta.name : undefined;
    if (name === object.metadata.name) return d.index;
    if (typeof name === 'string' && object.metadata.name.includes(name) && fallback < 0) fallback = d.index;
  }
  return Math.max(fallback, 0);
}

/** Local files a kustomization references (patches, generator inputs, bases): all count as "used". */
function referencedFiles(store: FileStore, dir: string, seen = new Set<string>()): string[] {
  if (seen.has(dir)) return [];
  seen.add(dir);
  const kfile = kustomizationFile(dir);
  if (!kfile) return [];
  const out = [kfile];
  const file = store.tryGet(kfile);
  const walk = (v: unknown) => {
    if (typeof v === 'string') {
      const candidate = resolve(dir, v.replace(/^[^=]*=/, ''));
      const plain = resolve(dir, v);
      for (const p of [plain, candidate]) {
        const f = store.tryGet(p);
        if (f) out.push(p);
        else if (kustomizationFile(p)) out.push(...referencedFiles(store, p, seen));
      }
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (isRecord(v)) Object.values(v).forEach(walk);
  };
  for (const d of file?.docs ?? []) walk(d.value);
  return out;
}

/** kustomize names the failing file in its message; map it back to the source tree when we can. */
function locateError(store: FileStore, message: string, dir: string, workDir: string): { file: string; line?: number } | undefined {
  const candidates = message.match(/[\w./@+-]*[\w-]+\.ya?ml|[\w./@+-]*Kustomization/g) ?? [];
  for (const c of candidates.reverse()) {
    for (const base of [dirname(join(dir, 'x')), workDir, '/']) {
      const p = resolve(base, c);
      if (store.tryGet(p)) {
        const line = /line (\d+)/.exec(message);
        return { file: p, ...(line ? { line: Number(line[1]) } : {}) };
      }
    }
  }
  return undefined;
}

/** kustomize names files relative to our temporary overlay: show them relative to the repository instead. */
function readableMessage(store: FileStore, message: string, workDir: string): string {
  return message
    .replace(/(?:\.\.\/)+[^\s':"]+/g, (m) => store.rel(resolve(workDir, m)))
    .split(store.repoRoot + '/')
    .join('')
    .split(workDir)
    .join('<flux-overlay>');
}
