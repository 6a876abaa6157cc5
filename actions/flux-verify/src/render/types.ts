export type Severity = 'error' | 'warning' | 'notice';

/** One problem, pinned to a source file and line (repository-relative) when it has one. */
export interface Finding {
  rule: string;
  severity: Severity;
  file?: string;
  line?: number;
  /** `namespace/name` of the Flux Kustomization the finding belongs to. */
  kustomization?: string;
  message: string;
}

export type KubeObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; namespace?: string };
};

/** Where a rendered object came from. */
export interface Origin {
  /** Repository-relative path. */
  file: string;
  line: number;
  /** Absolute path and document index, to locate fields inside the source document. */
  path?: string;
  doc?: number;
}

export interface RenderedObject {
  object: KubeObject;
  group: string;
  kind: string;
  name: string;
  namespace?: string;
  origin: Origin;
  /** `namespace/name` of the Flux Kustomization that applies it. */
  kustomization: string;
  /** Substitution hit a syntax error: the object is as kustomize built it (and not schema-checked). */
  substitutionFailed?: boolean;
}

export interface ObjectRef {
  kind: string;
  name: string;
  namespace: string;
}

/** `skipped`: not built because RenderOptions.select rejected it (changed-only verification). */
export type KustomizationState = 'rendered' | 'failed' | 'external' | 'blocked' | 'skipped';

export interface FluxKustomization {
  /** `namespace/name`. */
  id: string;
  name: string;
  namespace: string;
  /** The Flux Kustomization object as rendered (after its parent's substitution). */
  object: KubeObject;
  origin: Origin;
  /** The Kustomization that renders this one; undefined for the cluster entry. */
  parent?: string;
  /** spec.path resolved against the source root, repository-relative ('.' for the root). */
  path?: string;
  sourceRef?: ObjectRef;
  dependsOn: { id: string; line: number }[];
  state: KustomizationState;
  /** Rendered, substituted objects. */
  objects: RenderedObject[];
}

export interface RenderTimings {
  totalMs: number;
  buildMs: number;
  substituteMs: number;
  /** Builds done in-process vs by spawning kustomize. */
  inProcessBuilds: number;
  kustomizeBuilds: number;
}
