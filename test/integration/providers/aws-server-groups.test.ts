// The AWS server groups on moto: the server-group contract, and what is AWS's own: a create repeated
// after a crash makes nothing twice, someone else's group is never touched, a template naming what
// does not exist is Invalid naming the field, disabled means suspended and detached, destroy leaves
// nothing behind, list sees only the cluster's groups that are Staysail's.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  AttachLoadBalancerTargetGroupsCommand, AutoScalingClient, CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, ResumeProcessesCommand,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand, CreateSubnetCommand, CreateVpcCommand, DescribeInstancesCommand, DescribeLaunchTemplatesCommand,
  DescribeSubnetsCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DeregisterTargetsCommand, DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client, RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { apiVersion } from '../../../src/api/v1alpha1/index.ts';
import { realClock } from '../../../src/core/clock.ts';
import { KubeClient } from '../../../src/core/kube-client.ts';
import { AwsClientPool } from '../../../src/providers/aws/clients.ts';
import { awsLoadBalancers } from '../../../src/providers/aws/load-balancers.ts';
import { launchTemplateData, bookkeepingTags } from '../../../src/providers/aws/launch-template.ts';
import { loadBalancerName, targetGroupName } from '../../../src/providers/aws/lookups.ts';
import { awsServerGroups } from '../../../src/providers/aws/server-groups.ts';
import { ownerTags, tagList, tagMap } from '../../../src/providers/aws/tags.ts';
import { CredentialsResolver } from '../../../src/providers/credentials.ts';
import { isProviderError, type ProviderErrorKind } from '../../../src/providers/errors.ts';
import type { CreateServerGroup, Location, Owner, ProviderAccount, ServerGroupProvider } from '../../../src/providers/interfaces.ts';
import type { LoadBalancerSpec } from '../../../src/api/v1alpha1/load-balancer.ts';
import { AwsProxy } from '../../support/aws-proxy.ts';
import { serverGroupContract } from '../../contracts/server-groups.ts';
import { awsAccountSpec, awsNamespace, awsTemplate, awsWorld, motoImage, region } from '../../support/aws-world.ts';
import { motoCredentials, type Moto } from '../../support/moto.ts';
import { namespaces } from '../../support/provider-world.ts';
import { sharedCluster, sharedMoto } from '../../support/setup.ts';

serverGroupContract('aws on moto', awsWorld);

const rejectsWith = (kind: ProviderErrorKind, pattern: RegExp) => (err: unknown) => {
  assert.ok(isProviderError(err, kind), `expected ${kind}, got ${String(err)}`);
  assert.match(err.message, pattern);
  return true;
};

