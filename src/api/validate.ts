// Runtime validation of our kinds' specs with the same schemas the CRDs are made from, for objects the
// API server did not check (files given to the CLI, objects stored before a schema change). CEL rules
// are the API server's alone; this checks types, enums, patterns, bounds and required fields, and
// fills in defaults as the API server would.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { KindDefinition } from './kind.ts';
import { patternHint } from './pattern-hints.ts';
import { kinds } from './v1alpha1/index.ts';

const ajv = new Ajv({ allErrors: true, useDefaults: true, validateFormats: false, strict: true });
ajv.addVocabulary(['x-kubernetes-validations', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys', 'x-kubernetes-int-or-string']);

const compiled = new Map<string, ValidateFunction>();

function validatorFor(def: KindDefinition): ValidateFunction {
  let v = compiled.get(def.kind);
  if (!v) {
    v = ajv.compile(JSON.parse(JSON.stringify(def.spec)) as object);
    compiled.set(def.kind, v);
  }
  return v;
}

function describe(e: ErrorObject): string {
  const path = `spec${e.instancePath.replaceAll(/\/(\d+)/g, '[$1]').replaceAll('/', '.')}`;
  switch (e.keyword) {
    case 'required': return `${path}.${(e.params as { missingProperty: string }).missingProperty}: required`;
    case 'enum': return `${path}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    case 'pattern': return `${path}: ${patternHint((e.params as { pattern: string }).pattern) ?? e.message}`;
    case 'additionalProperties': return `${path}.${(e.params as { additionalProperty: string }).additionalProperty}: unknown field`;
    default: return `${path}: ${e.message ?? e.keyword}`;
  }
}

/** Problems with an object's spec, each naming the field; empty when it is valid. Fills in defaults. */
export function specProblems(kind: string, spec: unknown): string[] {
  const def = kinds.find((k) => k.kind === kind);
  if (!def) return [`unknown kind ${kind}`];
  const validate = validatorFor(def);
  return validate(spec) ? [] : (validate.errors ?? []).map(describe);
}
