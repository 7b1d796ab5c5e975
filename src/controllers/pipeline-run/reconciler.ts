// PipelineRun controller: starts a run (snapshot of the pipeline, parameters, concurrency slot), then
// moves it through its stage graph until it finishes. Everything it knows lives in the run's status.
// A run not yet finished is Reconciling (its observedGeneration waits); one that failed, timed out or
// was canceled is Stalled: it did not succeed, and only a restart in its spec runs it again.
import { findCondition } from '../../core/conditions.ts';
import type { Outcome, Reconciler } from '../../core/controller.ts';
import type { ObjectCache } from '../../core/informer.ts';
import { notificationsDueMs, planRunNotifications, sendDueNotifications, type RunNotificationDeps } from '../../notifications/run.ts';
import { computeRunEvents, kubeEventOf, type RunEvent } from '../../pipeline/run/events.ts';
import { isEndedPhase, phaseOf } from '../../pipeline/run/phase.ts';
import { runPass, type RunEffects } from '../../pipeline/run/pass.ts';
import { stageEffects, type AdvanceDeps } from './advance.ts';
import { ConcurrencyGate } from './gate.ts';
import { applyLifecycle, restartSlot, startRun, type RunContext } from './start.ts';
import { isFinished, isQueued, isStarted, type Pipeline, type PipelineRun, type PipelineRunStatus } from './types.ts';

export interface PipelineRunDeps extends AdvanceDeps {
  pipelines: ObjectCache<Pipeline>;
  /** The concurrency gate; one is made for the controller when not given. */
  gate?: ConcurrencyGate;
  /** Where notifications go (the Applications' notifications, the channels); the client of AdvanceDeps reads their Secrets. */
  notifications?: Omit<RunNotificationDeps, 'client'>;
}

type Deps = PipelineRunDeps & { gate: ConcurrencyGate; notify: RunNotificationDeps };

export function pipelineRunReconciler(given: PipelineRunDeps): Reconciler<PipelineRun, PipelineRunStatus> {
  const deps: Deps = { ...given, gate: given.gate ?? new ConcurrencyGate(), notify: { ...given.notifications, client: given.client } };
  return {
    // Every status field this controller writes is listed here: the skeleton writes nothing else.
    owns: { fields: ['phase', 'startTime', 'completionTime', 'pipelineSpec', 'pipelineGeneration', 'parameters', 'stages', 'outputs', 'handledRestarts',
      'supersededCancel', 'notifications', 'eventSequence'],
      conditions: ['Succeeded', 'Notified'] },
    // Errors of the controller itself (a forbidden call, an API error) must not end the run: they are
    // reported as Reconciled=False and retried, while Succeeded speaks only of the run.
    readyCondition: 'Reconciled',
    async reconcile(ctx) {
      // Notifications planned by an earlier pass go out first; a failing channel never fails the run.
      await sendDueNotifications(ctx, deps.notify);
      let outcome: Outcome;
      try {
        outcome = await reconcileRun(ctx, deps);
      } finally {
        // Also after a pass that failed part way: what it recorded is written, and so is said.
        await planRunNotifications(ctx, deps.notify, recordRunEvents(ctx));
      }
      return { ...outcome, ...progressOf(ctx.status), ...soonest(outcome?.requeueAfterMs, notificationsDueMs(ctx, deps.notify)) };
    },
  };
}

/** kstatus' reading of the run, from its phase: under way (Reconciling), failed or canceled (Stalled), or done; the Succeeded condition says why. */
function progressOf(status: PipelineRunStatus): Pick<Exclude<Outcome, void>, 'reconciling' | 'stalled'> {
  const phase = phaseOf(status);
  const succeeded = findCondition(status.conditions, 'Succeeded');
  if (phase === 'Pending' || !succeeded) return { reconciling: { reason: 'Pending', message: 'the run has not started' } };
  const why = { reason: succeeded.reason, message: succeeded.message };
  if (phase === 'Succeeded') return {};
  return isEndedPhase(phase) ? { stalled: why } : { reconciling: why };
}

async function reconcileRun(ctx: RunContext, deps: Deps): Promise<Outcome> {
  ctx.setCondition({ type: 'Reconciled', status: 'True', reason: 'Reconciled', message: 'the controller is acting on the run' });
  const { requeueAfterMs } = await runPass({ run: ctx.obj, status: ctx.status, now: () => ctx.clock.now() }, runEffects(ctx, deps));
  return requeueAfterMs !== undefined ? { requeueAfterMs } : undefined;
}

/** What a pass needs from the world, for this run: slots through the gate, the pipeline, the spec's judgments, the stage types. */
function runEffects(ctx: RunContext, deps: Deps): RunEffects {
  return {
    ...stageEffects(ctx, deps),
    async restartSlot() {
      const slot = await restartSlot(ctx, deps);
      return slot.outcome === 'queued' ? { queued: slot.message } : {};
    },
    start: () => startRun(ctx, deps),
    lifecycle: (l) => applyLifecycle(ctx, l),
    restartNote: (type, reason, message) => ctx.recordEvent(type, reason, message),
  };
}

/** Records the pass's run events as Kubernetes Events (the run's own phase changes are its Succeeded condition's); returns them. */
function recordRunEvents(ctx: RunContext): RunEvent[] {
  const events = computeRunEvents({ status: ctx.obj.status, spec: ctx.obj.spec }, { status: ctx.status, spec: ctx.obj.spec });
  for (const e of events) {
    const k = kubeEventOf(e);
    if (k) ctx.recordEvent(k.type, k.reason, k.message);
  }
  return events;
}

/** The earlier of two requeue delays, as an outcome's field (none when neither is set). */
function soonest(a: number | undefined, b: number | undefined): { requeueAfterMs?: number } {
  const delays = [a, b].filter((d): d is number => d !== undefined);
  return delays.length > 0 ? { requeueAfterMs: Math.min(...delays) } : {};
}

/** Runs of the same pipeline waiting to start or restart: a run that finishes may free their slot. */
export function waitingRunsOf(runs: ObjectCache<PipelineRun>) {
  return (changed: PipelineRun): string[] => runs.list(changed.metadata.namespace)
    .filter((r) => r.spec?.pipelineRef.name === changed.spec?.pipelineRef.name && r.metadata.name !== changed.metadata.name
      && ((!isStarted(r) && !isFinished(r)) || isQueued(r)))
    .map((r) => `${r.metadata.namespace}/${r.metadata.name}`);
}

/** The PipelineRun that owns a child run (the pipeline stage), so the parent wakes when the child changes. */
export const parentRunOf = (r: PipelineRun): string[] =>
  (r.metadata.ownerReferences ?? []).filter((o) => o.kind === 'PipelineRun').map((o) => `${r.metadata.namespace}/${o.name}`);
