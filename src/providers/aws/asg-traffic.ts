// Traffic of an Auto Scaling group: which target groups its load balancers have (looked up once per
// call), how its instances stand in them (ELBv2 target health), and attaching exactly the target
// groups it should serve, registering its instances where it joins and deregistering them where it
// leaves, so that drain starts at once.
import {
  AttachLoadBalancerTargetGroupsCommand, DetachLoadBalancerTargetGroupsCommand, type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { DeregisterTargetsCommand, DescribeTargetHealthCommand, RegisterTargetsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { isProviderError } from '../errors.ts';
import {
  attachedTargetGroups, groupTagsOf, inServiceIdsOf, instanceIdsOf, loadBalancersOf, type TrafficView,
} from './asg-describe.ts';
import { recentlyLeft } from './asg-request.ts';
import type { AwsClients } from './clients.ts';
import { aws, awsOrAbsent } from './errors.ts';
import { targetGroupArnsOf } from './lookups.ts';

/** Attach and Detach LoadBalancerTargetGroups take at most 10 target groups a call. */
const perCall = 10;

/** A LoadBalancer's target groups by its name, each looked up at most once (NotFound included): made anew for every verb or describe. */
export type TargetGroupLookup = (loadBalancer: string) => Promise<string[]>;

export function targetGroupLookup(c: AwsClients): TargetGroupLookup {
  const seen = new Map<string, Promise<string[]>>();
  return (lb) => {
    let found = seen.get(lb);
    if (!found) { found = targetGroupArnsOf(c, lb); seen.set(lb, found); }
    return found;
  };
}

/** The target groups of these load balancers, sorted; NotFound (from targetGroupArnsOf) for one not made in the region yet. */
export async function targetGroupsOf(lookup: TargetGroupLookup, loadBalancers: readonly string[]): Promise<string[]> {
  const each = await Promise.all([...new Set(loadBalancers)].map(lookup));
  return [...new Set(each.flat())].sort();
}

/** The target groups of those of these load balancers that exist, sorted, and the names of those that do not. */
export async function existingTargetGroupsOf(lookup: TargetGroupLookup, loadBalancers: readonly string[]): Promise<{ found: string[]; missing: string[] }> {
  const names = [...new Set(loadBalancers)];
  const each = await Promise.all(names.map((lb) => orAbsent(lookup, lb)));
  return { found: [...new Set(each.flatMap((tgs) => tgs ?? []))].sort(), missing: names.filter((_, i) => each[i] === undefined) };
}

/** As the lookup, or undefined when the load balancer has no load balancer of its own in the region. */
async function orAbsent(lookup: TargetGroupLookup, lb: string): Promise<string[] | undefined> {
  try {
    return await lookup(lb);
  } catch (err) {
    if (isProviderError(err, 'NotFound')) return undefined;
    throw err;
  }
}

/**
 * Its instances' states in each target group, or undefined for one that no longer exists: asked
 * without naming targets, which lists those registered and those still draining.
 */
async function targetStates(c: AwsClients, name: string, targetGroups: readonly string[], instanceIds: readonly string[]):
  Promise<Map<string, ReadonlyMap<string, string> | undefined>> {
  const ours = new Set(instanceIds);
  const states = new Map<string, ReadonlyMap<string, string> | undefined>();
  await Promise.all(targetGroups.map(async (tg) => {
    const out = await awsOrAbsent(`server group ${name}: the health of its instances in target group ${tg}`,
      () => c.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg })));
    if (!out) { states.set(tg, undefined); return; }
    const byInstance = new Map<string, string>();
    for (const d of out.TargetHealthDescriptions ?? []) {
      const id = d.Target?.Id;
      if (id && ours.has(id) && d.TargetHealth?.State) byInstance.set(id, d.TargetHealth.State);
    }
    states.set(tg, byInstance);
  }));
  return states;
}

/**
 * What describe needs of its traffic: the target groups of the load balancers it records and of
 * those it left lately, and its instances' states in those and in the attached ones. Without
 * instances, only attached target groups no load balancer accounts for are asked after (do they still exist?).
 */
