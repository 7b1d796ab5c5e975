// A fake of the part of Azure Resource Manager Staysail's Azure provider calls, and of Microsoft Entra
// ID's token service, on one HTTPS server on 127.0.0.1 with a CA of its own (certs.ts). The real
// SDKs work against it unchanged: @azure/arm-compute 25.1.1 and @azure/arm-network 39.0.0 with
// `endpoint`, @azure/identity's ClientSecretCredential with `authorityHost` (entra.ts). sdk.ts makes them.
//
// Served (routes.ts; every route is a path and method of the published API descriptions, spec/):
//   Microsoft.Compute/virtualMachineScaleSets  PUT PATCH GET DELETE, list (group, subscription), manualupgrade,
//                                              virtualMachines list (with $expand=instanceView) and get   (compute.ts)
//   Microsoft.Network/loadBalancers            PUT GET DELETE list, backendAddressPools/{pool} GET      (loadbalancers.ts)
//   Microsoft.Network/publicIPAddresses        PUT GET DELETE list                                       (loadbalancers.ts)
//   Microsoft.Network/networkSecurityGroups, applicationSecurityGroups  PUT GET DELETE list             (security.ts)
//   Microsoft.Network/virtualNetworks/{vnet} GET, its subnets list and GET (seeded, not writable)        (vnet.ts)
//   the operations' Azure-AsyncOperation and Location URLs                                              (operations.ts)
// Every ARM call needs a bearer token the fake issued (401 AuthenticationFailed without one,
// InvalidAuthenticationToken for another), an api-version, a known subscription (404
// SubscriptionNotFound) and resource group (404 ResourceGroupNotFound); bodies are checked against the
// published definitions (schema.ts), and the fake's own answers too (responseFaults).
// Tests: failNext (429 with Retry-After, 500, a 400/409 with a code, or an operation that ends Failed),
// the request log, onAnswered (sees each request once carried out, or holds its answer back),
// resource()/resources() (what a GET answers), setProbeHealth, operations.timing,
// setClientSecret; reset() forgets every resource, failure, logged request and onAnswered (issued
// tokens stay good).
// Not modelled: paging (every list is one page), etags/If-Match, Flexible orchestration, NICs as
// resources, rolling upgrades, quotas (inject them with failNext).
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ok, type Answer, type Call } from './call.ts';
import { makeFakeCerts, removeFakeCerts, type FakeCerts } from './certs.ts';
import { ScaleSets } from './compute.ts';
import { Entra } from './entra.ts';
import { ArmError, internalError, invalidRequestFormat, invalidToken, missingToken, resourceGroupNotFound, subscriptionNotFound, throttled } from './errors.ts';
import { loadBalancerKind, loadBalancerType, publicIpKind, publicIpType } from './loadbalancers.ts';
import { NetworkResources, type NetworkEnv } from './network.ts';
import { Operations } from './operations.ts';
import { buildRoutes, type Route, type Services } from './routes.ts';
import { checkRequest, checkResponse } from './schema.ts';
import { asgKind, asgType, nsgKind, nsgType } from './security.ts';
import { Store } from './store.ts';
import { VirtualNetworks, vnetType } from './vnet.ts';

type Json = Record<string, unknown>;

export interface FakeAzureOptions {
  subscriptions: string[];
  tenantId: string;
  /** Per subscription: the same names in each. */
  resourceGroups: string[];
  servicePrincipals: { clientId: string; clientSecret: string }[];
  /** '<vnet>/<subnet>' made in every resource group (default ['staysail-vnet/default']). */
  subnets?: string[];
  /** The seeded virtual networks' location (default westeurope). */
  location?: string;
}

export type Failure = { status: 429; retryAfter: number } | { status: 500 } | { status: 400 | 409; code: string; message: string }
  | { operation: 'Failed'; code: string; message: string };

export interface RecordedRequest { method: string; path: string; status: number; at: number; body?: unknown }

interface Pending { method?: string; path: RegExp; failure: Failure; left: number }

const bodyLimit = 4 << 20;

export class FakeAzure {
  readonly requests: RecordedRequest[] = [];
  /** Properties the fake answered that the published descriptions lack (a fault of the fake; tests assert none). */
  readonly responseFaults: string[] = [];
  readonly operations: Operations;
  /**
   * Called with each request once the fake has carried it out, before the answer is sent; answering
   * 'hold' keeps the answer back (for a crash between "Azure did it" and "the caller knows").
   */
  onAnswered: ((request: RecordedRequest) => 'hold' | void) | undefined;
  private readonly options: Required<FakeAzureOptions>;
  private readonly store = new Store();
  private readonly entra: Entra;
  private readonly routes: Route[];
  private readonly scaleSets: ScaleSets;
  private readonly vnets: VirtualNetworks;
  private services!: Services;
  private failures: Pending[] = [];
  private server: Server | undefined;
  private certs: FakeCerts | undefined;
  private base = '';

