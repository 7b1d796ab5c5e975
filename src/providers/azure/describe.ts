// A server group as its scale set and the scale set's instances show it (pure). Who owns it, its
// cluster, sequence and template hash are in its tags (marks.ts), and so is what changes (enabled,
// its load balancers, min and max). An instance counts healthy when it is provisioned and running
// and, while the server group is enabled behind load balancers, the scale set's health probe (its
// first load balancer's) says it is healthy and it runs the latest model, the one that puts it in
// the pools. When one of its LoadBalancers has no load balancer of Staysail's, or the model does not
// name every one's pool, none of its instances takes that LoadBalancer's traffic, so none counts.
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

/** Whether the probe reports the instance healthy, on the model that puts it in the pools. */
export const isHealthyBehindPools = (vm: VirtualMachineScaleSetVM): boolean =>
  vm.latestModelApplied === true && vm.instanceView?.vmHealth?.status?.code?.toLowerCase() === 'healthstate/healthy';

/**
 * Healthy instances. pools: the backend pool of each of its LoadBalancers that has a load balancer of
 * Staysail's (undefined for one without), read only while it is enabled with load balancers.
 */
export function healthyCount(ss: VirtualMachineScaleSet, vms: readonly VirtualMachineScaleSetVM[], pools: readonly (string | undefined)[]): number {
  const state = stateOf(ss);
  const behind = state.enabled && state.loadBalancers.length > 0;
  if (behind) {
    const model = poolsOf(ss);
    if (pools.length < state.loadBalancers.length || pools.some((p) => !p || !model.some((m) => sameId(m, p)))) return 0;
  }
  return vms.filter((vm) => isRunning(vm) && (!behind || isHealthyBehindPools(vm))).length;
}

/** The description of a scale set; cluster and sequence from its name when its tags have none. */
export function describeScaleSet(ss: VirtualMachineScaleSet, vms: readonly VirtualMachineScaleSetVM[], pools: readonly (string | undefined)[]): ServerGroupDescription {
  const name = ss.name ?? '';
  const mark = readMark(ss.tags);
  const parsed = parseServerGroupName(name);
  const state = stateOf(ss);
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
    templateHash: mark?.templateHash ?? '',
    providerId: ss.id ?? name,
  };
}

/** Newest first: by creation time, then by sequence. */
export const newestFirst = (a: ServerGroupDescription, b: ServerGroupDescription): number =>
  b.createdAt.localeCompare(a.createdAt) || b.sequence - a.sequence;
