// A server group as an Auto Scaling group shows it (pure): its bookkeeping from tags, capacity,
// whether it takes traffic (AddToLoadBalancer not suspended), and its instances' health in the
// group and in the target groups of its load balancers.
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { parseServerGroupName } from '../../api/moniker.ts';
import type { ServerGroupDescription } from '../interfaces.ts';
import { loadBalancersOfTag } from './launch-template.ts';
import { tagKeys, tagMap, type Tags } from './tags.ts';

/** Target health as ELBv2 reports it: target group ARN -> instance ID -> state (healthy, draining, unused, ...). */
export type TargetStates = ReadonlyMap<string, ReadonlyMap<string, string>>;

export interface TrafficView {
  /**
   * The target groups of its load balancers; undefined when one of them has no load balancer in the
   * region (its instances cannot be healthy in it).
   */
  memberTargetGroups: readonly string[] | undefined;
  /** Its instances' states in every target group looked at (those of its load balancers and those attached). */
  states: TargetStates;
}

/** Instances that still exist (not on their way out). */
const gone = new Set(['Terminating', 'Terminating:Wait', 'Terminating:Proceed', 'Terminated']);

export const groupTagsOf = (asg: AutoScalingGroup): Tags => tagMap(asg.Tags);

/** The processes suspended on the group. */
export const suspendedOf = (asg: AutoScalingGroup): Set<string> =>
  new Set((asg.SuspendedProcesses ?? []).map((p) => p.ProcessName!).filter(Boolean));

/**
 * Whether it takes traffic: new and existing instances join its target groups (AddToLoadBalancer
 * runs), and it is not one made disabled that was never enabled.
 */
export const isEnabled = (asg: AutoScalingGroup): boolean =>
  !suspendedOf(asg).has('AddToLoadBalancer') && groupTagsOf(asg)[tagKeys.madeDisabled] !== 'true';

/** The load balancers its tag records. */
export const loadBalancersOf = (asg: AutoScalingGroup): string[] => loadBalancersOfTag(groupTagsOf(asg)[tagKeys.loadBalancers]);

/** The target groups attached to it. */
export const attachedTargetGroups = (asg: AutoScalingGroup): string[] => [...(asg.TargetGroupARNs ?? [])].sort();

/** The instance IDs of the group, those on their way out included (they are the ones that drain). */
export const instanceIdsOf = (asg: AutoScalingGroup): string[] => (asg.Instances ?? []).map((i) => i.InstanceId!).filter(Boolean);

/**
 * Healthy instances: in service and healthy in the group and, while it is enabled with load
 * balancers, healthy in every target group of them.
 */
export function healthyCount(asg: AutoScalingGroup, traffic: TrafficView): number {
  const inLoadBalancers = isEnabled(asg) && loadBalancersOf(asg).length > 0;
  return (asg.Instances ?? []).filter((i) => {
    if (i.LifecycleState !== 'InService' || i.HealthStatus !== 'Healthy') return false;
    if (!inLoadBalancers) return true;
    if (!traffic.memberTargetGroups) return false;
    return traffic.memberTargetGroups.every((tg) => traffic.states.get(tg)?.get(i.InstanceId!) === 'healthy');
  }).length;
}

/** Its instances deregistering from some target group. */
export function drainingCount(asg: AutoScalingGroup, states: TargetStates): number {
  return instanceIdsOf(asg).filter((id) => [...states.values()].some((byInstance) => byInstance.get(id) === 'draining')).length;
}

/** The description of a group; cluster and sequence from its name when it carries no tags of them (someone else's). */
export function describeGroup(asg: AutoScalingGroup, traffic: TrafficView): ServerGroupDescription {
  const tags = groupTagsOf(asg);
  const name = asg.AutoScalingGroupName!;
  const parsed = parseServerGroupName(name);
  const sequence = Number(tags[tagKeys.sequence] ?? parsed.sequence ?? 0);
  return {
    name,
    cluster: tags[tagKeys.cluster] ?? parsed.cluster,
    sequence: Number.isFinite(sequence) ? sequence : 0,
    createdAt: asg.CreatedTime ? new Date(asg.CreatedTime).toISOString() : '',
    enabled: isEnabled(asg),
    capacity: { min: asg.MinSize ?? 0, max: asg.MaxSize ?? 0, desired: asg.DesiredCapacity ?? 0 },
    instances: {
      total: (asg.Instances ?? []).filter((i) => !gone.has(i.LifecycleState ?? '')).length,
      healthy: healthyCount(asg, traffic),
    },
    draining: drainingCount(asg, traffic.states),
    loadBalancers: loadBalancersOf(asg),
    templateHash: tags[tagKeys.templateHash] ?? '',
    providerId: asg.AutoScalingGroupARN ?? name,
  };
}

/** Newest first: by creation time, then by sequence. */
export const newestFirst = (a: ServerGroupDescription, b: ServerGroupDescription): number =>
  b.createdAt.localeCompare(a.createdAt) || b.sequence - a.sequence;