  constructor(options: FakeAzureOptions) {
    this.options = { subnets: ['staysail-vnet/default'], location: 'westeurope', ...options };
    this.operations = new Operations(() => this.base);
    this.entra = new Entra(options.tenantId, options.servicePrincipals, () => this.base);
    this.routes = buildRoutes();
    this.scaleSets = new ScaleSets(this.store, this.operations);
    this.vnets = new VirtualNetworks(this.store, this.options.subnets, this.options.location);
    this.reset();
  }

  /** Makes the CA and listens on a free loopback port. */
  async start(): Promise<{ endpoint: string; authorityHost: string; caCertPath: string; caCert: string }> {
    this.certs = makeFakeCerts();
    const server = createServer({ key: this.certs.key, cert: this.certs.cert }, (req, res) => this.receive(req, res));
    this.server = server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    this.base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { endpoint: this.base, authorityHost: this.base, caCertPath: this.certs.caCertPath, caCert: this.certs.caCert };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
    if (this.certs) removeFakeCerts(this.certs);
    this.certs = undefined;
  }

  /** Forgets every resource, operation, failure, logged request, probe health and onAnswered; keeps the options and issued tokens. */
  reset(): void {
    this.onAnswered = undefined;
    this.store.reset();
    this.operations.reset();
    this.scaleSets.reset();
    this.failures = [];
    this.requests.length = 0;
    this.responseFaults.length = 0;
    const env: NetworkEnv = { store: this.store, vnets: this.vnets, scaleSets: this.scaleSets };
    this.services = { scaleSets: this.scaleSets, vnets: this.vnets, ops: this.operations,
      loadBalancers: new NetworkResources(this.store, this.operations, loadBalancerKind(env)),
      publicIps: new NetworkResources(this.store, this.operations, publicIpKind(env)),
      nsgs: new NetworkResources(this.store, this.operations, nsgKind(env)),
      asgs: new NetworkResources(this.store, this.operations, asgKind(env)) };
    this.vnets.seed(this.options.subscriptions, this.options.resourceGroups);
  }

  /** The next matching request(s) fail: a 429 with Retry-After, a 500, a 400/409, or (for an LRO) an operation that ends Failed. */
  failNext(match: { method?: string; path: RegExp }, failure: Failure, times = 1): void {
    this.failures.push({ ...match, failure, left: times });
  }

  /** A resource as a GET of it answers, by resource ID (any case). */
  resource(id: string): Json | undefined {
    const found = this.resources().find((r) => r.id.toLowerCase() === id.toLowerCase());
    return found?.body;
  }

  /** Every resource (of a type, e.g. 'Microsoft.Compute/virtualMachineScaleSets') as GETs answer them. */
  resources(type?: string): { id: string; body: Json }[] {
    return this.store.list(type).map(({ id, body }) => ({ id, body: this.viewOf(id, body) }));
  }

  /** Make a scale set's instances unhealthy in their load balancer probe (or healthy again). */
  setProbeHealth(scaleSet: string, healthy: boolean): void { this.scaleSets.setProbeHealth(scaleSet, healthy); }

  /** Gives a service principal a new secret: tokens issued before stay good until they expire. */
  setClientSecret(clientId: string, clientSecret: string): void { this.entra.setClientSecret(clientId, clientSecret); }

