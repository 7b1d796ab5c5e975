// Moving a started run forward: start the stages whose requisites finished well (or skip them, or
// hold them for their execution window), step the running ones through their stage type, apply
// failure policies and timeouts, cancel what must stop, and finish the run by Spinnaker's roll-up.
import { formatDuration, parseDuration } from '../../api/duration.ts';
import { plural } from '../../api/plural.ts';
import type { Stage } from '../../api/v1alpha1/stages/index.ts';
import { ApiError, isTransientApiError } from '../../core/errors.ts';
import type { KubeClient } from '../../core/kube-client.ts';
import { evaluateCondition, ExpressionError, interpolate, type ExpressionScope } from '../../pipeline/expressions.ts';
import { complete, failureStatus, planRun, type ExecutionStatus } from '../../pipeline/graph/scheduler.ts';
import { ChildError } from '../../pipeline/stages/children.ts';
import type { ResolveAccount, StageOutcome, StageRegistry, StageRun } from '../../pipeline/stages/stage-type.ts';
import { jitterFor, nextOpening } from '../../pipeline/window.ts';
import { finishRun, type RunContext } from './start.ts';
import type { PipelineRun, PipelineSpec, StageRecord } from './types.ts';

export interface AdvanceDeps {
  registry: StageRegistry;
  client: KubeClient;
  /** The account and provider an accountRef names, resolved for the run (as the controllers resolve theirs). */
  resolveAccount: (run: PipelineRun, accountRef: { name: string }, field: string) => ReturnType<ResolveAccount>;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function scopeOf(ctx: RunContext): ExpressionScope {
  const run = ctx.obj;
  return {
    parameters: (ctx.status.parameters ?? {}) as Record<string, unknown>,
    trigger: { type: 'manual', ...(run.spec?.trigger ?? {}) } as Record<string, unknown>,
    stages: Object.fromEntries((ctx.status.stages ?? []).map((r) => [r.refId, { status: r.status, outputs: r.outputs ?? {},
      ...(r.startTime ? { startTime: r.startTime } : {}), ...(r.endTime ? { endTime: r.endTime } : {}) }])),
    execution: { name: run.metadata.name, namespace: run.metadata.namespace, uid: run.metadata.uid, pipeline: run.spec?.pipelineRef.name,
      startTime: ctx.status.startTime },
    numberParameters: ((ctx.status.pipelineSpec as unknown as PipelineSpec | undefined)?.parameters ?? [])
      .filter((p) => p.type === 'number').map((p) => p.name),
  };
}

/** Moves the run on as far as it can go now; returns when to look again. */
export async function advanceRun(ctx: RunContext, deps: AdvanceDeps): Promise<{ requeueAfterMs?: number }> {
  const spec = ctx.status.pipelineSpec as unknown as PipelineSpec;
  const stages = spec.stages;
  const records = new Map((ctx.status.stages ?? []).map((r) => [r.refId, r]));
  const canceled = ctx.obj.spec?.status === 'Canceled';
  const waits: number[] = [];
  const transition = (r: StageRecord, status: ExecutionStatus, message: string | undefined, now: number) => {
    const from = r.status;
    r.status = status;
    if (message !== undefined) r.message = message;
    if (status === 'RUNNING' && !r.startTime) { r.startTime = iso(now); r.attempts = (r.attempts ?? 0) + 1; }
    if (complete.has(status)) r.endTime = iso(now);
    if (from !== status) {
      const bad = ['TERMINAL', 'STOPPED', 'FAILED_CONTINUE', 'CANCELED'].includes(status);
      ctx.recordEvent(bad ? 'Warning' : 'Normal', `Stage${status.charAt(0)}${status.slice(1).toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase())}`,
        `stage "${r.refId}" ${from} -> ${status}${message ? `: ${message}` : ''}`);
    }
  };

  for (let pass = 0; pass < stages.length * 4 + 4; pass++) {
    const now = ctx.clock.now();
    const statuses = Object.fromEntries([...records].map(([id, r]) => [id, r.status as ExecutionStatus]));
    const plan = planRun(stages, statuses, canceled);
    let changed = false;

    for (const id of plan.cancel) {
      const r = records.get(id)!;
      const def = stages.find((s) => s.refId === id)!;
      let note = '';
      try {
        await deps.registry.get(def.type)?.cancel?.(stageRun(ctx, deps, def, r, {}));
      } catch (err) {
        if (err instanceof ApiError && isTransientApiError(err)) throw err; // the pass is retried
        note = `; stopping what it started failed: ${(err as Error).message}`;
      }
      transition(r, 'CANCELED', `${canceled ? 'canceled with the run' : 'canceled because the run failed'}${note}`, now);
      changed = true;
    }
    for (const id of plan.start) {
      startStage(ctx, stages.find((s) => s.refId === id)!, records.get(id)!, now, transition, waits);
      changed = true;
    }
    for (const def of stages) {
      const r = records.get(def.refId)!;
      if (r.status === 'SUSPENDED' && !canceled) {
        const skip = ctx.obj.spec?.skipExecutionWindows?.includes(def.refId) ?? false;
        const until = r.suspendedUntil ? Date.parse(r.suspendedUntil) : now;
        if (skip || now >= until) {
          transition(r, 'RUNNING', skip ? 'execution window skipped by request' : 'execution window open', now);
          changed = true;
        } else {
          waits.push(until - now);
        }
      }
      if (r.status === 'RUNNING' && !plan.cancel.includes(def.refId)) {
        if (await stepStage(ctx, deps, def, r, now, transition, waits)) changed = true;
      }
    }
    if (!changed) break;
  }

  ctx.status.stages = [...records.values()];
  const outputs = Object.fromEntries([...records.values()].filter((r) => r.outputs && Object.keys(r.outputs).length).map((r) => [r.refId, r.outputs]));
  if (Object.keys(outputs).length) ctx.status.outputs = outputs;
  const statuses = Object.fromEntries([...records].map(([id, r]) => [id, r.status as ExecutionStatus]));
  const final = planRun(stages, statuses, canceled);
  const runName = `PipelineRun "${ctx.obj.metadata.name}"`;
  if (final.status === 'SUCCEEDED') finishRun(ctx, true, 'Succeeded', `${runName} succeeded`);
  else if (final.status === 'CANCELED') finishRun(ctx, false, 'Canceled', `${runName}: ${final.reason ?? 'canceled'}`);
  else if (final.status === 'TERMINAL') {
    const failed = [...records.values()].find((r) => r.status === 'TERMINAL' || r.status === 'STOPPED');
    const timedOut = failed?.message?.startsWith('timed out');
    finishRun(ctx, false, timedOut ? 'Timeout' : 'Failed', `${runName}: ${final.reason}${failed?.message ? `: ${failed.message}` : ''}`);
  } else {
    ctx.setCondition({ type: 'Succeeded', status: 'Unknown', reason: 'Running', message: runningSummary(runName, [...records.values()]) });
    return { requeueAfterMs: waits.length ? Math.max(100, Math.min(...waits)) : undefined };
  }
  return {};
}

function runningSummary(runName: string, records: StageRecord[]): string {
  const done = records.filter((r) => complete.has(r.status as ExecutionStatus)).length;
  const running = records.filter((r) => r.status === 'RUNNING').map((r) => r.refId);
  const suspended = records.filter((r) => r.status === 'SUSPENDED').map((r) => r.refId);
  return `${runName}: ${done} of ${plural(records.length, 'stage')} done` + (running.length ? `; running: ${running.join(', ')}` : '')
    + (suspended.length ? `; waiting for an execution window: ${suspended.join(', ')}` : '');
}

type Transition = (r: StageRecord, status: ExecutionStatus, message: string | undefined, now: number) => void;

function startStage(ctx: RunContext, def: Stage, r: StageRecord, now: number, transition: Transition, waits: number[]): void {
  if (def.if) {
    try {
      if (!evaluateCondition(def.if, scopeOf(ctx))) { transition(r, 'SKIPPED', `skipped: ${def.if} is false`, now); return; }
    } catch (err) {
      transition(r, failureStatus(def.failurePolicy), (err as Error).message, now);
      return;
    }
  }
  const w = def.executionWindow;
  if (w && !ctx.obj.spec?.skipExecutionWindows?.includes(def.refId)) {
    const opening = nextOpening(w, now);
    if (opening === undefined) { transition(r, failureStatus(def.failurePolicy), 'its execution window does not open in the next 8 days', now); return; }
    let jitter = 0;
    try {
      const scope = scopeOf(ctx);
      const ms = (d: string, field: string) => {
        try { return parseDuration(String(interpolate(d, scope))); } catch (err) { throw new Error(`executionWindow.jitter.${field}: ${(err as Error).message}`, { cause: err }); }
      };
      if (w.jitter) jitter = jitterFor(`${ctx.obj.metadata.uid}/${def.refId}`, ms(w.jitter.min, 'min'), ms(w.jitter.max, 'max'));
    } catch (err) {
      transition(r, failureStatus(def.failurePolicy), (err as Error).message, now);
      return;
    }
    const until = opening + jitter;
    if (until > now) {
      r.suspendedUntil = iso(until);
      transition(r, 'SUSPENDED', `waiting for its execution window until ${iso(until)}`, now);
      waits.push(until - now);
      return;
    }
  }
  transition(r, 'RUNNING', undefined, now);
}

function stageRun(ctx: RunContext, deps: AdvanceDeps, def: Stage, r: StageRecord, config: Record<string, unknown>,
  scope: ExpressionScope = scopeOf(ctx)): StageRun {
  return { run: ctx.obj, stage: def, config, record: r, scope, clock: ctx.clock, client: deps.client, log: ctx.log,
    resolveAccount: (ref) => deps.resolveAccount(ctx.obj, ref, `stage "${def.refId}" ${def.type}.accountRef`) };
}

/** Runs one step of a RUNNING stage; true when its record changed. */
async function stepStage(ctx: RunContext, deps: AdvanceDeps, def: Stage, r: StageRecord, now: number, transition: Transition,
  waits: number[]): Promise<boolean> {
  const before = JSON.stringify(r);
  const type = deps.registry.get(def.type)!;
  const fail = (message: string) => transition(r, failureStatus(def.failurePolicy), message, now);
  const scope = scopeOf(ctx);
  let config: Record<string, unknown>;
  let timeoutMs: number | undefined;
  try {
    const block = { ...((def as Record<string, unknown>)[def.type] as Record<string, unknown> | undefined ?? {}) };
    const raw = Object.fromEntries((type.rawFields ?? []).filter((f) => f in block).map((f) => [f, block[f]]));
    for (const f of type.rawFields ?? []) delete block[f];
    config = { ...interpolate(block, scope), ...raw };
    const ownTimeout = type.timeoutField ? config[type.timeoutField] : undefined;
    timeoutMs = def.timeout ? parseDuration(String(interpolate(def.timeout, scope)))
      : ownTimeout !== undefined ? parseDuration(String(ownTimeout)) : type.defaultTimeoutMs;
  } catch (err) {
    fail((err as Error).message);
    return true;
  }
  const elapsed = now - Date.parse(r.startTime!);
  if (timeoutMs !== undefined && elapsed >= timeoutMs) {
    let note = '';
    try {
      await type.cancel?.(stageRun(ctx, deps, def, r, config, scope));
    } catch (err) {
      if (err instanceof ApiError && isTransientApiError(err)) throw err;
      note = `; stopping what it started failed: ${(err as Error).message}`;
    }
    fail(`timed out after ${formatDuration(timeoutMs)}${note}`);
    return true;
  }
  const retryAt = typeof r.state?.retryAt === 'string' ? Date.parse(r.state.retryAt) : undefined;
  if (retryAt !== undefined) {
    if (now < retryAt) { waits.push(retryAt - now); return false; }
    r.attempts = (r.attempts ?? 1) + 1;
    delete r.state; // (an empty object would not survive server-side apply of a free-form field)
  }
  let outcome: StageOutcome;
  try {
    outcome = await type.execute(stageRun(ctx, deps, def, r, config, scope));
  } catch (err) {
    if (err instanceof ApiError && isTransientApiError(err)) throw err; // the pass is retried
    if (!(err instanceof ExpressionError) && !(err instanceof ApiError) && !(err instanceof ChildError)) {
      ctx.log.warn('stage failed unexpectedly', { stage: def.refId, error: err });
    }
    fail((err as Error).message);
    return true;
  }
  if (outcome.outputs) r.outputs = { ...(r.outputs ?? {}), ...outcome.outputs };
  if (outcome.state) r.state = outcome.state;
  if ('judgment' in outcome && outcome.judgment) r.judgment = outcome.judgment;
  if (outcome.status === 'RUNNING') {
    if (outcome.announce && outcome.message !== undefined && outcome.message !== r.message) {
      ctx.recordEvent(outcome.announce, 'StageWaiting', `stage "${r.refId}" ${outcome.message}`);
    }
    if (outcome.message !== undefined) r.message = outcome.message;
    waits.push(Math.min(outcome.pollAfterMs, timeoutMs !== undefined ? timeoutMs - elapsed : Infinity));
  } else if (outcome.status === 'SUCCEEDED') {
    transition(r, 'SUCCEEDED', outcome.message, now);
  } else if (type.retryable && !outcome.final && def.retries && (r.attempts ?? 1) <= def.retries.limit) {
    // Retry with back-off, doubling per attempt; the stage stays RUNNING meanwhile.
    let backoff: number;
    try {
      backoff = parseDuration(String(interpolate(def.retries.backoff ?? '10s', scope))) * 2 ** ((r.attempts ?? 1) - 1);
    } catch (err) {
      fail(`${outcome.message}; no retry: retries.backoff: ${(err as Error).message}`);
      return true;
    }
    r.state = { ...(r.state ?? {}), retryAt: iso(now + backoff) };
    r.message = `attempt ${r.attempts ?? 1} of ${def.retries.limit + 1} failed: ${outcome.message}; retrying in ${formatDuration(backoff)}`;
    ctx.recordEvent('Warning', 'StageRetrying', `stage "${r.refId}" ${r.message}`);
    waits.push(backoff);
  } else {
    fail(outcome.message);
  }
  return JSON.stringify(r) !== before;
}
