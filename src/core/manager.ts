// The manager runs the operator: one Kubernetes client, shared informers, the controllers, the probe
// and metrics servers, and leader election. Informers and controllers run only while this process
// leads (or always, without leader election). stop() drains the controllers and releases the Lease.
import type { KubeConfig } from '@kubernetes/client-node';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.ts';
import { Controller, type Reconciler, type StatusBase } from './controller.ts';
import { EventRecorder } from './events.ts';
import { startHealthServer } from './health-server.ts';
import type { RunningServer } from './http-server.ts';
import { Informer, InformerSet, type ObjectCache } from './informer.ts';
import { KubeClient, type KubeObject, type ResourceType } from './kube-client.ts';
import { LeaderElector } from './leader-election.ts';
import type { Logger } from './logger.ts';
import { OperatorMetrics } from './metrics.ts';
import type { OperatorOptions } from './options.ts';

type Startable = { start(): Promise<void>; stop(): void; readonly hasSynced: boolean };

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
  private readonly deps: ManagerDeps;
  private readonly informers = new Map<string, ObjectCache & Startable>();
  private readonly controllers: Controller<KubeObject, StatusBase>[] = [];
  private readonly servers: RunningServer[] = [];
  private elector: LeaderElector | undefined;
  private connected = false;
  private running = false;
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
  }

  /** The shared cache of a resource type (optionally only objects with labels), over the watched namespaces. */
  informer<T extends KubeObject>(resource: ResourceType, labelSelector?: string): ObjectCache<T> {
    const key = `${resource.group}/${resource.version}/${resource.plural}?${labelSelector ?? ''}`;
    let informer = this.informers.get(key);
    if (!informer) {
      const base = { client: this.client, resource, clock: this.deps.clock, log: this.deps.log, labelSelector };
      const namespaces = this.deps.options.namespaces;
      informer = resource.namespaced && namespaces.length > 0 ? new InformerSet(base, namespaces) : new Informer(base);
      this.informers.set(key, informer);
    }
    return informer as unknown as ObjectCache<T>;
  }

  /** Registers a controller for the kind cached by informer. */
  addController<T extends KubeObject, S extends StatusBase>(name: string, informer: ObjectCache<T>, reconciler: Reconciler<T, S>): Controller<T, S> {
    const c = new Controller<T, S>({ name, informer, reconciler, client: this.client, clock: this.deps.clock, log: this.deps.log,
      metrics: this.metrics, events: this.events, workers: this.deps.options.workers });
    this.controllers.push(c as unknown as Controller<KubeObject, StatusBase>);
    return c;
  }

  /** Serves probes and metrics, then runs the controllers (once elected, with leader election). */
  async start(): Promise<{ healthAddress: string; metricsAddress?: string }> {
    const { options, log } = this.deps;
    const health = await startHealthServer(options.healthAddr, {
      healthz: { process: () => !this.stopping },
      readyz: { apiserver: () => this.connected, caches: () => !this.running || [...this.informers.values()].every((i) => i.hasSynced) },
    });
    this.servers.push(health);
    const metrics = options.metricsAddr ? await this.metrics.serve(options.metricsAddr) : undefined;
    if (metrics) this.servers.push(metrics);
    log.info('serving probes and metrics', { health: health.address, metrics: metrics?.address });
    void this.client.request('version', 'GET', '/version').then(
      (v) => log.info('connected to the Kubernetes API', { server: this.deps.kubeConfig.getCurrentCluster()?.server, version: (v as { gitVersion: string }).gitVersion }),
      (err) => log.warn('cannot reach the Kubernetes API yet', { error: err }));

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

  private async runControllers(): Promise<void> {
    if (this.stopping) return;
    this.running = true;
    await Promise.all([...this.informers.values()].map((i) => i.start()));
    if (this.stopping) return;
    for (const c of this.controllers) c.start();
    this.deps.log.info('controllers running', { controllers: this.controllers.map((c) => c.name) });
  }

  /** Drains the controllers, stops the informers, releases the Lease and closes the servers. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.controllers.map((c) => c.stop()));
    for (const i of this.informers.values()) i.stop();
    await this.elector?.release();
    await Promise.all(this.servers.map((s) => s.close()));
  }
}
