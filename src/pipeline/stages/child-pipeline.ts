// pipeline: starts another Pipeline as a child PipelineRun (named from the parent run, stage and
// attempt, owned by the parent) and waits for it; the child's outputs become the stage's.
import { resources } from '../../api/v1alpha1/index.ts';
import { parentRunLabel } from '../../api/v1alpha1/labels.ts';
import { isNotFound } from '../../core/errors.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import { createRun } from '../create-run.ts';
import { ensureChild, fallbackPollMs } from './children.ts';
import { isEndedPhase, phaseOf, type RunPhase } from '../run/phase.ts';
import type { StageOutcome, StageType } from './stage-type.ts';

type Run = KubeObject<Record<string, unknown>, { phase?: RunPhase; conditions?: { type: string; status: string; reason: string; message: string }[];
  outputs?: Record<string, unknown> }>;

export const childPipelineStage: StageType = {
  type: 'pipeline',
  retryable: true,
  async execute(s): Promise<StageOutcome> {
    const c = s.config as { pipelineRef: { name: string }; parameters?: Record<string, unknown>; waitForCompletion?: boolean };
    const parentPipeline = (s.run.spec as { pipelineRef?: { name: string } } | undefined)?.pipelineRef?.name;
    const trigger = { type: 'pipeline' as const, payload: { parentRun: s.run.metadata.name, parentStage: s.stage.refId, parentPipeline } };
    const { name, child, created } = await ensureChild<Run>(s, { resource: resources.pipelineRun, labels: { [parentRunLabel]: s.run.metadata.name },
      stateKey: 'child', create: ({ name, namespace, labels, owner }) =>
        createRun(s.client, { namespace, pipeline: c.pipelineRef.name, name, parameters: c.parameters, trigger, labels, owner }) });
    if (c.waitForCompletion === false) return { status: 'SUCCEEDED', message: `started PipelineRun ${name}`, outputs: { childRun: name }, state: { child: name } };
    // The child's own changes wake this run (it is owned by it), so polling is only a fallback.
    if (created || !child) return { status: 'RUNNING', message: `started PipelineRun ${name}`, pollAfterMs: fallbackPollMs, state: { child: name } };
    const phase = phaseOf(child.status);
    if (!isEndedPhase(phase)) return { status: 'RUNNING', message: `waiting for PipelineRun ${name}`, pollAfterMs: fallbackPollMs, state: { child: name } };
    const outputs = { childRun: name, ...(child.status?.outputs ?? {}) };
    if (phase === 'Succeeded') return { status: 'SUCCEEDED', message: `PipelineRun ${name} succeeded`, outputs, state: { child: name } };
    const why = child.status?.conditions?.find((x) => x.type === 'Succeeded')?.message ?? phase;
    return { status: 'FAILED', message: `PipelineRun ${name} ${phase === 'Canceled' ? 'was canceled' : 'failed'}: ${why}`, outputs, state: { child: name } };
  },
  async cancel(s) {
    const name = typeof s.record.state?.child === 'string' ? s.record.state.child : undefined;
    if (!name) return;
    try {
      await s.client.mergePatch(resources.pipelineRun, s.run.metadata.namespace, name, { spec: { status: 'Canceled' } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  },
};
