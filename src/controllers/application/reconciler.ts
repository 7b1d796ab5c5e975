// Application controller: Ready when every Cluster of the application is Ready; counts its clusters.
// What kstatus reads of it follows its clusters: Stalled while one of them is, Reconciling while one
// of them rolls out. Permissions are not acted on yet, and it says so (its notifications are sent by
// the PipelineRun controller, for every run of its pipelines).
import { plural } from '../../api/plural.ts';
import type { ApplicationReason, ApplicationSpec, ApplicationStatus } from '../../api/v1alpha1/application.ts';
import type { ClusterSpec, ClusterStatus } from '../../api/v1alpha1/cluster.ts';
import { findCondition, isConditionTrue } from '../../core/conditions.ts';
import type { Reconciler } from '../../core/controller.ts';
import type { ObjectCache } from '../../core/informer.ts';
import { actedOnCondition, reportFieldsNotActedOn } from '../not-acted-on.ts';
import type { KubeObject } from '../../core/kube-client.ts';

export type Application = KubeObject<ApplicationSpec, ApplicationStatus>;
export type Cluster = KubeObject<ClusterSpec, ClusterStatus>;

export interface ApplicationFacts { clusters: number; readyClusters: number; notReady: string[]; stalled: string[]; reconciling: string[] }

/** What the application's clusters say, from the cache. */
export function observeClusters(clusters: ObjectCache<Cluster>, app: Application): ApplicationFacts {
  const mine = clusters.list(app.metadata.namespace).filter((c) => c.spec?.moniker.app === app.metadata.name);
  const names = (f: (c: Cluster) => boolean) => mine.filter(f).map((c) => c.metadata.name).sort();
  const notReady = names((c) => !isConditionTrue(c.status?.conditions, 'Ready'));
  const stalled = names((c) => isConditionTrue(c.status?.conditions, 'Stalled'));
  // A cluster its controller has not yet acted on (just created or changed) is under way too.
  const reconciling = names((c) => !stalled.includes(c.metadata.name)
    && (isConditionTrue(c.status?.conditions, 'Reconciling') || c.status?.observedGeneration !== c.metadata.generation));
  return { clusters: mine.length, readyClusters: mine.length - notReady.length, notReady, stalled, reconciling };
}

export function applicationReconciler(clusters: ObjectCache<Cluster>): Reconciler<Application, ApplicationStatus> {
  return {
    owns: { fields: ['clusters', 'readyClusters'], conditions: ['Ready', actedOnCondition] },
    async reconcile(ctx) {
      const facts = observeClusters(clusters, ctx.obj);
      reportFieldsNotActedOn(ctx, 'Application', [
        { field: 'spec.permissions', set: ctx.obj.spec?.permissions !== undefined, meanwhile: 'who may change, run and judge is decided by Kubernetes RBAC alone' },
      ]);
      ctx.status.clusters = facts.clusters;
      ctx.status.readyClusters = facts.readyClusters;
      if (facts.notReady.length === 0) {
        ctx.setCondition({ type: 'Ready', status: 'True', reason: (facts.clusters === 0 ? 'NoClusters' : 'ClustersReady') satisfies ApplicationReason,
          message: facts.clusters === 0 ? 'the application has no clusters yet' : `${plural(facts.clusters, 'cluster is', 'clusters are')} Ready` });
      } else {
        ctx.setCondition({ type: 'Ready', status: 'False', reason: 'ClustersNotReady' satisfies ApplicationReason,
          message: `${facts.notReady.length} of ${plural(facts.clusters, 'cluster')} not Ready: ${facts.notReady.join(', ')}` });
      }
      if (facts.stalled.length) {
        const each = facts.stalled.map((name) => `${name}: ${findCondition(clusters.get(`${ctx.obj.metadata.namespace}/${name}`)?.status?.conditions, 'Stalled')?.message}`);
        return { stalled: { reason: 'ClustersStalled' satisfies ApplicationReason, message: `${plural(facts.stalled.length, 'cluster is', 'clusters are')} stalled: ${each.join('; ')}`.slice(0, 4096) } };
      }
      if (facts.reconciling.length) {
        return { reconciling: { reason: 'ClustersReconciling' satisfies ApplicationReason, message: `${plural(facts.reconciling.length, 'cluster rolls', 'clusters roll')} out: ${facts.reconciling.join(', ')}` } };
      }
      return undefined;
    },
  };
}

/** The Application key a Cluster belongs to. */
export const applicationKeyOf = (c: Cluster): string[] =>
  c.spec?.moniker.app ? [`${c.metadata.namespace}/${c.spec.moniker.app}`] : [];
