// The routes the Azure fake serves: each a path template and method of the published API descriptions
// (spec/, schema.ts publishedOperation refuses one they do not have), bound to its handler; and the
// operation-status routes, which ARM does not publish (their URLs come from the services' own
// Azure-AsyncOperation and Location headers).
import type { Answer, Handler } from './call.ts';
import type { ScaleSets } from './compute.ts';
import { childNotFound } from './errors.ts';
import type { NetworkResources } from './network.ts';
import type { Operations } from './operations.ts';
import { publishedOperation, type Api, type Operation } from './schema.ts';
import type { VirtualNetworks } from './vnet.ts';

export interface Services {
  scaleSets: ScaleSets;
  loadBalancers: NetworkResources;
  publicIps: NetworkResources;
  nsgs: NetworkResources;
  asgs: NetworkResources;
  vnets: VirtualNetworks;
  ops: Operations;
}

/** A served route: where it is published, and how it is answered. */
export interface RouteSpec { api: Api | 'operations'; method: string; template: string; handler: (s: Services) => Handler }

export interface Route extends RouteSpec { regex: RegExp; params: string[]; published?: Operation }

const rg = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers';
const vmss = `${rg}/Microsoft.Compute/virtualMachineScaleSets`;
const net = `${rg}/Microsoft.Network`;

function crud(kind: string, param: string, pick: (s: Services) => NetworkResources): RouteSpec[] {
  const one = `${net}/${kind}/{${param}}`;
  return [
    { api: 'network', method: 'GET', template: `${net}/${kind}`, handler: (s) => pick(s).list },
    { api: 'network', method: 'PUT', template: one, handler: (s) => pick(s).put },
    { api: 'network', method: 'GET', template: one, handler: (s) => pick(s).get },
    { api: 'network', method: 'DELETE', template: one, handler: (s) => pick(s).delete },
  ];
}

export const routeSpecs: RouteSpec[] = [
  { api: 'compute', method: 'GET', template: vmss, handler: (s) => s.scaleSets.list },
  { api: 'compute', method: 'GET', template: '/subscriptions/{subscriptionId}/providers/Microsoft.Compute/virtualMachineScaleSets', handler: (s) => s.scaleSets.listAll },
  { api: 'compute', method: 'PUT', template: `${vmss}/{vmScaleSetName}`, handler: (s) => s.scaleSets.createOrUpdate },
  { api: 'compute', method: 'PATCH', template: `${vmss}/{vmScaleSetName}`, handler: (s) => s.scaleSets.update },
  { api: 'compute', method: 'GET', template: `${vmss}/{vmScaleSetName}`, handler: (s) => s.scaleSets.get },
  { api: 'compute', method: 'DELETE', template: `${vmss}/{vmScaleSetName}`, handler: (s) => s.scaleSets.delete },
  { api: 'compute', method: 'POST', template: `${vmss}/{vmScaleSetName}/manualupgrade`, handler: (s) => s.scaleSets.manualUpgrade },
  { api: 'compute', method: 'GET', template: `${vmss}/{virtualMachineScaleSetName}/virtualMachines`, handler: (s) => s.scaleSets.listVms },
  { api: 'compute', method: 'GET', template: `${vmss}/{vmScaleSetName}/virtualMachines/{instanceId}`, handler: (s) => s.scaleSets.getVm },
  ...crud('loadBalancers', 'loadBalancerName', (s) => s.loadBalancers),
  { api: 'network', method: 'GET', template: `${net}/loadBalancers/{loadBalancerName}/backendAddressPools/{backendAddressPoolName}`,
    handler: (s) => (call) => childOf(s.loadBalancers.get(call), 'backendAddressPools', call.params.backendAddressPoolName!) },
  ...crud('publicIPAddresses', 'publicIpAddressName', (s) => s.publicIps),
  ...crud('networkSecurityGroups', 'networkSecurityGroupName', (s) => s.nsgs),
  ...crud('applicationSecurityGroups', 'applicationSecurityGroupName', (s) => s.asgs),
  { api: 'network', method: 'GET', template: `${net}/virtualNetworks/{virtualNetworkName}`, handler: (s) => s.vnets.getVnet },
  { api: 'network', method: 'GET', template: `${net}/virtualNetworks/{virtualNetworkName}/subnets`, handler: (s) => s.vnets.listSubnets },
  { api: 'network', method: 'GET', template: `${net}/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}`, handler: (s) => s.vnets.getSubnet },
  { api: 'operations', method: 'GET', template: '/subscriptions/{subscriptionId}/providers/Microsoft.Compute/locations/{location}/operations/{operationId}',
    handler: (s) => (call) => (call.query.get('monitor') === 'true' ? s.ops.result(call.params.operationId!) : s.ops.status(call.params.operationId!)) },
  { api: 'operations', method: 'GET', template: '/subscriptions/{subscriptionId}/providers/Microsoft.Network/locations/{location}/operations/{operationId}',
    handler: (s) => (call) => s.ops.status(call.params.operationId!) },
  { api: 'operations', method: 'GET', template: '/subscriptions/{subscriptionId}/providers/Microsoft.Network/locations/{location}/operationResults/{operationId}',
    handler: (s) => (call) => s.ops.result(call.params.operationId!) },
];

/** A child of a resource's answer (a load balancer's pool), or Network's 404 for it. */
function childOf(parent: Answer, segment: string, name: string): Answer {
  const body = parent.body as { id: string; properties: Record<string, { name: string }[]> };
  const child = (body.properties[segment] ?? []).find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (!child) throw childNotFound(`${body.id}/${segment}/${name}`);
  return { status: 200, body: child };
}

/** The routes compiled; a route the published descriptions lack throws here, when the fake is made. */
export function buildRoutes(): Route[] {
  return routeSpecs.map((r) => {
    const params: string[] = [];
    const source = r.template.replace(/\{([A-Za-z]+)\}/g, (_m, name: string) => { params.push(name); return '([^/]+)'; });
    const published = r.api === 'operations' ? undefined : publishedOperation(r.api, r.template, r.method);
    return { ...r, regex: new RegExp(`^${source}$`, 'i'), params, ...(published ? { published } : {}) };
  });
}
