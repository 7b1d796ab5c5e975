// The Azure fake's network resources through the real @azure/arm-network client, and what ties them
// to scale sets: references that must exist, deletes refused while a scale set names a resource, and
// backend pool membership and probe health following the instances' applied model (manualupgrade).
import assert from 'node:assert/strict';
import { FakeAzure } from '../fakes/azure/server.ts';
import { fastPolling, sdkClients, trustFakeCa, type SdkClients } from '../fakes/azure/sdk.ts';
import { fakeOptions, group, ids, loadBalancer, location, principal, scaleSet, subscriptionId, tenantId, type ScaleSetShape } from '../fakes/azure/fixtures.ts';

type Err = { statusCode?: number; code?: string; message: string };

describe('the Azure fake: load balancers, public IPs, security groups and subnets, and scale sets behind them', () => {
  let fake: FakeAzure;
  let c: SdkClients;
  before(async () => {
    fake = new FakeAzure(fakeOptions);
    const s = await fake.start();
    trustFakeCa(s.caCert);
    c = sdkClients(s.endpoint, { subscriptionId, tenantId, authorityHost: s.authorityHost, ...principal }, { maxRetries: 0 });
  });
  after(async () => { await fake.stop(); });
  beforeEach(() => { fake.reset(); fake.operations.timing.inProgressPolls = 0; });

  const externalLb = async (name = 'shop-web') => {
    const pip = await c.network.publicIPAddresses.createOrUpdate(group, name, { location, sku: { name: 'Standard' }, publicIPAllocationMethod: 'Static' }, fastPolling);
    return { pip, lb: await c.network.loadBalancers.createOrUpdate(group, name, loadBalancer(name, { publicIp: pip.id! }), fastPolling) };
  };
  const members = async (lb = 'shop-web') => ((await c.network.loadBalancers.get(group, lb)).backendAddressPools?.[0]?.backendIPConfigurations ?? [])
    .map((x) => x.id!.split('/').slice(-5, -4)[0]);
  const vms = async (name: string) => {
    const out = [];
    for await (const v of c.compute.virtualMachineScaleSetVMs.list(group, name, { expand: 'instanceView' })) out.push(v);
    return out;
  };

  it('reads the seeded subnets and gives an internal frontend the first free address of its subnet', async () => {
    const subnet = await c.network.subnets.get(group, 'staysail-vnet', 'internal');
    assert.deepEqual([subnet.id, subnet.addressPrefix, subnet.provisioningState], [ids.subnet('internal'), '10.0.1.0/24', 'Succeeded']);
    const lb = await c.network.loadBalancers.createOrUpdate(group, 'shop-api', loadBalancer('shop-api', { subnet: ids.subnet('internal') }), fastPolling);
    const front = lb.frontendIPConfigurations![0]!;
    assert.deepEqual([front.privateIPAddress, front.privateIPAllocationMethod, front.subnet?.id], ['10.0.1.4', 'Dynamic', ids.subnet('internal')]);
    const other = await c.network.loadBalancers.createOrUpdate(group, 'shop-db', loadBalancer('shop-db', { subnet: ids.subnet('internal') }), fastPolling);
    assert.equal(other.frontendIPConfigurations![0]!.privateIPAddress, '10.0.1.5');
    assert.deepEqual((await c.network.subnets.get(group, 'staysail-vnet', 'internal')).ipConfigurations?.map((x) => x.id),
      [`${ids.loadBalancer('shop-api')}/frontendIPConfigurations/frontend`, `${ids.loadBalancer('shop-db')}/frontendIPConfigurations/frontend`]);
    await assert.rejects(c.network.subnets.get(group, 'staysail-vnet', 'nope'), (e: Err) => e.statusCode === 404 && e.code === 'NotFound');
  });

  it('makes, reads, lists and deletes a public IP, a load balancer, an NSG and an ASG, with the children Network names', async () => {
    const { pip, lb } = await externalLb();
    assert.match(pip.ipAddress!, /^203\.0\.113\.\d+$/);
    assert.deepEqual([lb.provisioningState, lb.backendAddressPools?.[0]?.id, lb.probes?.[0]?.type], ['Succeeded', ids.pool('shop-web'), 'Microsoft.Network/loadBalancers/probes']);
    assert.equal((await c.network.publicIPAddresses.get(group, 'shop-web')).ipConfiguration?.id, `${ids.loadBalancer('shop-web')}/frontendIPConfigurations/frontend`);
    assert.deepEqual((await c.network.loadBalancerBackendAddressPools.get(group, 'shop-web', 'pool')).loadBalancingRules?.map((r) => r.id),
      [`${ids.loadBalancer('shop-web')}/loadBalancingRules/port-80`]);
    const asg = await c.network.applicationSecurityGroups.createOrUpdate(group, 'shop-web', { location }, fastPolling);
    const nsg = await c.network.networkSecurityGroups.createOrUpdate(group, 'shop-web', { location, securityRules: [{ name: 'rule-1', protocol: 'Tcp',
      access: 'Allow', direction: 'Inbound', priority: 100, sourceAddressPrefix: '10.0.0.0/8', sourcePortRange: '*', destinationPortRange: '8080',
      destinationApplicationSecurityGroups: [{ id: asg.id! }] }] }, fastPolling);
    assert.deepEqual([nsg.securityRules?.[0]?.id, nsg.defaultSecurityRules?.length], [`${ids.nsg('shop-web')}/securityRules/rule-1`, 6]);
    const listed = [];
    for await (const x of c.network.networkSecurityGroups.list(group)) listed.push(x.name);
    assert.deepEqual(listed, ['shop-web']);
    await c.network.networkSecurityGroups.delete(group, 'shop-web', fastPolling);
    await c.network.applicationSecurityGroups.delete(group, 'shop-web', fastPolling);
    await c.network.loadBalancers.delete(group, 'shop-web', fastPolling);
    await c.network.publicIPAddresses.delete(group, 'shop-web', fastPolling);
    assert.deepEqual(fake.resources().map((r) => r.body.type), ['Microsoft.Network/virtualNetworks']);
  });

  it('refuses what Network refuses: a rule naming another load balancer\'s pool, clashing priorities, deleting a held public IP', async () => {
    const { lb } = await externalLb();
    const body = loadBalancer('shop-web', { publicIp: ids.publicIp('shop-web') });
    body.loadBalancingRules![0]!.backendAddressPool = { id: ids.pool('elsewhere') };
    await assert.rejects(c.network.loadBalancers.createOrUpdate(group, 'shop-web', body, fastPolling), (e: Err) => e.statusCode === 400
      && e.code === 'InvalidResourceReference' && e.message.startsWith(`Resource ${ids.pool('elsewhere')} referenced by resource ${lb.id}/loadBalancingRules/port-80 was not found.`));
    const rule = { protocol: 'Tcp', access: 'Allow', direction: 'Inbound', priority: 100, sourceAddressPrefix: '*', sourcePortRange: '*', destinationPortRange: '80' } as const;
    await assert.rejects(c.network.networkSecurityGroups.createOrUpdate(group, 'n', { location, securityRules: [{ name: 'a', ...rule }, { name: 'b', ...rule }] }, fastPolling),
      (e: Err) => e.code === 'SecurityRuleConflict');
    await assert.rejects(c.network.publicIPAddresses.delete(group, 'shop-web', fastPolling), (e: Err) => e.statusCode === 400 && e.code === 'PublicIPAddressCannotBeDeleted');
    await assert.rejects(c.network.loadBalancers.createOrUpdate(group, 'x', loadBalancer('x', { publicIp: ids.publicIp('missing') }), fastPolling),
      (e: Err) => e.code === 'InvalidResourceReference');
  });

  it('refuses a scale set naming a pool, NSG, ASG or subnet that is not there, or a health probe of a load balancer it is not behind', async () => {
    await externalLb();
    const refused = (shape: ScaleSetShape) => c.compute.virtualMachineScaleSets.createOrUpdate(group, 'shop-v000', scaleSet(shape), fastPolling);
    const cases: [ScaleSetShape, string][] = [[{ pools: [ids.pool('nothing')] }, ids.pool('nothing')], [{ nsg: ids.nsg('nothing') }, ids.nsg('nothing')],
      [{ asgs: [ids.asg('nothing')] }, ids.asg('nothing')], [{ subnet: ids.subnet('nothing') }, ids.subnet('nothing')]];
    for (const [shape, missing] of cases) {
      await assert.rejects(refused(shape), (e: Err) => e.statusCode === 400 && e.code === 'InvalidResourceReference'
        && e.message.startsWith(`Resource ${missing} referenced by resource ${ids.scaleSet('shop-v000')} was not found.`));
    }
    await assert.rejects(refused({ pools: [ids.probe('shop-web')] }), (e: Err) => e.code === 'InvalidRequestFormat');
    await assert.rejects(refused({ healthProbe: ids.probe('shop-web') }), (e: Err) => e.code === 'InvalidParameter' && /no backend pool of that load balancer/.test(e.message));
    assert.deepEqual(fake.resources('Microsoft.Compute/virtualMachineScaleSets'), []);
  });

  it('puts instances in the pool, healthy by its probe, only once manualupgrade applies the model; keeps what a scale set names from deletion', async () => {
    await externalLb();
    const asg = await c.network.applicationSecurityGroups.createOrUpdate(group, 'shop-web', { location }, fastPolling);
    const nsg = await c.network.networkSecurityGroups.createOrUpdate(group, 'shop-web', { location }, fastPolling);
    await c.compute.virtualMachineScaleSets.createOrUpdate(group, 'shop-v000', scaleSet({ capacity: 2, nsg: nsg.id!, asgs: [asg.id!] }), fastPolling);
    const enabled = scaleSet({ capacity: 2, nsg: nsg.id!, asgs: [asg.id!], pools: [ids.pool('shop-web')], healthProbe: ids.probe('shop-web') });
    await c.compute.virtualMachineScaleSets.createOrUpdate(group, 'shop-v000', enabled, fastPolling);
    assert.deepEqual((await vms('shop-v000')).map((v) => v.latestModelApplied), [false, false]);
    assert.deepEqual(await members(), []);
    await c.compute.virtualMachineScaleSets.updateInstances(group, 'shop-v000', { instanceIds: ['0', '1'] }, fastPolling);
    assert.deepEqual(await members(), ['0', '1']);
    const upgraded = await vms('shop-v000');
    assert.deepEqual(upgraded.map((v) => [v.latestModelApplied, v.instanceView?.vmHealth?.status?.code]), [[true, 'HealthState/healthy'], [true, 'HealthState/healthy']]);
    fake.setProbeHealth('shop-v000', false);
    assert.deepEqual((await vms('shop-v000')).map((v) => v.instanceView?.vmHealth?.status?.code), ['HealthState/unhealthy', 'HealthState/unhealthy']);
    fake.setProbeHealth('shop-v000', true);
    await c.compute.virtualMachineScaleSets.update(group, 'shop-v000', { sku: { capacity: 3 } }, fastPolling);
    assert.deepEqual(await members(), ['0', '1', '2']); // a new instance runs the latest model
    for (const [p, code] of [[c.network.loadBalancers.delete(group, 'shop-web', fastPolling), 'LoadBalancerInUseByVirtualMachineScaleSet'],
      [c.network.networkSecurityGroups.delete(group, 'shop-web', fastPolling), 'NetworkSecurityGroupInUseByVirtualMachineScaleSet'],
      [c.network.applicationSecurityGroups.delete(group, 'shop-web', fastPolling), 'InUseApplicationSecurityGroupCannotBeDeleted']] as const) {
      await assert.rejects(p, (e: Err) => e.statusCode === 400 && e.code === code);
    }
    const body = loadBalancer('shop-web', { publicIp: ids.publicIp('shop-web') });
    body.loadBalancingRules = [];
    await assert.rejects(c.network.loadBalancers.createOrUpdate(group, 'shop-web', body, fastPolling), (e: Err) => e.code === 'CannotRemoveRuleUsedByProbeUsedByVMSS');
    // Disabling: the pools and probe leave the model, and the instances once upgraded; only then may the load balancer go.
    await c.compute.virtualMachineScaleSets.createOrUpdate(group, 'shop-v000', scaleSet({ capacity: 3, nsg: nsg.id!, asgs: [asg.id!] }), fastPolling);
    assert.deepEqual(await members(), ['0', '1', '2']);
    await assert.rejects(c.network.loadBalancers.delete(group, 'shop-web', fastPolling), (e: Err) => e.code === 'LoadBalancerInUseByVirtualMachineScaleSet');
    await c.compute.virtualMachineScaleSets.updateInstances(group, 'shop-v000', { instanceIds: ['0', '1', '2'] }, fastPolling);
    assert.deepEqual(await members(), []);
    assert.equal((await vms('shop-v000'))[0]!.instanceView?.vmHealth, undefined);
    await c.network.loadBalancers.delete(group, 'shop-web', fastPolling);
  });
});
