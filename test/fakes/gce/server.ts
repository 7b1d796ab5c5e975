// A fake of the part of the Compute Engine v1 REST API Staysail's GCE provider calls, on 127.0.0.1
// (there is no Compute emulator). It speaks the wire format @google-cloud/compute 7.8.0 sends with
// `fallback: true` (REST, JSON bodies with the fields' JSON names, query parameters for the rest) and
// derives every route from the google.api.http rules in the SDK's protos.json (schema.ts); bodies and
// query parameters the request messages do not define are refused with Google's 400 error JSON.
//
// Served, under /compute/v1/projects/{project}/ (G = get, L = list, I = insert, D = delete, P = patch,
// U = update (PUT)):
//   global/instanceTemplates                            G L I D
//   zones/{z}/instanceGroupManagers, regions/{r}/...    G L I D P, resize?size=N, listManagedInstances
//   global/backendServices, regions/{r}/backendServices G L I D P U, getHealth {group}
//   global/healthChecks, regions/{r}/healthChecks       G L I D P U
//   global/firewalls                                    G L I D P U
//   global/urlMaps                                      G L I D P U
//   global/targetHttpProxies, global/targetTcpProxies   G L I D
//   global/forwardingRules, regions/{r}/forwardingRules G L I D
//   (projects/{p})                                      G, the Account's cheap read
//   zones/{z}/operations/{op}, regions/{r}/..., global/operations/{op}: GET and POST .../wait
// External load balancers: global forwarding rule -> target TCP proxy (or target HTTP proxy -> URL
// map) -> global backend service; a regional forwarding rule may name a regional backend service
// directly (the passthrough network load balancer). Target pools are not served.
// Ownership: managed instance groups have no labels field in Compute (see protos.json
// InstanceGroupManager); mark them in `description`, and their instance templates in
// properties.labels. Lists filter on any field (filter.ts), so `labels.x = "y"` works where labels exist.
//
// Behaviour (resources.ts, groups.ts, operations.ts, rules.ts): mutating calls answer a
// compute#operation that goes PENDING -> RUNNING -> DONE over reads; 404 notFound, 409 alreadyExists,
// 412 conditionNotMet for a stale or missing fingerprint (backend services, URL maps, groups), 400
// resourceInUseByAnotherResource for deleting what another resource names, 404 for a reference to
// nothing, 400 for a distributionPolicy on a zonal group or naming a zone outside a regional one's
// region; selfLinks are http://127.0.0.1:<port>/compute/v1/...; an unknown project is 404.
// Tests: failNext (an HTTP error, 429 with Retry-After, 500, ...), failOperation (an operation that
// ends DONE with error.errors[]), setHealth, the request log, onAnswered (sees or holds back each
// answer), state() for assertions, operations.timing (reads per step, settle time) and
// operations.settleAll(); reset() forgets all and restores the timing.
// sdk.ts makes the real clients against a fake and waits on operations as the provider does.
// What the SDK does on this wire (seen in the tests): empty lists are left out of bodies, so a patch
// cannot empty backends[] (use update); empty maps go as {}; an empty message goes as ""; gax retries
// 503 on get and list by itself; errors[].reason is only on the raw body gax keeps under
// Symbol.for('google-gax.rawHttpResponsePayload'), and Retry-After only on the response.
// Not modelled: auth (any or no token is accepted; use PassThroughClient), instances outside groups,
// networks and subnetworks (named, never checked), autoscalers, target pools, requestId
// de-duplication, orderBy, aggregated lists, IAM, quotas (inject them with failOperation).
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThroughClient } from 'google-auth-library';
import { GoogleApiError, invalid, notFound } from './errors.ts';
import { Groups, type HealthState } from './groups.ts';
import { Operations, timestamp, type OperationFailure, type OperationScope } from './operations.ts';
import { Resources, type Collection, type Target } from './resources.ts';
import { checkMessage, checkQuery, compileTemplate, httpRule, messageFields, protoName, type HttpRule } from './schema.ts';

type Json = Record<string, unknown>;

const crud = ['Insert', 'Get', 'List', 'Delete'];
/** The protos services and methods the fake serves. */
export const servedMethods: [service: string, methods: string[]][] = [
  ['InstanceTemplates', crud],
  ['InstanceGroupManagers', [...crud, 'Patch', 'Resize', 'ListManagedInstances']],
  ['RegionInstanceGroupManagers', [...crud, 'Patch', 'Resize', 'ListManagedInstances']],
  ['BackendServices', [...crud, 'Patch', 'Update', 'GetHealth']],
  ['RegionBackendServices', [...crud, 'Patch', 'Update', 'GetHealth']],
  ['HealthChecks', [...crud, 'Patch', 'Update']],
  ['RegionHealthChecks', [...crud, 'Patch', 'Update']],
  ['Firewalls', [...crud, 'Patch', 'Update']],
  ['UrlMaps', [...crud, 'Patch', 'Update']],
  ['TargetHttpProxies', crud],
  ['TargetTcpProxies', crud],
  ['GlobalForwardingRules', crud],
  ['ForwardingRules', crud],
  ['Projects', ['Get']],
  ['ZoneOperations', ['Get', 'Wait']],
  ['RegionOperations', ['Get', 'Wait']],
  ['GlobalOperations', ['Get', 'Wait']],
];

