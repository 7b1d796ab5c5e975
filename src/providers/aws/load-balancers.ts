// LoadBalancers on AWS: one ELBv2 load balancer (application when every port is HTTP, network when
// every port is TCP or UDP) with a target group and a listener per port, all tagged as the
// LoadBalancer's, and for an application load balancer its own security group (lb-security-group.ts).
// Server groups join by attaching their Auto Scaling groups to its target groups (lookups.ts'
// targetGroupArnsOf), so the load balancer routes to their instances. What Staysail did not make for
// this LoadBalancer is never modified or deleted.
import { DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import {
  AddTagsCommand, CreateLoadBalancerCommand, DeleteLoadBalancerCommand, DescribeListenersCommand, DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand, SetSecurityGroupsCommand, SetSubnetsCommand, type Listener, type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { realClock, type Clock } from '../../core/clock.ts';
import { inProgress, invalid, isProviderError } from '../errors.ts';
import type { LoadBalancerDescription, LoadBalancerProvider, Location, Owner, ProviderAccount } from '../interfaces.ts';
import { regionOf, type AwsClientPool, type AwsClients } from './clients.ts';
import { aws, awsOrAbsent } from './errors.ts';
import { deleteLoadBalancerGroups, ensureLoadBalancerGroup } from './lb-security-group.ts';
import { reconcileListeners } from './listeners.ts';
import { planLoadBalancer, type LoadBalancerPlan } from './load-balancer-plan.ts';
import { elbTagsOf, findLoadBalancer } from './lookups.ts';
import { balancerNetworkOf, type Network } from './network.ts';
import { isMadeFor, refuseUnlessOwned } from './ownership.ts';
import {
  deleteTargetGroup, ensureTargetGroup, isTargetGroupOf, portsOfTag, portsTagKey, portsTagValue, targetGroupsNamed, targetGroupsNamedFor,
  type NamedTargetGroups,
} from './target-groups.ts';
import { ownerTags, tagList, type Tags } from './tags.ts';

const kind = 'LoadBalancer';
/** DescribeAutoScalingInstances takes at most this many instance IDs. */
const instanceBatch = 50;

export interface AwsLoadBalancerOptions {
  clock?: Clock;
  /** How long delete waits for a deleted load balancer to be gone before saying InProgress. */
  goneWithinMs?: number;
  pollMs?: number;
}

/** The ELBv2 load balancers of LoadBalancers, in the region and VPC of their location. */
export function awsLoadBalancers(pool: AwsClientPool, options: AwsLoadBalancerOptions = {}): LoadBalancerProvider {
  const clock = options.clock ?? realClock;
  const goneWithinMs = options.goneWithinMs ?? 20_000;
  const pollMs = options.pollMs ?? 1_000;
  const clients = (a: ProviderAccount, l: Location) => pool.for(a, regionOf(a, l));
  const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimer(ms, resolve));

  /** The LoadBalancer's load balancer, when Staysail made it for the LoadBalancer of that namespace and name. */
  const ours = async (c: AwsClients, namespace: string, name: string): Promise<{ lb?: LoadBalancer; foreign?: LoadBalancer }> => {
    const lb = await findLoadBalancer(c, name);
    if (!lb) return {};
    const tags = (await elbTagsOf(c, [lb.LoadBalancerArn!])).get(lb.LoadBalancerArn!) ?? {};
    return isMadeFor(tags, kind, namespace, name) ? { lb } : { foreign: lb };
  };

  return {
    async describe(a, l, name) {
      const c = await clients(a, l);
      const { lb } = await ours(c, a.namespace, name);
      if (!lb) return undefined;
      const groups = (await aws(`the target groups of load balancer ${lb.LoadBalancerName}`,
        () => c.elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn! })))).TargetGroups ?? [];
      return describeLoadBalancer(c, name, lb, groups.map((g) => g.TargetGroupArn!));
    },

    async upsert(a, l, name, spec, owner) {
      const plan = planLoadBalancer(name, spec);
      const c = await clients(a, l);
      const network = await balancerNetworkOf(c, l, plan.scheme);
      if (plan.type === 'application' && network.zones.length < 2) {
        throw invalid(`${kind} "${name}": an application load balancer (HTTP ports) needs subnets in two availability zones at least, and spec.location.zones `
          + `gives ${network.zones.length ? `only ${network.zones.join(', ')}` : 'none'} in ${network.vpcId}; name two zones or more (or leave the field out)`);
      }
      const u: Upsert = { c, name, plan, network, owner };
      const seen = await observe(u);
      if (seen.lb) checkLoadBalancer(u, seen.lb, seen.tags);
      const groupId = plan.type === 'application' ? await ensureLoadBalancerGroup(c, u) : undefined;
      const lb = seen.lb ?? await createLoadBalancer(u, groupId);
      if (seen.lb) await setNetwork(u, lb, groupId);
      const arns = await reconcileTargetGroups(u, seen, lb, a.namespace);
      return describeLoadBalancer(c, name, lb, [...arns.values()]);
    },

    /**
     * Deletes the load balancer Staysail made for this LoadBalancer (its listeners go with it), waits
     * until it is gone, then deletes the LoadBalancer's target groups and security group. A load
     * balancer of that name made by someone else (or for another object) is left as it is; what is
     * tagged as this LoadBalancer's still goes.
     */
    async delete(a, l, name) {
      const c = await clients(a, l);
      const { lb } = await ours(c, a.namespace, name);
      if (lb) {
        await aws(`deleting load balancer ${lb.LoadBalancerName} (${lb.LoadBalancerArn})`,
          () => c.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn! })));
        const deadline = clock.now() + goneWithinMs;
        while (await findLoadBalancer(c, name)) {
          if (clock.now() >= deadline) throw inProgress(`${kind} "${name}": load balancer ${lb.LoadBalancerName} is being deleted; its target groups go once it is gone`, 5_000);
          await sleep(pollMs);
        }
      }
      // Looked for even when the load balancer is gone: a pass may have ended between the two.
      const named = await targetGroupsNamedFor(c, name);
      for (const tg of named.groups) if (isTargetGroupOf(named.tags.get(tg.TargetGroupArn!), a.namespace, name)) await deleteTargetGroup(c, tg);
      await deleteLoadBalancerGroups(c, name);
    },
  };
}

