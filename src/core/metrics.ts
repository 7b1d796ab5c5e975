// The operator's Prometheus metrics, served on /metrics. Label sets are bounded: controller names
// are fixed at start, verbs are a handful, codes are HTTP statuses.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Router } from './router.ts';
import type { QueueObserver } from './work-queue.ts';

/** How a pass ended; conflict: it acted on a copy the object had moved past, and is made again from a fresh read. */
export type ReconcileResult = 'success' | 'requeue' | 'conflict' | 'waiting' | 'terminal' | 'error';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({ name: 'staysail_reconcile_total', help: 'Reconciles by controller and result.',
    labelNames: ['controller', 'result'] as const, registers: [this.registry] });
  readonly reconcileErrors = new Counter({ name: 'staysail_reconcile_errors_total', help: 'Reconciles that failed (terminal, waiting or transient).',
    labelNames: ['controller'] as const, registers: [this.registry] });
  readonly reconcileSeconds = new Histogram({ name: 'staysail_reconcile_duration_seconds', help: 'Time a reconcile took.',
    labelNames: ['controller'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });
  readonly statusWrites = new Counter({ name: 'staysail_status_writes_total', help: 'Status updates written to the API server.',
    labelNames: ['controller'] as const, registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: 'staysail_workqueue_depth', help: 'Keys waiting in a controller\'s queue.',
    labelNames: ['controller'] as const, registers: [this.registry] });
  readonly queueWaitSeconds = new Histogram({ name: 'staysail_workqueue_wait_seconds', help: 'Time a key waited in the queue before a worker took it.',
    labelNames: ['controller'] as const, buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 60], registers: [this.registry] });
  readonly queueAdds = new Counter({ name: 'staysail_workqueue_adds_total', help: 'Keys added to a controller\'s queue.',
    labelNames: ['controller'] as const, registers: [this.registry] });
  readonly apiRequests = new Counter({ name: 'staysail_api_requests_total', help: 'Kubernetes API requests by verb and HTTP status (0: no answer).',
    labelNames: ['verb', 'code'] as const, registers: [this.registry] });
  readonly leader = new Gauge({ name: 'staysail_leader', help: '1 while this process holds the leader Lease.', registers: [this.registry] });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'staysail_' });
  }

  /** The queue observer for one controller. */
  queueObserver(controller: string): QueueObserver {
    return {
      depth: (d) => this.queueDepth.set({ controller }, d),
      waited: (ms) => this.queueWaitSeconds.observe({ controller }, ms / 1000),
      added: () => this.queueAdds.inc({ controller }),
    };
  }

  countRequest(verb: string, code: number): void { this.apiRequests.inc({ verb, code: String(code) }); }

  /** Registers GET /metrics, in the Prometheus text format, on router. */
  registerRoute(router: Router): void {
    router.get('/metrics', async () => ({ status: 200, headers: { 'content-type': this.registry.contentType }, body: await this.registry.metrics() }));
  }
}
