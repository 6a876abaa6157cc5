import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, posix, resolve, sep } from 'node:path';
import { tempRoot } from '@homelab/toolkit';
import { Kustomize } from '../kustomize';
import { FileStore } from './files';
import { kustomizeBatch, kustomizeBuild, selfContained, type FluxBuildFields, type KustomizeBuild } from './kustomize-build';
import { isRecord, localBuild, type BuiltObject } from './local-build';
import { groupOf } from './scope';
import { invalidVariableNames, substituteObject, substitutionDisabled } from './substitution';
import type { Finding, FluxKustomization, KubeObject, ObjectRef, RenderedObject, RenderTimings } from './types';

export interface RenderOptions {
  /** Repository root (absolute): Flux Kustomization paths are relative to it. */
  repoRoot: string;
  /** The tree to verify, relative to repoRoot (default `kubernetes`). */
  path?: string;
  /** The cluster entry that the bootstrap Kustomization builds (default `kubernetes/clusters/production`). */
  cluster?: string;
  /** Fail on unset variables like kustomize-controller ≥ 1.9 (default true). */
  strictSubstitution?: boolean;
  /** Parallel kustomize processes (default: available CPUs, at least 2). */
  concurrency?: number;
  kustomize?: Kustomize;
  /**
   * Build only the Kustomizations this accepts (the cluster entry is always built); the others stay
   * in the result with state 'skipped' and no objects. Used by changed-only verification.
   */
  select?: (ks: FluxKustomization) => boolean;
}

export interface RenderResult {
  repoRoot: string;
  path: string;
  cluster: string;
  /** Every Flux Kustomization found, the cluster entry first. */
  kustomizations: FluxKustomization[];
  /** Every rendered, substituted object of every Kustomization. */
  objects: RenderedObject[];
  findings: Finding[];
  files: FileStore;
  /** Absolute paths of the files some build read. */
  usedFiles: Set<string>;
  timings: RenderTimings;
}

const FLUX_KS_GROUP = 'kustomize.toolkit.fluxcd.io';
const SOURCE_GROUP = 'source.toolkit.fluxcd.io';

interface SpawnRequest {
  dir: string;
  fields: FluxBuildFields;
  done: (result: KustomizeBuild) => void;
}

interface Entry {
  ks: FluxKustomization;
  stage: 'source' | 'build' | 'building' | 'vars' | 'done';
  built?: { objects: BuiltObject[] };
}

/**
 * Render a repository the way Flux reconciles it: start at the cluster entry, build every Flux
 * Kustomization whose source is this repository, substitute, and follow the Kustomizations that
 * each build produces. Builds that only list plain files run in-process; the others run kustomize,
 * in parallel, each distinct input once.
 */
