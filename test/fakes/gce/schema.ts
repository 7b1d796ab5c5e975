// The published description the GCE fake is checked against: the Compute v1 protos the SDK itself
// ships as JSON (@google-cloud/compute build/protos/protos.json, google.cloud.compute.v1). Messages
// give every field a resource may carry (protobufjs already names them by their JSON names, e.g.
// targetSize, IPProtocol); services give each method's google.api.http rule (verb, path template,
// body field). The fake derives its routes from those rules and refuses bodies and query parameters
// the messages do not define, with the error JSON Google's front end answers.
// The file is 12 MB; it is loaded once through the same require cache the SDK's clients use, so a
// test that already made a client pays nothing more.
import { createRequire } from 'node:module';
import { invalid } from './errors.ts';

interface ProtoField { type: string; rule?: string; keyType?: string; options?: Record<string, unknown> }
interface ProtoMessage { fields?: Record<string, ProtoField>; nested?: Record<string, ProtoNode>; values?: Record<string, number> }
interface ProtoMethod { requestType: string; responseType: string; parsedOptions?: Record<string, unknown>[] }
type ProtoNode = ProtoMessage & { methods?: Record<string, ProtoMethod> };

/** One method's HTTP rule, as protos.json publishes it. */
export interface HttpRule {
  service: string;
  method: string;
  verb: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** e.g. /compute/v1/projects/{project}/zones/{zone}/instanceGroupManagers/{instance_group_manager} */
  template: string;
  /** The request field carried as the body, as its JSON name (instanceGroupManagerResource). */
  body?: string;
  requestType: string;
}

let cached: Record<string, ProtoNode> | undefined;

/** The google.cloud.compute.v1 namespace of the SDK's protos.json. */
export function computeV1(): Record<string, ProtoNode> {
  if (!cached) {
    const require = createRequire(import.meta.url);
    const root = require('@google-cloud/compute/build/protos/protos.json') as { nested: Record<string, { nested: Record<string, unknown> }> };
    const v1 = (((root.nested.google!.nested.cloud as ProtoMessage).nested!.compute as ProtoMessage).nested!.v1 as ProtoMessage);
    cached = v1.nested as Record<string, ProtoNode>;
  }
  return cached;
}

/** protobufjs' JSON name of a proto field name (instance_group_manager -> instanceGroupManager). */
export const jsonName = (protoName: string): string => protoName.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
/** The proto name of a JSON name, as Google's errors spell paths (targetSize -> target_size). */
export const protoName = (json: string): string => json.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/^([A-Z]+)$/, (s) => s.toLowerCase()).toLowerCase();

/** The HTTP rule of service.method; throws when protos.json has none, so the fake cannot invent a route. */
export function httpRule(service: string, method: string): HttpRule {
  const m = computeV1()[service]?.methods?.[method];
  const http = m?.parsedOptions?.find((o) => o['(google.api.http)'])?.['(google.api.http)'] as Record<string, string> | undefined;
  if (!m || !http) throw new Error(`protos.json has no HTTP rule for google.cloud.compute.v1.${service}.${method}`);
  const verb = (['get', 'post', 'patch', 'put', 'delete'] as const).find((v) => http[v]);
  if (!verb) throw new Error(`${service}.${method}: HTTP rule without a verb`);
  return { service, method, verb: verb.toUpperCase() as HttpRule['verb'], template: http[verb]!, requestType: m.requestType,
    ...(http.body ? { body: jsonName(http.body) } : {}) };
}

/** Every HTTP rule in protos.json, as "VERB template" (for the test that every served route is published). */
export function publishedRoutes(): Set<string> {
  const out = new Set<string>();
  for (const [service, node] of Object.entries(computeV1())) {
    for (const method of Object.keys(node.methods ?? {})) {
      const r = httpRule(service, method);
      out.add(`${r.verb} ${r.template}`);
    }
  }
  return out;
}

/** A path template as a matcher: the path parameters by their JSON names. */
export function compileTemplate(template: string): { regex: RegExp; params: string[] } {
  const params: string[] = [];
  const source = template.replace(/\{([a-z_]+)\}/g, (_m, name: string) => { params.push(jsonName(name)); return '([^/]+)'; });
  return { regex: new RegExp(`^${source}$`), params };
}

/** A message's fields by JSON name; throws on an unknown message. */
export function messageFields(type: string): Record<string, ProtoField> {
  const m = computeV1()[type];
  if (!m?.fields) throw new Error(`protos.json has no message google.cloud.compute.v1.${type}`);
  return m.fields;
}

