// AWS load balancers (ELBv2) and security groups (EC2) on moto: the two network contracts, and what
// is AWS's own, read back from moto with the SDK: a target group and a listener per port, gone with
// their port; the health check as the spec says; refusals that name the field; what is not this
// object's left untouched; rules changed by difference, keeping the group's and the kept rules' IDs;
// deleting leaves nothing of ours and everything of others'.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, DescribeSecurityGroupRulesCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, DeleteListenerCommand, DeleteLoadBalancerCommand, DescribeListenersCommand,
  DescribeLoadBalancersCommand, DescribeTagsCommand, DescribeTargetGroupsCommand, ElasticLoadBalancingV2Client, SetSecurityGroupsCommand, type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { LoadBalancerSpec } from '../../../src/api/v1alpha1/load-balancer.ts';
import type { SecurityGroupSpec } from '../../../src/api/v1alpha1/security-group.ts';
import type { AwsClientPool } from '../../../src/providers/aws/clients.ts';
import { tagMap } from '../../../src/providers/aws/tags.ts';
import { isProviderError, type ProviderErrorKind } from '../../../src/providers/errors.ts';
import type { Owner } from '../../../src/providers/interfaces.ts';
import { loadBalancerContract, securityGroupContract } from '../../contracts/network.ts';
import { AwsProxy } from '../../support/aws-proxy.ts';
import { awsAccountSpec, awsWorld, region, type AwsWorld } from '../../support/aws-world.ts';
import { motoCredentials } from '../../support/moto.ts';

loadBalancerContract('aws on moto', awsWorld);
securityGroupContract('aws on moto', awsWorld);

const rejectsWith = (kind: ProviderErrorKind, pattern: RegExp) => (err: unknown) => {
  assert.ok(isProviderError(err, kind), `expected ${kind}, got ${String(err)}`);
  assert.match(err.message, pattern);
  return true;
};

const lbSpec = (ports: LoadBalancerSpec['ports'], more: Partial<LoadBalancerSpec> = {}): LoadBalancerSpec =>
  ({ application: 'shop', accountRef: { name: 'aws' }, type: 'internal', ports, ...more });
const http = (port: number, targetPort = port + 8000) => ({ port, targetPort, protocol: 'HTTP' as const });
type Ingress = SecurityGroupSpec['ingress'][number];
const sgSpec = (...ingress: Ingress[]): SecurityGroupSpec => ({ application: 'shop', accountRef: { name: 'aws' }, ingress });
const tcpFrom = (cidr: string, port = 8080): Ingress => ({ from: { cidr }, protocol: 'tcp', ports: { from: port } });

