// The published API descriptions the Azure fake is checked against: excerpts of the OpenAPI files in
// Azure/azure-rest-api-specs kept under spec/ (each names its source file, commit and api-version in
// "$source"). An excerpt keeps, for the paths the fake serves, each method's body and response
// definition, and for each definition its properties (name -> type / $ref / readOnly, items,
// additionalProperties) and required list; allOf is kept as the list of definitions it extends.
// Request bodies are checked as the services answer: a property no definition has is 400
// InvalidRequestFormat ("Could not find member 'x' on object of type 'T'. Path 'a.x'."), a value of
// the wrong JSON type likewise ("Error converting value ..."), a required property left out is 400
// InvalidParameter ("Required parameter 'a.x' is missing (null)." with target a.x). Read-only
// properties in a request are accepted and ignored, as ARM does (clients send back what they read).
// Response bodies are checked too (responseFaults): every property the fake sends must be published,
// in a definition the excerpt keeps.
import { readFileSync } from 'node:fs';
import { invalidParameter, invalidRequestFormat } from './errors.ts';

export interface Property {
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';
  $ref?: string;
  readOnly?: boolean;
  items?: Property;
  additionalProperties?: Property | boolean;
}

export interface Definition { allOf?: string[]; properties?: Record<string, Property>; required?: string[] }

export interface Operation { body?: string; response?: string }

export interface Excerpt { $source: string; paths: Record<string, Record<string, Operation>>; definitions: Record<string, Definition> }

export type Api = 'compute' | 'network';

const files: Record<Api, string[]> = {
  compute: ['compute.json'],
  network: ['network-common.json', 'network-loadBalancer.json', 'network-virtualNetwork.json'],
};

const cache = new Map<Api, Excerpt>();

/** Every excerpt of an API merged (Network's definitions refer across its files). */
export function excerpt(api: Api): Excerpt {
  let e = cache.get(api);
  if (!e) {
    e = { $source: '', paths: {}, definitions: {} };
    for (const f of files[api]) {
      const part = JSON.parse(readFileSync(new URL(`./spec/${f}`, import.meta.url), 'utf8')) as Excerpt;
      e.$source += `${part.$source}\n`;
      Object.assign(e.paths, part.paths);
      Object.assign(e.definitions, part.definitions);
    }
    cache.set(api, e);
  }
  return e;
}

/** The published operation of a path template and method; throws when the excerpt has none, so the fake cannot invent a route. */
export function publishedOperation(api: Api, template: string, method: string): Operation {
  const op = excerpt(api).paths[template]?.[method.toLowerCase()];
  if (!op) throw new Error(`spec/${api}: no ${method} ${template} in the published API description`);
  return op;
}

/** A definition's properties and required list, with those of the definitions it extends (allOf). */
export function flatten(api: Api, name: string): { properties: Record<string, Property>; required: string[] } {
  const d = excerpt(api).definitions[name];
  if (!d) throw new Error(`spec/${api}: no definition ${name}`);
  const out = { properties: {} as Record<string, Property>, required: [] as string[] };
  for (const base of d.allOf ?? []) {
    const b = flatten(api, base);
    Object.assign(out.properties, b.properties);
    out.required.push(...b.required);
  }
  Object.assign(out.properties, d.properties ?? {});
  out.required.push(...(d.required ?? []));
  return out;
}

/** Checks a request body against a definition; throws the ARM error for the first fault. */
export function checkRequest(api: Api, definition: string, body: unknown): void {
  const faults: Fault[] = [];
  walk(api, { $ref: definition }, body, '', faults, 'request');
  // The body is read before it is validated: a member it cannot read is answered before a missing one.
  const f = faults.find((x) => x.kind !== 'required') ?? faults[0];
  if (!f) return;
  if (f.kind === 'required') throw invalidParameter(`Required parameter '${f.path}' is missing (null).`, f.path);
  throw invalidRequestFormat(f.message);
}

/** Faults of a response body: properties the description does not publish, or of the wrong JSON type. */
export function checkResponse(api: Api, definition: string, body: unknown): string[] {
  const faults: Fault[] = [];
  walk(api, { $ref: definition }, body, '', faults, 'response');
  return faults.filter((f) => f.kind !== 'required').map((f) => `${definition}: ${f.message}`);
}

interface Fault { kind: 'unknown' | 'type' | 'required'; path: string; message: string }

const join = (path: string, name: string): string => (path ? `${path}.${name}` : name);
const jsonType = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

function walk(api: Api, p: Property, v: unknown, path: string, faults: Fault[], mode: 'request' | 'response'): void {
  if (v === null || v === undefined) return; // JSON null reads as "not given" to the services' deserializers.
  if (p.$ref) { walkObject(api, p.$ref, v, path, faults, mode); return; }
  const t = jsonType(v);
  const ok = p.type === undefined || p.type === t || (p.type === 'integer' && Number.isInteger(v)) || (p.type === 'number' && t === 'number');
  if (!ok) {
    faults.push({ kind: 'type', path, message: `Error converting value ${JSON.stringify(v)} to type '${p.type}'. Path '${path}'.` });
    return;
  }
  if (p.type === 'array' && p.items) (v as unknown[]).forEach((item, i) => walk(api, p.items!, item, `${path}[${i}]`, faults, mode));
  if (p.type === 'object' && typeof p.additionalProperties === 'object') {
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) walk(api, p.additionalProperties, item, join(path, k), faults, mode);
  }
}

function walkObject(api: Api, name: string, v: unknown, path: string, faults: Fault[], mode: 'request' | 'response'): void {
  if (!excerpt(api).definitions[name]) {
    // Not excerpted ($unexcerpted): a request may carry it unchecked; the fake itself must not answer one.
    if (mode === 'response') faults.push({ kind: 'type', path, message: `Definition '${name}' at '${path}' is not excerpted, so the fake may not answer it.` });
    return;
  }
  if (jsonType(v) !== 'object') {
    faults.push({ kind: 'type', path, message: `Error converting value ${JSON.stringify(v)} to type '${name}'. Path '${path}'.` });
    return;
  }
  const { properties, required } = flatten(api, name);
  const o = v as Record<string, unknown>;
  for (const [k, item] of Object.entries(o)) {
    const p = properties[k];
    if (!p) {
      faults.push({ kind: 'unknown', path: join(path, k), message: `Could not find member '${k}' on object of type '${name}'. Path '${join(path, k)}'.` });
      continue;
    }
    if (mode === 'request' && p.readOnly) continue;
    walk(api, p, item, join(path, k), faults, mode);
  }
  if (mode === 'request') {
    for (const r of required) if (o[r] === undefined || o[r] === null) faults.push({ kind: 'required', path: join(path, r), message: '' });
  }
}
