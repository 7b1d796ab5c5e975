// Traffic of an Auto Scaling group: which target groups its load balancers have, how its instances
// stand in them (ELBv2 target health), and attaching exactly the target groups it should serve.
import {
  AttachLoadBalancerTargetGroupsCommand, DetachLoadBalancerTargetGroupsCommand, type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { isProviderError } from '../errors.ts';
import { attachedTargetGroups, instanceIdsOf, loadBalancersOf, type TargetStates, type TrafficView } from './asg-describe.ts';
import type { AwsClients } from './clients.ts';
import { aws, awsOrAbsent } from './errors.ts';
import { targetGroupArnsOf } from './lookups.ts';

/** Attach and Detach LoadBalancerTargetGroups take at most 10 target groups a call. */
const perCall = 10;

/** The target groups of these load balancers, sorted; NotFound (from targetGroupArnsOf) for one not made in the region yet. */
export async function targetGroupsOf(c: AwsClients, loadBalancers: readonly string[]): Promise<string[]> {
  const each = await Promise.all([...new Set(loadBalancers)].map((lb) => targetGroupArnsOf(c, lb)));
  return [...new Set(each.flat())].sort();
}

/** As targetGroupsOf, or undefined when one of the load balancers has no load balancer in the region. */
async function memberTargetGroups(c: AwsClients, loadBalancers: readonly string[]): Promise<string[] | undefined> {
  try {
    return await targetGroupsOf(c, loadBalancers);
  } catch (err) {
    if (isProviderError(err, 'NotFound')) return undefined;
    throw err;
  }
}

/**
 * Its instances' states in each target group: asked without naming targets, which lists those
 * registered and those still draining; a target group deleted meanwhile is left out.
 */
async function targetStates(c: AwsClients, name: string, targetGroups: readonly string[], instanceIds: readonly string[]): Promise<TargetStates> {
  const ours = new Set(instanceIds);
  const states = new Map<string, Map<string, string>>();
  if (!ours.size) return states;
  await Promise.all(targetGroups.map(async (tg) => {
    const out = await awsOrAbsent(`server group ${name}: the health of its instances in target group ${tg}`,
      () => c.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg })));
    const byInstance = new Map<string, string>();
    for (const d of out?.TargetHealthDescriptions ?? []) {
      const id = d.Target?.Id;
      if (id && ours.has(id) && d.TargetHealth?.State) byInstance.set(id, d.TargetHealth.State);
    }
    states.set(tg, byInstance);
  }));
  return states;
}

/** What describe needs of its traffic: its load balancers' target groups, and its instances' states in those and in the attached ones. */
export async function trafficOf(c: AwsClients, asg: AutoScalingGroup): Promise<TrafficView> {
  const loadBalancers = loadBalancersOf(asg);
  const members = loadBalancers.length ? await memberTargetGroups(c, loadBalancers) : [];
  const looked = [...new Set([...(members ?? []), ...attachedTargetGroups(asg)])];
  return { memberTargetGroups: members, states: await targetStates(c, asg.AutoScalingGroupName!, looked, instanceIdsOf(asg)) };
}

const chunks = <T>(items: readonly T[]): T[][] =>
  Array.from({ length: Math.ceil(items.length / perCall) }, (_, i) => items.slice(i * perCall, (i + 1) * perCall));

/**
 * Leaves exactly these target groups attached: the missing ones attached first (their instances
 * register), then the others detached (theirs deregister, and drain on AWS).
 */
export async function attachExactly(c: AwsClients, asg: AutoScalingGroup, want: readonly string[]): Promise<void> {
  const name = asg.AutoScalingGroupName!;
  const attached = attachedTargetGroups(asg);
  const attach = want.filter((tg) => !attached.includes(tg));
  const detach = attached.filter((tg) => !want.includes(tg));
  for (const part of chunks(attach)) {
    await aws(`server group ${name}: attaching target groups ${part.join(', ')}`,
      () => c.asg.send(new AttachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: name, TargetGroupARNs: part })));
  }
  for (const part of chunks(detach)) {
    await aws(`server group ${name}: detaching target groups ${part.join(', ')}`,
      () => c.asg.send(new DetachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: name, TargetGroupARNs: part })));
  }
}
