// What the AWS end-to-end suites share: moto (reset for each suite) behind an AwsProxy that is the
// Account's endpoint, a namespace with the Account, its Secret and the Application "shop", the
// operator as a process, manifests of LoadBalancers, SecurityGroups and Clusters on that Account,
// and moto read directly with the SDK: what a test asserts is what AWS holds.
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, DescribeLaunchTemplatesCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, DescribeTagsCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { waitFor } from '../../cluster/probe.ts';
import { AwsProxy } from '../../support/aws-proxy.ts';
import { motoImage, region } from '../../support/aws-world.ts';
import { motoAccountId, motoCredentials, type Moto } from '../../support/moto.ts';
import { createNamespace, operatorIn, removeNamespace } from '../../support/namespace.ts';
import type { OperatorProcess } from '../../support/operator-process.ts';
import { api, inNamespace } from '../../support/runs.ts';
import { sharedMoto } from '../../support/setup.ts';
import { clusterRollouts, type ClusterRollouts } from './cloud-suite.ts';

const managedBy = 'staysail.dev/managed-by';
const location = { region };

/** A LoadBalancer on the Account: an application load balancer, port 80 to the instances' 8080. */
export const loadBalancer = (name: string) => ({ apiVersion: api, kind: 'LoadBalancer', metadata: { name },
  spec: { application: 'shop', accountRef: { name: 'aws' }, location, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'HTTP' }] } });

/** A SecurityGroup on the Account: 8080 from the default VPC. */
export const securityGroup = (name: string) => ({ apiVersion: api, kind: 'SecurityGroup', metadata: { name },
  spec: { application: 'shop', accountRef: { name: 'aws' }, location, description: `instances of ${name}`,
    ingress: [{ from: { cidr: '172.31.0.0/16' }, protocol: 'tcp', ports: { from: 8080 } }] } });

/** A template moto runs; version lands in a tag, so two versions are two templates. */
export const awsTemplate = (version: string) => ({ aws: { imageId: motoImage, instanceType: 't3.micro', tags: { version } } });

export interface ClusterOptions { strategy?: object; capacity?: { min: number; max: number; desired: number }; loadBalancers?: string[];
  securityGroups?: string[]; extra?: object }

/** Cluster shop-<stack> on the Account, behind lb-<stack> and in fw-<stack> unless told otherwise. */
export function cluster(stack: string, version: string, o: ClusterOptions = {}) {
  return { apiVersion: api, kind: 'Cluster', metadata: { name: `shop-${stack}` },
    spec: { moniker: { app: 'shop', stack }, accountRef: { name: 'aws' }, location, capacity: o.capacity ?? { min: 1, max: 4, desired: 2 },
      loadBalancerRefs: (o.loadBalancers ?? [`lb-${stack}`]).map((name) => ({ name })),
      securityGroupRefs: (o.securityGroups ?? [`fw-${stack}`]).map((name) => ({ name })),
      template: awsTemplate(version), strategy: o.strategy ?? { type: 'redblack' }, ...o.extra } };
}

export interface Group { name: string; arn: string; created: string; desired: number; min: number; max: number; inService: string[]; suspended: string[];
  targetGroups: string[]; tags: Record<string, string> }
const group = (g: AutoScalingGroup): Group => ({
  name: g.AutoScalingGroupName!, arn: g.AutoScalingGroupARN!, created: g.CreatedTime?.toISOString() ?? '', desired: g.DesiredCapacity!, min: g.MinSize!, max: g.MaxSize!,
  inService: (g.Instances ?? []).filter((i) => i.LifecycleState === 'InService').map((i) => i.InstanceId!).sort(),
  suspended: (g.SuspendedProcesses ?? []).map((p) => p.ProcessName!).sort(),
  targetGroups: [...(g.TargetGroupARNs ?? [])].sort(),
  tags: Object.fromEntries((g.Tags ?? []).map((t) => [t.Key!, t.Value ?? ''])),
});

/** moto as the SDK reads it, without the proxy: what AWS holds. */
export class MotoView {
  readonly ec2: EC2Client;
  readonly asg: AutoScalingClient;
  readonly elb: ElasticLoadBalancingV2Client;

  constructor(endpoint: string) {
    const config = { region, endpoint, credentials: motoCredentials, maxAttempts: 2 };
    this.ec2 = new EC2Client(config);
    this.asg = new AutoScalingClient(config);
    this.elb = new ElasticLoadBalancingV2Client(config);
  }

