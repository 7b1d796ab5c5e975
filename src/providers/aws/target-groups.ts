// A LoadBalancer's target groups on ELBv2, one per port: found by name, made when missing (tagged
// as the LoadBalancer's, with the port), their health check kept as the spec says, and found again
// by their tags for removal. A target group of that name that is not the LoadBalancer's is refused
// and never modified or deleted.
import {
  CreateTargetGroupCommand, DeleteTargetGroupCommand, DescribeTargetGroupsCommand, ModifyTargetGroupCommand,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { invalid, isProviderError } from '../errors.ts';
import type { Owner } from '../interfaces.ts';
import type { AwsClients } from './clients.ts';
import { aws, awsOrAbsent } from './errors.ts';
import { healthCheckDiffers, targetGroupMismatch, type HealthCheck, type PortPlan } from './load-balancer-plan.ts';
import { elbTagsOf, targetGroupNamePrefix } from './lookups.ts';
import { isMadeFor, refuseUnlessOwned } from './ownership.ts';
import { isOwnedBy, ownerTags, tagKeys, tagList, type Tags } from './tags.ts';

/** Target groups whose names begin as a LoadBalancer's do, with their tags: its own among them, and maybe others'. */
export interface NamedTargetGroups {
  groups: TargetGroup[];
  tags: Map<string, Tags>;
}

/**
 * The load balancer's tag listing the ports whose target groups may exist: widened before a target
 * group is made for a new port, narrowed once those of dropped ports are deleted. While it names
 * just the spec's ports, every target group of the LoadBalancer is one of the spec's, found by name,
 * and a pass need not read every target group of the region.
 */
export const portsTagKey = 'staysail.dev/target-group-ports';

/** The ports of the tag's value, or undefined when the load balancer has none (made before the tag was). */
export function portsOfTag(tags: Tags): number[] | undefined {
  const value = tags[portsTagKey];
  if (value === undefined) return undefined;
  return value.split(',').filter(Boolean).map(Number).filter(Number.isInteger);
}

/** The tag's value for ports: sorted, distinct, comma-separated. */
export const portsTagValue = (ports: readonly number[]): string => [...new Set(ports)].sort((a, b) => a - b).join(',');

/** The target groups of these names, or undefined when one of them does not exist (DescribeTargetGroups refuses the lot). */
export async function targetGroupsNamed(c: AwsClients, names: readonly string[]): Promise<TargetGroup[] | undefined> {
  const out = await awsOrAbsent(`target groups ${names.join(', ')}`, () => c.elb.send(new DescribeTargetGroupsCommand({ Names: [...names] })));
  const groups = out?.TargetGroups ?? [];
  return names.every((n) => groups.some((g) => g.TargetGroupName === n)) ? groups : undefined;
}

/**
 * Every target group of the region whose name begins as the LoadBalancer's target groups' names do,
 * with their tags: what a delete, a pass after a port was dropped (see portsTagKey), or one that
 * misses a target group reads, so that one of a dropped port is still found (and deleted) should a
 * pass end between deleting its listener and deleting it. One DescribeTargetGroups call per 400
 * target groups of the region.
 */
export async function targetGroupsNamedFor(c: AwsClients, name: string): Promise<NamedTargetGroups> {
  const prefix = targetGroupNamePrefix(name);
  const groups: TargetGroup[] = [];
  let Marker: string | undefined;
  do {
    const out = await aws(`the target groups of ${c.region}`, () => c.elb.send(new DescribeTargetGroupsCommand({ PageSize: 400, ...(Marker ? { Marker } : {}) })));
    groups.push(...(out.TargetGroups ?? []).filter((g) => g.TargetGroupName?.startsWith(prefix)));
    Marker = out.NextMarker;
  } while (Marker);
  return { groups, tags: await elbTagsOf(c, groups.map((g) => g.TargetGroupArn!)) };
}

/** Whether its tags say Staysail made it for the LoadBalancer of that name (and, given owner, for that very object). */
export function isTargetGroupOf(tags: Tags | undefined, namespace: string, name: string, owner?: Owner): boolean {
  if (!tags || tags[tagKeys.name] !== name || !isMadeFor(tags, 'LoadBalancer', namespace, name)) return false;
  return !owner || isOwnedBy(tags, owner);
}

export interface TargetGroupRequest {
  /** The LoadBalancer's name. */
  name: string;
  port: PortPlan;
  vpcId: string;
  healthCheck: HealthCheck;
  owner: Owner;
}

/** The port's target group, made now when missing, with the health check as planned; returns its ARN. */
export async function ensureTargetGroup(c: AwsClients, r: TargetGroupRequest, existing?: { tg: TargetGroup; tags: Tags }): Promise<string> {
  const { tg, tags } = existing ?? await createTargetGroup(c, r);
  const what = `target group ${tg.TargetGroupName} (${tg.TargetGroupArn})`;
  refuseUnlessOwned(tags, r.owner, what, 'delete it, or give the LoadBalancer another name');
  const mismatch = targetGroupMismatch(tg, r.port, r.vpcId);
  if (mismatch) {
    throw invalid(`LoadBalancer "${r.name}": spec.ports port ${r.port.port} needs ${what} to send ${r.port.protocol} to port ${r.port.targetPort} in ${r.vpcId}, `
      + `but ${mismatch}, and ELBv2 cannot change that in place; put the port back as it was, or delete the LoadBalancer and create it again`);
  }
  if (healthCheckDiffers(tg, r.healthCheck)) {
    await aws(`changing the health check of ${what}`, () => c.elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn!, ...r.healthCheck })));
  }
  return tg.TargetGroupArn!;
}

