// Before a server group is made on AWS: what its template names must exist (image, instance type,
// key pair, subnets in one VPC, security groups, its load balancers' target groups when it starts
// enabled), checked before anything is created; then its launch template, made once and found again
// by name on a repeated create.
import {
  CreateLaunchTemplateCommand, DescribeImagesCommand, DescribeInstanceTypesCommand, DescribeKeyPairsCommand, DescribeLaunchTemplatesCommand,
  type LaunchTemplate,
} from '@aws-sdk/client-ec2';
import { conflict, invalid, isProviderError } from '../errors.ts';
import type { CreateServerGroup } from '../interfaces.ts';
import { targetGroupsOf, type TargetGroupLookup } from './asg-traffic.ts';
import type { AwsClients } from './clients.ts';
import { aws, awsOrAbsent } from './errors.ts';
import { awsTemplateOf, bookkeepingTags, launchTemplateData, type AwsTemplate } from './launch-template.ts';
import { securityGroupIdsOf } from './lookups.ts';
import { networkOf } from './network.ts';
import { clientToken, isOurs, isOwnedBy, ownerOf, tagKeys, tagList, tagMap } from './tags.ts';

/** What a create needs that AWS must be asked for. */
export interface Placement {
  subnetIds: string[];
  securityGroupIds: string[];
  /** The target groups of its load balancers, when it is created enabled. */
  targetGroupArns: string[];
}

/** Runs a look-up whose NotFound means the template names something that is not there: Invalid, naming the field and the fix. */
async function mustExist<T>(what: string, field: string, fix: string, call: () => Promise<T>, found: (out: T) => boolean): Promise<void> {
  const out = await awsOrAbsent(`${what} (${field})`, call);
  if (out === undefined || !found(out)) throw invalid(`${what} (${field}) does not exist; ${fix}`);
}

async function checkTemplate(c: AwsClients, name: string, t: AwsTemplate): Promise<void> {
  const sg = `server group ${name}`;
  await mustExist(`${sg}: image ${t.imageId} in region ${c.region}`, 'spec.template.aws.imageId',
    `name an AMI of region ${c.region} that this account may launch`,
    () => c.ec2.send(new DescribeImagesCommand({ ImageIds: [t.imageId] })), (out) => !!out.Images?.length);
  try {
    await mustExist(`${sg}: instance type ${t.instanceType} in region ${c.region}`, 'spec.template.aws.instanceType',
      'name an instance type such as t3.micro',
      () => c.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [t.instanceType as never] })), (out) => !!out.InstanceTypes?.length);
  } catch (err) {
    // EC2 answers an unknown type with InvalidInstanceType (Invalid), not NotFound: say which field.
    if (isProviderError(err, 'Invalid') && /InvalidInstanceType/.test(err.message)) {
      throw invalid(`${sg}: instance type "${t.instanceType}" (spec.template.aws.instanceType) does not exist in region ${c.region}; name one such as t3.micro`);
    }
    throw err;
  }
  if (t.keyPair) {
    await mustExist(`${sg}: key pair ${t.keyPair} in region ${c.region}`, 'spec.template.aws.keyPair',
      `import or create it in region ${c.region}, or leave the field out`,
      () => c.ec2.send(new DescribeKeyPairsCommand({ KeyNames: [t.keyPair!] })), (out) => !!out.KeyPairs?.length);
  }
}

/**
 * Checks the template against AWS and resolves where the group goes. The instance profile is not
 * checked (that needs IAM): EC2 refuses an unknown one when the group launches.
 */
export async function placementOf(c: AwsClients, req: CreateServerGroup, lookup: TargetGroupLookup): Promise<Placement> {
  const t = awsTemplateOf(req);
  await checkTemplate(c, req.name, t);
  const network = await networkOf(c, req.location, t.subnetIds, 'spec.template.aws.subnetIds');
  const named = await securityGroupIdsOf(c, network.vpcId, req.securityGroups);
  return {
    subnetIds: network.subnetIds,
    securityGroupIds: [...new Set([...named, ...(t.securityGroupIds ?? [])])],
    targetGroupArns: req.enabled ? await targetGroupsOf(lookup, req.loadBalancers) : [],
  };
}

/** The launch template of that name, or undefined. */
export async function findLaunchTemplate(c: AwsClients, name: string): Promise<LaunchTemplate | undefined> {
  const out = await awsOrAbsent(`launch template ${name} in ${c.region}`,
    () => c.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [name] })));
  return out?.LaunchTemplates?.[0];
}

/** A launch template found under the server group's name is usable only when made for it: this owner, this template. */
function checkLaunchTemplate(lt: LaunchTemplate, req: CreateServerGroup, region: string): void {
  const tags = tagMap(lt.Tags);
  const where = `launch template ${req.name} (${lt.LaunchTemplateId}) in ${region}`;
  if (!isOurs(tags) || !isOwnedBy(tags, req.owner)) {
    throw conflict(`server group ${req.name}: ${where} belongs to ${ownerOf(tags)}, not to ${req.owner.kind}/${req.owner.namespace}/${req.owner.name}; `
      + 'Staysail never changes what is not its own: delete or rename that launch template, or give the server group another name');
  }
  if (tags[tagKeys.templateHash] !== req.templateHash) {
    throw conflict(`server group ${req.name}: ${where} holds another template (hash ${tags[tagKeys.templateHash] ?? 'none'}, not ${req.templateHash}); `
      + 'delete the server group to make it again from this template');
  }
}

/** Makes the launch template (version 1) unless a repeated create finds it made already. */
export async function ensureLaunchTemplate(c: AwsClients, req: CreateServerGroup, placement: Placement): Promise<void> {
  const existing = await findLaunchTemplate(c, req.name);
  if (existing) return checkLaunchTemplate(existing, req, c.region);
  try {
    await aws(`server group ${req.name}: creating launch template ${req.name} in ${c.region}`, () => c.ec2.send(new CreateLaunchTemplateCommand({
      LaunchTemplateName: req.name,
      ClientToken: clientToken(req.owner, req.name),
      LaunchTemplateData: launchTemplateData(awsTemplateOf(req), req.name, placement.securityGroupIds),
      TagSpecifications: [{ ResourceType: 'launch-template', Tags: tagList(bookkeepingTags(req)) }],
    })));
  } catch (err) {
    // Made meanwhile (or by an earlier attempt with the same token): use it if it is this one.
    if (!isProviderError(err, 'Conflict')) throw err;
    const made = await findLaunchTemplate(c, req.name);
    if (!made) throw err;
    checkLaunchTemplate(made, req, c.region);
  }
}
