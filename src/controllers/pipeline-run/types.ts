// The objects the pipeline controllers work on, and the questions asked of a run, all answered from
// its phase (src/pipeline/run/phase.ts reads it, with the fallback for runs written before it).
import type { PipelineRunSpec, PipelineRunStatus, StageRecord } from '../../api/v1alpha1/pipeline-run.ts';
import type { PipelineSpec, PipelineStatus } from '../../api/v1alpha1/pipeline.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import { isEndedPhase, phaseOf } from '../../pipeline/run/phase.ts';
import { pendingRestarts as pendingOf } from '../../pipeline/run/restarts.ts';

export type Pipeline = KubeObject<PipelineSpec, PipelineStatus>;
export type PipelineRun = KubeObject<PipelineRunSpec, PipelineRunStatus>;
export type { PipelineRunStatus, PipelineSpec, StageRecord };

/** Whether the run has ended: Succeeded, Failed or Canceled. */
export const isFinished = (run: PipelineRun): boolean => isEndedPhase(phaseOf(run.status));

/** Whether the run has started (it holds its snapshot of the pipeline). */
export const isStarted = (run: PipelineRun): boolean => run.status?.pipelineSpec !== undefined;

/** Whether the run waits for a concurrency slot: to start, or to carry out a restart. */
export const isQueued = (run: PipelineRun): boolean => phaseOf(run.status) === 'Queued';

/** Whether the run takes one of its pipeline's concurrency slots: started, not finished, not waiting to restart. */
export const isActive = (run: PipelineRun): boolean => isStarted(run) && !isFinished(run) && !isQueued(run);

/** Restart requests in the spec not yet carried out. */
export const pendingRestarts = (run: PipelineRun) => pendingOf(run.spec, run.status);
