// A scale set read as a server group: its state from its tags corrected by its model, capacity, and
// health with and without load balancers (a LoadBalancer without a load balancer of Staysail's leaves
// none healthy; so does an instance not in the pool, whatever its model; one in it that is not on the
// latest model still counts).
import assert from 'node:assert/strict';
import type { VirtualMachineScaleSet, VirtualMachineScaleSetVM } from '@azure/arm-compute';
import { describeScaleSet, healthyCount, isFailedShell, newestFirst, observedStateOf, stateOf } from './describe.ts';
import { networkProfileOf, scaleSetTags } from './scale-set.ts';

const owner = { apiVersion: 'staysail.dev/v1alpha1', kind: 'Cluster', namespace: 'shop', name: 'shop-prod', uid: 'u-1' };
const pool = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/web/backendAddressPools/pool';
const scaleSet = (enabled: boolean, loadBalancers: string[], pools: string[] = []): VirtualMachineScaleSet => ({
  name: 'shop-prod-v001', id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/shop-prod-v001', location: 'westeurope',
  sku: { name: 'Standard_B1s', capacity: 3 },
  tags: scaleSetTags({ name: 'shop-prod-v001', cluster: 'shop-prod', sequence: 1, location: {}, template: { azure: { image: 'a:b:c:d', vmSize: 's' } },
    templateHash: 'h1', capacity: { min: 1, max: 5, desired: 3 }, enabled, loadBalancers, securityGroups: [], owner }, '2026-01-01T00:00:00.000Z'),
  virtualMachineProfile: { networkProfile: networkProfileOf({ subnetId: 'subnet', pools }) },
});
const vm = (id: string, o: { state?: string; power?: string; health?: string; latest?: boolean; pools?: string[] } = {}): VirtualMachineScaleSetVM => ({
  location: 'westeurope', instanceId: id, provisioningState: o.state ?? 'Succeeded', latestModelApplied: o.latest ?? true,
  networkProfileConfiguration: { networkInterfaceConfigurations: networkProfileOf({ subnetId: 'subnet', pools: o.pools ?? [] }).networkInterfaceConfigurations },
  instanceView: { statuses: [{ code: 'ProvisioningState/succeeded' }, { code: o.power ?? 'PowerState/running' }],
    ...(o.health ? { vmHealth: { status: { code: o.health } } } : {}) },
});

