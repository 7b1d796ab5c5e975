// PipelineRun controller: starts a run (snapshot of the pipeline, parameters, concurrency slot), then
// moves it through its stage graph until it finishes. Everything it knows lives in the run's status.
// A run not yet finished is Reconciling (its observedGeneration waits); one that failed, timed out or
// was canceled is Stalled: it did not succeed, and only a restart in its spec runs it again.
import { findCondition } from '../../core/conditions.ts';
import type { Outcome, Reconciler } from '../../core/controller.ts';
import type { ObjectCache } from '../../core/informer.ts';
import { computeRunEvents, kubeEventOf } from '../../pipeline/run/events.ts';
import { planEntry, planPass } from '../../pipeline/run/lifecycle.ts';
import { isEndedPhase, phaseOf } from '../../pipeline/run/phase.ts';
import { supersedeCancel } from '../../pipeline/run/restarts.ts';
import { advanceRun, factsOf, type AdvanceDeps } from './advance.ts';
import { ConcurrencyGate } from './gate.ts';
import { applyRestarts } from './restart.ts';
import { applyLifecycle, restartSlot, startRun, type RunContext } from './start.ts';
import { isFinished, isQueued, isStarted, pendingRestarts, type Pipeline, type PipelineRun, type PipelineRunStatus } from './types.ts';

export interface PipelineRunDeps extends AdvanceDeps {
  pipelines: ObjectCache<Pipeline>;
  /** The concurrency gate; one is made for the controller when not given. */
  gate?: ConcurrencyGate;
}

type Deps = PipelineRunDeps & { gate: ConcurrencyGate };

export function pipelineRunReconciler(given: PipelineRunDeps): Reconciler<PipelineRun, PipelineRunStatus> {
  const deps: Deps = { ...given, gate: given.gate ?? new ConcurrencyGate() };
  return {
    // Every status field this controller writes is listed here: the skeleton writes nothing else.
    owns: { fields: ['phase', 'startTime', 'completionTime', 'pipelineSpec', 'pipelineGeneration', 'parameters', 'stages', 'outputs', 'handledRestarts',
      'supersededCancel'],
      conditions: ['Succeeded'] },
    // Errors of the controller itself (a forbidden call, an API error) must not end the run: they are
    // reported as Reconciled=False and retried, while Succeeded speaks only of the run.
    readyCondition: 'Reconciled',
    async reconcile(ctx) {
      const outcome = await reconcileRun(ctx, deps);
      recordRunEvents(ctx);
      return { ...outcome, ...progressOf(ctx.status) };
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
  const pass = planPass(factsOf(ctx));
  if (pass.kind === 'cancel-restart') {
    ctx.status.handledRestarts = [...(ctx.status.handledRestarts ?? []), ...pendingRestarts(ctx.obj).map((r) => r.id)];
    applyLifecycle(ctx, pass.lifecycle);
    return;
  }
  // A finished run that is asked to restart runs again only when its pipeline has a free slot.
  if (pass.kind === 'restart') {
    // The restart of a canceled run supersedes the cancel it followed; only a cancel after this counts.
    if (!isQueued(ctx.obj)) supersedeCancel(ctx.obj.spec, ctx.status, pendingRestarts(ctx.obj)[0]!.id);
    const slot = await restartSlot(ctx, deps);
    if (slot.outcome === 'queued') {
      applyLifecycle(ctx, { phase: 'Queued', reason: 'Queued', message: slot.message });
      return { requeueAfterMs: 30_000 };
    }
  }
  const entry = planEntry(factsOf(ctx), await applyRestarts(ctx, deps.client));
  if (entry.kind === 'ended') return;
  if (entry.kind === 'cancel') { applyLifecycle(ctx, entry.lifecycle); return; }
  if (entry.kind === 'start') {
    const start = await startRun(ctx, deps);
    if (!start.started) return start.requeueAfterMs !== undefined ? { requeueAfterMs: start.requeueAfterMs } : undefined;
  }
  const { requeueAfterMs } = await advanceRun(ctx, deps);
  return requeueAfterMs !== undefined ? { requeueAfterMs } : undefined;
}

/** Records the pass's run events as Kubernetes Events (the run's own phase changes are its Succeeded condition's). */
function recordRunEvents(ctx: RunContext): void {
  const events = computeRunEvents({ status: ctx.obj.status, spec: ctx.obj.spec }, { status: ctx.status, spec: ctx.obj.spec });
  for (const e of events) {
    const k = kubeEventOf(e);
    if (k) ctx.recordEvent(k.type, k.reason, k.message);
  }
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
