// Restarting a stage (spec.restarts): the stage and everything downstream run again, even in a
// finished run. Each request is carried out once (status.handledRestarts); the cancel a restart
// follows is recorded as superseded (status.supersededCancel), never removed from the spec.
import { resources } from '../../api/v1alpha1/index.ts';
import { ApiError } from '../../core/errors.ts';
import type { KubeClient } from '../../core/kube-client.ts';
import { applyRestarts as planRestarts } from '../../pipeline/run/restarts.ts';
import { applyLifecycle, type RunContext } from './start.ts';

/** Carries out restart requests not yet handled, recording each as an Event; true when any stage was reset. */
export async function applyRestarts(ctx: RunContext, client: KubeClient): Promise<boolean> {
  const result = planRestarts(ctx.obj.spec, ctx.status);
  for (const r of result.refused) ctx.recordEvent('Warning', 'RestartRefused', `restart ${r.id}: ${r.problem}`);
  if (result.restarted.length === 0) return false;
  await clearJudgments(ctx, client, new Set(result.restarted.flatMap((r) => r.stages)));
  for (const r of result.restarted) ctx.recordEvent('Normal', 'StageRestarted', r.message);
  applyLifecycle(ctx, { phase: 'Running', reason: 'Running', message: `PipelineRun "${ctx.obj.metadata.name}" restarted` });
  return true;
}

/**
 * A restarted manualJudgment stage asks again: its earlier decision is removed from the spec. (A
 * decision is one entry per stage, and a person approving again as before writes the same entry,
 * which the API server does not see as a change: so the old one cannot merely be set aside in status.)
 */
async function clearJudgments(ctx: RunContext, client: KubeClient, ids: Set<string>): Promise<void> {
  const spec = ctx.status.pipelineSpec as { stages: { refId: string; type: string }[] };
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
