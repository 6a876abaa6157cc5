/**
 * Flux objects as kubectl returns them, reduced to what a rollout needs, and the rules that say
 * whether one is ready, failed or still progressing (kstatus, as Flux's own CLI applies it).
 */

export type TrackedKind = 'GitRepository' | 'OCIRepository' | 'Kustomization' | 'HelmRelease';

export interface ObjectRef {
  kind: TrackedKind;
  namespace: string;
  name: string;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export interface LiveObject extends ObjectRef {
  generation: number;
  observedGeneration?: number;
  conditions: Condition[];
  /** The reconcile.fluxcd.io/requestedAt annotation. */
  requestedAt?: string;
  lastHandledReconcileAt?: string;
  suspended: boolean;
  /** spec.dependsOn, resolved to references of the same kind. */
  dependsOn: ObjectRef[];
  /** The source a Kustomization builds from. */
  sourceRef?: ObjectRef;
  /** The Kustomization that applied this object (kustomize.toolkit.fluxcd.io/name + namespace labels). */
  appliedBy?: ObjectRef;
}

export type Health =
  | { phase: 'ready'; message: string }
  | { phase: 'failed'; reason: string; message: string }
  | { phase: 'progressing'; reason: string; message: string };

export const TRACKED_KINDS: readonly TrackedKind[] = ['GitRepository', 'OCIRepository', 'Kustomization', 'HelmRelease'];

export function refKey(ref: ObjectRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}

export function refName(ref: ObjectRef): string {
  return `${ref.namespace}/${ref.name}`;
}

/**
 * Reasons of Ready=False that mean "not yet" rather than "failed": the dependency or the source
 * artifact is not ready (Flux retries on its own), or the controller is still working.
 */
export const WAITING_REASONS = new Set(['DependencyNotReady', 'ArtifactFailed', 'Progressing', 'ProgressingWithRetry', 'SourceNotReady', 'HelmChartNotReady']);

const LABEL_NAME = 'kustomize.toolkit.fluxcd.io/name';
const LABEL_NAMESPACE = 'kustomize.toolkit.fluxcd.io/namespace';
export const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function isTracked(kind: string): kind is TrackedKind {
  return (TRACKED_KINDS as readonly string[]).includes(kind);
}

/** Parse one item of `kubectl get ... -o json`; undefined for kinds that are not tracked. */
export function parseLive(item: Record<string, unknown>): LiveObject | undefined {
  const kind = str(item.kind) ?? '';
  if (!isTracked(kind)) return undefined;
  const metadata = (item.metadata ?? {}) as Record<string, unknown>;
  const spec = (item.spec ?? {}) as Record<string, unknown>;
  const status = (item.status ?? {}) as Record<string, unknown>;
  const labels = (metadata.labels ?? {}) as Record<string, string>;
  const annotations = (metadata.annotations ?? {}) as Record<string, string>;
  const namespace = str(metadata.namespace) ?? 'default';
  const dependsOnKind: TrackedKind = kind === 'HelmRelease' ? 'HelmRelease' : 'Kustomization';
  const dependsOn = (Array.isArray(spec.dependsOn) ? spec.dependsOn : [])
    .map((d: unknown) => (d ?? {}) as Record<string, unknown>)
    .filter((d) => typeof d.name === 'string')
    .map((d) => ({ kind: dependsOnKind, name: d.name as string, namespace: str(d.namespace) ?? namespace }));
  let sourceRef: ObjectRef | undefined;
  const src = (spec.sourceRef ?? undefined) as Record<string, unknown> | undefined;
  if (kind === 'Kustomization' && src && isTracked(str(src.kind) ?? '') && typeof src.name === 'string') {
    sourceRef = { kind: src.kind as TrackedKind, name: src.name, namespace: str(src.namespace) ?? namespace };
  }
  const appliedBy =
    labels[LABEL_NAME] && labels[LABEL_NAMESPACE] ? { kind: 'Kustomization' as const, name: labels[LABEL_NAME], namespace: labels[LABEL_NAMESPACE] } : undefined;
  const conditions = (Array.isArray(status.conditions) ? status.conditions : []).map((c: unknown) => {
    const o = (c ?? {}) as Record<string, unknown>;
    return {
      type: str(o.type) ?? '',
      status: str(o.status) ?? 'Unknown',
      reason: str(o.reason),
      message: str(o.message),
      observedGeneration: num(o.observedGeneration),
    };
  });
  return {
    kind,
    namespace,
    name: str(metadata.name) ?? '',
    generation: num(metadata.generation) ?? 1,
    observedGeneration: num(status.observedGeneration),
    conditions,
    requestedAt: annotations[REQUESTED_AT],
    lastHandledReconcileAt: str(status.lastHandledReconcileAt),
    suspended: spec.suspend === true,
    dependsOn,
    sourceRef,
    appliedBy,
  };
}

/**
 * Ready when Ready=True for the current generation and, when we asked for a reconcile
 * (`token`), after the controller has handled that request: a Ready=True from before the
 * request says nothing about the revision just pushed. Failed when Stalled=True, or Ready=False
 * for the current generation with a failure reason and nothing in progress.
 */
export function assess(object: LiveObject, token?: string): Health {
  const ready = object.conditions.find((c) => c.type === 'Ready');
  const stalled = object.conditions.find((c) => c.type === 'Stalled' && c.status === 'True');
  const reconciling = object.conditions.some((c) => c.type === 'Reconciling' && c.status === 'True');
  const observed = object.observedGeneration ?? ready?.observedGeneration ?? -1;
  const current = observed >= object.generation;
  const handled = token === undefined || object.requestedAt !== token || object.lastHandledReconcileAt === token;
  if (object.suspended) return { phase: 'failed', reason: 'Suspended', message: 'reconciliation is suspended (spec.suspend: true)' };
  if (stalled) return { phase: 'failed', reason: stalled.reason ?? 'Stalled', message: stalled.message ?? ready?.message ?? 'stalled' };
  if (!ready) return { phase: 'progressing', reason: 'NotReconciled', message: 'not reconciled yet' };
  const message = ready.message ?? '';
  if (!current || !handled) {
    // A Ready=True from before says nothing now; an Unknown/False one carries the controller's latest word.
    if (ready.status !== 'True' && ready.message) return { phase: 'progressing', reason: ready.reason ?? 'Pending', message: ready.message };
    return { phase: 'progressing', reason: 'Pending', message: current ? 'waiting for the controller to handle the reconcile request' : `generation ${object.generation} not observed yet` };
  }
  if (ready.status === 'True') return { phase: 'ready', message };
  const reason = ready.reason ?? 'Unknown';
  if (ready.status === 'False' && !reconciling && !WAITING_REASONS.has(reason)) return { phase: 'failed', reason, message };
  return { phase: 'progressing', reason, message };
}
