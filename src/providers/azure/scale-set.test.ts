// The scale set a server group is made as: Uniform, Manual upgrades, the template's image and size,
// one NIC in the subnet with its SecurityGroup's groups and, while enabled, its LoadBalancers' pools
// and the first one's probe; what Azure would refuse is refused first, naming the field. And the
// PATCH that moves a model's traffic, keeping everything else of its NICs.
import assert from 'node:assert/strict';
import type { VirtualMachineScaleSet } from '@azure/arm-compute';
import { isProviderError } from '../errors.ts';
import type { CreateServerGroup } from '../interfaces.ts';
import { readMark } from './marks.ts';
import { checkLoadBalancerFronts, computerNamePrefixOf, hasTraffic, imageReferenceOf, networkProfileOf, poolsOf, scaleSetOf, securityGroupOf, stateTags,
  trafficUpdateOf, zonesOf } from './scale-set.ts';

const owner = { apiVersion: 'staysail.dev/v1alpha1', kind: 'Cluster', namespace: 'shop', name: 'shop-prod', uid: 'u-1' };
const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host';
const req = (azure: Partial<NonNullable<CreateServerGroup['template']['azure']>> = {}, over: Partial<CreateServerGroup> = {}): CreateServerGroup => ({
  name: 'shop-prod-frontend-v003', cluster: 'shop-prod-frontend', sequence: 3, location: { region: 'westeurope', zones: ['1', '2'] },
  template: { azure: { image: 'Canonical:ubuntu-24_04-lts:server:latest', vmSize: 'Standard_B1s', sshPublicKeys: [key], ...azure } },
  templateHash: 'h3', capacity: { min: 1, max: 4, desired: 2 }, enabled: true, loadBalancers: ['web'], securityGroups: ['web'], owner, ...over,
});
const pool = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/web/backendAddressPools/pool';
const probe = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/web/probes/port-8080';
const subnet = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/default';
const network = { subnetId: subnet, nsgId: 'nsg-id', asgId: 'asg-id', pools: [pool], healthProbeId: probe };
const invalidNaming = (field: RegExp) => (err: unknown) => isProviderError(err, 'Invalid') && field.test(err.message);

