// The Azure fake checked against the published API descriptions it keeps excerpts of (spec/): every
// route it serves is a path and method there, its body checks refuse what the definitions do not
// allow, and every answer it gives over all its routes has only properties the definitions publish.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { FakeAzure } from '../fakes/azure/server.ts';
import { buildRoutes, routeSpecs } from '../fakes/azure/routes.ts';
import { checkRequest, checkResponse, excerpt, flatten, type Excerpt } from '../fakes/azure/schema.ts';
import { ArmError } from '../fakes/azure/errors.ts';
import { fastPolling, sdkClients, trustFakeCa, type SdkClients } from '../fakes/azure/sdk.ts';
import { fakeOptions, group, ids, loadBalancer, location, principal, scaleSet, subscriptionId, tenantId } from '../fakes/azure/fixtures.ts';

const specDir = new URL('../fakes/azure/spec/', import.meta.url);

describe('the Azure fake: against the published API descriptions', () => {
  it('keeps excerpts that name the azure-rest-api-specs file, commit and api-version they come from', () => {
    const files = readdirSync(specDir).filter((f) => f.endsWith('.json'));
    assert.deepEqual(files.sort(), ['compute.json', 'network-common.json', 'network-loadBalancer.json', 'network-virtualNetwork.json']);
    for (const f of files) {
      const e = JSON.parse(readFileSync(new URL(f, specDir), 'utf8')) as Excerpt;
      assert.match(e.$source, /^Azure\/azure-rest-api-specs specification\/(compute|network)\/resource-manager\/.+ at commit [0-9a-f]{40} \(api-version \d{4}-\d{2}-\d{2}/, f);
      for (const [name, d] of Object.entries(e.definitions)) {
        for (const r of d.required ?? []) assert.ok(flatten(f.startsWith('compute') ? 'compute' : 'network', name).properties[r], `${f}: ${name} requires ${r}, which it lacks`);
      }
    }
  });

  it('serves only paths and methods the descriptions publish, with their body and answer definitions excerpted', () => {
    const routes = buildRoutes();
    assert.equal(routes.length, routeSpecs.length);
    const unpublished = routes.filter((r) => r.api === 'operations').map((r) => r.template);
    assert.deepEqual(unpublished, [ // the operations' own URLs, which ARM hands out in headers and does not publish
      '/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}/operations/{operationId}',
      '/subscriptions/{subscriptionId}/providers/Microsoft.Network/locations/{location}/operations/{operationId}',
      '/subscriptions/{subscriptionId}/providers/Microsoft.Network/locations/{location}/operationResults/{operationId}',
    ]);
    for (const r of routes.filter((x) => x.api !== 'operations')) {
      const paths = excerpt(r.api as 'compute').paths;
      assert.ok(paths[r.template]?.[r.method.toLowerCase()], `${r.method} ${r.template}`);
      for (const d of [r.published?.body, r.published?.response]) if (d) assert.ok(excerpt(r.api as 'compute').definitions[d], `${r.template}: ${d}`);
    }
    const served = new Set(routes.map((r) => `${r.method} ${r.template}`));
    for (const want of ['PUT /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/virtualMachineScaleSets/{vmScaleSetName}',
      'POST /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Compute/virtualMachineScaleSets/{vmScaleSetName}/manualupgrade',
      'DELETE /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/loadBalancers/{loadBalancerName}',
      'GET /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}']) {
      assert.ok(served.has(want), want);
    }
  });

  it('refuses unknown members, wrong JSON types and missing required properties; passes read-only ones and what it does not excerpt', () => {
    const refused = (def: string, body: unknown) => { try { checkRequest('compute', def, body); return ''; } catch (e) { return `${(e as ArmError).code}: ${JSON.stringify((e as ArmError).body())}`; } };
    assert.equal(refused('VirtualMachineScaleSet', { location, sku: { name: 'x', capacity: 1 }, properties: { uniqueId: 'mine', provisioningState: 'x' } }), '');
    assert.match(refused('VirtualMachineScaleSet', { location, sku: { name: 'x', capacity: '2' } }), /InvalidRequestFormat: .*Error converting value \\"2\\" to type 'integer'. Path 'sku.capacity'/);
    assert.match(refused('VirtualMachineScaleSet', { location, properties: { virtualMachineProfile: { networkProfile: { networkInterfaceConfigurations: [{ name: 'nic',
      properties: { ipConfigurations: [{ name: 'ip', properties: { subnet: { id: 's' }, loadBalancerBackendPools: [] } }] } }] } } } }),
    /Could not find member 'loadBalancerBackendPools' on object of type 'VirtualMachineScaleSetIPConfigurationProperties'. Path 'properties.virtualMachineProfile.networkProfile.networkInterfaceConfigurations\[0\].properties.ipConfigurations\[0\].properties.loadBalancerBackendPools'/);
    assert.match(refused('VirtualMachineScaleSet', { sku: { name: 'x' } }), /^InvalidParameter: .*"target":"location"/);
    assert.match(refused('VirtualMachineScaleSetVMInstanceRequiredIDs', {}), /Required parameter 'instanceIds' is missing/);
    assert.equal(refused('VirtualMachineScaleSet', { location, properties: { virtualMachineProfile: { securityProfile: { uefiSettings: { secureBootEnabled: true } },
      extensionProfile: { anything: [1, 2] } } } }), ''); // extensionProfile's definition is not excerpted: unchecked
    assert.match(refused('VirtualMachineScaleSet', { location, properties: { virtualMachineProfile: { securityProfile: { uefi: {} } } } }), /Could not find member 'uefi' on object of type 'SecurityProfile'/);
    assert.throws(() => checkRequest('network', 'SecurityRule', { name: 'r', properties: { protocol: 'Tcp', access: 'Allow', direction: 'Inbound' } }),
      (e: ArmError) => e.code === 'InvalidParameter' && e.extra.target === 'properties.priority');
  });

  it('finds the faults of an answer: a property the description lacks, or a definition it does not keep', () => {
    assert.deepEqual(checkResponse('network', 'PublicIPAddress', { id: 'x', name: 'n', location, properties: { ipAddress: '203.0.113.1' } }), []);
    assert.deepEqual(checkResponse('network', 'PublicIPAddress', { id: 'x', properties: { ipAddres: '203.0.113.1' } }),
      ["PublicIPAddress: Could not find member 'ipAddres' on object of type 'PublicIPAddressPropertiesFormat'. Path 'properties.ipAddres'."]);
    assert.match(checkResponse('compute', 'VirtualMachineScaleSet', { properties: { virtualMachineProfile: { extensionProfile: {} } } })[0]!, /'VirtualMachineScaleSetExtensionProfile' .* is not excerpted/);
  });

  describe('every answer over every route', () => {
    let fake: FakeAzure;
    let c: SdkClients;
    let endpoint = '';
    before(async () => {
      fake = new FakeAzure(fakeOptions);
      const s = await fake.start();
      endpoint = s.endpoint;
      trustFakeCa(s.caCert);
      c = sdkClients(s.endpoint, { subscriptionId, tenantId, authorityHost: s.authorityHost, ...principal }, { maxRetries: 0 });
    });
    after(async () => { await fake.stop(); });

    const all = async <T>(it: AsyncIterable<T>): Promise<T[]> => { const out: T[] = []; for await (const x of it) out.push(x); return out; };

    it('has only published properties, and every route was answered', async () => {
      const pip = await c.network.publicIPAddresses.createOrUpdate(group, 'web', { location, sku: { name: 'Standard' } }, fastPolling);
      await c.network.loadBalancers.createOrUpdate(group, 'web', loadBalancer('web', { publicIp: pip.id! }), fastPolling);
      await c.network.loadBalancers.createOrUpdate(group, 'api', loadBalancer('api', { subnet: ids.subnet('internal') }), fastPolling);
      const asg = await c.network.applicationSecurityGroups.createOrUpdate(group, 'web', { location, tags: { a: 'b' } }, fastPolling);
      const nsg = await c.network.networkSecurityGroups.createOrUpdate(group, 'web', { location, securityRules: [{ name: 'r', protocol: 'Tcp', access: 'Allow',
        direction: 'Inbound', priority: 110, sourceApplicationSecurityGroups: [{ id: asg.id! }], sourcePortRange: '*', destinationPortRange: '80-90', destinationAddressPrefix: '*' }] }, fastPolling);
      await c.compute.virtualMachineScaleSets.createOrUpdate(group, 'shop-v000', scaleSet({ capacity: 2, nsg: nsg.id!, asgs: [asg.id!], pools: [ids.pool('web')],
        healthProbe: ids.probe('web') }), fastPolling);
      await c.compute.virtualMachineScaleSets.update(group, 'shop-v000', { sku: { capacity: 3 }, tags: { more: 'x' } }, fastPolling);
      await c.compute.virtualMachineScaleSets.updateInstances(group, 'shop-v000', { instanceIds: ['0', '1', '2'] }, fastPolling);
      await c.compute.virtualMachineScaleSets.get(group, 'shop-v000');
      await all(c.compute.virtualMachineScaleSets.list(group));
      await all(c.compute.virtualMachineScaleSets.listAll());
      await all(c.compute.virtualMachineScaleSetVMs.list(group, 'shop-v000', { expand: 'instanceView' }));
      await all(c.compute.virtualMachineScaleSetVMs.list(group, 'shop-v000'));
      await c.compute.virtualMachineScaleSetVMs.get(group, 'shop-v000', '0');
      for (const list of [c.network.loadBalancers.list(group), c.network.publicIPAddresses.list(group), c.network.networkSecurityGroups.list(group),
        c.network.applicationSecurityGroups.list(group), c.network.subnets.list(group, 'staysail-vnet')]) await all(list as AsyncIterable<unknown>);
      await c.network.loadBalancers.get(group, 'web');
      await c.network.loadBalancerBackendAddressPools.get(group, 'web', 'pool');
      await c.network.publicIPAddresses.get(group, 'web');
      await c.network.networkSecurityGroups.get(group, 'web');
      await c.network.applicationSecurityGroups.get(group, 'web');
      await c.network.virtualNetworks.get(group, 'staysail-vnet');
      await c.network.subnets.get(group, 'staysail-vnet', 'internal');
      await c.compute.virtualMachineScaleSets.delete(group, 'shop-v000', fastPolling);
      for (const p of [c.network.loadBalancers.delete(group, 'web', fastPolling), c.network.loadBalancers.delete(group, 'api', fastPolling)]) await p;
      await c.network.publicIPAddresses.delete(group, 'web', fastPolling);
      await c.network.networkSecurityGroups.delete(group, 'web', fastPolling);
      // A Network DELETE's Location URL (the SDK polls its Azure-AsyncOperation one): 202 while running, then 204.
      const token = (await c.credential.getToken(`${endpoint}/.default`)).token;
      const auth = { authorization: `Bearer ${token}` };
      const started = await fetch(`${endpoint}${ids.asg('web')}?api-version=2026-01-01`, { method: 'DELETE', headers: auth });
      const where = started.headers.get('location')!;
      assert.deepEqual([started.status, (await fetch(where, { headers: auth })).status, (await fetch(where, { headers: auth })).status], [202, 202, 204]);
      assert.deepEqual(fake.responseFaults, []);
      assert.deepEqual(fake.resources().map((r) => r.body.type), ['Microsoft.Network/virtualNetworks']);
      const routes = buildRoutes();
      const unanswered = routes.filter((r) => !fake.requests.some((q) => q.method === r.method && q.status < 300 && r.regex.test(q.path)));
      assert.deepEqual(unanswered.map((r) => `${r.method} ${r.template}`), []);
    });
  });
});
