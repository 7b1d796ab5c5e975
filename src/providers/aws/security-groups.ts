// SecurityGroups on AWS: an EC2 security group named as the SecurityGroup, in the location's VPC,
// tagged as Staysail's. Its ingress rules change by difference (rules.ts): rules that stay keep
// their IDs, so a pass never drops traffic a rule allows. Its group ID never changes across upserts
// (server groups' launch templates name it). A group of that name that is not this object's is
// never modified or deleted.
import {
  AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DeleteSecurityGroupCommand, DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand, RevokeSecurityGroupIngressCommand, type SecurityGroup, type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import type { SecurityGroupSpec } from '../../api/v1alpha1/security-group.ts';
import { isProviderError } from '../errors.ts';
import type { Location, Owner, ProviderAccount, SecurityGroupProvider } from '../interfaces.ts';
import { regionOf, type AwsClientPool, type AwsClients } from './clients.ts';
import { aws, awsOrAbsent } from './errors.ts';
import { securityGroupIdsOf } from './lookups.ts';
import { vpcOf } from './network.ts';
import { isMadeFor, refuseUnlessOwned } from './ownership.ts';
import { desiredRules, planRules } from './rules.ts';
import { ownerTags, tagList, tagMap } from './tags.ts';

const kind = 'SecurityGroup';

/** The security group of that name in the VPC, or undefined. */
async function findGroup(c: AwsClients, vpcId: string, name: string): Promise<SecurityGroup | undefined> {
  const out = await aws(`security group ${name} in ${vpcId}`, () => c.ec2.send(new DescribeSecurityGroupsCommand({
    Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'group-name', Values: [name] }],
  })));
  return out.SecurityGroups?.find((g) => g.GroupName === name);
}

/** The group's ingress and egress rules. */
async function rulesOf(c: AwsClients, groupId: string): Promise<SecurityGroupRule[]> {
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

/** The group of that name made for owner, made now if there is none. */
async function ensureGroup(c: AwsClients, vpcId: string, name: string, spec: SecurityGroupSpec, owner: Owner): Promise<string> {
  const what = (g: SecurityGroup) => `security group ${name} (${g.GroupId}) in ${vpcId} (${c.region})`;
  const fix = `delete it, or give the ${kind} another name`;
  const found = await findGroup(c, vpcId, name);
  if (found) {
    refuseUnlessOwned(tagMap(found.Tags), owner, what(found), fix);
    return found.GroupId!;
  }
  try {
    const made = await aws(`creating security group ${name} in ${vpcId} (${c.region})`, () => c.ec2.send(new CreateSecurityGroupCommand({
      GroupName: name, VpcId: vpcId, Description: spec.description ?? `Staysail ${kind} ${owner.namespace}/${owner.name}`,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: tagList(ownerTags(owner, name)) }],
    })));
    return made.GroupId!;
  } catch (err) {
    if (!isProviderError(err, 'Conflict')) throw err;
    // Made meanwhile (InvalidGroup.Duplicate): by this object in another pass, or by someone else.
    const again = await findGroup(c, vpcId, name);
    if (!again) throw err;
    refuseUnlessOwned(tagMap(again.Tags), owner, what(again), fix);
    return again.GroupId!;
  }
}

/** Makes the group's ingress rules those of spec; returns how many it has. */
async function reconcileRules(c: AwsClients, vpcId: string, groupId: string, name: string, spec: SecurityGroupSpec): Promise<number> {
  const refs = [...new Set(spec.ingress.flatMap((r) => r.from.securityGroupRef ? [r.from.securityGroupRef.name] : []))];
  const refIds = await securityGroupIdsOf(c, vpcId, refs);
  const desired = desiredRules(name, spec, (ref) => refIds[refs.indexOf(ref)]!);
  let plan = planRules(desired, await rulesOf(c, groupId));
  // Authorize before revoking, so that a rule being replaced never leaves a moment with neither.
  if (plan.authorize.length) {
    const authorize = (p: typeof plan) => aws(`authorizing ${p.authorize.length} ingress rule(s) of security group ${name} (${groupId})`,
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
    await awsOrAbsent(`revoking ingress rules ${plan.revoke.join(', ')} of security group ${name} (${groupId})`,
      () => c.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: plan.revoke })));
  }
  return plan.count;
}

/** The security groups of SecurityGroups, in the region and VPC of their location. */
export function awsSecurityGroups(pool: AwsClientPool): SecurityGroupProvider {
  const clients = (a: ProviderAccount, l: Location) => pool.for(a, regionOf(a, l));
  return {
    async describe(a, l, name) {
      const c = await clients(a, l);
      const group = await findGroup(c, await vpcOf(c, l), name);
      if (!group || !isMadeFor(tagMap(group.Tags), kind, a.namespace, name)) return undefined;
      const ingress = (await rulesOf(c, group.GroupId!)).filter((r) => !r.IsEgress);
      return { name, providerId: group.GroupId!, ingressRules: ingress.length };
    },

    async upsert(a, l, name, spec, owner) {
      const c = await clients(a, l);
      const vpcId = await vpcOf(c, l);
      const groupId = await ensureGroup(c, vpcId, name, spec, owner);
      const ingressRules = await reconcileRules(c, vpcId, groupId, name, spec);
      return { name, providerId: groupId, ingressRules };
    },

    /**
     * Deletes the group made for this SecurityGroup. A group of that name made by someone else (or for
     * another object) is left as it is and nothing is deleted. While instances still use it, or another
     * group's rules name it, AWS refuses (DependencyViolation): InProgress, to be tried again.
     */
    async delete(a, l, name) {
      const c = await clients(a, l);
      const vpcId = await vpcOf(c, l);
      const group = await findGroup(c, vpcId, name);
      if (!group || !isMadeFor(tagMap(group.Tags), kind, a.namespace, name)) return;
      await awsOrAbsent(`deleting security group ${name} (${group.GroupId}) in ${vpcId}: it is deleted once no instance uses it and no other group's rule names it`,
        () => c.ec2.send(new DeleteSecurityGroupCommand({ GroupId: group.GroupId! })));
    },
  };
}
