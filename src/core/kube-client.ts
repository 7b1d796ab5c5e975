// A small Kubernetes API client for any resource, typed or custom, built on client-node's
// authentication: get, list, create, patch (merge or server-side apply, on the object or its status),
// delete and watch. Every request is rate limited (QPS and burst) and counted by verb and code.
import { HttpMethod, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { fetch, type Dispatcher } from 'undici';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { Clock } from './clock.ts';
import { ApiError } from './errors.ts';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
  managedFields?: unknown[];
  generateName?: string;
}

export interface KubeObject<Spec = unknown, Status = unknown> {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: Spec;
  status?: Status;
}

/** Where a kind is served. */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export const apiVersionOf = (rt: ResourceType): string => (rt.group ? `${rt.group}/${rt.version}` : rt.version);

export interface WatchEvent<T = KubeObject> { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; object: T }

export interface ListResult<T> { items: T[]; resourceVersion: string }

export interface ClientOptions {
  clock: Clock;
  /** Sustained requests per second (default 20). */
  qps?: number;
  /** Requests allowed at once above the sustained rate (default 40). */
  burst?: number;
  /** Called after every request with its verb and HTTP status (0: no answer). */
  onRequest?: (verb: string, code: number) => void;
  userAgent?: string;
  /** Time a request (not a watch) may take before it is abandoned (default 30 s). */
  requestTimeoutMs?: number;
}

type Query = Record<string, string | number | boolean | undefined>;

/** Token bucket: burst tokens, refilled at qps per second. A clock stepped back refills nothing and takes nothing away. */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private readonly clock: Clock;
  private readonly qps: number;
  private readonly burst: number;
  constructor(clock: Clock, qps: number, burst: number) {
    this.clock = clock; this.qps = qps; this.burst = burst; this.tokens = burst; this.last = clock.now();
  }
  async take(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.last) / 1000) * this.qps);
      this.last = now;
      if (this.tokens >= 1) { this.tokens -= 1; return; }
      const waitMs = Math.ceil(((1 - this.tokens) / this.qps) * 1000);
      await new Promise<void>((resolve) => this.clock.setTimer(waitMs, resolve));
    }
  }
}

export class KubeClient {
  readonly kubeConfig: KubeConfig;
  private readonly server: string;
  private readonly limiter: RateLimiter;
  private readonly onRequest: (verb: string, code: number) => void;
  private readonly userAgent: string;
  private readonly requestTimeoutMs: number;