async function createTargetGroup(c: AwsClients, r: TargetGroupRequest): Promise<{ tg: TargetGroup; tags: Tags }> {
  const name = r.port.targetGroupName;
  const tags = { ...ownerTags(r.owner, r.name), [tagKeys.port]: String(r.port.port) };
  try {
    const out = await aws(`creating target group ${name} in ${r.vpcId} (${c.region})`, () => c.elb.send(new CreateTargetGroupCommand({
      Name: name, Protocol: r.port.protocol as 'HTTP' | 'TCP' | 'UDP', Port: r.port.targetPort, VpcId: r.vpcId, TargetType: 'instance',
      ...r.healthCheck, Tags: tagList(tags),
    })));
    // CreateTargetGroup answers with the existing group when one of that name has the same settings,
    // so in a race it may be someone else's: its own tags say whose it is.
    const tg = out.TargetGroups![0]!;
    return { tg, tags: (await elbTagsOf(c, [tg.TargetGroupArn!])).get(tg.TargetGroupArn!) ?? {} };
  } catch (err) {
    if (!isProviderError(err, 'Conflict')) throw err;
    // DuplicateTargetGroupName: made meanwhile, by this LoadBalancer in another pass or by someone else.
    const again = await awsOrAbsent(`target group ${name}`, () => c.elb.send(new DescribeTargetGroupsCommand({ Names: [name] })));
    const tg = again?.TargetGroups?.[0];
    if (!tg) throw err;
    return { tg, tags: (await elbTagsOf(c, [tg.TargetGroupArn!])).get(tg.TargetGroupArn!) ?? {} };
  }
}

/** Deletes a target group; one already gone is fine, one a listener or rule still forwards to is InProgress. */
export async function deleteTargetGroup(c: AwsClients, tg: { TargetGroupArn?: string | undefined; TargetGroupName?: string | undefined }): Promise<void> {
  const what = `deleting target group ${tg.TargetGroupName ?? ''} (${tg.TargetGroupArn})`;
  // ResourceInUse (a listener or rule still forwards to it) is InProgress: it is deleted once none does.
  await awsOrAbsent(what, () => c.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn! })));
}
