// The CLI's cluster commands: roll back, and promote or abort a running canary. Each writes a
// request with a new id into the Cluster's spec; the Cluster controller carries it out.
import { resources } from '../api/v1alpha1/index.ts';
import type { ClusterSpec, ClusterStatus } from '../api/v1alpha1/cluster.ts';
import type { KubeObject } from '../core/kube-client.ts';
import { call, CliError, type Connection } from './kube.ts';

type Cluster = KubeObject<ClusterSpec, ClusterStatus>;

async function getCluster(conn: Connection, name: string): Promise<Cluster> {
  return call(conn, () => conn.client.get<Cluster>(resources.cluster, conn.namespace, name),
    `Cluster "${name}" not found in namespace "${conn.namespace}" (kubectl get clusters shows the clusters there)`);
}

export async function rollbackCluster(conn: Connection, name: string, to: string | undefined, now: number): Promise<string> {
  const cluster = await getCluster(conn, name);
  if (to && !cluster.status?.serverGroups?.some((g) => g.name === to)) {
    throw new CliError(`Cluster "${name}" has no server group "${to}" (it has: ${(cluster.status?.serverGroups ?? []).map((g) => g.name).join(', ') || 'none'})`);
  }
  const id = `rollback-${now.toString(36)}`;
  await call(conn, () => conn.client.mergePatch(resources.cluster, conn.namespace, name, { spec: { rollback: { id, ...(to ? { toServerGroup: to } : {}) } } }));
  return `rolling Cluster "${name}" back${to ? ` to ${to}` : ''} (request ${id}); follow with: kubectl get cluster ${name} -w`;
}

export async function decideCanary(conn: Connection, name: string, decision: 'promote' | 'abort', now: number): Promise<string> {
  const cluster = await getCluster(conn, name);
  const phase = cluster.status?.rollout?.phase;
  if (phase !== 'Analyzing') {
    throw new CliError(`Cluster "${name}" is not running a canary analysis (its rollout is ${phase ?? 'not started'}); ${decision} applies only while it is Analyzing`);
  }
  const id = `${decision}-${now.toString(36)}`;
  await call(conn, () => conn.client.mergePatch(resources.cluster, conn.namespace, name, { spec: { canaryDecision: { id, decision } } }));
  return `${decision === 'promote' ? 'promoting' : 'aborting'} the canary of Cluster "${name}" (decision ${id}); follow with: kubectl get cluster ${name} -w`;
}
