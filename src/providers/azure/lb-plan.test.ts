// A LoadBalancer as an Azure load balancer: a Standard one with one frontend, one pool, a probe per
// distinct target port and a rule per port; refusals that name the field; differences only in what
// Staysail sets; the pool's members read from its ip configurations.
import assert from 'node:assert/strict';
import type { LoadBalancer } from '@azure/arm-network';
import type { LoadBalancerSpec } from '../../api/v1alpha1/load-balancer.ts';
import { isProviderError } from '../errors.ts';
import { tagsOf } from './marks.ts';
import {
  changeOf, isExternal, keepNamedProbes, loadBalancerDiffers, planLoadBalancer, poolMembers, privateAddressOf, publicIpOf, refuseTypeChange, updateOf, type Front,
} from './lb-plan.ts';

const lbId = '/subscriptions/s-1/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/web';
const subnetId = '/subscriptions/s-1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default';
const publicIpId = '/subscriptions/s-1/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/web';
const tags = { 'staysail-managed-by': 'staysail', 'staysail-owner-uid': 'u-1' };
const spec = (over: Partial<LoadBalancerSpec> = {}): LoadBalancerSpec => ({ application: 'shop', accountRef: { name: 'azure' }, type: 'internal',
  ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }, { port: 443, targetPort: 8443, protocol: 'HTTPS' }, { port: 53, protocol: 'UDP' }], ...over });
const plan = (s: LoadBalancerSpec = spec(), front: Front = { subnetId }) =>
  planLoadBalancer({ name: 'web', spec: s, region: 'westeurope', tags, scope: { subscriptionId: 's-1', resourceGroup: 'rg' }, front });
const invalidWith = (pattern: RegExp) => (err: unknown) => isProviderError(err, 'Invalid') && pattern.test(err.message)
  || assert.fail(`not Invalid matching ${pattern}: ${String(err)}`);

