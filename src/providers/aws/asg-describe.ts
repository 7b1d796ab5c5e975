// A server group as an Auto Scaling group shows it (pure): its bookkeeping from tags, capacity,
// whether it takes traffic, which load balancers it is a member of (what is attached, not what its
// tag says), its instances' health in the group and in its load balancers' target groups, and those
// still registered where it should no longer be (draining).
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { parseServerGroupName } from '../../api/moniker.ts';
import type { ServerGroupDescription } from '../interfaces.ts';
import { loadBalancersOfTag } from './launch-template.ts';
import { tagKeys, tagMap, type Tags } from './tags.ts';

/** Target health as ELBv2 reports it: target group ARN -> instance ID -> state (healthy, draining, unused, ...). */
export type TargetStates = ReadonlyMap<string, ReadonlyMap<string, string>>;

export interface TrafficView {
  /** Each load balancer its tag records, with its current target groups; undefined for one with no load balancer of its own in the region. */
  byLoadBalancer: ReadonlyMap<string, readonly string[] | undefined>;
  /** Target groups of load balancers it left recently, where its instances may still be registered. */
  left: readonly string[];
  /** Target groups attached to it that no longer exist (AWS may go on listing one deleted while attached). */
  gone: ReadonlySet<string>;
  /** Its instances' states in every target group looked at. */
  states: TargetStates;
}

/** Instances that still exist (not on their way out). */
const gone = new Set(['Terminating', 'Terminating:Wait', 'Terminating:Proceed', 'Terminated']);

export const groupTagsOf = (asg: AutoScalingGroup): Tags => tagMap(asg.Tags);

/** The processes suspended on the group. */
export const suspendedOf = (asg: AutoScalingGroup): Set<string> =>
  new Set((asg.SuspendedProcesses ?? []).map((p) => p.ProcessName!).filter(Boolean));

/**
 * Whether its processes say enabled: new instances join its target groups (AddToLoadBalancer runs),
 * and it is not one made disabled that was never enabled.
 */
export const processesEnabled = (asg: AutoScalingGroup): boolean =>
  !suspendedOf(asg).has('AddToLoadBalancer') && groupTagsOf(asg)[tagKeys.madeDisabled] !== 'true';

/** The load balancers its tag records. */
export const loadBalancersOf = (asg: AutoScalingGroup): string[] => loadBalancersOfTag(groupTagsOf(asg)[tagKeys.loadBalancers]);

/** The target groups attached to it, as AWS lists them. */
export const attachedTargetGroups = (asg: AutoScalingGroup): string[] => [...(asg.TargetGroupARNs ?? [])].sort();

/** The target groups attached to it that still exist. */
export const liveAttached = (asg: AutoScalingGroup, goneGroups: ReadonlySet<string>): string[] =>
  attachedTargetGroups(asg).filter((tg) => !goneGroups.has(tg));

/**
 * Whether it takes traffic: some target group is attached, or its processes say enabled. Cut short,
 * either verb leaves it so that the controller's comparison calls one again: an enable cut after
 * resuming shows enabled and not yet a member (setLoadBalancers attaches), a disable cut after
 * detaching shows enabled (disable runs again), a group still attached while suspended shows enabled
 * and a member of none (disable, or setLoadBalancers, detaches it).
 * A group made disabled that AddToLoadBalancer has not been suspended on yet (its made-disabled tag)
 * shows disabled, so that it is never disabled, Launch suspended, while it comes up.
 */
export const isEnabled = (asg: AutoScalingGroup, goneGroups: ReadonlySet<string> = new Set()): boolean =>
  liveAttached(asg, goneGroups).length > 0 || processesEnabled(asg);

/** The target groups of its recorded load balancers; undefined when one of them has no load balancer. */
export function memberTargetGroups(asg: AutoScalingGroup, traffic: TrafficView): string[] | undefined {
  const each = loadBalancersOf(asg).map((lb) => traffic.byLoadBalancer.get(lb));
  if (each.some((tgs) => tgs === undefined)) return undefined;
  return [...new Set(each.flatMap((tgs) => tgs!))].sort();
}

/**
 * The load balancers it is a member of. Disabled, those it records (it joins them when enabled).
 * Enabled, those every current target group of which is attached while AddToLoadBalancer runs: a
 * port added to one, or an enable cut short, shows it missing, and setLoadBalancers then joins it.
 */
