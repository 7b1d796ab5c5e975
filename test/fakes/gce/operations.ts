// compute#operation objects and their lifecycle for the GCE fake. Every mutating call answers an
// Operation; it goes PENDING -> RUNNING -> DONE, one step per `readsPerStep` reads of it (GET or
// POST .../wait through the zone, region or global operations clients), and settles to DONE anyway
// once `settleAfterMs` passed (judged when any request arrives), as Compute finishes work nobody
// polls. What the mutation does to the world happens at DONE (onDone), or is undone (onFail) when a
// failure injected with failOperation matched it: the operation then carries error.errors[{code,
// message}], httpErrorStatusCode and httpErrorMessage, as Compute's failed operations do.
// Caveat: Compute's wait blocks up to 2 minutes for DONE; the fake's wait answers at once, one step on.
import { randomBytes } from 'node:crypto';
import { httpErrorMessage, notFound } from './errors.ts';

/** How operations progress. */
export interface OperationTiming {
  /** Reads (get or wait) an operation takes per step; 0 answers DONE from the call itself. Default 1. */
  readsPerStep: number;
  /** After this long an operation is DONE however often it was read. Default 2000. */
  settleAfterMs: number;
}

/** A failure the next matching operation ends in. */
export interface OperationFailure {
  /** Matches the operation's type exactly or its last part (compute.instanceGroupManagers.resize ~ resize). */
  operationType?: string;
  /** Matched against the operation's targetLink. */
  target?: RegExp;
  error: { code: string; message: string };
  /** httpErrorStatusCode; default 400. */
  httpStatus?: number;
  /** How many operations fail; default 1. */
  times?: number;
}

/** Where an operation lives: global, or a zone or region. */
export type OperationScope = { zone: string } | { region: string } | Record<string, never>;

export interface StartOperation {
  project: string;
  scope: OperationScope;
  operationType: string;
  targetLink: string;
  targetId?: string;
  onDone?: () => void;
  onFail?: () => void;
}

interface Tracked { json: Record<string, unknown>; step: number; reads: number; startedAt: number; start: StartOperation;
  failure?: OperationFailure }

export class Operations {
  timing: OperationTiming = { readsPerStep: 1, settleAfterMs: 2000 };
  private readonly ops = new Map<string, Tracked>();
  private failures: (OperationFailure & { left: number })[] = [];

  private readonly base: () => string;
  private readonly now: () => number;

  constructor(base: () => string, now: () => number = Date.now) { this.base = base; this.now = now; }

  /** Starts an operation; answers its JSON as the mutating call returns it. */
  start(s: StartOperation): Record<string, unknown> {
    const t = this.now();
    const name = `operation-${t}-${randomBytes(6).toString('hex')}-${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`;
    const path = `projects/${s.project}/${scopePath(s.scope)}/operations/${name}`;
    const json: Record<string, unknown> = {
      kind: 'compute#operation', id: randomId(), name, operationType: s.operationType, targetLink: s.targetLink,
      ...(s.targetId ? { targetId: s.targetId } : {}), status: 'PENDING', user: 'staysail-test@fake.iam.gserviceaccount.com',
      progress: 0, insertTime: timestamp(t), selfLink: `${this.base()}/compute/v1/${path}`,
      ...('zone' in s.scope ? { zone: `${this.base()}/compute/v1/projects/${s.project}/zones/${s.scope.zone}` } : {}),
      ...('region' in s.scope ? { region: `${this.base()}/compute/v1/projects/${s.project}/regions/${s.scope.region}` } : {}),
    };
    const tracked: Tracked = { json, step: 0, reads: 0, startedAt: t, start: s, ...this.takeFailure(s) };
    this.ops.set(path, tracked);
    if (this.timing.readsPerStep <= 0) this.finish(tracked);
    return structuredClone(json);
  }

  /** Reads an operation (get or wait), moving it on. */
  read(project: string, scope: OperationScope, name: string): Record<string, unknown> {
    const path = `projects/${project}/${scopePath(scope)}/operations/${name}`;
    const t = this.ops.get(path);
    if (!t) throw notFound(path);
    if (t.step < 2 && ++t.reads >= this.timing.readsPerStep) {
      t.reads = 0;
      t.step++;
      if (t.step === 1) Object.assign(t.json, { status: 'RUNNING', progress: 50, startTime: timestamp(this.now()) });
      if (t.step === 2) this.finish(t);
    }
    return structuredClone(t.json);
  }

  /** Settles every operation whose time is up (Compute finishes work nobody polls). */
  settleDue(): void {
    for (const t of this.ops.values()) if (t.step < 2 && this.now() - t.startedAt >= this.timing.settleAfterMs) this.finish(t);
  }

  /** Settles every operation now (for tests that assert the world after the work). */
  settleAll(): void { for (const t of this.ops.values()) if (t.step < 2) this.finish(t); }

  failNext(f: OperationFailure): void { this.failures.push({ ...f, left: f.times ?? 1 }); }

  /** Every operation's JSON, oldest first. */
  list(): Record<string, unknown>[] { return [...this.ops.values()].map((t) => structuredClone(t.json)); }

  reset(): void { this.ops.clear(); this.failures = []; this.timing = { readsPerStep: 1, settleAfterMs: 2000 }; }

  private takeFailure(s: StartOperation): { failure?: OperationFailure } {
    const f = this.failures.find((x) => x.left > 0 && (!x.operationType || x.operationType === s.operationType
      || s.operationType.split('.').pop() === x.operationType) && (!x.target || x.target.test(s.targetLink)));
    if (!f) return {};
    f.left--;
    return { failure: f };
  }

  private finish(t: Tracked): void {
    t.step = 2;
    const end = timestamp(this.now());
    Object.assign(t.json, { status: 'DONE', progress: 100, endTime: end, startTime: t.json.startTime ?? end });
    if (t.failure) {
      const status = t.failure.httpStatus ?? 400;
      Object.assign(t.json, { error: { errors: [{ code: t.failure.error.code, message: t.failure.error.message }] },
        httpErrorStatusCode: status, httpErrorMessage: httpErrorMessage(status) });
      t.start.onFail?.();
    } else {
      t.start.onDone?.();
    }
  }
}

/** global, zones/<z> or regions/<r>. */
export const scopePath = (scope: OperationScope): string =>
  'zone' in scope ? `zones/${scope.zone}` : 'region' in scope ? `regions/${scope.region}` : 'global';

/** A uint64 as Compute writes ids: a decimal string. */
export const randomId = (): string => (randomBytes(8).readBigUInt64BE() >> 1n).toString();

/** Compute's timestamps: RFC 3339 with a numeric offset. */
export const timestamp = (ms: number): string => new Date(ms).toISOString().replace('Z', '+00:00');
