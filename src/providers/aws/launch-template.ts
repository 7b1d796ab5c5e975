// What a server group is made of on AWS, from its create request (pure): the launch template's data
// (AMI, instance type, key pair, instance profile, user data, security groups, metadata options,
// the instances' tags) and the tags Staysail keeps on the launch template and the Auto Scaling group.
import type { RequestLaunchTemplateData } from '@aws-sdk/client-ec2';
import { parseDuration } from '../../api/duration.ts';
import { invalid } from '../errors.ts';
import type { CreateServerGroup } from '../interfaces.ts';
import { ownerTags, tagKeys, tagList, type Tags } from './tags.ts';

export type AwsTemplate = NonNullable<CreateServerGroup['template']['aws']>;

/** Seconds after launch before health checks count, when the template does not say. */
export const defaultGracePeriodSeconds = 300;

/** The template's aws block; Invalid when the template is written for another provider. */
export function awsTemplateOf(req: Pick<CreateServerGroup, 'name' | 'template'>): AwsTemplate {
  if (!req.template.aws) {
    throw invalid(`server group ${req.name}: an AWS Account needs spec.template.aws (imageId, instanceType); the template has `
      + `${Object.keys(req.template).join(', ') || 'no block'} instead`);
  }
  return req.template.aws;
}

/** A server group's load balancers as its tag holds them: distinct, sorted, comma-joined. */
export const loadBalancersTagValue = (loadBalancers: readonly string[]): string => [...new Set(loadBalancers)].sort().join(',');

/** The load balancers a tag value names. */
export const loadBalancersOfTag = (value: string | undefined): string[] => (value ? value.split(',').filter(Boolean) : []);

/** Whose it is, and which cluster, sequence and template: on the launch template and the Auto Scaling group alike. */
export function bookkeepingTags(req: Pick<CreateServerGroup, 'name' | 'owner' | 'cluster' | 'sequence' | 'templateHash'>): Tags {
  return {
    ...ownerTags(req.owner, req.name),
    [tagKeys.cluster]: req.cluster,
    [tagKeys.sequence]: String(req.sequence),
    [tagKeys.templateHash]: req.templateHash,
  };
}

/** Tags every instance carries: Name = the server group (unless the template names it otherwise), and the template's own. */
export const instanceTags = (t: AwsTemplate, name: string): Tags => ({ Name: name, ...(t.tags ?? {}) });

/** The grace period in seconds; Invalid naming the field when it is not a duration. */
export function gracePeriodSeconds(t: AwsTemplate): number {
  const text = t.healthCheck?.gracePeriod;
  if (!text) return defaultGracePeriodSeconds;
  try {
    return Math.round(parseDuration(text) / 1000);
  } catch (err) {
    throw invalid(`spec.template.aws.healthCheck.gracePeriod: ${(err as Error).message}`);
  }
}

/** The instance profile as EC2 takes it: an ARN, or else a name. */
export const instanceProfileOf = (profile: string): { Arn: string } | { Name: string } =>
  (profile.startsWith('arn:') ? { Arn: profile } : { Name: profile });

/** The launch template's data: securityGroupIds are those of the Cluster's SecurityGroups and the template's own, resolved. */
export function launchTemplateData(t: AwsTemplate, name: string, securityGroupIds: readonly string[]): RequestLaunchTemplateData {
  const groups = [...new Set(securityGroupIds)];
  const metadata = t.metadataOptions;
  return {
    ImageId: t.imageId,
    InstanceType: t.instanceType as RequestLaunchTemplateData['InstanceType'],
    ...(t.keyPair ? { KeyName: t.keyPair } : {}),
    ...(t.iamInstanceProfile ? { IamInstanceProfile: instanceProfileOf(t.iamInstanceProfile) } : {}),
    ...(t.userData ? { UserData: Buffer.from(t.userData, 'utf8').toString('base64') } : {}),
    // None given: EC2 puts the instances in the VPC's default security group.
    ...(groups.length ? { SecurityGroupIds: groups } : {}),
    ...(metadata && Object.keys(metadata).length ? {
      MetadataOptions: {
        ...(metadata.httpTokens ? { HttpTokens: metadata.httpTokens } : {}),
        ...(metadata.httpEndpoint ? { HttpEndpoint: metadata.httpEndpoint } : {}),
        ...(metadata.httpPutResponseHopLimit !== undefined ? { HttpPutResponseHopLimit: metadata.httpPutResponseHopLimit } : {}),
      },
    } : {}),
    TagSpecifications: [{ ResourceType: 'instance', Tags: tagList(instanceTags(t, name)) }],
  };
}
