// Where AWS resources go: the VPC (spec.location.network, else the region's default VPC) and its
// subnets (those named, else the VPC's in spec.location.zones: the default ones of each zone in the
// default VPC, all of them in another; a load balancer takes one per zone, see onePerZone). What is
// wrong is Invalid and names the field.
import { DescribeSubnetsCommand, DescribeVpcsCommand, type Subnet, type Vpc } from '@aws-sdk/client-ec2';
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
  /** The VPC's IPv4 and IPv6 CIDRs (what "inside the network" means to a security group rule), when known. */
  cidrs: string[];
}

/** The VPC of the location: the one it names (which must exist), else the region's default VPC. */
export async function vpcOf(c: AwsClients, location: Location): Promise<string> {
  return (await findVpc(c, location)).VpcId!;
}

async function findVpc(c: AwsClients, location: Location): Promise<Vpc> {
  if (location.network) {
    const found = await awsOrAbsent(`VPC "${location.network}" (spec.location.network)`,
      () => c.ec2.send(new DescribeVpcsCommand({ VpcIds: [location.network!] })));
    const vpc = found?.Vpcs?.find((v) => v.VpcId === location.network);
    if (!vpc) {
      throw invalid(`VPC "${location.network}" (spec.location.network) does not exist in region ${c.region}; name a VPC of the region, or leave the field out for its default VPC`);
    }
    return vpc;
  }
  const out = await aws(`the default VPC of ${c.region}`, () => c.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] })));
  const vpc = out.Vpcs?.[0];
  if (!vpc?.VpcId) throw invalid(`region ${c.region} has no default VPC; name the VPC to use in spec.location.network`);
  return vpc;
}

/** The VPC's associated IPv4 and IPv6 CIDRs. */
export function cidrsOf(vpc: Vpc): string[] {
  const v4 = (vpc.CidrBlockAssociationSet ?? []).filter((a) => !a.CidrBlockState?.State || a.CidrBlockState.State === 'associated')
    .map((a) => a.CidrBlock!).filter(Boolean);
  const v6 = (vpc.Ipv6CidrBlockAssociationSet ?? []).filter((a) => !a.Ipv6CidrBlockState?.State || a.Ipv6CidrBlockState.State === 'associated')
    .map((a) => a.Ipv6CidrBlock!).filter(Boolean);
  return [...new Set([...(v4.length ? v4 : vpc.CidrBlock ? [vpc.CidrBlock] : []), ...v6])];
}

/**
 * The network to launch into. subnetIds (field: where the caller's spec names them) must exist and
 * lie in one VPC, the location's when it names one.
 */
export async function networkOf(c: AwsClients, location: Location, subnetIds: readonly string[] | undefined, field: string): Promise<Network> {
  if (subnetIds?.length) return namedNetwork(c, location, subnetIds, field);
  const { vpc, subnets } = await locationSubnets(c, location, `name the subnets in ${field}`);
  return shape(vpc, subnets);
}

/**
 * The network of a load balancer, which has no subnet field: the location's subnets, one per
 * availability zone (ELBv2 takes no more), chosen by onePerZone for the scheme.
 */
export async function balancerNetworkOf(c: AwsClients, location: Location, scheme: Scheme): Promise<Network> {
  const { vpc, subnets } = await locationSubnets(c, location, 'name a VPC with subnets in spec.location.network');
  return shape(vpc, onePerZone(subnets, scheme));
}

export type Scheme = 'internal' | 'internet-facing';

/**
 * One subnet per availability zone, the same every time: in each zone the subnets whose
 * MapPublicIpOnLaunch suits the scheme (set for internet-facing, unset for internal) come first,
 * then the lowest subnet ID. MapPublicIpOnLaunch is only a hint of a public subnet (a route to an
 * internet gateway is what makes one, and reading route tables costs a call per pass). Pure.
 */
export function onePerZone(subnets: readonly Subnet[], scheme: Scheme): Subnet[] {
  const wantPublic = scheme === 'internet-facing';
  const byZone = new Map<string, Subnet>();
  const better = (a: Subnet, b: Subnet) => {
    const fitA = Boolean(a.MapPublicIpOnLaunch) === wantPublic;
    const fitB = Boolean(b.MapPublicIpOnLaunch) === wantPublic;
    return fitA !== fitB ? fitA : a.SubnetId! < b.SubnetId!;
  };
  for (const s of subnets) {
    const held = byZone.get(s.AvailabilityZone!);
    if (!held || better(s, held)) byZone.set(s.AvailabilityZone!, s);
  }
  return [...byZone.values()];
}

/** The location's VPC and its subnets in spec.location.zones (the default ones in the default VPC); Invalid, with fix, when there are none. */
async function locationSubnets(c: AwsClients, location: Location, fix: string): Promise<{ vpc: Vpc; subnets: Subnet[] }> {
  const vpc = await findVpc(c, location);
  const vpcId = vpc.VpcId!;
  const out = await aws(`the subnets of ${vpcId}`, () => c.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })));
  let subnets = out.Subnets ?? [];
  if (!location.network) subnets = subnets.filter((s) => s.DefaultForAz);
  const zones = location.zones?.length ? location.zones : undefined;
  if (zones) subnets = subnets.filter((s) => zones.includes(s.AvailabilityZone!));
  if (!subnets.length) {
    const where = location.network ? `${vpcId} (spec.location.network)` : `${vpcId} (the default VPC of ${c.region})`;
    throw invalid(`${where} has no ${location.network ? '' : 'default '}subnet${zones ? ` in spec.location.zones (${zones.join(', ')})` : ''}; `
      + `${fix}${zones ? ', or change spec.location.zones' : ''}`);
  }
  return { vpc, subnets };
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
  return shape({ VpcId: vpcs[0]! }, subnets);
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

const shape = (vpc: Vpc, subnets: Subnet[]): Network => ({
  vpcId: vpc.VpcId!,
  cidrs: cidrsOf(vpc),
  subnetIds: subnets.map((s) => s.SubnetId!).sort(),
  zones: [...new Set(subnets.map((s) => s.AvailabilityZone!))].sort(),
});
