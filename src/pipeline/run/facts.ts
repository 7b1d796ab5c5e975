// What a PipelineRun pass knows before it decides anything: the run as read, the status it has
// built so far, and the clock's now. The pure planners take this record; they read nothing else.
import type { PipelineRunSpec, PipelineRunStatus, StageRecord } from '../../api/v1alpha1/pipeline-run.ts';
import type { PipelineSpec } from '../../api/v1alpha1/pipeline.ts';
import type { ExpressionScope } from '../expressions.ts';

/** The run as the planners see it: as read when the pass began, the status the pass has built so far, and now. */
export interface RunFacts {
  run: { metadata: { name: string; namespace?: string; uid?: string }; spec?: PipelineRunSpec; status?: PipelineRunStatus };
  status: PipelineRunStatus;
  now: number;
}

export type { PipelineSpec, StageRecord };

export const iso = (ms: number): string => new Date(ms).toISOString();

/** The run's snapshot of its pipeline (status.pipelineSpec, copied when it started). */
export const snapshotOf = (facts: RunFacts): PipelineSpec => facts.status.pipelineSpec as unknown as PipelineSpec;

/**
 * Whether a cancel request holds: spec.status is Canceled and it is not the request a restart
 * superseded (status.supersededCancel names that one by its spec.cancelId).
 */
export function isCancelRequested(spec: PipelineRunSpec | undefined, status: PipelineRunStatus | undefined): boolean {
  if (spec?.status !== 'Canceled') return false;
  const superseded = status?.supersededCancel;
  return superseded === undefined || superseded.cancelId !== spec.cancelId;
}

/** Whether the run asks that the stage stop waiting for its execution window. */
export const skipsWindow = (facts: RunFacts, refId: string): boolean => facts.run.spec?.skipExecutionWindows?.includes(refId) ?? false;

/** What the run's expressions can read: parameters, trigger, every stage's status and outputs, the execution. */
export function scopeOf(facts: RunFacts): ExpressionScope {
  const { run, status } = facts;
  return {
    parameters: (status.parameters ?? {}) as Record<string, unknown>,
    trigger: { type: 'manual', ...(run.spec?.trigger ?? {}) } as Record<string, unknown>,
    stages: Object.fromEntries((status.stages ?? []).map((r) => [r.refId, stageScope(r)])),
    execution: { name: run.metadata.name, namespace: run.metadata.namespace, uid: run.metadata.uid, pipeline: run.spec?.pipelineRef.name,
      startTime: status.startTime },
    numberParameters: ((status.pipelineSpec as unknown as PipelineSpec | undefined)?.parameters ?? [])
      .filter((p) => p.type === 'number').map((p) => p.name),
  };
}

const stageScope = (r: StageRecord) => ({ status: r.status, outputs: r.outputs ?? {},
  ...(r.startTime ? { startTime: r.startTime } : {}), ...(r.endTime ? { endTime: r.endTime } : {}) });
