// Resource IDs are built from the subscription, the resource group and the names alone; subnets are
// read from either way of writing them; IDs compare without case, as Resource Manager does.
import assert from 'node:assert/strict';
import { isProviderError } from '../errors.ts';
import { asgId, backendPoolId, loadBalancerId, nameOfId, nsgId, probeId, publicIpId, sameId, scaleSetId, scaleSetOfIpConfiguration,
  serverGroupSubnetId, subnetId } from './ids.ts';

const scope = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'shop-rg' };
const base = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shop-rg/providers';

describe('Azure resource IDs', () => {
  it('names each resource in the Account\'s resource group', () => {
    assert.equal(scaleSetId(scope, 'shop-prod-v003'), `${base}/Microsoft.Compute/virtualMachineScaleSets/shop-prod-v003`);
    assert.equal(loadBalancerId(scope, 'shop-web'), `${base}/Microsoft.Network/loadBalancers/shop-web`);
    assert.equal(backendPoolId(scope, 'shop-web'), `${base}/Microsoft.Network/loadBalancers/shop-web/backendAddressPools/pool`);
    assert.equal(probeId(scope, 'shop-web', 8080), `${base}/Microsoft.Network/loadBalancers/shop-web/probes/port-8080`);
    assert.equal(nsgId(scope, 'web'), `${base}/Microsoft.Network/networkSecurityGroups/web`);
    assert.equal(asgId(scope, 'web'), `${base}/Microsoft.Network/applicationSecurityGroups/web`);
    assert.equal(publicIpId(scope, 'shop-web'), `${base}/Microsoft.Network/publicIPAddresses/shop-web`);
    assert.equal(nameOfId(nsgId(scope, 'web')), 'web');
  });

  it('compares IDs without case or a trailing slash', () => {
    assert.ok(sameId(nsgId(scope, 'web'), nsgId(scope, 'web').toLowerCase() + '/'));
    assert.ok(!sameId(nsgId(scope, 'web'), nsgId(scope, 'web2')));
    assert.ok(!sameId(undefined, undefined));
  });

  it('reads a subnet as <vnet>/<subnet> in the resource group, or as a full ID, and refuses anything else naming the field', () => {
    assert.equal(subnetId(scope, 'staysail-vnet/default', 'spec.location.network'), `${base}/Microsoft.Network/virtualNetworks/staysail-vnet/subnets/default`);
    const other = '/subscriptions/x/resourceGroups/net-rg/providers/Microsoft.Network/virtualNetworks/hub/subnets/apps';
    assert.equal(subnetId(scope, other, 'f'), other);
    for (const bad of ['default', 'a/b/c', '/subscriptions/x/resourceGroups/r', 'vnet/']) {
      assert.throws(() => subnetId(scope, bad, 'spec.location.network'),
        (err: unknown) => isProviderError(err, 'Invalid') && err.message.includes('spec.location.network') && err.message.includes(bad));
    }
  });

  it('takes a server group\'s subnet from its template first, then its location, and names both when neither says', () => {
    assert.match(serverGroupSubnetId(scope, { network: 'v/a' }, 'v/b', 'sg'), /subnets\/b$/);
    assert.match(serverGroupSubnetId(scope, { network: 'v/a' }, undefined, 'sg'), /subnets\/a$/);
    assert.throws(() => serverGroupSubnetId(scope, {}, undefined, 'server group x'),
      (err: unknown) => isProviderError(err, 'Invalid') && /spec\.template\.azure\.subnetId nor spec\.location\.network/.test(err.message));
  });

  it('finds the scale set and instance of a backend pool\'s IP configuration', () => {
    const id = `${scaleSetId(scope, 'shop-prod-v003')}/virtualMachines/2/networkInterfaces/nic/ipConfigurations/ipconfig`;
    assert.deepEqual(scaleSetOfIpConfiguration(id), { scaleSet: 'shop-prod-v003', instanceId: '2' });
    assert.equal(scaleSetOfIpConfiguration(`${base}/Microsoft.Network/networkInterfaces/vm1-nic/ipConfigurations/ipconfig1`), undefined);
  });
});
