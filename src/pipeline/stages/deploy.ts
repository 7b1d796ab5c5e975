// deploy: sets a Cluster's template (and capacity) and waits for the rollout the Cluster controller
// runs, so a pipeline and a GitOps edit of the Cluster use one engine. Outputs the new server group.
import { templateHash } from '../../api/template-hash.ts';
import type { ClusterSpec, ClusterStatus } from '../../api/v1alpha1/cluster.ts';
import { resources } from '../../api/v1alpha1/index.ts';
import { isNotFound } from '../../core/errors.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import type { StageOutcome, StageType } from './stage-type.ts';

type Cluster = KubeObject<ClusterSpec, ClusterStatus>;

export const deployStage: StageType = {
  type: 'deploy',
  retryable: true,
  async execute(s): Promise<StageOutcome> {
    const c = s.config as { clusterRef: { name: string }; template: Record<string, unknown>; capacity?: ClusterSpec['capacity']; strategy?: ClusterSpec['strategy'] };
    const ns = s.run.metadata.namespace!;
    const name = c.clusterRef.name;
    let cluster: Cluster;
    try {
      cluster = await s.client.get<Cluster>(resources.cluster, ns, name);
    } catch (err) {
      if (isNotFound(err)) return { status: 'FAILED', message: `Cluster "${name}" (deploy.clusterRef) does not exist in namespace "${ns}"` };
      throw err;
    }
    const hash = templateHash(c.template);
    if (s.record.state?.templateHash !== hash) {
      // A strategy replaces the Cluster's whole (its blocks belong to one type), so it is sent with null for the blocks it leaves out.
      const strategy = c.strategy ? { redBlack: null, rollingRedBlack: null, canary: null, ...c.strategy } : undefined;
      await s.client.mergePatch(resources.cluster, ns, name, { spec: { template: c.template, ...(c.capacity ? { capacity: c.capacity } : {}),
        ...(strategy ? { strategy } : {}) } });
      return { status: 'RUNNING', message: `deploying to Cluster "${name}"`, pollAfterMs: 1000, state: { templateHash: hash } };
    }
    const rollout = cluster.status?.rollout;
    if (rollout?.templateHash !== hash) return { status: 'RUNNING', message: `waiting for Cluster "${name}" to start its rollout`, pollAfterMs: 1000 };
    const canary = cluster.status?.canary?.revision === rollout.revision ? cluster.status.canary : undefined;
    const outputs = { cluster: name, serverGroup: rollout.newServerGroup, revision: rollout.revision,
      ...(canary ? { canaryScores: canary.intervals.map((i) => i.score), lastScore: canary.lastScore } : {}) };
    switch (rollout.phase) {
      case 'Succeeded': return { status: 'SUCCEEDED', message: `${rollout.newServerGroup} is live in Cluster "${name}"`, outputs };
      case 'Failed': case 'RolledBack': return { status: 'FAILED', message: `Cluster "${name}" rollout ${rollout.revision} ${rollout.phase}: ${rollout.message ?? ''}`, outputs };
      default: return { status: 'RUNNING', message: `Cluster "${name}": ${rollout.message ?? rollout.phase}`, pollAfterMs: 2000, outputs };
    }
  },
};
