// A Uniform scale set's instances in the Azure fake. sku.capacity gives instances "0", "1", ... (ids
// are never reused, as Azure's are not); each keeps the model it last applied. An instance made by a
// create or scale-out applies the model of that moment; a model change (any change to
// virtualMachineProfile) leaves existing instances on their old model, latestModelApplied false, until
// manualupgrade names them. Instances are Creating until the operation that made them ends
// (Succeeded, PowerState/running), Deleting until the one that removes them ends, Failed when it fails.
// vmHealth is the load balancer probe's word on an instance whose applied model has a healthProbe:
// HealthState/healthy unless setProbeHealth turned its scale set's probe health off.
import { randomUUID } from 'node:crypto';
import { iso } from './operations.ts';

type Json = Record<string, unknown>;

export type InstanceState = 'Creating' | 'Succeeded' | 'Deleting' | 'Failed';

export interface Instance {
  instanceId: string;
  vmId: string;
  createdAt: number;
  state: InstanceState;
  zone?: string;
  /** The virtualMachineProfile the instance runs, and the model version it is. */
  applied: Json;
  appliedVersion: number;
}

/** A scale set's instances and its model version. */
export interface Fleet { version: number; nextId: number; instances: Instance[] }

/** Adds n instances on the current model, spread over the zones as Azure balances them. */
export function grow(fleet: Fleet, n: number, model: Json, zones: string[], now: number): Instance[] {
  const made: Instance[] = [];
  for (let i = 0; i < n; i++) {
    const id = fleet.nextId++;
    made.push({ instanceId: String(id), vmId: randomUUID(), createdAt: now, state: 'Creating', applied: structuredClone(model),
      appliedVersion: fleet.version, ...(zones.length ? { zone: zones[id % zones.length]! } : {}) });
  }
  fleet.instances.push(...made);
  return made;
}

/** Marks the instances a scale-in removes: the newest ones, as the Default scale-in rule picks. */
export function shrink(fleet: Fleet, n: number): Instance[] {
  const live = fleet.instances.filter((i) => i.state !== 'Deleting').sort((a, b) => Number(b.instanceId) - Number(a.instanceId));
  const removed = live.slice(0, Math.max(0, n));
  for (const i of removed) i.state = 'Deleting';
  return removed;
}

/** The instances a scale set counts toward its capacity. */
export const liveCount = (fleet: Fleet): number => fleet.instances.filter((i) => i.state !== 'Deleting').length;

const status = (code: string, displayStatus: string, time?: number, level = 'Info'): Json =>
  ({ code, level, displayStatus, ...(time !== undefined ? { time: iso(time) } : {}) });

function statuses(i: Instance): Json[] {
  switch (i.state) {
    case 'Creating': return [status('ProvisioningState/creating', 'Creating'), status('PowerState/starting', 'VM starting')];
    case 'Deleting': return [status('ProvisioningState/deleting', 'Deleting'), status('PowerState/stopping', 'VM stopping')];
    case 'Failed': return [status('ProvisioningState/failed', 'Provisioning failed', i.createdAt, 'Error')];
    default: return [status('ProvisioningState/succeeded', 'Provisioning succeeded', i.createdAt), status('PowerState/running', 'VM running')];
  }
}

const hasHealthProbe = (i: Instance): boolean =>
  Boolean(((i.applied.networkProfile as Json | undefined)?.healthProbe as Json | undefined)?.id);

function health(i: Instance, probeHealthy: boolean): Json | undefined {
  if (!hasHealthProbe(i)) return undefined;
  if (i.state !== 'Succeeded') return { status: status('HealthState/unknown', 'The VM health is unknown') };
  return { status: probeHealthy ? status('HealthState/healthy', 'The VM is healthy') : status('HealthState/unhealthy', 'The VM is unhealthy') };
}

/** The scale set VM resource as virtualMachineScaleSetVMs.list answers it (instanceView with $expand=instanceView). */
export function vmView(scaleSet: Json, i: Instance, o: { latest: boolean; expand: boolean; probeHealthy: boolean }): Json {
  const id = `${scaleSet.id as string}/virtualMachines/${i.instanceId}`;
  const nics = ((i.applied.networkProfile as Json | undefined)?.networkInterfaceConfigurations as Json[] | undefined) ?? [];
  const prefix = ((i.applied.osProfile as Json | undefined)?.computerNamePrefix as string | undefined) ?? String(scaleSet.name);
  const sku = scaleSet.sku as Json | undefined;
  const vmHealth = health(i, o.probeHealthy);
  const instanceView: Json = { platformUpdateDomain: Number(i.instanceId) % 5, platformFaultDomain: Number(i.instanceId) % 5,
    computerName: `${prefix}${i.instanceId.padStart(6, '0')}`, statuses: statuses(i), ...(vmHealth ? { vmHealth } : {}) };
  return {
    name: `${scaleSet.name as string}_${i.instanceId}`, id, type: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines',
    location: scaleSet.location, ...(scaleSet.tags ? { tags: scaleSet.tags } : {}), instanceId: i.instanceId,
    ...(sku ? { sku: { name: sku.name, tier: sku.tier ?? 'Standard' } } : {}), ...(i.zone ? { zones: [i.zone] } : {}),
    properties: {
      latestModelApplied: o.latest, modelDefinitionApplied: 'VirtualMachineScaleSet', vmId: i.vmId,
      provisioningState: i.state, timeCreated: iso(i.createdAt),
      ...(o.expand ? { instanceView } : {}),
      networkProfile: { networkInterfaces: nics.map((nic) => ({ id: `${id}/networkInterfaces/${nic.name as string}`,
        properties: { primary: Boolean((nic.properties as Json | undefined)?.primary) } })) },
      networkProfileConfiguration: { networkInterfaceConfigurations: structuredClone(nics) },
    },
  };
}

/** The NIC ip configuration IDs of an instance that its applied model puts in the pool. */
export function ipConfigurationsInPool(scaleSetId: string, i: Instance, poolId: string): string[] {
  if (i.state === 'Failed') return [];
  const out: string[] = [];
  const nics = ((i.applied.networkProfile as Json | undefined)?.networkInterfaceConfigurations as Json[] | undefined) ?? [];
  for (const nic of nics) {
    for (const ip of ((nic.properties as Json | undefined)?.ipConfigurations as Json[] | undefined) ?? []) {
      const pools = ((ip.properties as Json | undefined)?.loadBalancerBackendAddressPools as Json[] | undefined) ?? [];
      if (pools.some((p) => typeof p.id === 'string' && p.id.toLowerCase() === poolId.toLowerCase())) {
        out.push(`${scaleSetId}/virtualMachines/${i.instanceId}/networkInterfaces/${nic.name as string}/ipConfigurations/${ip.name as string}`);
      }
    }
  }
  return out;
}
