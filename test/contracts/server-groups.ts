// The contract every ServerGroupProvider keeps, run against each implementation (the fake here; the
// Kubernetes and cloud providers join with their own world).
import assert from 'node:assert/strict';
import { isProviderError } from '../../src/providers/errors.ts';
import type { CreateServerGroup, Location, Owner, Provider, ProviderAccount } from '../../src/providers/interfaces.ts';
import { contractSuite, type ContractCase, type SkipList } from './cases.ts';

export interface ContractWorld {
  provider: Provider;
  account: ProviderAccount;
  location: Location;
  /** Lets time pass (creation times have a resolution of one second on Kubernetes). */
  pause(ms: number): Promise<void>;
  /** Waits until check holds, moving time on if the world has a clock. */
  eventually(check: () => Promise<boolean>, what: string): Promise<void>;
  /** A template this provider can run. */
  template(version: string): CreateServerGroup['template'];
  /** An object of that kind and name to own what the test makes (a real one where owners are collected by reference). */
  owner(kind: string, name: string): Promise<Owner>;
  /** Removes what the test made. */
  cleanup?(): Promise<void>;
}

const request = async (w: ContractWorld, sequence: number, version = 'v1', overrides: Partial<CreateServerGroup> = {}): Promise<CreateServerGroup> => ({
  name: `shop-prod-v${String(sequence).padStart(3, '0')}`, cluster: 'shop-prod', sequence, location: w.location,
  template: w.template(version), templateHash: `hash-${version}`, capacity: { min: 1, max: 3, desired: 2 }, enabled: false,
  loadBalancers: [], securityGroups: [], owner: await w.owner('Cluster', 'shop-prod'),
  ...overrides,
});

const describeIt = (w: ContractWorld, name: string) => w.provider.serverGroups.describe(w.account, w.location, name);
const membersOf = async (w: ContractWorld, lb: string) => (await w.provider.loadBalancers.describe(w.account, w.location, lb))?.serverGroups ?? [];

