import { parse, stringify } from 'yaml';
import { envsubst, SubstitutionError, VARIABLE_NAME } from './envsubst';
import type { KubeObject } from './types';

export const SUBSTITUTE_KEY = 'kustomize.toolkit.fluxcd.io/substitute';

/** True when the object opts out with the label or annotation `kustomize.toolkit.fluxcd.io/substitute: disabled`. */
export function substitutionDisabled(object: KubeObject): boolean {
  const labels = object.metadata.labels as Record<string, unknown> | undefined;
  const annotations = object.metadata.annotations as Record<string, unknown> | undefined;
  return labels?.[SUBSTITUTE_KEY] === 'disabled' || annotations?.[SUBSTITUTE_KEY] === 'disabled';
}

/** Names that Flux refuses (`'x-y' var name is invalid`): the whole Kustomization fails. */
export function invalidVariableNames(vars: ReadonlyMap<string, string>): string[] {
  return [...vars.keys()].filter((k) => !VARIABLE_NAME.test(k));
}

export type SubstituteResult = { ok: true; object: KubeObject; changed: boolean } | { ok: false; error: SubstitutionError };

/**
 * Substitute one object the way kustomize-controller does: the object as YAML text, envsubst over
 * the text, parsed back (so `replicas: ${N}` becomes a number).
 */
export function substituteObject(object: KubeObject, vars: ReadonlyMap<string, string>, strict: boolean): SubstituteResult {
  const json = JSON.stringify(object);
  // without `${` or `$$` envsubst returns the text unchanged: skip the round trip
  if (!json.includes('${') && !json.includes('$$')) return { ok: true, object, changed: false };
  const text = stringify(object, { lineWidth: 0, minContentWidth: 0 });
  try {
    const out = envsubst(text, (name) => vars.get(name), strict);
    if (out === text) return { ok: true, object, changed: false };
    return { ok: true, object: parse(out) as KubeObject, changed: true };
  } catch (err) {
    if (err instanceof SubstitutionError) return { ok: false, error: err };
    return { ok: false, error: new SubstitutionError(`the substituted object is not valid YAML: ${err instanceof Error ? err.message : String(err)}`) };
  }
}
