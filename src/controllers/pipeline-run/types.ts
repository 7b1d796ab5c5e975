// The objects the pipeline controllers work on.
import type { PipelineRunSpec, PipelineRunStatus, StageRecord } from '../../api/v1alpha1/pipeline-run.ts';
import type { PipelineSpec, PipelineStatus } from '../../api/v1alpha1/pipeline.ts';
import type { KubeObject } from '../../core/kube-client.ts';

export type Pipeline = KubeObject<PipelineSpec, PipelineStatus>;
export type PipelineRun = KubeObject<PipelineRunSpec, PipelineRunStatus>;
export type { PipelineRunStatus, PipelineSpec, StageRecord };

/** Whether the run has ended (its Succeeded condition is True or False). */
export const isFinished = (run: PipelineRun): boolean =>
  run.status?.conditions?.some((c) => c.type === 'Succeeded' && c.status !== 'Unknown') ?? false;

/** Whether the run has started (it holds its snapshot of the pipeline). */
export const isStarted = (run: PipelineRun): boolean => run.status?.pipelineSpec !== undefined;

/** Whether the run waits for a concurrency slot: to start, or to carry out a restart. */
export const isQueued = (run: PipelineRun): boolean =>
  run.status?.conditions?.some((c) => c.type === 'Succeeded' && c.reason === 'Queued') ?? false;

/** Whether the run takes one of its pipeline's concurrency slots: started, not finished, not waiting to restart. */
export const isActive = (run: PipelineRun): boolean => isStarted(run) && !isFinished(run) && !isQueued(run);

/** Restart requests in the spec not yet carried out. */
export const pendingRestarts = (run: PipelineRun) => {
  const handled = new Set(run.status?.handledRestarts ?? []);
  return (run.spec?.restarts ?? []).filter((r) => !handled.has(r.id));
};
