// The Azure provider on the fake of Resource Manager and Entra (test/fakes/azure), through the real
// SDKs: the server-group contract, and what is Azure's own: the Account's check names the field that
// is wrong; a failed operation is a typed error naming the scale set and the next call goes through;
// a 429 is Throttled with its Retry-After (a short one waited out a few times only); a create repeated
// after its PUT was sent leaves one scale set; enable and disable move the instances in and out of
// the pool only once they are upgraded to the model that says so.
import assert from 'node:assert/strict';
import { isProviderError, type ProviderErrorKind } from '../../../src/providers/errors.ts';
import type { CreateServerGroup } from '../../../src/providers/interfaces.ts';
import { serverGroupContract } from '../../contracts/server-groups.ts';
import { trafficUpdateOf } from '../../../src/providers/azure/scale-set.ts';
import { fastPolling, sdkClients } from '../../fakes/azure/sdk.ts';
import { azureNamespace, azureWorld, principal, resourceGroup, stopFakeAzure, subscriptionId, tenantId, type AzureWorld } from '../../support/azure-world.ts';
import { namespaces } from '../../support/provider-world.ts';

serverGroupContract('azure on its fake', azureWorld, {
  'leaves a load balancer it is no longer in at once, and disabled takes traffic from none': 'it puts one server group behind two internal load balancers, '
    + 'which Azure refuses (a NIC IP configuration joins one internal and one public load balancer at most); the Azure suite below does it with one of each',
});

after(stopFakeAzure);

const rejectsWith = (kind: ProviderErrorKind, pattern: RegExp) => (err: unknown) => {
  assert.ok(isProviderError(err, kind), `expected ${kind}, got ${String(err)}`);
  assert.match(err.message, pattern);
  return true;
};

const scaleSets = 'Microsoft.Compute/virtualMachineScaleSets';

