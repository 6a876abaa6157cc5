import { validate } from '../schema/validator';
import { describe, fieldLine, type CheckContext } from './context';
import { outdatedApi } from './objects';

export interface MissingSchema {
  apiVersion: string;
  kind: string;
  count: number;
  /** First place it appears. */
  file: string;
  line: number;
}

const PER_OBJECT = 10;

/** Strict schema validation; kinds with no schema are returned, never silently counted as valid. */
export function checkSchemas(ctx: CheckContext): MissingSchema[] {
  const missing = new Map<string, MissingSchema>();
  for (const o of ctx.render.objects) {
    if (outdatedApi(o) || o.substitutionFailed) continue;
    const apiVersion = String(o.object.apiVersion);
    const found = ctx.registry.lookup(apiVersion, o.kind);
    if (!found) {
      const key = `${apiVersion}/${o.kind}`;
      const m = missing.get(key);
      if (m) m.count++;
      else missing.set(key, { apiVersion, kind: o.kind, count: 1, file: o.origin.file, line: o.origin.line });
      continue;
    }
    const violations = validate(o.object, found.schema, [], [], PER_OBJECT);
    for (const v of violations) {
      ctx.add({
        rule: 'schema-violation',
        severity: 'error',
        file: o.origin.file,
        line: fieldLine(ctx.render.files, o, v.path),
        kustomization: o.kustomization,
        message: `${describe(o)}: ${v.message}${found.from === 'crd' ? ' (schema from the CRD in the tree)' : ''}`,
      });
    }
  }
  return [...missing.values()].sort((a, b) => `${a.apiVersion}/${a.kind}`.localeCompare(`${b.apiVersion}/${b.kind}`));
}