export function membersOf(asg: AutoScalingGroup, traffic: TrafficView): string[] {
  const recorded = loadBalancersOf(asg);
  if (!isEnabled(asg, traffic.gone)) return recorded;
  // Attached while suspended (an enable or a disable cut short): setLoadBalancers then detaches it, and enable joins it again whole.
  if (!processesEnabled(asg)) return [];
  // A target group that is not one of its load balancers' is attached: one deleted meanwhile (AWS then fails
  // every launch), or one joined by hand. Shown as a member of none, so that setLoadBalancers leaves it.
  const wanted = new Set(recorded.flatMap((lb) => traffic.byLoadBalancer.get(lb) ?? []));
  if (attachedTargetGroups(asg).some((tg) => traffic.gone.has(tg) || !wanted.has(tg))) return [];
  const attached = new Set(liveAttached(asg, traffic.gone));
  return recorded.filter((lb) => traffic.byLoadBalancer.get(lb)?.every((tg) => attached.has(tg)) ?? false);
}

/** The instance IDs of the group, those on their way out included (they are the ones that drain). */
export const instanceIdsOf = (asg: AutoScalingGroup): string[] => (asg.Instances ?? []).map((i) => i.InstanceId!).filter(Boolean);

/** Its instances in service, which may be registered in a target group. */
export const inServiceIdsOf = (asg: AutoScalingGroup): string[] =>
  (asg.Instances ?? []).filter((i) => i.LifecycleState === 'InService').map((i) => i.InstanceId!).filter(Boolean);

/**
 * Healthy instances: in service and healthy in the group and, while it is enabled with load
 * balancers, healthy in every target group of them.
 */
export function healthyCount(asg: AutoScalingGroup, traffic: TrafficView): number {
  const inLoadBalancers = isEnabled(asg, traffic.gone) && loadBalancersOf(asg).length > 0;
  const members = memberTargetGroups(asg, traffic);
  return (asg.Instances ?? []).filter((i) => {
    if (i.LifecycleState !== 'InService' || i.HealthStatus !== 'Healthy') return false;
    if (!inLoadBalancers) return true;
    if (!members) return false;
    return members.every((tg) => traffic.states.get(tg)?.get(i.InstanceId!) === 'healthy');
  }).length;
}

/**
 * Its instances draining: deregistering from some target group, or still registered (in any state
 * but unused) in one it should not be in: any, disabled; any but its load balancers', enabled (those
 * it left, or still attached to after leaving).
 */
export function drainingCount(asg: AutoScalingGroup, traffic: TrafficView): number {
  const should = new Set(isEnabled(asg, traffic.gone) ? loadBalancersOf(asg).flatMap((lb) => traffic.byLoadBalancer.get(lb) ?? []) : []);
  const outside = [...traffic.states].filter(([tg]) => !should.has(tg)).map(([, byInstance]) => byInstance);
  return instanceIdsOf(asg).filter((id) => [...traffic.states.values()].some((byInstance) => byInstance.get(id) === 'draining')
    || outside.some((byInstance) => { const s = byInstance.get(id); return s !== undefined && s !== 'unused'; })).length;
}

/** States of a target that takes, or is about to take, new connections. */
const serving = new Set(['initial', 'healthy', 'unhealthy', 'unavailable']);

/**
 * Whether its instances are registered and serving in some target group while its processes say
 * disabled and none is attached (registered by hand, or a detach AWS has not carried out yet): it
 * still takes traffic, so it shows enabled and disable deregisters them.
 */
export const registeredWhileDisabled = (asg: AutoScalingGroup, traffic: TrafficView): boolean =>
  !isEnabled(asg, traffic.gone) && instanceIdsOf(asg).some((id) => [...traffic.states.values()].some((byInstance) => serving.has(byInstance.get(id) ?? '')));

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
    enabled: isEnabled(asg, traffic.gone) || registeredWhileDisabled(asg, traffic),
    capacity: { min: asg.MinSize ?? 0, max: asg.MaxSize ?? 0, desired: asg.DesiredCapacity ?? 0 },
    instances: {
      total: (asg.Instances ?? []).filter((i) => !gone.has(i.LifecycleState ?? '')).length,
      healthy: healthyCount(asg, traffic),
    },
    draining: drainingCount(asg, traffic),
    loadBalancers: membersOf(asg, traffic),
    templateHash: tags[tagKeys.templateHash] ?? '',
    providerId: asg.AutoScalingGroupARN ?? name,
  };
}

/** Newest first: by creation time, then by sequence. */
export const newestFirst = (a: ServerGroupDescription, b: ServerGroupDescription): number =>
  b.createdAt.localeCompare(a.createdAt) || b.sequence - a.sequence;
