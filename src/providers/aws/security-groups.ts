// SecurityGroups on AWS: an EC2 security group named as the SecurityGroup, in the location's VPC,
// tagged as Staysail's. Its ingress rules change by difference (rules.ts): rules that stay keep
// their IDs, so a pass never drops traffic a rule allows. Its group ID never changes across upserts
// (server groups' launch templates name it). A group of that name that is not this object's is
// never modified or deleted.
import { CreateSecurityGroupCommand, DeleteSecurityGroupCommand, type SecurityGroup } from '@aws-sdk/client-ec2';
import type { SecurityGroupSpec } from '../../api/v1alpha1/security-group.ts';
import { invalid, isProviderError } from '../errors.ts';
import type { Location, Owner, ProviderAccount, SecurityGroupProvider } from '../interfaces.ts';
import { regionOf, type AwsClientPool, type AwsClients } from './clients.ts';
import { aws, awsOrAbsent } from './errors.ts';
import { applyIngress, findGroup, groupsMadeFor, rulesOf } from './ec2-groups.ts';
import { securityGroupIdsOf } from './lookups.ts';
import { vpcOf } from './network.ts';
import { refuseUnlessOwned } from './ownership.ts';
import { desiredRules } from './rules.ts';
import { ownerTags, tagList, tagMap } from './tags.ts';

const kind = 'SecurityGroup';

/** The group of that name in the VPC made for owner (here: the one found by its tags, if any), made now if there is none. */
async function ensureGroup(c: AwsClients, { vpcId, name, spec, owner }: { vpcId: string; name: string; spec: SecurityGroupSpec; owner: Owner },
  here: SecurityGroup | undefined): Promise<string> {
  const what = (g: SecurityGroup) => `security group ${name} (${g.GroupId}) in ${vpcId} (${c.region})`;
  const fix = `delete it, or give the ${kind} another name`;
  if (here) {
    refuseUnlessOwned(tagMap(here.Tags), owner, what(here), fix);
    return here.GroupId!;
  }
  try {
    const made = await aws(`creating security group ${name} in ${vpcId} (${c.region})`, () => c.ec2.send(new CreateSecurityGroupCommand({
      GroupName: name, VpcId: vpcId, Description: spec.description ?? `Staysail ${kind} ${owner.namespace}/${owner.name}`,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: tagList(ownerTags(owner, name)) }],
    })));
    return made.GroupId!;
  } catch (err) {
    if (!isProviderError(err, 'Conflict')) throw err;
    // InvalidGroup.Duplicate: one of that name is there without our tags (someone else's), or made meanwhile by another pass.
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
  return applyIngress(c, groupId, `security group ${name}`, desired);
}

const deleting = (name: string, g: SecurityGroup) => `deleting security group ${name} (${g.GroupId}) in ${g.VpcId}: `
  + 'it is deleted once no instance uses it and no other group\'s rule names it';

/**
 * The security groups of SecurityGroups, in the region and VPC of their location. A SecurityGroup's
 * groups are found by their owner tag in every VPC of the region, so that one left in a VPC the
 * location no longer names (spec.location.network changed, or the default VPC did) is still
 * described, deleted with the object, and deleted by the next upsert once nothing uses it.
 */
export function awsSecurityGroups(pool: AwsClientPool): SecurityGroupProvider {
  const clients = (a: ProviderAccount, l: Location) => pool.for(a, regionOf(a, l));
  return {
    async describe(a, l, name) {
      const c = await clients(a, l);
      const made = await groupsMadeFor(c, kind, a.namespace, name, name);
      if (!made.length) return undefined;
      const vpcId = made.length > 1 ? await vpcOf(c, l) : undefined;
      const group = made.find((g) => g.VpcId === vpcId) ?? made[0]!;
      const ingress = (await rulesOf(c, group.GroupId!)).filter((r) => !r.IsEgress);
      return { name, providerId: group.GroupId!, ingressRules: ingress.length };
    },

    async upsert(a, l, name, spec, owner) {
      // EC2 keeps "sg-" for group IDs and refuses it in names (moto takes it).
      if (name.startsWith('sg-')) {
        throw invalid(`${kind} "${name}": metadata.name begins with "sg-", which EC2 refuses in a security group's name; give the ${kind} a name that does not`);
      }
      const c = await clients(a, l);
      const vpcId = await vpcOf(c, l);
      const made = await groupsMadeFor(c, kind, a.namespace, name, name);
      const groupId = await ensureGroup(c, { vpcId, name, spec, owner }, made.find((g) => g.VpcId === vpcId));
      const ingressRules = await reconcileRules(c, vpcId, groupId, name, spec);
      // Groups left in another VPC go. One still used (instances of server groups not yet moved, or
      // another group's rule) is kept until a later pass: the move must not wait on it, since those
      // server groups leave only once the new ones, which need this group, are up.
      for (const old of made.filter((g) => g.VpcId !== vpcId)) {
        await awsOrAbsent(deleting(name, old), () => c.ec2.send(new DeleteSecurityGroupCommand({ GroupId: old.GroupId! })))
          .catch((err: unknown) => { if (!isProviderError(err, 'InProgress')) throw err; });
      }
      return { name, providerId: groupId, ingressRules };
    },

    /**
     * Deletes the groups made for this SecurityGroup, in whichever VPC. A group of that name made by
     * someone else (or for another object) is left as it is. While instances still use one, or another
     * group's rules name it, AWS refuses (DependencyViolation): InProgress, to be tried again.
     */
    async delete(a, l, name) {
      const c = await clients(a, l);
      for (const group of await groupsMadeFor(c, kind, a.namespace, name, name)) {
        await awsOrAbsent(deleting(name, group), () => c.ec2.send(new DeleteSecurityGroupCommand({ GroupId: group.GroupId! })));
      }
    },
  };
}
