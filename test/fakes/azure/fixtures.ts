// What the Azure fake's own tests share: one subscription, tenant, resource group and service
// principal, resource IDs in them, and the bodies of a scale set and a load balancer as the provider
// makes them (design: one NIC `nic`, one ip configuration `ipconfig`, a Standard load balancer with
// frontend `frontend`, pool `pool` and a probe and rule per port).
import type { VirtualMachineScaleSet } from '@azure/arm-compute';
import type { LoadBalancer } from '@azure/arm-network';
import type { FakeAzureOptions } from './server.ts';

export const subscriptionId = '6a1c0c57-1f52-4c39-9d8b-7c6c4b0c2a01';
export const tenantId = '5d3c2b1a-0f9e-4d8c-b7a6-958473625140';
export const group = 'staysail-test';
export const principal = { clientId: '1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9', clientSecret: 'fake-secret-value' };
export const location = 'westeurope';

export const fakeOptions: FakeAzureOptions = { subscriptions: [subscriptionId], tenantId, resourceGroups: [group],
  servicePrincipals: [principal], subnets: ['staysail-vnet/default', 'staysail-vnet/internal'] };

const rg = `/subscriptions/${subscriptionId}/resourceGroups/${group}/providers`;
export const ids = {
  scaleSet: (name: string) => `${rg}/Microsoft.Compute/virtualMachineScaleSets/${name}`,
  subnet: (name = 'default') => `${rg}/Microsoft.Network/virtualNetworks/staysail-vnet/subnets/${name}`,
  loadBalancer: (name: string) => `${rg}/Microsoft.Network/loadBalancers/${name}`,
  pool: (lb: string) => `${rg}/Microsoft.Network/loadBalancers/${lb}/backendAddressPools/pool`,
  probe: (lb: string, port = 80) => `${rg}/Microsoft.Network/loadBalancers/${lb}/probes/port-${port}`,
  publicIp: (name: string) => `${rg}/Microsoft.Network/publicIPAddresses/${name}`,
  nsg: (name: string) => `${rg}/Microsoft.Network/networkSecurityGroups/${name}`,
  asg: (name: string) => `${rg}/Microsoft.Network/applicationSecurityGroups/${name}`,
};

export interface ScaleSetShape { capacity?: number; pools?: string[]; healthProbe?: string; nsg?: string; asgs?: string[]; subnet?: string }

/** A Uniform, Manual-upgrade scale set as the provider makes one. */
export function scaleSet(s: ScaleSetShape = {}): VirtualMachineScaleSet {
  return {
    location, sku: { name: 'Standard_B1s', capacity: s.capacity ?? 2 }, tags: { 'staysail-managed-by': 'staysail' },
    orchestrationMode: 'Uniform', upgradePolicy: { mode: 'Manual' }, overprovision: false,
    virtualMachineProfile: {
      osProfile: { computerNamePrefix: 'shop-prod-v000', adminUsername: 'staysail', linuxConfiguration: { disablePasswordAuthentication: true,
        ssh: { publicKeys: [{ path: '/home/staysail/.ssh/authorized_keys', keyData: 'ssh-rsa AAAAB3NzaC1yc2E staysail' }] } } },
      storageProfile: { imageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest' },
        osDisk: { createOption: 'FromImage', caching: 'ReadWrite', managedDisk: { storageAccountType: 'Standard_LRS' } } },
      networkProfile: {
        ...(s.healthProbe ? { healthProbe: { id: s.healthProbe } } : {}),
        networkInterfaceConfigurations: [{ name: 'nic', primary: true, ...(s.nsg ? { networkSecurityGroup: { id: s.nsg } } : {}),
          ipConfigurations: [{ name: 'ipconfig', primary: true, subnet: { id: s.subnet ?? ids.subnet() },
            ...(s.asgs ? { applicationSecurityGroups: s.asgs.map((id) => ({ id })) } : {}),
            ...(s.pools ? { loadBalancerBackendAddressPools: s.pools.map((id) => ({ id })) } : {}) }] }],
      },
    },
  };
}

/** A Standard load balancer with one frontend (a public IP address, or a subnet), pool `pool`, and a probe and rule on port 80. */
export function loadBalancer(name: string, front: { publicIp: string } | { subnet: string }): LoadBalancer {
  const lb = ids.loadBalancer(name);
  return {
    location, sku: { name: 'Standard' },
    frontendIPConfigurations: [{ name: 'frontend', ...('publicIp' in front ? { publicIPAddress: { id: front.publicIp } } : { subnet: { id: front.subnet } }) }],
    backendAddressPools: [{ name: 'pool' }],
    probes: [{ name: 'port-80', protocol: 'Tcp', port: 80, intervalInSeconds: 5, probeThreshold: 2 }],
    loadBalancingRules: [{ name: 'port-80', protocol: 'Tcp', frontendPort: 80, backendPort: 8080, enableFloatingIP: false, idleTimeoutInMinutes: 4,
      disableOutboundSnat: true, frontendIPConfiguration: { id: `${lb}/frontendIPConfigurations/frontend` }, backendAddressPool: { id: ids.pool(name) },
      probe: { id: ids.probe(name) } }],
  };
}
