// Run events as data: what happened between two states of a run (the status a pass read and the one
// it wrote), as a small typed list. The controller turns them into Kubernetes Events; notifications
// are fed from the same list. Pure.
import type { PipelineRunSpec, PipelineRunStatus, StageRecord } from '../../api/v1alpha1/pipeline-run.ts';
import { complete, type ExecutionStatus } from '../graph/scheduler.ts';
import { isEndedPhase, phaseOf, type RunPhase } from './phase.ts';
import { judgmentFor } from './records.ts';

export type RunEventKind = RunEvent['kind'];
type RunPhaseEvent = 'RunQueued' | 'RunStarted' | 'RunSucceeded' | 'RunFailed' | 'RunCanceled';
type StageEndEvent = 'StageSucceeded' | 'StageFailed' | 'StageSkipped' | 'StageCanceled';

export type RunEvent =
  /** The run's phase changed (RunStarted also when a restart runs an ended run again). */
  | { kind: RunPhaseEvent; phase: RunPhase; message: string }
  /** A stage moved from one execution status to another; the steps a pass took in between are each one event. */
  | { kind: 'StageStarted' | 'StageSuspended' | StageEndEvent; stage: string; from: ExecutionStatus; to: ExecutionStatus; message?: string }
  /** An attempt failed and another is scheduled. */
  | { kind: 'StageRetrying'; stage: string; message: string }
  /** A manualJudgment stage waits for a person; refused when the decision given could not be taken and another is needed. */
  | { kind: 'JudgmentWaiting'; stage: string; message: string; refused: boolean };

/** A state of a run that events are computed between: its status and the decisions its spec holds. */
export interface RunState { status?: PipelineRunStatus; spec?: PipelineRunSpec }

const phaseEvents: Partial<Record<RunPhase, RunPhaseEvent>> = {
  Queued: 'RunQueued', Running: 'RunStarted', Succeeded: 'RunSucceeded', Failed: 'RunFailed', Canceled: 'RunCanceled',
};

/** The events between two states of a run: each stage's in the order of its records, and the run's (first when it starts, last when it ends). */
export function computeRunEvents(before: RunState, after: RunState): RunEvent[] {
  const to = phaseOf(after.status);
  const kind = phaseEvents[to];
  const run: RunEvent[] = kind && phaseOf(before.status) !== to
    ? [{ kind, phase: to, message: after.status?.conditions?.find((c) => c.type === 'Succeeded')?.message ?? '' }] : [];
  const earlier = new Map((before.status?.stages ?? []).map((r) => [r.refId, r]));
  const stages = (after.status?.stages ?? []).flatMap((r) => stageEvents(earlier.get(r.refId), r, after.spec));
  // A run starts (or queues) before its stages move, and ends after them.
  return isEndedPhase(to) ? [...stages, ...run] : [...run, ...stages];
}

/** A stage's events between two of its records (the spec says whether a judgment was given, a window skipped). */
export function stageEvents(b: StageRecord | undefined, a: StageRecord, spec?: PipelineRunSpec): RunEvent[] {
  const status = a.status as ExecutionStatus;
  const started = startEvent(b, a, spec);
  const events: RunEvent[] = started ? [started] : [];
  const reset = b?.startTime !== undefined && a.startTime !== b.startTime;
  const at = started ? 'RUNNING' : (reset ? 'NOT_STARTED' : b?.status ?? 'NOT_STARTED') as ExecutionStatus;
  if (at !== status && status === 'SUSPENDED') events.push({ kind: 'StageSuspended', stage: a.refId, from: at, to: status, ...messageOf(a) });
  if (at !== status && complete.has(status)) events.push({ kind: endKind(status), stage: a.refId, from: at, to: status, ...messageOf(a) });
  if (status === 'RUNNING') events.push(...waitingEvents(b, a, started !== undefined, spec));
  return events;
}

/** The stage's start, when it began an attempt between the two records (a restart first takes it back to NOT_STARTED). */
function startEvent(b: StageRecord | undefined, a: StageRecord, spec?: PipelineRunSpec): RunEvent | undefined {
  if (a.startTime === undefined || a.startTime === b?.startTime) return undefined;
  const reset = b?.startTime !== undefined;
  const from = (reset ? 'NOT_STARTED' : b?.status ?? 'NOT_STARTED') as ExecutionStatus;
  const skipped = spec?.skipExecutionWindows?.includes(a.refId) ?? false;
  const windowed = from === 'SUSPENDED' ? { message: skipped ? 'execution window skipped by request' : 'execution window open' } : {};
  return { kind: 'StageStarted', stage: a.refId, from, to: 'RUNNING', ...windowed };
}

const messageOf = (r: StageRecord) => (r.message ? { message: r.message } : {});

/** A running stage's retry and judgment events. */
function waitingEvents(b: StageRecord | undefined, a: StageRecord, started: boolean, spec?: PipelineRunSpec): RunEvent[] {
  const events: RunEvent[] = [];
  const retryAt = a.state?.retryAt;
  if (typeof retryAt === 'string' && retryAt !== b?.state?.retryAt && a.message) events.push({ kind: 'StageRetrying', stage: a.refId, message: a.message });
  if (a.type === 'manualJudgment' && a.message && (started || a.message !== b?.message)) {
    // A decision a restart set aside is not one that was refused.
    const refused = judgmentFor(spec?.judgments, a) !== undefined;
    events.push({ kind: 'JudgmentWaiting', stage: a.refId, message: a.message, refused });
  }
  return events;
}

function endKind(status: ExecutionStatus): StageEndEvent {
  if (status === 'SUCCEEDED') return 'StageSucceeded';
  if (status === 'SKIPPED') return 'StageSkipped';
  return status === 'CANCELED' ? 'StageCanceled' : 'StageFailed';
}

/** A Kubernetes Event for a run event (reasons as users know them: StageRunning, StageTerminal, StageWaiting...); none for the run's own phase, whose Succeeded condition change core records. */
export function kubeEventOf(e: RunEvent): { type: 'Normal' | 'Warning'; reason: string; message: string } | undefined {
  switch (e.kind) {
    case 'StageRetrying': return { type: 'Warning', reason: 'StageRetrying', message: `stage "${e.stage}" ${e.message}` };
    case 'JudgmentWaiting': return { type: e.refused ? 'Warning' : 'Normal', reason: 'StageWaiting', message: `stage "${e.stage}" ${e.message}` };
    case 'StageStarted': case 'StageSuspended': case 'StageSucceeded': case 'StageFailed': case 'StageSkipped': case 'StageCanceled':
      return { type: badEnds.has(e.to) ? 'Warning' : 'Normal', reason: `Stage${camel(e.to)}`,
        message: `stage "${e.stage}" ${e.from} -> ${e.to}${e.message ? `: ${e.message}` : ''}` };
    default: return undefined;
  }
}

const badEnds: ReadonlySet<string> = new Set(['TERMINAL', 'STOPPED', 'FAILED_CONTINUE', 'CANCELED']);
const camel = (status: string) => status.charAt(0) + status.slice(1).toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
