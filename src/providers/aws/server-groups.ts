// Server groups on AWS: an Auto Scaling group from a launch template, both named as the server group
// (app-stack-detail-vNNN, as Clouddriver names them) and tagged as Staysail's. Enabled means the
// group is attached to the target groups of its load balancers and AddToLoadBalancer is not
// suspended; disabled, it is attached to none and AddToLoadBalancer, Launch and Terminate are
// suspended, as Clouddriver disables one. A group without Staysail's tags is never changed.
import {
  CreateAutoScalingGroupCommand, CreateOrUpdateTagsCommand, DeleteAutoScalingGroupCommand, DeleteTagsCommand, DescribeAutoScalingGroupsCommand,
  ResumeProcessesCommand, SuspendProcessesCommand, UpdateAutoScalingGroupCommand, type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { DeleteLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { conflict, inProgress, isProviderError, notFound } from '../errors.ts';
import type { CreateServerGroup, Location, ProviderAccount, ServerGroupDescription, ServerGroupProvider } from '../interfaces.ts';
import { describeGroup, groupTagsOf, isEnabled, loadBalancersOf, newestFirst, suspendedOf } from './asg-describe.ts';
import { ensureLaunchTemplate, findLaunchTemplate, placementOf } from './asg-create.ts';
import { createGroupInput, disabledProcesses, groupTag } from './asg-request.ts';
import { attachExactly, targetGroupsOf, trafficOf } from './asg-traffic.ts';
import { regionOf, type AwsClientPool, type AwsClients } from './clients.ts';
import { aws, awsOrAbsent } from './errors.ts';
import { loadBalancersTagValue } from './launch-template.ts';
import { isOurs, isOwnedBy, managedByValue, ownerOf, tagKeys, tagMap } from './tags.ts';

export interface AwsServerGroupOptions {
  /** How long destroy waits for a deleted group to disappear before answering InProgress. */
  deleteWaitMs?: number;
  /** How often it looks meanwhile. */
  pollMs?: number;
  /** The time, in ms since the epoch. */
  now?: () => number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The Auto Scaling group of that name, or undefined. */
async function findGroup(c: AwsClients, name: string): Promise<AutoScalingGroup | undefined> {
  const out = await aws(`server group ${name}: describing Auto Scaling group ${name} in ${c.region}`,
    () => c.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })));
  return out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === name);
}

const foreign = (asg: AutoScalingGroup, region: string, verb: string) => {
  const name = asg.AutoScalingGroupName!;
  return conflict(`server group ${name}: Auto Scaling group ${name} in ${region} belongs to ${ownerOf(groupTagsOf(asg))}, so Staysail will not ${verb} it; `
    + 'delete or rename that group, or give the server group another name');
};

/** The group, which must exist (NotFound) and be Staysail's (Conflict): the only kind any verb changes. */
async function ourGroup(c: AwsClients, name: string, verb: string): Promise<AutoScalingGroup> {
  const asg = await findGroup(c, name);
  if (!asg) throw notFound(`server group ${name}: there is no Auto Scaling group ${name} in ${c.region} to ${verb}`);
  if (!isOurs(groupTagsOf(asg))) throw foreign(asg, c.region, verb);
  return asg;
}

const describeOf = async (c: AwsClients, asg: AutoScalingGroup): Promise<ServerGroupDescription> => describeGroup(asg, await trafficOf(c, asg));

async function setProcesses(c: AwsClients, asg: AutoScalingGroup, processes: readonly string[], suspended: boolean): Promise<void> {
  const now = suspendedOf(asg);
  const change = processes.filter((p) => now.has(p) !== suspended);
  if (!change.length) return;
  const name = asg.AutoScalingGroupName!;
  const input = { AutoScalingGroupName: name, ScalingProcesses: change };
  await aws(`server group ${name}: ${suspended ? 'suspending' : 'resuming'} ${change.join(', ')}`,
    () => c.asg.send(suspended ? new SuspendProcessesCommand(input) : new ResumeProcessesCommand(input)));
}

