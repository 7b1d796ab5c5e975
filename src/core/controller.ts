// The controller loop and the reconcile skeleton, written once for every kind:
//   get from the cache (gone: done) -> finalizer -> snapshot -> work -> conditions -> status
// The status is written (server-side apply of the status subresource) only when it changed. It follows
// kstatus' conventions, which Flux, Helm's --wait, kpt and Argo CD read: status.observedGeneration moves
// once the generation is fully acted on (done, or stalled), never while work on it goes on; Reconciling
// is True while it does, Stalled when it cannot go on without a change. Errors are interpreted here
// alone: TerminalError -> condition and Stalled, no retry; WaitingError -> condition and Reconciling,
// retry after its delay; an API error that time will not fix -> condition and Stalled, retry with
// back-off; anything else -> retry with back-off, status untouched.
import { isDeepStrictEqual } from 'node:util';
import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.ts';
import { setCondition, setProgress, type Condition, type ConditionUpdate, type Progress } from './conditions.ts';
import { ApiError, isConflict, isNotFound, isTransientApiError, TerminalError, WaitingError } from './errors.ts';
import type { EventRecorder, EventType } from './events.ts';
import { objectKey, type ObjectCache } from './informer.ts';
import type { KubeClient, KubeObject, ResourceType } from './kube-client.ts';
import type { Logger } from './logger.ts';
import type { OperatorMetrics, ReconcileResult } from './metrics.ts';
import { WorkQueue } from './work-queue.ts';

/** How long a pass waits for the cache to show this controller's last status write (then goes on). */
const staleWaitMs = 2000;

export interface StatusBase { observedGeneration?: number; conditions?: Condition[] }

export interface ReconcileContext<T extends KubeObject, S extends StatusBase> {
  /** A private copy of the object as cached when the pass began. */
  readonly obj: T;
  /** The status being built; starts as a copy of the object's status. */
  status: S;
  readonly log: Logger;
  readonly clock: Clock;
  /** Sets a condition on status, stamped with the object's generation. */
  setCondition(update: ConditionUpdate): void;
  /** Records an Event on the object once this pass's status is written. */
  recordEvent(type: EventType, reason: string, message: string): void;
}

/** Why the work on a generation is not done, for the Reconciling or Stalled condition. */
export interface Because { reason: string; message: string }

/**
 * What a pass asks for and says: to come back after a delay; that work on this generation goes on
 * (a rollout, a run, a provider operation: Reconciling, and observedGeneration waits) or cannot go on
 * without a change (Stalled). Saying neither means the generation is done.
 */
export type Outcome = { requeueAfterMs?: number; reconciling?: Because; stalled?: Because } | void;

export interface Reconciler<T extends KubeObject, S extends StatusBase> {
  /** The condition the skeleton sets False when the work fails (default Ready). */
  readyCondition?: string;
  /** A finalizer to hold the object until finalize() has cleaned up. */
  finalizer?: string;
  reconcile(ctx: ReconcileContext<T, S>): Promise<Outcome>;
  finalize?(ctx: ReconcileContext<T, S>): Promise<Outcome>;
}

export interface ControllerOptions<T extends KubeObject, S extends StatusBase> {
  name: string;
  informer: ObjectCache<T>;
  reconciler: Reconciler<T, S>;
  client: KubeClient;
  clock: Clock;
  log: Logger;
  metrics: OperatorMetrics;
  events: EventRecorder;
  workers?: number;
}

/** The context of one pass, with what only the skeleton uses. */
interface PassContext<T extends KubeObject, S extends StatusBase> extends ReconcileContext<T, S> {
  pendingEvents: [EventType, string, string][];
  /** Sets Reconciling or Stalled (or clears both) and moves observedGeneration unless work goes on. */
  settle(progress: Progress | undefined): void;
}

export class Controller<T extends KubeObject, S extends StatusBase = StatusBase> {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly o: ControllerOptions<T, S>;
  private readonly resource: ResourceType;
  private running: Promise<void>[] = [];
  /**
   * The resourceVersion of each key's last status write, until the cache shows it: a pass that started
   * from an older copy would act on stale state (and could repeat a side effect).
   */
  private readonly written = new Map<string, { rv: string; at: number }>();

