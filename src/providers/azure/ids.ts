// Resource IDs of what Staysail makes on Azure, from the subscription, the Account's resource group
// and the Staysail names, and the few names inside them (a load balancer's frontend, pool, probes and
// rules). Resource Manager compares IDs without case and may hand one back in another case than it
// was written, so IDs are compared with sameId. Pure.
import { invalid } from '../errors.ts';
import type { Location } from '../interfaces.ts';

/** Where resources are made: a subscription's resource group (AzureClients is one). */
export interface Scope { subscriptionId: string; resourceGroup: string }

/** The names inside a load balancer Staysail makes. */
export const lbParts = {
  frontend: 'frontend',
  pool: 'pool',
  probe: (port: number) => `port-${port}`,
  rule: (port: number) => `port-${port}`,
} as const;

/** The network interface configuration and IP configuration of a scale set's instances. */
export const nicName = 'nic';
export const ipConfigName = 'ipconfig';

const group = (s: Scope) => `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}`;
const compute = (s: Scope, type: string, name: string) => `${group(s)}/providers/Microsoft.Compute/${type}/${name}`;
const network = (s: Scope, type: string, name: string) => `${group(s)}/providers/Microsoft.Network/${type}/${name}`;

export const scaleSetId = (s: Scope, name: string): string => compute(s, 'virtualMachineScaleSets', name);
export const loadBalancerId = (s: Scope, name: string): string => network(s, 'loadBalancers', name);
export const frontendId = (s: Scope, lbName: string): string => `${loadBalancerId(s, lbName)}/frontendIPConfigurations/${lbParts.frontend}`;
export const backendPoolId = (s: Scope, lbName: string): string => `${loadBalancerId(s, lbName)}/backendAddressPools/${lbParts.pool}`;
export const probeId = (s: Scope, lbName: string, port: number): string => `${loadBalancerId(s, lbName)}/probes/${lbParts.probe(port)}`;
export const nsgId = (s: Scope, name: string): string => network(s, 'networkSecurityGroups', name);
export const asgId = (s: Scope, name: string): string => network(s, 'applicationSecurityGroups', name);
export const publicIpId = (s: Scope, name: string): string => network(s, 'publicIPAddresses', name);

/** Whether two resource IDs name the same resource (Resource Manager ignores case, and a trailing slash). */
export const sameId = (a: string | undefined | null, b: string | undefined | null): boolean =>
  !!a && !!b && a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();

/** The last segment of a resource ID (the resource's name). */
export const nameOfId = (id: string | undefined | null): string => (id ?? '').replace(/\/+$/, '').split('/').pop() ?? '';

const fullSubnet = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i;
const shortSubnet = /^[A-Za-z0-9][\w.-]{0,63}\/[A-Za-z0-9][\w.-]{0,79}$/;

/** The subnet value (field names it) as a resource ID: a full subnet ID as given, or <virtualNetwork>/<subnet> in the resource group. */
export function subnetId(s: Scope, value: string, field: string): string {
  const v = value.trim().replace(/\/+$/, '');
  if (fullSubnet.test(v)) return v;
  if (shortSubnet.test(v)) {
    const [vnet, subnet] = v.split('/');
    return `${network(s, 'virtualNetworks', vnet!)}/subnets/${subnet!}`;
  }
  throw invalid(`${field} "${value}" names no Azure subnet: write <virtualNetwork>/<subnet> (in the Account's resource group ${s.resourceGroup}), `
    + 'or a subnet resource ID /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>');
}

/** The subnet of a location (spec.location.network), which must name one: internal load balancers' frontends go in it. */
export function locationSubnetId(s: Scope, location: Location, what: string): string {
  if (!location.network) {
    throw invalid(`${what}: spec.location.network is empty; on Azure it names the subnet: <virtualNetwork>/<subnet>, or a subnet resource ID`);
  }
  return subnetId(s, location.network, 'spec.location.network');
}

/**
 * The subnet a server group's instances are in: the template's subnetId, else spec.location.network;
 * one of the two must say (Invalid naming both).
 */
export function serverGroupSubnetId(s: Scope, location: Location, templateSubnet: string | undefined, what: string): string {
  if (templateSubnet) return subnetId(s, templateSubnet, 'spec.template.azure.subnetId');
  if (location.network) return subnetId(s, location.network, 'spec.location.network');
  throw invalid(`${what}: neither spec.template.azure.subnetId nor spec.location.network names a subnet; `
    + 'set one of them to <virtualNetwork>/<subnet>, or a subnet resource ID');
}

const instanceIpConfig = /\/virtualMachineScaleSets\/([^/]+)\/virtualMachines\/([^/]+)\/networkInterfaces\//i;

/**
 * The scale set and instance a backend pool's IP configuration belongs to (a scale set instance's
 * NIC: .../virtualMachineScaleSets/<name>/virtualMachines/<id>/networkInterfaces/...), or undefined.
 */
export function scaleSetOfIpConfiguration(id: string | undefined | null): { scaleSet: string; instanceId: string } | undefined {
  const m = instanceIpConfig.exec(id ?? '');
  return m ? { scaleSet: m[1]!, instanceId: m[2]! } : undefined;
}
