// Where AWS resources go: the VPC (spec.location.network, else the region's default VPC) and its
// subnets (those named, else the VPC's in spec.location.zones: the default ones of each zone in the
// default VPC, all of them in another). What is wrong is Invalid and names the field.
import { DescribeSubnetsCommand, DescribeVpcsCommand, type Subnet } from '@aws-sdk/client-ec2';
import { invalid } from '../errors.ts';
import type { Location } from '../interfaces.ts';
import type { AwsClients } from './clients.ts';
import { aws, awsCode, awsOrAbsent, typedAwsError } from './errors.ts';

export interface Network {
  vpcId: string;
  /** Subnets, sorted by ID. */
  subnetIds: string[];
  /** Their availability zones, sorted. */
  zones: string[];
}

/** The VPC of the location: the one it names (which must exist), else the region's default VPC. */
export async function vpcOf(c: AwsClients, location: Location): Promise<string> {
  if (location.network) {
    const found = await awsOrAbsent(`VPC "${location.network}" (spec.location.network)`,
      () => c.ec2.send(new DescribeVpcsCommand({ VpcIds: [location.network!] })));
    if (!found?.Vpcs?.length) {
      throw invalid(`VPC "${location.network}" (spec.location.network) does not exist in region ${c.region}; name a VPC of the region, or leave the field out for its default VPC`);
    }
    return location.network;
  }
  const out = await aws(`the default VPC of ${c.region}`, () => c.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] })));
  const vpc = out.Vpcs?.[0]?.VpcId;
  if (!vpc) throw invalid(`region ${c.region} has no default VPC; name the VPC to use in spec.location.network`);
  return vpc;
}

/**
 * The network to launch into or balance across. subnetIds (field: where the caller's spec names
 * them) must exist and lie in one VPC, the location's when it names one.
 */
export async function networkOf(c: AwsClients, location: Location, subnetIds: readonly string[] | undefined, field: string): Promise<Network> {
  if (subnetIds?.length) return namedNetwork(c, location, subnetIds, field);
  const vpcId = await vpcOf(c, location);
  const out = await aws(`the subnets of ${vpcId}`, () => c.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })));
  let subnets = out.Subnets ?? [];
  if (!location.network) subnets = subnets.filter((s) => s.DefaultForAz);
  if (location.zones?.length) subnets = subnets.filter((s) => location.zones!.includes(s.AvailabilityZone!));
  if (!subnets.length) {
    throw invalid(`${vpcId} has no ${location.network ? '' : 'default '}subnet${location.zones?.length ? ` in spec.location.zones (${location.zones.join(', ')})` : ''} in region ${c.region}; `
      + `name the subnets in ${field}${location.zones?.length ? ', or change the zones' : ''}`);
  }
  return shape(vpcId, subnets);
}

/** The network of the subnets named in field: they exist, in one VPC (the location's, when it names one), in the location's zones. */
async function namedNetwork(c: AwsClients, location: Location, subnetIds: readonly string[], field: string): Promise<Network> {
  const subnets = await describeSubnets(c, [...subnetIds], field);
  const vpcs = [...new Set(subnets.map((s) => s.VpcId!))];
  if (vpcs.length > 1) {
    throw invalid(`the subnets of ${field} lie in several VPCs (${subnets.map((s) => `${s.SubnetId} in ${s.VpcId}`).join(', ')}); name subnets of one VPC`);
  }
  if (location.network && vpcs[0] !== location.network) {
    throw invalid(`the subnets of ${field} lie in ${vpcs[0]}, not in spec.location.network (${location.network}); name subnets of that VPC, or change the network`);
  }
  const outside = location.zones?.length ? subnets.filter((s) => !location.zones!.includes(s.AvailabilityZone!)) : [];
  if (outside.length) {
    throw invalid(`subnet ${outside.map((s) => `${s.SubnetId} (${s.AvailabilityZone})`).join(', ')} of ${field} is not in spec.location.zones `
      + `(${location.zones!.join(', ')}); name subnets of those zones, or change the zones`);
  }
  return shape(vpcs[0]!, subnets);
}

async function describeSubnets(c: AwsClients, ids: string[], field: string): Promise<Subnet[]> {
  try {
    const out = await c.ec2.send(new DescribeSubnetsCommand({ SubnetIds: ids }));
    const subnets = out.Subnets ?? [];
    const missing = ids.filter((id) => !subnets.some((s) => s.SubnetId === id));
    if (missing.length) throw invalid(`subnet ${missing.join(', ')} (${field}) does not exist in region ${c.region}; name subnets of the region`);
    return subnets;
  } catch (err) {
    if (awsCode(err)?.includes('NotFound')) {
      throw invalid(`${field}: ${(err as Error).message} (region ${c.region}); name subnets that exist in the region`);
    }
    throw typedAwsError(`the subnets of ${field}`, err);
  }
}

const shape = (vpcId: string, subnets: Subnet[]): Network => ({
  vpcId,
  subnetIds: subnets.map((s) => s.SubnetId!).sort(),
  zones: [...new Set(subnets.map((s) => s.AvailabilityZone!))].sort(),
});
