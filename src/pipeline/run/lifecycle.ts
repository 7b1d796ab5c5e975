// The run's lifecycle as decisions: what a pass does first (start the run, carry out a restart,
// advance it, or nothing: it ended), and where the stages' statuses leave it (running, and on what;
// or ended, how and why). Pure: the controller applies the decision (status.phase and the Succeeded
// condition, which keeps its reasons).
import type { PipelineRunReason, PipelineRunStatus } from '../../api/v1alpha1/pipeline-run.ts';
import { plural } from '../../api/plural.ts';
import { complete, planRun, type ExecutionStatus } from '../graph/scheduler.ts';
import { isCancelRequested, iso, snapshotOf, type RunFacts, type StageRecord } from './facts.ts';
import { isEndedPhase, phaseOf, type RunPhase } from './phase.ts';
import { pendingRestarts, restartProblem } from './restarts.ts';

/** Where the run stands, for status.phase and its Succeeded condition. */
export interface Lifecycle { phase: RunPhase; reason: PipelineRunReason; message: string }

/** The Succeeded condition's status for a phase. */
export const succeededStatus = (phase: RunPhase): 'True' | 'False' | 'Unknown' =>
  (phase === 'Succeeded' ? 'True' : isEndedPhase(phase) ? 'False' : 'Unknown');

/** Records the lifecycle's phase, and for a run that ended its completion time (the Succeeded condition is the caller's). */
export function recordLifecycle(status: PipelineRunStatus, lifecycle: Lifecycle, now: number): void {
  status.phase = lifecycle.phase;
  if (isEndedPhase(lifecycle.phase)) status.completionTime ??= iso(now);
}

/** What a pass begins with. */
export type PassPlan =
  /** An ended or queued run has a restart that can be carried out: it needs a concurrency slot first. */
  | { kind: 'restart' }
  /** A run whose restart waited for a slot was canceled meanwhile: the restart is dropped, the run ends canceled. */
  | { kind: 'cancel-restart'; lifecycle: Lifecycle }
  /** Carry out restart requests (or refuse them), then go on. */
  | { kind: 'go-on' };

const runName = (facts: RunFacts) => `PipelineRun "${facts.run.metadata.name}"`;

/** Decides how the pass begins: restarts of an ended run come first. */
export function planPass(facts: RunFacts): PassPlan {
  const phase = phaseOf(facts.run.status);
  const started = facts.run.status?.pipelineSpec !== undefined;
  const waitsForSlot = started && (isEndedPhase(phase) || phase === 'Queued');
  if (!waitsForSlot || !pendingRestarts(facts.run.spec, facts.status).some((r) => restartProblem(facts.status, r) === undefined)) return { kind: 'go-on' };
  if (phase === 'Queued' && isCancelRequested(facts.run.spec, facts.status)) {
    return { kind: 'cancel-restart', lifecycle: { phase: 'Canceled', reason: 'Canceled', message: `${runName(facts)} was canceled while its restart waited` } };
  }
  return { kind: 'restart' };
}

/** After restarts: whether the run has ended (nothing to do), is canceled before it started, must start, or advances. */
export type EntryPlan = { kind: 'ended' } | { kind: 'cancel'; lifecycle: Lifecycle } | { kind: 'start' } | { kind: 'advance' };

export function planEntry(facts: RunFacts, restarted: boolean): EntryPlan {
  const started = facts.run.status?.pipelineSpec !== undefined;
  if (isEndedPhase(phaseOf(facts.run.status)) && !restarted) return { kind: 'ended' };
  if (!started && isCancelRequested(facts.run.spec, facts.status)) {
    return { kind: 'cancel', lifecycle: { phase: 'Canceled', reason: 'Canceled', message: `${runName(facts)} was canceled before it started` } };
  }
  return started ? { kind: 'advance' } : { kind: 'start' };
}

/** Where the stages' statuses leave the run: still running (and on what), or ended by Spinnaker's roll-up. */
export function planLifecycle(facts: RunFacts): Lifecycle {
  const stages = snapshotOf(facts).stages;
  const records = facts.status.stages ?? [];
  const statuses = Object.fromEntries(records.map((r) => [r.refId, r.status as ExecutionStatus]));
  const final = planRun(stages, statuses, isCancelRequested(facts.run.spec, facts.status));
  const name = runName(facts);
  switch (final.status) {
    case 'SUCCEEDED': return { phase: 'Succeeded', reason: 'Succeeded', message: `${name} succeeded` };
    case 'CANCELED': return { phase: 'Canceled', reason: 'Canceled', message: `${name}: ${final.reason ?? 'canceled'}` };
    case 'TERMINAL': return failed(name, final.reason, records);
    default: return { phase: 'Running', reason: 'Running', message: runningSummary(name, records) };
  }
}

function failed(name: string, reason: string | undefined, records: readonly StageRecord[]): Lifecycle {
  const stage = records.find((r) => r.status === 'TERMINAL' || r.status === 'STOPPED');
  return { phase: 'Failed', reason: stage?.timedOut ? 'Timeout' : 'Failed', message: `${name}: ${reason}${stage?.message ? `: ${stage.message}` : ''}` };
}

function runningSummary(name: string, records: readonly StageRecord[]): string {
  const done = records.filter((r) => complete.has(r.status as ExecutionStatus)).length;
  const running = records.filter((r) => r.status === 'RUNNING').map((r) => r.refId);
  const suspended = records.filter((r) => r.status === 'SUSPENDED').map((r) => r.refId);
  return `${name}: ${done} of ${plural(records.length, 'stage')} done` + (running.length ? `; running: ${running.join(', ')}` : '')
    + (suspended.length ? `; waiting for an execution window: ${suspended.join(', ')}` : '');
}

/** The lifecycle of a run that may not start, by why. */
export const refusedStart = (reason: PipelineRunReason, message: string): Lifecycle => ({ phase: 'Failed', reason, message });