/** What an upsert works from. */
interface Upsert { c: AwsClients; name: string; plan: LoadBalancerPlan; network: Network; owner: Owner }

/** What an upsert finds: the load balancer, its listeners, the spec's target groups by name (undefined when one is missing), and all their tags. */
interface Seen { lb?: LoadBalancer; listeners: Listener[]; named?: NamedTargetGroups; tags: Map<string, Tags> }

async function observe({ c, name, plan }: Upsert): Promise<Seen> {
  const lb = await findLoadBalancer(c, name);
  const groups = await targetGroupsNamed(c, plan.ports.map((p) => p.targetGroupName));
  const listeners = lb ? (await aws(`the listeners of load balancer ${lb.LoadBalancerName}`,
    () => c.elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn! })))).Listeners ?? [] : [];
  // One DescribeTags for all of them (20 a call).
  const tags = await elbTagsOf(c, [...(lb ? [lb.LoadBalancerArn!] : []), ...(groups ?? []).map((g) => g.TargetGroupArn!), ...listeners.map((x) => x.ListenerArn!)]);
  return { ...(lb ? { lb } : {}), listeners, ...(groups ? { named: { groups, tags } } : {}), tags };
}

const what = (c: AwsClients, lb: LoadBalancer) => `load balancer ${lb.LoadBalancerName} (${lb.LoadBalancerArn}) in ${c.region}`;
const notOurs = 'delete it, or give the LoadBalancer another name';

