// The run state machine: from the stage graph and each stage's status, what to start, what to
// cancel, and the run's status, by Spinnaker's rules. Pure.
import type { StageNode } from './dag.ts';

export type ExecutionStatus = 'NOT_STARTED' | 'RUNNING' | 'PAUSED' | 'SUSPENDED' | 'SUCCEEDED' | 'FAILED_CONTINUE' | 'TERMINAL'
  | 'CANCELED' | 'STOPPED' | 'SKIPPED';
export type FailurePolicy = 'failPipeline' | 'stopBranch' | 'stopBranchThenFail' | 'continue';

export interface ScheduledStage extends StageNode { failurePolicy?: FailurePolicy }

/** Statuses after which downstream stages may start. */
export const letsDownstreamRun: ReadonlySet<ExecutionStatus> = new Set(['SUCCEEDED', 'FAILED_CONTINUE', 'SKIPPED']);
/** Statuses that end a stage. */
export const complete: ReadonlySet<ExecutionStatus> = new Set(['SUCCEEDED', 'FAILED_CONTINUE', 'TERMINAL', 'CANCELED', 'STOPPED', 'SKIPPED']);
const active: ReadonlySet<ExecutionStatus> = new Set(['RUNNING', 'PAUSED', 'SUSPENDED']);

/** The status a failed stage ends in, by its failure policy. */
export function failureStatus(policy: FailurePolicy | undefined): ExecutionStatus {
  switch (policy) {
    case 'continue': return 'FAILED_CONTINUE';
    case 'stopBranch': case 'stopBranchThenFail': return 'STOPPED';
    default: return 'TERMINAL';
  }
}

export interface RunPlan {
  /** NOT_STARTED stages whose requisites have all finished well: start them now. */
  start: string[];
  /** Active stages to cancel because the run is over. */
  cancel: string[];
  /** RUNNING while anything may still run; otherwise the run's final status. */
  status: 'RUNNING' | 'SUCCEEDED' | 'TERMINAL' | 'CANCELED';
  /** Why the run ended badly, for its condition. */
  reason?: string;
}

/** Plans the next step of a run. A canceled run cancels what is active and starts nothing. */
export function planRun(stages: readonly ScheduledStage[], statuses: Readonly<Record<string, ExecutionStatus>>, canceled = false): RunPlan {
  const statusOf = (id: string): ExecutionStatus => statuses[id] ?? 'NOT_STARTED';
  const activeIds = stages.map((s) => s.refId).filter((id) => active.has(statusOf(id)));

  if (canceled) return { start: [], cancel: activeIds, status: activeIds.length ? 'RUNNING' : 'CANCELED', reason: 'the run was canceled' };
  const terminal = stages.find((s) => statusOf(s.refId) === 'TERMINAL');
  if (terminal) return { start: [], cancel: activeIds, status: activeIds.length ? 'RUNNING' : 'TERMINAL', reason: `stage "${terminal.refId}" failed` };
  const canceledStage = stages.find((s) => statusOf(s.refId) === 'CANCELED');
  if (canceledStage) return { start: [], cancel: activeIds, status: activeIds.length ? 'RUNNING' : 'CANCELED', reason: `stage "${canceledStage.refId}" was canceled` };

  const start = stages.filter((s) => statusOf(s.refId) === 'NOT_STARTED'
    && (s.requisiteStageRefIds ?? []).every((r) => letsDownstreamRun.has(statusOf(r)))).map((s) => s.refId);
  if (start.length > 0 || activeIds.length > 0) return { start, cancel: [], status: 'RUNNING' };

  // Nothing can run any more: stages behind a STOPPED branch stay NOT_STARTED.
  const stoppedThenFail = stages.find((s) => statusOf(s.refId) === 'STOPPED' && s.failurePolicy === 'stopBranchThenFail');
  if (stoppedThenFail) return { start: [], cancel: [], status: 'TERMINAL', reason: `stage "${stoppedThenFail.refId}" failed and stopped its branch` };
  return { start: [], cancel: [], status: 'SUCCEEDED' };
}
