import { stringify } from 'yaml';
import { parse } from 'yaml';
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
 * Substitute one object the way kustomize-controller does. The controller runs envsubst over the
 * object's YAML text and parses the result, so `replicas: ${N}` becomes a number. Doing that for
 * every object is slow; the same result comes from substituting each string that holds `${` or
 * `$$` and, when that string would be written as a plain (unquoted) YAML scalar, reading the
 * substituted text back as YAML. Quoted and block strings stay strings, as in the text.
 */
export function substituteObject(object: KubeObject, vars: ReadonlyMap<string, string>, strict: boolean): SubstituteResult {
  const json = JSON.stringify(object);
  // without `${` or `$$` envsubst returns the text unchanged
  if (!json.includes('${') && !json.includes('$$')) return { ok: true, object, changed: false };
  const mapping = (name: string) => vars.get(name);
  let changed = false;
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (!value.includes('${') && !value.includes('$$')) return value;
      const out = envsubst(value, mapping, strict);
      if (out === value) return value;
      changed = true;
      return retype(value, out);
    }
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') {
      const result: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) result[typeof walk(k) === 'string' ? (walk(k) as string) : k] = walk(v);
      return result;
    }
    return value;
  };
  try {
    const result = walk(object) as KubeObject;
    return { ok: true, object: changed ? result : object, changed };
  } catch (err) {
    if (err instanceof SubstitutionError) return { ok: false, error: err };
    throw err;
  }
}

/** A plain scalar in the YAML text is re-read after substitution (`${N}` -> 3, `${ON}` -> true); a quoted one stays a string. */
function retype(original: string, substituted: string): unknown {
  const emitted = stringify(original, { lineWidth: 0 });
  if (/^['"|>]/.test(emitted) || substituted.includes('\n')) return substituted;
  try {
    const value = parse(substituted) as unknown;
    return value === null ? null : value;
  } catch {
    return substituted;
  }
}