  constructor(options: ControllerOptions<T, S>) {
    this.o = options;
    this.name = options.name;
    this.resource = options.informer.resource;
    this.queue = new WorkQueue({ clock: options.clock, observer: options.metrics.queueObserver(options.name) });
    const enqueue = (obj: KubeObject) => {
      const key = objectKey(obj);
      if (this.written.get(key)?.rv === obj.metadata.resourceVersion) this.written.delete(key);
      this.queue.add(key);
    };
    options.informer.on({ add: enqueue, update: enqueue, delete: (obj) => { this.written.delete(objectKey(obj)); this.queue.add(objectKey(obj)); } });
  }

  /** Maps events of another informer to keys of this controller (children, referenced objects). */
  watch<U extends KubeObject>(informer: ObjectCache<U>, toKeys: (obj: U) => string[]): this {
    const enqueue = (obj: U) => { for (const k of toKeys(obj)) this.queue.add(k); };
    informer.on({ add: enqueue, update: (obj, old) => { enqueue(old); enqueue(obj); }, delete: enqueue });
    return this;
  }

  /** Starts the workers; resolves at once. */
  start(): void {
    const workers = this.o.workers ?? 2;
    for (let i = 0; i < workers; i++) this.running.push(this.work());
    this.o.log.info('controller started', { controller: this.name, workers });
  }

