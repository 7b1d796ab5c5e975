// The manager runs the operator: one Kubernetes client, shared informers, the controllers, the HTTP
// routes, and leader election. Every replica runs the informers and serves the routes (probes, reads
// from the caches, metrics); only the leader runs the controllers (or every process, without leader
// election). A standby's caches are warm, so when it takes the Lease it reconciles at once.
// stop() drains the controllers and releases the Lease.
import type { KubeConfig } from '@kubernetes/client-node';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.ts';
import { Controller, type Reconciler, type StatusBase } from './controller.ts';
import { EventRecorder } from './events.ts';
import { CacheGate } from './gated-cache.ts';
import { registerHealthRoutes } from './health-server.ts';
import { serve, type RunningServer } from './http-server.ts';
import { Informer, InformerSet, type ObjectCache } from './informer.ts';
import { KubeClient, type KubeObject, type ResourceType } from './kube-client.ts';
import { LeaderElector } from './leader-election.ts';
import type { Logger } from './logger.ts';
import { OperatorMetrics } from './metrics.ts';
import type { OperatorOptions } from './options.ts';
import { json, Router } from './router.ts';

interface SharedCache {
  informer: ObjectCache & { start(): Promise<void>; stop(): void; readonly hasSynced: boolean };
  /** What controllers are given: the informer behind the gate. */
  view: ObjectCache;
  labelSelector?: string;
  /** Resolves once the first list has filled the cache (set when the informer starts). */
  synced?: Promise<void>;
}

/** What GET /debug/caches answers: this replica, who leads, and each cache with its object count. */
export interface CachesReport {
  replica: string;
  /** The Lease's holder as this replica last saw it (itself, without leader election). */
  leader: string | null;
  reconciling: boolean;
  namespaces: string[];
  caches: { resource: string; labelSelector?: string; synced: boolean; objects: number }[];
}

export interface ManagerDeps {
  kubeConfig: KubeConfig;
  options: OperatorOptions;
  clock: Clock;
  log: Logger;
  /** Leader election timings in ms (tests shorten them). */
  leaderElection?: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
}

export class Manager {
  readonly client: KubeClient;
  readonly metrics = new OperatorMetrics();
  readonly events: EventRecorder;
  readonly identity = `${hostname()}_${randomUUID().slice(0, 8)}`;
  /** The routes every replica serves on --health-addr: probes, /debug/caches, and whatever else registers here. */
  readonly router: Router;
  private readonly deps: ManagerDeps;
  private readonly caches = new Map<string, SharedCache>();
  private readonly gate: CacheGate;
  private readonly controllers: Controller<KubeObject, StatusBase>[] = [];
  private readonly servers: RunningServer[] = [];
  private elector: LeaderElector | undefined;
  private connected = false;
  private informersStarted = false;
  private stopping = false;
  private lost: (() => void) | undefined;
  /** Resolves when the Lease is lost (the process should exit and restart). */
  readonly leadershipLost = new Promise<void>((resolve) => { this.lost = resolve; });

  constructor(deps: ManagerDeps) {
    this.deps = deps;
    this.client = new KubeClient(deps.kubeConfig, {
      clock: deps.clock, qps: deps.options.qps, burst: deps.options.burst,
      onRequest: (verb, code) => { this.metrics.countRequest(verb, code); if (code > 0) this.connected = true; },
    });
    this.events = new EventRecorder({ client: this.client, clock: deps.clock, log: deps.log, component: 'staysail', instance: this.identity });
    this.gate = new CacheGate(deps.log);
    this.router = new Router(deps.log);
    registerHealthRoutes(this.router, {
      healthz: { process: () => !this.stopping },
      readyz: { apiserver: () => this.connected, caches: () => this.informersStarted && this.cachesSynced },
    });
    this.router.get('/debug/caches', () => json(this.cachesReport()));
  }

  /** The shared cache of a resource type (optionally only objects with labels), over the watched namespaces. */
  informer<T extends KubeObject>(resource: ResourceType, labelSelector?: string): ObjectCache<T> {
    const key = `${resource.group}/${resource.version}/${resource.plural}?${labelSelector ?? ''}`;
    let cache = this.caches.get(key);
    if (!cache) {
      const base = { client: this.client, resource, clock: this.deps.clock, log: this.deps.log, labelSelector };
      const namespaces = this.deps.options.namespaces;
      const informer = resource.namespaced && namespaces.length > 0 ? new InformerSet(base, namespaces) : new Informer(base);
      cache = { informer, view: this.gate.view(informer), labelSelector };
      this.caches.set(key, cache);
      if (this.informersStarted) cache.synced = informer.start();
    }
    return cache.view as ObjectCache<T>;
  }