const isRequired = (f: ProtoField): boolean => f.options?.['(google.api.field_behavior)'] === 'REQUIRED';
// Parameters Google's front end takes on every call (system parameters), whatever the method.
const systemParams = new Set(['alt', 'prettyPrint', 'fields', 'key', 'quotaUser', 'userIp', '$alt', '$fields', '$prettyPrint', 'callback', 'access_token', 'upload_protocol', 'uploadType']);

/** Checks a query string against the request message: unknown names and missing required ones are refused. */
export function checkQuery(rule: HttpRule, query: URLSearchParams, pathParams: string[]): void {
  const fields = messageFields(rule.requestType);
  for (const name of new Set(query.keys())) {
    if (systemParams.has(name)) continue;
    const f = fields[name] ?? fields[jsonName(name)];
    if (!f || name === rule.body || pathParams.includes(jsonName(name))) {
      throw invalid(`Invalid JSON payload received. Unknown name "${name}": Cannot bind query parameter. Field '${name}' could not be found in request message.`, name);
    }
  }
  for (const [name, f] of Object.entries(fields)) {
    if (!isRequired(f) || name === rule.body || pathParams.includes(name)) continue;
    if (!query.has(name) && !query.has(protoName(name))) throw invalid(`Required parameter: ${protoName(name)}`, protoName(name));
  }
}

const ints = new Set(['int32', 'uint32', 'int64', 'uint64', 'sint32', 'sint64', 'fixed32', 'fixed64']);

/** Checks a JSON value against a message type; `at` is Google's path ('instance_template.properties'). */
export function checkMessage(type: string, value: unknown, at: string): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(`Invalid JSON payload received. Invalid value at '${at}' (type.googleapis.com/google.cloud.compute.v1.${type}), ${JSON.stringify(value)}`, at);
  }
  const fields = messageFields(type);
  for (const [name, v] of Object.entries(value)) {
    const f = fields[name];
    if (!f) throw invalid(`Invalid JSON payload received. Unknown name "${name}" at '${at}': Cannot find field.`, `${at}.${protoName(name)}`);
    checkField(f, v, `${at}.${protoName(name)}`);
  }
}

function checkField(f: ProtoField, v: unknown, at: string): void {
  if (v === null) return; // JSON null means "unset" to Google's parser.
  if (f.keyType) {
    if (typeof v !== 'object' || Array.isArray(v)) throw badValue(at, 'map', v);
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) checkScalarOrMessage(f.type, item, `${at}[${k}]`);
    return;
  }
  if (f.rule === 'repeated') {
    if (!Array.isArray(v)) throw badValue(at, `repeated ${f.type}`, v);
    v.forEach((item: unknown, i) => checkScalarOrMessage(f.type, item, `${at}[${i}]`));
    return;
  }
  checkScalarOrMessage(f.type, v, at);
}

function checkScalarOrMessage(type: string, v: unknown, at: string): void {
  if (type === 'string') { if (typeof v !== 'string') throw badValue(at, 'TYPE_STRING', v); return; }
  if (type === 'bool') { if (typeof v !== 'boolean') throw badValue(at, 'TYPE_BOOL', v); return; }
  if (type === 'double' || type === 'float') { if (typeof v !== 'number') throw badValue(at, 'TYPE_DOUBLE', v); return; }
  if (ints.has(type)) {
    // int64 and uint64 travel as strings in proto3 JSON; both forms are accepted for every width.
    const ok = (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v));
    if (!ok || (type.startsWith('u') && String(v).startsWith('-'))) throw badValue(at, `TYPE_${type.toUpperCase()}`, v);
    return;
  }
  if (type === 'google.protobuf.Any') return;
  const node = computeV1()[type] ?? enumOf(type);
  if (node?.values) {
    if (typeof v !== 'string' || !(v in node.values)) throw badValue(at, `TYPE_ENUM ${type}`, v);
    return;
  }
  checkMessage(type, v, at);
}

// Enums nested in messages (Operation.Status) are named "Status" relative to their message.
function enumOf(type: string): ProtoMessage | undefined {
  for (const node of Object.values(computeV1())) { const e = node.nested?.[type]; if (e?.values) return e; }
  return undefined;
}

function badValue(at: string, type: string, v: unknown) {
  return invalid(`Invalid JSON payload received. Invalid value at '${at}' (${type}), ${JSON.stringify(v)}`, at);
}
