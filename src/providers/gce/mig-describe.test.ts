// A managed instance group read as a server group: its changing state from its all-instances
// metadata, capacity, and health with and without load balancers.
import assert from 'node:assert/strict';
import { describeMark, markOf } from './marks.ts';
import { describeGroup, healthyCount, stateOf, withState, type Group, type ManagedInstance } from './mig-describe.ts';

const owner = { apiVersion: 'staysail.dev/v1alpha1', kind: 'Cluster', namespace: 'shop', name: 'shop-prod', uid: 'u-1' };
const ig = 'https://compute.googleapis.com/compute/v1/projects/p/zones/z/instanceGroups/shop-prod-v001';
const group = (state?: Parameters<typeof withState>[1]): Group => ({
  name: 'shop-prod-v001', targetSize: 2, instanceGroup: ig, creationTimestamp: '2026-01-01T00:00:00.000-08:00',
  description: describeMark(markOf(owner, 'shop-prod-v001', { cluster: 'shop-prod', sequence: 1, templateHash: 'h1' })),
  ...(state ? { allInstancesConfig: withState(undefined, state) } : {}),
});
const instance = (name: string, status = 'RUNNING', action = 'NONE'): ManagedInstance =>
  ({ instance: `http://127.0.0.1:1/compute/v1/projects/p/zones/z/instances/${name}`, instanceStatus: status, currentAction: action });

describe('GCE managed instance groups as server groups', () => {
  it('reads the state it records, keeping other metadata, and a disabled one of its size when it records none', () => {
    const state = { enabled: true, loadBalancers: ['b', 'a', 'a'], min: 1, max: 3 };
    const g = group(state);
    assert.deepEqual(stateOf(g), { enabled: true, loadBalancers: ['a', 'b'], min: 1, max: 3 });
    assert.deepEqual(stateOf({ targetSize: 4 }), { enabled: false, loadBalancers: [], min: 4, max: 4 });
    const kept = withState({ allInstancesConfig: { properties: { metadata: { mine: 'x' } } } }, state);
    assert.equal(kept.properties?.metadata?.mine, 'x');
  });

  it('describes its bookkeeping, capacity and instances', () => {
    const d = describeGroup(group({ enabled: false, loadBalancers: ['a'], min: 1, max: 3 }),
      [instance('i1'), instance('i2', 'PROVISIONING', 'CREATING'), instance('i3', 'STOPPING', 'DELETING')], []);
    assert.deepEqual({ ...d, providerId: undefined }, { name: 'shop-prod-v001', cluster: 'shop-prod', sequence: 1, createdAt: '2026-01-01T08:00:00.000Z',
      enabled: false, capacity: { min: 1, max: 3, desired: 2 }, instances: { total: 2, healthy: 1 }, loadBalancers: ['a'], templateHash: 'h1',
      providerId: undefined });
  });

  it('counts instances healthy in every backend service of its load balancers while enabled with them', () => {
    const g = group({ enabled: true, loadBalancers: ['a'], min: 1, max: 3 });
    const health = (...healthy: string[]) => new Map(healthy.map((n) => [`projects/p/zones/z/instances/${n}`, 'HEALTHY']));
    const all = [instance('i1'), instance('i2')];
    assert.equal(healthyCount(g, all, [health('i1', 'i2'), health('i2')]), 1);
    assert.equal(healthyCount(g, all, undefined), 0, 'a load balancer without backend services has no healthy instance');
    assert.equal(healthyCount(group({ enabled: false, loadBalancers: ['a'], min: 1, max: 3 }), all, undefined), 2, 'disabled: running is healthy');
  });

});