  /** Registers a controller for the kind cached by informer; it runs only while this replica leads. */
  addController<T extends KubeObject, S extends StatusBase>(name: string, informer: ObjectCache<T>, reconciler: Reconciler<T, S>): Controller<T, S> {
    if (this.gate.isOpen) throw new Error(`controller ${name} was added after the controllers started; add every controller before start()`);
    const c = new Controller<T, S>({ name, informer, reconciler, client: this.client, clock: this.deps.clock, log: this.deps.log,
      metrics: this.metrics, events: this.events, workers: this.deps.options.workers });
    this.controllers.push(c as unknown as Controller<KubeObject, StatusBase>);
    return c;
  }

  /**
   * Serves the routes and starts the informers, then runs the controllers: at once without leader
   * election (resolving once they run), else whenever this replica is elected.
   */
  async start(): Promise<{ healthAddress: string; metricsAddress?: string }> {
    const { options, log } = this.deps;
    const health = await serve(options.healthAddr, this.router);
    this.servers.push(health);
    let metrics: RunningServer | undefined;
    if (options.metricsAddr) {
      const router = new Router(log);
      this.metrics.registerRoute(router);
      metrics = await serve(options.metricsAddr, router);
      this.servers.push(metrics);
    }
    log.info('serving probes and metrics', { health: health.address, metrics: metrics?.address });
    void this.client.request('version', 'GET', '/version').then(
      (v) => log.info('connected to the Kubernetes API', { server: this.deps.kubeConfig.getCurrentCluster()?.server, version: (v as { gitVersion: string }).gitVersion }),
      (err) => log.warn('cannot reach the Kubernetes API yet', { error: err }));

    this.startInformers();
    if (!options.leaderElect) {
      await this.runControllers();
    } else {
      // Its own client, whose requests give up before the renew deadline: a hung renewal must not keep
      // this process leading past it.
      const timings = this.deps.leaderElection ?? { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
      const client = new KubeClient(this.deps.kubeConfig, { clock: this.deps.clock, qps: 5, burst: 10, requestTimeoutMs: timings.renewDeadlineMs / 2,
        onRequest: (verb, code) => this.metrics.countRequest(verb, code) });
      this.elector = new LeaderElector({ client, namespace: options.leaderElectionNamespace, name: options.leaderElectionId,
        identity: this.identity, clock: this.deps.clock, log, ...timings });
      void this.elector.run(
        () => { this.metrics.leader.set(1); void this.runControllers(); },
        () => { this.metrics.leader.set(0); this.lost?.(); },
      );
    }
    return { healthAddress: health.address, metricsAddress: metrics?.address };
  }

  private get cachesSynced(): boolean { return [...this.caches.values()].every((c) => c.informer.hasSynced); }

  private startInformers(): void {
    this.informersStarted = true;
    const caches = [...this.caches.values()];
    for (const c of caches) c.synced = c.informer.start();
    void Promise.all(caches.map((c) => c.synced)).then(() => {
      if (!this.stopping) this.deps.log.info('caches synced', { caches: caches.length });
    });
  }

  private async runControllers(): Promise<void> {
    await Promise.all([...this.caches.values()].map((c) => c.synced));
    if (this.stopping) return;
    this.gate.open();
    for (const c of this.controllers) c.start();
    this.deps.log.info('controllers running', { controllers: this.controllers.map((c) => c.name) });
  }

  /** Each cache's resource, whether it has synced and how many objects it holds, and who leads. */
  cachesReport(): CachesReport {
    const leader = this.deps.options.leaderElect ? this.elector?.leader : this.identity;
    return {
      replica: this.identity,
      leader: leader ?? null,
      reconciling: this.gate.isOpen && !this.stopping,
      namespaces: this.deps.options.namespaces,
      caches: [...this.caches.values()].map(({ informer, labelSelector }) => ({
        resource: informer.resource.group ? `${informer.resource.plural}.${informer.resource.group}` : informer.resource.plural,
        ...(labelSelector ? { labelSelector } : {}),
        synced: informer.hasSynced,
        objects: informer.list().length,
      })),
    };
  }

  /** Drains the controllers, stops the informers, releases the Lease and closes the servers. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.controllers.map((c) => c.stop()));
    for (const c of this.caches.values()) c.informer.stop();
    await this.elector?.release();
    await Promise.all(this.servers.map((s) => s.close()));
  }
}
