// Pipeline controller: checks what the API server cannot (the stage graph, stage types, expressions,
// execution windows) and reports it as the Ready condition (an invalid pipeline is Stalled until its
// spec changes); summarises stages and the last run; fires its cron, pipeline, docker, jenkins and polled git
// triggers (triggers.ts, poll-triggers.ts); keeps only as many finished runs as the history limits say.
import { isDeepStrictEqual } from 'node:util';
import { plural } from '../../api/plural.ts';
import { resources } from '../../api/v1alpha1/index.ts';
import type { Reconciler } from '../../core/controller.ts';
import { isNotFound } from '../../core/errors.ts';
import type { ObjectCache } from '../../core/informer.ts';
import type { KubeClient } from '../../core/kube-client.ts';
import type { StageRegistry } from '../../pipeline/stages/stage-type.ts';
import { pipelineProblems } from '../../pipeline/validate.ts';
import { actedOnCondition, reportFieldsNotActedOn } from '../not-acted-on.ts';
import { isFinished, type Pipeline, type PipelineRun } from '../pipeline-run/types.ts';
import type { PipelineReason, PipelineStatus } from '../../api/v1alpha1/pipeline.ts';
import { actedOnTriggerTypes } from '../../triggers/index.ts';
import { reconcileTriggers } from './triggers.ts';

export interface PipelineDeps { runs: ObjectCache<PipelineRun>; client: KubeClient; registry: StageRegistry }

const resultOf = (run: PipelineRun): string => {
  const c = run.status?.conditions?.find((x) => x.type === 'Succeeded');
  if (!c || c.status === 'Unknown') return c?.reason === 'Queued' ? 'Queued' : 'Running';
  return c.status === 'True' ? 'Succeeded' : c.reason === 'Canceled' ? 'Canceled' : 'Failed';
};

export function pipelineReconciler(deps: PipelineDeps): Reconciler<Pipeline, PipelineStatus> {
  return {
    owns: { fields: ['stageCount', 'lastRun', 'triggers'], conditions: ['Ready', actedOnCondition] },
    async reconcile(ctx) {
      const p = ctx.obj;
      const problems = pipelineProblems(p.metadata.name, p.spec!, deps.registry.types);
      ctx.status.stageCount = p.spec!.stages.length;
      const invalid = problems.length > 0 ? { reason: problems[0]!.reason, message: problems.map((x) => x.message).join('; ') } : undefined;
      if (invalid) {
        ctx.setCondition({ type: 'Ready', status: 'False', ...invalid });
      } else {
        ctx.setCondition({ type: 'Ready', status: 'True', reason: 'Valid' satisfies PipelineReason, message: `${plural(p.spec!.stages.length, 'stage forms', 'stages form')} a valid graph` });
      }
      const runs = deps.runs.list(p.metadata.namespace).filter((r) => r.spec?.pipelineRef.name === p.metadata.name)
        .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || b.metadata.name.localeCompare(a.metadata.name));
      const last = runs[0];
      const lastRun = last ? { name: last.metadata.name, result: resultOf(last), ...(last.status?.startTime ? { startTime: last.status.startTime } : {}) } : undefined;
      if (!isDeepStrictEqual(ctx.status.lastRun, lastRun)) {
        if (lastRun) ctx.status.lastRun = lastRun; else delete ctx.status.lastRun;
      }
      const unacted = [...new Set((p.spec!.triggers ?? []).map((t) => t.type).filter((t) => !actedOnTriggerTypes.has(t)))];
      reportFieldsNotActedOn(ctx, 'Pipeline', [
        { field: `spec.triggers of type ${unacted.join(', ')}`, set: unacted.length > 0,
          meanwhile: `no ${unacted.join(' or ')} trigger starts a run; start runs with kubectl staysail start or by creating a PipelineRun` },
      ]);
      const recheckMs = await reconcileTriggers(deps, ctx);
      await pruneHistory(deps, p, runs);
      return { ...(invalid ? { stalled: invalid } : {}), ...(recheckMs !== undefined ? { requeueAfterMs: recheckMs } : {}) };
    },
  };
}

/** Deletes finished runs beyond the history limits, oldest first. */
async function pruneHistory(deps: PipelineDeps, p: Pipeline, newestFirst: PipelineRun[]): Promise<void> {
  const limits = { succeeded: p.spec!.history?.succeededRunsLimit ?? 20, failed: p.spec!.history?.failedRunsLimit ?? 20 };
  // A child run whose parent still runs is kept: the parent reads its result.
  const parentRunning = (r: PipelineRun) => (r.metadata.ownerReferences ?? []).some((o) => {
    if (o.kind !== 'PipelineRun') return false;
    const parent = deps.runs.get(`${r.metadata.namespace}/${o.name}`);
    return parent !== undefined && !isFinished(parent);
  });
  const finished = newestFirst.filter((r) => isFinished(r) && !r.metadata.deletionTimestamp && !parentRunning(r));
  const succeeded = finished.filter((r) => resultOf(r) === 'Succeeded');
  const failed = finished.filter((r) => resultOf(r) !== 'Succeeded');
  for (const r of [...succeeded.slice(limits.succeeded), ...failed.slice(limits.failed)]) {
    try {
      await deps.client.delete(resources.pipelineRun, r.metadata.namespace, r.metadata.name, { uid: r.metadata.uid });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** The Pipeline a run belongs to. */
export const pipelineKeyOf = (r: PipelineRun): string[] => (r.spec?.pipelineRef.name ? [`${r.metadata.namespace}/${r.spec.pipelineRef.name}`] : []);
