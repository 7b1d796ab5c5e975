// Every controller, registered on a manager.
import { resources } from '../api/v1alpha1/index.ts';
import type { Manager } from '../core/manager.ts';
import { builtInStageTypes } from '../pipeline/stages/index.ts';
import { StageRegistry } from '../pipeline/stages/stage-type.ts';
import { applicationKeyOf, applicationReconciler, type Application, type Cluster } from './application/reconciler.ts';
import { pipelineKeyOf, pipelineReconciler } from './pipeline/reconciler.ts';
import { parentRunOf, pipelineRunReconciler, waitingRunsOf } from './pipeline-run/reconciler.ts';
import type { Pipeline, PipelineRun } from './pipeline-run/types.ts';

/** The stage types a run can use. */
export function stageRegistry(): StageRegistry {
  return new StageRegistry().register(...builtInStageTypes);
}

export function registerControllers(manager: Manager): void {
  const applications = manager.informer<Application>(resources.application);
  const clusters = manager.informer<Cluster>(resources.cluster);
  manager.addController('application', applications, applicationReconciler(clusters)).watch(clusters, applicationKeyOf);

  const registry = stageRegistry();
  const pipelines = manager.informer<Pipeline>(resources.pipeline);
  const runs = manager.informer<PipelineRun>(resources.pipelineRun);
  manager.addController('pipeline', pipelines, pipelineReconciler({ runs, client: manager.client, registry })).watch(runs, pipelineKeyOf);
  manager.addController('pipelinerun', runs, pipelineRunReconciler({ pipelines, client: manager.client, registry }))
    .watch(runs, (r) => [...waitingRunsOf(runs)(r), ...parentRunOf(r)]);
}
