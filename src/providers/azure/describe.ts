// A server group as its scale set and the scale set's instances show it (pure). Who owns it, its
// cluster, sequence and template hash are in its tags (marks.ts), and so is what changes (enabled,
// its load balancers, min and max). The model is changed before the tags record it, so where the two
// differ the model says what takes traffic: a model naming pools is enabled, behind the load
// balancers of those pools. An instance counts healthy when it is provisioned and running and,
// while the server group is enabled behind load balancers, it is in each one's pool (the model it
// runs names the pool) and the scale set's health probe says it is healthy; whether it runs the
// latest model does not matter (a change of anything else leaves it serving). When one of its
// LoadBalancers has no load balancer of Staysail's, none of its instances takes that one's traffic.
import type { VirtualMachineScaleSet, VirtualMachineScaleSetVM } from '@azure/arm-compute';
import type { Capacity } from '../../api/v1alpha1/common.ts';
import { parseServerGroupName } from '../../api/moniker.ts';
import type { ServerGroupDescription } from '../interfaces.ts';
import { sameId } from './ids.ts';
import { readMark } from './marks.ts';
import { poolsOf, stateKeys, type ScaleSetState } from './scale-set.ts';

/** What a server group's state tags say, or a disabled one without load balancers (someone else's). */
export function stateOf(ss: VirtualMachineScaleSet): ScaleSetState {
  const mark = readMark(ss.tags);
  const size = ss.sku?.capacity ?? 0;
  const tag = (k: string) => {
    const v = Object.entries(ss.tags ?? {}).find(([key]) => key.toLowerCase() === k)?.[1];
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  return { enabled: mark?.enabled === true, loadBalancers: [...new Set(mark?.loadBalancers ?? [])].sort(), min: tag(stateKeys.min) ?? size, max: tag(stateKeys.max) ?? size };
}

const hasStatus = (vm: VirtualMachineScaleSetVM, code: string): boolean =>
  (vm.instanceView?.statuses ?? []).some((s) => s.code?.toLowerCase() === code.toLowerCase());

/** The load balancers whose backend pools the scale set's model names (pool IDs are .../loadBalancers/<name>/backendAddressPools/<pool>). */
export const modelLoadBalancersOf = (ss: VirtualMachineScaleSet): string[] =>
  [...new Set(poolsOf(ss).map((id) => /\/loadBalancers\/([^/]+)\/backendAddressPools\//i.exec(id)?.[1]).filter((n): n is string => !!n))].sort();

/**
 * What the server group is: its tags' state, but enabled when the model names any pool, behind the
 * load balancers the model names; the tags are written last, so a change cut short (a crash between
 * the model and the tags) shows as what the model does, and is done again from there.
 */
export function observedStateOf(ss: VirtualMachineScaleSet): ScaleSetState {
  const tagged = stateOf(ss);
  const model = modelLoadBalancersOf(ss);
  return model.length ? { ...tagged, enabled: true, loadBalancers: model } : tagged;
}

/** The backend pools an instance is in: those the model it runs (its networkProfileConfiguration) names. */
export const instancePoolsOf = (vm: VirtualMachineScaleSetVM): string[] =>
  (vm.networkProfileConfiguration?.networkInterfaceConfigurations ?? []).flatMap((nic) => nic.ipConfigurations ?? [])
    .flatMap((ip) => ip.loadBalancerBackendAddressPools ?? []).map((p) => p.id ?? '').filter(Boolean);

/** Instances that exist and are not on their way out. */
export const isPresent = (vm: VirtualMachineScaleSetVM): boolean => !['Deleting', 'Deleted'].includes(vm.provisioningState ?? '');

/**
 * Whether the scale set's create failed, or a change that left nothing of it working: Azure keeps a
 * scale set whose operation failed (provisioningState Failed) and its instances that failed with it,
 * and no PUT of the scale set provisions those again. With every instance of it failed (or none),
 * nothing of it serves, so it is as good as not made: made again, nothing is lost.
 */
export const isFailedShell = (ss: VirtualMachineScaleSet, vms: readonly VirtualMachineScaleSetVM[]): boolean =>
  ss.provisioningState === 'Failed' && vms.filter(isPresent).every((vm) => vm.provisioningState === 'Failed');

/** Instances provisioned and running. */
export const isRunning = (vm: VirtualMachineScaleSetVM): boolean =>
  vm.provisioningState === 'Succeeded' && hasStatus(vm, 'PowerState/running');

/** Whether the instance is in every one of the pools and the probe reports it healthy. */
export const isHealthyBehindPools = (vm: VirtualMachineScaleSetVM, pools: readonly string[]): boolean =>
  pools.every((p) => instancePoolsOf(vm).some((m) => sameId(m, p))) && vm.instanceView?.vmHealth?.status?.code?.toLowerCase() === 'healthstate/healthy';

/**
 * Healthy instances. pools: the backend pool of each of its LoadBalancers that has a load balancer of
 * Staysail's (undefined for one without), read only while it is enabled with load balancers.
 */
export function healthyCount(ss: VirtualMachineScaleSet, vms: readonly VirtualMachineScaleSetVM[], pools: readonly (string | undefined)[]): number {
  const state = observedStateOf(ss);
  const behind = state.enabled && state.loadBalancers.length > 0;
  if (behind && (pools.length < state.loadBalancers.length || pools.some((p) => !p))) return 0;
  const found = pools.filter((p): p is string => !!p);
  return vms.filter((vm) => isRunning(vm) && (!behind || isHealthyBehindPools(vm, found))).length;
}

/**
 * Whether an instance is in other pools than the model names: a change of traffic whose upgrade of
 * the instances was cut short (the model is changed first), which enable or disable then finishes.
 */
export const unsettled = (ss: VirtualMachineScaleSet, vms: readonly VirtualMachineScaleSetVM[]): boolean =>
  vms.filter((vm) => isRunning(vm)).some((vm) => !inPoolsOnly(vm, poolsOf(ss)));

/** Whether the instance is in exactly these pools (by the model it runs). */
export const inPoolsOnly = (vm: VirtualMachineScaleSetVM, pools: readonly string[]): boolean => {
  const key = (ids: readonly string[]) => [...new Set(ids.map((id) => id.toLowerCase()))].sort().join();
  return key(instancePoolsOf(vm)) === key(pools);
};
const unsettledOf = (ss: VirtualMachineScaleSet, vms: readonly VirtualMachineScaleSetVM[]): { unsettled?: true } => (unsettled(ss, vms) ? { unsettled: true } : {});

/** The description of a scale set; cluster and sequence from its name when its tags have none. */
export function describeScaleSet(ss: VirtualMachineScaleSet, vms: readonly VirtualMachineScaleSetVM[], pools: readonly (string | undefined)[]): ServerGroupDescription {
  const name = ss.name ?? '';
  const mark = readMark(ss.tags);
  const parsed = parseServerGroupName(name);
  const state = observedStateOf(ss);
  const capacity: Capacity = { min: state.min, max: state.max, desired: ss.sku?.capacity ?? 0 };
  const created = mark?.created ?? (ss.timeCreated ? new Date(ss.timeCreated).toISOString() : '');
  return {
    name,
    cluster: mark?.cluster ?? parsed.cluster,
    sequence: mark?.sequence ?? parsed.sequence ?? 0,
    createdAt: created,
    enabled: state.enabled,
    capacity,
    instances: { total: vms.filter(isPresent).length, healthy: healthyCount(ss, vms, pools) },
    loadBalancers: state.loadBalancers,
    ...unsettledOf(ss, vms),
    templateHash: mark?.templateHash ?? '',
    providerId: ss.id ?? name,
  };
}

/** Newest first: by creation time, then by sequence. */
export const newestFirst = (a: ServerGroupDescription, b: ServerGroupDescription): number =>
  b.createdAt.localeCompare(a.createdAt) || b.sequence - a.sequence;