export async function renderTree(options: RenderOptions): Promise<RenderResult> {
  const started = Date.now();
  const repoRoot = resolve(options.repoRoot);
  const treePath = normalize(options.path ?? 'kubernetes');
  const cluster = normalize(options.cluster ?? 'kubernetes/clusters/production');
  const strict = options.strictSubstitution ?? true;
  const concurrency = Math.max(2, options.concurrency ?? availableParallelism());
  const store = new FileStore(repoRoot);
  const findings: Finding[] = [];
  const usedFiles = new Set<string>();
  const timings: RenderTimings = { totalMs: 0, buildMs: 0, substituteMs: 0, inProcessBuilds: 0, kustomizeBuilds: 0 };
  let kustomize = options.kustomize;
  let workDir: string | undefined;
  let overlays = 0;

  const entries = new Map<string, Entry>();
  const order: Entry[] = [];
  /** Objects by group/kind/namespace/name, for references (sources, substituteFrom). */
  const index = new Map<string, RenderedObject>();
  const objects: RenderedObject[] = [];
  const builds = new Map<string, Promise<KustomizeBuild | { ok: true; objects: BuiltObject[]; files: string[] } | { ok: false; yamlFile: string; message: string }>>();
  let running = 0;
  const waiters: (() => void)[] = [];
  const slot = async () => {
    while (running >= concurrency) await new Promise<void>((r) => waiters.push(r));
    running++;
  };
  const release = () => {
    running--;
    waiters.shift()?.();
  };

  const rootEntry: Entry = {
    ks: {
      id: 'flux-system/flux-system',
      name: 'flux-system',
      namespace: 'flux-system',
      object: { apiVersion: `${FLUX_KS_GROUP}/v1`, kind: 'Kustomization', metadata: { name: 'flux-system', namespace: 'flux-system' }, spec: { path: `./${cluster}` } },
      origin: { file: cluster, line: 1 },
      path: cluster,
      dependsOn: [],
      state: 'rendered',
      objects: [],
    },
    stage: 'build',
  };
  entries.set(rootEntry.ks.id, rootEntry);
  order.push(rootEntry);
  let rootSource: ObjectRef | undefined;

  const rel = (p: string) => store.rel(p);
  const add = (f: Finding) => findings.push(f);

  const isLocalSource = (ref: ObjectRef): boolean | undefined => {
    const found = index.get(`${SOURCE_GROUP}/${ref.kind}/${ref.namespace}/${ref.name}`);
    if (!found) return undefined;
    if (rootSource) {
      if (ref.kind === rootSource.kind && ref.name === rootSource.name && ref.namespace === rootSource.namespace) return true;
      const mine = index.get(`${SOURCE_GROUP}/${rootSource.kind}/${rootSource.namespace}/${rootSource.name}`);
      const url = (o: RenderedObject | undefined) => (isRecord(o?.object.spec) ? o.object.spec.url : undefined);
      return ref.kind === rootSource.kind && url(mine) !== undefined && url(mine) === url(found);
    }
    return ref.kind === 'GitRepository' && ref.name === 'flux-system';
  };

  const build = (entry: Entry): void => {
    const ks = entry.ks;
    const abs = resolve(repoRoot, ks.path ?? '.');
    if (!existsSync(abs) || !statSync(abs).isDirectory()) {
      const spec = ks.object.spec;
      add({
        rule: 'ks-path-not-found',
        severity: 'error',
        file: ks.origin.file,
        line: lineOf(store, ks, ['spec', 'path']),
        kustomization: ks.id,
        message: `spec.path '${isRecord(spec) ? String(spec.path ?? '') : ''}' does not exist in the repository (${ks.path ?? '.'})`,
      });
      ks.state = 'failed';
      entry.stage = 'done';
      return;
    }
    const fields = buildFields(ks.object);
    const key = JSON.stringify([abs, fields]);
    let pending = builds.get(key);
    if (!pending) {
      const onlyNamespace = !fields.namePrefix && !fields.nameSuffix && !fields.patches?.length && !fields.images?.length && !fields.components?.length;
      const t0 = Date.now();
      const local = onlyNamespace ? localBuild(store, abs, fields.targetNamespace) : undefined;
      if (local) {
        timings.inProcessBuilds++;
        timings.buildMs += Date.now() - t0;
        pending = Promise.resolve(local);
      } else {
        timings.kustomizeBuilds++;
        pending = new Promise((done) => spawnQueue.push({ dir: abs, fields, done }));
      }
      builds.set(key, pending);
    }
    entry.stage = 'building';
    pendingBuilds.push(
      pending.then((result) => {
        if (result.ok) {
          for (const f of result.files) usedFiles.add(f);
          entry.built = { objects: result.objects };
          entry.stage = 'vars';
          return;
        }
        ks.state = 'failed';
        entry.stage = 'done';
        // the files are referenced, just not buildable: do not also call them unreferenced
        for (const f of yamlFilesUnder(abs)) usedFiles.add(f);
        if ('yamlFile' in result) {
          usedFiles.add(result.yamlFile);
          const line = store.tryGet(result.yamlFile)?.problems[0]?.line ?? 1;
          add({ rule: 'kustomize-build', severity: 'error', file: rel(result.yamlFile), line, kustomization: ks.id, message: `kustomize build ${ks.path ?? '.'} fails: ${result.message}` });
        } else {
          add({
            rule: 'kustomize-build',
            severity: 'error',
            file: result.file ? rel(result.file) : ks.origin.file,
            line: result.file ? (result.line ?? 1) : ks.origin.line,
            kustomization: ks.id,
            message: `kustomize build ${ks.path ?? '.'} failed: ${result.message}`,
          });
        }
      }),
    );
  };
  let pendingBuilds: Promise<void>[] = [];
  const spawnQueue: SpawnRequest[] = [];

  /** Run the queued kustomize builds: independent directories share a process, in up to `concurrency` batches. */
  const flushSpawns = (requests: SpawnRequest[]): void => {
    kustomize ??= Kustomize.find();
    workDir ??= mkdtempSync(join(tempRoot(), 'flux-verify-'));
    const k = kustomize;
    const base = workDir;
    const single = async (r: SpawnRequest) => {
      await slot();
      try {
        r.done(await kustomizeBuild(k, store, join(base, String(overlays++)), r.dir, r.fields));
      } catch (err) {
        // a timeout or an unexpected exit code: a failed build, never a hung render
        r.done({ ok: false, message: err instanceof Error ? err.message : String(err) });
      } finally {
        release();
      }
    };
    const batchable = requests.filter(
      (r) => !r.fields.components?.length && selfContained(store, r.dir) && !requests.some((o) => o !== r && (o.dir === r.dir || o.dir.startsWith(r.dir + sep) || r.dir.startsWith(o.dir + sep))),
    );
    const singles = requests.filter((r) => !batchable.includes(r));
    const groups: SpawnRequest[][] = batchable.length >= 2 ? Array.from({ length: Math.min(concurrency, Math.ceil(batchable.length / 2)) }, () => []) : [];
    if (groups.length === 0) singles.push(...batchable);
    else batchable.forEach((r, i) => groups[i % groups.length]!.push(r));
    for (const r of singles) void single(r);
    for (const group of groups) {
      void (async () => {
        await slot();
        let results: KustomizeBuild[] | undefined;
        try {
          results = await kustomizeBatch(k, store, join(base, `batch-${overlays++}`), group);
        } catch {
          results = undefined;
        } finally {
          release();
        }
        if (results) group.forEach((r, i) => r.done(results[i]!));
        else for (const r of group) void single(r);
      })();
    }
  };

  /** Variables for postBuild, or the references that are still missing. */
  const variables = (ks: FluxKustomization): { vars: Map<string, string>; missing: { kind: string; name: string; line: number }[] } => {
    const vars = new Map<string, string>();
    const missing: { kind: string; name: string; line: number }[] = [];
    const spec = isRecord(ks.object.spec) ? ks.object.spec : {};
    const postBuild = isRecord(spec.postBuild) ? spec.postBuild : {};
    const from = Array.isArray(postBuild.substituteFrom) ? postBuild.substituteFrom : [];
    from.forEach((ref, i) => {
      if (!isRecord(ref) || typeof ref.name !== 'string') return;
      const kind = ref.kind === 'Secret' ? 'Secret' : 'ConfigMap';
      const data = lookupData(index, kind, ks.namespace, ref.name);
      if (data === undefined) {
        if (ref.optional !== true) missing.push({ kind, name: ref.name, line: lineOf(store, ks, ['spec', 'postBuild', 'substituteFrom', i]) });
        return;
      }
      for (const [k, v] of data) vars.set(k, v.replace(/\n/g, ''));
    });
    if (isRecord(postBuild.substitute)) for (const [k, v] of Object.entries(postBuild.substitute)) vars.set(k, String(v).replace(/\n/g, ''));
    return { vars, missing };
  };

  const finalize = (entry: Entry, force: boolean): boolean => {
    const ks = entry.ks;
    const spec = isRecord(ks.object.spec) ? ks.object.spec : {};
    const hasPostBuild = isRecord(spec.postBuild);
    const { vars, missing } = hasPostBuild ? variables(ks) : { vars: new Map<string, string>(), missing: [] };
    if (missing.length > 0 && !force) return false;
    for (const m of missing) {
      add({ rule: 'substitute-from-missing', severity: 'error', file: ks.origin.file, line: m.line, kustomization: ks.id, message: `postBuild.substituteFrom ${m.kind}/${m.name} does not exist in namespace ${ks.namespace} (set optional: true if that is intended)` });
    }
    let strictHere = strict && missing.length === 0;
    const invalid = invalidVariableNames(vars);
    for (const name of invalid) {
      add({ rule: 'substitute-invalid-name', severity: 'error', file: ks.origin.file, line: lineOf(store, ks, ['spec', 'postBuild', 'substitute', name], ['spec', 'postBuild']), kustomization: ks.id, message: `variable name '${name}' is invalid: it must match ^[_[:alpha:]][_[:alpha:][:digit:]]*$ (Flux rejects the whole Kustomization)` });
    }
    if (invalid.length > 0) strictHere = false;
    if (missing.length > 0 || invalid.length > 0) ks.state = 'failed';
    const t0 = Date.now();
    const commonMetadata = isRecord(spec.commonMetadata) ? spec.commonMetadata : undefined;
    for (const built of entry.built?.objects ?? []) {
      let object = built.object;
      let substitutionFailed = false;
      if (commonMetadata) applyCommonMetadata(object, commonMetadata);
      const file = store.tryGet(built.path);
      const origin = { file: rel(built.path), line: file?.docs[built.doc]?.line ?? 1, path: built.path, doc: built.doc };
      if (hasPostBuild && vars.size > 0 && !substitutionDisabled(object)) {
        const result = substituteObject(object, vars, strictHere);
        if (result.ok) object = result.object;
        else {
          // keep checking the rest of the object as the non-strict substitution renders it
          const loose = result.error.variable !== undefined ? substituteObject(object, vars, false) : undefined;
          if (loose?.ok) object = loose.object;
          else substitutionFailed = true;
          const variable = result.error.variable;
          const line = (file && variable ? store.findLine(file, built.doc, '${' + variable) : undefined) ?? origin.line;
          const unset = variable !== undefined;
          add({
            rule: unset ? 'substitute-unset-variable' : 'substitute-syntax',
            severity: 'error',
            file: origin.file,
            line,
            kustomization: ks.id,
            message: unset
              ? `variable '${variable}' is not set for ${object.kind}/${object.metadata.name} (strict substitution: the cluster fails this Kustomization; define it in postBuild.substitute/substituteFrom or give a default \${${variable}:=value})`
              : `substitution failed in ${object.kind}/${object.metadata.name}: ${result.error.message}`,
          });
          ks.state = 'failed';
        }
      }
      if (!isRecord(object.metadata) || typeof object.metadata.name !== 'string') continue;
      const rendered: RenderedObject = {
        object,
        group: groupOf(String(object.apiVersion)),
        kind: String(object.kind),
        name: object.metadata.name,
        namespace: typeof object.metadata.namespace === 'string' ? object.metadata.namespace : undefined,
        origin,
        kustomization: ks.id,
        ...(substitutionFailed ? { substitutionFailed } : {}),
      };
      ks.objects.push(rendered);
      objects.push(rendered);
      const key = `${rendered.group}/${rendered.kind}/${rendered.namespace ?? ''}/${rendered.name}`;
      if (!index.has(key)) index.set(key, rendered);
    }
    timings.substituteMs += Date.now() - t0;
    entry.stage = 'done';
    for (const o of ks.objects) if (o.group === FLUX_KS_GROUP && o.kind === 'Kustomization') discover(o, ks);
    return true;
  };

  const discover = (o: RenderedObject, parent: FluxKustomization): void => {
    const spec = isRecord(o.object.spec) ? o.object.spec : {};
    const namespace = o.namespace ?? 'default';
    const id = `${namespace}/${o.name}`;
    const sourceRef = isRecord(spec.sourceRef)
      ? { kind: String(spec.sourceRef.kind ?? ''), name: String(spec.sourceRef.name ?? ''), namespace: typeof spec.sourceRef.namespace === 'string' ? spec.sourceRef.namespace : namespace }
      : undefined;
    const path = normalize(typeof spec.path === 'string' ? spec.path : '.');
    if (parent === rootEntry.ks && path === cluster && !rootSource) {
      // the bootstrap Kustomization (gotk-sync) builds the cluster entry: it is the root itself
      const root = rootEntry.ks;
      entries.delete(root.id);
      Object.assign(root, { id, name: o.name, namespace, object: o.object, origin: o.origin, sourceRef });
      entries.set(id, rootEntry);
      rootSource = sourceRef;
      for (const r of root.objects) r.kustomization = id;
      return;
    }
    if (entries.has(id)) {
      const first = entries.get(id)!.ks;
      add({ rule: 'ks-duplicate-name', severity: 'error', file: o.origin.file, line: o.origin.line, kustomization: parent.id, message: `Flux Kustomization ${id} is defined twice (first at ${first.origin.file}:${first.origin.line}); Flux applies only one of them` });
      return;
    }
    const deps = Array.isArray(spec.dependsOn) ? spec.dependsOn : [];
    const ks: FluxKustomization = {
      id,
      name: o.name,
      namespace,
      object: o.object,
      origin: o.origin,
      parent: parent.id,
      path,
      sourceRef,
      dependsOn: deps.filter(isRecord).map((d, i) => ({
        id: `${typeof d.namespace === 'string' ? d.namespace : namespace}/${String(d.name)}`,
        line: lineOfObject(store, o, ['spec', 'dependsOn', i]),
      })),
      state: 'rendered',
      objects: [],
    };
    const entry: Entry = { ks, stage: 'source' };
    entries.set(id, entry);
    order.push(entry);
  };

  try {
    for (;;) {
      let progress = false;
      for (const entry of order) {
        if (entry.stage === 'source' && options.select && !options.select(entry.ks)) {
          entry.ks.state = 'skipped';
          entry.stage = 'done';
          continue;
        }
        if (entry.stage === 'source') {
          const ref = entry.ks.sourceRef;
          if (!ref) {
            entry.stage = 'build';
            continue;
          }
          const local = isLocalSource(ref);
          if (local === true) entry.stage = 'build';
          else if (local === false) {
            entry.ks.state = 'external';
            entry.stage = 'done';
            progress = true;
            add({ rule: 'external-source', severity: 'notice', file: entry.ks.origin.file, line: lineOf(store, entry.ks, ['spec', 'sourceRef']), kustomization: entry.ks.id, message: `${ref.kind}/${ref.namespace}/${ref.name} is not this repository: its content cannot be rendered offline` });
          }
        }
        if (entry.stage === 'build') {
          build(entry);
          progress = true;
          // let finished kustomize processes hand over their slot while in-process builds run
          await new Promise<void>((r) => setImmediate(r));
        }
      }
      if (spawnQueue.length > 0) flushSpawns(spawnQueue.splice(0));
      if (pendingBuilds.length > 0) {
        const t0 = Date.now();
        const waiting = pendingBuilds;
        pendingBuilds = [];
        await Promise.all(waiting);
        timings.buildMs += Date.now() - t0;
        progress = true;
      }
      for (const entry of order) if (entry.stage === 'vars' && finalize(entry, false)) progress = true;
      if (progress) continue;
      // Stalled: what is still waiting waits for something that nothing renders.
      const stuck = order.filter((e) => e.stage !== 'done');
      if (stuck.length === 0) break;
      for (const entry of stuck) {
        if (entry.stage === 'source') {
          const ref = entry.ks.sourceRef!;
          entry.ks.state = 'failed';
          entry.stage = 'done';
          add({ rule: 'source-ref-missing', severity: 'error', file: entry.ks.origin.file, line: lineOf(store, entry.ks, ['spec', 'sourceRef']), kustomization: entry.ks.id, message: `spec.sourceRef ${ref.kind}/${ref.namespace}/${ref.name} does not exist: nothing in the tree defines it` });
        } else if (entry.stage === 'vars') finalize(entry, true);
      }
    }
  } finally {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  }
  timings.totalMs = Date.now() - started;
  return {
    repoRoot,
    path: treePath,
    cluster,
    kustomizations: order.map((e) => e.ks),
    objects,
    findings,
    files: store,
    usedFiles,
    timings,
  };
}