interface Route { rule: HttpRule; regex: RegExp; params: string[]; collection?: Collection; bodyType?: string }

/** An HTTP failure the next matching requests get instead of an answer. */
export interface RequestFailure {
  method?: string;
  /** Matched against the path (without the query string). */
  path?: RegExp;
  status: number;
  retryAfterS?: number;
  message?: string;
  /** How many requests fail; default 1. */
  times?: number;
}

/** One request as the fake received it. */
export interface RecordedRequest { method: string; path: string; body: unknown }

export interface FakeGceOptions {
  /** Projects that exist; calls for others answer 404. Default ['test-project']. */
  projects?: string[];
  /** Largest body accepted; default 1 MiB. */
  bodyLimitBytes?: number;
}

export class FakeGce {
  readonly requests: RecordedRequest[] = [];
  /**
   * Called with each request once the fake has carried it out, before the answer is sent; answering
   * 'hold' keeps the answer back (for a crash between "Compute did it" and "the caller knows").
   */
  onAnswered: ((request: RecordedRequest, status: number) => 'hold' | void) | undefined;
  readonly operations: Operations;
  readonly resources: Resources;
  readonly groups: Groups;
  private readonly server: Server;
  private readonly routes: Route[];
  private readonly projects: Set<string>;
  private readonly bodyLimit: number;
  private failures: (RequestFailure & { left: number })[] = [];
  private base = '';

  constructor(opts: FakeGceOptions = {}) {
    this.projects = new Set(opts.projects ?? ['test-project']);
    this.bodyLimit = opts.bodyLimitBytes ?? 1 << 20;
    this.operations = new Operations(() => this.base);
    this.resources = new Resources(() => this.base, this.operations);
    this.groups = new Groups(this.resources, this.operations);
    this.routes = buildRoutes();
    this.server = createServer((req, res) => this.receive(req, res));
  }

