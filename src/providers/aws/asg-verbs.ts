// What the server-group verbs change on an Auto Scaling group, each an ordered list of idempotent
// steps whose every cut leaves the group so that describe shows what is left to do (asg-describe.ts'
// isEnabled and membersOf): resize, enable, disable, setLoadBalancers and destroy. Only this
// namespace's server group of the name is ever changed (asg-group.ts' ourGroup).
import { DeleteAutoScalingGroupCommand, UpdateAutoScalingGroupCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { DeleteLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import type { Capacity } from '../../api/v1alpha1/common.ts';
import { inProgress, isProviderError, notFound } from '../errors.ts';
import { findLaunchTemplate } from './asg-create.ts';
import { groupTagsOf, instanceIdsOf, loadBalancersOf, processesEnabled } from './asg-describe.ts';
import { clearMadeDisabled, findGroup, guarded, notOurs, ourGroup, recordLoadBalancers, setProcesses } from './asg-group.ts';
import { standingOf } from './asg-ownership.ts';
import { disabledProcesses } from './asg-request.ts';
import { attachExactly, deregister, existingTargetGroupsOf, targetGroupLookup, targetGroupsOf } from './asg-traffic.ts';
import type { AwsClients } from './clients.ts';
import { aws, awsOrAbsent } from './errors.ts';
import { tagMap } from './tags.ts';

export async function resize(c: AwsClients, name: string, capacity: Capacity): Promise<void> {
  await guarded(c, name, 'resize', async () => {
    const asg = await ourGroup(c, name, 'resize');
    // A disabled group has Launch and Terminate suspended, and AWS would not act on a new capacity:
    // they are resumed for the resize, while AddToLoadBalancer stays suspended and no target group
    // is attached, so it still takes no traffic (only ASG-initiated scaling and replacement return).
    await setProcesses(c, asg, ['Launch', 'Terminate'], false);
    await aws(`server group ${name}: resizing to ${capacity.desired} (min ${capacity.min}, max ${capacity.max})`,
      () => c.asg.send(new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: name, MinSize: capacity.min, MaxSize: capacity.max, DesiredCapacity: capacity.desired,
      })));
  });
}

/**
 * Resumes its processes first (AWS adds no instance launched while AddToLoadBalancer was suspended
 * to a target group), forgets that it was made disabled, then attaches exactly its load balancers'
 * target groups, registering its instances there, and records them. Cut after the resumption it
 * shows enabled but not yet a member, and setLoadBalancers joins them.
 */
export async function enable(c: AwsClients, name: string, loadBalancers: readonly string[] | undefined, now: number): Promise<void> {
  await guarded(c, name, 'enable', async () => {
    const asg = await ourGroup(c, name, 'enable');
    const lbs = loadBalancers ?? loadBalancersOf(asg);
    const want = await targetGroupsOf(targetGroupLookup(c), lbs); // NotFound for one not made yet, before anything changes
    await setProcesses(c, asg, disabledProcesses, false);
    await clearMadeDisabled(c, asg);
    await attachExactly(c, asg, want);
    await recordLoadBalancers(c, asg, lbs, now);
  });
}

/**
 * Suspends its processes first (cut short, it shows attached while suspended, which setLoadBalancers
 * or disable detaches, never joining anything), then detaches every target group and deregisters its
 * instances there and from its load balancers' target groups (one may have registered them by hand).
 */
export async function disable(c: AwsClients, name: string): Promise<void> {
  await guarded(c, name, 'disable', async () => {
    const asg = await ourGroup(c, name, 'disable');
    await setProcesses(c, asg, disabledProcesses, true);
    const left = await attachExactly(c, asg, []);
    const known = await existingTargetGroupsOf(targetGroupLookup(c), loadBalancersOf(asg));
    await deregister(c, name, known.found.filter((tg) => !left.includes(tg)), instanceIdsOf(asg));
  });
}

/**
 * Enabled by its processes, it attaches exactly the target groups of these load balancers and leaves
 * the others; otherwise it leaves every one (an enable cut short, or a hand, may have attached some:
 * it never joins one while AddToLoadBalancer is suspended) and records them to join when enabled.
 * Recorded last, so that a change cut short is made again.
 */
export async function setLoadBalancers(c: AwsClients, name: string, loadBalancers: readonly string[], now: number): Promise<void> {
  await guarded(c, name, 'change the load balancers of', async () => {
    const asg = await ourGroup(c, name, 'change the load balancers of');
    // One not made (or deleted): it joins the others and leaves everything else all the same, then says so.
    const { found, missing } = await existingTargetGroupsOf(targetGroupLookup(c), loadBalancers);
    await attachExactly(c, asg, processesEnabled(asg) ? found : []);
    await recordLoadBalancers(c, asg, loadBalancers, now);
    if (missing.length) {
      throw notFound(`server group ${name}: LoadBalancer ${missing.map((lb) => `"${lb}"`).join(', ')} has no load balancer of its own in ${c.region}; `
        + 'it joins it once it is made');
    }
  });
}

/**
 * Takes it out of every target group (AddToLoadBalancer suspended, each detached and its instances
 * deregistered, so that they drain rather than stay registered while terminating), then deletes it
 * with its instances; looks once after, and says InProgress while it is still there. Its launch
 * template goes once the group is gone. A group another namespace's object made is left as it is,
 * with its launch template: the finalizer that calls this never deletes what is not its own.
 */
export async function destroy(c: AwsClients, name: string): Promise<void> {
  const asg = await findGroup(c, name);
  if (asg) {
    const standing = standingOf(groupTagsOf(asg), c.namespace, name);
    if (standing === 'foreign') throw notOurs(asg, c, 'destroy');
    if (standing === 'elsewhere') return;
    if (asg.Status !== 'Delete in progress') await deleteGroup(c, asg);
    if (await findGroup(c, name)) {
      throw inProgress(`server group ${name}: Auto Scaling group ${name} in ${c.region} is being deleted (its instances terminating)`, 10_000);
    }
  }
  const lt = await findLaunchTemplate(c, name);
  if (!lt || standingOf(tagMap(lt.Tags), c.namespace, name) !== 'here') return;
  await awsOrAbsent(`server group ${name}: deleting launch template ${name} in ${c.region}`,
    () => c.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateName: name })));
}

async function deleteGroup(c: AwsClients, asg: AutoScalingGroup): Promise<void> {
  const name = asg.AutoScalingGroupName!;
  try {
    await guarded(c, name, 'destroy', async () => {
      await setProcesses(c, asg, ['AddToLoadBalancer'], true);
      await attachExactly(c, asg, []);
      // ForceDelete terminates its instances.
      await awsOrAbsent(`server group ${name}: deleting Auto Scaling group ${name} in ${c.region}`,
        () => c.asg.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name, ForceDelete: true })));
    });
  } catch (err) {
    if (!isProviderError(err, 'NotFound')) throw err; // gone meanwhile: what destroy wants
  }
}
