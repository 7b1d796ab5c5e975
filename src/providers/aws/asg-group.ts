// Finding a server group's Auto Scaling group and the small changes every verb makes to it: which
// processes are suspended, and the load balancers it records. Only a group made for this namespace's
// object of that name is ever changed (asg-ownership.ts); a verb whose call Auto Scaling refuses
// reads the group again, so that one deleted meanwhile is NotFound or InProgress, not Invalid.
import {
  CreateOrUpdateTagsCommand, DeleteTagsCommand, DescribeAutoScalingGroupsCommand, ResumeProcessesCommand, SuspendProcessesCommand,
  type AutoScalingGroup, type Tag,
} from '@aws-sdk/client-auto-scaling';
import { conflict, isProviderError, notFound } from '../errors.ts';
import { afterRefusal } from './asg-errors.ts';
import { groupTagsOf, suspendedOf } from './asg-describe.ts';
import { standingOf } from './asg-ownership.ts';
import { groupTag, leftLoadBalancersKey, leftTagValue } from './asg-request.ts';
import type { AwsClients } from './clients.ts';
import { aws } from './errors.ts';
import { loadBalancersTagValue } from './launch-template.ts';
import { ownerOf, tagKeys } from './tags.ts';

/** The Auto Scaling group of that name, or undefined. */
export async function findGroup(c: AwsClients, name: string): Promise<AutoScalingGroup | undefined> {
  const out = await aws(`server group ${name}: describing Auto Scaling group ${name} in ${c.region}`,
    () => c.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })));
  return out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === name);
}

/** Conflict: the group is not this namespace's server group of its name, so Staysail will not verb it. */
export function notOurs(asg: AutoScalingGroup, c: AwsClients, verb: string) {
  const name = asg.AutoScalingGroupName!;
  const tags = groupTagsOf(asg);
  const whose = standingOf(tags, c.namespace, name) === 'foreign' ? ownerOf(tags) : `${ownerOf(tags)}, not to a server group of namespace ${c.namespace}`;
  return conflict(`server group ${name}: Auto Scaling group ${name} in ${c.region} belongs to ${whose}, so Staysail will not ${verb} it; `
    + 'delete or rename that group, or give the server group another name');
}

/** The group, which must exist (NotFound) and be this namespace's server group of that name (Conflict): the only kind any verb changes. */
export async function ourGroup(c: AwsClients, name: string, verb: string): Promise<AutoScalingGroup> {
  const asg = await findGroup(c, name);
  if (!asg) throw notFound(`server group ${name}: there is no Auto Scaling group ${name} in ${c.region} to ${verb}`);
  if (standingOf(groupTagsOf(asg), c.namespace, name) !== 'here') throw notOurs(asg, c, verb);
  return asg;
}

/** Runs a verb's calls; refused as Invalid, the group is read again: gone is NotFound, being deleted InProgress. */
export async function guarded<T>(c: AwsClients, name: string, verb: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!isProviderError(err, 'Invalid')) throw err;
    throw afterRefusal(err, name, c.region, verb, await findGroup(c, name));
  }
}

/** Suspends (or resumes) those of the processes that are not so already. */
export async function setProcesses(c: AwsClients, asg: AutoScalingGroup, processes: readonly string[], suspended: boolean): Promise<void> {
  const now = suspendedOf(asg);
  const change = processes.filter((p) => now.has(p) !== suspended);
  if (!change.length) return;
  const name = asg.AutoScalingGroupName!;
  const input = { AutoScalingGroupName: name, ScalingProcesses: change };
  await aws(`server group ${name}: ${suspended ? 'suspending' : 'resuming'} ${change.join(', ')}`,
    () => c.asg.send(suspended ? new SuspendProcessesCommand(input) : new ResumeProcessesCommand(input)));
}

/** Records its load balancers, and those it left (still in view while they drain), in one call; nothing when so already. */
export async function recordLoadBalancers(c: AwsClients, asg: AutoScalingGroup, loadBalancers: readonly string[], now: number): Promise<void> {
  const name = asg.AutoScalingGroupName!;
  const tags = groupTagsOf(asg);
  const value = loadBalancersTagValue(loadBalancers);
  if (tags[tagKeys.loadBalancers] === value) return;
  const left = leftTagValue(tags, loadBalancers, now);
  const set: Tag[] = [groupTag(name, tagKeys.loadBalancers, value, false), ...(left ? [groupTag(name, leftLoadBalancersKey, left, false)] : [])];
  await aws(`server group ${name}: recording its load balancers (${value || 'none'})`, () => c.asg.send(new CreateOrUpdateTagsCommand({ Tags: set })));
  if (!left && tags[leftLoadBalancersKey] !== undefined) {
    await aws(`server group ${name}: forgetting the load balancers it left`, () => c.asg.send(new DeleteTagsCommand({
      Tags: [groupTag(name, leftLoadBalancersKey, tags[leftLoadBalancersKey]!, false)] })));
  }
}

/** Removes its made-disabled tag (it was enabled once). */
export async function clearMadeDisabled(c: AwsClients, asg: AutoScalingGroup): Promise<void> {
  const name = asg.AutoScalingGroupName!;
  const value = groupTagsOf(asg)[tagKeys.madeDisabled];
  if (value === undefined) return;
  await aws(`server group ${name}: enabled for the first time`, () => c.asg.send(new DeleteTagsCommand({
    Tags: [groupTag(name, tagKeys.madeDisabled, value, false)] })));
}