async function recordLoadBalancers(c: AwsClients, asg: AutoScalingGroup, loadBalancers: readonly string[]): Promise<void> {
  const name = asg.AutoScalingGroupName!;
  const value = loadBalancersTagValue(loadBalancers);
  if (groupTagsOf(asg)[tagKeys.loadBalancers] === value) return;
  await aws(`server group ${name}: recording its load balancers (${value || 'none'})`,
    () => c.asg.send(new CreateOrUpdateTagsCommand({ Tags: [groupTag(name, tagKeys.loadBalancers, value, false)] })));
}

/** A group found under the request's name is the request's only when Staysail made it for this owner from this template. */
function sameGroup(asg: AutoScalingGroup, req: CreateServerGroup, region: string): void {
  const tags = groupTagsOf(asg);
  if (!isOurs(tags)) throw foreign(asg, region, 'adopt');
  if (!isOwnedBy(tags, req.owner)) {
    throw conflict(`server group ${req.name}: Auto Scaling group ${req.name} in ${region} was made for ${ownerOf(tags)}, not for `
      + `${req.owner.kind}/${req.owner.namespace}/${req.owner.name} (uid ${req.owner.uid}); give the server group another name`);
  }
  if (tags[tagKeys.templateHash] !== req.templateHash) {
    throw conflict(`server group ${req.name} already exists in ${region} from another template (hash ${tags[tagKeys.templateHash] ?? 'none'}, `
      + `not ${req.templateHash}); delete it to make it again from this template`);
  }
}

async function create(c: AwsClients, req: CreateServerGroup): Promise<ServerGroupDescription> {
  // First a look-up: a repeated create (a crash before the caller wrote down that it made this) finds it.
  const existing = await findGroup(c, req.name);
  if (existing) {
    sameGroup(existing, req, c.region);
    return describeOf(c, existing);
  }
  const placement = await placementOf(c, req);
  await ensureLaunchTemplate(c, req, placement);
  try {
    await aws(`server group ${req.name}: creating Auto Scaling group ${req.name} in ${c.region}`,
      () => c.asg.send(new CreateAutoScalingGroupCommand(createGroupInput(req, placement))));
  } catch (err) {
    if (!isProviderError(err, 'Conflict')) throw err; // AlreadyExists: made meanwhile; it is read again below
  }
  const made = await findGroup(c, req.name);
  if (!made) throw inProgress(`server group ${req.name}: Auto Scaling group ${req.name} was created in ${c.region} but is not listed yet`, 2_000);
  sameGroup(made, req, c.region);
  // Created disabled it joins no target group, and AddToLoadBalancer keeps it so. Launch and Terminate
  // stay running: a new group is made disabled to come up before it takes traffic (red/black), and
  // with Launch suspended AWS would launch none of its instances. Its made-disabled tag, set in the
  // create itself, has it count as disabled even if a crash comes before this suspension.
  if (!req.enabled) await setProcesses(c, made, ['AddToLoadBalancer'], true);
  return describeOf(c, (await findGroup(c, req.name)) ?? made);
}

async function destroy(c: AwsClients, name: string, options: Required<AwsServerGroupOptions>): Promise<void> {
  const asg = await findGroup(c, name);
  if (asg) {
    if (!isOurs(groupTagsOf(asg))) throw foreign(asg, c.region, 'destroy');
    // ForceDelete terminates its instances; a delete already under way is only waited for.
    if (asg.Status !== 'Delete in progress') {
      await awsOrAbsent(`server group ${name}: deleting Auto Scaling group ${name} in ${c.region}`,
        () => c.asg.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name, ForceDelete: true })));
    }
    for (const deadline = options.now() + options.deleteWaitMs; await findGroup(c, name);) {
      if (options.now() >= deadline) throw inProgress(`server group ${name}: Auto Scaling group ${name} in ${c.region} is being deleted (its instances terminating)`, 10_000);
      await sleep(options.pollMs);
    }
  }
  // Its launch template goes once the group is gone (also when an earlier destroy stopped in between); someone else's stays.
  const lt = await findLaunchTemplate(c, name);
  if (!lt || !isOurs(tagMap(lt.Tags))) return;
  await awsOrAbsent(`server group ${name}: deleting launch template ${name} in ${c.region}`,
    () => c.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateName: name })));
}

