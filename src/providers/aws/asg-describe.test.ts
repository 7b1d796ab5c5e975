// A server group as its Auto Scaling group shows it: tags, capacity, enabled from AddToLoadBalancer,
// instances healthy in the group and in every target group of its load balancers, and draining.
import assert from 'node:assert/strict';
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { ServerGroupDescription } from '../interfaces.ts';
import { describeGroup, newestFirst, type TrafficView } from './asg-describe.ts';

const tags = (t: Record<string, string>) => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
const ours = { 'staysail.dev/managed-by': 'staysail', 'staysail.dev/cluster': 'shop-prod', 'staysail.dev/sequence': '3',
  'staysail.dev/template-hash': 'h1', 'staysail.dev/load-balancers': 'api,web' };

const group = (overrides: Partial<AutoScalingGroup> = {}): AutoScalingGroup => ({
  AutoScalingGroupName: 'shop-prod-v003', AutoScalingGroupARN: 'arn:aws:autoscaling:us-east-1:123:autoScalingGroup:x:autoScalingGroupName/shop-prod-v003',
  CreatedTime: new Date('2024-05-01T10:00:00Z'), MinSize: 1, MaxSize: 4, DesiredCapacity: 3, DefaultCooldown: 300,
  AvailabilityZones: ['us-east-1a'], HealthCheckType: 'EC2', Tags: tags(ours), TargetGroupARNs: ['tg-api', 'tg-web'],
  Instances: [
    { InstanceId: 'i-1', LifecycleState: 'InService', HealthStatus: 'Healthy', AvailabilityZone: 'us-east-1a', ProtectedFromScaleIn: false },
    { InstanceId: 'i-2', LifecycleState: 'InService', HealthStatus: 'Healthy', AvailabilityZone: 'us-east-1a', ProtectedFromScaleIn: false },
    { InstanceId: 'i-3', LifecycleState: 'Pending', HealthStatus: 'Healthy', AvailabilityZone: 'us-east-1a', ProtectedFromScaleIn: false },
    { InstanceId: 'i-4', LifecycleState: 'Terminating', HealthStatus: 'Healthy', AvailabilityZone: 'us-east-1a', ProtectedFromScaleIn: false },
  ],
  ...overrides,
});

const states = (entries: Record<string, Record<string, string>>) =>
  new Map(Object.entries(entries).map(([tg, byId]) => [tg, new Map(Object.entries(byId))]));
/** What describe saw: api and web with one target group each (undefined: no load balancer), their states, and what it left or lost. */
const view = (byState: Record<string, Record<string, string>> = {}, more: Partial<TrafficView> = {}): TrafficView => ({
  byLoadBalancer: new Map([['api', ['tg-api']], ['web', ['tg-web']]]), left: [], gone: new Set(), states: states(byState), ...more });
const allHealthy = view({ 'tg-api': { 'i-1': 'healthy', 'i-2': 'healthy' }, 'tg-web': { 'i-1': 'healthy', 'i-2': 'healthy' } });

