// Server groups on AWS: an Auto Scaling group from a launch template, both named as the server group
// (app-stack-detail-vNNN, as Clouddriver names them) and tagged as Staysail's, for the object of one
// namespace. Enabled means the group is attached to the target groups of its load balancers and
// AddToLoadBalancer is not suspended; disabled, it is attached to none and AddToLoadBalancer, Launch
// and Terminate are suspended, as Clouddriver disables one. A group without Staysail's tags, or made
// for another namespace's object, is never changed (asg-verbs.ts).
import { CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { conflict, inProgress, isProviderError } from '../errors.ts';
import type { CreateServerGroup, Location, ProviderAccount, ServerGroupDescription, ServerGroupProvider } from '../interfaces.ts';
import { ensureLaunchTemplate, placementOf } from './asg-create.ts';
import { describeGroup, groupTagsOf, newestFirst } from './asg-describe.ts';
import { createRefusal } from './asg-errors.ts';
import { findGroup, notOurs, setProcesses } from './asg-group.ts';
import { standingOf } from './asg-ownership.ts';
import { createGroupInput } from './asg-request.ts';
import { targetGroupLookup, trafficOf, type TargetGroupLookup } from './asg-traffic.ts';
import { destroy, disable, enable, resize, setLoadBalancers } from './asg-verbs.ts';
import { regionOf, type AwsClientPool, type AwsClients } from './clients.ts';
import { aws } from './errors.ts';
import { isOurs, isOwnedBy, managedByValue, ownerOf, tagKeys } from './tags.ts';

export interface AwsServerGroupOptions {
  /** The time, in ms since the epoch. */
  now?: () => number;
}

/** A group found under the request's name is the request's only when Staysail made it for this owner from this template. */
function sameGroup(asg: AutoScalingGroup, req: CreateServerGroup, c: AwsClients): void {
  const tags = groupTagsOf(asg);
  if (!isOurs(tags)) throw notOurs(asg, c, 'adopt');
  if (!isOwnedBy(tags, req.owner)) {
    throw conflict(`server group ${req.name}: Auto Scaling group ${req.name} in ${c.region} was made for ${ownerOf(tags)}, not for `
      + `${req.owner.kind}/${req.owner.namespace}/${req.owner.name} (uid ${req.owner.uid}); give the server group another name`);
  }
  if (tags[tagKeys.templateHash] !== req.templateHash) {
    throw conflict(`server group ${req.name} already exists in ${c.region} from another template (hash ${tags[tagKeys.templateHash] ?? 'none'}, `
      + `not ${req.templateHash}); delete it to make it again from this template`);
  }
}

/** The server groups of an AWS Account, as Auto Scaling groups and launch templates. */
export function awsServerGroups(pool: AwsClientPool, options: AwsServerGroupOptions = {}): ServerGroupProvider {
  const now = options.now ?? Date.now;
  const clients = (a: ProviderAccount, l: Location) => pool.for(a, regionOf(a, l));
  const describeOf = async (c: AwsClients, asg: AutoScalingGroup, lookup: TargetGroupLookup = targetGroupLookup(c)): Promise<ServerGroupDescription> =>
    describeGroup(asg, await trafficOf(c, asg, lookup, now()));

  async function create(c: AwsClients, req: CreateServerGroup): Promise<ServerGroupDescription> {
    const lookup = targetGroupLookup(c);
    // First a look-up: a repeated create (a crash before the caller wrote down that it made this) finds it.
    const existing = await findGroup(c, req.name);
    if (existing) {
      sameGroup(existing, req, c);
      return describeOf(c, existing, lookup);
    }
    const placement = await placementOf(c, req, lookup);
    await ensureLaunchTemplate(c, req, placement);
    try {
      await aws(`server group ${req.name}: creating Auto Scaling group ${req.name} in ${c.region}`,
        () => c.asg.send(new CreateAutoScalingGroupCommand(createGroupInput(req, placement))));
    } catch (err) {
      // AlreadyExists: made meanwhile; it is read again below.
      if (!isProviderError(err, 'Conflict')) throw createRefusal(err, req.name, req.template.aws?.iamInstanceProfile);
    }
    const made = await findGroup(c, req.name);
    if (!made) throw inProgress(`server group ${req.name}: Auto Scaling group ${req.name} was created in ${c.region} but is not listed yet`, 2_000);
    sameGroup(made, req, c);
    // Created disabled it joins no target group, and AddToLoadBalancer keeps it so. Launch and Terminate
    // stay running: a new group is made disabled to come up before it takes traffic (red/black), and
    // with Launch suspended AWS would launch none of its instances. Its made-disabled tag, set in the
    // create itself, has it count as disabled even if a crash comes before this suspension.
    if (!req.enabled) await setProcesses(c, made, ['AddToLoadBalancer'], true);
    return describeOf(c, (await findGroup(c, req.name)) ?? made, lookup);
  }

  return {
    async describe(a, l, name) {
      const c = await clients(a, l);
      const asg = await findGroup(c, name);
      if (!asg) return undefined;
      // Another namespace's server group of the name is not this one's: Conflict, naming whose it is.
      if (standingOf(groupTagsOf(asg), c.namespace, name) === 'elsewhere') throw notOurs(asg, c, 'act on');
      return describeOf(c, asg);
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
      // The filter is AWS's; the tags are checked again so that nothing else (another namespace's included) is ever listed as ours.
      const ours = groups.filter((g) => standingOf(groupTagsOf(g), c.namespace, g.AutoScalingGroupName!) === 'here'
        && groupTagsOf(g)[tagKeys.cluster] === cluster);
      return (await Promise.all(ours.map((g) => describeOf(c, g)))).sort(newestFirst);
    },

    async create(a, req) {
      return create(await pool.for(a, regionOf(a, req.location)), req);
    },

    async resize(a, l, name, capacity) {
      await resize(await clients(a, l), name, capacity);
    },

    async enable(a, l, name, loadBalancers) {
      await enable(await clients(a, l), name, loadBalancers, now());
    },

    async disable(a, l, name) {
      await disable(await clients(a, l), name);
    },

    async setLoadBalancers(a, l, name, loadBalancers) {
      await setLoadBalancers(await clients(a, l), name, loadBalancers, now());
    },

    async destroy(a, l, name) {
      await destroy(await clients(a, l), name);
    },
  };
}