  private viewOf(id: string, body: Json): Json {
    const s = this.services;
    const byType: Record<string, NetworkResources> = { [loadBalancerType]: s.loadBalancers, [publicIpType]: s.publicIps, [nsgType]: s.nsgs, [asgType]: s.asgs };
    const kind = Object.entries(byType).find(([t]) => t.toLowerCase() === String(body.type).toLowerCase())?.[1];
    if (kind) return kind.view(body);
    if (String(body.type).toLowerCase() === vnetType.toLowerCase()) return this.vnets.vnetView(body);
    return structuredClone(body);
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (d: Buffer) => { size += d.length; if (size <= bodyLimit) chunks.push(d); });
    req.on('end', () => {
      const text = size > bodyLimit ? '' : Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'https://fake');
      const method = req.method ?? 'GET';
      const at = Date.now();
      let answer: Answer;
      try {
        answer = size > bodyLimit ? this.error(new ArmError(413, 'RequestEntityTooLarge', `The request body is larger than ${bodyLimit} bytes.`))
          : this.handle(method, url, text, req.headers.authorization);
      } catch (err) {
        answer = this.error(err instanceof ArmError ? err : new ArmError(500, 'InternalServerError', `The Azure fake failed: ${String((err as Error).stack ?? err)}`));
      }
      const recorded: RecordedRequest = { method, path: url.pathname, status: answer.status, at, ...(text ? { body: recordedBody(text) } : {}) };
      this.requests.push(recorded);
      // A held answer is never sent: the caller is about to be killed, having never heard that it was done.
      if (this.onAnswered?.(recorded) === 'hold') return;
      const headers: Record<string, string> = { 'x-ms-request-id': randomUUID(), 'x-ms-correlation-request-id': randomUUID(), ...answer.headers };
      if (answer.body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
      res.writeHead(answer.status, headers).end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
    });
  }

  private error(e: ArmError): Answer { return { status: e.status, body: e.body(), headers: e.extra.headers ?? {} }; }

  private handle(method: string, url: URL, text: string, authorization: string | undefined): Answer {
    this.operations.settleDue();
    this.injected(method, url.pathname);
    if (!url.pathname.toLowerCase().startsWith('/subscriptions/')) {
      const a = this.entra.handle(method, url.pathname, new URLSearchParams(text));
      if (!a) throw new ArmError(404, 'NotFound', `The Azure fake does not serve ${method} ${url.pathname}.`);
      return ok(a.body, a.status);
    }
    const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw missingToken();
    if (!this.entra.check(token)) throw invalidToken();
    const route = this.routes.find((r) => r.method === method && r.regex.test(url.pathname));
    if (!route) throw new ArmError(501, 'NotImplemented', `The Azure fake does not serve ${method} ${url.pathname}.`);
    if (!url.searchParams.get('api-version')) {
      throw new ArmError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
    }
    return this.answer(route, url.pathname, url.searchParams, text, method);
  }

  /** Answers a routed request (also used to read a resource as its GET answers it). */
  private answer(route: Route, path: string, query: URLSearchParams, text: string | undefined, method = route.method): Answer {
    const m = route.regex.exec(path)!;
    const params = Object.fromEntries(route.params.map((p, i) => [p, decodeURIComponent(m[i + 1]!)]));
    const subscription = params.subscriptionId!;
    if (!this.options.subscriptions.some((s) => s.toLowerCase() === subscription.toLowerCase())) throw subscriptionNotFound(subscription);
    const group = params.resourceGroupName ?? '';
    if (group && !this.options.resourceGroups.some((g) => g.toLowerCase() === group.toLowerCase())) throw resourceGroupNotFound(group);
    const body = this.body(route, text);
    const call: Call = { method, subscription, group, params, query, body, apiVersion: query.get('api-version') ?? '',
      operationFailure: () => this.operationFailure(method, path) };
    const answer = route.handler(this.services)(call);
    const response = route.published?.response;
    if (response && answer.status < 300 && answer.body !== undefined) this.responseFaults.push(...checkResponse(route.api as 'compute', response, answer.body));
    return answer;
  }

  private body(route: Route, text: string | undefined): Json {
    const definition = route.published?.body;
    if (!definition || text === undefined) return {};
    let body: unknown;
    try { body = text.trim() ? JSON.parse(text) : undefined; } catch (err) {
      throw invalidRequestFormat(`${(err as Error).message}. Path '', line 1.`);
    }
    if (body === undefined) throw invalidRequestFormat(`The request body is missing: the operation takes a ${definition}.`);
    checkRequest(route.api as 'compute', definition, body);
    return body as Json;
  }

  /** Throws the HTTP failure injected for this request, if any. */
  private injected(method: string, path: string): void {
    const f = this.take(method, path, false);
    if (!f) return;
    if ('operation' in f) return;
    if (f.status === 429) throw throttled(f.retryAfter, method !== 'GET');
    if (f.status === 500) throw internalError();
    throw new ArmError(f.status, f.code, f.message);
  }

  private operationFailure(method: string, path: string): { code: string; message: string } | undefined {
    const f = this.take(method, path, true);
    return f && 'operation' in f ? { code: f.code, message: f.message } : undefined;
  }

  private take(method: string, path: string, operation: boolean): Failure | undefined {
    const p = this.failures.find((x) => x.left > 0 && ('operation' in x.failure) === operation
      && (!x.method || x.method.toUpperCase() === method) && x.path.test(path));
    if (!p) return undefined;
    p.left--;
    return p.failure;
  }
}

/** The body as logged: JSON parsed, a token request's form with its secret left out. */
function recordedBody(text: string): unknown {
  try { return JSON.parse(text); } catch { /* a form */ }
  const form = Object.fromEntries(new URLSearchParams(text));
  if ('client_secret' in form) form.client_secret = '<redacted>';
  return form;
}
