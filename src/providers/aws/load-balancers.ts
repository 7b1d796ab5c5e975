// LoadBalancers on AWS: one ELBv2 load balancer (application when every port is HTTP, network when
// every port is TCP or UDP) with a target group and a listener per port, all tagged as the
// LoadBalancer's. Server groups join by attaching their Auto Scaling groups to its target groups
// (lookups.ts' targetGroupArnsOf), so the load balancer routes to their instances. What Staysail did
// not make for this LoadBalancer is never modified or deleted.
import { DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateListenerCommand, CreateLoadBalancerCommand, DeleteListenerCommand, DeleteLoadBalancerCommand, DescribeListenersCommand,
  DescribeTargetGroupsCommand, DescribeTargetHealthCommand, ModifyListenerCommand, SetSubnetsCommand, type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { realClock, type Clock } from '../../core/clock.ts';
import { inProgress, invalid, isProviderError } from '../errors.ts';
import type { LoadBalancerDescription, LoadBalancerProvider, Location, Owner, ProviderAccount } from '../interfaces.ts';
import { regionOf, type AwsClientPool, type AwsClients } from './clients.ts';
import { aws, awsOrAbsent } from './errors.ts';
import { planListeners, planLoadBalancer, type LoadBalancerPlan, type PortPlan } from './load-balancer-plan.ts';
import { elbTagsOf, findLoadBalancer } from './lookups.ts';
import { networkOf, type Network } from './network.ts';
import { isMadeFor, refuseUnlessOwned } from './ownership.ts';
import { deleteTargetGroup, ensureTargetGroup, isTargetGroupOf, targetGroupsNamedFor, type NamedTargetGroups } from './target-groups.ts';
import { isOwnedBy, ownerTags, tagKeys, tagList } from './tags.ts';

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

  const describe = async (a: ProviderAccount, l: Location, name: string): Promise<LoadBalancerDescription | undefined> => {
    const c = await clients(a, l);
    const { lb } = await ours(c, a.namespace, name);
    return lb ? describeLoadBalancer(c, name, lb) : undefined;
  };

  return {
    describe,

    async upsert(a, l, name, spec, owner) {
      const plan = planLoadBalancer(name, spec);
      const c = await clients(a, l);
      const network = await networkOf(c, l, undefined, 'spec.location');
      if (plan.type === 'application' && network.zones.length < 2) {
        throw invalid(`${kind} "${name}": an application load balancer (HTTP ports) needs subnets in two availability zones at least, and spec.location.zones `
          + `gives ${network.zones.length ? `only ${network.zones.join(', ')}` : 'none'} in ${network.vpcId}; name two zones or more (or leave the field out)`);
      }
      const u: Upsert = { c, name, plan, network, owner };
      const lb = await ensureLoadBalancer(u);
      const named = await targetGroupsNamedFor(c, name);
      const arns = await ensureTargetGroups(u, named);
      await reconcileListeners(u, lb, arns);
      // Target groups of ports the spec no longer names, once no listener of ours forwards to them.
      const planned = new Set(arns.values());
      for (const tg of named.groups) {
        if (!planned.has(tg.TargetGroupArn!) && isTargetGroupOf(named.tags.get(tg.TargetGroupArn!), a.namespace, name, owner)) await deleteTargetGroup(c, tg);
      }
      return describeLoadBalancer(c, name, lb);
    },

    /**
     * Deletes the load balancer Staysail made for this LoadBalancer (its listeners go with it), waits
     * until it is gone, then deletes the LoadBalancer's target groups. A load balancer of that name
     * made by someone else (or for another object) is left as it is, and nothing is deleted.
     */
    async delete(a, l, name) {
      const c = await clients(a, l);
      const { lb, foreign } = await ours(c, a.namespace, name);
      if (foreign) return;
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
    },
  };
}

/** What an upsert works from. */
interface Upsert { c: AwsClients; name: string; plan: LoadBalancerPlan; network: Network; owner: Owner }

