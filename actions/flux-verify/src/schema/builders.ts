import type { Schema } from './validator';

/** Terse constructors for the shipped schemas. */
export const str: Schema = { type: 'string' };
export const int: Schema = { type: 'integer' };
export const num: Schema = { type: 'number' };
export const bool: Schema = { type: 'boolean' };
export const intOrString: Schema = { 'x-kubernetes-int-or-string': true };
/** Free-form content (Helm values, fields we do not model). */
export const any: Schema = { 'x-kubernetes-preserve-unknown-fields': true };
export const strings: Schema = { type: 'array', items: str };
export const stringMap: Schema = { type: 'object', additionalProperties: str };

export function obj(properties: Record<string, Schema>, required: readonly string[] = []): Schema {
  return { type: 'object', properties, required, additionalProperties: false };
}

export function arr(items: Schema): Schema {
  return { type: 'array', items };
}

export function map(values: Schema): Schema {
  return { type: 'object', additionalProperties: values };
}

export function oneOf(...values: string[]): Schema {
  return { type: 'string', enum: values };
}

/** An object that also accepts fields we do not model (vendor extensions, rarely used API). */
export function open(properties: Record<string, Schema>, required: readonly string[] = []): Schema {
  return { type: 'object', properties, required, 'x-kubernetes-preserve-unknown-fields': true };
}

export const objectMeta: Schema = obj({
  name: str,
  generateName: str,
  namespace: str,
  labels: stringMap,
  annotations: stringMap,
  finalizers: strings,
  ownerReferences: arr(any),
  uid: str,
  resourceVersion: str,
  generation: int,
  creationTimestamp: { type: 'string', nullable: true },
  deletionTimestamp: str,
  deletionGracePeriodSeconds: int,
  managedFields: arr(any),
  selfLink: str,
});

/** A top-level object schema: apiVersion, kind, metadata plus the kind's own fields. */
export function kind(fields: Record<string, Schema>, required: readonly string[] = []): Schema {
  return obj({ apiVersion: str, kind: str, metadata: objectMeta, status: any, ...fields }, required);
}
