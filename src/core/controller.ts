// The controller loop and the reconcile skeleton, written once for every kind:
//   get from the cache (gone: done) -> finalizer -> snapshot -> work -> conditions -> status
// The status is written by the StatusWriter: only the fields and conditions the reconciler owns, only
// when they changed, guarded by the resourceVersion the pass started from. It follows
// kstatus' conventions, which Flux, Helm's --wait, kpt and Argo CD read: status.observedGeneration moves
// once the generation is fully acted on (done, or stalled), never while work on it goes on; Reconciling
// is True while it does, Stalled when it cannot go on without a change. Errors are interpreted here
// alone: TerminalError -> condition and Stalled, no retry; WaitingError -> condition and Reconciling,
// retry after its delay; an API error that time will not fix -> condition and Stalled, retry with
// back-off; anything else -> what the pass recorded is written, then retry with back-off.
import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.ts';
import { setCondition, setProgress, type Condition, type ConditionUpdate, type Progress } from './conditions.ts';
import { ApiError, isNotFound, isStaleWrite, isTransientApiError, TerminalError, WaitingError } from './errors.ts';
import type { EventRecorder, EventType } from './events.ts';
import { objectKey, type ObjectCache } from './informer.ts';
import type { KubeClient, KubeObject, ResourceType } from './kube-client.ts';
import type { Logger } from './logger.ts';
import type { OperatorMetrics, ReconcileResult } from './metrics.ts';
import { StatusWriter, type StatusOwnership } from './status-writer.ts';
import { WorkQueue } from './work-queue.ts';

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
  /** The status fields and condition types this reconciler writes; nothing else of status is written. */
  owns: StatusOwnership & { fields: readonly Exclude<keyof S & string, 'observedGeneration' | 'conditions'>[] };
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

