// rollbackCluster (Orca's rollbackCluster with rollbackServerGroup): the Cluster's spec.rollback,
// whose steps enable the target at the Cluster's current capacity, wait for it to be healthy, and
// disable the others. The target is toServerGroup, else the newest server group older than the
// active one that runs another image (Spinnaker's PREVIOUS_IMAGE), else the one before the active.
import { resources } from '../../../api/v1alpha1/index.ts';
import { isConflict } from '../../../core/errors.ts';
import type { StageOutcome, StageRun, StageType } from '../stage-type.ts';
import { getCluster, isOutcome, listedGroups, requestId, serverGroupStageTimeoutMs, stageName, watching, whileRollingOut, type Cluster } from './cluster-requests.ts';

type Config = { clusterRef: { name: string }; toServerGroup?: string; failIfRollingOut?: boolean };

/** The server group to roll back to, or why there is none. */
export function rollbackTarget(c: Cluster): { name: string } | { none: string } {
  const groups = listedGroups(c);
  const active = groups.findIndex((g) => g.name === c.status?.activeServerGroup);
  const older = groups.slice(active + 1);
  if (!older.length) return { none: `Cluster "${c.metadata.name}" has no server group older than ${active >= 0 ? groups[active]!.name : 'its newest'} to roll back to` };
  const image = active >= 0 ? groups[active]!.images : undefined;
  return { name: (older.find((g) => g.images !== image) ?? older[0]!).name };
}

function followRollback(s: StageRun, c: Cluster, id: string, target: string): StageOutcome {
  const r = c.status?.rollout;
  const name = c.metadata.name;
  const outputs = { cluster: name, serverGroup: target, request: id };
  if (r?.rollbackId !== id) {
    return { status: 'RUNNING', message: `${stageName(s)}: waiting for Cluster "${name}" to start rolling back to ${target}`, pollAfterMs: 5000, outputs,
      state: watching(name, { requested: id, target }) };
  }
  if (r.phase === 'RolledBack') return { status: 'SUCCEEDED', message: `Cluster "${name}" rolled back to ${r.newServerGroup}`, outputs: { ...outputs, serverGroup: r.newServerGroup, previousServerGroup: r.previousServerGroup } };
  if (r.phase === 'Failed') return { status: 'FAILED', final: true, message: `${stageName(s)}: Cluster "${name}" could not roll back to ${target}: ${r.message ?? 'Failed'}`, outputs };
  return { status: 'RUNNING', message: `${stageName(s)}: Cluster "${name}": ${r.message ?? r.phase}`, pollAfterMs: 5000, outputs, state: watching(name, { requested: id, target }) };
}

/** The target kept or named (it must be listed), else the one rollbackTarget picks; the stage's failure when there is none. */
function chosenTarget(s: StageRun, c: Cluster, named: string | undefined): { name: string } | StageOutcome {
  const target = named ? { name: named } : rollbackTarget(c);
  if ('none' in target) return { status: 'FAILED', final: true, message: `${stageName(s)}: ${target.none}` };
  if (!listedGroups(c).some((g) => g.name === target.name)) {
    return { status: 'FAILED', final: true, message: `${stageName(s)}: Cluster "${c.metadata.name}" has no server group ${target.name} (toServerGroup); it has ${listedGroups(c).map((g) => g.name).join(', ') || 'none'}` };
  }
  return target;
}

export const rollbackClusterStage: StageType = {
  type: 'rollbackCluster',
  retryable: true,
  defaultTimeoutMs: serverGroupStageTimeoutMs,
  async execute(s): Promise<StageOutcome> {
    const cfg = s.config as Config;
    const c = await getCluster(s, cfg.clusterRef.name);
    if (isOutcome(c)) return c;
    const id = s.record.state?.requested as string | undefined;
    if (id) return followRollback(s, c, id, s.record.state!.target as string);
    const request = requestId(s);
    // Written already (a pass repeated after a crash): follow it, even with failIfRollingOut, for the rollout is its own.
    if (c.spec?.rollback?.id === request) return followRollback(s, c, request, (s.record.state?.target as string | undefined) ?? c.spec.rollback.toServerGroup!);
    const waiting = whileRollingOut(s, c, cfg.failIfRollingOut);
    if (waiting) return waiting;
    const kept = s.record.state?.target as string | undefined;
    const target = chosenTarget(s, c, kept ?? cfg.toServerGroup);
    if (isOutcome(target)) return target;
    // The target is kept before spec.rollback is written, so a repeated pass reports the one it asked for, not one chosen again.
    if (!kept) {
      return { status: 'RUNNING', message: `${stageName(s)}: rolling Cluster "${c.metadata.name}" back to ${target.name}`, pollAfterMs: 100, state: watching(c.metadata.name, { target: target.name }) };
    }
    await s.client.mergePatch(resources.cluster, c.metadata.namespace, c.metadata.name, { spec: { rollback: { id: request, toServerGroup: target.name } } });
    return { status: 'RUNNING', message: `${stageName(s)}: asked Cluster "${c.metadata.name}" to roll back to ${target.name} (request ${request})`, pollAfterMs: 1000,
      state: watching(c.metadata.name, { requested: request, target: target.name }) };
  },
  // A rollback the Cluster has not started goes with the stage (timed out, or its run canceled); one under way or done stays.
  async cancel(s) {
    const id = s.record.state?.requested as string | undefined;
    const name = s.record.state?.cluster as string | undefined;
    if (!id || !name) return;
    for (let i = 0; i < 5; i++) {
      const c = await getCluster(s, name);
      if (isOutcome(c) || c.spec?.rollback?.id !== id || c.status?.rollout?.rollbackId === id) return;
      try {
        await s.client.mergePatch(resources.cluster, c.metadata.namespace, name, { metadata: { resourceVersion: c.metadata.resourceVersion }, spec: { rollback: null } });
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
  },
};
