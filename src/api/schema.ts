// Builders for Kubernetes structural schemas with static types. Every builder takes the field's
// description first, because `kubectl explain` shows it and a test refuses a field without one.
// Only what a CRD's structural schema accepts is emitted: no $ref, no const, no uniqueItems.
import { Type, type Static, type TSchema } from 'typebox';

export type { Static, TSchema };

/** A CEL rule, refused with message (and reported against fieldPath) when it does not hold. */
export interface Rule { rule: string; message: string; fieldPath?: string; reason?: string }

interface Common {
  /** CEL rules on this node. */
  rules?: Rule[];
  /**
   * Filled in by the API server when absent. Such a field is required in the static type (objects read
   * back always have it) but not in the CRD, so a manifest may leave it out.
   */
  default?: unknown;
}

function extras(o: Common & object): Record<string, unknown> {
  const { rules, ...rest } = o;
  return { ...rest, ...(rules?.length ? { 'x-kubernetes-validations': rules } : {}) };
}

export const str = (description: string, o: Common & { pattern?: string; minLength?: number; maxLength?: number; format?: string } = {}) =>
  Type.String({ description, maxLength: 1024, ...extras(o) });

export const int = (description: string, o: Common & { minimum?: number; maximum?: number } = {}) =>
  Type.Integer({ description, format: 'int32', ...extras(o) });

export const num = (description: string, o: Common & { minimum?: number; maximum?: number } = {}) =>
  Type.Number({ description, ...extras(o) });

export const bool = (description: string, o: Common = {}) => Type.Boolean({ description, ...extras(o) });

/** A string that must be one of values (`kubectl explain` lists them). */
export const oneOf = <const V extends readonly string[]>(description: string, values: V, o: Common = {}) =>
  Type.Unsafe<V[number]>(Type.String({ description, enum: [...values], ...extras(o) }));

export const obj = <P extends Record<string, TSchema>>(description: string, properties: P, o: Common = {}) =>
  Type.Object(properties, { description, ...extras(o) });

export const arr = <T extends TSchema>(description: string, items: T,
  o: Common & { maxItems?: number; minItems?: number; listType?: 'atomic' | 'set' | 'map'; listMapKeys?: string[] } = {}) => {
  const { listType, listMapKeys, ...rest } = o;
  return Type.Array(items, {
    description, maxItems: 256, ...extras(rest),
    ...(listType ? { 'x-kubernetes-list-type': listType } : {}),
    ...(listMapKeys ? { 'x-kubernetes-list-map-keys': listMapKeys } : {}),
  });
};

/** An object with arbitrary keys whose values all have one schema. */
export const mapOf = <T extends TSchema>(description: string, values: T, o: Common & { maxProperties?: number } = {}) =>
  Type.Unsafe<Record<string, Static<T>>>({ type: 'object', description, additionalProperties: values, maxProperties: 128, ...extras(o) });

/** Free-form JSON kept as written (pod templates, stage configuration, outputs). */
export const freeform = (description: string) =>
  Type.Unsafe<Record<string, unknown>>({ type: 'object', description, 'x-kubernetes-preserve-unknown-fields': true });

/** Any JSON value kept as written (a parameter value, an output). */
export const anyValue = (description: string) =>
  Type.Unsafe<unknown>({ description, 'x-kubernetes-preserve-unknown-fields': true });

export const optional = Type.Optional;

/** Durations as strings, e.g. 30s, 5m, 1h30m, 250ms, 2d. */
export const durationPattern = '^([0-9]+(ms|s|m|h|d))+$';
export const duration = (description: string, o: Common = {}) =>
  str(`${description} A duration such as 30s, 5m, 1h30m or 2d.`, { pattern: durationPattern, maxLength: 32, ...o });

/** A DNS-1123 label: the name of a Kubernetes object of ours or of a Service, Namespace... */
export const dnsLabelPattern = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const objectName = (description: string) => str(description, { pattern: dnsLabelPattern, maxLength: 63 });

/** A reference to another object in the same namespace. */
export const localRef = (description: string) => obj(description, {
  name: objectName('Name of the referenced object, in the same namespace.'),
});

/** Percentages, 1 to 100. */
export const percent = (description: string, o: Common = {}) => int(`${description} 1 to 100.`, { minimum: 1, maximum: 100, ...o });
