// EC2 security groups as both SecurityGroups and the groups of application load balancers use
// them: found by name in a VPC, or by their owner tag in every VPC of the region (a group left in a
// VPC the object no longer names is still found); their rules read and changed by difference.
import {
  AuthorizeSecurityGroupIngressCommand, DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand, RevokeSecurityGroupIngressCommand,
  type SecurityGroup, type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { isProviderError } from '../errors.ts';
import type { AwsClients } from './clients.ts';
import { aws, awsOrAbsent } from './errors.ts';
import { isMadeFor, ownerKey } from './ownership.ts';
import { planRules, type Rule } from './rules.ts';
import { tagKeys, tagMap } from './tags.ts';

/** The security group of that name in the VPC, whoever made it, or undefined. */
export async function findGroup(c: AwsClients, vpcId: string, name: string): Promise<SecurityGroup | undefined> {
  const out = await aws(`security group ${name} in ${vpcId}`, () => c.ec2.send(new DescribeSecurityGroupsCommand({
    Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'group-name', Values: [name] }],
  })));
  return out.SecurityGroups?.find((g) => g.GroupName === name);
}

/**
 * The region's security groups Staysail made for the object of kind, namespace and name (whatever
 * its UID), in any VPC, named groupName: one call, by the owner tag.
 */
export async function groupsMadeFor(c: AwsClients, kind: string, namespace: string, name: string, groupName: string): Promise<SecurityGroup[]> {
  const groups: SecurityGroup[] = [];
  let NextToken: string | undefined;
  do {
    const out = await aws(`the security groups of ${ownerKey(kind, namespace, name)} in ${c.region}`, () => c.ec2.send(new DescribeSecurityGroupsCommand({
      Filters: [{ Name: `tag:${tagKeys.owner}`, Values: [ownerKey(kind, namespace, name)] }], ...(NextToken ? { NextToken } : {}),
    })));
    groups.push(...(out.SecurityGroups ?? []).filter((g) => g.GroupName === groupName && isMadeFor(tagMap(g.Tags), kind, namespace, name)));
    NextToken = out.NextToken;
  } while (NextToken);
  return groups.sort((a, b) => a.GroupId!.localeCompare(b.GroupId!));
}

/** The group's ingress and egress rules. */
export async function rulesOf(c: AwsClients, groupId: string): Promise<SecurityGroupRule[]> {
  const rules: SecurityGroupRule[] = [];
  let NextToken: string | undefined;
  do {
    const out = await aws(`the rules of security group ${groupId}`, () => c.ec2.send(new DescribeSecurityGroupRulesCommand({
      Filters: [{ Name: 'group-id', Values: [groupId] }], ...(NextToken ? { NextToken } : {}),
    })));
    rules.push(...(out.SecurityGroupRules ?? []).filter((r) => r.GroupId === undefined || r.GroupId === groupId));
    NextToken = out.NextToken;
  } while (NextToken);
  return rules;
}

/** Makes the group's ingress rules the desired ones (what names it in messages); returns how many it has. */
export async function applyIngress(c: AwsClients, groupId: string, what: string, desired: readonly Rule[]): Promise<number> {
  let plan = planRules(desired, await rulesOf(c, groupId));
  // Authorize before revoking, so that a rule being replaced never leaves a moment with neither.
  if (plan.authorize.length) {
    const authorize = (p: typeof plan) => aws(`authorizing ${p.authorize.length} ingress rule(s) of ${what} (${groupId})`,
      () => c.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: p.authorize })));
    try {
      await authorize(plan);
    } catch (err) {
      if (!isProviderError(err, 'Conflict')) throw err;
      // InvalidPermission.Duplicate: a rule arrived meanwhile (another pass); the call added none, so plan again.
      plan = planRules(desired, await rulesOf(c, groupId));
      if (plan.authorize.length) await authorize(plan);
    }
  }
  if (plan.revoke.length) {
    await awsOrAbsent(`revoking ingress rules ${plan.revoke.join(', ')} of ${what} (${groupId})`,
      () => c.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: plan.revoke })));
  }
  return plan.count;
}