describe('Azure load balancer plan', () => {
  it('makes a Standard load balancer with one frontend, one pool, a probe per target port and a rule per port', () => {
    const lb = plan();
    assert.deepEqual([lb.location, lb.sku, lb.tags], ['westeurope', { name: 'Standard' }, tags]);
    assert.deepEqual(lb.frontendIPConfigurations, [{ name: 'frontend', subnet: { id: subnetId }, privateIPAllocationMethod: 'Dynamic' }]);
    assert.deepEqual(lb.backendAddressPools, [{ name: 'pool' }]);
    // UDP 53 has no TCP port of its own: its rule is probed through the first TCP target's probe (a TCP probe on 53 would never answer).
    assert.deepEqual(lb.probes, [{ name: 'port-8080', protocol: 'Tcp', port: 8080 }, { name: 'port-8443', protocol: 'Tcp', port: 8443 }]);
    assert.equal(lb.loadBalancingRules?.[2]?.probe?.id, `${lbId}/probes/port-8080`);
    assert.deepEqual(lb.loadBalancingRules?.[1], { name: 'port-443', protocol: 'Tcp', frontendPort: 443, backendPort: 8443,
      frontendIPConfiguration: { id: `${lbId}/frontendIPConfigurations/frontend` }, backendAddressPool: { id: `${lbId}/backendAddressPools/pool` },
      probe: { id: `${lbId}/probes/port-8443` }, enableFloatingIP: false, idleTimeoutInMinutes: 4, disableOutboundSnat: true });
    assert.deepEqual(lb.loadBalancingRules?.map((r) => [r.name, r.protocol]), [['port-80', 'Tcp'], ['port-443', 'Tcp'], ['port-53', 'Udp']],
      'HTTPS is TCP at layer 4; UDP stays UDP');
  });

  it('refuses UDP-only ports without a health check port of their own, naming spec.ports and spec.healthCheck', () => {
    const udp = spec({ ports: [{ port: 53, protocol: 'UDP' }, { port: 5353, targetPort: 5353, protocol: 'UDP' }] });
    assert.throws(() => plan(udp), invalidWith(/spec\.ports\[0\] is UDP \(target port 53\).*spec\.healthCheck\.port/));
    assert.throws(() => plan({ ...udp, healthCheck: { protocol: 'TCP' } }), invalidWith(/spec\.healthCheck\.port/));
    const checked = plan({ ...udp, healthCheck: { protocol: 'HTTP', port: 8080, path: '/healthz' } });
    assert.deepEqual(checked.probes?.map((p) => [p.name, p.protocol, p.port, p.requestPath]),
      [['port-53', 'Http', 8080, '/healthz'], ['port-5353', 'Http', 8080, '/healthz']]);
  });

  it('keeps a probe a scale set still names, and the rules using it, until none does', () => {
    const before = plan(spec({ ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }, { port: 81, targetPort: 8081, protocol: 'TCP' }] }));
    const found: LoadBalancer = { ...before, probes: before.probes?.map((p) => ({ ...p, id: `${lbId}/probes/${p.name}` })) };
    const after = plan(spec({ ports: [{ port: 80, targetPort: 9090, protocol: 'TCP' }] }));
    const named = new Set([`${lbId.toUpperCase()}/probes/port-8081`]);
    const kept = keepNamedProbes(found, after, named);
    assert.deepEqual(kept.probes?.map((p) => p.name), ['port-9090', 'port-8081'], 'the wanted probe first: server groups point at the first');
    // port-81's rule uses the kept probe and clashes with no wanted rule: it stays; port-80's is the wanted one (probe port-9090).
    assert.deepEqual(kept.loadBalancingRules?.map((r) => [r.name, r.probe?.id?.split('/').pop()]), [['port-80', 'port-9090'], ['port-81', 'port-8081']]);
    assert.equal(keepNamedProbes(found, after, new Set()), after, 'nothing named: the plan as it is');
    assert.deepEqual(keepNamedProbes(found, after, new Set([`${lbId}/probes/port-8080`])).loadBalancingRules?.map((r) => r.name), ['port-80'],
      'a rule a wanted one replaces is not kept (Azure then refuses the update until the scale set lets go)');
  });

  it('fronts an external one with its public IP address, a Standard static one', () => {
    const lb = plan(spec({ type: 'external' }), { publicIpId });
    assert.deepEqual(lb.frontendIPConfigurations, [{ name: 'frontend', publicIPAddress: { id: publicIpId } }]);
    assert.equal(isExternal(lb), true);
    assert.equal(isExternal(plan()), false);
    assert.deepEqual(publicIpOf('westeurope', tags), { location: 'westeurope', tags, sku: { name: 'Standard' }, publicIPAllocationMethod: 'Static',
      publicIPAddressVersion: 'IPv4' });
  });

  it('probes as spec.healthCheck says, one probe per distinct target port', () => {
    const cases: [LoadBalancerSpec['healthCheck'], object][] = [
      [{ protocol: 'HTTP', path: '/healthz', interval: '10s', healthyThreshold: 3 },
        { name: 'port-8080', protocol: 'Http', port: 8080, requestPath: '/healthz', intervalInSeconds: 10, probeThreshold: 3 }],
      [{ protocol: 'HTTPS', port: 9000 }, { name: 'port-8080', protocol: 'Https', port: 9000, requestPath: '/' }],
      [{ protocol: 'TCP', path: '/ignored', unhealthyThreshold: 2, timeout: '3s' }, { name: 'port-8080', protocol: 'Tcp', port: 8080, probeThreshold: 2 }],
    ];
    for (const [healthCheck, probe] of cases) {
      const lb = plan(spec({ healthCheck, ports: [{ port: 80, targetPort: 8080, protocol: 'HTTP' }, { port: 81, targetPort: 8080, protocol: 'UDP' }] }));
      assert.deepEqual(lb.probes, [probe], JSON.stringify(healthCheck));
      assert.deepEqual(lb.loadBalancingRules?.map((r) => r.probe?.id), [`${lbId}/probes/port-8080`, `${lbId}/probes/port-8080`]);
    }
  });

  it('refuses what Azure cannot carry, naming the field', () => {
    const refused: [LoadBalancerSpec, RegExp][] = [
      [spec({ healthCheck: { protocol: 'TCP', interval: '2s' } }), /spec\.healthCheck\.interval "2s" is under 5s/],
      [spec({ healthCheck: { protocol: 'TCP', interval: 'soon' } }), /spec\.healthCheck\.interval "soon"/],
      [spec({ healthCheck: { protocol: 'TCP', healthyThreshold: 2, unhealthyThreshold: 3 } }), /healthyThreshold \(2\) and unhealthyThreshold \(3\) differ/],
      [spec({ ports: [{ port: 80, targetPort: 8080, protocol: 'HTTP' }, { port: 81, targetPort: 8080, protocol: 'TCP' }] }),
        /spec\.ports\[0\] and spec\.ports\[1\] both send Tcp to target port 8080/],
    ];
    for (const [s, pattern] of refused) assert.throws(() => plan(s), invalidWith(pattern));
    assert.doesNotThrow(() => plan(spec({ healthCheck: { protocol: 'TCP', healthyThreshold: 2, unhealthyThreshold: 2 } })));
  });

  it('finds a difference only in what Staysail sets', () => {
    const want = plan(spec({ healthCheck: { protocol: 'HTTP', path: '/' } }));
    // As Azure returns it: upper-cased resource group in IDs, read-only fields, defaults filled in, tags someone added.
    const found = JSON.parse(JSON.stringify(want).replaceAll('/resourceGroups/rg/', '/resourceGroups/RG/')) as LoadBalancer;
    Object.assign(found, { id: lbId, provisioningState: 'Succeeded', tags: { ...tags, team: 'shop' } });
    found.probes = found.probes!.map((p) => ({ ...p, intervalInSeconds: 15, probeThreshold: 1 })).reverse();
    found.backendAddressPools = [{ name: 'pool', backendIPConfigurations: [{ id: 'x' }] }];
    assert.equal(loadBalancerDiffers(found, want), false);

    const changed: [string, (lb: LoadBalancer) => void][] = [
      ['a rule\'s backend port', (lb) => { lb.loadBalancingRules![0]!.backendPort = 9090; }],
      ['a rule gone', (lb) => { lb.loadBalancingRules!.pop(); }],
      ['a probe\'s path', (lb) => { lb.probes![0]!.requestPath = '/other'; }],
      ['the frontend\'s subnet', (lb) => { lb.frontendIPConfigurations![0]!.subnet = { id: `${subnetId}-2` }; }],
      ['the SKU', (lb) => { lb.sku = { name: 'Basic' }; }],
      ['an owner tag', (lb) => { lb.tags = { ...lb.tags, 'staysail-owner-uid': 'u-2' }; }],
    ];
    for (const [what, change] of changed) {
      const other = structuredClone(found);
      change(other);
      assert.equal(loadBalancerDiffers(other, want), true, what);
    }
    const withInterval = plan(spec({ healthCheck: { protocol: 'HTTP', path: '/', interval: '30s' } }));
    assert.equal(loadBalancerDiffers(found, withInterval), true, 'an interval the spec sets is compared');
    assert.deepEqual(updateOf(found, want).tags, { ...tags, team: 'shop' }, 'an update keeps tags someone else added');
  });

  it('refuses to turn an internal load balancer external, or back', () => {
    const external = plan(spec({ type: 'external' }), { publicIpId });
    assert.throws(() => refuseTypeChange('web', plan(), external), invalidWith(/spec\.type asks for an external load balancer.*is internal/));
    assert.throws(() => refuseTypeChange('web', external, plan()), invalidWith(/spec\.type asks for an internal load balancer.*is external/));
    assert.doesNotThrow(() => refuseTypeChange('web', plan(), plan()));
  });

  it('creates what is missing, updates only what differs, and refuses what is not the owner\'s', () => {
    const owner = { apiVersion: 'staysail.dev/v1alpha1', kind: 'LoadBalancer', namespace: 'shop', name: 'web', uid: 'u-1' };
    const want = { ...plan(), tags: tagsOf(owner, 'web') };
    assert.equal(changeOf('web', undefined, want, owner), 'create');
    assert.equal(changeOf('web', structuredClone(want), want, owner), 'keep');
    assert.equal(changeOf('web', { ...structuredClone(want), probes: [] }, want, owner), 'update');
    const conflictWith = (pattern: RegExp) => (err: unknown) => isProviderError(err, 'Conflict') && pattern.test(err.message)
      || assert.fail(`not Conflict matching ${pattern}: ${String(err)}`);
    assert.throws(() => changeOf('web', { ...want, tags: { team: 'shop' } }, want, owner),
      conflictWith(/^LoadBalancer "web": load balancer web already exists and belongs to something other than Staysail/));
    assert.throws(() => changeOf('web', { ...want, tags: tagsOf({ ...owner, uid: 'u-0' }, 'web') }, want, owner),
      conflictWith(/belongs to LoadBalancer\/shop\/web \(uid u-0\).*delete it, or give the LoadBalancer another name/));
    assert.throws(() => changeOf('web', { ...plan(spec({ type: 'external' }), { publicIpId }), tags: want.tags }, want, owner), invalidWith(/spec\.type/));
  });

  it('reads the pool\'s members by scale set, and an internal frontend\'s address', () => {
    const nic = (vmss: string, i: string) => ({ id: `/subscriptions/s-1/resourceGroups/RG/providers/Microsoft.Compute/virtualMachineScaleSets/${vmss}`
      + `/virtualMachines/${i}/networkInterfaces/nic/ipConfigurations/ipconfig` });
    const lb: LoadBalancer = { backendAddressPools: [{ name: 'pool', backendIPConfigurations: [nic('shop-v001', '0'), nic('shop-v001', '1'), nic('shop-v002', '3'),
      { id: '/subscriptions/s-1/resourceGroups/RG/providers/Microsoft.Network/networkInterfaces/by-hand/ipConfigurations/ip' }] }],
    frontendIPConfigurations: [{ name: 'frontend', privateIPAddress: '10.0.0.7' }] };
    assert.deepEqual([...poolMembers(lb)].map(([k, v]) => [k, [...v]]), [['shop-v001', ['0', '1']], ['shop-v002', ['3']]]);
    assert.equal(privateAddressOf(lb), '10.0.0.7');
    assert.deepEqual([...poolMembers({})], []);
  });
});
