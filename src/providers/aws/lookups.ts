// How the resource families find each other on AWS: a LoadBalancer's ELBv2 load balancer and its
// target groups (what a server group attaches to), and a SecurityGroup's EC2 security group (what
// its instances join), by the deterministic names Staysail gives them.
import { DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, DescribeTagsCommand, DescribeTargetGroupsCommand, type LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import { notFound } from '../errors.ts';
import type { AwsClients } from './clients.ts';
import { aws, awsOrAbsent } from './errors.ts';
import { isMadeFor } from './ownership.ts';
import { awsName, ownerOf, tagMap, type Tags } from './tags.ts';

/** ELBv2 names hold at most 32 characters. */
export const elbNameMax = 32;

/** The AWS name of a LoadBalancer's load balancer. */
export const loadBalancerName = (name: string): string => awsName(name, elbNameMax);
/** The AWS name of the target group a LoadBalancer makes for one port. */
export const targetGroupName = (name: string, port: number): string => awsName(`${name}-${port}`, elbNameMax);
/**
 * What the name of every target group a LoadBalancer makes begins with, whatever the port (awsName
 * keeps the first 23 characters of a name it shortens). Others' names may begin so too: tags tell.
 */
export const targetGroupNamePrefix = (name: string): string => `${name}-`.slice(0, elbNameMax - 9).replace(/-+$/, '');

/** The ELBv2 load balancer of a LoadBalancer, or undefined when there is none. */
export async function findLoadBalancer(c: AwsClients, name: string): Promise<LoadBalancer | undefined> {
  const out = await awsOrAbsent(`load balancer ${loadBalancerName(name)}`,
    () => c.elb.send(new DescribeLoadBalancersCommand({ Names: [loadBalancerName(name)] })));
  return out?.LoadBalancers?.[0];
}

/** DescribeTags takes at most 20 resources a call. */
const tagBatch = 20;

/** The tags of ELBv2 resources (load balancers, target groups, listeners) by ARN. */
export async function elbTagsOf(c: AwsClients, arns: readonly string[]): Promise<Map<string, Tags>> {
  const tags = new Map<string, Tags>();
  for (let i = 0; i < arns.length; i += tagBatch) {
    const batch = arns.slice(i, i + tagBatch);
    const out = await aws(`the tags of ${batch.join(', ')}`, () => c.elb.send(new DescribeTagsCommand({ ResourceArns: batch })));
    for (const d of out.TagDescriptions ?? []) tags.set(d.ResourceArn!, tagMap(d.Tags));
  }
  return tags;
}

/**
 * The target groups of a LoadBalancer (those its listeners forward to and Staysail made for it),
 * sorted: what a server group in it attaches to. NotFound when the LoadBalancer has not been made in
 * this region, or the load balancer of its name is not Staysail's (a server group never joins that).
 */
export async function targetGroupArnsOf(c: AwsClients, name: string): Promise<string[]> {
  const lb = await findLoadBalancer(c, name);
  if (!lb) throw notFound(`LoadBalancer "${name}" has no load balancer (${loadBalancerName(name)}) in ${c.region} yet`);
  const out = await aws(`the target groups of load balancer ${lb.LoadBalancerName}`,
    () => c.elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn })));
  const arns = (out.TargetGroups ?? []).map((tg) => tg.TargetGroupArn!);
  const tags = await elbTagsOf(c, [lb.LoadBalancerArn!, ...arns]);
  // Made for this namespace's LoadBalancer of that name: never another namespace's, nor anyone else's.
  const madeFor = (arn: string) => isMadeFor(tags.get(arn) ?? {}, 'LoadBalancer', c.namespace, name);
  if (!madeFor(lb.LoadBalancerArn!)) {
    throw notFound(`LoadBalancer "${name}": load balancer ${lb.LoadBalancerName} in ${c.region} belongs to ${ownerOf(tags.get(lb.LoadBalancerArn!) ?? {})}, `
      + 'not to this LoadBalancer, so no server group joins it');
  }
  return arns.filter(madeFor).sort();
}

/** The IDs of the SecurityGroups' security groups in the VPC, in the order named; NotFound names those not made yet. */
export async function securityGroupIdsOf(c: AwsClients, vpcId: string, names: readonly string[]): Promise<string[]> {
  if (!names.length) return [];
  const out = await aws(`security groups ${names.join(', ')}`, () => c.ec2.send(new DescribeSecurityGroupsCommand({
    Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'group-name', Values: [...names] }],
  })));
  // Only those made for this namespace's SecurityGroups: not another namespace's of the same name, nor anyone else's.
  const byName = new Map((out.SecurityGroups ?? []).filter((g) => isMadeFor(tagMap(g.Tags), 'SecurityGroup', c.namespace, g.GroupName!))
    .map((g) => [g.GroupName!, g.GroupId!]));
  const missing = names.filter((n) => !byName.has(n));
  if (missing.length) throw notFound(`SecurityGroup ${missing.map((n) => `"${n}"`).join(', ')} (namespace ${c.namespace}) has no security group of its own in ${vpcId} (${c.region}) yet`);
  return names.map((n) => byName.get(n)!);
}