type PassOutcome = { result: ReconcileResult; requeueAfterMs?: number };

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
  private readonly status: StatusWriter<T>;

  constructor(options: ControllerOptions<T, S>) {
    this.o = options;
    this.name = options.name;
    this.resource = options.informer.resource;
    this.queue = new WorkQueue({ clock: options.clock, observer: options.metrics.queueObserver(options.name) });
    this.status = new StatusWriter({ client: options.client, informer: options.informer, fieldManager: `staysail-${options.name}`,
      owns: options.reconciler.owns, finalizer: options.reconciler.finalizer }, ['Reconciling', 'Stalled', options.reconciler.readyCondition ?? 'Ready']);
    // The watch events of this controller's own writes (its status, its finalizer) do not wake the object again.
    const enqueue = (obj: T, old?: T) => { if (!this.status.observe(obj, old)) this.queue.add(objectKey(obj)); };
    options.informer.on({ add: (obj) => enqueue(obj), update: enqueue, delete: (obj) => { this.status.forget(objectKey(obj)); this.queue.add(objectKey(obj)); } });
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
      // A conflict is no failure: the object changed during the pass, which is made again from a fresh read.
      result = isStaleWrite(err) ? 'conflict' : 'error';
      const delay = this.queue.addRateLimited(key);
      if (result === 'conflict') log.debug('conflict; reading again', { retryInMs: delay });
      else log.error('reconcile failed; retrying', { error: err, retryInMs: delay });
    }
    metrics.reconciles.inc({ controller: this.name, result });
    if (result !== 'success' && result !== 'requeue' && result !== 'conflict') metrics.reconcileErrors.inc({ controller: this.name });
    metrics.reconcileSeconds.observe({ controller: this.name }, (clock.now() - started) / 1000);
  }

  private async reconcileKey(key: string, log: Logger): Promise<PassOutcome> {
    // A pass never acts on a copy from before this controller's own last write (it could repeat a side effect).
    const cached = await this.status.current(key);
    if (!cached) {
      log.debug('gone');
      return { result: 'success' };
    }
    const obj = structuredClone(cached);
    const ctx = this.context(obj, log);
    if (obj.metadata.deletionTimestamp) return this.finalizePass(ctx);
    const finalizer = this.o.reconciler.finalizer;
    if (finalizer && !obj.metadata.finalizers?.includes(finalizer) && !(await this.setFinalizers(obj, [...(obj.metadata.finalizers ?? []), finalizer]))) {
      log.debug('gone before its finalizer was added');
      return { result: 'success' };
    }
    let outcome: PassOutcome & { error?: unknown; retried?: boolean };
    try {
      const o = await this.o.reconciler.reconcile(ctx);
      ctx.settle(o?.reconciling ? { type: 'Reconciling', ...o.reconciling } : o?.stalled ? { type: 'Stalled', ...o.stalled } : undefined);
      outcome = o?.requeueAfterMs !== undefined ? { result: 'requeue', requeueAfterMs: o.requeueAfterMs } : { result: 'success' };
    } catch (err) {
      outcome = this.interpret(ctx, err);
    }
    if (outcome.retried) {
      // What the pass recorded before it failed (a Job it created, a step it took) is kept.
      try { await this.writeStatus(obj, ctx.status, log); } catch (writeErr) { log.debug('status not written', { error: writeErr }); throw outcome.error; }
    } else {
      await this.writeStatus(obj, ctx.status, log);
    }
    this.emit(obj, ctx.pendingEvents);
    if (outcome.error !== undefined) throw outcome.error;
    return outcome;
  }

  /** Reads a failed pass into conditions and an outcome; error, when set, is thrown once status is written. */
  private interpret(ctx: PassContext<T, S>, err: unknown): PassOutcome & { error?: unknown; retried?: boolean } {
    const ready = this.o.reconciler.readyCondition ?? 'Ready';
    const say = (reason: string, message: string, progress: 'Stalled' | 'Reconciling') => {
      ctx.setCondition({ type: ready, status: 'False', reason, message });
      ctx.settle({ type: progress, reason, message });
    };
    if (err instanceof TerminalError) {
      say(err.reason, err.message, 'Stalled');
      return { result: 'terminal' };
    }
    if (err instanceof WaitingError) {
      say(err.reason, err.message, 'Reconciling');
      return { result: 'waiting', requeueAfterMs: err.retryAfterMs };
    }
    if (err instanceof ApiError && !isTransientApiError(err) && !isNotFound(err)) {
      say(err.reason || 'APIError', err.message, 'Stalled');
      return { result: 'error', error: err };
    }
    return { result: 'error', error: err, retried: true };
  }

  /** The pass of an object being deleted: finalize, then release it. */
  private async finalizePass(ctx: PassContext<T, S>): Promise<PassOutcome> {
    const { obj, log } = ctx;
    const r = this.o.reconciler;
    if (!r.finalizer || !obj.metadata.finalizers?.includes(r.finalizer)) return { result: 'success' };
    const outcome = await r.finalize?.(ctx);
    if (outcome?.requeueAfterMs !== undefined) return { result: 'requeue', requeueAfterMs: outcome.requeueAfterMs };
    // A copy cached before the object went (an earlier pass released it) finds it gone: that is done too.
    if (await this.setFinalizers(obj, obj.metadata.finalizers.filter((f) => f !== r.finalizer))) log.info('finalized');
    else log.debug('gone before its finalizer was removed');
    return { result: 'success' };
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

  /** Writes the owned part of status when it changed; records an Event per changed condition. */
  private async writeStatus(obj: T, status: S, log: Logger): Promise<void> {
    if (!(await this.status.write(obj, status))) return;
    this.o.metrics.statusWrites.inc({ controller: this.name });
    log.debug('status written');
    const before = (obj.status as StatusBase | undefined)?.conditions ?? [];
    for (const c of this.status.owned(status).conditions ?? []) {
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
      if (isStaleWrite(err)) this.status.readAgain(objectKey(obj));
      throw err;
    }
    obj.metadata.finalizers = finalizers;
    obj.metadata.resourceVersion = updated.metadata.resourceVersion;
    this.status.wrote(objectKey(obj), updated);
    return true;
  }
}