/** Refuses a load balancer that is not this LoadBalancer's, or that cannot become as planned. */
function checkLoadBalancer({ c, name, plan, network, owner }: Upsert, lb: LoadBalancer, tags: Map<string, Tags>): void {
  refuseUnlessOwned(tags.get(lb.LoadBalancerArn!) ?? {}, owner, what(c, lb), notOurs);
  const recreate = 'ELBv2 cannot change that in place; delete the LoadBalancer and create it again';
  if (lb.Type !== plan.type) {
    throw invalid(`${kind} "${name}": spec.ports now asks for a ${plan.type} load balancer, and ${what(c, lb)} is ${lb.Type}; ${recreate}, or put the ports' protocols back`);
  }
  if (lb.Scheme !== plan.scheme) {
    throw invalid(`${kind} "${name}": spec.type asks for an ${plan.scheme} load balancer, and ${what(c, lb)} is ${lb.Scheme}; ${recreate}, or put spec.type back`);
  }
  if (lb.VpcId !== network.vpcId) {
    throw invalid(`${kind} "${name}": spec.location is in ${network.vpcId}, and ${what(c, lb)} is in ${lb.VpcId}; ${recreate}, or put spec.location.network back`);
  }
}

/** Makes the load balancer; refuses one that is not this LoadBalancer's, made meanwhile by someone else. */
async function createLoadBalancer(u: Upsert, groupId: string | undefined): Promise<LoadBalancer> {
  const { c, name, plan, network, owner } = u;
  let lb: LoadBalancer | undefined;
  try {
    const out = await aws(`creating load balancer ${plan.awsName} in ${c.region}`, () => c.elb.send(new CreateLoadBalancerCommand({
      Name: plan.awsName, Type: plan.type, Scheme: plan.scheme, Subnets: network.subnetIds, ...(groupId ? { SecurityGroups: [groupId] } : {}),
      Tags: tagList({ ...ownerTags(owner, name), [portsTagKey]: portsTagValue(plan.ports.map((p) => p.port)) }),
    })));
    lb = out.LoadBalancers![0]!;
  } catch (err) {
    if (!isProviderError(err, 'Conflict')) throw err;
    // DuplicateLoadBalancerName: made meanwhile, by this LoadBalancer in another pass or by someone else.
    lb = await findLoadBalancer(c, name);
    if (!lb) throw err;
  }
  // CreateLoadBalancer answers with the existing load balancer when one of that name has the same
  // settings, so in a race it may be someone else's: its own tags say whose it is.
  const tags = await elbTagsOf(c, [lb.LoadBalancerArn!]);
  checkLoadBalancer(u, lb, tags);
  return lb;
}

/** Subnets and security group as planned, set only when they differ. */
async function setNetwork({ c, network }: Upsert, lb: LoadBalancer, groupId: string | undefined): Promise<void> {
  const subnets = (lb.AvailabilityZones ?? []).map((z) => z.SubnetId!).sort();
  if (subnets.join() !== network.subnetIds.join()) {
    await aws(`setting the subnets of ${what(c, lb)} to ${network.subnetIds.join(', ')}`,
      () => c.elb.send(new SetSubnetsCommand({ LoadBalancerArn: lb.LoadBalancerArn!, Subnets: network.subnetIds })));
  }
  if (groupId && (lb.SecurityGroups ?? []).join() !== groupId) {
    await aws(`setting the security group of ${what(c, lb)} to ${groupId}`,
      () => c.elb.send(new SetSecurityGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn!, SecurityGroups: [groupId] })));
  }
}

/**
 * The spec's target groups and listeners, and the target groups of dropped ports deleted once no
 * listener forwards to them; returns the target groups' ARNs by port. Only a pass that may find a
 * target group beside the spec's (the ports tag names another port, or one is missing) reads every
 * target group of the region.
 */