const cases: ContractCase<ContractWorld>[] = [
  { name: 'creates a server group that describe and list then show', async run(w) {
    const created = await w.provider.serverGroups.create(w.account, await request(w, 1));
    assert.equal(created.name, 'shop-prod-v001');
    assert.equal(created.cluster, 'shop-prod');
    assert.equal(created.sequence, 1);
    assert.equal(created.enabled, false);
    assert.deepEqual(created.capacity, { min: 1, max: 3, desired: 2 });
    assert.equal(created.templateHash, 'hash-v1');
    assert.equal((await describeIt(w, 'shop-prod-v001'))?.name, 'shop-prod-v001');
    assert.deepEqual((await w.provider.serverGroups.list(w.account, w.location, 'shop-prod')).map((g) => g.name), ['shop-prod-v001']);
  } },

  { name: 'treats a repeated create as done, and refuses the same name with another template', async run(w) {
    await w.provider.serverGroups.create(w.account, await request(w, 1));
    assert.equal((await w.provider.serverGroups.create(w.account, await request(w, 1))).name, 'shop-prod-v001');
    await assert.rejects(w.provider.serverGroups.create(w.account, await request(w, 1, 'v2')), (err: unknown) => isProviderError(err, 'Conflict'));
  } },

  { name: 'lists only the cluster\'s server groups, newest first', async run(w) {
    await w.provider.serverGroups.create(w.account, await request(w, 1));
    await w.pause(1100); // creation times in distinct seconds
    await w.provider.serverGroups.create(w.account, await request(w, 2, 'v2'));
    await w.provider.serverGroups.create(w.account, { ...await request(w, 1), name: 'shop-staging-v001', cluster: 'shop-staging' });
    assert.deepEqual((await w.provider.serverGroups.list(w.account, w.location, 'shop-prod')).map((g) => g.name), ['shop-prod-v002', 'shop-prod-v001']);
  } },

  { name: 'brings instances up to the desired capacity, and resizes', async run(w) {
    await w.provider.serverGroups.create(w.account, await request(w, 1));
    await w.eventually(async () => (await describeIt(w, 'shop-prod-v001'))?.instances.healthy === 2, 'two healthy');
    await w.provider.serverGroups.resize(w.account, w.location, 'shop-prod-v001', { min: 0, max: 3, desired: 0 });
    await w.eventually(async () => (await describeIt(w, 'shop-prod-v001'))?.instances.total === 0, 'scaled to zero');
    assert.equal((await describeIt(w, 'shop-prod-v001'))?.capacity.desired, 0);
  } },

  { name: 'enables and disables', async run(w) {
    await w.provider.serverGroups.create(w.account, await request(w, 1));
    await w.provider.serverGroups.enable(w.account, w.location, 'shop-prod-v001');
    assert.equal((await describeIt(w, 'shop-prod-v001'))?.enabled, true);
    await w.provider.serverGroups.disable(w.account, w.location, 'shop-prod-v001');
    assert.equal((await describeIt(w, 'shop-prod-v001'))?.enabled, false);
  } },

  { name: 'leaves a load balancer it is no longer in at once, and disabled takes traffic from none', async run(w) {
    for (const lb of ['a', 'b']) {
      await w.provider.loadBalancers.upsert(w.account, w.location, lb, { application: 'shop', accountRef: { name: w.account.name }, type: 'internal',
        ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] }, await w.owner('LoadBalancer', lb));
    }
    await w.provider.serverGroups.create(w.account, await request(w, 1, 'v1', { enabled: true, loadBalancers: ['a', 'b'] }));
    await w.eventually(async () => (await membersOf(w, 'a')).includes('shop-prod-v001') && (await membersOf(w, 'b')).includes('shop-prod-v001'),
      'in both load balancers');
    assert.deepEqual((await describeIt(w, 'shop-prod-v001'))?.loadBalancers, ['a', 'b']);

    await w.provider.serverGroups.setLoadBalancers(w.account, w.location, 'shop-prod-v001', ['a']);
    assert.deepEqual(await membersOf(w, 'b'), [], 'b still routes to a server group that left it');
    assert.deepEqual(await membersOf(w, 'a'), ['shop-prod-v001'], 'a stopped routing to a server group still in it');
    assert.deepEqual((await describeIt(w, 'shop-prod-v001'))?.loadBalancers, ['a']);

    await w.provider.serverGroups.disable(w.account, w.location, 'shop-prod-v001');
    assert.deepEqual([await membersOf(w, 'a'), await membersOf(w, 'b')], [[], []], 'a disabled server group takes traffic');
    assert.deepEqual((await describeIt(w, 'shop-prod-v001'))?.loadBalancers, ['a'], 'disabled, it forgot its load balancers');

    await w.provider.serverGroups.enable(w.account, w.location, 'shop-prod-v001');
    assert.deepEqual([await membersOf(w, 'a'), await membersOf(w, 'b')], [['shop-prod-v001'], []], 'enabled again, it is in its load balancers alone');
  } },

  { name: 'records load balancers while disabled, and joins them when enabled', async run(w) {
    await w.provider.loadBalancers.upsert(w.account, w.location, 'a', { application: 'shop', accountRef: { name: w.account.name }, type: 'internal',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] }, await w.owner('LoadBalancer', 'a'));
    await w.provider.serverGroups.create(w.account, await request(w, 1));
    await w.eventually(async () => (await describeIt(w, 'shop-prod-v001'))?.instances.healthy === 2, 'two healthy');
    await w.provider.serverGroups.setLoadBalancers(w.account, w.location, 'shop-prod-v001', ['a']);
    assert.deepEqual(await membersOf(w, 'a'), [], 'a disabled server group joined a load balancer');
    assert.equal((await describeIt(w, 'shop-prod-v001'))?.enabled, false);
    await w.provider.serverGroups.enable(w.account, w.location, 'shop-prod-v001');
    assert.deepEqual(await membersOf(w, 'a'), ['shop-prod-v001']);
  } },

  { name: 'destroys, and destroying again is not an error', async run(w) {
    await w.provider.serverGroups.create(w.account, await request(w, 1));
    await w.provider.serverGroups.destroy(w.account, w.location, 'shop-prod-v001');
    await w.eventually(async () => (await describeIt(w, 'shop-prod-v001')) === undefined, 'gone');
    await w.provider.serverGroups.destroy(w.account, w.location, 'shop-prod-v001');
  } },

  { name: 'answers NotFound for operations on a server group that does not exist', async run(w) {
    const sg = w.provider.serverGroups;
    for (const op of [
      () => sg.resize(w.account, w.location, 'shop-prod-v404', { min: 0, max: 1, desired: 1 }),
      () => sg.enable(w.account, w.location, 'shop-prod-v404'),
      () => sg.disable(w.account, w.location, 'shop-prod-v404'),
      () => sg.setLoadBalancers(w.account, w.location, 'shop-prod-v404', ['a']),
    ]) await assert.rejects(op(), (err: unknown) => isProviderError(err, 'NotFound'));
    assert.equal(await describeIt(w, 'shop-prod-v404'), undefined);
  } },
];

/** The server-group contract for one implementation; skip: case name -> why it does not pass it. */
export function serverGroupContract(implementation: string, world: () => Promise<ContractWorld>, skip: SkipList = {}): void {
  contractSuite('ServerGroupProvider', implementation, cases, world, skip);
}