/** The server groups of an AWS Account, as Auto Scaling groups and launch templates. */
export function awsServerGroups(pool: AwsClientPool, options: AwsServerGroupOptions = {}): ServerGroupProvider {
  const opts = { deleteWaitMs: options.deleteWaitMs ?? 20_000, pollMs: options.pollMs ?? 1_000, now: options.now ?? Date.now };
  const clients = (a: ProviderAccount, l: Location) => pool.for(a, regionOf(a, l));

  /** Leaves its target groups those of these load balancers, then records them; recorded last, so a change cut short is made again. */
  async function serve(c: AwsClients, asg: AutoScalingGroup, loadBalancers: readonly string[]): Promise<void> {
    await attachExactly(c, asg, await targetGroupsOf(c, loadBalancers));
    await recordLoadBalancers(c, asg, loadBalancers);
  }

  return {
    async describe(a, l, name) {
      const c = await clients(a, l);
      const asg = await findGroup(c, name);
      return asg ? describeOf(c, asg) : undefined;
    },

    async list(a, l, cluster) {
      const c = await clients(a, l);
      const groups: AutoScalingGroup[] = [];
      let NextToken: string | undefined;
      do {
        const out = await aws(`the server groups of cluster ${cluster} in ${c.region}`, () => c.asg.send(new DescribeAutoScalingGroupsCommand({
          Filters: [{ Name: `tag:${tagKeys.cluster}`, Values: [cluster] }, { Name: `tag:${tagKeys.managedBy}`, Values: [managedByValue] }],
          ...(NextToken ? { NextToken } : {}),
        })));
        groups.push(...(out.AutoScalingGroups ?? []));
        NextToken = out.NextToken;
      } while (NextToken);
      // The filter is AWS's; the tags are checked again so that nothing else is ever listed as ours.
      const ours = groups.filter((g) => { const t = groupTagsOf(g); return isOurs(t) && t[tagKeys.cluster] === cluster; });
      return (await Promise.all(ours.map((g) => describeOf(c, g)))).sort(newestFirst);
    },

    async create(a, req) {
      return create(await pool.for(a, regionOf(a, req.location)), req);
    },

    async resize(a, l, name, capacity) {
      const c = await clients(a, l);
      const asg = await ourGroup(c, name, 'resize');
      // A disabled group has Launch and Terminate suspended, and AWS would not act on a new capacity:
      // they are resumed for the resize, while AddToLoadBalancer stays suspended and no target group
      // is attached, so it still takes no traffic (only ASG-initiated scaling and replacement return).
      await setProcesses(c, asg, ['Launch', 'Terminate'], false);
      await aws(`server group ${name}: resizing to ${capacity.desired} (min ${capacity.min}, max ${capacity.max})`,
        () => c.asg.send(new UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: name, MinSize: capacity.min, MaxSize: capacity.max, DesiredCapacity: capacity.desired,
        })));
    },

    async enable(a, l, name, loadBalancers) {
      const c = await clients(a, l);
      const asg = await ourGroup(c, name, 'enable');
      await serve(c, asg, loadBalancers ?? loadBalancersOf(asg));
      await setProcesses(c, asg, disabledProcesses, false);
      // Last: until it goes, the group still counts as disabled, and a cut-short enable is made again.
      if (groupTagsOf(asg)[tagKeys.madeDisabled]) {
        await aws(`server group ${name}: enabled for the first time`, () => c.asg.send(new DeleteTagsCommand({
          Tags: [groupTag(name, tagKeys.madeDisabled, groupTagsOf(asg)[tagKeys.madeDisabled]!, false)] })));
      }
    },

    async disable(a, l, name) {
      const c = await clients(a, l);
      const asg = await ourGroup(c, name, 'disable');
      // Detached first: cut short, it still shows enabled and is disabled again.
      await attachExactly(c, asg, []);
      await setProcesses(c, asg, disabledProcesses, true);
    },

    async setLoadBalancers(a, l, name, loadBalancers) {
      const c = await clients(a, l);
      const asg = await ourGroup(c, name, 'change the load balancers of');
      if (isEnabled(asg)) await serve(c, asg, loadBalancers);
      else await recordLoadBalancers(c, asg, loadBalancers);
    },

    async destroy(a, l, name) {
      await destroy(await clients(a, l), name, opts);
    },
  };
}