  /** Every Auto Scaling group, by name. */
  async groups(): Promise<Group[]> {
    const all: Group[] = [];
    let NextToken: string | undefined;
    for (let page = 0; page < 50; page++) {
      const out = await this.asg.send(new DescribeAutoScalingGroupsCommand({ NextToken }));
      all.push(...(out.AutoScalingGroups ?? []).map(group));
      NextToken = out.NextToken;
      if (!NextToken) break;
    }
    return all.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The Auto Scaling groups of a cluster (its name followed by a version), by name. */
  async groupsOf(cluster: string): Promise<Group[]> {
    return (await this.groups()).filter((g) => new RegExp(`^${cluster}-v\\d{3,}$`).test(g.name));
  }

  async group(name: string): Promise<Group | undefined> {
    const out = await this.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
    return out.AutoScalingGroups?.[0] && group(out.AutoScalingGroups[0]);
  }

  /** Launch templates: name, latest and default version, tags. */
  async launchTemplates(prefix = ''): Promise<{ name: string; latest: number; default: number; tags: Record<string, string> }[]> {
    const out = await this.ec2.send(new DescribeLaunchTemplatesCommand({ MaxResults: 200 }));
    return (out.LaunchTemplates ?? []).filter((t) => t.LaunchTemplateName!.startsWith(prefix))
      .map((t) => ({ name: t.LaunchTemplateName!, latest: t.LatestVersionNumber!, default: t.DefaultVersionNumber!,
        tags: Object.fromEntries((t.Tags ?? []).map((x) => [x.Key!, x.Value ?? ''])) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The target groups of an ELBv2 load balancer by its name, or none when it does not exist. */
  async targetGroupsOf(lb: string): Promise<{ arn: string; name: string; port: number }[]> {
    const lbs = await this.elb.send(new DescribeLoadBalancersCommand({})); // moto answers an unknown name with an error
    const found = (lbs.LoadBalancers ?? []).find((l) => l.LoadBalancerName === lb);
    if (!found) return [];
    const out = await this.elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: found.LoadBalancerArn }));
    return (out.TargetGroups ?? []).map((t) => ({ arn: t.TargetGroupArn!, name: t.TargetGroupName!, port: t.Port! }));
  }

  /**
   * Running instances registered healthy in a target group, sorted. moto reports a registered target
   * healthy whatever its instance's state, and a group deleted while attached leaves its terminated
   * instances registered (AWS deregisters them as they terminate): those are not counted.
   */
  async healthyTargets(targetGroupArn: string): Promise<string[]> {
    const out = await this.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
    const healthy = (out.TargetHealthDescriptions ?? []).filter((d) => d.TargetHealth?.State === 'healthy').map((d) => d.Target!.Id!);
    const running = await this.runningInstances(healthy);
    return healthy.filter((id) => running.has(id)).sort();
  }

  /** Those of the instances that are running. */
  async runningInstances(ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const out = await this.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
    return new Set((out.Reservations ?? []).flatMap((r) => r.Instances ?? []).filter((i) => i.State?.Name === 'running').map((i) => i.InstanceId!));
  }

  /** The security group IDs each instance is in. */
  async instanceSecurityGroups(ids: string[]): Promise<Map<string, string[]>> {
    if (!ids.length) return new Map();
    const out = await this.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
    return new Map((out.Reservations ?? []).flatMap((r) => r.Instances ?? [])
      .map((i) => [i.InstanceId!, (i.SecurityGroups ?? []).map((g) => g.GroupId!).sort()] as const));
  }

  /** The tags of each instance. */
  async instanceTags(ids: string[]): Promise<Map<string, Record<string, string>>> {
    if (!ids.length) return new Map();
    const out = await this.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
    return new Map((out.Reservations ?? []).flatMap((r) => r.Instances ?? [])
      .map((i) => [i.InstanceId!, Object.fromEntries((i.Tags ?? []).map((t) => [t.Key!, t.Value ?? '']))] as const));
  }

  /** The ID of the EC2 security group of that name (in any VPC), if any. */
  async securityGroupId(name: string): Promise<string | undefined> {
    const out = await this.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [name] }] }));
    return out.SecurityGroups?.[0]?.GroupId;
  }

  /**
   * Everything in moto that Staysail made, named by kind: what tagged staysail.dev/managed-by, and
   * (tags or not) every Auto Scaling group, launch template, target group, load balancer and
   * non-default security group, since after a reset only Staysail makes them.
   */
  async leftovers(): Promise<string[]> {
    const left = (await this.groups()).map((g) => `Auto Scaling group ${g.name}`);
    left.push(...(await this.launchTemplates()).map((t) => `launch template ${t.name}`));
    const tgs = await this.elb.send(new DescribeTargetGroupsCommand({}));
    left.push(...(tgs.TargetGroups ?? []).map((t) => `target group ${t.TargetGroupName}`));
    const lbs = await this.elb.send(new DescribeLoadBalancersCommand({}));
    left.push(...(lbs.LoadBalancers ?? []).map((l) => `load balancer ${l.LoadBalancerName}`));
    const sgs = await this.ec2.send(new DescribeSecurityGroupsCommand({}));
    left.push(...(sgs.SecurityGroups ?? []).filter((g) => g.GroupName !== 'default' || g.Tags?.some((t) => t.Key === managedBy))
      .map((g) => `security group ${g.GroupName} (${g.GroupId})`));
    return left.sort();
  }

  /** The tags of an ELBv2 resource. */
  async elbTags(arn: string): Promise<Record<string, string>> {
    const out = await this.elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }));
    return Object.fromEntries((out.TagDescriptions?.[0]?.Tags ?? []).map((t) => [t.Key!, t.Value ?? '']));
  }

  close(): void {
    this.ec2.destroy();
    this.asg.destroy();
    this.elb.destroy();
  }
}

