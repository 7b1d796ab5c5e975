// A server group as a managed instance group (zonal or regional) shows it (pure). What never
// changes (owner, cluster, sequence, template hash) is in the group's description mark (marks.ts).
// What changes (enabled, its load balancers, min and max, which a group without an autoscaler does
// not have) is in the metadata the group puts on all its instances (allInstancesConfig), the one
// place of a group that a patch changes without replacing instances: key staysail-state, a JSON record.
import type { google } from '@google-cloud/compute/build/protos/protos.js';
import type { Capacity } from '../../api/v1alpha1/common.ts';
import { parseServerGroupName } from '../../api/moniker.ts';
import type { ServerGroupDescription } from '../interfaces.ts';
import { readMark } from './marks.ts';

export type Group = google.cloud.compute.v1.IInstanceGroupManager;
export type ManagedInstance = google.cloud.compute.v1.IManagedInstance;

/** The metadata key of a group's changing bookkeeping. */
export const stateKey = 'staysail-state';

/** What changes on a server group. */
export interface GroupState { enabled: boolean; loadBalancers: string[]; min: number; max: number }

/** The state a group records, or a disabled one without load balancers when it records none (someone else's). */
export function stateOf(group: Group): GroupState {
  const raw = group.allInstancesConfig?.properties?.metadata?.[stateKey];
  const size = Number(group.targetSize ?? 0);
  try {
    const s = JSON.parse(raw ?? '') as Partial<GroupState>;
    return { enabled: s.enabled === true, loadBalancers: [...new Set(s.loadBalancers ?? [])].sort(), min: s.min ?? size, max: s.max ?? size };
  } catch {
    return { enabled: false, loadBalancers: [], min: size, max: size };
  }
}

/** The allInstancesConfig that records state (with the group's other all-instances metadata kept). */
export function withState(group: Group | undefined, state: GroupState): google.cloud.compute.v1.IInstanceGroupManagerAllInstancesConfig {
  const props = group?.allInstancesConfig?.properties ?? {};
  const value: GroupState = { ...state, loadBalancers: [...new Set(state.loadBalancers)].sort() };
  return { properties: { ...props, metadata: { ...(props.metadata ?? {}), [stateKey]: JSON.stringify(value) } } };
}

/** Instances that run (RUNNING, with no action under way on them). */
export const isRunning = (i: ManagedInstance): boolean => i.instanceStatus === 'RUNNING' && (!i.currentAction || i.currentAction === 'NONE');

/** Instances that exist and are not on their way out. */
export const isPresent = (i: ManagedInstance): boolean => !['DELETING', 'ABANDONING'].includes(i.currentAction ?? '')
  && !['STOPPING', 'STOPPED', 'TERMINATED', 'SUSPENDED'].includes(i.instanceStatus ?? '');

/** The path of a resource URL from "projects/" on, so that URLs of one resource compare equal whatever host they name. */
export const resourcePath = (url: string | null | undefined): string => {
  const u = url ?? '';
  const i = u.indexOf('projects/');
  return i < 0 ? u : u.slice(i);
};

/**
 * Healthy instances: running and, while enabled with load balancers, HEALTHY in every backend
 * service of them (health: instance path -> state, one map per backend service; undefined when a
 * load balancer has no backend service, so none can be healthy in it).
 */
export function healthyCount(group: Group, instances: readonly ManagedInstance[], health: readonly ReadonlyMap<string, string>[] | undefined): number {
  const state = stateOf(group);
  const inLoadBalancers = state.enabled && state.loadBalancers.length > 0;
  return instances.filter((i) => {
    if (!isRunning(i)) return false;
    if (!inLoadBalancers) return true;
    if (!health || !health.length) return false;
    return health.every((byInstance) => byInstance.get(resourcePath(i.instance)) === 'HEALTHY');
  }).length;
}

/** The description of a group; cluster and sequence from its name when its mark has none. */
export function describeGroup(group: Group, instances: readonly ManagedInstance[], health: readonly ReadonlyMap<string, string>[] | undefined): ServerGroupDescription {
  const name = group.name!;
  const mark = readMark(group.description);
  const parsed = parseServerGroupName(name);
  const state = stateOf(group);
  const capacity: Capacity = { min: state.min, max: state.max, desired: Number(group.targetSize ?? 0) };
  return {
    name,
    cluster: mark?.cluster ?? parsed.cluster,
    sequence: mark?.sequence ?? parsed.sequence ?? 0,
    createdAt: group.creationTimestamp ? new Date(group.creationTimestamp).toISOString() : '',
    enabled: state.enabled,
    capacity,
    instances: { total: instances.filter(isPresent).length, healthy: healthyCount(group, instances, health) },
    loadBalancers: state.loadBalancers,
    templateHash: mark?.templateHash ?? '',
    providerId: group.selfLink ?? name,
  };
}

/** Newest first: by creation time, then by sequence. */
export const newestFirst = (a: ServerGroupDescription, b: ServerGroupDescription): number =>
  b.createdAt.localeCompare(a.createdAt) || b.sequence - a.sequence;
