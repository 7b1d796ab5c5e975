// enableServerGroup, disableServerGroup, resizeServerGroup and destroyServerGroup (Orca's stages of
// the same names). On a Cluster's server group each is a request on the Cluster, except a resize of
// its live server group, which is a change of the Cluster's spec.capacity (so the Cluster's rule that
// keeps its live server group at spec.capacity carries it, and later rollouts keep the size). On a
// ServerGroup with no Cluster each acts directly (standalone.ts).
import type { Capacity } from '../../../api/v1alpha1/common.ts';
import type { ClusterRequest, RequestAction } from '../../../api/v1alpha1/cluster.ts';
import { resources } from '../../../api/v1alpha1/index.ts';
import { capacitySetByAnnotation } from '../../../api/v1alpha1/labels.ts';
import { isConflict } from '../../../core/errors.ts';
import { liveServerGroup, resizedCapacity, resolveTarget } from '../../../strategies/requests.ts';
import type { ServerGroupSpec } from '../../../api/v1alpha1/server-group.ts';
import type { KubeObject } from '../../../core/kube-client.ts';
import type { StageOutcome, StageRun, StageType } from '../stage-type.ts';
import { cancelRequest, getCluster, isOutcome, listedGroups, requestId, runRequest, serverGroupStageTimeoutMs, stageName, watching, whileRollingOut, type Cluster } from './cluster-requests.ts';
import { runStandalone, shareOutOfTraffic } from './standalone.ts';

export interface TargetConfig {
  clusterRef?: { name: string };
  target?: 'newest' | 'previous' | 'oldest';
  serverGroup?: string;
  serverGroupRef?: { name: string };
  failIfRollingOut?: boolean;
  desiredPercentage?: number;
  allowDeleteActive?: boolean;
  capacity?: Capacity;
  scale?: NonNullable<ClusterRequest['scale']>;
}

const what = (c: TargetConfig) => (c.serverGroup !== undefined ? `server group ${c.serverGroup}` : `${c.target} server group`);

/** The request for one server group of the Cluster, or the stage's failure when the target names none. */
function oneGroupRequest(s: StageRun, cfg: TargetConfig, action: RequestAction): ClusterRequest {
  const base = { id: requestId(s), action, ...(cfg.serverGroup !== undefined ? { serverGroup: cfg.serverGroup } : { target: cfg.target! }) };
  if (action === 'resize') return { ...base, ...(cfg.capacity ? { capacity: cfg.capacity } : { scale: cfg.scale! }) };
  if (action === 'destroy' && cfg.allowDeleteActive) return { ...base, allowActive: true };
  if (action === 'disable' && cfg.desiredPercentage !== undefined) return { ...base, desiredPercentage: cfg.desiredPercentage };
  return base;
}

/** Whether the stage disables only a share of the instances. */
export const isPartial = (cfg: TargetConfig) => cfg.desiredPercentage !== undefined && cfg.desiredPercentage < 100;

/**
 * resizeServerGroup of the Cluster's live server group: the new capacity becomes the Cluster's
 * spec.capacity, then the stage waits until that group has it, healthy. The capacity is kept in the
 * state before it is sent, with the one it was worked out from, so a pass repeated after a crash
 * sends the same one again rather than scaling by its count or percentage twice. The patch carries
 * the Cluster's resourceVersion and marks the Cluster with the stage's request id: a concurrent change
 * (another resize) is a conflict, and a spec.capacity someone else changed since it was worked out is
 * worked from again, so two parallel resizes both count.
 */
async function resizeLive(s: StageRun, c: Cluster, name: string, cfg: TargetConfig): Promise<StageOutcome> {
  const kept = s.record.state?.capacity as Capacity | undefined;
  const from = s.record.state?.from as Capacity | undefined;
  const current = c.spec!.capacity;
  const same = (a: Capacity, b: Capacity) => a.min === b.min && a.max === b.max && a.desired === b.desired;
  const id = requestId(s);
  const mine = c.metadata.annotations?.[capacitySetByAnnotation] === id;
  const stale = !s.record.state?.sent && !mine && kept && from && !same(current, from);
  const capacity = kept && !stale ? kept : resizedCapacity(current, cfg);
  const outputs = { cluster: c.metadata.name, serverGroup: name, capacity };
  const state = watching(c.metadata.name, { capacity, from: kept && !stale ? from ?? current : current, live: name });
  if (!kept || stale) return { status: 'RUNNING', message: `${stageName(s)}: resizing ${name}, the live server group of Cluster "${c.metadata.name}", to ${capacity.desired}`, pollAfterMs: 100, outputs, state };
  // Marked with this stage's id already: sent by a pass that did not live to say so.
  if (!s.record.state?.sent && !mine) {
    try {
      await s.client.mergePatch(resources.cluster, c.metadata.namespace, c.metadata.name,
        { metadata: { resourceVersion: c.metadata.resourceVersion, annotations: { [capacitySetByAnnotation]: id } }, spec: { capacity } });
    } catch (err) {
      if (!isConflict(err)) throw err;
      return { status: 'RUNNING', message: `${stageName(s)}: Cluster "${c.metadata.name}" changed; looking again`, pollAfterMs: 200, outputs, state };
    }
  }
  if (!s.record.state?.sent) {
    return { status: 'RUNNING', message: `${stageName(s)}: set Cluster "${c.metadata.name}" spec.capacity to desired ${capacity.desired} for its live server group ${name}`,
      pollAfterMs: 1000, outputs, state: { ...state, sent: true } };
  }
  const g = listedGroups(c).find((x) => x.name === name);
  if (!g) return { status: 'FAILED', message: `${stageName(s)}: server group ${name} of Cluster "${c.metadata.name}" is gone`, outputs };
  if (g.desiredReplicas !== capacity.desired || g.readyReplicas !== capacity.desired) {
    return { status: 'RUNNING', message: `${stageName(s)}: waiting for ${name} to have ${capacity.desired} healthy instances (it has ${g.readyReplicas} of ${g.desiredReplicas})`,
      pollAfterMs: 5000, outputs, state: { ...state, sent: true } };
  }
  return { status: 'SUCCEEDED', message: `${name} of Cluster "${c.metadata.name}" has ${capacity.desired} healthy instances`, outputs };
}

