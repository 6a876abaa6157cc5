import type { FileStore } from '../render/files';
import type { RenderResult } from '../render/tree';
import type { Finding, RenderedObject } from '../render/types';
import type { SchemaRegistry } from '../schema/registry';

/** What every check reads: the rendered tree, an index of its objects and the schema registry. */
export interface CheckContext {
  render: RenderResult;
  registry: SchemaRegistry;
  /** First object for group/kind/namespace/name. */
  index: Map<string, RenderedObject>;
  add(finding: Finding): void;
}

export function objectKey(group: string, kind: string, namespace: string | undefined, name: string): string {
  return `${group}/${kind}/${namespace ?? ''}/${name}`;
}

/** Line of a field of a rendered object in its source document (the object's first line when unknown). */
export function fieldLine(files: FileStore, o: RenderedObject, path: readonly (string | number)[]): number {
  if (!o.origin.path || o.origin.doc === undefined) return o.origin.line;
  const file = files.tryGet(o.origin.path);
  return file ? files.lineOf(file, o.origin.doc, path) : o.origin.line;
}

export function describe(o: RenderedObject): string {
  return `${o.kind}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}
