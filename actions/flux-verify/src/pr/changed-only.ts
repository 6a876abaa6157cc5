/**
 * Changed-only mode: which Flux Kustomizations a set of changed files can affect. A Kustomization is
 * affected when a changed file is one of its inputs (its path's tree, the files its kustomizations
 * pull in from elsewhere, the file that defines it); its dependents are affected with it (they are
 * re-validated against what it now renders). Shared inputs — flux-system, components, cluster
 * settings — can change anything: then everything is verified.
 */
import { basename } from 'node:path';
import { KUSTOMIZATION_FILES } from '../render/local-build';

export interface KustomizationInputs {
  /** namespace/name ('/name' when the namespace is only known after rendering). */
  id: string;
  name?: string;
  /** Repository-relative files and directories this Kustomization reads. A directory covers its tree. */
  inputs: readonly string[];
  /** The file that defines the Flux Kustomization object. */
  definedIn?: string;
  dependsOn: readonly string[];
  /** Kustomization files among the inputs that transform what they list (namespace, patches...). */
  transformFiles?: readonly string[];
  /** Renders Flux sources (HelmRepository, OCIRepository...): always built, others refer to them. */
  providesSources?: boolean;
  /** Inputs not known statically (a variable in spec.path, a remote base): always built. */
  opaque?: boolean;
}

export interface Selection {
  all: boolean;
  /** Why everything is verified, when it is. */
  reason?: string;
  /** The affected Kustomizations: inputs changed, definition changed, or a dependency is affected. */
  selected: Set<string>;
  /**
   * What must be built to verify them: the selected ones, the Kustomizations whose builds discover
   * them (ancestors), what they depend on and the source providers (for references).
   */
  build: Set<string>;
  /**
   * What the base revision must build for the diff: the Kustomizations whose own inputs or
   * definition changed (a dependent renders the same when only its dependency changed: anything
   * that could carry a change across, a substituteFrom ConfigMap, is a shared input) and whatever
   * discovers them.
   */
  baseBuild: Set<string>;
  /** Whose own inputs or definition changed: the only ones whose rendering can differ. */
  direct: Set<string>;
}

export const DEFAULT_SHARED = ['flux-system/', 'components/', 'cluster-settings'];

function covers(input: string, file: string): boolean {
  const dir = input.endsWith('/') ? input : `${input}/`;
  return file === input || file.startsWith(dir);
}

function isShared(file: string, shared: readonly string[]): boolean {
  return shared.some((s) => (s.endsWith('/') ? file.includes(`/${s}`) || file.startsWith(s) : file.includes(s)));
}

export function selectAffected(graph: readonly KustomizationInputs[], changedFiles: readonly string[], shared: readonly string[] = DEFAULT_SHARED): Selection {
  const everything = new Set(graph.map((k) => k.id));
  const sharedHit = changedFiles.find((f) => isShared(f, shared));
  if (sharedHit) return { all: true, reason: `${sharedHit} is a shared input`, selected: everything, build: new Set(everything), baseBuild: new Set(everything), direct: new Set(everything) };

  const byId = new Map(graph.map((k) => [k.id, k]));
  const byName = new Map<string, KustomizationInputs[]>();
  for (const k of graph) {
    const name = k.name ?? k.id.slice(k.id.indexOf('/') + 1);
    byName.set(name, [...(byName.get(name) ?? []), k]);
  }
  /** dependsOn names a namespace/name; a statically unknown namespace still matches by name. */
  const resolveDep = (dep: string): KustomizationInputs[] => {
    const exact = byId.get(dep);
    if (exact) return [exact];
    return byName.get(dep.slice(dep.indexOf('/') + 1)) ?? [];
  };
  const children = new Map<string, KustomizationInputs[]>();
  const parents = new Map<string, KustomizationInputs[]>();
  const definedIn = new Map<string, KustomizationInputs[]>();
  for (const k of graph) if (k.definedIn) definedIn.set(k.definedIn, [...(definedIn.get(k.definedIn) ?? []), k]);
  for (const p of graph) {
    const found = new Set<KustomizationInputs>();
    for (const i of p.inputs) {
      if (!i.endsWith('/')) for (const k of definedIn.get(i) ?? []) found.add(k);
      else for (const [file, ks] of definedIn) if (covers(i, file)) for (const k of ks) found.add(k);
    }
    found.delete(p);
    for (const k of found) {
      children.set(p.id, [...(children.get(p.id) ?? []), k]);
      parents.set(k.id, [...(parents.get(k.id) ?? []), p]);
    }
  }
  const changed = new Set(changedFiles);

  const selected = new Set<string>();
  /** Kustomizations whose definition may render differently: all they discover is affected too. */
  const redefined: KustomizationInputs[] = [];
  for (const k of graph) {
    if (changedFiles.some((f) => f === k.definedIn || k.inputs.some((i) => covers(i, f)))) selected.add(k.id);
    if (k.definedIn && changed.has(k.definedIn)) redefined.push(k);
    const transformed = changedFiles.some(
      (f) => (k.transformFiles ?? []).includes(f) || (KUSTOMIZATION_FILES.includes(basename(f)) && k.inputs.some((i) => i.endsWith('/') && covers(i, f))),
    );
    if (transformed) redefined.push(...(children.get(k.id) ?? []));
  }
  const descend = [...redefined];
  const visited = new Set<string>();
  while (descend.length > 0) {
    const k = descend.pop()!;
    if (visited.has(k.id)) continue;
    visited.add(k.id);
    selected.add(k.id);
    descend.push(...(children.get(k.id) ?? []));
  }

  const direct = new Set(selected);
  const dependents = new Map<string, string[]>();
  for (const k of graph) for (const d of k.dependsOn) for (const target of resolveDep(d)) dependents.set(target.id, [...(dependents.get(target.id) ?? []), k.id]);
  const queue = [...selected];
  while (queue.length > 0) {
    const id = queue.pop()!;
    for (const dependent of dependents.get(id) ?? []) {
      if (!selected.has(dependent)) {
        selected.add(dependent);
        queue.push(dependent);
      }
    }
  }

  /** `from` and everything that discovers it (and, with dependencies, what it depends on). */
  const closeUp = (from: Iterable<string>, dependencies: boolean): Set<string> => {
    const out = new Set(from);
    const up = [...out];
    while (up.length > 0) {
      const k = byId.get(up.pop()!);
      if (!k) continue;
      const next = [...(parents.get(k.id) ?? []), ...(dependencies ? k.dependsOn.flatMap(resolveDep) : [])];
      for (const n of next) {
        if (!out.has(n.id)) {
          out.add(n.id);
          up.push(n.id);
        }
      }
    }
    return out;
  };
  const opaque = graph.filter((k) => k.opaque).map((k) => k.id);
  const build = closeUp([...selected, ...opaque, ...graph.filter((k) => k.providesSources).map((k) => k.id)], true);
  const baseBuild = closeUp([...direct, ...opaque], false);
  return { all: false, selected, build, baseBuild, direct: new Set([...direct, ...opaque]) };
}
