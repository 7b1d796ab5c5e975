// What the cloud end-to-end suites (aws-harness.ts, gce-harness.ts) share: a namespace's Clusters
// read and rolled out as a GitOps tool applies them, waiting for a rollout's phase while sampling the
// cloud, and what to say when one never gets there.
import { waitFor } from '../../cluster/probe.ts';
import { kubectl } from '../../support/kubectl.ts';
import type { OperatorProcess } from '../../support/operator-process.ts';
import type { Condition } from '../../support/runs.ts';
import { sharedCluster } from '../../support/setup.ts';

export type { Condition };
export interface RolloutStatus { phase: string; message?: string; revision: number; step?: number; newServerGroup?: string; previousServerGroup?: string }
export interface ClusterState { activeServerGroup?: string; rollout?: RolloutStatus; conditions?: Condition[] }

export interface ClusterRollouts {
  cluster(name: string): Promise<ClusterState>;
  /**
   * Applies a Cluster and waits (timeoutMs) for its next rollout to reach phase, calling sample
   * between polls. Failure names the rollout, the operator's last lines and what the cloud saw.
   */
  rollTo(manifest: { metadata: { name: string } }, phase: string, sample?: () => Promise<void>, timeoutMs?: number): Promise<ClusterState>;
  /** Waits for the Cluster's rollout after revision to reach phase. */
  rolloutAfter(name: string, revision: number, phase: string, sample?: () => Promise<void>, timeoutMs?: number): Promise<ClusterState>;
  /** What to say when something never happened: the Cluster, the operator's last lines and what the cloud saw. */
  why(name?: string): Promise<string>;
}

/** The rollouts of ns's Clusters; operator: the suite's operator, once started; cloud: what the cloud saw, for failures. */
export function clusterRollouts(ns: string, k: (args: string[], input?: string) => Promise<string>, operator: () => OperatorProcess | undefined,
  cloud: () => string): ClusterRollouts {
  const cluster = async (name: string) => JSON.parse(await k(['get', 'cluster', name, '-o', 'jsonpath={.status}']) || '{}') as ClusterState;
  const why = async (name?: string) => [
    name ? `cluster ${name}: ${JSON.stringify(await cluster(name).catch((e: Error) => e.message))}` : '',
    `operator: ${JSON.stringify(operator()?.lines.slice(-8) ?? [])}`,
    cloud(),
  ].filter(Boolean).join('\n');
  const rolloutAfter: ClusterRollouts['rolloutAfter'] = async (name, revision, phase, sample, timeoutMs = 90_000) => {
    let st: ClusterState = {};
    await waitFor(async () => {
      await sample?.();
      st = await cluster(name);
      return (st.rollout?.revision ?? 0) > revision && st.rollout?.phase === phase;
    }, timeoutMs, () => `cluster ${name} never reached ${phase} in a rollout after revision ${revision}: ${JSON.stringify(st.rollout)}`, 200)
      .catch(async (err: Error) => { throw new Error(`${err.message}\n${await why()}`); });
    await sample?.();
    return st;
  };
  const rollTo: ClusterRollouts['rollTo'] = async (manifest, phase, sample, timeoutMs) => {
    const name = manifest.metadata.name;
    const exists = (await kubectl(sharedCluster().kubeconfigPath, ['-n', ns, 'get', 'cluster', name])).code === 0;
    const before = exists ? (await cluster(name)).rollout?.revision ?? 0 : 0;
    // As a GitOps tool applies: server-side, taking the fields it sends.
    await k(['apply', '--server-side', '--force-conflicts', '-f', '-'], JSON.stringify(manifest));
    return rolloutAfter(name, before, phase, sample, timeoutMs);
  };
  return { cluster, why, rolloutAfter, rollTo };
}
