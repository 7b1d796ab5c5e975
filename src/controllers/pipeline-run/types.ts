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
