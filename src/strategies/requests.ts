// The requests of the server-group and cluster stages (Orca's enable/disable/resize/destroyServerGroup,
// scaleDownCluster, shrinkCluster, disableCluster) as a pure planner: from the cluster's server groups
// and the requests not yet handled, the actions to carry them out and one result per request. Requests
// wait while a rollout is in progress, so a request never fights a strategy's steps; each request sees
// the server groups as the requests before it in the same pass left them.
import type { Capacity } from '../api/v1alpha1/common.ts';
import type { ClusterRequest, RequestAction } from '../api/v1alpha1/cluster.ts';
import type { ObservedServerGroup, RolloutAction, RolloutRecord } from './types.ts';

export interface RequestInput {
  now: number;
  /** The cluster's server groups, newest first (without a canary pair), enabled as their spec last asked. */
  serverGroups: ObservedServerGroup[];
  rollout?: RolloutRecord;
  /** The Cluster's spec.requests, in order. */
  requests: ClusterRequest[];
  /** Ids already handled (status.requests). */
  handled: ReadonlySet<string>;
  /** The server group spec.capacity keeps sized between rollouts: it is resized through spec.capacity, never by a request. */
  live?: string;
}

export interface RequestResult {
  id: string;
  action: RequestAction;
  result: 'Done' | 'Refused';
  message: string;
  serverGroups?: string[];
  capacity?: Capacity;
  time: string;
}

export interface RequestPlan {
  actions: RolloutAction[];
  results: RequestResult[];
}

/** Whether a rollout is under way: requests wait until it ends. */
export const isRollingOut = (r: RolloutRecord | undefined): boolean => r?.phase === 'Progressing' || r?.phase === 'Analyzing';

/** The server group spec.capacity resizes between rollouts: the rollout's new one once live, or the target of a requested rollback. */
export const liveServerGroup = (r: RolloutRecord | undefined): string | undefined =>
  r && (r.phase === 'Succeeded' || (r.phase === 'RolledBack' && r.rollbackId)) ? r.newServerGroup : undefined;

/** The server group a target names among names listed newest first: newest, previous (the one before it) or oldest. */
export function resolveTarget(names: readonly string[], target: { target?: 'newest' | 'previous' | 'oldest'; serverGroup?: string }): string | undefined {
  if (target.serverGroup !== undefined) return names.includes(target.serverGroup) ? target.serverGroup : undefined;
  switch (target.target) {
    case 'newest': return names[0];
    case 'previous': return names[1];
    case 'oldest': return names.length ? names[names.length - 1] : undefined;
    default: return undefined;
  }
}

/** Capacity after a resize: the exact one, or desired moved by a count or a percentage of it (rounded up), min and max widened to fit. */
export function resizedCapacity(current: Capacity, r: Pick<ClusterRequest, 'capacity' | 'scale'>): Capacity {
  if (r.capacity) return { ...r.capacity };
  const s = r.scale!;
  const by = s.count ?? Math.ceil((current.desired * (s.percentage ?? 0)) / 100);
  const desired = Math.max(0, s.direction === 'up' ? current.desired + by : current.desired - by);
  return { min: Math.min(current.min, desired), max: Math.max(current.max, desired), desired };
}

type Group = ObservedServerGroup;
type Outcome = { actions: RolloutAction[]; result: 'Done' | 'Refused'; message: string; serverGroups?: string[]; capacity?: Capacity };

const refused = (message: string): Outcome => ({ actions: [], result: 'Refused', message });
const done = (message: string, actions: RolloutAction[], serverGroups: string[], capacity?: Capacity): Outcome =>
  ({ actions, result: 'Done', message, serverGroups, ...(capacity ? { capacity } : {}) });

const listed = (groups: Group[]) => groups.length ? groups.map((g) => g.name).join(', ') : 'none';

/** Why a target names no server group, with the ones there are. */
function missing(groups: Group[], r: ClusterRequest): string {
  const what = r.serverGroup !== undefined ? `no server group named ${r.serverGroup}` : `no ${r.target} server group`;
  return `${what}; the cluster has ${listed(groups)}`;
}

/** Server groups left serving: enabled, and with instances wanted (an enabled group scaled to 0 serves nothing). */
const enabledLeft = (groups: Group[], without: ReadonlySet<string>) => groups.filter((g) => g.enabled && g.capacity.desired > 0 && !without.has(g.name));