/** kustomize-controller's `namespace`, `namePrefix`... fields, which change what kustomize builds. */
function buildFields(object: KubeObject): FluxBuildFields {
  const spec = isRecord(object.spec) ? object.spec : {};
  const fields: FluxBuildFields = {};
  if (typeof spec.targetNamespace === 'string' && spec.targetNamespace !== '') fields.targetNamespace = spec.targetNamespace;
  if (typeof spec.namePrefix === 'string' && spec.namePrefix !== '') fields.namePrefix = spec.namePrefix;
  if (typeof spec.nameSuffix === 'string' && spec.nameSuffix !== '') fields.nameSuffix = spec.nameSuffix;
  if (Array.isArray(spec.patches) && spec.patches.length > 0) fields.patches = spec.patches;
  if (Array.isArray(spec.images) && spec.images.length > 0) fields.images = spec.images;
  if (Array.isArray(spec.components) && spec.components.length > 0) fields.components = spec.components.map(String);
  return fields;
}

function applyCommonMetadata(object: KubeObject, common: Record<string, unknown>): void {
  for (const field of ['labels', 'annotations'] as const) {
    const add = common[field];
    if (!isRecord(add)) continue;
    const current = isRecord(object.metadata[field]) ? (object.metadata[field] as Record<string, unknown>) : {};
    object.metadata[field] = { ...current, ...add };
  }
}

