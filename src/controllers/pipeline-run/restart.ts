// What a restart does to the spec: nothing but this. Restart requests are carried out by the pure
// planners (src/pipeline/run/restarts.ts) and recorded in status (handledRestarts, supersededCancel);
// only a restarted manualJudgment stage's decision leaves the spec, so that it asks again.
import { resources } from '../../api/v1alpha1/index.ts';
import { ApiError } from '../../core/errors.ts';
import type { KubeClient } from '../../core/kube-client.ts';
import type { RunContext } from './start.ts';

/**
 * A restarted manualJudgment stage asks again: its earlier decision is removed from the spec. (A
 * decision is one entry per stage, and a person approving again as before writes the same entry,
 * which the API server does not see as a change: so the old one cannot merely be set aside in status.)
 */
export async function clearJudgments(ctx: RunContext, client: KubeClient, ids: ReadonlySet<string>): Promise<void> {
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
