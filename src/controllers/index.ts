// Every controller, registered on a manager.
import { resources } from '../api/v1alpha1/index.ts';
import type { Manager } from '../core/manager.ts';
import type { ObjectCache } from '../core/informer.ts';
import type { KubeObject } from '../core/kube-client.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import { accountReconciler } from './account/reconciler.ts';
import { resolveAccount, type Account } from './accounts.ts';
import { canaryConfigReconciler, type CanaryConfig } from './canary-config/reconciler.ts';
import { clusterReconciler, owningCluster } from './cluster/reconciler.ts';
import { loadBalancerReconciler, type LoadBalancer } from './load-balancer/reconciler.ts';
import { securityGroupReconciler, type SecurityGroup } from './security-group/reconciler.ts';
import { serverGroupReconciler, type ServerGroup } from './server-group/reconciler.ts';
import { builtInStageTypes, jobLabelSelector, jobResource, owningRun, runsDeployingTo } from '../pipeline/stages/index.ts';
import { StageRegistry } from '../pipeline/stages/stage-type.ts';
import { applicationKeyOf, applicationReconciler, type Application, type Cluster } from './application/reconciler.ts';
import { pipelineKeyOf, pipelineReconciler } from './pipeline/reconciler.ts';
import { downstreamPipelinesOf } from './pipeline/triggers.ts';
import { parentRunOf, pipelineRunReconciler, waitingRunsOf } from './pipeline-run/reconciler.ts';
import type { Pipeline, PipelineRun } from './pipeline-run/types.ts';

/** The stage types a run can use. */
export function stageRegistry(): StageRegistry {
  return new StageRegistry().register(...builtInStageTypes);
}

export function registerControllers(manager: Manager, providers: ProviderRegistry): void {
  const applications = manager.informer<Application>(resources.application);
  const clusters = manager.informer<Cluster>(resources.cluster);
  manager.addController('application', applications, applicationReconciler(clusters)).watch(clusters, applicationKeyOf);

  const accounts = manager.informer<Account>(resources.account);
  manager.addController('account', accounts, accountReconciler(providers));
  const throughProviders = { accounts, registry: providers, client: manager.client, events: manager.events };
  const serverGroups = manager.informer<ServerGroup>(resources.serverGroup);
  const sgController = manager.addController('servergroup', serverGroups, serverGroupReconciler(throughProviders));
  for (const source of providers.all().flatMap((p) => p.changeSources ?? [])) {
    sgController.watch(manager.informer<KubeObject>(source.resource, source.labelSelector), (o) => [source.serverGroupKeyOf(o)].filter((k): k is string => !!k));
  }
  const runs = manager.informer<PipelineRun>(resources.pipelineRun);
  const canaryConfigs = manager.informer<CanaryConfig>(resources.canaryConfig);
  manager.addController('cluster', clusters, clusterReconciler(serverGroups, runs, canaryConfigs, manager.client))
    .watch(serverGroups, owningCluster)
    .watch(runs, owningCluster);
  const loadBalancers = manager.informer<LoadBalancer>(resources.loadBalancer);
  const securityGroups = manager.informer<SecurityGroup>(resources.securityGroup);
  const lbController = manager.addController('loadbalancer', loadBalancers, loadBalancerReconciler(throughProviders));
  const secgController = manager.addController('securitygroup', securityGroups, securityGroupReconciler(throughProviders));
  // Objects waiting for their Account start as soon as it appears; objects held by their finalizer without it go on.
  sgController.watch(accounts, usersOf(serverGroups));
  lbController.watch(accounts, usersOf(loadBalancers));
  secgController.watch(accounts, usersOf(securityGroups));

  manager.addController('canaryconfig', canaryConfigs, canaryConfigReconciler(manager.client));

  const registry = stageRegistry();
  const pipelines = manager.informer<Pipeline>(resources.pipeline);
  // A run wakes its own Pipeline and, once finished, the Pipelines its pipeline triggers start.
  manager.addController('pipeline', pipelines, pipelineReconciler({ runs, client: manager.client, registry }))
    .watch(runs, pipelineKeyOf).watch(runs, downstreamPipelinesOf(pipelines));
  // Stages reach accounts and providers as the controllers above do, never by a client of their own.
  const resolveStageAccount = (run: PipelineRun, ref: { name: string }, field: string) => resolveAccount(accounts, providers, run, ref, field);
  // What a run's stages wait on wakes it: its Jobs, its child runs, the Clusters its deploy stages roll out.
  // A run's notifications include its Application's; their Secrets are read through the manager's client.
  manager.addController('pipelinerun', runs, pipelineRunReconciler({ pipelines, client: manager.client, registry, resolveAccount: resolveStageAccount,
    notifications: { applications } }))
    .watch(runs, (r) => [...waitingRunsOf(runs)(r), ...parentRunOf(r)])
    .watch(manager.informer<KubeObject>(jobResource, jobLabelSelector), owningRun)
    .watch(clusters, runsDeployingTo(runs));
}

/** Keys of the objects whose spec.accountRef names an Account. */
function usersOf<T extends KubeObject<{ accountRef: { name: string } }>>(cache: ObjectCache<T>) {
  return (account: KubeObject): string[] => cache.list(account.metadata.namespace)
    .filter((o) => o.spec?.accountRef.name === account.metadata.name).map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
}