/** The LoadBalancer's load balancer, made now when missing; refuses one that is not this LoadBalancer's, or that cannot become as planned. */
async function ensureLoadBalancer({ c, name, plan, network, owner }: Upsert): Promise<LoadBalancer> {
  const fix = 'delete it, or give the LoadBalancer another name';
  const what = (lb: LoadBalancer) => `load balancer ${lb.LoadBalancerName} (${lb.LoadBalancerArn}) in ${c.region}`;
  const refuse = async (lb: LoadBalancer) =>
    refuseUnlessOwned((await elbTagsOf(c, [lb.LoadBalancerArn!])).get(lb.LoadBalancerArn!) ?? {}, owner, what(lb), fix);
  let lb = await findLoadBalancer(c, name);
  if (lb) {
    await refuse(lb);
  } else {
    try {
      const out = await aws(`creating load balancer ${plan.awsName} in ${c.region}`, () => c.elb.send(new CreateLoadBalancerCommand({
        Name: plan.awsName, Type: plan.type, Scheme: plan.scheme, Subnets: network.subnetIds, Tags: tagList(ownerTags(owner, name)),
      })));
      return out.LoadBalancers![0]!;
    } catch (err) {
      if (!isProviderError(err, 'Conflict')) throw err;
      // DuplicateLoadBalancerName: made meanwhile, by this LoadBalancer in another pass or by someone else.
      lb = await findLoadBalancer(c, name);
      if (!lb) throw err;
      await refuse(lb);
    }
  }
  const recreate = 'ELBv2 cannot change that in place; delete the LoadBalancer and create it again';
  if (lb.Type !== plan.type) {
    throw invalid(`${kind} "${name}": spec.ports now asks for a ${plan.type} load balancer, and ${what(lb)} is ${lb.Type}; ${recreate}, or put the ports' protocols back`);
  }
  if (lb.Scheme !== plan.scheme) {
    throw invalid(`${kind} "${name}": spec.type asks for an ${plan.scheme} load balancer, and ${what(lb)} is ${lb.Scheme}; ${recreate}, or put spec.type back`);
  }
  if (lb.VpcId !== network.vpcId) {
    throw invalid(`${kind} "${name}": spec.location is in ${network.vpcId}, and ${what(lb)} is in ${lb.VpcId}; ${recreate}, or put spec.location.network back`);
  }
  const subnets = (lb.AvailabilityZones ?? []).map((z) => z.SubnetId!).sort();
  if (subnets.join() !== network.subnetIds.join()) {
    await aws(`setting the subnets of ${what(lb)} to ${network.subnetIds.join(', ')}`,
      () => c.elb.send(new SetSubnetsCommand({ LoadBalancerArn: lb.LoadBalancerArn!, Subnets: network.subnetIds })));
  }
  return lb;
}

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

/** A listener per planned port forwarding to its target group; listeners Staysail made for this LoadBalancer on other ports go. */
async function reconcileListeners({ c, name, plan, owner }: Upsert, lb: LoadBalancer, arns: Map<number, string>): Promise<void> {
  const lbName = `load balancer ${lb.LoadBalancerName}`;
  const listeners = (await aws(`the listeners of ${lbName}`, () => c.elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn! })))).Listeners ?? [];
  const tags = await elbTagsOf(c, listeners.map((l) => l.ListenerArn!));
  const arnOf = (p: PortPlan) => arns.get(p.port)!;
  const steps = planListeners(listeners, plan.ports, arnOf, (arn) => isOwnedBy(tags.get(arn) ?? {}, owner));
  const forward = (p: PortPlan) => ({ Port: p.port, Protocol: p.protocol as 'HTTP' | 'TCP' | 'UDP', DefaultActions: [{ Type: 'forward' as const, TargetGroupArn: arnOf(p) }] });
  for (const p of steps.create) {
    // A listener made meanwhile on the port (DuplicateListener) is set as planned on the next pass.
    await aws(`creating the listener on port ${p.port} of ${lbName}`, () => c.elb.send(new CreateListenerCommand({
      LoadBalancerArn: lb.LoadBalancerArn!, ...forward(p), Tags: tagList({ ...ownerTags(owner, name), [tagKeys.port]: String(p.port) }),
    }))).catch((err: unknown) => { if (!isProviderError(err, 'Conflict')) throw err; });
  }
  for (const m of steps.modify) {
    await aws(`setting the listener on port ${m.port.port} of ${lbName} to forward to its target group`,
      () => c.elb.send(new ModifyListenerCommand({ ListenerArn: m.listenerArn, ...forward(m.port) })));
  }
  for (const arn of steps.remove) {
    await awsOrAbsent(`deleting listener ${arn} of ${lbName}`, () => c.elb.send(new DeleteListenerCommand({ ListenerArn: arn })));
  }
}

/** What the load balancer routes to: the Auto Scaling groups of the instances registered in its target groups, and those healthy. */
async function describeLoadBalancer(c: AwsClients, name: string, lb: LoadBalancer): Promise<LoadBalancerDescription> {
  const groups = (await aws(`the target groups of load balancer ${lb.LoadBalancerName}`,
    () => c.elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn! })))).TargetGroups ?? [];
  const health = (await Promise.all(groups.map(async (tg) => (await awsOrAbsent(`the targets of target group ${tg.TargetGroupName}`,
    () => c.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn! }))))?.TargetHealthDescriptions ?? []))).flat();
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