describe('Azure scale sets', () => {
  it('makes a Uniform scale set with Manual upgrades from the template, tagged with its owner and state', () => {
    const ss = scaleSetOf({ req: req({ customData: '#cloud-config\n', tags: { team: 'shop' } }), region: 'westeurope', network, createdAt: '2026-01-01T00:00:00.000Z' });
    assert.deepEqual({ ...ss, tags: undefined }, {
      location: 'westeurope', tags: undefined, sku: { name: 'Standard_B1s', capacity: 2 }, zones: ['1', '2'], orchestrationMode: 'Uniform',
      upgradePolicy: { mode: 'Manual' }, overprovision: false,
      virtualMachineProfile: {
        osProfile: { computerNamePrefix: 'shop-prod-front', adminUsername: 'staysail', customData: Buffer.from('#cloud-config\n').toString('base64'),
          linuxConfiguration: { disablePasswordAuthentication: true, ssh: { publicKeys: [{ path: '/home/staysail/.ssh/authorized_keys', keyData: key }] } } },
        storageProfile: { imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' },
          osDisk: { createOption: 'FromImage', caching: 'ReadWrite', managedDisk: { storageAccountType: 'Standard_LRS' } } },
        networkProfile: { healthProbe: { id: probe }, networkInterfaceConfigurations: [{ name: 'nic', primary: true, networkSecurityGroup: { id: 'nsg-id' },
          ipConfigurations: [{ name: 'ipconfig', primary: true, subnet: { id: subnet }, applicationSecurityGroups: [{ id: 'asg-id' }],
            loadBalancerBackendAddressPools: [{ id: pool }] }] }] },
      },
    });
    assert.equal(ss.tags?.team, 'shop');
    assert.deepEqual(readMark(ss.tags), { owner: 'Cluster/shop/shop-prod', kind: 'Cluster', namespace: 'shop', uid: 'u-1', name: 'shop-prod-frontend-v003',
      cluster: 'shop-prod-frontend', sequence: 3, templateHash: 'h3', loadBalancers: ['web'], enabled: true, created: '2026-01-01T00:00:00.000Z' });
    assert.deepEqual([ss.tags?.['staysail-capacity-min'], ss.tags?.['staysail-capacity-max']], ['1', '4']);
  });

  it('uses the key Staysail made when the template names none, and the template\'s user', () => {
    const ss = scaleSetOf({ req: req({ sshPublicKeys: undefined, adminUsername: 'azureuser' }), region: 'westeurope', network, generatedKey: 'ssh-rsa AAAA staysail', createdAt: 'x' });
    assert.deepEqual(ss.virtualMachineProfile?.osProfile?.linuxConfiguration?.ssh?.publicKeys, [{ path: '/home/azureuser/.ssh/authorized_keys', keyData: 'ssh-rsa AAAA staysail' }]);
    assert.equal(ss.virtualMachineProfile?.osProfile?.adminUsername, 'azureuser');
  });

  it('takes an image by resource ID, and no probe, NSG or pools when it has none', () => {
    const id = '/subscriptions/s/resourceGroups/img/providers/Microsoft.Compute/galleries/g/images/i/versions/1.0.0';
    assert.deepEqual(imageReferenceOf('x', id), { id });
    assert.deepEqual(networkProfileOf({ subnetId: subnet, pools: [], healthProbeId: probe }), { networkInterfaceConfigurations: [{ name: 'nic', primary: true,
      ipConfigurations: [{ name: 'ipconfig', primary: true, subnet: { id: subnet }, loadBalancerBackendAddressPools: [] }] }] });
  });

  const refusals: [string, () => unknown, RegExp][] = [
    ['an image of three parts', () => imageReferenceOf('x', 'Canonical:ubuntu:server'), /spec\.template\.azure\.image "Canonical:ubuntu:server"/],
    ['two SecurityGroups', () => securityGroupOf(req({}, { securityGroups: ['a', 'b'] })), /spec\.securityGroupRefs names 2 SecurityGroups \(a, b\)/],
    ['a zone by name', () => zonesOf('x', ['westeurope-1']), /spec\.location\.zones names "westeurope-1"/],
    ['a user name Azure reserves', () => scaleSetOf({ req: req({ adminUsername: 'root' }), region: 'r', network, createdAt: 'x' }),
      /spec\.template\.azure\.adminUsername "root" is one of the names Azure reserves/],
    ['another user name Azure reserves', () => scaleSetOf({ req: req({ adminUsername: 'support_388945a0' }), region: 'r', network, createdAt: 'x' }),
      /spec\.template\.azure\.adminUsername "support_388945a0"/],
    ['two internal LoadBalancers', () => checkLoadBalancerFronts('x', [['b', false], ['a', false], ['c', true], ['d', undefined]]),
      /spec\.loadBalancerRefs names 2 internal LoadBalancers \(a, b\)/],
    ['two external LoadBalancers', () => checkLoadBalancerFronts('x', [['a', true], ['b', true]]), /spec\.loadBalancerRefs names 2 external LoadBalancers \(a, b\)/],
    ['an upper-case user', () => scaleSetOf({ req: req({ adminUsername: 'Admin' }), region: 'r', network, createdAt: 'x' }), /spec\.template\.azure\.adminUsername "Admin"/],
    ['a key that is not OpenSSH', () => scaleSetOf({ req: req({ sshPublicKeys: ['-----BEGIN PUBLIC KEY-----'] }), region: 'r', network, createdAt: 'x' }),
      /spec\.template\.azure\.sshPublicKeys/],
    ['a tag of Staysail\'s', () => scaleSetOf({ req: req({ tags: { 'staysail-enabled': 'true' } }), region: 'r', network, createdAt: 'x' }),
      /spec\.template\.azure\.tags "staysail-enabled"/],
    ['no azure block', () => scaleSetOf({ req: { ...req(), template: { gce: { image: 'i', machineType: 'm' } } }, region: 'r', network, createdAt: 'x' }),
      /spec\.template has no azure block/],
    ['names too long for a tag', () => stateTags({ enabled: true, loadBalancers: Array.from({ length: 5 }, (_, i) => `${i}${'x'.repeat(60)}`), min: 0, max: 0 }),
      /256 characters/],
  ];
  for (const [what, run, field] of refusals) it(`refuses ${what}, naming the field`, () => assert.throws(run, invalidNaming(field)));

  it('cuts the computer name prefix to 15 characters without a trailing hyphen', () => {
    assert.equal(computerNamePrefixOf('shop-prod-v001'), 'shop-prod-v001');
    assert.equal(computerNamePrefixOf('shop-prod-front-v001'), 'shop-prod-front');
    assert.equal(computerNamePrefixOf('shop-prodfront-v001'), 'shop-prodfront');
  });

  it('moves a model\'s traffic with a PATCH that keeps its NICs, and removes the probe with the pools', () => {
    const found: VirtualMachineScaleSet = { location: 'westeurope', virtualMachineProfile: { networkProfile: networkProfileOf(network) } };
    assert.ok(hasTraffic(found, [pool.toUpperCase()], probe));
    assert.ok(!hasTraffic(found, [], undefined));
    const out = trafficUpdateOf(found, [], undefined);
    const np = out.virtualMachineProfile?.networkProfile;
    assert.equal(np?.healthProbe, null);
    assert.deepEqual(np?.networkInterfaceConfigurations, [{ name: 'nic', primary: true, networkSecurityGroup: { id: 'nsg-id' },
      ipConfigurations: [{ name: 'ipconfig', primary: true, subnet: { id: subnet }, applicationSecurityGroups: [{ id: 'asg-id' }], loadBalancerBackendAddressPools: [] }] }]);
    const back = trafficUpdateOf({ virtualMachineProfile: { networkProfile: networkProfileOf({ subnetId: subnet, pools: [] }) }, location: 'x' }, [pool], probe);
    assert.deepEqual(back.virtualMachineProfile?.networkProfile?.healthProbe, { id: probe });
    assert.deepEqual(poolsOf({ location: 'x', virtualMachineProfile: { networkProfile: back.virtualMachineProfile!.networkProfile as never } }), [pool]);
  });
});
