// Restarting a stage (spec.restarts): the stage and everything downstream run again, even in a
// finished run. Each request has an id and is carried out once (status.handledRestarts).
import { plural } from '../../api/plural.ts';
import { resources } from '../../api/v1alpha1/index.ts';
import { downstreamOf } from '../../pipeline/graph/dag.ts';
import { complete, type ExecutionStatus } from '../../pipeline/graph/scheduler.ts';
import { ApiError } from '../../core/errors.ts';
import type { KubeClient } from '../../core/kube-client.ts';
import type { RunContext } from './start.ts';
import { pendingRestarts, type PipelineSpec } from './types.ts';

type RestartRequest = NonNullable<NonNullable<RunContext['obj']['spec']>['restarts']>[number];

/** Why a restart request cannot be carried out, or undefined when it can. */
export function restartable(ctx: RunContext, req: RestartRequest): string | undefined {
  const record = ctx.status.stages?.find((r) => r.refId === req.stage);
  if (!record || !ctx.status.pipelineSpec) return `the run has no stage "${req.stage}"`;
  if (!complete.has(record.status as ExecutionStatus) && record.status !== 'NOT_STARTED') {
    return `stage "${req.stage}" is ${record.status}; only a finished stage can restart`;
  }
  const spec = ctx.status.pipelineSpec as unknown as PipelineSpec;
  const ids = new Set([req.stage, ...downstreamOf(spec.stages, req.stage)]);
  const busy = (ctx.status.stages ?? []).filter((r) => ids.has(r.refId) && ['RUNNING', 'SUSPENDED'].includes(r.status)).map((r) => r.refId);
  return busy.length > 0 ? `downstream stages ${busy.join(', ')} are still running; cancel or wait for them first` : undefined;
}

/** Carries out restart requests not yet handled; true when any stage was reset. */
export async function applyRestarts(ctx: RunContext, client: KubeClient): Promise<boolean> {
  const pending = pendingRestarts(ctx.obj);
  if (pending.length === 0 || !ctx.status.pipelineSpec) return false;
  const handled = new Set(ctx.status.handledRestarts ?? []);
  const spec = ctx.status.pipelineSpec as unknown as PipelineSpec;
  let reset = false;
  for (const req of pending) {
    handled.add(req.id);
    const refused = restartable(ctx, req);
    if (refused) {
      ctx.recordEvent('Warning', 'RestartRefused', `restart ${req.id}: ${refused}`);
      continue;
    }
    const ids = new Set([req.stage, ...downstreamOf(spec.stages, req.stage)]);
    for (const r of ctx.status.stages ?? []) {
      if (!ids.has(r.refId)) continue;
      r.status = 'NOT_STARTED';
      for (const f of ['startTime', 'endTime', 'message', 'outputs', 'state', 'judgment', 'suspendedUntil'] as const) delete r[f];
    }
    await clearJudgments(ctx, client, spec, ids);
    ctx.recordEvent('Normal', 'StageRestarted', `restart ${req.id}: stage "${req.stage}" and ${plural(ids.size - 1, 'downstream stage')} run again`);
    reset = true;
  }
  ctx.status.handledRestarts = [...handled];
  if (reset && ctx.obj.spec?.status === 'Canceled') await clearCancel(ctx, client);
  if (reset) {
    delete ctx.status.completionTime;
    delete ctx.status.outputs;
    ctx.setCondition({ type: 'Succeeded', status: 'Unknown', reason: 'Running', message: `PipelineRun "${ctx.obj.metadata.name}" restarted` });
  }
  return reset;
}

/** A canceled run that is restarted runs again: the cancel request it carried out is removed from the spec. */
export async function clearCancel(ctx: RunContext, client: KubeClient): Promise<void> {
  try {
    await client.jsonPatch(resources.pipelineRun, ctx.obj.metadata.namespace, ctx.obj.metadata.name,
      [{ op: 'test', path: '/spec/status', value: 'Canceled' }, { op: 'remove', path: '/spec/status' }]);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 422)) throw err; // 422: no longer Canceled, nothing to remove
  }
  delete ctx.obj.spec!.status;
}

/** A restarted manualJudgment stage asks again: its earlier decision is removed from the spec. */
async function clearJudgments(ctx: RunContext, client: KubeClient, spec: PipelineSpec, ids: Set<string>): Promise<void> {
  const judged = new Set(spec.stages.filter((s) => s.type === 'manualJudgment' && ids.has(s.refId)).map((s) => s.refId));
  const judgments = ctx.obj.spec?.judgments ?? [];
  const ops = judgments.flatMap((j, i) => (judged.has(j.stage) ? [{ i, stage: j.stage }] : [])).reverse()
    .flatMap(({ i, stage }) => [{ op: 'test', path: `/spec/judgments/${i}/stage`, value: stage }, { op: 'remove', path: `/spec/judgments/${i}` }]);
  if (ops.length === 0) return;
  try {
    await client.jsonPatch(resources.pipelineRun, ctx.obj.metadata.namespace, ctx.obj.metadata.name, ops);
  } catch (err) {
    // A failed test operation (422) means the judgments changed meanwhile: retry the pass.
    if (err instanceof ApiError && err.status === 422) throw new Error(`judgments changed while restarting: ${err.message}`, { cause: err });
    throw err;
  }
  ctx.obj.spec!.judgments = judgments.filter((j) => !judged.has(j.stage));
}