  /** Stops taking keys and waits for passes in flight to finish. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.running);
    this.running = [];
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.process(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async process(key: string): Promise<void> {
    const { metrics, clock } = this.o;
    const reconcileID = randomUUID().slice(0, 8);
    const log = this.o.log.with({ controller: this.name, key, reconcileID });
    const started = clock.now();
    let result: ReconcileResult;
    try {
      const outcome = await this.reconcileKey(key, log);
      if (outcome.requeueAfterMs !== undefined) this.queue.addAfter(key, outcome.requeueAfterMs);
      result = outcome.result;
      if (result === 'success' || result === 'requeue') this.queue.forget(key);
    } catch (err) {
      result = 'error';
      const delay = this.queue.addRateLimited(key);
      if (isConflict(err)) log.debug('conflict; retrying', { retryInMs: delay });
      else log.error('reconcile failed; retrying', { error: err, retryInMs: delay });
    }
    metrics.reconciles.inc({ controller: this.name, result });
    if (result !== 'success' && result !== 'requeue') metrics.reconcileErrors.inc({ controller: this.name });
    metrics.reconcileSeconds.observe({ controller: this.name }, (clock.now() - started) / 1000);
  }

  private async reconcileKey(key: string, log: Logger): Promise<{ result: ReconcileResult; requeueAfterMs?: number }> {
    const pending = this.written.get(key);
    if (pending && this.o.clock.now() - pending.at < staleWaitMs) {
      log.debug('waiting for the cache to show the last status write');
      return { result: 'requeue', requeueAfterMs: 50 };
    }
    this.written.delete(key);
    const cached = this.o.informer.get(key);
    if (!cached) {
      log.debug('gone');
      return { result: 'success' };
    }
    const r = this.o.reconciler;
    const obj = structuredClone(cached);
    const ctx = this.context(obj, log);

    if (obj.metadata.deletionTimestamp) {
      if (!r.finalizer || !obj.metadata.finalizers?.includes(r.finalizer)) return { result: 'success' };
      const outcome = await r.finalize?.(ctx);
      if (outcome?.requeueAfterMs !== undefined) return { result: 'requeue', requeueAfterMs: outcome.requeueAfterMs };
      // A copy cached before the object went (an earlier pass released it) finds it gone: that is done too.
      if (await this.setFinalizers(obj, obj.metadata.finalizers.filter((f) => f !== r.finalizer))) log.info('finalized');
      else log.debug('gone before its finalizer was removed');
      return { result: 'success' };
    }
    if (r.finalizer && !obj.metadata.finalizers?.includes(r.finalizer)) {
      if (!(await this.setFinalizers(obj, [...(obj.metadata.finalizers ?? []), r.finalizer]))) {
        log.debug('gone before its finalizer was added');
        return { result: 'success' };
      }
    }

    let outcome: { result: ReconcileResult; requeueAfterMs?: number };
    const ready = r.readyCondition ?? 'Ready';
    try {
      const o = await r.reconcile(ctx);
      ctx.settle(o?.reconciling ? { type: 'Reconciling', ...o.reconciling } : o?.stalled ? { type: 'Stalled', ...o.stalled } : undefined);
      outcome = o?.requeueAfterMs !== undefined ? { result: 'requeue', requeueAfterMs: o.requeueAfterMs } : { result: 'success' };
    } catch (err) {
      if (err instanceof TerminalError) {
        ctx.setCondition({ type: ready, status: 'False', reason: err.reason, message: err.message });
        ctx.settle({ type: 'Stalled', reason: err.reason, message: err.message });
        outcome = { result: 'terminal' };
      } else if (err instanceof WaitingError) {
        ctx.setCondition({ type: ready, status: 'False', reason: err.reason, message: err.message });
        ctx.settle({ type: 'Reconciling', reason: err.reason, message: err.message });
        outcome = { result: 'waiting', requeueAfterMs: err.retryAfterMs };
      } else if (err instanceof ApiError && !isTransientApiError(err) && !isNotFound(err)) {
        ctx.setCondition({ type: ready, status: 'False', reason: err.reason || 'APIError', message: err.message });
        ctx.settle({ type: 'Stalled', reason: err.reason || 'APIError', message: err.message });
        await this.writeStatus(obj, ctx.status, log);
        this.emit(obj, ctx.pendingEvents);
        throw err;
      } else {
        throw err;
      }
    }
    await this.writeStatus(obj, ctx.status, log);
    this.emit(obj, ctx.pendingEvents);
    return outcome;
  }

  private emit(obj: T, events: [EventType, string, string][]): void {
    for (const [type, reason, message] of events) void this.o.events.record(obj, type, reason, message);
  }

  private context(obj: T, log: Logger): PassContext<T, S> {
    const clock = this.o.clock;
    const generation = obj.metadata.generation;
    const ctx: PassContext<T, S> = {
      obj, log, clock, pendingEvents: [],
      status: structuredClone((obj.status ?? {}) as S),
      setCondition: (update) => { ctx.status.conditions = setCondition(ctx.status.conditions, update, generation, clock.now()); },
      recordEvent: (type, reason, message) => { ctx.pendingEvents.push([type, reason, message]); },
      settle: (progress) => {
        if (progress || ctx.status.conditions) ctx.status.conditions = setProgress(ctx.status.conditions, progress, generation, clock.now());
        if (progress?.type !== 'Reconciling') ctx.status.observedGeneration = generation;
      },
    };
    return ctx;
  }

  /**
   * Server-side applies status when it differs from what the object has; records an Event per changed
   * condition. An object deleted while the pass ran has no status to write: it is done.
   */
  private async writeStatus(obj: T, status: S, log: Logger): Promise<void> {
    if (isDeepStrictEqual(obj.status ?? {}, status)) return;
    let updated;
    try {
      updated = await this.o.client.apply(this.resource, { metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace }, status } as KubeObject,
        `staysail-${this.name}`, { force: true, subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      log.debug('gone before its status was written');
      return;
    }
    const rv = updated?.metadata?.resourceVersion;
    // The watch may have delivered the write before this call returned: then the cache already shows it.
    if (rv && this.o.informer.get(objectKey(obj))?.metadata.resourceVersion !== rv) {
      this.written.set(objectKey(obj), { rv, at: this.o.clock.now() });
    }
    this.o.metrics.statusWrites.inc({ controller: this.name });
    log.debug('status written');
    const before = (obj.status as StatusBase | undefined)?.conditions ?? [];
    for (const c of status.conditions ?? []) {
      // Work going on is told by each kind's own conditions (Progressing, Succeeded, Ready) and Events.
      if (c.type === 'Reconciling') continue;
      const old = before.find((b) => b.type === c.type);
      if (old && old.status === c.status && old.reason === c.reason) continue;
      const abnormal = c.type === 'Stalled' ? c.status === 'True' : c.status === 'False';
      void this.o.events.record(obj, abnormal ? 'Warning' : 'Normal', c.reason, `${c.type} is ${c.status}: ${c.message}`);
    }
  }

  /**
   * Writes the finalizer list, guarded by resourceVersion so a concurrent change is not lost (409:
   * retry). False when the object no longer exists.
   */
  private async setFinalizers(obj: T, finalizers: string[]): Promise<boolean> {
    let updated;
    try {
      updated = await this.o.client.mergePatch<T>(this.resource, obj.metadata.namespace, obj.metadata.name,
        { metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion } });
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    obj.metadata.finalizers = finalizers;
    obj.metadata.resourceVersion = updated.metadata.resourceVersion;
    return true;
  }
}