/** Server groups in the order they are kept: newest first, or largest first (newest among equals). */
function keepOrder(groups: Group[], preferLarger: boolean | undefined): Group[] {
  if (!preferLarger) return groups;
  return groups.map((g, i) => ({ g, i })).sort((a, b) => b.g.capacity.desired - a.g.capacity.desired || a.i - b.i).map((x) => x.g);
}

function oneGroup(r: ClusterRequest, groups: Group[], live: string | undefined): Outcome {
  const name = resolveTarget(groups.map((g) => g.name), r);
  const g = groups.find((x) => x.name === name);
  // The stage names the server group it resolved; gone when this request is planned again (its first pass destroyed it, and its record was not kept).
  if (!g && r.action === 'destroy' && r.serverGroup !== undefined) return done(`${r.serverGroup} is gone already`, [], [r.serverGroup]);
  if (!g) return refused(missing(groups, r));
  switch (r.action) {
    case 'enable': {
      // Enabling puts all of it in traffic, a share a partial disable took out included.
      const actions: RolloutAction[] = [...(g.disabledPercentage ? [{ kind: 'traffic' as const, name: g.name, disabledPercentage: 0 }] : []),
        ...(g.enabled ? [] : [{ kind: 'enable' as const, name: g.name }])];
      return done(!actions.length ? `${g.name} is enabled already` : `enabled ${g.name}`, actions, [g.name]);
    }
    case 'disable':
      if (!g.enabled) return done(`${g.name} is disabled already`, [], [g.name]);
      if (r.desiredPercentage !== undefined && r.desiredPercentage < 100) {
        return done(`took ${r.desiredPercentage}% of ${g.name}'s instances out of traffic`, [{ kind: 'traffic', name: g.name, disabledPercentage: r.desiredPercentage }], [g.name]);
      }
      if (!enabledLeft(groups, new Set([g.name])).length) {
        return refused(`disabling ${g.name} would leave the cluster with no enabled server group; enable another one first`);
      }
      return done(`disabled ${g.name}`, [{ kind: 'disable', name: g.name }], [g.name]);
    case 'resize': {
      if (g.name === live) {
        return refused(`${g.name} is the live server group: it is resized by changing the Cluster's spec.capacity (resizeServerGroup does so), not by a request`);
      }
      const capacity = resizedCapacity(g.capacity, r);
      const same = JSON.stringify(capacity) === JSON.stringify(g.capacity);
      return done(same ? `${g.name} has desired ${capacity.desired} already` : `resized ${g.name} to ${capacity.desired}`,
        same ? [] : [{ kind: 'resize', name: g.name, capacity }], [g.name], capacity);
    }
    case 'destroy':
      if (g.name === live) {
        return refused(`${g.name} is the live server group, running the Cluster's template: roll back first (rollbackCluster), or deploy a new template, then destroy it`);
      }
      if (g.enabled && !r.allowActive && !enabledLeft(groups, new Set([g.name])).length) {
        return refused(`destroying ${g.name} would leave the cluster with no enabled server group; enable another one first, or allow deleting the active one`);
      }
      return done(`destroyed ${g.name}`, [{ kind: 'destroy', name: g.name }], [g.name]);
    default:
      return refused(`${r.action} does not name one server group`);
  }
}

/**
 * scaleDown, shrink and disableCluster, as Orca's cluster-wide tasks choose: disableCluster keeps the
 * `remaining` newest (or largest) of the enabled server groups and disables the other enabled ones;
 * scaleDown and shrink leave enabled server groups alone unless allowActive, and those they leave
 * count towards the `remaining` kept; with allowActive, enabled ones are kept first. The live server
 * group (the one running the Cluster's template) is never scaled down or destroyed: the Cluster would
 * size it back, or have nothing running its template.
 */
function disableCluster(r: ClusterRequest, groups: Group[], kept: string): Outcome {
  const off = keepOrder(groups.filter((g) => g.enabled), r.preferLarger).slice(r.remaining ?? 1);
  if (off.length && !enabledLeft(groups, new Set(off.map((g) => g.name))).length) {
    return refused(`disabling ${listed(off)} would leave the cluster with no enabled server group with instances; keep more, or enable one first`);
  }
  return done(off.length ? `disabled ${listed(off)}, ${kept} enabled` : `nothing to disable, ${kept} enabled`, off.map((g) => ({ kind: 'disable', name: g.name })), off.map((g) => g.name));
}

