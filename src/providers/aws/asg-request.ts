// The Auto Scaling group a create request makes (pure): named as the server group, from version 1 of
// its launch template, across its subnets, with Staysail's bookkeeping tags kept on the group and
// the template's own tags (and Name) propagated to its instances.
import type { CreateAutoScalingGroupCommandInput, Tag } from '@aws-sdk/client-auto-scaling';
import type { CreateServerGroup } from '../interfaces.ts';
import { awsTemplateOf, bookkeepingTags, gracePeriodSeconds, instanceTags, loadBalancersOfTag, loadBalancersTagValue } from './launch-template.ts';
import { tagKeys, type Tags } from './tags.ts';

/** The processes a disabled server group has suspended: no new instance joins a target group, none is launched or terminated. */
export const disabledProcesses = ['AddToLoadBalancer', 'Launch', 'Terminate'] as const;

/** The launch template version every server group runs: its template never changes, so there is only one. */
export const launchTemplateVersion = '1';

/**
 * On a group that left load balancers: which, and when (names@ms since the epoch). Its instances may
 * still be registered in their target groups (draining) after it detached them, and describe looks
 * there until ELBv2's longest deregistration delay has passed.
 */
export const leftLoadBalancersKey = 'staysail.dev/left-load-balancers';

/** ELBv2's longest deregistration delay (an hour), and a margin. */
export const leftInViewMs = 65 * 60_000;

/** The load balancers it left less than leftInViewMs ago. */
export function recentlyLeft(tags: Tags, now: number): string[] {
  const [names, at] = (tags[leftLoadBalancersKey] ?? '').split('@');
  const when = Number(at);
  return Number.isFinite(when) && now - when < leftInViewMs ? loadBalancersOfTag(names) : [];
}

/** The left tag's value after a change from recorded to loadBalancers, or '' when it left none (still in view). */
export function leftTagValue(tags: Tags, loadBalancers: readonly string[], now: number): string {
  const keep = new Set(loadBalancers);
  const left = [...loadBalancersOfTag(tags[tagKeys.loadBalancers]), ...recentlyLeft(tags, now)].filter((lb) => !keep.has(lb));
  return left.length ? `${loadBalancersTagValue(left)}@${now}` : '';
}

/** One Auto Scaling group tag. */
export const groupTag = (name: string, key: string, value: string, propagate: boolean): Tag =>
  ({ ResourceId: name, ResourceType: 'auto-scaling-group', Key: key, Value: value, PropagateAtLaunch: propagate });

/**
 * The group's tags: the instances' tags propagated at launch, then the bookkeeping tags (which win a
 * key the template also uses) kept on the group alone.
 */
export function groupTags(req: CreateServerGroup): Tag[] {
  const own = { ...bookkeepingTags(req), [tagKeys.loadBalancers]: loadBalancersTagValue(req.loadBalancers),
    ...(req.enabled ? {} : { [tagKeys.madeDisabled]: 'true' }) };
  const propagated = Object.entries(instanceTags(awsTemplateOf(req), req.name)).filter(([key]) => !(key in own));
  return [
    ...propagated.map(([key, value]) => groupTag(req.name, key, value, true)),
    ...Object.entries(own).map(([key, value]) => groupTag(req.name, key, value, false)),
  ].sort((a, b) => a.Key!.localeCompare(b.Key!));
}

/** CreateAutoScalingGroup's input: targetGroupArns only when it is created enabled. */
export function createGroupInput(req: CreateServerGroup, where: { subnetIds: readonly string[]; targetGroupArns: readonly string[] }):
  CreateAutoScalingGroupCommandInput {
  const t = awsTemplateOf(req);
  return {
    AutoScalingGroupName: req.name,
    LaunchTemplate: { LaunchTemplateName: req.name, Version: launchTemplateVersion },
    MinSize: req.capacity.min,
    MaxSize: req.capacity.max,
    DesiredCapacity: req.capacity.desired,
    VPCZoneIdentifier: where.subnetIds.join(','),
    HealthCheckType: t.healthCheck?.type ?? 'EC2',
    HealthCheckGracePeriod: gracePeriodSeconds(t),
    ...(req.enabled && where.targetGroupArns.length ? { TargetGroupARNs: [...where.targetGroupArns] } : {}),
    Tags: groupTags(req),
  };
}