describe('Azure scale sets as server groups', () => {
  it('describes its bookkeeping, capacity and instances', () => {
    const d = describeScaleSet(scaleSet(false, ['web']), [vm('0'), vm('1', { state: 'Creating', power: 'PowerState/starting' }), vm('2', { state: 'Deleting' })], []);
    assert.deepEqual(d, { name: 'shop-prod-v001', cluster: 'shop-prod', sequence: 1, createdAt: '2026-01-01T00:00:00.000Z', enabled: false,
      capacity: { min: 1, max: 5, desired: 3 }, instances: { total: 2, healthy: 1 }, loadBalancers: ['web'], templateHash: 'h1',
      providerId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/shop-prod-v001' });
  });

  it('reads someone else\'s scale set as disabled, of its size, named by its name', () => {
    const foreign: VirtualMachineScaleSet = { name: 'web-prod-v007', location: 'x', sku: { capacity: 2 }, timeCreated: new Date('2026-02-02T00:00:00Z') };
    assert.deepEqual(stateOf(foreign), { enabled: false, loadBalancers: [], min: 2, max: 2 });
    const d = describeScaleSet(foreign, [], []);
    assert.deepEqual([d.cluster, d.sequence, d.createdAt, d.templateHash], ['web-prod', 7, '2026-02-02T00:00:00.000Z', '']);
  });

  it('takes a Failed scale set with every instance failed (or none) for one whose create failed, and one with a working instance for one to keep', () => {
    const failed = { ...scaleSet(false, []), provisioningState: 'Failed' };
    assert.equal(isFailedShell(failed, [vm('0', { state: 'Failed' }), vm('1', { state: 'Failed' }), vm('2', { state: 'Deleting' })]), true);
    assert.equal(isFailedShell(failed, []), true);
    assert.equal(isFailedShell(failed, [vm('0', { state: 'Failed' }), vm('1')]), false, 'a failed change of a scale set still serving');
    assert.equal(isFailedShell(failed, [vm('0', { state: 'Creating', power: 'PowerState/starting' })]), false);
    assert.equal(isFailedShell({ ...failed, provisioningState: 'Succeeded' }, [vm('0', { state: 'Failed' })]), false);
  });

  it('counts running instances healthy while it is not behind load balancers', () => {
    const instances = [vm('0'), vm('1', { power: 'PowerState/stopped' }), vm('2', { state: 'Failed' })];
    assert.equal(healthyCount(scaleSet(false, ['web']), instances, []), 1);
    assert.equal(healthyCount(scaleSet(true, []), instances, []), 1);
  });

  it('behind load balancers, counts only instances in the pool that the probe finds healthy, whether or not on the latest model', () => {
    const ss = scaleSet(true, ['web'], [pool]);
    const healthy = 'HealthState/healthy';
    const instances = [vm('0', { health: healthy, pools: [pool] }), vm('1', { health: 'HealthState/unhealthy', pools: [pool] }), vm('2', { pools: [pool] }),
      vm('3', { health: healthy, latest: false, pools: [pool] }), vm('4', { health: healthy })];
    assert.equal(healthyCount(ss, instances, [pool]), 2, 'an unrelated model change (latestModelApplied false) made a serving instance unhealthy');
    assert.equal(healthyCount(ss, instances, [undefined]), 0, 'a LoadBalancer with no load balancer of Staysail\'s');
    assert.equal(healthyCount(scaleSet(true, ['web', 'api'], [pool]), instances, [pool]), 2, 'the model names the pools it takes traffic from');
    assert.equal(healthyCount(scaleSet(true, ['web']), instances, []), 0, 'enabled behind web by its tags, with web\'s pool not read');
  });

  it('reads what the model says over the tags: a model naming pools is enabled, behind the load balancers of those pools', () => {
    assert.deepEqual(observedStateOf(scaleSet(false, [], [pool])), { enabled: true, loadBalancers: ['web'], min: 1, max: 5 }, 'the tags not written after the model');
    assert.deepEqual(observedStateOf(scaleSet(true, ['api', 'web'], [pool])).loadBalancers, ['web'], 'the model left api');
    assert.deepEqual(observedStateOf(scaleSet(true, ['web'], [])), { enabled: true, loadBalancers: ['web'], min: 1, max: 5 }, 'a disable cut short');
    assert.deepEqual(observedStateOf(scaleSet(false, ['web'], [])), { enabled: false, loadBalancers: ['web'], min: 1, max: 5 }, 'disabled, it keeps its load balancers');
    const d = describeScaleSet(scaleSet(false, [], [pool]), [vm('0', { health: 'HealthState/healthy', pools: [pool] })], [pool]);
    assert.deepEqual([d.enabled, d.loadBalancers, d.instances.healthy], [true, ['web'], 1]);
  });

  it('is unsettled while a running instance is in other pools than the model names (an upgrade cut short), either way', () => {
    const unsettledOf = (ss: VirtualMachineScaleSet, vms: VirtualMachineScaleSetVM[]) => describeScaleSet(ss, vms, [pool]).unsettled ?? false;
    // Enabling: the model names the pool, an instance does not run that model yet.
    assert.equal(unsettledOf(scaleSet(false, ['web'], [pool]), [vm('0', { pools: [pool] }), vm('1', { latest: false })]), true);
    // Disabling: the model names no pool, an instance is still in it.
    assert.equal(unsettledOf(scaleSet(true, ['web']), [vm('0', { pools: [pool], latest: false })]), true);
    // Settled either way; an instance not running yet does not count.
    assert.equal(unsettledOf(scaleSet(true, ['web'], [pool]), [vm('0', { pools: [pool.toUpperCase()] }), vm('1', { state: 'Creating' })]), false);
    assert.equal(unsettledOf(scaleSet(false, ['web']), [vm('0')]), false);
  });

  it('puts the newest first, by creation time then sequence', () => {
    const d = (name: string, createdAt: string, sequence: number) => ({ ...describeScaleSet(scaleSet(false, []), [], []), name, createdAt, sequence });
    assert.deepEqual([d('a', '2026-01-01', 1), d('b', '2026-01-02', 0), d('c', '2026-01-01', 2)].sort(newestFirst).map((x) => x.name), ['b', 'c', 'a']);
  });
});