  constructor(kc: KubeConfig, options: ClientOptions) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.kubeConfig = kc;
    this.server = cluster.server.replace(/\/$/, '');
    this.limiter = new RateLimiter(options.clock, options.qps ?? 20, options.burst ?? 40);
    this.onRequest = options.onRequest ?? (() => {});
    this.userAgent = options.userAgent ?? 'staysail';
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /** The REST path of a collection or of one object (and optionally its subresource). */
  path(rt: ResourceType, namespace?: string, name?: string, subresource?: string): string {
    const base = rt.group ? `/apis/${rt.group}/${rt.version}` : `/api/${rt.version}`;
    const ns = rt.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${base}${ns}/${rt.plural}${name ? `/${encodeURIComponent(name)}` : ''}${subresource ? `/${subresource}` : ''}`;
  }

  async get<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    return this.request<T>('get', 'GET', this.path(rt, namespace, name));
  }

  async list<T extends KubeObject>(rt: ResourceType, namespace?: string, query: Query = {}): Promise<ListResult<T>> {
    const r = await this.request<{ items: T[]; metadata: { resourceVersion: string } }>('list', 'GET', this.path(rt, namespace), { query });
    return { items: r.items.map((i) => ({ ...i, apiVersion: apiVersionOf(rt), kind: rt.kind })), resourceVersion: r.metadata.resourceVersion };
  }

  async create<T extends KubeObject>(rt: ResourceType, obj: T, query: Query = {}): Promise<T> {
    return this.request<T>('create', 'POST', this.path(rt, obj.metadata.namespace), { body: { apiVersion: apiVersionOf(rt), kind: rt.kind, ...obj }, query });
  }

  /** JSON merge patch of the object, or of its status with subresource 'status'. */
  async mergePatch<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, name: string, patch: unknown,
    subresource?: 'status'): Promise<T> {
    return this.request<T>('patch', 'PATCH', this.path(rt, namespace, name, subresource),
      { body: patch, contentType: 'application/merge-patch+json' });
  }

  /** JSON patch (RFC 6902): precise list edits, guarded by test operations; fieldManager names the writer in managedFields. */
  async jsonPatch<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, name: string, ops: unknown[],
    options: { fieldManager?: string } = {}): Promise<T> {
    return this.request<T>('patch', 'PATCH', this.path(rt, namespace, name), { body: ops, contentType: 'application/json-patch+json',
      ...(options.fieldManager ? { query: { fieldManager: options.fieldManager } } : {}) });
  }

  /** Server-side apply as fieldManager: the operator owns exactly the fields it sends. */
  async apply<T extends KubeObject>(rt: ResourceType, obj: T, fieldManager: string, options: { force?: boolean; subresource?: 'status' } = {}): Promise<T> {
    return this.request<T>('apply', 'PATCH', this.path(rt, obj.metadata.namespace, obj.metadata.name, options.subresource), {
      body: { apiVersion: apiVersionOf(rt), kind: rt.kind, ...obj },
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager, force: options.force ?? false },
    });
  }

  /** Replaces the object; its resourceVersion guards against lost updates (409 Conflict). */
  async replace<T extends KubeObject>(rt: ResourceType, obj: T): Promise<T> {
    return this.request<T>('update', 'PUT', this.path(rt, obj.metadata.namespace, obj.metadata.name),
      { body: { apiVersion: apiVersionOf(rt), kind: rt.kind, ...obj } });
  }

  async delete(rt: ResourceType, namespace: string | undefined, name: string, options: { propagationPolicy?: string; uid?: string } = {}): Promise<void> {
    await this.request('delete', 'DELETE', this.path(rt, namespace, name), {
      body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: options.propagationPolicy ?? 'Background',
        ...(options.uid ? { preconditions: { uid: options.uid } } : {}) },
    });
  }

  /**
   * Streams watch events to onEvent until the server ends the watch (resolves), the signal aborts
   * (resolves), or the watch fails (rejects with ApiError; 410 Gone means: list again).
   */
  async watch<T extends KubeObject>(rt: ResourceType, namespace: string | undefined, query: Query,
    onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal): Promise<void> {
    const response = await this.send('watch', 'GET', this.path(rt, namespace), { query: { ...query, watch: true }, signal });
    const body = Readable.fromWeb(response.body as never);
    const lines = createInterface({ input: body, crlfDelay: Infinity });
    const aborted = () => body.destroy();
    signal.addEventListener('abort', aborted, { once: true });
    try {
      for await (const line of lines) {
        if (!line.trim()) continue;
        const event = JSON.parse(line) as WatchEvent<T> & { object: { code?: number; reason?: string; message?: string } };
        if (event.type === 'ERROR') {
          const status = event.object as { code?: number; reason?: string; message?: string };
          throw new ApiError(status.code ?? 500, status.reason ?? 'WatchError', status.message ?? 'watch error', status);
        }
        if (event.object && event.type !== 'BOOKMARK') (event.object as KubeObject).apiVersion ??= apiVersionOf(rt);
        onEvent(event);
      }
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    } finally {
      signal.removeEventListener('abort', aborted);
    }
  }

  /** A plain-text GET (pod logs), given up after timeoutMs. */
  async requestText(method: string, path: string, query: Query = {}, timeoutMs = 5000): Promise<string> {
    const response = await this.send('get', method, path, { query, signal: AbortSignal.timeout(timeoutMs) });
    return response.text();
  }

  /** A JSON request; non-2xx answers throw ApiError with the Status reason and message. */
  async request<T>(verb: string, method: string, path: string,
    options: { query?: Query; body?: unknown; contentType?: string } = {}): Promise<T> {
    const response = await this.send(verb, method, path, options);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private async send(verb: string, method: string, path: string,
    options: { query?: Query; body?: unknown; contentType?: string; signal?: AbortSignal }) {
    await this.limiter.take();
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const ctx = new RequestContext(url.toString(), method as HttpMethod);
    await this.kubeConfig.applySecurityAuthentication(ctx);
    const headers: Record<string, string> = { ...ctx.getHeaders(), accept: 'application/json', 'user-agent': this.userAgent };
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    let response;
    try {
      response = await fetch(url, {
        method, headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        dispatcher: ctx.getDispatcher() as Dispatcher | undefined,
        signal: options.signal ?? (verb === 'watch' ? undefined : AbortSignal.timeout(this.requestTimeoutMs)),
      });
    } catch (err) {
      this.onRequest(verb, 0);
      throw err;
    }
    this.onRequest(verb, response.status);
    if (response.status >= 200 && response.status < 300) return response;
    const text = await response.text();
    let status: { reason?: string; message?: string } = {};
    try { status = JSON.parse(text) as typeof status; } catch { /* not a Status */ }
    throw new ApiError(response.status, status.reason ?? `HTTP${response.status}`, status.message ?? (text || `HTTP ${response.status}`), status);
  }
}