/** ConfigMap data, Secret data (decoded; placeholders when encrypted) or the keys a BitwardenSecret will create. */
function lookupData(index: Map<string, RenderedObject>, kind: 'ConfigMap' | 'Secret', namespace: string, name: string): Map<string, string> | undefined {
  const found = index.get(`/${kind}/${namespace}/${name}`);
  if (found) {
    const out = new Map<string, string>();
    const o = found.object;
    const sops = isRecord(o.sops);
    if (kind === 'ConfigMap') {
      if (isRecord(o.data)) for (const [k, v] of Object.entries(o.data)) out.set(k, String(v));
    } else {
      if (isRecord(o.data)) for (const [k, v] of Object.entries(o.data)) out.set(k, sops ? placeholder(k) : Buffer.from(String(v), 'base64').toString('utf8'));
      if (isRecord(o.stringData)) for (const [k, v] of Object.entries(o.stringData)) out.set(k, sops ? placeholder(k) : String(v));
    }
    return out;
  }
  if (kind === 'Secret') {
    for (const o of index.values()) {
      if (o.kind !== 'BitwardenSecret' || o.namespace !== namespace) continue;
      const spec = isRecord(o.object.spec) ? o.object.spec : {};
      if (spec.secretName !== name) continue;
      const out = new Map<string, string>();
      for (const m of Array.isArray(spec.map) ? spec.map : []) if (isRecord(m) && typeof m.secretKeyName === 'string') out.set(m.secretKeyName, placeholder(m.secretKeyName));
      return out;
    }
  }
  return undefined;
}

/** Secret values are not in git: a stable stand-in that is safe in names, labels and YAML. */
export function placeholder(key: string): string {
  return `secret-${key.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
}

function normalize(p: string): string {
  const n = posix.normalize(p.replace(/\\/g, '/')).replace(/^\.\/+/, '').replace(/\/+$/, '');
  return n === '' || n === '.' ? '.' : n.replace(/^\/+/, '');
}

function lineOf(store: FileStore, ks: FluxKustomization, path: (string | number)[], fallback?: (string | number)[]): number {
  const o = ks.origin;
  if (!o.path || o.doc === undefined) return o.line;
  const file = store.tryGet(o.path);
  if (!file) return o.line;
  const line = store.lineOf(file, o.doc, path);
  if (fallback && line === o.line) return store.lineOf(file, o.doc, fallback);
  return line;
}

function lineOfObject(store: FileStore, o: RenderedObject, path: (string | number)[]): number {
  if (!o.origin.path || o.origin.doc === undefined) return o.origin.line;
  const file = store.tryGet(o.origin.path);
  return file ? store.lineOf(file, o.origin.doc, path) : o.origin.line;
}

function yamlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFilesUnder(p));
    else if (/\.ya?ml$/.test(entry.name)) out.push(p);
  }
  return out;
}