async function reconcileTargetGroups(u: Upsert, seen: Seen, lb: LoadBalancer, namespace: string): Promise<Map<number, string>> {
  const { c, name, plan, owner } = u;
  const ports = plan.ports.map((p) => p.port);
  const planned = portsTagValue(ports);
  // The ports whose target groups may exist (undefined: the load balancer is new, or older than the tag).
  let tagged = seen.lb ? portsOfTag(seen.tags.get(lb.LoadBalancerArn!) ?? {}) : undefined;
  const named = seen.named && tagged?.every((p) => ports.includes(p)) ? seen.named : await targetGroupsNamedFor(c, name);
  if (tagged && portsTagValue([...tagged, ...ports]) !== portsTagValue(tagged)) {
    tagged = [...tagged, ...ports];
    await setPortsTag(c, lb, portsTagValue(tagged));
  }
  const arns = await ensureTargetGroups(u, named);
  await reconcileListeners(c, { name, lb, ports: plan.ports, owner, arns, listeners: seen.listeners, tags: seen.tags });
  const kept = new Set(arns.values());
  for (const tg of named.groups) {
    if (!kept.has(tg.TargetGroupArn!) && isTargetGroupOf(named.tags.get(tg.TargetGroupArn!), namespace, name, owner)) await deleteTargetGroup(c, tg);
  }
  if (seen.lb && (tagged === undefined || portsTagValue(tagged) !== planned)) await setPortsTag(c, lb, planned);
  return arns;
}

const setPortsTag = (c: AwsClients, lb: LoadBalancer, value: string) => aws(`tagging load balancer ${lb.LoadBalancerName} with the ports of its target groups`,
  () => c.elb.send(new AddTagsCommand({ ResourceArns: [lb.LoadBalancerArn!], Tags: [{ Key: portsTagKey, Value: value }] })));

/** A target group per planned port (named: those found), as ARNs by port. */
async function ensureTargetGroups({ c, name, plan, network, owner }: Upsert, named: NamedTargetGroups): Promise<Map<number, string>> {
  const arns = new Map<number, string>();
  for (const port of plan.ports) {
    const tg = named.groups.find((g) => g.TargetGroupName === port.targetGroupName);
    arns.set(port.port, await ensureTargetGroup(c, { name, port, vpcId: network.vpcId, healthCheck: plan.healthCheck, owner },
      tg && { tg, tags: named.tags.get(tg.TargetGroupArn!) ?? {} }));
  }
  return arns;
}

/** What the load balancer routes to: the Auto Scaling groups of the instances registered in these target groups, and those healthy. */
async function describeLoadBalancer(c: AwsClients, name: string, lb: LoadBalancer, groupArns: readonly string[]): Promise<LoadBalancerDescription> {
  const health = (await Promise.all(groupArns.map(async (arn) => (await awsOrAbsent(`the targets of target group ${arn}`,
    () => c.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))))?.TargetHealthDescriptions ?? []))).flat();
  // Draining targets are leaving and unused ones get no traffic (their zone is not enabled, or the group is not in use).
  const registered = health.filter((h) => h.Target?.Id && !['draining', 'unused'].includes(h.TargetHealth?.State ?? ''));
  const instances = [...new Set(registered.map((h) => h.Target!.Id!))];
  const healthy = new Set(registered.filter((h) => h.TargetHealth?.State === 'healthy').map((h) => h.Target!.Id!));
  const serverGroups = new Set<string>();
  for (let i = 0; i < instances.length; i += instanceBatch) {
    const batch = instances.slice(i, i + instanceBatch);
    const out = await aws(`the Auto Scaling groups of instances ${batch.join(', ')}`,
      () => c.asg.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: batch, MaxRecords: instanceBatch })));
    for (const inst of out.AutoScalingInstances ?? []) if (inst.AutoScalingGroupName) serverGroups.add(inst.AutoScalingGroupName);
  }
  return { name, ...(lb.DNSName ? { address: lb.DNSName } : {}), serverGroups: [...serverGroups].sort(), healthyEndpoints: healthy.size,
    providerId: lb.LoadBalancerArn! };
}
