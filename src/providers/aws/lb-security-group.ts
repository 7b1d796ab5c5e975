// The EC2 security group of an application load balancer. Made without one, an ALB gets its VPC's
// default group, which admits only that group's own members, so nobody could reach the listeners.
// Each ALB gets its own group instead, named from the LoadBalancer, tagged as its, admitting the
// listener ports from anywhere (internet-facing) or from the VPC's CIDRs (internal), and deleted
// after the ALB. Its egress is EC2's default (everything), so it reaches the instances; their own
// groups must admit it (docs/aws.md says how). Network load balancers get none.
import { CreateSecurityGroupCommand, DeleteSecurityGroupCommand, type SecurityGroup } from '@aws-sdk/client-ec2';
import { isProviderError } from '../errors.ts';
import type { Owner } from '../interfaces.ts';
import type { AwsClients } from './clients.ts';
import { canonicalCidr } from './cidr.ts';
import { applyIngress, findGroup, groupsMadeFor } from './ec2-groups.ts';
import { aws, awsOrAbsent } from './errors.ts';
import type { LoadBalancerPlan } from './load-balancer-plan.ts';
import type { Network } from './network.ts';
import { refuseUnlessOwned } from './ownership.ts';
import type { Rule } from './rules.ts';
import { ownerTags, tagList, tagMap } from './tags.ts';

const kind = 'LoadBalancer';

/**
 * The name of a LoadBalancer's group. The colon keeps it apart from every SecurityGroup's group
 * (Kubernetes names hold none), and it never begins with "sg-", which EC2 refuses.
 */
export const loadBalancerGroupName = (name: string): string => `lb:${name}`;

/** The rules of the group: every listener port over TCP, from anywhere when internet-facing, from the VPC's CIDRs when internal. Pure. */
export function loadBalancerRules(plan: Pick<LoadBalancerPlan, 'scheme' | 'ports'>, vpcCidrs: readonly string[]): Rule[] {
  const from = plan.scheme === 'internet-facing' ? ['0.0.0.0/0', '::/0'] : vpcCidrs;
  const sources = from.flatMap((text) => {
    const cidr = canonicalCidr(text);
    if (!cidr) return [];
    return [cidr.family === 'ipv4' ? { cidrIpv4: cidr.text } : { cidrIpv6: cidr.text }];
  });
  return plan.ports.flatMap((p) => sources.map((source) => ({ protocol: 'tcp', fromPort: p.port, toPort: p.port, source })));
}

/** The LoadBalancer's groups in every VPC of the region (one call). */
export const loadBalancerGroups = (c: AwsClients, name: string): Promise<SecurityGroup[]> =>
  groupsMadeFor(c, kind, c.namespace, name, loadBalancerGroupName(name));

/** The LoadBalancer's group in the network's VPC with its rules as planned, made now when missing; returns its ID. */
export async function ensureLoadBalancerGroup(c: AwsClients, r: { name: string; plan: LoadBalancerPlan; network: Network; owner: Owner }): Promise<string> {
  const groupName = loadBalancerGroupName(r.name);
  const vpcId = r.network.vpcId;
  const what = (g: SecurityGroup) => `security group ${groupName} (${g.GroupId}) in ${vpcId} (${c.region})`;
  const fix = `delete it, or give the ${kind} another name`;
  let group = (await loadBalancerGroups(c, r.name)).find((g) => g.VpcId === vpcId);
  if (!group) {
    try {
      const made = await aws(`creating security group ${groupName} in ${vpcId} (${c.region})`, () => c.ec2.send(new CreateSecurityGroupCommand({
        GroupName: groupName, VpcId: vpcId, Description: `Staysail ${kind} ${r.owner.namespace}/${r.owner.name}: its listener ports`,
        TagSpecifications: [{ ResourceType: 'security-group', Tags: tagList(ownerTags(r.owner, r.name)) }],
      })));
      group = { GroupId: made.GroupId!, GroupName: groupName, VpcId: vpcId, Tags: tagList(ownerTags(r.owner, r.name)) };
    } catch (err) {
      if (!isProviderError(err, 'Conflict')) throw err;
      // InvalidGroup.Duplicate: someone else's of that name, or one made meanwhile by another pass.
      group = await findGroup(c, vpcId, groupName);
      if (!group) throw err;
    }
  }
  refuseUnlessOwned(tagMap(group.Tags), r.owner, what(group), fix);
  await applyIngress(c, group.GroupId!, `security group ${groupName}`, loadBalancerRules(r.plan, r.network.cidrs));
  return group.GroupId!;
}

/** Deletes the LoadBalancer's groups, once its load balancer is gone; one still in use (its ENIs linger a while) is InProgress. */
export async function deleteLoadBalancerGroups(c: AwsClients, name: string): Promise<void> {
  for (const g of await loadBalancerGroups(c, name)) {
    await awsOrAbsent(`deleting security group ${g.GroupName} (${g.GroupId}) in ${g.VpcId}: it is deleted once its load balancer's network interfaces are gone`,
      () => c.ec2.send(new DeleteSecurityGroupCommand({ GroupId: g.GroupId! })));
  }
}
