/** A rendered object as the PR diff sees it: identity, owner, body, where it came from. */
export interface DiffObject {
  /** The Flux Kustomization (namespace/name) that renders it. */
  kustomization: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  body: Record<string, unknown>;
  file?: string;
  line?: number;
}

/** group/kind/namespace/name: the identity Flux uses to own an object (apiVersion's version excluded). */
export function objectKey(o: Pick<DiffObject, 'apiVersion' | 'kind' | 'namespace' | 'name'>): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.slice(0, o.apiVersion.lastIndexOf('/')) : '';
  return `${group}/${o.kind}/${o.namespace ?? ''}/${o.name}`;
}

export function displayName(o: Pick<DiffObject, 'kind' | 'namespace' | 'name'>): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}
