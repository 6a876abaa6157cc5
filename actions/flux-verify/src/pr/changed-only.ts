/**
 * Changed-only mode: which Flux Kustomizations a set of changed files can affect. A Kustomization is
 * affected when a changed file is one of its inputs (its path's tree, the files its kustomizations
 * pull in from elsewhere, the file that defines it); its dependents are affected with it (they are
 * re-validated against what it now renders). Shared inputs — flux-system, components, cluster
 * settings — can change anything: then everything is verified.
 */

export interface KustomizationInputs {
  /** namespace/name */
  id: string;
  /** Repository-relative files and directories this Kustomization reads. A directory covers its tree. */
  inputs: readonly string[];
  /** The file that defines the Flux Kustomization object. */
  definedIn?: string;
  dependsOn: readonly string[];
}

export interface Selection {
  all: boolean;
  /** Why everything is verified, when it is. */
  reason?: string;
  selected: Set<string>;
}

export const DEFAULT_SHARED = ['flux-system/', 'components/', 'cluster-settings'];

function covers(input: string, file: string): boolean {
  const dir = input.endsWith('/') ? input : `${input}/`;
  return file === input || file.startsWith(dir);
}

export function selectAffected(
  graph: readonly KustomizationInputs[],
  changedFiles: readonly string[],
  shared: readonly string[] = DEFAULT_SHARED,
): Selection {
  const sharedHit = changedFiles.find((f) => shared.some((s) => (s.endsWith('/') ? f.includes(`/${s}`) || f.startsWith(s) : f.includes(s))));
  if (sharedHit) return { all: true, reason: `${sharedHit} is a shared input`, selected: new Set(graph.map((k) => k.id)) };

  const selected = new Set<string>();
  for (const k of graph) {
    if (changedFiles.some((f) => f === k.definedIn || k.inputs.some((i) => covers(i, f)))) selected.add(k.id);
  }
  const dependents = new Map<string, string[]>();
  for (const k of graph) for (const d of k.dependsOn) dependents.set(d, [...(dependents.get(d) ?? []), k.id]);
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
  return { all: false, selected };
}
