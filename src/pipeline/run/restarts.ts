// Restart requests (spec.restarts) as decisions: which are pending, which can be carried out, and
// what carrying them out does to the status: the stage and everything downstream run again, the
// request is recorded as handled, a cancel it follows is recorded as superseded, and a restarted
// judgment's decision is set aside. Pure; the spec is never edited for them.
import type { PipelineRunSpec, PipelineRunStatus } from '../../api/v1alpha1/pipeline-run.ts';
import { plural } from '../../api/plural.ts';
import { downstreamOf } from '../graph/dag.ts';
import { complete, type ExecutionStatus } from '../graph/scheduler.ts';
import { isCancelRequested, type PipelineSpec } from './facts.ts';
import { judgmentKey, resetRecord } from './records.ts';

export type RestartRequest = NonNullable<PipelineRunSpec['restarts']>[number];

/** Restart requests in the spec not yet carried out (or refused). */
export const pendingRestarts = (spec: PipelineRunSpec | undefined, status: PipelineRunStatus | undefined): RestartRequest[] => {
  const handled = new Set(status?.handledRestarts ?? []);
  return (spec?.restarts ?? []).filter((r) => !handled.has(r.id));
};

/** The stage and everything downstream of it in the run's snapshot. */
const restartedIds = (status: PipelineRunStatus, stage: string) =>
  new Set([stage, ...downstreamOf((status.pipelineSpec as unknown as PipelineSpec).stages, stage)]);

/** Why a restart request cannot be carried out, or undefined when it can. */
export function restartProblem(status: PipelineRunStatus, req: RestartRequest): string | undefined {
  const record = status.stages?.find((r) => r.refId === req.stage);
  if (!record || !status.pipelineSpec) return `the run has no stage "${req.stage}"`;
  if (!complete.has(record.status as ExecutionStatus) && record.status !== 'NOT_STARTED') {
    return `stage "${req.stage}" is ${record.status}; only a finished stage can restart`;
  }
  const ids = restartedIds(status, req.stage);
  const busy = (status.stages ?? []).filter((r) => ids.has(r.refId) && ['RUNNING', 'SUSPENDED'].includes(r.status)).map((r) => r.refId);
  return busy.length > 0 ? `downstream stages ${busy.join(', ')} are still running; cancel or wait for them first` : undefined;
}

/** What carrying out the pending restarts did: requests refused (and why), stages run again, by request. */
export interface RestartResult {
  refused: { id: string; problem: string }[];
  restarted: { id: string; stage: string; message: string; stages: string[] }[];
}

/**
 * Records that a restart supersedes the cancel the run carries, if any: that cancel no longer
 * counts, and only a cancel with another spec.cancelId cancels the run again.
 */
export function supersedeCancel(spec: PipelineRunSpec | undefined, status: PipelineRunStatus, restart: string): void {
  if (isCancelRequested(spec, status)) status.supersededCancel = { ...(spec?.cancelId ? { cancelId: spec.cancelId } : {}), restart };
}

/**
 * Resets a stage that runs again. A manualJudgment stage's decision stays in the spec (the
 * controller does not edit it) but is set aside: the stage asks again, for a different decision.
 */
function restartRecord(r: NonNullable<PipelineRunStatus['stages']>[number], spec: PipelineRunSpec | undefined): void {
  resetRecord(r);
  const decided = r.type === 'manualJudgment' ? spec?.judgments?.find((j) => j.stage === r.refId) : undefined;
  if (decided) r.setAsideJudgment = judgmentKey(decided);
}

/** Carries out the pending restart requests on the status (each once, in order). */
export function applyRestarts(spec: PipelineRunSpec | undefined, status: PipelineRunStatus): RestartResult {
  const result: RestartResult = { refused: [], restarted: [] };
  const pending = pendingRestarts(spec, status);
  if (pending.length === 0 || !status.pipelineSpec) return result;
  const handled = new Set(status.handledRestarts ?? []);
  for (const req of pending) {
    handled.add(req.id);
    const problem = restartProblem(status, req);
    if (problem) { result.refused.push({ id: req.id, problem }); continue; }
    const ids = restartedIds(status, req.stage);
    for (const r of status.stages ?? []) if (ids.has(r.refId)) restartRecord(r, spec);
    result.restarted.push({ id: req.id, stage: req.stage, stages: [...ids],
      message: `restart ${req.id}: stage "${req.stage}" and ${plural(ids.size - 1, 'downstream stage')} run again` });
  }
  status.handledRestarts = [...handled];
  if (result.restarted.length > 0) {
    supersedeCancel(spec, status, result.restarted[0]!.id);
    delete status.completionTime;
    delete status.outputs;
  }
  return result;
}