describe('Azure provider on its fake', function () {
  this.timeout(120_000);
  let w: AzureWorld;
  beforeEach(async () => { w = await azureWorld(); });
  afterEach(async () => {
    const faults = [...w.fake.responseFaults];
    await w.cleanup?.();
    assert.deepEqual(faults, [], 'the fake answered properties the API descriptions lack');
  });

  const request = async (overrides: Partial<CreateServerGroup> = {}): Promise<CreateServerGroup> => ({
    name: 'shop-prod-v001', cluster: 'shop-prod', sequence: 1, location: w.location, template: w.template('v1'), templateHash: 'hash-v1',
    capacity: { min: 1, max: 3, desired: 2 }, enabled: false, loadBalancers: [], securityGroups: [], owner: await w.owner('Cluster', 'shop-prod'),
    ...overrides,
  });
  const names = () => w.fake.resources(scaleSets).map((r) => r.id.split('/').pop()).sort();
  /** An Account like the world's in a namespace of its own, its Secret "azure" holding keys. */
  const elsewhere = async (keys: Record<string, string>, azure: object = {}) => {
    const ns = await azureNamespace(w.client, keys);
    return { name: 'azure', namespace: ns, spec: { ...w.account.spec, azure: { ...w.account.spec.azure!, ...azure } } };
  };

  it('verifies the Account, naming the subscription and resource group it reached, and the field that is wrong otherwise', async () => {
    assert.equal(await w.provider.verify(w.account), `reaches Azure subscription ${subscriptionId}, resource group ${resourceGroup}`);
    const others: string[] = [];
    try {
      const wrongSecret = await elsewhere({ clientId: principal.clientId, clientSecret: 'not-the-secret' });
      others.push(wrongSecret.namespace);
      await assert.rejects(w.provider.verify(wrongSecret), rejectsWith('Invalid', /AADSTS7000215.*spec\.azure\.credentialsSecretRef/));
      const noGroup = await elsewhere(principal, { resourceGroup: 'no-such-rg' });
      others.push(noGroup.namespace);
      await assert.rejects(w.provider.verify(noGroup), rejectsWith('Invalid', /ResourceGroupNotFound.*spec\.azure\.resourceGroup/));
      const noKey = await elsewhere({ clientId: principal.clientId });
      others.push(noKey.namespace);
      await assert.rejects(w.provider.verify(noKey), rejectsWith('Invalid', /Secret "azure" \(spec\.azure\.credentialsSecretRef\) has no key "clientSecret"/));
      const empty = await elsewhere({ clientId: principal.clientId, clientSecret: ' \n' });
      others.push(empty.namespace);
      await assert.rejects(w.provider.verify(empty), rejectsWith('Invalid', /Secret "azure" \(spec\.azure\.credentialsSecretRef\) are not .*"clientSecret" is empty/));
      const noSecret = { ...w.account, spec: { ...w.account.spec, azure: { ...w.account.spec.azure!, credentialsSecretRef: { name: 'absent' } } } };
      await assert.rejects(w.provider.verify(noSecret), rejectsWith('Invalid', /Secret "absent" \(spec\.azure\.credentialsSecretRef\) does not exist/));
    } finally {
      for (const ns of others) await w.client.delete(namespaces, undefined, ns).catch(() => undefined);
    }
  });

  it('leaves another namespace\'s scale set of the same name alone: describe and every change are Conflict naming whose it is, destroy deletes nothing', async () => {
    const lb = { application: 'shop', accountRef: { name: 'azure' }, type: 'internal' as const, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' as const }] };
    await w.provider.loadBalancers.upsert(w.account, w.location, 'web', lb, await w.owner('LoadBalancer', 'web'));
    await w.provider.serverGroups.create(w.account, await request({ loadBalancers: ['web'], owner: await w.owner('ServerGroup', 'shop-prod-v001') }));
    const other = await elsewhere(principal);
    try {
      const sg = w.provider.serverGroups;
      const theirs = new RegExp(`scale set shop-prod-v001 .*belongs to ServerGroup/${w.account.namespace}/shop-prod-v001 .*not to server group shop-prod-v001 of namespace ${other.namespace}`);
      await assert.rejects(sg.describe(other, w.location, 'shop-prod-v001'), rejectsWith('Conflict', theirs));
      const otherOwner = { ...await w.owner('ServerGroup', 'shop-prod-v001'), namespace: other.namespace, uid: 'another-uid' };
      await assert.rejects(sg.create(other, { ...await request({ loadBalancers: ['web'] }), owner: otherOwner }), rejectsWith('Conflict', /belongs to ServerGroup/));
      for (const op of [() => sg.resize(other, w.location, 'shop-prod-v001', { min: 0, max: 1, desired: 0 }), () => sg.enable(other, w.location, 'shop-prod-v001'),
        () => sg.disable(other, w.location, 'shop-prod-v001'), () => sg.setLoadBalancers(other, w.location, 'shop-prod-v001', [])]) {
        await assert.rejects(op(), rejectsWith('Conflict', theirs));
      }
      const writes = w.fake.requests.filter((r) => r.method !== 'GET').length;
      await sg.destroy(other, w.location, 'shop-prod-v001');
      assert.equal(w.fake.requests.filter((r) => r.method !== 'GET').length, writes, 'the other namespace\'s destroy wrote to Azure');
      assert.deepEqual(names(), ['shop-prod-v001']);
      const mine = await sg.describe(w.account, w.location, 'shop-prod-v001');
      assert.deepEqual([mine?.capacity.desired, mine?.loadBalancers], [2, ['web']]);
    } finally {
      await w.client.delete(namespaces, undefined, other.namespace).catch(() => undefined);
    }
  });

  it('refuses to make a server group enabled behind a LoadBalancer that has no load balancer yet, before anything is made', async () => {
    await assert.rejects(w.provider.serverGroups.create(w.account, await request({ enabled: true, loadBalancers: ['ghost'] })),
      rejectsWith('NotFound', /server group shop-prod-v001: LoadBalancer "ghost" .*has no load balancer of Staysail's/));
    assert.deepEqual(names(), []);
    await w.provider.serverGroups.create(w.account, await request({ loadBalancers: ['ghost'] }));
    await assert.rejects(w.provider.serverGroups.enable(w.account, w.location, 'shop-prod-v001'), rejectsWith('NotFound', /LoadBalancer "ghost"/));
    const sg = await w.provider.serverGroups.describe(w.account, w.location, 'shop-prod-v001');
    assert.deepEqual([sg?.enabled, sg?.loadBalancers], [false, ['ghost']]);
  });

  it('describes what the model does when a change stopped between the model and the tags, and counts instances in the pool healthy through an unrelated model change', async () => {
    const lb = await w.provider.loadBalancers.upsert(w.account, w.location, 'web', { application: 'shop', accountRef: { name: 'azure' }, type: 'internal',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] }, await w.owner('LoadBalancer', 'web'));
    await w.provider.serverGroups.create(w.account, await request({ loadBalancers: ['web'] }));
    const azure = w.account.spec.azure!;
    const sdk = sdkClients(azure.endpoint!, { subscriptionId, tenantId, ...principal, authorityHost: azure.authorityHost! });
    const ss = await sdk.compute.virtualMachineScaleSets.get(resourceGroup, 'shop-prod-v001');
    const probe = (w.fake.resource(lb.providerId.replace(/\/backendAddressPools\/[^/]+$/, '')) as { properties: { probes: { id: string }[] } }).properties.probes[0]!.id;
    // The enable's model PATCH and upgrade, done; the crash came before its tags were written.
    await sdk.compute.virtualMachineScaleSets.update(resourceGroup, 'shop-prod-v001', trafficUpdateOf(ss, [lb.providerId], probe), fastPolling).pollUntilDone();
    await sdk.compute.virtualMachineScaleSets.updateInstances(resourceGroup, 'shop-prod-v001', { instanceIds: ['0', '1'] }, fastPolling).pollUntilDone();
    const crashed = await w.provider.serverGroups.describe(w.account, w.location, 'shop-prod-v001');
    assert.deepEqual([crashed?.enabled, crashed?.loadBalancers, crashed?.instances.healthy], [true, ['web'], 2], 'described by its tags, not by what it does');

    // A change of something else of the model: the instances are not on the latest model, and still in the pool and healthy.
    await sdk.compute.virtualMachineScaleSets.update(resourceGroup, 'shop-prod-v001',
      { virtualMachineProfile: { userData: Buffer.from('unrelated').toString('base64') } }, fastPolling).pollUntilDone();
    const vms = [];
    for await (const vm of sdk.compute.virtualMachineScaleSetVMs.list(resourceGroup, 'shop-prod-v001')) vms.push(vm);
    assert.deepEqual(vms.map((vm) => vm.latestModelApplied), [false, false]);
    assert.equal((await w.provider.serverGroups.describe(w.account, w.location, 'shop-prod-v001'))?.instances.healthy, 2, 'an unrelated model change left a serving group unhealthy');

    // Disabled as the model showed it, it leaves the pool and says so.
    await w.provider.serverGroups.disable(w.account, w.location, 'shop-prod-v001');
    const disabled = await w.provider.serverGroups.describe(w.account, w.location, 'shop-prod-v001');
    assert.deepEqual([disabled?.enabled, disabled?.loadBalancers], [false, ['web']]);
    assert.deepEqual((await w.provider.loadBalancers.describe(w.account, w.location, 'web'))?.serverGroups, []);
  });

  it('says it is unsettled when a change stopped between the model and the upgrade of its instances, and enable finishes it', async () => {
    const lb = await w.provider.loadBalancers.upsert(w.account, w.location, 'web', { application: 'shop', accountRef: { name: 'azure' }, type: 'internal',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] }, await w.owner('LoadBalancer', 'web'));
    await w.provider.serverGroups.create(w.account, await request({ loadBalancers: ['web'], enabled: false }));
    const azure = w.account.spec.azure!;
    const sdk = sdkClients(azure.endpoint!, { subscriptionId, tenantId, ...principal, authorityHost: azure.authorityHost! });
    const ss = await sdk.compute.virtualMachineScaleSets.get(resourceGroup, 'shop-prod-v001');
    const probe = (w.fake.resource(lb.providerId.replace(/\/backendAddressPools\/[^/]+$/, '')) as { properties: { probes: { id: string }[] } }).properties.probes[0]!.id;
    // The enable's model PATCH, done; the crash came before its instances were upgraded.
    await sdk.compute.virtualMachineScaleSets.update(resourceGroup, 'shop-prod-v001', trafficUpdateOf(ss, [lb.providerId], probe), fastPolling).pollUntilDone();
    const crashed = await w.provider.serverGroups.describe(w.account, w.location, 'shop-prod-v001');
    assert.deepEqual([crashed?.enabled, crashed?.unsettled, crashed?.instances.healthy], [true, true, 0], 'enabled by its model, its instances not in the pool yet');

    await w.provider.serverGroups.enable(w.account, w.location, 'shop-prod-v001');
    const done = await w.provider.serverGroups.describe(w.account, w.location, 'shop-prod-v001');
    assert.deepEqual([done?.enabled, done?.unsettled, done?.instances.healthy], [true, undefined, 2]);
    assert.deepEqual((await w.provider.loadBalancers.describe(w.account, w.location, 'web'))?.serverGroups, ['shop-prod-v001']);
  });

  it('leaves a load balancer it is no longer in at once, and disabled takes traffic from none (one internal and one external, as Azure allows)', async () => {
    const spec = (type: 'internal' | 'external') => ({ application: 'shop', accountRef: { name: 'azure' }, type, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' as const }] });
    await w.provider.loadBalancers.upsert(w.account, w.location, 'a', spec('internal'), await w.owner('LoadBalancer', 'a'));
    await w.provider.loadBalancers.upsert(w.account, w.location, 'b', spec('external'), await w.owner('LoadBalancer', 'b'));
    const membersOf = async (lb: string) => (await w.provider.loadBalancers.describe(w.account, w.location, lb))?.serverGroups ?? [];
    const sg = w.provider.serverGroups;
    await sg.create(w.account, await request({ enabled: true, loadBalancers: ['a', 'b'] }));
    assert.deepEqual([await membersOf('a'), await membersOf('b')], [['shop-prod-v001'], ['shop-prod-v001']]);
    await sg.setLoadBalancers(w.account, w.location, 'shop-prod-v001', ['a']);
    assert.deepEqual([await membersOf('a'), await membersOf('b')], [['shop-prod-v001'], []], 'b still routes to a server group that left it');
    await sg.disable(w.account, w.location, 'shop-prod-v001');
    assert.deepEqual([await membersOf('a'), await membersOf('b')], [[], []], 'a disabled server group takes traffic');
    assert.deepEqual((await sg.describe(w.account, w.location, 'shop-prod-v001'))?.loadBalancers, ['a'], 'disabled, it forgot its load balancers');
    await sg.enable(w.account, w.location, 'shop-prod-v001');
    assert.deepEqual([await membersOf('a'), await membersOf('b')], [['shop-prod-v001'], []], 'enabled again, it is in its load balancers alone');
  });

  it('refuses two internal LoadBalancers for one server group as Invalid naming spec.loadBalancerRefs, before anything is made', async () => {
    const spec = { application: 'shop', accountRef: { name: 'azure' }, type: 'internal' as const, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' as const }] };
    for (const lb of ['a', 'b']) await w.provider.loadBalancers.upsert(w.account, w.location, lb, spec, await w.owner('LoadBalancer', lb));
    const twoInternal = /server group shop-prod-v001: spec\.loadBalancerRefs names 2 internal LoadBalancers \(a, b\)/;
    await assert.rejects(w.provider.serverGroups.create(w.account, await request({ loadBalancers: ['a', 'b'] })), rejectsWith('Invalid', twoInternal));
    assert.deepEqual(names(), []);
    await w.provider.serverGroups.create(w.account, await request({ loadBalancers: ['a'] }));
    await assert.rejects(w.provider.serverGroups.setLoadBalancers(w.account, w.location, 'shop-prod-v001', ['a', 'b']), rejectsWith('Invalid', twoInternal));
    assert.deepEqual((await w.provider.serverGroups.describe(w.account, w.location, 'shop-prod-v001'))?.loadBalancers, ['a']);
  });

  it('turns an operation that ends Failed into a typed error naming the scale set, and makes it on the next call', async () => {
    w.fake.failNext({ method: 'PUT', path: /virtualMachineScaleSets\/shop-prod-v001$/ },
      { operation: 'Failed', code: 'AllocationFailed', message: 'Allocation failed. We do not have sufficient capacity for the requested VM size in this region.' });
    await assert.rejects(w.provider.serverGroups.create(w.account, await request()), rejectsWith('Quota', /scale set shop-prod-v001.*AllocationFailed/));
    const state = () => ((w.fake.resources(scaleSets)[0]?.body.properties ?? {}) as { provisioningState?: string }).provisioningState;
    assert.equal(state(), 'Failed', 'Azure keeps a scale set whose create failed');
    const made = await w.provider.serverGroups.create(w.account, await request());
    assert.equal(made.name, 'shop-prod-v001');
    assert.deepEqual(names(), ['shop-prod-v001']);
    assert.equal(state(), 'Succeeded', 'the failed scale set was not made again');
  });

  it('waits out another operation on the scale set its create meets, and answers any other Conflict as it is', async () => {
    const path = /virtualMachineScaleSets\/shop-prod-v001$/;
    w.fake.failNext({ method: 'PUT', path }, { status: 409, code: 'AnotherOperationInProgress', message: 'Operation \'PUT\' is not allowed since another operation is in progress.' });
    await assert.rejects(w.provider.serverGroups.create(w.account, await request()), rejectsWith('InProgress', /scale set shop-prod-v001 .*(is being created|AnotherOperationInProgress)/));
    w.fake.failNext({ method: 'PUT', path }, { status: 409, code: 'PropertyChangeNotAllowed', message: 'Changing property \'osProfile.adminUsername\' is not allowed.' });
    await assert.rejects(w.provider.serverGroups.create(w.account, await request()), rejectsWith('Conflict', /creating scale set shop-prod-v001 .*PropertyChangeNotAllowed/));
    assert.deepEqual(names(), []);
  });

  it('answers Throttled with the Retry-After of a 429, waiting out a short one only a few times', async () => {
    const path = /virtualMachineScaleSets\/shop-prod-v001$/;
    w.fake.failNext({ method: 'GET', path }, { status: 429, retryAfter: 30 });
    await assert.rejects(w.provider.serverGroups.describe(w.account, w.location, 'shop-prod-v001'), (err: unknown) => {
      assert.ok(isProviderError(err, 'Throttled'), String(err));
      assert.equal(err.retryAfterMs, 30_000);
      return true;
    });
    assert.equal(await w.provider.serverGroups.describe(w.account, w.location, 'shop-prod-v001'), undefined);

    // A short wait is the SDK's to wait out, a bounded number of times; after that the controller's.
    w.fake.failNext({ method: 'GET', path }, { status: 429, retryAfter: 1 }, 20);
    const before = w.fake.requests.length;
    await assert.rejects(w.provider.serverGroups.describe(w.account, w.location, 'shop-prod-v001'),
      (err: unknown) => isProviderError(err, 'Throttled') && err.retryAfterMs === 1_000);
    assert.equal(w.fake.requests.slice(before).filter((r) => r.method === 'GET' && path.test(r.path)).length, 4, 'one call and three retries');
  });

  it('makes one scale set when a create is repeated after its PUT was sent but never seen through', async () => {
    // The crash: the PUT was accepted, and every look at its operation failed until the caller gave up.
    w.fake.failNext({ method: 'GET', path: /operations\//i }, { status: 500 }, 4);
    await assert.rejects(w.provider.serverGroups.create(w.account, await request()));
    assert.deepEqual(names(), ['shop-prod-v001']);
    const again = await w.provider.serverGroups.create(w.account, await request());
    assert.equal(again.templateHash, 'hash-v1');
    assert.deepEqual(names(), ['shop-prod-v001']);
    assert.equal(w.fake.requests.filter((r) => r.method === 'PUT' && /virtualMachineScaleSets\/shop-prod-v001$/.test(r.path)).length, 1, 'PUT twice');
  });

  it('moves instances in and out of the pool with enable and disable, only once they run the model that says so', async () => {
    const lb = await w.provider.loadBalancers.upsert(w.account, w.location, 'web', { application: 'shop', accountRef: { name: 'azure' }, type: 'internal',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] }, await w.owner('LoadBalancer', 'web'));
    await w.provider.serverGroups.create(w.account, await request({ loadBalancers: ['web'] }));
    type Pool = { name: string; properties?: { backendIPConfigurations?: { id: string }[] } };
    const loadBalancer = () => (w.fake.resource(lb.providerId.replace(/\/backendAddressPools\/[^/]+$/, '')) ?? {}) as { properties?: { backendAddressPools?: Pool[] } };
    const inPool = () => (loadBalancer().properties?.backendAddressPools?.find((p) => p.name === 'pool')?.properties?.backendIPConfigurations ?? []).map((c) => c.id);
    const upgrades = () => w.fake.requests.filter((r) => r.method === 'POST' && /shop-prod-v001\/manualupgrade$/i.test(r.path)).length;
    assert.deepEqual(inPool(), [], 'a disabled server group is in the pool');

    await w.provider.serverGroups.enable(w.account, w.location, 'shop-prod-v001');
    assert.equal(upgrades(), 1, 'enabled without upgrading its instances');
    assert.equal(inPool().length, 2);
    assert.ok(inPool().every((id) => /virtualMachineScaleSets\/shop-prod-v001\/virtualMachines\/\d+\/networkInterfaces\//i.test(id)), inPool().join(', '));
    const enabled = await w.provider.serverGroups.describe(w.account, w.location, 'shop-prod-v001');
    assert.deepEqual([enabled?.enabled, enabled?.instances.healthy, enabled?.loadBalancers], [true, 2, ['web']]);

    // A LoadBalancer with no load balancer of Staysail's (not made yet): NotFound naming it, and nothing records it as joined.
    const patches = () => w.fake.requests.filter((r) => r.method === 'PATCH').length;
    const before = patches();
    await assert.rejects(w.provider.serverGroups.setLoadBalancers(w.account, w.location, 'shop-prod-v001', ['web', 'ghost']),
      rejectsWith('NotFound', /server group shop-prod-v001: LoadBalancer "ghost" \(namespace [^)]+\) has no load balancer of Staysail's in resource group staysail-rg yet/));
    assert.equal(patches(), before, 'the scale set was changed for a LoadBalancer that has no load balancer');
    const ghost = await w.provider.serverGroups.describe(w.account, w.location, 'shop-prod-v001');
    assert.deepEqual([ghost?.loadBalancers, ghost?.instances.healthy, inPool().length], [['web'], 2, 2]);

    // Unhealthy in the probe, an instance is not healthy, though it runs.
    w.fake.setProbeHealth('shop-prod-v001', false);
    assert.equal((await w.provider.serverGroups.describe(w.account, w.location, 'shop-prod-v001'))?.instances.healthy, 0);
    w.fake.setProbeHealth('shop-prod-v001', true);

    await w.provider.serverGroups.disable(w.account, w.location, 'shop-prod-v001');
    assert.equal(upgrades(), 2, 'disabled without upgrading its instances');
    assert.deepEqual(inPool(), []);
    const disabled = await w.provider.serverGroups.describe(w.account, w.location, 'shop-prod-v001');
    assert.deepEqual([disabled?.enabled, disabled?.instances.healthy], [false, 2]);
    // Once so, again is nothing to do.
    await w.provider.serverGroups.disable(w.account, w.location, 'shop-prod-v001');
    assert.equal(upgrades(), 2, 'a disabled server group was upgraded again');
  });
});
