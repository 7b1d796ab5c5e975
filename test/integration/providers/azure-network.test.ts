// Azure load balancers and security groups on the fake of Resource Manager (test/fakes/azure): the
// two network contracts, and what is Azure's own, read back from the fake's state: an external
// LoadBalancer's static public IP address is made first and is its address; an internal one's
// frontend is in the location's subnet; a load balancer whose pool a scale set names is kept, and
// deleted once none does; a 429 on its PUT is Throttled with Azure's Retry-After; a rule naming
// another SecurityGroup admits that group's application security group, and waits until it is made;
// what is not this object's is left untouched.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { apiVersion } from '../../../src/api/v1alpha1/index.ts';
import type { LoadBalancerSpec } from '../../../src/api/v1alpha1/load-balancer.ts';
import type { SecurityGroupSpec } from '../../../src/api/v1alpha1/security-group.ts';
import { isProviderError, type ProviderErrorKind } from '../../../src/providers/errors.ts';
import type { CreateServerGroup } from '../../../src/providers/interfaces.ts';
import { loadBalancerContract, securityGroupContract } from '../../contracts/network.ts';
import { azureNamespace, azureWorld, resourceGroup, stopFakeAzure, subnet, subscriptionId, type AzureWorld } from '../../support/azure-world.ts';
import { namespaces } from '../../support/provider-world.ts';

loadBalancerContract('azure on its fake', azureWorld);
securityGroupContract('azure on its fake', azureWorld);

after(stopFakeAzure);

type Json = Record<string, unknown>;
type Ingress = SecurityGroupSpec['ingress'][number];

const rejectsWith = (kind: ProviderErrorKind, pattern: RegExp) => (err: unknown) => {
  assert.ok(isProviderError(err, kind), `expected ${kind}, got ${String(err)}`);
  assert.match(err.message, pattern);
  return true;
};
const lbSpec = (type: 'internal' | 'external', ports: LoadBalancerSpec['ports'] = [{ port: 80, targetPort: 8080, protocol: 'TCP' }]): LoadBalancerSpec =>
  ({ application: 'shop', accountRef: { name: 'azure' }, type, ports });
