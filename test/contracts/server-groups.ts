// The contract every ServerGroupProvider keeps, run against each implementation (the fake here; the
// Kubernetes and cloud providers join with their own world).
import assert from 'node:assert/strict';
import { isProviderError } from '../../src/providers/errors.ts';
import type { CreateServerGroup, Location, ProviderAccount, ServerGroupProvider } from '../../src/providers/interfaces.ts';

export interface ContractWorld {
  provider: ServerGroupProvider;
  account: ProviderAccount;
  location: Location;
  /** Lets time pass (creation times have a resolution of one second on Kubernetes). */
  pause(ms: number): Promise<void>;
  /** Waits until check holds, moving time on if the world has a clock. */
  eventually(check: () => Promise<boolean>, what: string): Promise<void>;
  /** A template this provider can run. */
  template(version: string): CreateServerGroup['template'];
  /** Removes what the test made. */
  cleanup?(): Promise<void>;
}

export function serverGroupContract(name: string, world: () => Promise<ContractWorld>): void {
  describe(`ServerGroupProvider contract: ${name}`, function () {
    this.timeout(120_000);
    let w: ContractWorld;
    beforeEach(async () => { w = await world(); });
    afterEach(async () => { await w?.cleanup?.(); });

    const request = (sequence: number, version = 'v1', overrides: Partial<CreateServerGroup> = {}): CreateServerGroup => ({
      name: `shop-prod-v${String(sequence).padStart(3, '0')}`, cluster: 'shop-prod', sequence, location: w.location,
      template: w.template(version), templateHash: `hash-${version}`, capacity: { min: 1, max: 3, desired: 2 }, enabled: false,
      loadBalancers: [], securityGroups: [], owner: { apiVersion: 'staysail.dev/v1alpha1', kind: 'Cluster', name: 'shop-prod', uid: 'uid-1' },
      ...overrides,
    });

    it('creates a server group that describe and list then show', async () => {
      const created = await w.provider.create(w.account, request(1));
      assert.equal(created.name, 'shop-prod-v001');
      assert.equal(created.cluster, 'shop-prod');
      assert.equal(created.sequence, 1);
      assert.equal(created.enabled, false);
      assert.deepEqual(created.capacity, { min: 1, max: 3, desired: 2 });
      assert.equal(created.templateHash, 'hash-v1');
      const described = await w.provider.describe(w.account, w.location, 'shop-prod-v001');
      assert.equal(described?.name, 'shop-prod-v001');
      assert.deepEqual((await w.provider.list(w.account, w.location, 'shop-prod')).map((g) => g.name), ['shop-prod-v001']);
    });

    it('treats a repeated create as done, and refuses the same name with another template', async () => {
      await w.provider.create(w.account, request(1));
      assert.equal((await w.provider.create(w.account, request(1))).name, 'shop-prod-v001');
      await assert.rejects(w.provider.create(w.account, request(1, 'v2')), (err: unknown) => isProviderError(err, 'Conflict'));
    });

    it('lists only the cluster\'s server groups, newest first', async () => {
      await w.provider.create(w.account, request(1));
      await w.pause(1100); // creation times in distinct seconds
      await w.provider.create(w.account, request(2, 'v2'));
      await w.provider.create(w.account, { ...request(1), name: 'shop-staging-v001', cluster: 'shop-staging' });
      assert.deepEqual((await w.provider.list(w.account, w.location, 'shop-prod')).map((g) => g.name), ['shop-prod-v002', 'shop-prod-v001']);
    });

    it('brings instances up to the desired capacity, and resizes', async () => {
      await w.provider.create(w.account, request(1));
      await w.eventually(async () => (await w.provider.describe(w.account, w.location, 'shop-prod-v001'))?.instances.healthy === 2, 'two healthy');
      await w.provider.resize(w.account, w.location, 'shop-prod-v001', { min: 0, max: 3, desired: 0 });
      await w.eventually(async () => (await w.provider.describe(w.account, w.location, 'shop-prod-v001'))?.instances.total === 0, 'scaled to zero');
      assert.equal((await w.provider.describe(w.account, w.location, 'shop-prod-v001'))?.capacity.desired, 0);
    });

    it('enables and disables', async () => {
      await w.provider.create(w.account, request(1));
      await w.provider.enable(w.account, w.location, 'shop-prod-v001', []);
      assert.equal((await w.provider.describe(w.account, w.location, 'shop-prod-v001'))?.enabled, true);
      await w.provider.disable(w.account, w.location, 'shop-prod-v001', []);
      assert.equal((await w.provider.describe(w.account, w.location, 'shop-prod-v001'))?.enabled, false);
    });

    it('destroys, and destroying again is not an error', async () => {
      await w.provider.create(w.account, request(1));
      await w.provider.destroy(w.account, w.location, 'shop-prod-v001');
      await w.eventually(async () => (await w.provider.describe(w.account, w.location, 'shop-prod-v001')) === undefined, 'gone');
      await w.provider.destroy(w.account, w.location, 'shop-prod-v001');
    });

    it('answers NotFound for operations on a server group that does not exist', async () => {
      for (const op of [
        () => w.provider.resize(w.account, w.location, 'shop-prod-v404', { min: 0, max: 1, desired: 1 }),
        () => w.provider.enable(w.account, w.location, 'shop-prod-v404', []),
        () => w.provider.disable(w.account, w.location, 'shop-prod-v404', []),
      ]) await assert.rejects(op(), (err: unknown) => isProviderError(err, 'NotFound'));
      assert.equal(await w.provider.describe(w.account, w.location, 'shop-prod-v404'), undefined);
    });
  });
}