describe('AWS server group descriptions', () => {
  it('reads bookkeeping from tags, capacity from the group, and counts instances not on their way out', () => {
    const d = describeGroup(group(), allHealthy);
    assert.deepEqual(d, {
      name: 'shop-prod-v003', cluster: 'shop-prod', sequence: 3, createdAt: '2024-05-01T10:00:00.000Z', enabled: true,
      capacity: { min: 1, max: 4, desired: 3 }, instances: { total: 3, healthy: 2 }, draining: 0, loadBalancers: ['api', 'web'], templateHash: 'h1',
      providerId: 'arn:aws:autoscaling:us-east-1:123:autoScalingGroup:x:autoScalingGroupName/shop-prod-v003',
    } satisfies ServerGroupDescription);
  });

  it('counts an instance healthy while enabled only when it is healthy in every target group of its load balancers', () => {
    const traffic = view({ 'tg-api': { 'i-1': 'healthy', 'i-2': 'healthy' }, 'tg-web': { 'i-1': 'initial', 'i-2': 'healthy' } });
    assert.equal(describeGroup(group(), traffic).instances.healthy, 1);
    assert.equal(describeGroup(group(), view({}, { byLoadBalancer: new Map([['api', undefined], ['web', ['tg-web']]]) })).instances.healthy, 0,
      'a load balancer not made yet has no healthy instance of it');
  });

  it('counts instances healthy in the group alone while disabled, or without load balancers', () => {
    const disabled = group({ SuspendedProcesses: [{ ProcessName: 'AddToLoadBalancer' }, { ProcessName: 'Launch' }], TargetGroupARNs: [] });
    const d = describeGroup(disabled, view());
    assert.equal(d.enabled, false);
    assert.equal(d.instances.healthy, 2);
    const alone = group({ Tags: tags({ ...ours, 'staysail.dev/load-balancers': '' }) });
    assert.equal(describeGroup(alone, view()).instances.healthy, 2);
    const sick = group({ Instances: [{ InstanceId: 'i-1', LifecycleState: 'InService', HealthStatus: 'Unhealthy', AvailabilityZone: 'a', ProtectedFromScaleIn: false }] });
    assert.equal(describeGroup(sick, view()).instances.healthy, 0);
  });

  it('counts a group made disabled as disabled until it is first enabled, even before AddToLoadBalancer is suspended', () => {
    const justMade = group({ Tags: tags({ ...ours, 'staysail.dev/made-disabled': 'true' }), TargetGroupARNs: [] });
    assert.equal(describeGroup(justMade, view()).enabled, false);
  });

  it('counts each of its instances draining in any target group once', () => {
    const traffic = view({ 'tg-api': { 'i-1': 'draining', 'i-4': 'draining' }, 'tg-web': { 'i-1': 'draining', 'i-2': 'healthy' } });
    assert.equal(describeGroup(group(), traffic).draining, 2);
  });

  it('is a member, enabled, only of the load balancers every current target group of which is attached', () => {
    const grown = view({}, { byLoadBalancer: new Map([['api', ['tg-api']], ['web', ['tg-web', 'tg-web-443']]]) });
    assert.deepEqual(describeGroup(group(), grown).loadBalancers, ['api'], 'web gained a port it is not in yet');
    assert.deepEqual(describeGroup(group({ TargetGroupARNs: ['tg-api'] }), view({}, { byLoadBalancer: new Map([['api', ['tg-api']], ['web', undefined]]) }))
      .loadBalancers, ['api'], 'web has no load balancer');
    assert.deepEqual(describeGroup(group(), view({}, { byLoadBalancer: new Map([['api', ['tg-api']], ['web', undefined]]) })).loadBalancers, [],
      'web has no load balancer, and a target group is still attached for it: a member of none, so that setLoadBalancers leaves it');
    assert.deepEqual(describeGroup(group({ TargetGroupARNs: ['tg-api', 'tg-web', 'tg-web-old'] }), view()).loadBalancers, [],
      'a target group web dropped is still attached: a member of none, so that setLoadBalancers leaves it');
    assert.deepEqual(describeGroup(group({ TargetGroupARNs: ['tg-api', 'tg-web', 'tg-dead'] }), view({}, { gone: new Set(['tg-dead']) })).loadBalancers, [],
      'a deleted target group is still attached (AWS would fail every launch): setLoadBalancers detaches it');
    const suspendedButAttached = group({ SuspendedProcesses: [{ ProcessName: 'AddToLoadBalancer' }] });
    assert.deepEqual([describeGroup(suspendedButAttached, view()).enabled, describeGroup(suspendedButAttached, view()).loadBalancers], [true, []],
      'new instances would not join: setLoadBalancers resumes it');
    const disabled = group({ SuspendedProcesses: [{ ProcessName: 'AddToLoadBalancer' }], TargetGroupARNs: [] });
    assert.deepEqual(describeGroup(disabled, view()).loadBalancers, ['api', 'web'], 'disabled, it is to join those it records');
  });

  it('takes traffic while disabled when its instances are registered and serving in a target group none attached (by hand, or a detach not done yet)', () => {
    const disabled = group({ SuspendedProcesses: [{ ProcessName: 'AddToLoadBalancer' }], TargetGroupARNs: [] });
    const registered = (state: string) => describeGroup(disabled, view({}, { states: new Map([['tg-api', new Map([['i-1', state]])]]) })).enabled;
    assert.equal(registered('healthy'), true, 'disable runs again and deregisters it');
    assert.equal(registered('draining'), false, 'draining: leaving, counted as draining');
    assert.equal(registered('unused'), false);
  });

  it('takes traffic while any existing target group is attached, and while its processes say so', () => {
    const enabledWith = (g: Partial<AutoScalingGroup>, more: Partial<TrafficView> = {}) => describeGroup(group(g), view({}, more)).enabled;
    const suspended = [{ ProcessName: 'AddToLoadBalancer' }];
    assert.equal(enabledWith({ SuspendedProcesses: suspended }), true, 'still attached while suspended: disable must run again');
    assert.equal(enabledWith({ SuspendedProcesses: suspended, TargetGroupARNs: ['tg-dead'] }, { gone: new Set(['tg-dead']) }), false,
      'a deleted target group AWS still lists takes no traffic');
    assert.equal(enabledWith({ TargetGroupARNs: [] }), true, 'a disable cut after detaching shows enabled, and disable runs again');
    assert.equal(enabledWith({ TargetGroupARNs: [], Tags: tags({ ...ours, 'staysail.dev/made-disabled': 'true' }) }), false);
    assert.equal(enabledWith({ Tags: tags({ ...ours, 'staysail.dev/made-disabled': 'true' }) }), true, 'attached, it takes traffic whatever its tags');
  });

  it('counts as draining its instances registered where it should not be: any target group while disabled, those it left while enabled', () => {
    const disabled = group({ SuspendedProcesses: [{ ProcessName: 'AddToLoadBalancer' }], TargetGroupARNs: [] });
    assert.equal(describeGroup(disabled, view({ 'tg-api': { 'i-1': 'healthy', 'i-2': 'unused' }, 'tg-web': { 'i-2': 'initial' } })).draining, 2);
    const left = view({ 'tg-api': { 'i-1': 'healthy' }, 'tg-web': { 'i-1': 'healthy' }, 'tg-old': { 'i-1': 'healthy', 'i-2': 'unhealthy', 'i-3': 'unused' } },
      { left: ['tg-old'] });
    assert.equal(describeGroup(group(), left).draining, 2);
    assert.equal(describeGroup(group(), allHealthy).draining, 0);
    const apiGone = view({ 'tg-web': { 'i-1': 'healthy', 'i-2': 'healthy' } }, { byLoadBalancer: new Map([['api', undefined], ['web', ['tg-web']]]) });
    assert.equal(describeGroup(group(), apiGone).draining, 0, 'a load balancer of it gone is no reason to leave the others');
  });

  it('describes a group that is not Staysail\'s from its name', () => {
    const d = describeGroup(group({ Tags: [], AutoScalingGroupName: 'theirs-v012' }), view({}, { byLoadBalancer: new Map() }));
    assert.deepEqual([d.cluster, d.sequence, d.templateHash, d.loadBalancers], ['theirs', 12, '', []]);
  });

  it('orders newest first, by creation time then sequence', () => {
    const d = (name: string, createdAt: string, sequence: number) => ({ ...describeGroup(group(), allHealthy), name, createdAt, sequence });
    const sorted = [d('a', '2024-01-01T00:00:00.000Z', 9), d('b', '2024-01-02T00:00:00.000Z', 1), d('c', '2024-01-02T00:00:00.000Z', 2)].sort(newestFirst);
    assert.deepEqual(sorted.map((x) => x.name), ['c', 'b', 'a']);
  });
});