  /** Listens on a free loopback port; answers the endpoint (http://127.0.0.1:<port>). */
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${this.port}`;
    return this.base;
  }

  get port(): number { return (this.server.address() as AddressInfo).port; }

  stop(): Promise<void> { return new Promise((r) => { this.server.closeAllConnections(); this.server.close(() => r()); }); }

  /** Options for an SDK client pointed at the fake. */
  clientOptions(): { apiEndpoint: string; port: number; protocol: string; authClient: PassThroughClient; fallback: true } {
    return { apiEndpoint: '127.0.0.1', port: this.port, protocol: 'http', authClient: new PassThroughClient(), fallback: true };
  }

  /** Forgets every resource, operation, failure, health override, logged request and onAnswered. */
  reset(): void {
    this.resources.reset(); this.operations.reset(); this.groups.reset();
    this.failures = []; this.requests.length = 0; this.onAnswered = undefined;
  }

  failNext(f: RequestFailure): void { this.failures.push({ ...f, left: f.times ?? 1 }); }

  failOperation(f: OperationFailure): void { this.operations.failNext(f); }

  setHealth(instance: RegExp | string, state: HealthState | undefined): void { this.groups.setHealth(instance, state); }

  /** Every resource's JSON by path, optionally of one collection segment (instanceGroupManagers). */
  state(collection?: string): Record<string, Json> { return Object.fromEntries(this.resources.all(collection)); }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (d: Buffer) => {
      size += d.length;
      // Past the limit the rest is read and dropped (not kept), so the client still gets the 413.
      if (size <= this.bodyLimit) chunks.push(d);
      else if (!res.headersSent) { res.setHeader('connection', 'close'); this.send(res, new GoogleApiError(413, `Request body larger than ${this.bodyLimit} bytes.`)); }
    });
    req.on('end', () => {
      if (size > this.bodyLimit) return;
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try { body = text ? JSON.parse(text) : undefined; } catch { body = text; }
      const recorded: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', body };
      this.requests.push(recorded);
      let answer: Json | GoogleApiError;
      try { answer = this.handle(req, text); } catch (err) {
        answer = err instanceof GoogleApiError ? err : new GoogleApiError(500, `The GCE fake failed: ${String(err)}`);
      }
      // A held answer is never sent: the caller is about to be killed, having never heard that it was done.
      if (this.onAnswered?.(recorded, answer instanceof GoogleApiError ? answer.code : 200) === 'hold') return;
      this.send(res, answer);
    });
  }

  private send(res: ServerResponse, answer: Json | GoogleApiError): void {
    if (res.headersSent) return;
    const status = answer instanceof GoogleApiError ? answer.code : 200;
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=UTF-8' };
    if (answer instanceof GoogleApiError && answer.extra.retryAfterS !== undefined) headers['retry-after'] = String(answer.extra.retryAfterS);
    res.writeHead(status, headers).end(JSON.stringify(answer instanceof GoogleApiError ? answer.body() : answer));
  }

  private handle(req: IncomingMessage, text: string): Json {
    const url = new URL(req.url ?? '/', 'http://fake');
    const failure = this.failures.find((f) => f.left > 0 && (!f.method || f.method === req.method) && (!f.path || f.path.test(url.pathname)));
    if (failure) {
      failure.left--;
      throw new GoogleApiError(failure.status, failure.message ?? defaultMessage(failure.status), undefined,
        failure.retryAfterS !== undefined ? { retryAfterS: failure.retryAfterS } : {});
    }
    this.operations.settleDue();
    for (const route of this.routes) {
      const m = req.method === route.rule.verb ? route.regex.exec(url.pathname) : null;
      if (!m) continue;
      const values = Object.fromEntries(route.params.map((p, i) => [p, decodeURIComponent(m[i + 1]!)]));
      if (!this.projects.has(values.project!)) throw notFound(`projects/${values.project}`);
      checkQuery(route.rule, url.searchParams, route.params);
      const body = route.bodyType ? this.parseBody(route.bodyType, text) : {};
      return this.dispatch(route, values, url.searchParams, body);
    }
    throw new GoogleApiError(url.pathname.startsWith('/compute/v1/') ? 501 : 404, `The GCE fake does not serve ${req.method} ${url.pathname}`);
  }

  private parseBody(type: string, text: string): Json {
    let body: unknown;
    try { body = text.trim() ? JSON.parse(text) : {}; } catch (err) {
      throw invalid(`Invalid JSON payload received. ${(err as Error).message}`);
    }
    // gax sends an empty message as the JSON string "" (seen from the SDK), which reads as no fields.
    if (body === '') body = {};
    checkMessage(type, body, protoName(type));
    return body as Json;
  }

  private dispatch(route: Route, v: Record<string, string>, query: URLSearchParams, body: Json): Json {
    const { service, method } = route.rule;
    const location = v.zone ?? v.region;
    const nameParam = route.params.find((p) => p !== 'project' && p !== 'zone' && p !== 'region');
    const t: Target = { project: v.project!, ...(location ? { location } : {}), ...(nameParam ? { name: v[nameParam]! } : {}) };
    if (service === 'Projects') return this.project(t.project);
    if (service.endsWith('Operations')) {
      const scope: OperationScope = v.zone ? { zone: v.zone } : v.region ? { region: v.region } : {};
      return this.operations.read(t.project, scope, v.operation!);
    }
    const c = route.collection!;
    switch (method) {
      case 'Insert': return this.resources.insert(c, t, body);
      case 'Get': return this.resources.read(this.resources.key(c, t));
      case 'List': return this.resources.list(c, t, query);
      case 'Delete': return this.resources.delete(c, t);
      case 'Patch': return this.resources.change(c, t, body, 'patch');
      case 'Update': return this.resources.change(c, t, body, 'update');
      case 'Resize': return this.groups.resize(c, t, Number(query.get('size')));
      case 'ListManagedInstances': return this.groups.listManagedInstances(c, t);
      case 'GetHealth': return this.groups.getHealth(c, t, body);
    }
    throw new GoogleApiError(501, `The GCE fake does not serve ${service}.${method}`);
  }

  private project(name: string): Json {
    return { kind: 'compute#project', id: (createHash('sha256').update(name).digest().readBigUInt64BE() >> 1n).toString(), name,
      creationTimestamp: timestamp(0), selfLink: `${this.base}/compute/v1/projects/${name}`, defaultNetworkTier: 'PREMIUM',
      defaultServiceAccount: `123456789-compute@developer.gserviceaccount.com`, xpnProjectStatus: 'UNSPECIFIED_XPN_PROJECT_STATUS' };
  }
}

const defaultMessage = (status: number): string =>
  ({ 429: 'Rate Limit Exceeded', 500: 'Internal error. Please try again or contact Google Support.', 503: 'The service is currently unavailable.',
    403: 'Required permission is missing.' } as Record<number, string>)[status] ?? `Injected error ${status}`;

/** Every served route, from protos.json's HTTP rules. */
export function buildRoutes(): Route[] {
  const routes: Route[] = [];
  for (const [service, methods] of servedMethods) {
    const collection = service === 'Projects' || service.endsWith('Operations') ? undefined : collectionOf(service);
    for (const method of methods) {
      const rule = httpRule(service, method);
      const { regex, params } = compileTemplate(rule.template);
      const bodyType = rule.body ? messageFields(rule.requestType)[rule.body]!.type : undefined;
      routes.push({ rule, regex, params, ...(collection ? { collection } : {}), ...(bodyType ? { bodyType } : {}) });
    }
  }
  return routes;
}

function collectionOf(service: string): Collection {
  const get = httpRule(service, 'Get').template;
  const m = /^\/compute\/v1\/projects\/\{project\}\/(global|zones\/\{zone\}|regions\/\{region\})\/([A-Za-z]+)\/\{[a-z_]+\}$/.exec(get);
  if (!m) throw new Error(`${service}: cannot read the collection from ${get}`);
  const insert = httpRule(service, 'Insert');
  return { service, collection: m[2]!, scope: m[1]!.split('/')[0] as Collection['scope'],
    message: messageFields(insert.requestType)[insert.body!]!.type };
}

