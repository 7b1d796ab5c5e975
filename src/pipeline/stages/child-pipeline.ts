// pipeline: starts another Pipeline as a child PipelineRun (named from the parent run, stage and
// attempt, owned by the parent) and waits for it; the child's outputs become the stage's.
import { resources } from '../../api/v1alpha1/index.ts';
import { isConflict, isNotFound } from '../../core/errors.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import { childName } from './names.ts';
import { ownerReference } from './run-job.ts';
import type { StageOutcome, StageType } from './stage-type.ts';

type Run = KubeObject<Record<string, unknown>, { conditions?: { type: string; status: string; reason: string; message: string }[];
  outputs?: Record<string, unknown> }>;

export const childPipelineStage: StageType = {
  type: 'pipeline',
  retryable: true,
  async execute(s): Promise<StageOutcome> {
    const ns = s.run.metadata.namespace!;
    const name = childName(s.run.metadata.name, s.stage.refId, s.record.attempts ?? 1);
    const c = s.config as { pipelineRef: { name: string }; parameters?: Record<string, unknown>; waitForCompletion?: boolean };
    let child: Run;
    try {
      child = await s.client.get<Run>(resources.pipelineRun, ns, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        await s.client.create<Run>(resources.pipelineRun, {
          metadata: { name, namespace: ns, ownerReferences: [ownerReference(s.run)],
            labels: { 'staysail.dev/parent-run': s.run.metadata.name, 'staysail.dev/stage': s.stage.refId } },
          spec: { pipelineRef: { name: c.pipelineRef.name }, ...(c.parameters ? { parameters: c.parameters } : {}),
            trigger: { type: 'pipeline', payload: { parentRun: s.run.metadata.name, parentStage: s.stage.refId,
              parentPipeline: (s.run.spec as { pipelineRef?: { name: string } } | undefined)?.pipelineRef?.name } } },
        });
      } catch (createErr) {
        if (!isConflict(createErr)) throw createErr;
      }
      if (c.waitForCompletion === false) return { status: 'SUCCEEDED', message: `started PipelineRun ${name}`, outputs: { childRun: name }, state: { child: name } };
      return { status: 'RUNNING', message: `started PipelineRun ${name}`, pollAfterMs: 30_000, state: { child: name } };
    }
    if (c.waitForCompletion === false) return { status: 'SUCCEEDED', message: `started PipelineRun ${name}`, outputs: { childRun: name }, state: { child: name } };
    const done = child.status?.conditions?.find((x) => x.type === 'Succeeded' && x.status !== 'Unknown');
    // The child's own changes wake this run (the child is owned by it), so polling is only a fallback.
    if (!done) return { status: 'RUNNING', message: `waiting for PipelineRun ${name}`, pollAfterMs: 30_000, state: { child: name } };
    const outputs = { childRun: name, ...(child.status?.outputs ?? {}) };
    if (done.status === 'True') return { status: 'SUCCEEDED', message: `PipelineRun ${name} succeeded`, outputs, state: { child: name } };
    return { status: 'FAILED', message: `PipelineRun ${name} ${done.reason === 'Cancelled' ? 'was canceled' : 'failed'}: ${done.message}`, outputs, state: { child: name } };
  },
  async cancel(s) {
    const name = typeof s.record.state?.child === 'string' ? s.record.state.child : undefined;
    if (!name) return;
    try {
      await s.client.mergePatch(resources.pipelineRun, s.run.metadata.namespace, name, { spec: { status: 'Cancelled' } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  },
};
