/**
 * A small validator for the structural-schema subset that Kubernetes and CRDs use: type,
 * properties, required, additionalProperties, items, enum, pattern, nullable,
 * x-kubernetes-int-or-string and x-kubernetes-preserve-unknown-fields. Unknown fields are errors
 * (kubectl --validate=strict, and what the API server warns about), except under an object schema
 * that declares no properties (a free-form map).
 */

export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, Schema>;
  required?: readonly string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: readonly unknown[];
  pattern?: string;
  nullable?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  anyOf?: readonly Schema[];
  oneOf?: readonly Schema[];
  allOf?: readonly Schema[];
}

export interface SchemaViolation {
  /** Field path, e.g. ['spec', 'template', 'spec', 'containers', 0, 'image']. */
  path: (string | number)[];
  message: string;
}

const patterns = new Map<string, RegExp | null>();

function regex(source: string): RegExp | null {
  let re = patterns.get(source);
  if (re === undefined) {
    try {
      re = new RegExp(source, 'u');
    } catch {
      re = null;
    }
    patterns.set(source, re);
  }
  return re;
}

export function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export function validate(value: unknown, schema: Schema, path: (string | number)[] = [], out: SchemaViolation[] = [], limit = 50): SchemaViolation[] {
  if (out.length >= limit) return out;
  // the API server decodes null as "not set"; a required field that is null is caught by its parent
  if (value === null) return out;
  if (schema['x-kubernetes-int-or-string']) {
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) {
      out.push({ path, message: `${formatPath(path)} must be an integer or a string, got ${typeName(value)}` });
    }
    return out;
  }
  if (schema.anyOf || schema.oneOf) {
    const options = schema.anyOf ?? schema.oneOf ?? [];
    // Kubernetes uses anyOf/oneOf mostly to express "int or string" and mutually exclusive fields;
    // with a declared type the type check below carries the weight, so only a total mismatch counts.
    if (!schema.type && options.length > 0 && !options.some((o) => validate(value, { ...o }, path, [], 1).length === 0)) {
      out.push({ path, message: `${formatPath(path)} matches none of the allowed shapes` });
      return out;
    }
  }
  for (const s of schema.allOf ?? []) validate(value, s, path, out, limit);
  const t = schema.type;
  if (t) {
    const actual = typeName(value);
    const ok = t === actual || (t === 'number' && actual === 'integer');
    if (!ok) {
      out.push({ path, message: `${formatPath(path) || 'object'} must be ${article(t)}, got ${actual}${actual === 'string' || actual === 'integer' || actual === 'number' || actual === 'boolean' ? ` (${JSON.stringify(value)})` : ''}` });
      return out;
    }
  }
  if (schema.enum && !schema.enum.includes(value)) {
    out.push({ path, message: `${formatPath(path)} is ${JSON.stringify(value)}; expected one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` });
  }
  if (schema.pattern && typeof value === 'string') {
    const re = regex(schema.pattern);
    if (re && !re.test(value)) out.push({ path, message: `${formatPath(path)} is ${JSON.stringify(value)}; it must match ${schema.pattern}` });
  }
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, i) => validate(item, schema.items!, [...path, i], out, limit));
    return out;
  }
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (record[key] === undefined || record[key] === null) out.push({ path, message: `${path.length ? `${formatPath(path)}.` : ''}${key} is required` });
    }
    const props = schema.properties;
    const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
    for (const [key, v] of Object.entries(record)) {
      const sub = props?.[key];
      if (sub) {
        validate(v, sub, [...path, key], out, limit);
        continue;
      }
      const extra = schema.additionalProperties;
      if (typeof extra === 'object') validate(v, extra, [...path, key], out, limit);
      else if (extra === false || (extra === undefined && props !== undefined && !preserve)) {
        out.push({ path: [...path, key], message: `unknown field ${formatPath([...path, key])}${suggest(key, props)}` });
      }
    }
  }
  return out;
}

function article(t: string): string {
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

/** "did you mean" for a misspelt field: same letters ignoring case, or one edit away. */
function suggest(key: string, props: Record<string, Schema> | undefined): string {
  if (!props) return '';
  const lower = key.toLowerCase();
  const match = Object.keys(props).find((p) => p.toLowerCase() === lower || editDistance(p, key) === 1);
  return match ? ` (did you mean ${match}?)` : '';
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 1) return 2;
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i]![j] = Math.min(dp[i - 1]![j]! + 1, dp[i]![j - 1]! + 1, dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return dp[a.length]![b.length]!;
}
