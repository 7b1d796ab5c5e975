// Application controller: Ready when every Cluster of the application is Ready; counts its clusters.
// Permissions are kept in the spec for admission to enforce; nothing here acts on them.
import { plural } from '../../api/plural.ts';
import type { ApplicationSpec, ApplicationStatus } from '../../api/v1alpha1/application.ts';
import type { ClusterSpec, ClusterStatus } from '../../api/v1alpha1/cluster.ts';
import { isConditionTrue } from '../../core/conditions.ts';
import type { Reconciler } from '../../core/controller.ts';
import type { ObjectCache } from '../../core/informer.ts';
import type { KubeObject } from '../../core/kube-client.ts';

export type Application = KubeObject<ApplicationSpec, ApplicationStatus>;
export type Cluster = KubeObject<ClusterSpec, ClusterStatus>;

export interface ApplicationFacts { clusters: number; readyClusters: number; notReady: string[] }

/** What the application's clusters say, from the cache. */
export function observeClusters(clusters: ObjectCache<Cluster>, app: Application): ApplicationFacts {
  const mine = clusters.list(app.metadata.namespace).filter((c) => c.spec?.moniker.app === app.metadata.name);
  const notReady = mine.filter((c) => !isConditionTrue(c.status?.conditions, 'Ready')).map((c) => c.metadata.name).sort();
  return { clusters: mine.length, readyClusters: mine.length - notReady.length, notReady };
}

export function applicationReconciler(clusters: ObjectCache<Cluster>): Reconciler<Application, ApplicationStatus> {
  return {
    async reconcile(ctx) {
      const facts = observeClusters(clusters, ctx.obj);
      ctx.status.clusters = facts.clusters;
      ctx.status.readyClusters = facts.readyClusters;
      if (facts.notReady.length === 0) {
        ctx.setCondition({ type: 'Ready', status: 'True', reason: facts.clusters === 0 ? 'NoClusters' : 'ClustersReady',
          message: facts.clusters === 0 ? 'the application has no clusters yet' : `${plural(facts.clusters, 'cluster is', 'clusters are')} Ready` });
      } else {
        ctx.setCondition({ type: 'Ready', status: 'False', reason: 'ClustersNotReady',
          message: `${facts.notReady.length} of ${plural(facts.clusters, 'cluster')} not Ready: ${facts.notReady.join(', ')}` });
      }
    },
  };
}

/** The Application key a Cluster belongs to. */
export const applicationKeyOf = (c: Cluster): string[] =>
  c.spec?.moniker.app ? [`${c.metadata.namespace}/${c.spec.moniker.app}`] : [];