function wholeCluster(r: ClusterRequest, groups: Group[], live: string | undefined): Outcome {
  const remaining = r.remaining ?? 1;
  const kept = `keeping ${remaining}${r.preferLarger ? ' largest' : ' newest'}${r.action === 'disableCluster' || r.allowActive ? '' : ' (enabled ones among them)'}`;
  if (r.action === 'disableCluster') return disableCluster(r, groups, kept);
  const candidates = groups.filter((g) => r.allowActive || !g.enabled);
  const ordered = keepOrder(candidates, r.preferLarger).map((g, i) => ({ g, i })).sort((a, b) => Number(b.g.enabled) - Number(a.g.enabled) || a.i - b.i).map((x) => x.g);
  const rest = ordered.slice(Math.max(0, remaining - (groups.length - candidates.length)));
  const chosen = rest.filter((g) => g.name !== live && (r.action === 'shrink' || g.capacity.desired > 0));
  const also = rest.some((g) => g.name === live) ? `; left ${live}, the live server group` : '';
  if (chosen.length && r.allowActive && !enabledLeft(groups, new Set(chosen.map((g) => g.name))).length) {
    return refused(`${r.action === 'shrink' ? 'destroying' : 'scaling down'} ${listed(chosen)} would leave the cluster with no enabled server group with instances; keep more`);
  }
  if (r.action === 'shrink') {
    return done(chosen.length ? `destroyed ${listed(chosen)}, ${kept}${also}` : `nothing to destroy, ${kept}${also}`,
      chosen.map((g) => ({ kind: 'destroy', name: g.name })), chosen.map((g) => g.name));
  }
  return done(chosen.length ? `scaled ${listed(chosen)} to 0, ${kept}${also}` : `nothing to scale down, ${kept}${also}`,
    // 0/0/0 as Orca's scaleDownCluster sends: nothing (an autoscaler included) brings it back up until it is resized again.
    chosen.map((g) => ({ kind: 'resize', name: g.name, capacity: { min: 0, max: 0, desired: 0 } })), chosen.map((g) => g.name));
}

/** The server groups as an outcome's actions leave them, for the next request of the same pass. */
function after(groups: Group[], actions: RolloutAction[]): Group[] {
  let out = groups;
  for (const a of actions) {
    if (a.kind === 'destroy') out = out.filter((g) => g.name !== a.name);
    if (a.kind === 'enable' || a.kind === 'disable') out = out.map((g) => (g.name === a.name ? { ...g, enabled: a.kind === 'enable' } : g));
    if (a.kind === 'resize') out = out.map((g) => (g.name === a.name ? { ...g, capacity: a.capacity } : g));
    if (a.kind === 'traffic') out = out.map((g) => (g.name === a.name ? { ...g, disabledPercentage: a.disabledPercentage } : g));
  }
  return out;
}

/** The actions that carry out the requests not yet handled, and their results; nothing while a rollout is in progress. */
export function planRequests(input: RequestInput): RequestPlan {
  const plan: RequestPlan = { actions: [], results: [] };
  if (isRollingOut(input.rollout)) return plan;
  let groups = input.serverGroups;
  const seen = new Set(input.handled);
  for (const r of input.requests) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    const o = r.action === 'enable' || r.action === 'disable' || r.action === 'resize' || r.action === 'destroy' ? oneGroup(r, groups, input.live) : wholeCluster(r, groups, input.live);
    groups = after(groups, o.actions);
    plan.actions.push(...o.actions);
    plan.results.push({ id: r.id, action: r.action, result: o.result, message: o.message, ...(o.serverGroups ? { serverGroups: o.serverGroups } : {}),
      ...(o.capacity ? { capacity: o.capacity } : {}), time: new Date(input.now).toISOString() });
  }
  return plan;
}

/** status.requests after a pass: the new results replace same-id ones; the records of requests still in spec always stay, then the newest others, up to max. */
export function keepRecords<T extends { id: string; time: string }>(records: readonly T[], results: readonly T[], standing: ReadonlySet<string>, max: number): T[] {
  const fresh = new Set(results.map((x) => x.id));
  const all = [...records.filter((x) => !fresh.has(x.id)), ...results];
  const keep = new Set(all.filter((x) => standing.has(x.id)).map((x) => x.id));
  for (const x of [...all].reverse()) {
    if (keep.size >= max) break;
    keep.add(x.id);
  }
  return all.filter((x) => keep.has(x.id));
}