describe('AWS load balancers and security groups on moto', function () {
  this.timeout(120_000);
  let w: AwsWorld;
  let ec2: EC2Client;
  let elb: ElasticLoadBalancingV2Client;
  const location = { region };

  beforeEach(async () => {
    w = await awsWorld();
    const config = { region, endpoint: w.moto.endpoint, credentials: motoCredentials };
    ec2 = new EC2Client(config);
    elb = new ElasticLoadBalancingV2Client(config);
  });

  afterEach(async () => {
    ec2.destroy();
    elb.destroy();
    await w.cleanup?.();
  });

  const lbs = () => w.provider.loadBalancers;
  const sgs = () => w.provider.securityGroups;
  const loadBalancers = async () => (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
  const targetGroups = async (): Promise<TargetGroup[]> => ((await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [])
    .sort((a, b) => a.TargetGroupName!.localeCompare(b.TargetGroupName!));
  const listeners = async (lbArn: string) => ((await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }))).Listeners ?? [])
    .sort((a, b) => a.Port! - b.Port!);
  const elbTags = async (arn: string) => tagMap((await elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }))).TagDescriptions?.[0]?.Tags);
  const defaultVpc = async () => (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))).Vpcs![0]!.VpcId!;
  const securityGroups = async () => (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? [];
  const ingressOf = async (groupId: string): Promise<SecurityGroupRule[]> =>
    ((await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }))).SecurityGroupRules ?? [])
      .filter((r) => !r.IsEgress);
  const subnets = async () => ((await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }))).Subnets ?? [])
    .map((s) => s.SubnetId!).sort();

  describe('load balancers', () => {
    it('makes an application load balancer with a target group and a listener per port, and a dropped port loses both', async () => {
      const owner = await w.owner('LoadBalancer', 'web');
      const made = await lbs().upsert(w.account, location, 'web', lbSpec([http(80), http(81)], { type: 'external' }), owner);
      const [lb] = await loadBalancers();
      assert.deepEqual([lb?.LoadBalancerName, lb?.Type, lb?.Scheme], ['web', 'application', 'internet-facing']);
      assert.equal(made.providerId, lb!.LoadBalancerArn);
      assert.equal(made.address, lb!.DNSName);
      assert.equal(tagMap((await elb.send(new DescribeTagsCommand({ ResourceArns: [lb!.LoadBalancerArn!] }))).TagDescriptions![0]!.Tags)['staysail.dev/owner-uid'], owner.uid);
      const groups = await targetGroups();
      assert.deepEqual(groups.map((g) => [g.TargetGroupName, g.Protocol, g.Port, g.TargetType]), [['web-80', 'HTTP', 8080, 'instance'], ['web-81', 'HTTP', 8081, 'instance']]);
      for (const g of groups) {
        const tags = await elbTags(g.TargetGroupArn!);
        assert.deepEqual([tags['staysail.dev/managed-by'], tags['staysail.dev/owner'], tags['staysail.dev/port']],
          ['staysail', `LoadBalancer/${w.account.namespace}/web`, g.TargetGroupName!.split('-')[1]]);
      }
      assert.deepEqual((await listeners(lb!.LoadBalancerArn!)).map((l) => [l.Port, l.Protocol, l.DefaultActions?.[0]?.TargetGroupArn]),
        [[80, 'HTTP', groups[0]!.TargetGroupArn], [81, 'HTTP', groups[1]!.TargetGroupArn]]);

      const again = await lbs().upsert(w.account, location, 'web', lbSpec([http(80)], { type: 'external' }), owner);
      assert.equal(again.providerId, made.providerId);
      assert.deepEqual((await targetGroups()).map((g) => g.TargetGroupArn), [groups[0]!.TargetGroupArn]);
      assert.deepEqual((await listeners(lb!.LoadBalancerArn!)).map((l) => l.Port), [80]);
    });

    it('makes a network load balancer for TCP and UDP ports, internal', async () => {
      await lbs().upsert(w.account, location, 'dns', lbSpec([{ port: 53, protocol: 'UDP' }, { port: 5432, targetPort: 15432, protocol: 'TCP' }]),
        await w.owner('LoadBalancer', 'dns'));
      const [lb] = await loadBalancers();
      assert.deepEqual([lb?.Type, lb?.Scheme], ['network', 'internal']);
      assert.deepEqual((await targetGroups()).map((g) => [g.TargetGroupName, g.Protocol, g.Port, g.HealthCheckProtocol]),
        [['dns-53', 'UDP', 53, 'TCP'], ['dns-5432', 'TCP', 15432, 'TCP']]);
      assert.deepEqual((await listeners(lb!.LoadBalancerArn!)).map((l) => [l.Port, l.Protocol]), [[53, 'UDP'], [5432, 'TCP']]);
    });

    it('gives every target group the spec\'s health check, and changes it in place when the spec changes', async () => {
      const owner = await w.owner('LoadBalancer', 'web');
      const check = (path: string, interval: string) => ({ protocol: 'HTTP' as const, port: 9000, path, interval, timeout: '3s', healthyThreshold: 2, unhealthyThreshold: 4 });
      await lbs().upsert(w.account, location, 'web', lbSpec([http(80), http(81)], { healthCheck: check('/healthz', '10s') }), owner);
      const before = await targetGroups();
      const fields = (g: TargetGroup) => [g.HealthCheckProtocol, g.HealthCheckPort, g.HealthCheckPath, g.HealthCheckIntervalSeconds,
        g.HealthCheckTimeoutSeconds, g.HealthyThresholdCount, g.UnhealthyThresholdCount];
      for (const g of before) assert.deepEqual(fields(g), ['HTTP', '9000', '/healthz', 10, 3, 2, 4]);

      await lbs().upsert(w.account, location, 'web', lbSpec([http(80), http(81)], { healthCheck: check('/ready', '1m') }), owner);
      const after = await targetGroups();
      assert.deepEqual(after.map((g) => g.TargetGroupArn), before.map((g) => g.TargetGroupArn), 'the target groups were replaced');
      for (const g of after) assert.deepEqual(fields(g), ['HTTP', '9000', '/ready', 60, 3, 2, 4]);
    });

    it('refuses ports mixing HTTP and TCP, and HTTPS, naming spec.ports, and makes nothing', async () => {
      const owner = await w.owner('LoadBalancer', 'web');
      await assert.rejects(lbs().upsert(w.account, location, 'web', lbSpec([http(80), { port: 5432, protocol: 'TCP' }]), owner),
        rejectsWith('Invalid', /^LoadBalancer "web": spec\.ports mixes HTTP \(port 80\) with TCP or UDP \(port 5432\)/));
      await assert.rejects(lbs().upsert(w.account, location, 'web', lbSpec([{ port: 443, protocol: 'HTTPS' }]), owner),
        rejectsWith('Invalid', /spec\.ports port 443 is HTTPS, which needs a certificate.*use HTTP .*or TCP on a network load balancer/));
      assert.deepEqual([(await loadBalancers()).length, (await targetGroups()).length], [0, 0]);
    });

    it('refuses an application load balancer in one zone, naming spec.location.zones', async () => {
      await assert.rejects(lbs().upsert(w.account, { region, zones: ['us-east-1a'] }, 'web', lbSpec([http(80)]), await w.owner('LoadBalancer', 'web')),
        rejectsWith('Invalid', /application load balancer .*two availability zones .*spec\.location\.zones gives only us-east-1a/));
      assert.equal((await loadBalancers()).length, 0);
    });

    it('refuses a load balancer of its name that is not Staysail\'s, or is another object\'s, and leaves it untouched', async () => {
      const foreign = (await elb.send(new CreateLoadBalancerCommand({ Name: 'web', Type: 'application', Scheme: 'internal',
        Subnets: (await subnets()).slice(0, 2), Tags: [{ Key: 'team', Value: 'theirs' }] }))).LoadBalancers![0]!;
      const owner = await w.owner('LoadBalancer', 'web');
      await assert.rejects(lbs().upsert(w.account, location, 'web', lbSpec([http(80)]), owner),
        rejectsWith('Conflict', /^LoadBalancer "web": load balancer web \(arn:.*\) in us-east-1 already exists and belongs to something other than Staysail.*delete it, or give the LoadBalancer another name/));
      assert.equal(await lbs().describe(w.account, location, 'web'), undefined);
      await lbs().delete(w.account, location, 'web');
      const [still] = await loadBalancers();
      assert.equal(still?.LoadBalancerArn, foreign.LoadBalancerArn);
      assert.deepEqual(await elbTags(foreign.LoadBalancerArn!), { team: 'theirs' });
      assert.deepEqual([(await listeners(foreign.LoadBalancerArn!)).length, (await targetGroups()).length], [0, 0]);

      // Another object of that name (another UID: another namespace's, or one deleted and made again) is refused as well.
      await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: foreign.LoadBalancerArn! }));
      await lbs().upsert(w.account, location, 'web', lbSpec([http(80)]), owner);
      const other: Owner = { ...owner, uid: randomUUID() };
      await assert.rejects(lbs().upsert(w.account, location, 'web', lbSpec([http(80), http(81)]), other),
        rejectsWith('Conflict', new RegExp(`belongs to LoadBalancer/${w.account.namespace}/web \\(uid ${owner.uid}\\), not to LoadBalancer ${w.account.namespace}/web \\(uid ${other.uid}\\)`)));
      assert.deepEqual((await targetGroups()).map((g) => g.TargetGroupName), ['web-80']);
    });

    it('refuses a target group of its name that is not Staysail\'s, and leaves it untouched', async () => {
      const vpc = await defaultVpc();
      const theirs = (await elb.send(new CreateTargetGroupCommand({ Name: 'web-80', Protocol: 'HTTP', Port: 80, VpcId: vpc, TargetType: 'instance',
        HealthCheckPath: '/theirs' }))).TargetGroups![0]!;
      await assert.rejects(lbs().upsert(w.account, location, 'web', lbSpec([http(80)]), await w.owner('LoadBalancer', 'web')),
        rejectsWith('Conflict', /target group web-80 \(arn:.*\) already exists and belongs to something other than Staysail/));
      const [tg] = await targetGroups();
      assert.deepEqual([tg?.TargetGroupArn, tg?.HealthCheckPath, tg?.Port], [theirs.TargetGroupArn, '/theirs', 80]);
      await lbs().delete(w.account, location, 'web');
      assert.deepEqual((await targetGroups()).map((g) => g.TargetGroupArn), [theirs.TargetGroupArn]);
    });

    it('refuses in place what ELBv2 cannot change (type, target port), naming the field', async () => {
      const owner = await w.owner('LoadBalancer', 'web');
      await lbs().upsert(w.account, location, 'web', lbSpec([http(80)]), owner);
      await assert.rejects(lbs().upsert(w.account, location, 'web', lbSpec([{ port: 80, protocol: 'TCP' }]), owner),
        rejectsWith('Invalid', /spec\.ports now asks for a network load balancer, and load balancer web .* is application; ELBv2 cannot change that in place/));
      await assert.rejects(lbs().upsert(w.account, location, 'web', lbSpec([http(80, 9999)]), owner),
        rejectsWith('Invalid', /spec\.ports port 80 needs target group web-80 .* to send HTTP to port 9999 .*but it sends to port 8080/));
    });

    it('deletes its load balancer and target groups, and nothing of anyone else\'s', async () => {
      const vpc = await defaultVpc();
      const owner = await w.owner('LoadBalancer', 'web');
      await lbs().upsert(w.account, location, 'web', lbSpec([http(80), http(81)]), owner);
      await lbs().upsert(w.account, location, 'webshop', lbSpec([http(80)]), await w.owner('LoadBalancer', 'webshop'));
      // Beside them, ELBv2 resources someone else made, named as Staysail would name a port of "web".
      const theirLb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'theirs', Type: 'network', Subnets: await subnets() }))).LoadBalancers![0]!;
      const theirTg = (await elb.send(new CreateTargetGroupCommand({ Name: 'web-99', Protocol: 'TCP', Port: 99, VpcId: vpc, TargetType: 'instance' }))).TargetGroups![0]!;
      await elb.send(new CreateListenerCommand({ LoadBalancerArn: theirLb.LoadBalancerArn, Port: 99, Protocol: 'TCP',
        DefaultActions: [{ Type: 'forward', TargetGroupArn: theirTg.TargetGroupArn }] }));

      await lbs().delete(w.account, location, 'web');
      assert.equal(await lbs().describe(w.account, location, 'web'), undefined);
      assert.deepEqual((await loadBalancers()).map((l) => l.LoadBalancerName).sort(), ['theirs', 'webshop']);
      assert.deepEqual((await targetGroups()).map((g) => g.TargetGroupName), ['web-99', 'webshop-80']);
      await lbs().delete(w.account, location, 'web');
    });

    it('holds a delete as InProgress while another load balancer still forwards to its target group, and finishes once none does', async () => {
      await lbs().upsert(w.account, location, 'web', lbSpec([http(80)]), await w.owner('LoadBalancer', 'web'));
      const [tg] = await targetGroups();
      const theirLb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'theirs', Type: 'application', Subnets: (await subnets()).slice(0, 2) }))).LoadBalancers![0]!;
      await elb.send(new CreateListenerCommand({ LoadBalancerArn: theirLb.LoadBalancerArn, Port: 80, Protocol: 'HTTP',
        DefaultActions: [{ Type: 'forward', TargetGroupArn: tg!.TargetGroupArn }] }));
      await assert.rejects(lbs().delete(w.account, location, 'web'), rejectsWith('InProgress', /deleting target group web-80 .*AWS ResourceInUseException: .*in use by a listener or a rule/));
      assert.deepEqual((await loadBalancers()).map((l) => l.LoadBalancerName), ['theirs']);
      await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: theirLb.LoadBalancerArn! }));
      await lbs().delete(w.account, location, 'web');
      assert.deepEqual(await targetGroups(), []);
    });

    it('gives an application load balancer its own security group, open on the listener ports, and deletes it after the load balancer', async () => {
      const owner = await w.owner('LoadBalancer', 'web');
      await lbs().upsert(w.account, location, 'web', lbSpec([http(80), http(81)], { type: 'external' }), owner);
      const groupOf = async () => (await securityGroups()).filter((g) => g.GroupName === 'lb:web');
      const [group] = await groupOf();
      assert.ok(group, 'no security group lb:web');
      assert.deepEqual([group.VpcId, tagMap(group.Tags)['staysail.dev/owner'], tagMap(group.Tags)['staysail.dev/owner-uid']],
        [await defaultVpc(), `LoadBalancer/${w.account.namespace}/web`, owner.uid]);
      const rules = async () => (await ingressOf(group.GroupId!)).map((r) => `${r.IpProtocol} ${r.FromPort} ${r.CidrIpv4 ?? r.CidrIpv6}`).sort();
      assert.deepEqual(await rules(), ['tcp 80 0.0.0.0/0', 'tcp 80 ::/0', 'tcp 81 0.0.0.0/0', 'tcp 81 ::/0']);
      const [lb] = await loadBalancers();
      assert.deepEqual(lb?.SecurityGroups, [group.GroupId]);

      // Set to another group by hand, it is set back; a dropped port leaves the group's rules.
      const other = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'other', Description: 'other', VpcId: await defaultVpc() }));
      await elb.send(new SetSecurityGroupsCommand({ LoadBalancerArn: lb!.LoadBalancerArn!, SecurityGroups: [other.GroupId!] }));
      await lbs().upsert(w.account, location, 'web', lbSpec([http(80)], { type: 'external' }), owner);
      assert.deepEqual((await loadBalancers())[0]?.SecurityGroups, [group.GroupId]);
      assert.deepEqual(await rules(), ['tcp 80 0.0.0.0/0', 'tcp 80 ::/0']);

      await lbs().delete(w.account, location, 'web');
      assert.deepEqual(await groupOf(), []);
      assert.ok((await securityGroups()).some((g) => g.GroupId === other.GroupId));
    });

    it('opens an internal application load balancer to its VPC\'s CIDR only; a network load balancer gets no group', async () => {
      await lbs().upsert(w.account, location, 'web', lbSpec([http(80)]), await w.owner('LoadBalancer', 'web'));
      const vpc = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [await defaultVpc()] }))).Vpcs![0]!;
      const [group] = (await securityGroups()).filter((g) => g.GroupName === 'lb:web');
      assert.deepEqual((await ingressOf(group!.GroupId!)).map((r) => `${r.IpProtocol} ${r.FromPort} ${r.CidrIpv4}`), [`tcp 80 ${vpc.CidrBlock}`]);
      await lbs().upsert(w.account, location, 'dns', lbSpec([{ port: 53, protocol: 'UDP' }]), await w.owner('LoadBalancer', 'dns'));
      assert.ok(!(await securityGroups()).some((g) => g.GroupName === 'lb:dns'));
    });

    it('takes one subnet per zone of a VPC it is given, the lowest subnet ID of each, and names spec.location.network when it has none', async () => {
      const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16' }))).Vpc!.VpcId!;
      const l = { region, network: vpc };
      await assert.rejects(lbs().upsert(w.account, l, 'web', lbSpec([http(80)]), await w.owner('LoadBalancer', 'web')),
        rejectsWith('Invalid', new RegExp(`^${vpc} \\(spec\\.location\\.network\\) has no subnet; name a VPC with subnets in spec\\.location\\.network$`)));
      const made = await Promise.all([['10.30.1.0/24', 'us-east-1a'], ['10.30.2.0/24', 'us-east-1a'], ['10.30.3.0/24', 'us-east-1b'], ['10.30.4.0/24', 'us-east-1b']]
        .map(async ([CidrBlock, AvailabilityZone]) => (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock, AvailabilityZone }))).Subnet!));
      const lowest = (zone: string) => made.filter((x) => x.AvailabilityZone === zone).map((x) => x.SubnetId!).sort()[0];
      await lbs().upsert(w.account, l, 'web', lbSpec([http(80)]), await w.owner('LoadBalancer', 'web'));
      const [lb] = await loadBalancers();
      assert.deepEqual((lb?.AvailabilityZones ?? []).map((z) => z.SubnetId).sort(), [lowest('us-east-1a'), lowest('us-east-1b')].sort());
      await assert.rejects(lbs().upsert(w.account, { ...l, zones: ['us-east-1c'] }, 'web', lbSpec([http(80)]), await w.owner('LoadBalancer', 'web')),
        rejectsWith('Invalid', /has no subnet in spec\.location\.zones \(us-east-1c\); name a VPC with subnets in spec\.location\.network, or change spec\.location\.zones/));
    });

    it('refuses names and thresholds ELBv2 refuses, naming the field, and makes nothing', async () => {
      await assert.rejects(lbs().upsert(w.account, location, 'internal-web', lbSpec([http(80)]), await w.owner('LoadBalancer', 'internal-web')),
        rejectsWith('Invalid', /^LoadBalancer "internal-web": metadata\.name begins with "internal-"/));
      for (const field of ['healthyThreshold', 'unhealthyThreshold']) {
        await assert.rejects(lbs().upsert(w.account, location, 'web', lbSpec([http(80)], { healthCheck: { protocol: 'HTTP', [field]: 1 } }), await w.owner('LoadBalancer', 'web')),
          rejectsWith('Invalid', new RegExp(`spec\\.healthCheck\\.${field} is 1, and ELBv2 takes 2 to 10`)));
      }
      assert.deepEqual([(await loadBalancers()).length, (await targetGroups()).length], [0, 0]);
    });

    it('never modifies a listener it did not make on a port of the spec: Conflict naming it', async () => {
      const owner = await w.owner('LoadBalancer', 'web');
      await lbs().upsert(w.account, location, 'web', lbSpec([http(80)]), owner);
      const [lb] = await loadBalancers();
      const theirTg = (await elb.send(new CreateTargetGroupCommand({ Name: 'theirs', Protocol: 'HTTP', Port: 9000, VpcId: await defaultVpc(), TargetType: 'instance' }))).TargetGroups![0]!;
      const theirs = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb!.LoadBalancerArn, Port: 81, Protocol: 'HTTP',
        DefaultActions: [{ Type: 'forward', TargetGroupArn: theirTg.TargetGroupArn }] }))).Listeners![0]!;
      await assert.rejects(lbs().upsert(w.account, location, 'web', lbSpec([http(80), http(81)]), owner),
        rejectsWith('Conflict', /^LoadBalancer "web": listener arn:.* on port 81 of load balancer web .*was not made by Staysail.*delete the listener, or take the port out of spec\.ports/));
      const [l81] = (await listeners(lb!.LoadBalancerArn!)).filter((l) => l.Port === 81);
      assert.deepEqual([l81?.ListenerArn, l81?.DefaultActions?.[0]?.TargetGroupArn], [theirs.ListenerArn, theirTg.TargetGroupArn]);
    });

    it('refuses a load balancer or target group someone else made with the same settings, which a create answers with', async () => {
      // AWS answers CreateLoadBalancer and CreateTargetGroup with the existing one of the same settings; moto says
      // Duplicate instead. So the provider's own client answers its create as AWS would, with what moto holds.
      const c = await (w.provider as unknown as { pool: AwsClientPool }).pool.for(w.account, region);
      const foreign = { lb: undefined as string | undefined, tg: undefined as string | undefined };
      c.elb.middlewareStack.add((next, context) => async (args) => {
        const input = args.input as { Name?: string; Subnets?: string[]; Type?: string; Scheme?: string; VpcId?: string; Port?: number; Protocol?: string };
        if (context.commandName === 'CreateLoadBalancerCommand' && foreign.lb === 'make') {
          const made = await elb.send(new CreateLoadBalancerCommand({ Name: input.Name, Subnets: input.Subnets, Type: input.Type as 'application', Scheme: input.Scheme as 'internal' }));
          foreign.lb = made.LoadBalancers![0]!.LoadBalancerArn;
          return { output: made, response: {} };
        }
        if (context.commandName === 'CreateTargetGroupCommand' && foreign.tg === 'make') {
          const made = await elb.send(new CreateTargetGroupCommand({ Name: input.Name, VpcId: input.VpcId, Port: input.Port, Protocol: input.Protocol as 'HTTP', TargetType: 'instance' }));
          foreign.tg = made.TargetGroups![0]!.TargetGroupArn;
          return { output: made, response: {} };
        }
        return next(args);
      }, { step: 'initialize', name: 'answerCreatesAsAws' });
      const owner = await w.owner('LoadBalancer', 'web');
      foreign.lb = 'make';
      await assert.rejects(lbs().upsert(w.account, location, 'web', lbSpec([http(80)]), owner),
        rejectsWith('Conflict', /^LoadBalancer "web": load balancer web \(arn:.*\) in us-east-1 already exists and belongs to something other than Staysail/));
      assert.deepEqual(await elbTags(foreign.lb!), {});
      assert.deepEqual([(await listeners(foreign.lb!)).length, (await targetGroups()).length], [0, 0]);
      await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: foreign.lb! }));

      foreign.tg = 'make';
      await assert.rejects(lbs().upsert(w.account, location, 'web', lbSpec([http(80)]), owner),
        rejectsWith('Conflict', /target group web-80 \(arn:.*\) already exists and belongs to something other than Staysail/));
      assert.deepEqual((await targetGroups()).map((g) => g.TargetGroupArn), [foreign.tg]);
      assert.deepEqual(await elbTags(foreign.tg!), {});
      assert.deepEqual((await listeners((await loadBalancers())[0]!.LoadBalancerArn!)).length, 0);
    });

    it('makes few calls on a pass that changes nothing, with one DescribeTargetGroups and no scan of the region\'s target groups', async () => {
      const proxy = await AwsProxy.start(w.moto.endpoint);
      try {
        const account = { ...w.account, name: 'aws-proxied', spec: awsAccountSpec(proxy.endpoint) };
        const owner = await w.owner('LoadBalancer', 'web');
        await lbs().upsert(account, location, 'web', lbSpec([http(80), http(81)], { type: 'external' }), owner);
        // Others' target groups in the region, which a scan would read.
        for (let i = 0; i < 3; i++) await elb.send(new CreateTargetGroupCommand({ Name: `other-${i}`, Protocol: 'TCP', Port: 99, VpcId: await defaultVpc() }));
        const pass = async (spec: LoadBalancerSpec) => {
          const before = proxy.calls.length;
          await lbs().upsert(account, location, 'web', spec, owner);
          return proxy.calls.slice(before).map((x) => x.action);
        };
        await pass(lbSpec([http(80), http(81)], { type: 'external' }));
        const steady = await pass(lbSpec([http(80), http(81)], { type: 'external' }));
        assert.ok(steady.length <= 10, `a pass that changes nothing made ${steady.length} calls: ${steady.join(', ')}`);
        assert.equal(steady.filter((a) => a === 'DescribeTargetGroups').length, 1, steady.join(', '));
        assert.ok(!steady.some((a) => /^(Create|Modify|Set|Add|Delete|Authorize|Revoke)/.test(a)), steady.join(', '));

        // A pass that drops a port deletes its target group; so does the next pass should that one have ended before.
        await pass(lbSpec([http(80)], { type: 'external' }));
        assert.deepEqual((await targetGroups()).map((g) => g.TargetGroupName), ['other-0', 'other-1', 'other-2', 'web-80']);
        const calm = await pass(lbSpec([http(80)], { type: 'external' }));
        assert.equal(calm.filter((a) => a === 'DescribeTargetGroups').length, 1, calm.join(', '));
      } finally {
        await proxy.stop();
      }
    });

    it('deletes a target group of a dropped port on the next pass, should a pass end after deleting its listener', async () => {
      const owner = await w.owner('LoadBalancer', 'web');
      await lbs().upsert(w.account, location, 'web', lbSpec([http(80), http(81)]), owner);
      const [lb] = await loadBalancers();
      // As if a pass for ports [80] had ended between deleting the listener on 81 and deleting web-81.
      const l81 = (await listeners(lb!.LoadBalancerArn!)).find((l) => l.Port === 81)!;
      await elb.send(new DeleteListenerCommand({ ListenerArn: l81.ListenerArn! }));
      await lbs().upsert(w.account, location, 'web', lbSpec([http(80)]), owner);
      assert.deepEqual((await targetGroups()).map((g) => g.TargetGroupName), ['web-80']);
    });

    it('deletes target groups left behind when its load balancer went before them', async () => {
      await lbs().upsert(w.account, location, 'web', lbSpec([http(80), http(81)]), await w.owner('LoadBalancer', 'web'));
      // As if a delete had ended between deleting the load balancer and deleting its target groups.
      await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: (await loadBalancers())[0]!.LoadBalancerArn! }));
      assert.equal((await targetGroups()).length, 2);
      await lbs().delete(w.account, location, 'web');
      assert.deepEqual(await targetGroups(), []);
    });
  });

  describe('security groups', () => {
    it('changes rules by revoking and authorizing: the group keeps its ID and a rule that stays keeps its rule ID', async () => {
      const owner = await w.owner('SecurityGroup', 'web');
      const made = await sgs().upsert(w.account, location, 'web', sgSpec(tcpFrom('10.0.0.0/16'), tcpFrom('10.1.0.0/16')), owner);
      const [group] = (await securityGroups()).filter((g) => g.GroupName === 'web');
      assert.equal(made.providerId, group!.GroupId);
      assert.equal(group!.VpcId, await defaultVpc());
      assert.equal(group!.Description, `Staysail SecurityGroup ${w.account.namespace}/web`);
      assert.equal(tagMap(group!.Tags)['staysail.dev/owner-uid'], owner.uid);
      const before = await ingressOf(made.providerId);
      const idOf = (rules: SecurityGroupRule[], cidr: string) => rules.find((r) => r.CidrIpv4 === cidr)?.SecurityGroupRuleId;
      const kept = idOf(before, '10.0.0.0/16');
      assert.ok(kept && idOf(before, '10.1.0.0/16'));

      const again = await sgs().upsert(w.account, location, 'web', sgSpec(tcpFrom('10.0.0.0/16'), tcpFrom('10.2.0.0/16'), { from: { cidr: '::/0' }, protocol: 'all' },
        { from: { cidr: '2001:DB8::/32' }, protocol: 'icmp' }), owner);
      assert.equal(again.providerId, made.providerId);
      assert.equal(again.ingressRules, 4);
      const after = await ingressOf(made.providerId);
      assert.equal(idOf(after, '10.0.0.0/16'), kept, 'a rule that stays was replaced');
      assert.equal(idOf(after, '10.1.0.0/16'), undefined);
      assert.deepEqual(after.map((r) => `${r.IpProtocol} ${r.FromPort}-${r.ToPort} ${r.CidrIpv4 ?? r.CidrIpv6}`).sort(),
        ['-1 -1--1 ::/0', 'icmpv6 -1--1 2001:db8::/32', 'tcp 8080-8080 10.0.0.0/16', 'tcp 8080-8080 10.2.0.0/16']);

      // Once as the spec says, a pass changes nothing.
      await sgs().upsert(w.account, location, 'web', sgSpec(tcpFrom('10.0.0.0/16'), tcpFrom('10.2.0.0/16'), { from: { cidr: '::/0' }, protocol: 'all' },
        { from: { cidr: '2001:DB8::/32' }, protocol: 'icmp' }), owner);
      assert.deepEqual((await ingressOf(made.providerId)).map((r) => r.SecurityGroupRuleId).sort(), after.map((r) => r.SecurityGroupRuleId).sort());
    });

    it('lets members of another SecurityGroup in by its group ID, once that one is made', async () => {
      const from: Ingress = { from: { securityGroupRef: { name: 'lb' } }, protocol: 'tcp', ports: { from: 8080, to: 8081 } };
      await assert.rejects(sgs().upsert(w.account, location, 'web', sgSpec(from), await w.owner('SecurityGroup', 'web')),
        rejectsWith('NotFound', /SecurityGroup "lb" \(namespace .*\) has no security group of its own in vpc-.* yet/));
      const lb = await sgs().upsert(w.account, location, 'lb', sgSpec(), await w.owner('SecurityGroup', 'lb'));
      const web = await sgs().upsert(w.account, location, 'web', sgSpec(from), await w.owner('SecurityGroup', 'web'));
      const [rule] = await ingressOf(web.providerId);
      assert.deepEqual([rule?.IpProtocol, rule?.FromPort, rule?.ToPort, rule?.ReferencedGroupInfo?.GroupId], ['tcp', 8080, 8081, lb.providerId]);
    });

    it('refuses a security group of its name that is not Staysail\'s, and never changes or deletes it', async () => {
      const theirs = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'theirs', VpcId: await defaultVpc() }));
      await assert.rejects(sgs().upsert(w.account, location, 'web', sgSpec(tcpFrom('10.0.0.0/16')), await w.owner('SecurityGroup', 'web')),
        rejectsWith('Conflict', /^SecurityGroup "web": security group web \(sg-.*\) in vpc-.* already exists and belongs to something other than Staysail/));
      assert.equal(await sgs().describe(w.account, location, 'web'), undefined);
      await sgs().delete(w.account, location, 'web');
      assert.deepEqual(await ingressOf(theirs.GroupId!), []);
      assert.ok((await securityGroups()).some((g) => g.GroupId === theirs.GroupId));
    });

    it('refuses a name EC2 refuses (sg-...), naming metadata.name, before any call', async () => {
      await assert.rejects(sgs().upsert(w.account, location, 'sg-web', sgSpec(tcpFrom('10.0.0.0/16')), await w.owner('SecurityGroup', 'sg-web')),
        rejectsWith('Invalid', /^SecurityGroup "sg-web": metadata\.name begins with "sg-", which EC2 refuses .*give the SecurityGroup a name that does not/));
      assert.ok(!(await securityGroups()).some((g) => g.GroupName === 'sg-web'));
    });

    it('moved to another VPC, leaves no group in the old one; a delete finds its groups in every VPC', async () => {
      const owner = await w.owner('SecurityGroup', 'web');
      const old = await sgs().upsert(w.account, location, 'web', sgSpec(tcpFrom('10.0.0.0/16')), owner);
      const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!.VpcId!;
      const moved = await sgs().upsert(w.account, { region, network: vpc }, 'web', sgSpec(tcpFrom('10.0.0.0/16')), owner);
      const ours = () => securityGroups().then((all) => all.filter((g) => g.GroupName === 'web').map((g) => [g.GroupId, g.VpcId]));
      assert.notEqual(moved.providerId, old.providerId);
      assert.deepEqual(await ours(), [[moved.providerId, vpc]]);
      assert.equal((await sgs().describe(w.account, { region, network: vpc }, 'web'))?.providerId, moved.providerId);

      // Left in the old VPC (as a delete of the old location would have missed it), and found by a delete of the new one.
      const back = await sgs().upsert(w.account, location, 'web', sgSpec(tcpFrom('10.0.0.0/16')), owner);
      await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'as left', VpcId: vpc,
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'staysail.dev/managed-by', Value: 'staysail' },
          { Key: 'staysail.dev/owner', Value: `SecurityGroup/${w.account.namespace}/web` }, { Key: 'staysail.dev/owner-uid', Value: owner.uid }] }] }));
      assert.equal((await ours()).length, 2);
      assert.equal((await sgs().describe(w.account, location, 'web'))?.providerId, back.providerId);
      await sgs().delete(w.account, { region, network: vpc }, 'web');
      assert.deepEqual(await ours(), []);
    });

    it('deletes its security group, and leaves anyone else\'s', async () => {
      const ours = await sgs().upsert(w.account, location, 'web', sgSpec(tcpFrom('10.0.0.0/16')), await w.owner('SecurityGroup', 'web'));
      const theirs = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'theirs', Description: 'theirs', VpcId: await defaultVpc() }));
      await sgs().delete(w.account, location, 'web');
      const left = await securityGroups();
      assert.ok(!left.some((g) => g.GroupId === ours.providerId));
      assert.ok(left.some((g) => g.GroupId === theirs.GroupId));
      assert.equal(await sgs().describe(w.account, location, 'web'), undefined);
      await sgs().delete(w.account, location, 'web');
    });
  });
});