/** What a resize of a server group other than the live one asks for, kept in the state before it is asked. */
type Resizing = { serverGroup: string; capacity: Capacity };

/**
 * Which of resizeServerGroup's paths this pass takes: the live group's spec.capacity, or a request
 * naming the server group the target resolved to now, so a group made later is not resized instead.
 * A count or percentage becomes an exact capacity (from the ServerGroup's spec.capacity) kept in the
 * state before the request is made: a request planned twice (its record lost) then resizes once.
 */
async function resizeOnCluster(s: StageRun, cfg: TargetConfig): Promise<StageOutcome | Resizing | string | undefined> {
  if (s.record.state?.requested) return undefined;
  const kept = s.record.state?.resizing as Resizing | undefined;
  if (kept) return kept;
  const c = await getCluster(s, cfg.clusterRef!.name);
  if (isOutcome(c)) return c;
  const live = s.record.state?.live as string | undefined;
  if (live) return resizeLive(s, c, live, cfg);
  const waiting = whileRollingOut(s, c, cfg.failIfRollingOut);
  if (waiting) return waiting;
  const name = resolveTarget(listedGroups(c).map((g) => g.name), cfg);
  if (!name) {
    return { status: 'FAILED', final: true, message: `${stageName(s)}: Cluster "${c.metadata.name}" has no ${what(cfg)}; it has ${listedGroups(c).map((g) => g.name).join(', ') || 'none'}` };
  }
  if (!c.spec!.useSourceCapacity && name === liveServerGroup(c.status?.rollout as never)) return resizeLive(s, c, name, cfg);
  if (cfg.capacity) return name;
  const sg = await s.client.get<KubeObject<ServerGroupSpec>>(resources.serverGroup, c.metadata.namespace, name);
  const resizing = { serverGroup: name, capacity: resizedCapacity(sg.spec!.capacity, cfg) };
  return { status: 'RUNNING', message: `${stageName(s)}: resizing ${name} of Cluster "${c.metadata.name}" to ${resizing.capacity.desired}`, pollAfterMs: 100,
    state: watching(c.metadata.name, { resizing }) };
}

function serverGroupStage(type: string, action: RequestAction): StageType {
  return {
    type,
    retryable: true,
    defaultTimeoutMs: serverGroupStageTimeoutMs,
    async execute(s): Promise<StageOutcome> {
      const cfg = s.config as TargetConfig;
      if (cfg.serverGroupRef) return runStandalone(s, cfg.serverGroupRef.name, action, cfg);
      let named = cfg;
      let keep = {};
      if (action === 'resize') {
        const path = await resizeOnCluster(s, cfg);
        if (typeof path === 'object' && 'status' in path) return path;
        if (typeof path === 'string') named = { ...cfg, serverGroup: path };
        if (typeof path === 'object') {
          const { scale: _scale, ...exact } = cfg;
          named = { ...exact, serverGroup: path.serverGroup, capacity: path.capacity };
          keep = { resizing: path };
        }
      }
      const share = action === 'disable' && isPartial(cfg) ? (c: Cluster, name: string) => shareOutOfTraffic(s, c.metadata.namespace!, name, cfg.desiredPercentage!) : undefined;
      // The target is resolved to a name when the request is made, as Orca's determineTargetServerGroup does: planned again
      // (after a crash, or once a rollout ends) it still names the same server group, never the one that has since become previous.
      const resolved = (c: Cluster): ClusterRequest | StageOutcome => {
        if (named.serverGroup !== undefined) return oneGroupRequest(s, named, action);
        const name = resolveTarget(listedGroups(c).map((g) => g.name), named);
        if (!name) {
          return { status: 'FAILED', final: true, message: `${stageName(s)}: Cluster "${c.metadata.name}" has no ${what(named)}; it has ${listedGroups(c).map((g) => g.name).join(', ') || 'none'}` };
        }
        return oneGroupRequest(s, { ...named, serverGroup: name }, action);
      };
      return runRequest(s, cfg.clusterRef!.name, cfg.failIfRollingOut, resolved,
        (r) => ({ serverGroup: r.serverGroups?.[0], ...(r.capacity ? { capacity: r.capacity } : {}), ...(share ? { desiredPercentage: cfg.desiredPercentage } : {}) }), share, keep);
    },
    // A request not yet handled goes with the stage; a standalone change or the live group's spec.capacity, once applied, stays.
    cancel: cancelRequest,
  };
}

export const enableServerGroupStage = serverGroupStage('enableServerGroup', 'enable');
export const disableServerGroupStage = serverGroupStage('disableServerGroup', 'disable');
export const resizeServerGroupStage = serverGroupStage('resizeServerGroup', 'resize');
export const destroyServerGroupStage = serverGroupStage('destroyServerGroup', 'destroy');
