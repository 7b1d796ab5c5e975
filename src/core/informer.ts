// An informer: a cache of one resource type kept current by list-then-watch. It lists, then watches
// from the list's resourceVersion; when the watch ends it watches again from the last version seen;
// when that version is too old (410 Gone) it lists again, turning objects that vanished meanwhile into
// delete events; on errors it reconnects with capped back-off. A watch that goes silent past its
// deadline is cut and reopened. managedFields are dropped from cached objects.
import type { Clock, Timer } from './clock.ts';
import { isGone } from './errors.ts';
import type { KubeClient, KubeObject, ResourceType, WatchEvent } from './kube-client.ts';
import type { Logger } from './logger.ts';

export interface InformerHandlers<T> {
  add?(obj: T): void;
  update?(obj: T, old: T): void;
  delete?(obj: T): void;
}

export interface InformerOptions {
  client: KubeClient;
  resource: ResourceType;
  /** Only this namespace (default: all). */
  namespace?: string;
  labelSelector?: string;
  clock: Clock;
  log: Logger;
  /** Seconds the API server keeps a watch open (default 300). */
  watchTimeoutSeconds?: number;
  /** Reconnect back-off bounds in ms (default 500 to 30000). */
  backoff?: { baseMs: number; maxMs: number };
}

export const objectKey = (o: { metadata: { namespace?: string; name: string } }): string =>
  o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;

/** What controllers read: a cache of one resource type, and its change notifications. */
export interface ObjectCache<T extends KubeObject = KubeObject> {
  readonly resource: ResourceType;
  on(handlers: InformerHandlers<T>): void;
  /** By key: namespace/name, or name for cluster-scoped objects. */
  get(key: string): T | undefined;
  list(namespace?: string): T[];
}

export class Informer<T extends KubeObject = KubeObject> implements ObjectCache<T> {
  readonly resource: ResourceType;
  private readonly options: InformerOptions;
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private resourceVersion = '';
  private stopped = false;
  private abort: AbortController | undefined;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private sleepTimer: Timer | undefined;
  private sleepResolve: (() => void) | undefined;
  /** How many times the informer listed, and reconnected its watch. */
  readonly stats = { lists: 0, watches: 0, errors: 0 };

  constructor(options: InformerOptions) {
    this.options = options;
    this.resource = options.resource;
  }

  on(handlers: InformerHandlers<T>): void { this.handlers.push(handlers); }

  get(key: string): T | undefined { return this.cache.get(key); }

  list(namespace?: string): T[] {
    const all = [...this.cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  get hasSynced(): boolean { return this.synced; }

  /** Starts listing and watching; resolves once the first list has filled the cache. */
  start(): Promise<void> {
    void this.run();
    return this.waitForSync();
  }

  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
    this.sleepTimer?.cancel();
    this.sleepResolve?.();
  }

  private async run(): Promise<void> {
    const { baseMs, maxMs } = this.options.backoff ?? { baseMs: 500, maxMs: 30_000 };
    let backoff = baseMs;
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        await this.watchOnce();
        backoff = baseMs;
      } catch (err) {
        if (this.stopped) break;
        this.stats.errors++;
        if (isGone(err)) {
          this.options.log.info('watch too old; listing again', { resource: this.resource.plural });
          needList = true;
          continue;
        }
        this.options.log.warn('list or watch failed; retrying', { resource: this.resource.plural, error: err, retryInMs: backoff });
        await this.sleep(backoff);
        backoff = Math.min(maxMs, backoff * 2);
      }
    }
  }

  private async relist(): Promise<void> {
    const { client, resource, namespace, labelSelector } = this.options;
    const result = await client.list<T>(resource, namespace, { labelSelector });
    this.stats.lists++;
    const seen = new Set<string>();
    for (const item of result.items) {
      const obj = strip(item);
      const key = objectKey(obj);
      seen.add(key);
      this.upsert(key, obj);
    }
    for (const [key, old] of this.cache) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.emit((h) => h.delete?.(old));
      }
    }
    this.resourceVersion = result.resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private async watchOnce(): Promise<void> {
    const { client, resource, namespace, labelSelector, clock } = this.options;
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? 300;
    const abort = new AbortController();
    this.abort = abort;
    // The server ends the watch after timeoutSeconds; silence well past that means the connection died.
    let silence: Timer | undefined;
    const armSilence = () => {
      silence?.cancel();
      silence = clock.setTimer((timeoutSeconds + 30) * 1000, () => {
        this.options.log.warn('watch went silent; reconnecting', { resource: resource.plural });
        abort.abort();
      });
    };
    armSilence();
    this.stats.watches++;
    try {
      await client.watch<T>(resource, namespace, {
        resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds, labelSelector,
      }, (event) => { armSilence(); this.apply(event); }, abort.signal);
    } finally {
      silence?.cancel();
    }
  }

  private apply(event: WatchEvent<T>): void {
    const rv = event.object?.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (event.type === 'BOOKMARK') return;
    const obj = strip(event.object);
    const key = objectKey(obj);
    if (event.type === 'DELETED') {
      const old = this.cache.get(key);
      this.cache.delete(key);
      this.emit((h) => h.delete?.(old ?? obj));
    } else {
      this.upsert(key, obj);
    }
  }

  private upsert(key: string, obj: T): void {
    const old = this.cache.get(key);
    if (old?.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.cache.set(key, obj);
    if (old) this.emit((h) => h.update?.(obj, old));
    else this.emit((h) => h.add?.(obj));
  }

  private emit(call: (h: InformerHandlers<T>) => void): void {
    for (const h of this.handlers) {
      try { call(h); } catch (err) { this.options.log.error('informer handler failed', { resource: this.resource.plural, error: err }); }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleepResolve = resolve;
      this.sleepTimer = this.options.clock.setTimer(ms, resolve);
    });
  }
}

/** The object without managedFields, which only cost memory here. */
function strip<T extends KubeObject>(obj: T): T {
  if (!obj.metadata?.managedFields) return obj;
  const { managedFields: _drop, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/** One cache over several namespaces: an informer per namespace behind the ObjectCache interface. */
export class InformerSet<T extends KubeObject = KubeObject> implements ObjectCache<T> {
  readonly resource: ResourceType;
  private readonly byNamespace = new Map<string, Informer<T>>();

  constructor(options: Omit<InformerOptions, 'namespace'>, namespaces: string[]) {
    this.resource = options.resource;
    for (const ns of namespaces) this.byNamespace.set(ns, new Informer<T>({ ...options, namespace: ns }));
  }

  on(handlers: InformerHandlers<T>): void { for (const i of this.byNamespace.values()) i.on(handlers); }

  get(key: string): T | undefined { return this.byNamespace.get(key.split('/')[0]!)?.get(key); }

  list(namespace?: string): T[] {
    if (namespace !== undefined) return this.byNamespace.get(namespace)?.list(namespace) ?? [];
    return [...this.byNamespace.values()].flatMap((i) => i.list());
  }

  get hasSynced(): boolean { return [...this.byNamespace.values()].every((i) => i.hasSynced); }

  async start(): Promise<void> { await Promise.all([...this.byNamespace.values()].map((i) => i.start())); }

  stop(): void { for (const i of this.byNamespace.values()) i.stop(); }
}