export type { ClusterState, RolloutStatus } from './cloud-suite.ts';

/** The suite's world, filled in by its before hook. */
export interface AwsSuite extends ClusterRollouts {
  ns: string;
  moto: Moto;
  proxy: AwsProxy;
  view: MotoView;
  k: (args: string[], input?: string) => Promise<string>;
  apply: (...docs: object[]) => Promise<string>;
  /** The operator started by the suite (undefined with operator: false). */
  operator: OperatorProcess | undefined;
}

/**
 * Mocha hooks for an AWS suite: moto reset, a proxy in front of it, a namespace with the Account
 * "aws" (endpoint: the proxy), its Secret and the Application, and (unless operator is false) the
 * operator watching the namespace, with the Account Ready. Stopped and removed after.
 */
export function awsSuite(prefix: string, options: { operator?: boolean } = {}): AwsSuite {
  const ns = `${prefix}-${Date.now().toString(36)}`;
  const { k, apply } = inNamespace(ns);
  const suite = { ns, k, apply, operator: undefined } as AwsSuite;

  Object.assign(suite, clusterRollouts(ns, k, () => suite.operator, () => `AWS calls through the proxy:\n${suite.proxy?.summary() ?? ''}`));

  before(async function () {
    this.timeout(120_000);
    suite.moto = await sharedMoto();
    await suite.moto.reset();
    suite.proxy = await AwsProxy.start(suite.moto.endpoint);
    suite.view = new MotoView(suite.moto.endpoint);
    await createNamespace(ns);
    await k(['create', 'secret', 'generic', 'aws', `--from-literal=accessKeyId=${motoCredentials.accessKeyId}`,
      `--from-literal=secretAccessKey=${motoCredentials.secretAccessKey}`]);
    await apply({ apiVersion: api, kind: 'Account', metadata: { name: 'aws' },
      spec: { provider: 'aws', aws: { accountId: motoAccountId, regions: [region], endpoint: suite.proxy.endpoint, credentialsSecretRef: { name: 'aws' } } } },
    { apiVersion: api, kind: 'Application', metadata: { name: 'shop' }, spec: { cloudProviders: ['aws'] } });
    if (options.operator !== false) {
      suite.operator = await operatorIn(ns);
      await k(['wait', '--for=condition=Ready', '--timeout=30s', 'account/aws']);
    }
  });
  after(async function () {
    this.timeout(60_000);
    await removeNamespace(ns, suite.operator);
    suite.view?.close();
    await suite.proxy?.stop();
  });
  return suite;
}

/** The single target group of a LoadBalancer in moto, once it is made. */
export async function targetGroupOf(s: AwsSuite, lb: string): Promise<{ arn: string; name: string }> {
  let tgs: { arn: string; name: string }[] = [];
  await waitFor(async () => (tgs = await s.view.targetGroupsOf(lb)).length === 1, 60_000,
    () => `LoadBalancer ${lb} has no single target group in moto: ${JSON.stringify(tgs)}\n${s.proxy.summary()}`);
  return tgs[0]!;
}

/**
 * Waits until the target group's healthy instances are exactly the in-service ones of the named
 * Auto Scaling groups (together), and returns them.
 */
export async function servedBy(s: AwsSuite, tgArn: string, ...names: string[]): Promise<string[]> {
  let targets: string[] = [];
  let ids: string[] = [];
  await waitFor(async () => {
    const groups = await Promise.all(names.map((n) => s.view.group(n)));
    ids = groups.flatMap((g) => g?.inService ?? []).sort();
    targets = await s.view.healthyTargets(tgArn);
    return groups.every((g) => (g?.inService.length ?? 0) > 0) && JSON.stringify(targets) === JSON.stringify(ids);
  }, 30_000, () => `the target group does not serve ${names.join(' and ')} alone: targets ${targets.join(', ')}; in service ${ids.join(', ')}`);
  return ids;
}
