// deploy: sets a Cluster's template (and capacity) and waits for the rollout the Cluster controller
// runs, so a pipeline and a GitOps edit of the Cluster use one engine. Outputs the new server group.
// The stage keeps the Cluster's name in its state: the Cluster's changes wake the run (runsDeployingTo).
import { templateHash } from '../../api/template-hash.ts';
import type { ClusterSpec, ClusterStatus } from '../../api/v1alpha1/cluster.ts';
import type { StageRecord } from '../../api/v1alpha1/pipeline-run.ts';
import { resources } from '../../api/v1alpha1/index.ts';
import { isNotFound } from '../../core/errors.ts';
import type { ObjectCache } from '../../core/informer.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import { fallbackPollMs } from './children.ts';
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
    // The stage's template replaces the Cluster's whole (a merge would keep fields the stage left out),
    // and the rollout is then known by the hash of the template as the API server stored it.
    const sent = templateHash({ template: c.template, capacity: c.capacity, strategy: c.strategy });
    if (s.record.state?.sent !== sent) {
      const ops = [{ op: 'add', path: '/spec/template', value: c.template },
        ...(c.capacity ? [{ op: 'add', path: '/spec/capacity', value: c.capacity }] : []),
        ...(c.strategy ? [{ op: 'add', path: '/spec/strategy', value: c.strategy }] : [])];
      const patched = await s.client.jsonPatch<Cluster>(resources.cluster, ns, name, ops);
      return { status: 'RUNNING', message: `deploying to Cluster "${name}"`, pollAfterMs: fallbackPollMs,
        state: { sent, templateHash: templateHash(patched.spec!.template), cluster: name } };
    }
    return rolloutOutcome(cluster, s.record.state.templateHash as string);
  },
};

/** Where the Cluster's rollout of the template the stage sent (known by its hash) stands, as the stage's outcome. */
function rolloutOutcome(cluster: Cluster, hash: string): StageOutcome {
  const name = cluster.metadata.name;
  const rollout = cluster.status?.rollout;
  if (rollout?.templateHash !== hash) return { status: 'RUNNING', message: `waiting for Cluster "${name}" to start its rollout`, pollAfterMs: fallbackPollMs };
  const canary = cluster.status?.canary?.revision === rollout.revision ? cluster.status.canary : undefined;
  const outputs = { cluster: name, serverGroup: rollout.newServerGroup, revision: rollout.revision,
    ...(canary ? { canaryScores: canary.intervals.map((i) => i.score), lastScore: canary.lastScore } : {}) };
  switch (rollout.phase) {
    case 'Succeeded': return { status: 'SUCCEEDED', message: `${rollout.newServerGroup} is live in Cluster "${name}"`, outputs };
    case 'Failed': case 'RolledBack': return { status: 'FAILED', message: `Cluster "${name}" rollout ${rollout.revision} ${rollout.phase}: ${rollout.message ?? ''}`, outputs };
    default: return { status: 'RUNNING', message: `Cluster "${name}": ${rollout.message ?? rollout.phase}`, pollAfterMs: fallbackPollMs, outputs };
  }
}

type RunWithStages = KubeObject<unknown, { stages?: StageRecord[] }>;

/** The runs whose running deploy stage (or a stage whose state says watchCluster) waits on a Cluster, as keys: the Cluster's changes wake them. */
export function runsDeployingTo<R extends RunWithStages>(runs: ObjectCache<R>): (cluster: KubeObject) => string[] {
  return (cluster) => runs.list(cluster.metadata.namespace)
    .filter((r) => r.status?.stages?.some((st) => (st.type === deployStage.type || st.state?.watchCluster === true) && st.status === 'RUNNING'
      && st.state?.cluster === cluster.metadata.name))
    .map((r) => `${r.metadata.namespace}/${r.metadata.name}`);
}