export async function trafficOf(c: AwsClients, asg: AutoScalingGroup, lookup: TargetGroupLookup, now: number): Promise<TrafficView> {
  const recorded = loadBalancersOf(asg);
  const leftLbs = recentlyLeft(groupTagsOf(asg), now).filter((lb) => !recorded.includes(lb));
  const [mine, theirs] = await Promise.all([
    Promise.all(recorded.map(async (lb) => [lb, await orAbsent(lookup, lb)] as const)),
    Promise.all(leftLbs.map((lb) => orAbsent(lookup, lb))),
  ]);
  const byLoadBalancer = new Map(mine);
  const left = [...new Set(theirs.flatMap((tgs) => tgs ?? []))];
  const known = new Set([...mine.flatMap(([, tgs]) => tgs ?? []), ...left]);
  const attached = attachedTargetGroups(asg);
  const ids = instanceIdsOf(asg);
  const looked = ids.length ? [...new Set([...known, ...attached])] : attached.filter((tg) => !known.has(tg));
  const found = await targetStates(c, asg.AutoScalingGroupName!, looked, ids);
  const states: Map<string, ReadonlyMap<string, string>> = new Map();
  for (const [tg, byInstance] of found) if (byInstance) states.set(tg, byInstance);
  const gone = new Set(attached.filter((tg) => found.has(tg) && !found.get(tg)));
  return { byLoadBalancer, left, gone, states };
}

const chunks = <T>(items: readonly T[]): T[][] =>
  Array.from({ length: Math.ceil(items.length / perCall) }, (_, i) => items.slice(i * perCall, (i + 1) * perCall));

/** Detaches these target groups; one deleted meanwhile (NotFound) counts as detached, the others in its call are detached one by one. */
async function detach(c: AwsClients, name: string, targetGroups: readonly string[]): Promise<void> {
  const send = (part: readonly string[]) => aws(`server group ${name}: detaching target groups ${part.join(', ')}`,
    () => c.asg.send(new DetachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: name, TargetGroupARNs: [...part] })));
  for (const part of chunks(targetGroups)) {
    try {
      await send(part);
    } catch (err) {
      if (!isProviderError(err, 'NotFound')) throw err;
      for (const tg of part.length > 1 ? part : []) {
        try { await send([tg]); } catch (again) { if (!isProviderError(again, 'NotFound')) throw again; }
      }
    }
  }
}

/** Registers these instances in the target groups; AWS keeps one registered as it is. */
async function register(c: AwsClients, name: string, targetGroups: readonly string[], ids: readonly string[]): Promise<void> {
  if (!ids.length) return;
  for (const tg of targetGroups) {
    await aws(`server group ${name}: registering instances ${ids.join(', ')} in target group ${tg}`,
      () => c.elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg, Targets: ids.map((Id) => ({ Id })) })));
  }
}

/**
 * Deregisters these instances from the target groups, which starts their drain: a target group gone
 * is fine, and an instance not registered (InvalidTarget: detaching deregistered it, or it was never
 * there) is left out of a call made again one instance at a time.
 */
export async function deregister(c: AwsClients, name: string, targetGroups: readonly string[], ids: readonly string[]): Promise<void> {
  if (!ids.length) return;
  const send = (tg: string, part: readonly string[]) => awsOrAbsent(`server group ${name}: deregistering instances ${part.join(', ')} from target group ${tg}`,
    () => c.elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tg, Targets: part.map((Id) => ({ Id })) })));
  const notRegistered = (err: unknown) => isProviderError(err, 'Invalid') && /InvalidTarget/.test(err.message);
  for (const tg of targetGroups) {
    try {
      await send(tg, ids);
    } catch (err) {
      if (!notRegistered(err)) throw err;
      for (const id of ids.length > 1 ? ids : []) {
        try { await send(tg, [id]); } catch (again) { if (!notRegistered(again)) throw again; }
      }
    }
  }
}

/**
 * Leaves exactly these target groups attached: the missing ones attached first and its instances in
 * service registered in every one of them (new instances are added only while AddToLoadBalancer
 * runs), then the others detached and its instances deregistered from them (one that no longer
 * exists is passed over). Returns the target groups it left.
 */
export async function attachExactly(c: AwsClients, asg: AutoScalingGroup, want: readonly string[]): Promise<string[]> {
  const name = asg.AutoScalingGroupName!;
  const attached = attachedTargetGroups(asg);
  const attach = want.filter((tg) => !attached.includes(tg));
  const leave = attached.filter((tg) => !want.includes(tg));
  for (const part of chunks(attach)) {
    await aws(`server group ${name}: attaching target groups ${part.join(', ')}`,
      () => c.asg.send(new AttachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: name, TargetGroupARNs: part })));
  }
  await register(c, name, want, inServiceIdsOf(asg));
  await detach(c, name, leave);
  await deregister(c, name, leave, instanceIdsOf(asg));
  return leave;
}