describe('AWS server groups on moto', function () {
  this.timeout(120_000);
  let moto: Moto;
  let client: KubeClient;
  let pool: AwsClientPool;
  let sg: ServerGroupProvider;
  let account: ProviderAccount;
  let ec2: EC2Client;
  let asg: AutoScalingClient;
  let elb: ElasticLoadBalancingV2Client;
  const location: Location = { region };
  /** The ServerGroup the groups are made for, in the Account's namespace as the controller's always is. */
  let owner: Owner;

  const request = (overrides: Partial<CreateServerGroup> = {}): CreateServerGroup => ({
    name: 'shop-prod-v001', cluster: 'shop-prod', sequence: 1, location, template: awsTemplate('v1'), templateHash: 'hash-v1',
    capacity: { min: 1, max: 3, desired: 2 }, enabled: false, loadBalancers: [], securityGroups: [], owner, ...overrides,
  });

  const group = async (name: string): Promise<AutoScalingGroup | undefined> =>
    (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups?.[0];
  const launchTemplates = async () => (await ec2.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates ?? [];
  const groups = async () => (await asg.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
  const suspended = async (name: string) => ((await group(name))?.SuspendedProcesses ?? []).map((p) => p.ProcessName).sort();
  const defaultSubnets = async () => ((await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] })))
    .Subnets ?? []).sort((a, b) => a.SubnetId!.localeCompare(b.SubnetId!));

  /**
   * A load balancer as the LoadBalancer provider names and tags it, with one target group on port 80,
   * made straight in moto (foreign: without Staysail's tags, as someone else would make it).
   */
  async function loadBalancer(name: string, foreign = false): Promise<string> {
    const subnets = await defaultSubnets();
    const Tags = foreign ? [] : tagList(ownerTags({ apiVersion, kind: 'LoadBalancer', namespace: account.namespace, name, uid: randomUUID() }, name));
    const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: loadBalancerName(name), Subnets: subnets.slice(0, 2).map((s) => s.SubnetId!),
      Scheme: 'internal', Type: 'application', Tags }))).LoadBalancers![0]!;
    const tg = (await elb.send(new CreateTargetGroupCommand({ Name: targetGroupName(name, 80), Protocol: 'HTTP', Port: 80, VpcId: subnets[0]!.VpcId,
      TargetType: 'instance', Tags }))).TargetGroups![0]!;
    await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] }));
    return tg.TargetGroupArn!;
  }
  const registered = async (tg: string) => ((await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg }))).TargetHealthDescriptions ?? [])
    .filter((d) => d.TargetHealth?.State !== 'unused').map((d) => d.Target!.Id!).sort();

  /** An Auto Scaling group made by hand, without Staysail's tags (tags: any others). */
  async function foreignGroup(name: string, tags: Record<string, string> = {}): Promise<void> {
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: name, LaunchTemplateData: { ImageId: motoImage, InstanceType: 't3.micro' } }));
    await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: name, LaunchTemplate: { LaunchTemplateName: name, Version: '1' },
      MinSize: 1, MaxSize: 1, DesiredCapacity: 1, VPCZoneIdentifier: (await defaultSubnets())[0]!.SubnetId,
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value, ResourceId: name, ResourceType: 'auto-scaling-group', PropagateAtLaunch: false })) }));
  }

  beforeEach(async () => {
    moto = await sharedMoto();
    await moto.reset();
    client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock });
    const ns = await awsNamespace(client);
    account = { name: 'aws', namespace: ns, spec: awsAccountSpec(moto.endpoint) };
    owner = { apiVersion, kind: 'ServerGroup', namespace: ns, name: 'shop-prod-v001', uid: randomUUID() };
    pool = new AwsClientPool(new CredentialsResolver(client));
    sg = awsServerGroups(pool);
    const config = { region, endpoint: moto.endpoint, credentials: motoCredentials };
    ec2 = new EC2Client(config);
    asg = new AutoScalingClient(config);
    elb = new ElasticLoadBalancingV2Client(config);
  });

  afterEach(async () => {
    pool.close();
    for (const c of [ec2, asg, elb]) c.destroy();
    await client.delete(namespaces, undefined, account.namespace).catch(() => undefined);
  });

  it('tags the group and its launch template as Staysail\'s, and its instances with Name and the template\'s tags', async () => {
    const made = await sg.create(account, request({ template: { aws: { ...awsTemplate('v1').aws!, userData: 'echo hi', tags: { version: 'v1', team: 'shop' } } } }));
    const g = (await group('shop-prod-v001'))!;
    assert.equal(made.providerId, g.AutoScalingGroupARN);
    const tags = tagMap(g.Tags);
    assert.equal(tags['staysail.dev/managed-by'], 'staysail');
    assert.equal(tags['staysail.dev/owner-uid'], owner.uid);
    assert.deepEqual([tags['staysail.dev/cluster'], tags['staysail.dev/sequence'], tags['staysail.dev/template-hash']], ['shop-prod', '1', 'hash-v1']);
    assert.ok(g.Tags!.filter((t) => t.Key!.startsWith('staysail.dev/')).every((t) => !t.PropagateAtLaunch), 'a bookkeeping tag propagates');
    assert.deepEqual(g.LaunchTemplate, { LaunchTemplateId: g.LaunchTemplate!.LaunchTemplateId, LaunchTemplateName: 'shop-prod-v001', Version: '1' });
    const [lt] = await launchTemplates();
    assert.equal(tagMap(lt!.Tags)['staysail.dev/template-hash'], 'hash-v1');
    const instances = (await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:aws:autoscaling:groupName', Values: ['shop-prod-v001'] }] })))
      .Reservations!.flatMap((r) => r.Instances ?? []).filter((i) => i.State?.Name === 'running');
    assert.equal(instances.length, 2);
    for (const i of instances) {
      const t = tagMap(i.Tags);
      assert.deepEqual([t.Name, t.version, t.team], ['shop-prod-v001', 'v1', 'shop']);
      assert.equal(i.ImageId, motoImage);
    }
  });

  it('makes one launch template and one group when a create is repeated after only the launch template was made', async () => {
    const req = request();
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: req.name, LaunchTemplateData: launchTemplateData(req.template.aws!, req.name, []),
      TagSpecifications: [{ ResourceType: 'launch-template', Tags: tagList(bookkeepingTags(req)) }] }));
    await sg.create(account, req);
    await sg.create(account, req);
    assert.deepEqual((await launchTemplates()).map((t) => t.LaunchTemplateName), ['shop-prod-v001']);
    assert.deepEqual((await groups()).map((g) => g.AutoScalingGroupName), ['shop-prod-v001']);
    assert.equal((await sg.describe(account, location, 'shop-prod-v001'))?.instances.healthy, 2);
  });

  it('refuses a launch template of its name made from another template or for another owner, and makes no group', async () => {
    const req = request();
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: req.name, LaunchTemplateData: { ImageId: motoImage, InstanceType: 't3.micro' },
      TagSpecifications: [{ ResourceType: 'launch-template', Tags: tagList(bookkeepingTags({ ...req, templateHash: 'hash-v0' })) }] }));
    await assert.rejects(sg.create(account, req), rejectsWith('Conflict', /launch template shop-prod-v001 .*another template \(hash hash-v0/));
    await assert.rejects(sg.create(account, { ...req, owner: { ...owner, uid: randomUUID() } }), rejectsWith('Conflict', new RegExp(`launch template .*belongs to ServerGroup/${account.namespace}/`)));
    assert.deepEqual(await groups(), []);
  });

  it('refuses a group of its name that is not Staysail\'s with Conflict, naming who owns it, and leaves it untouched by every verb', async () => {
    await foreignGroup('shop-prod-v001', { team: 'theirs' });
    const before = await group('shop-prod-v001');
    const theirs = /Auto Scaling group shop-prod-v001 .*belongs to something other than Staysail/;
    await assert.rejects(sg.create(account, request()), rejectsWith('Conflict', theirs));
    await assert.rejects(sg.create(account, request({ enabled: true })), rejectsWith('Conflict', theirs));
    await assert.rejects(sg.resize(account, location, 'shop-prod-v001', { min: 0, max: 5, desired: 4 }), rejectsWith('Conflict', theirs));
    await assert.rejects(sg.enable(account, location, 'shop-prod-v001', []), rejectsWith('Conflict', theirs));
    await assert.rejects(sg.disable(account, location, 'shop-prod-v001'), rejectsWith('Conflict', theirs));
    await assert.rejects(sg.setLoadBalancers(account, location, 'shop-prod-v001', ['web']), rejectsWith('Conflict', theirs));
    await assert.rejects(sg.destroy(account, location, 'shop-prod-v001'), rejectsWith('Conflict', theirs));
    const after = await group('shop-prod-v001');
    assert.deepEqual(after, before);
    assert.deepEqual((await launchTemplates()).map((t) => [t.LaunchTemplateName, t.Tags ?? []]), [['shop-prod-v001', []]]);
    // describe still shows it (it exists), cluster and sequence from its name.
    const d = await sg.describe(account, location, 'shop-prod-v001');
    assert.deepEqual([d?.cluster, d?.sequence, d?.templateHash], ['shop-prod', 1, '']);
  });

  it('answers Invalid naming the field for an unknown image, instance type or key pair, and makes nothing', async () => {
    const t = awsTemplate('v1').aws!;
    await assert.rejects(sg.create(account, request({ template: { aws: { ...t, imageId: 'ami-0123456789abcdef0' } } })),
      rejectsWith('Invalid', /image ami-0123456789abcdef0 in region us-east-1 \(spec\.template\.aws\.imageId\) does not exist/));
    await assert.rejects(sg.create(account, request({ template: { aws: { ...t, instanceType: 't9.nonesuch' } } })),
      rejectsWith('Invalid', /"t9\.nonesuch" \(spec\.template\.aws\.instanceType\) does not exist/));
    await assert.rejects(sg.create(account, request({ template: { aws: { ...t, keyPair: 'nobody' } } })),
      rejectsWith('Invalid', /key pair nobody .*\(spec\.template\.aws\.keyPair\) does not exist/));
    assert.deepEqual([await launchTemplates(), await groups()], [[], []]);
  });

  it('answers Invalid naming spec.template.aws.subnetIds for subnets in two VPCs, and makes nothing', async () => {
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.99.0.0/16' }))).Vpc!.VpcId!;
    const other = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.99.1.0/24' }))).Subnet!.SubnetId!;
    const subnetIds = [(await defaultSubnets())[0]!.SubnetId!, other];
    await assert.rejects(sg.create(account, request({ template: { aws: { ...awsTemplate('v1').aws!, subnetIds } } })),
      rejectsWith('Invalid', /spec\.template\.aws\.subnetIds lie in several VPCs/));
    assert.deepEqual([await launchTemplates(), await groups()], [[], []]);
  });

  it('launches into the named subnets of one VPC', async () => {
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.98.0.0/16' }))).Vpc!.VpcId!;
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.98.1.0/24', AvailabilityZone: 'us-east-1a' }))).Subnet!.SubnetId!;
    await sg.create(account, request({ template: { aws: { ...awsTemplate('v1').aws!, subnetIds: [subnet] } } }));
    assert.equal((await group('shop-prod-v001'))?.VPCZoneIdentifier, subnet);
  });

  it('created disabled joins no target group; disabled suspends AddToLoadBalancer, Launch and Terminate and detaches every target group', async () => {
    const tg = await loadBalancer('web');
    await sg.create(account, request({ loadBalancers: ['web'] }));
    assert.deepEqual(await suspended('shop-prod-v001'), ['AddToLoadBalancer'], 'created disabled, it may still launch its instances');
    assert.deepEqual((await group('shop-prod-v001'))?.TargetGroupARNs, []);
    assert.deepEqual(await registered(tg), []);

    await sg.enable(account, location, 'shop-prod-v001');
    assert.deepEqual(await suspended('shop-prod-v001'), []);
    assert.deepEqual((await group('shop-prod-v001'))?.TargetGroupARNs, [tg]);
    const ids = ((await group('shop-prod-v001'))?.Instances ?? []).map((i) => i.InstanceId!).sort();
    assert.deepEqual(await registered(tg), ids);
    const enabled = await sg.describe(account, location, 'shop-prod-v001');
    assert.deepEqual([enabled?.enabled, enabled?.instances.healthy, enabled?.draining], [true, 2, 0]);

    await sg.disable(account, location, 'shop-prod-v001');
    assert.deepEqual(await suspended('shop-prod-v001'), ['AddToLoadBalancer', 'Launch', 'Terminate']);
    assert.deepEqual((await group('shop-prod-v001'))?.TargetGroupARNs, []);
    assert.deepEqual(await registered(tg), []);
    const disabled = await sg.describe(account, location, 'shop-prod-v001');
    assert.deepEqual([disabled?.enabled, disabled?.loadBalancers], [false, ['web']]);
  });

  it('counts a group made disabled as disabled even before AddToLoadBalancer is suspended, so it is never disabled while it comes up', async () => {
    await loadBalancer('web');
    await sg.create(account, request({ loadBalancers: ['web'] }));
    // As if the operator died between CreateAutoScalingGroup and the suspension.
    await asg.send(new ResumeProcessesCommand({ AutoScalingGroupName: 'shop-prod-v001', ScalingProcesses: ['AddToLoadBalancer'] }));
    assert.equal((await sg.describe(account, location, 'shop-prod-v001'))?.enabled, false, 'the controller would disable it, suspending Launch');
    await sg.enable(account, location, 'shop-prod-v001');
    assert.equal((await sg.describe(account, location, 'shop-prod-v001'))?.enabled, true);
    assert.equal(tagMap((await group('shop-prod-v001'))?.Tags)['staysail.dev/made-disabled'], undefined, 'enabled once, it is no longer made-disabled');
    await sg.disable(account, location, 'shop-prod-v001');
    assert.equal((await sg.describe(account, location, 'shop-prod-v001'))?.enabled, false);
  });

  it('never joins a load balancer of a LoadBalancer\'s name that Staysail did not make', async () => {
    await loadBalancer('web', true);
    await assert.rejects(sg.create(account, request({ enabled: true, loadBalancers: ['web'] })),
      rejectsWith('NotFound', /load balancer web in us-east-1 belongs to something other than Staysail .*so no server group joins it/));
    assert.equal(await group('shop-prod-v001'), undefined, 'nothing is made');
  });

  it('resizes a disabled group by resuming Launch and Terminate, still taking no traffic', async () => {
    await loadBalancer('web');
    await sg.create(account, request({ loadBalancers: ['web'] }));
    await sg.disable(account, location, 'shop-prod-v001');
    await sg.resize(account, location, 'shop-prod-v001', { min: 0, max: 4, desired: 3 });
    assert.deepEqual(await suspended('shop-prod-v001'), ['AddToLoadBalancer']);
    const d = await sg.describe(account, location, 'shop-prod-v001');
    assert.deepEqual([d?.capacity, d?.instances.total, d?.enabled], [{ min: 0, max: 4, desired: 3 }, 3, false]);
    assert.deepEqual((await group('shop-prod-v001'))?.TargetGroupARNs, []);
  });

  it('created enabled is in its load balancers\' target groups; one not made yet is NotFound', async () => {
    await assert.rejects(sg.create(account, request({ enabled: true, loadBalancers: ['web'] })), rejectsWith('NotFound', /LoadBalancer "web"/));
    assert.deepEqual([await launchTemplates(), await groups()], [[], []]);
    const tg = await loadBalancer('web');
    const d = await sg.create(account, request({ enabled: true, loadBalancers: ['web'] }));
    assert.deepEqual([d.enabled, d.loadBalancers, d.instances.healthy], [true, ['web'], 2]);
    assert.deepEqual((await group('shop-prod-v001'))?.TargetGroupARNs, [tg]);
    assert.equal((await registered(tg)).length, 2);
    await assert.rejects(sg.enable(account, location, 'shop-prod-v001', ['web', 'api']), rejectsWith('NotFound', /LoadBalancer "api"/));
    assert.deepEqual((await sg.describe(account, location, 'shop-prod-v001'))?.loadBalancers, ['web'], 'a failed enable recorded load balancers');
  });

  it('moves between load balancers while enabled, and only records them while disabled', async () => {
    const web = await loadBalancer('web');
    const api = await loadBalancer('api');
    await sg.create(account, request({ enabled: true, loadBalancers: ['web'] }));
    await sg.setLoadBalancers(account, location, 'shop-prod-v001', ['api']);
    assert.deepEqual([(await registered(web)).length, (await registered(api)).length], [0, 2]);
    assert.deepEqual((await group('shop-prod-v001'))?.TargetGroupARNs, [api]);
    await sg.disable(account, location, 'shop-prod-v001');
    await sg.setLoadBalancers(account, location, 'shop-prod-v001', ['web', 'api']);
    assert.deepEqual([(await registered(web)).length, (await registered(api)).length], [0, 0]);
    assert.deepEqual((await sg.describe(account, location, 'shop-prod-v001'))?.loadBalancers, ['api', 'web']);
    await sg.enable(account, location, 'shop-prod-v001');
    assert.deepEqual([(await registered(web)).length, (await registered(api)).length], [2, 2]);
  });

  it('destroys the group and its launch template, and leaves nothing when destroyed again', async () => {
    await sg.create(account, request());
    await sg.destroy(account, location, 'shop-prod-v001');
    assert.deepEqual([await launchTemplates(), await groups()], [[], []]);
    await sg.destroy(account, location, 'shop-prod-v001');
    const live = (await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running', 'pending'] }] })))
      .Reservations!.flatMap((r) => r.Instances ?? []);
    assert.deepEqual(live, [], 'its instances outlived it');
  });

  it('destroys a launch template left by a destroy cut short after its group went, but never someone else\'s', async () => {
    const req = request();
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: req.name, LaunchTemplateData: { ImageId: motoImage, InstanceType: 't3.micro' },
      TagSpecifications: [{ ResourceType: 'launch-template', Tags: tagList(bookkeepingTags(req)) }] }));
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'shop-prod-v002', LaunchTemplateData: { ImageId: motoImage, InstanceType: 't3.micro' } }));
    await sg.destroy(account, location, 'shop-prod-v001');
    await sg.destroy(account, location, 'shop-prod-v002');
    assert.deepEqual((await launchTemplates()).map((t) => t.LaunchTemplateName), ['shop-prod-v002']);
  });

  it('lists the cluster\'s groups that are Staysail\'s, ignoring other clusters and groups without its tags', async () => {
    await sg.create(account, request());
    await sg.create(account, request({ name: 'shop-staging-v001', cluster: 'shop-staging', owner: { ...owner, name: 'shop-staging-v001' } }));
    await foreignGroup('shop-prod-v002');
    await foreignGroup('shop-prod-v003', { 'staysail.dev/cluster': 'shop-prod' });
    assert.deepEqual((await sg.list(account, location, 'shop-prod')).map((g) => g.name), ['shop-prod-v001']);
    assert.deepEqual((await sg.list(account, location, 'shop-staging')).map((g) => g.name), ['shop-staging-v001']);
    assert.deepEqual(await sg.list(account, location, 'shop-test'), []);
  });

  describe('two namespaces sharing the AWS account', () => {
    let other: ProviderAccount;
    beforeEach(async () => { other = { name: 'aws', namespace: await awsNamespace(client), spec: awsAccountSpec(moto.endpoint) }; });
    afterEach(async () => { await client.delete(namespaces, undefined, other.namespace).catch(() => undefined); });

    it('never describes, changes or destroys the group another namespace\'s ServerGroup of the same name made, nor its launch template', async () => {
      const tg = await loadBalancer('web');
      await sg.create(account, request({ enabled: true, loadBalancers: ['web'] }));
      const before = await group('shop-prod-v001');
      const theirs = new RegExp(`belongs to ServerGroup/${account.namespace}/shop-prod-v001 .*not to a server group of namespace ${other.namespace}`);
      await assert.rejects(sg.describe(other, location, 'shop-prod-v001'), rejectsWith('Conflict', theirs));
      await assert.rejects(sg.resize(other, location, 'shop-prod-v001', { min: 0, max: 5, desired: 0 }), rejectsWith('Conflict', theirs));
      await assert.rejects(sg.enable(other, location, 'shop-prod-v001', []), rejectsWith('Conflict', theirs));
      await assert.rejects(sg.disable(other, location, 'shop-prod-v001'), rejectsWith('Conflict', theirs));
      await assert.rejects(sg.setLoadBalancers(other, location, 'shop-prod-v001', []), rejectsWith('Conflict', theirs));
      await assert.rejects(sg.create(other, request({ owner: { ...owner, namespace: other.namespace, uid: randomUUID() } })), rejectsWith('Conflict', /was made for ServerGroup/));
      // A launch template of theirs left by a destroy cut short after its group went.
      const left = request({ name: 'shop-prod-v002', sequence: 2, owner: { ...owner, name: 'shop-prod-v002' } });
      await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: left.name, LaunchTemplateData: { ImageId: motoImage, InstanceType: 't3.micro' },
        TagSpecifications: [{ ResourceType: 'launch-template', Tags: tagList(bookkeepingTags(left)) }] }));
      await sg.destroy(other, location, 'shop-prod-v001'); // its finalizer is let go, and deletes nothing of theirs
      await sg.destroy(other, location, 'shop-prod-v002');
      assert.deepEqual(await sg.list(other, location, 'shop-prod'), []);
      const after = await group('shop-prod-v001');
      assert.deepEqual([after?.DesiredCapacity, after?.TargetGroupARNs, after?.SuspendedProcesses], [before?.DesiredCapacity, [tg], []]);
      assert.equal((await registered(tg)).length, 2);
      assert.deepEqual((await launchTemplates()).map((t) => t.LaunchTemplateName).sort(), ['shop-prod-v001', 'shop-prod-v002']);
      assert.deepEqual((await sg.list(account, location, 'shop-prod')).map((g) => g.name), ['shop-prod-v001'], 'its own namespace still sees it');
    });
  });

  /** A LoadBalancer on moto through the real LoadBalancer provider, with these TCP ports. */
  const upsertLoadBalancer = async (name: string, ports: number[], lbOwner = { apiVersion, kind: 'LoadBalancer', namespace: account.namespace, name, uid: 'lb-uid' }) =>
    awsLoadBalancers(pool, { goneWithinMs: 10_000, pollMs: 200 }).upsert(account, location, name, {
      application: 'shop', accountRef: { name: account.name }, type: 'internal',
      ports: ports.map((port) => ({ name: `p${port}`, port, targetPort: port + 8000, protocol: 'TCP' })),
    } as LoadBalancerSpec, lbOwner);
  const tgArnsOf = async (name: string) => (await group(name))?.TargetGroupARNs?.slice().sort() ?? [];

  it('is a member of a load balancer only while every current target group of it is attached: a port added or dropped is joined or left', async () => {
    await upsertLoadBalancer('web', [80]);
    await sg.create(account, request({ enabled: true, loadBalancers: ['web'] }));
    assert.deepEqual((await sg.describe(account, location, 'shop-prod-v001'))?.loadBalancers, ['web']);
    await upsertLoadBalancer('web', [80, 81]);
    const grown = await sg.describe(account, location, 'shop-prod-v001');
    assert.deepEqual([grown?.enabled, grown?.loadBalancers], [true, []], 'web gained a target group it is not in');
    await sg.setLoadBalancers(account, location, 'shop-prod-v001', ['web']);
    assert.equal((await tgArnsOf('shop-prod-v001')).length, 2);
    assert.deepEqual((await sg.describe(account, location, 'shop-prod-v001'))?.loadBalancers, ['web']);
    for (const tg of await tgArnsOf('shop-prod-v001')) assert.equal((await registered(tg)).length, 2);

    await upsertLoadBalancer('web', [81]); // port 80's target group is deleted while attached
    const port81 = await tgArnsOf('shop-prod-v001');
    assert.deepEqual((await sg.describe(account, location, 'shop-prod-v001'))?.loadBalancers, [],
      'a deleted target group still attached (AWS would fail every launch) makes it a member of none, so that setLoadBalancers detaches it');
    await sg.setLoadBalancers(account, location, 'shop-prod-v001', ['web']);
    assert.equal((await tgArnsOf('shop-prod-v001')).length, 1, `still attached: ${port81.join(', ')}`);
    assert.deepEqual((await sg.describe(account, location, 'shop-prod-v001'))?.loadBalancers, ['web']);
    await sg.disable(account, location, 'shop-prod-v001');
    const disabled = await sg.describe(account, location, 'shop-prod-v001');
    assert.deepEqual([disabled?.enabled, await tgArnsOf('shop-prod-v001')], [false, []]);
  });

  it('shows a disabled group still attached as enabled, and leaves every target group when disabled or given load balancers while disabled', async () => {
    const tg = await loadBalancer('web');
    await sg.create(account, request({ loadBalancers: ['web'] }));
    // As an enable cut short after attaching, before AddToLoadBalancer was resumed.
    await asg.send(new AttachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: 'shop-prod-v001', TargetGroupARNs: [tg] }));
    assert.equal((await sg.describe(account, location, 'shop-prod-v001'))?.enabled, true, 'it takes traffic: the controller must disable it');
    await sg.setLoadBalancers(account, location, 'shop-prod-v001', ['web']);
    assert.deepEqual(await tgArnsOf('shop-prod-v001'), []);
    assert.deepEqual(await registered(tg), []);
    const d = await sg.describe(account, location, 'shop-prod-v001');
    assert.deepEqual([d?.enabled, d?.loadBalancers], [false, ['web']]);
  });

  it('counts instances still registered in a target group it left as draining, deregistering them as it leaves', async () => {
    const web = await loadBalancer('web');
    await loadBalancer('api');
    await sg.create(account, request({ enabled: true, loadBalancers: ['web'] }));
    const ids = ((await group('shop-prod-v001'))?.Instances ?? []).map((i) => i.InstanceId!);
    await sg.setLoadBalancers(account, location, 'shop-prod-v001', ['api']);
    assert.deepEqual(await registered(web), []);
    assert.equal((await sg.describe(account, location, 'shop-prod-v001'))?.draining, 0);
    // On AWS a target deregistered stays registered while it drains (moto drops it at once).
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: web, Targets: ids.map((Id) => ({ Id })) }));
    const d = await sg.describe(account, location, 'shop-prod-v001');
    assert.deepEqual([d?.loadBalancers, d?.draining], [['api'], 2]);
    await sg.disable(account, location, 'shop-prod-v001');
    assert.equal((await sg.describe(account, location, 'shop-prod-v001'))?.draining, 2, 'disabled, it should be in none');
  });

  it('enabled, registers its instances in its target groups even when they were attached already', async () => {
    const tg = await loadBalancer('web');
    await sg.create(account, request({ loadBalancers: ['web'] }));
    await asg.send(new AttachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: 'shop-prod-v001', TargetGroupARNs: [tg] }));
    const ids = ((await group('shop-prod-v001'))?.Instances ?? []).map((i) => i.InstanceId!).sort();
    // An instance launched while AddToLoadBalancer was suspended is in no target group.
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tg, Targets: [{ Id: ids[0]! }] }));
    await sg.enable(account, location, 'shop-prod-v001');
    assert.deepEqual(await registered(tg), ids);
    assert.deepEqual(await suspended('shop-prod-v001'), []);
  });

  it('destroyed, takes its instances out of its target groups before it goes', async () => {
    const tg = await loadBalancer('web');
    await sg.create(account, request({ enabled: true, loadBalancers: ['web'] }));
    await sg.destroy(account, location, 'shop-prod-v001');
    assert.deepEqual([await groups(), await launchTemplates(), await registered(tg)], [[], [], []]);
  });

  it('looks up each load balancer once in a create and in a describe', async () => {
    const proxy = await AwsProxy.start(moto.endpoint);
    try {
      for (const lb of ['web', 'api']) await upsertLoadBalancer(lb, [80, 81]);
      const through: ProviderAccount = { ...account, spec: awsAccountSpec(proxy.endpoint) };
      await sg.create(through, request({ enabled: true, loadBalancers: ['web', 'api'] }));
      assert.equal(proxy.count('DescribeLoadBalancers').passed, 2, proxy.summary());
      await sg.describe(through, location, 'shop-prod-v001');
      assert.equal(proxy.count('DescribeLoadBalancers').passed, 4, proxy.summary());
      assert.equal(proxy.count('DescribeTargetGroups').passed, 4, proxy.summary());
    } finally {
      await proxy.stop();
    }
  });
});