const sgSpec = (...ingress: Ingress[]): SecurityGroupSpec => ({ application: 'shop', accountRef: { name: 'azure' }, ingress });
const id = (type: string, name: string) => `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${type}/${name}`;
const sameId = (a: unknown, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();
const props = (r: unknown): Json => ((r as Json | undefined)?.properties as Json | undefined) ?? {};
const list = (v: unknown): Json[] => (Array.isArray(v) ? v as Json[] : []);
const refId = (v: unknown): unknown => (v as Json | undefined)?.id;
const lbId = (name: string) => id('Microsoft.Network/loadBalancers', name);
const ipId = (name: string) => id('Microsoft.Network/publicIPAddresses', name);
const nsgId = (name: string) => id('Microsoft.Network/networkSecurityGroups', name);
const asgId = (name: string) => id('Microsoft.Network/applicationSecurityGroups', name);

describe('Azure load balancers and security groups on its fake', function () {
  this.timeout(120_000);
  let w: AzureWorld;
  beforeEach(async () => { w = await azureWorld(); });
  afterEach(async () => { await w.cleanup?.(); });

  const serverGroup = async (overrides: Partial<CreateServerGroup> = {}): Promise<CreateServerGroup> => ({
    name: 'shop-prod-v001', cluster: 'shop-prod', sequence: 1, location: w.location, template: w.template('v1'), templateHash: 'hash-v1',
    capacity: { min: 1, max: 2, desired: 1 }, enabled: true, loadBalancers: [], securityGroups: [], owner: await w.owner('Cluster', 'shop-prod'),
    ...overrides,
  });
  const writesSince = (n: number) => w.fake.requests.slice(n).filter((r) => r.method !== 'GET');

  it('makes an external LoadBalancer\'s static public IP address first, and gives its address', async () => {
    const owner = await w.owner('LoadBalancer', 'web');
    const lb = await w.provider.loadBalancers.upsert(w.account, w.location, 'web', lbSpec('external'), owner);
    const ip = w.fake.resource(ipId('web'));
    assert.deepEqual([(ip?.sku as Json | undefined)?.name, props(ip).publicIPAllocationMethod], ['Standard', 'Static']);
    assert.match(String(props(ip).ipAddress), /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(lb.address, props(ip).ipAddress);
    const body = w.fake.resource(lbId('web'));
    assert.equal((body?.sku as Json | undefined)?.name, 'Standard');
    const [frontend] = list(props(body).frontendIPConfigurations);
    assert.ok(sameId(refId(props(frontend).publicIPAddress), ipId('web')), JSON.stringify(frontend));
    assert.ok(sameId(lb.providerId, `${lbId('web')}/backendAddressPools/pool`), lb.providerId);
    for (const r of [ip, body]) assert.equal((r?.tags as Json | undefined)?.['staysail-owner-uid'], owner.uid);
    const puts = w.fake.requests.filter((r) => r.method === 'PUT').map((r) => r.path.toLowerCase());
    assert.ok(puts.findIndex((p) => p.includes('/publicipaddresses/web')) < puts.findIndex((p) => p.includes('/loadbalancers/web')), puts.join('\n'));

    // Upserted again as it is: nothing is written.
    const before = w.fake.requests.length;
    await w.provider.loadBalancers.upsert(w.account, w.location, 'web', lbSpec('external'), owner);
    assert.deepEqual(writesSince(before), []);
    // Azure does not turn a public frontend private: refused, naming the field.
    await assert.rejects(w.provider.loadBalancers.upsert(w.account, w.location, 'web', lbSpec('internal'), owner), rejectsWith('Invalid', /spec\.type/));

    await w.provider.loadBalancers.delete(w.account, w.location, 'web');
    assert.deepEqual([w.fake.resource(lbId('web')), w.fake.resource(ipId('web'))], [undefined, undefined]);
  });

  it('puts an internal LoadBalancer\'s frontend in the location\'s subnet, and changes its rules in place', async () => {
    const owner = await w.owner('LoadBalancer', 'web');
    const lb = await w.provider.loadBalancers.upsert(w.account, w.location, 'web', lbSpec('internal'), owner);
    const [frontend] = list(props(w.fake.resource(lbId('web'))).frontendIPConfigurations);
    const [vnet, sub] = subnet.split('/');
    assert.ok(sameId(refId(props(frontend).subnet), `${id('Microsoft.Network/virtualNetworks', vnet!)}/subnets/${sub}`), JSON.stringify(frontend));
    assert.equal(props(frontend).privateIPAllocationMethod, 'Dynamic');
    assert.equal(lb.address, props(frontend).privateIPAddress);
    assert.deepEqual(w.fake.resources('Microsoft.Network/publicIPAddresses'), []);

    // UDP only, with no port to probe: a TCP probe on a UDP port never answers, so it is refused before anything is written.
    const udp = lbSpec('internal', [{ port: 81, targetPort: 8081, protocol: 'UDP' }]);
    await assert.rejects(w.provider.loadBalancers.upsert(w.account, w.location, 'web', udp, owner), rejectsWith('Invalid', /spec\.ports\[0\] is UDP.*spec\.healthCheck/));
    const again = await w.provider.loadBalancers.upsert(w.account, w.location, 'web', { ...udp, healthCheck: { protocol: 'HTTP', port: 9000, path: '/healthz' } }, owner);
    assert.equal(again.providerId, lb.providerId);
    const body = w.fake.resource(lbId('web'));
    assert.deepEqual(list(props(body).loadBalancingRules).map((r) => [r.name, props(r).protocol, props(r).frontendPort, props(r).backendPort]),
      [['port-81', 'Udp', 81, 8081]]);
    assert.deepEqual(list(props(body).probes).map((p) => [p.name, props(p).protocol, props(p).port, props(p).requestPath]), [['port-8081', 'Http', 9000, '/healthz']]);

    const nowhere = { ...w.location, network: undefined };
    await assert.rejects(w.provider.loadBalancers.upsert(w.account, nowhere, 'api', lbSpec('internal'), await w.owner('LoadBalancer', 'api')),
      rejectsWith('Invalid', /spec\.location\.network/));
  });

  it('keeps a load balancer whose pool a scale set names, and deletes it once none does', async () => {
    await w.provider.loadBalancers.upsert(w.account, w.location, 'web', lbSpec('external'), await w.owner('LoadBalancer', 'web'));
    await w.provider.serverGroups.create(w.account, await serverGroup({ loadBalancers: ['web'] }));
    await w.eventually(async () => (await w.provider.loadBalancers.describe(w.account, w.location, 'web'))?.serverGroups.join() === 'shop-prod-v001',
      'shop-prod-v001 in the pool');
    await assert.rejects(w.provider.loadBalancers.delete(w.account, w.location, 'web'), rejectsWith('InProgress', /deleting load balancer web/));
    assert.ok(w.fake.resource(lbId('web')), 'the load balancer is kept');
    assert.ok(w.fake.resource(ipId('web')), 'and so is its public IP address');
    await w.provider.serverGroups.destroy(w.account, w.location, 'shop-prod-v001');
    await w.provider.loadBalancers.delete(w.account, w.location, 'web');
    assert.deepEqual([w.fake.resource(lbId('web')), w.fake.resource(ipId('web'))], [undefined, undefined]);
  });

  it('keeps a probe a scale set\'s healthProbe names when the ports change, and drops it once none does', async () => {
    const owner = await w.owner('LoadBalancer', 'web');
    await w.provider.loadBalancers.upsert(w.account, w.location, 'web', lbSpec('internal'), owner);
    await w.provider.serverGroups.create(w.account, await serverGroup({ loadBalancers: ['web'] }));
    const profile = (ss: string) => props(w.fake.resource(id('Microsoft.Compute/virtualMachineScaleSets', ss))).virtualMachineProfile as Json | undefined;
    const probeOfScaleSet = () => refId((profile('shop-prod-v001')?.networkProfile as Json | undefined)?.healthProbe);
    assert.ok(sameId(probeOfScaleSet(), `${lbId('web')}/probes/port-8080`), String(probeOfScaleSet()));
    const moved = lbSpec('internal', [{ port: 90, targetPort: 9090, protocol: 'TCP' }]);
    await w.provider.loadBalancers.upsert(w.account, w.location, 'web', moved, owner);
    const body = () => props(w.fake.resource(lbId('web')));
    assert.deepEqual(list(body().probes).map((p) => p.name), ['port-9090', 'port-8080'], 'the named probe stays, after the wanted one');
    assert.deepEqual(list(body().loadBalancingRules).map((r) => r.name), ['port-90', 'port-80'], 'and the rule using it');
    await w.provider.serverGroups.destroy(w.account, w.location, 'shop-prod-v001');
    await w.provider.loadBalancers.upsert(w.account, w.location, 'web', moved, owner);
    assert.deepEqual([list(body().probes).map((p) => p.name), list(body().loadBalancingRules).map((r) => r.name)], [['port-9090'], ['port-90']]);
    // A wanted rule that takes the old one's port cannot keep it: Azure refuses the update while the scale set names the probe, a wait looked at again.
    await w.provider.serverGroups.create(w.account, await serverGroup({ name: 'shop-prod-v002', sequence: 2, loadBalancers: ['web'] }));
    await assert.rejects(w.provider.loadBalancers.upsert(w.account, w.location, 'web', lbSpec('internal', [{ port: 90, targetPort: 9091, protocol: 'TCP' }]), owner),
      rejectsWith('InProgress', /updating load balancer web: 400 CannotRemoveRuleUsedByProbeUsedByVMSS/));
    await w.provider.serverGroups.destroy(w.account, w.location, 'shop-prod-v002');
  });

  it('answers Throttled with the Retry-After of a 429 on a load balancer\'s PUT, and puts it on the next pass', async () => {
    const owner = await w.owner('LoadBalancer', 'web');
    w.fake.failNext({ method: 'PUT', path: /\/loadBalancers\/web$/i }, { status: 429, retryAfter: 30 });
    await assert.rejects(w.provider.loadBalancers.upsert(w.account, w.location, 'web', lbSpec('internal'), owner), (err: unknown) => {
      assert.ok(isProviderError(err, 'Throttled'), String(err));
      assert.equal(err.retryAfterMs, 30_000);
      assert.match(err.message, /creating load balancer web/);
      return true;
    });
    assert.equal(w.fake.resource(lbId('web')), undefined);
    assert.equal((await w.provider.loadBalancers.upsert(w.account, w.location, 'web', lbSpec('internal'), owner)).name, 'web');
  });

  it('lets members of another SecurityGroup in through its application security group, waiting until it is made', async () => {
    const web = sgSpec({ from: { securityGroupRef: { name: 'lb' } }, protocol: 'tcp', ports: { from: 8080 } }, { from: { cidr: '10.0.0.0/8' }, protocol: 'icmp' });
    // lb is not made yet: web waits (NotFound, naming it), with its own application security group made and no rule of it.
    await assert.rejects(w.provider.securityGroups.upsert(w.account, w.location, 'web', web, await w.owner('SecurityGroup', 'web')),
      rejectsWith('NotFound', /SecurityGroup "lb" .*no application security group of its own/));
    assert.ok(w.fake.resource(asgId('web')));
    assert.equal(w.fake.resource(nsgId('web')), undefined);

    await w.provider.securityGroups.upsert(w.account, w.location, 'lb', sgSpec(), await w.owner('SecurityGroup', 'lb'));
    const sg = await w.provider.securityGroups.upsert(w.account, w.location, 'web', web, await w.owner('SecurityGroup', 'web'));
    assert.deepEqual([sg.ingressRules, sameId(sg.providerId, nsgId('web'))], [2, true]);
    const rules = list(props(w.fake.resource(nsgId('web'))).securityRules).map(props);
    // Below them, the virtual network Azure lets in by default is denied to web's members.
    const deny = rules.find((r) => r.access === 'Deny');
    assert.deepEqual([deny?.priority, deny?.sourceAddressPrefix, sameId(refId(list(deny?.destinationApplicationSecurityGroups)[0]), asgId('web'))],
      [4096, 'VirtualNetwork', true], JSON.stringify(rules));
    const fromLb = rules.find((r) => list(r.sourceApplicationSecurityGroups).length);
    assert.ok(fromLb, JSON.stringify(rules));
    assert.ok(sameId(refId(list(fromLb.sourceApplicationSecurityGroups)[0]), asgId('lb')));
    assert.ok(sameId(refId(list(fromLb.destinationApplicationSecurityGroups)[0]), asgId('web')));
    assert.deepEqual([fromLb.access, fromLb.direction, fromLb.protocol, fromLb.destinationPortRange, fromLb.priority], ['Allow', 'Inbound', 'Tcp', '8080', 100]);

    // A server group naming web carries its network security group and joins its application security group.
    await w.provider.serverGroups.create(w.account, await serverGroup({ enabled: false, securityGroups: ['web'] }));
    const [ss] = w.fake.resources('Microsoft.Compute/virtualMachineScaleSets');
    const [nic] = list(((props(ss?.body).virtualMachineProfile as Json | undefined)?.networkProfile as Json | undefined)?.networkInterfaceConfigurations);
    assert.ok(sameId(refId(props(nic).networkSecurityGroup), nsgId('web')), JSON.stringify(nic));
    assert.ok(sameId(refId(list(props(list(props(nic).ipConfigurations)[0]).applicationSecurityGroups)[0]), asgId('web')));
    // Deleted while the scale set names it: refused, and tried again; once the scale set is gone, both go.
    await assert.rejects(w.provider.securityGroups.delete(w.account, w.location, 'web'), rejectsWith('InProgress', /deleting network security group web/));
    await w.provider.serverGroups.destroy(w.account, w.location, 'shop-prod-v001');
    await w.provider.securityGroups.delete(w.account, w.location, 'web');
    assert.deepEqual([w.fake.resource(nsgId('web')), w.fake.resource(asgId('web'))], [undefined, undefined]);
  });

  it('changes a SecurityGroup\'s rules by a PUT of its network security group, keeping the names of the rules it keeps', async () => {
    const owner = await w.owner('SecurityGroup', 'web');
    const a: Ingress = { from: { cidr: '10.0.0.0/16' }, protocol: 'tcp', ports: { from: 8080 } };
    const b: Ingress = { from: { cidr: '10.1.0.0/16' }, protocol: 'udp', ports: { from: 53 } };
    await w.provider.securityGroups.upsert(w.account, w.location, 'web', sgSpec(a), owner);
    const names = () => list(props(w.fake.resource(nsgId('web'))).securityRules).map((r) => [r.name, props(r).priority] as const);
    const kept = names()[0]?.[0];
    await w.provider.securityGroups.upsert(w.account, w.location, 'web', sgSpec(b, a), owner);
    assert.deepEqual(names().find(([n]) => n === kept), [kept, 110], 'a kept rule keeps its name; its priority follows its place');
    const before = w.fake.requests.length;
    await w.provider.securityGroups.upsert(w.account, w.location, 'web', sgSpec(b, a), owner);
    assert.deepEqual(writesSince(before), [], 'nothing written when nothing changed');
  });

  it('leaves what is not Staysail\'s, or not this object\'s, untouched', async () => {
    const foreign = { apiVersion, kind: 'LoadBalancer', namespace: 'elsewhere', name: 'web', uid: randomUUID() };
    await w.provider.loadBalancers.upsert(w.account, w.location, 'web', lbSpec('internal'), await w.owner('LoadBalancer', 'web'));
    await assert.rejects(w.provider.loadBalancers.upsert(w.account, w.location, 'web', lbSpec('internal'), foreign),
      rejectsWith('Conflict', /load balancer web already exists and belongs to LoadBalancer\/.*\/web/));
    await w.provider.securityGroups.upsert(w.account, w.location, 'web', sgSpec(), await w.owner('SecurityGroup', 'web'));
    await assert.rejects(w.provider.securityGroups.upsert(w.account, w.location, 'web', sgSpec(), { ...foreign, kind: 'SecurityGroup' }),
      rejectsWith('Conflict', /application security group web already exists/));
    // A delete for another namespace's object of that name leaves ours.
    const other = { ...w.account, namespace: await azureNamespace(w.client) };
    try {
      await w.provider.loadBalancers.delete(other, w.location, 'web');
      await w.provider.securityGroups.delete(other, w.location, 'web');
      assert.equal(await w.provider.loadBalancers.describe(other, w.location, 'web'), undefined);
    } finally {
      await w.client.delete(namespaces, undefined, other.namespace).catch(() => undefined);
    }
    assert.ok(await w.provider.loadBalancers.describe(w.account, w.location, 'web'));
    assert.ok(await w.provider.securityGroups.describe(w.account, w.location, 'web'));
  });
});
