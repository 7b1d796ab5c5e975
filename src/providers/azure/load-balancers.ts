// LoadBalancers on Azure (lb-plan.ts says what each is): a Standard load balancer of the
// LoadBalancer's name in the Account's resource group, and for an external one a static public IP
// address of that name, made first; both tagged as the LoadBalancer's. Server groups join by naming
// its backend pool in their scale set's model (server-groups.ts); its members are the scale sets
// whose instances' NICs are in the pool. What Staysail did not make for this LoadBalancer is never
// modified or deleted: an upsert that meets it is a Conflict, a delete leaves it.
import type { LoadBalancer } from '@azure/arm-network';
import { invalid, isProviderError } from '../errors.ts';
import type { LoadBalancerDescription, LoadBalancerProvider, Location, Owner, ProviderAccount } from '../interfaces.ts';
import { regionOf, type AzureClientPool, type AzureClients } from './clients.ts';
import { all, azureOrAbsent } from './errors.ts';
import { backendPoolId, lbParts, locationSubnetId, publicIpId } from './ids.ts';
import { isMadeFor, readMark, refuseUnlessOwned, tagsOf } from './marks.ts';
import { settle } from './operations.ts';
import { changeOf, isExternal, keepNamedProbes, planLoadBalancer, poolMembers, privateAddressOf, publicIpOf, updateOf, type Front } from './lb-plan.ts';

const kind = 'LoadBalancer';
const fix = `delete it, or give the ${kind} another name`;
const healthy = 'HealthState/healthy';
const ignoreNotFound = (err: unknown) => { if (!isProviderError(err, 'NotFound')) throw err; };

const getLoadBalancer = (c: AzureClients, name: string) =>
  azureOrAbsent(`reading load balancer ${name}`, () => c.network.loadBalancers.get(c.resourceGroup, name));
const getPublicIp = (c: AzureClients, name: string) =>
  azureOrAbsent(`reading public IP address ${name}`, () => c.network.publicIPAddresses.get(c.resourceGroup, name));

/** Whether Staysail made it for the LoadBalancer of namespace and name (whatever its UID). */
const isOurs = (r: { tags?: Record<string, string> } | undefined, namespace: string, name: string): boolean =>
  !!r && isMadeFor(readMark(r.tags), kind, namespace, name);

/** The public IP address of an external LoadBalancer, made unless it is there; one found must be owner's. */
async function ensurePublicIp(c: AzureClients, name: string, owner: Owner): Promise<void> {
  const found = await getPublicIp(c, name);
  if (found) {
    refuseUnlessOwned(readMark(found.tags), owner, `public IP address ${name}`, fix);
    return;
  }
  await settle(`creating public IP address ${name}`, () => c.network.publicIPAddresses.createOrUpdate(c.resourceGroup, name, publicIpOf(c.region, tagsOf(owner, name))));
}

/** The probes of found that want drops and a scale set's healthProbe names (read only when want drops one). */
async function namedProbesOf(c: AzureClients, name: string, found: LoadBalancer, want: LoadBalancer): Promise<Set<string>> {
  const wanted = new Set((want.probes ?? []).map((p) => p.name));
  if (!(found.probes ?? []).some((p) => !wanted.has(p.name))) return new Set();
  const scaleSets = await all(`listing the scale sets of resource group ${c.resourceGroup} that use load balancer ${name}'s probes`,
    () => c.compute.virtualMachineScaleSets.list(c.resourceGroup));
  return new Set(scaleSets.map((ss) => ss.virtualMachineProfile?.networkProfile?.healthProbe?.id).filter((id): id is string => !!id));
}

/** How many of the pool's instances the probe reports healthy, read from each member scale set's instance views. */
async function healthyIn(c: AzureClients, name: string, members: ReadonlyMap<string, ReadonlySet<string>>): Promise<number> {
  let count = 0;
  for (const [scaleSet, instances] of members) {
    // A scale set deleted meanwhile has no instance in the pool any more.
    const vms = await all(`reading the instances of scale set ${scaleSet} behind load balancer ${name}`,
      () => c.compute.virtualMachineScaleSetVMs.list(c.resourceGroup, scaleSet, { expand: 'instanceView' })).catch((err: unknown) => { ignoreNotFound(err); return []; });
    count += vms.filter((vm) => instances.has(vm.instanceId ?? '') && vm.instanceView?.vmHealth?.status?.code === healthy).length;
  }
  return count;
}

/** What a load balancer Staysail made for the LoadBalancer says of it. */
async function describeFound(c: AzureClients, name: string, lb: LoadBalancer): Promise<LoadBalancerDescription> {
  const members = poolMembers(lb);
  const address = isExternal(lb) ? (await getPublicIp(c, name))?.ipAddress : privateAddressOf(lb);
  const pool = lb.backendAddressPools?.find((p) => p.name === lbParts.pool);
  return { name, ...(address ? { address } : {}), serverGroups: [...members.keys()].sort(), healthyEndpoints: await healthyIn(c, name, members),
    providerId: pool?.id ?? backendPoolId(c, name) };
}

async function describeLoadBalancer(c: AzureClients, namespace: string, name: string): Promise<LoadBalancerDescription | undefined> {
  const lb = await getLoadBalancer(c, name);
  return lb && isOurs(lb, namespace, name) ? describeFound(c, name, lb) : undefined;
}

/** The load balancers (and public IP addresses) of LoadBalancers. */
export function azureLoadBalancers(pool: AzureClientPool): LoadBalancerProvider {
  const clients = (a: ProviderAccount, l: Location) => pool.for(a, regionOf(a, l));
  return {
    async describe(a, l, name) {
      return describeLoadBalancer(await clients(a, l), a.namespace, name);
    },

    /**
     * Plans first (what Azure cannot carry is Invalid before anything is made), refuses what is not
     * this object's, makes an external one's public IP address, then puts the load balancer only when
     * it differs, keeping a probe a scale set still names; every PUT is waited on to its end.
     */
    async upsert(a, l, name, spec, owner) {
      const c = await clients(a, l);
      // The public IP address's ID is known before it is made, so the whole plan is checked first.
      const front: Front = spec.type === 'external' ? { publicIpId: publicIpId(c, name) } : { subnetId: locationSubnetId(c, l, `${kind} "${name}"`) };
      const planned = planLoadBalancer({ name, spec, region: c.region, tags: tagsOf(owner, name), scope: c, front });
      const found = await getLoadBalancer(c, name);
      // A probe a scale set still names stays until its server group points elsewhere (Azure refuses to remove it).
      const want = found ? keepNamedProbes(found, planned, await namedProbesOf(c, name, found, planned)) : planned;
      const change = changeOf(name, found, want, owner);
      if ('publicIpId' in front) await ensurePublicIp(c, name, owner);
      if (change !== 'keep') {
        await settle(`${change === 'create' ? 'creating' : 'updating'} load balancer ${name}`,
          () => c.network.loadBalancers.createOrUpdate(c.resourceGroup, name, found ? updateOf(found, want) : want));
      }
      const made = await describeLoadBalancer(c, a.namespace, name);
      if (!made) throw invalid(`${kind} "${name}": load balancer ${name} was put and is not there; look at the resource group's activity log`);
      return made;
    },

    /**
     * Deletes the load balancer, then its public IP address, each only when made for this
     * LoadBalancer. Azure refuses to delete a load balancer whose pool a scale set's model names
     * (409): that error is thrown, the public IP address stays, and the controller tries again.
     */
    async delete(a, l, name) {
      const c = await clients(a, l);
      const lb = await getLoadBalancer(c, name);
      if (isOurs(lb, a.namespace, name)) {
        await settle(`deleting load balancer ${name} (Azure deletes it once no scale set's model names its pool)`,
          () => c.network.loadBalancers.delete(c.resourceGroup, name)).catch(ignoreNotFound);
      }
      const ip = await getPublicIp(c, name);
      if (isOurs(ip, a.namespace, name)) {
        await settle(`deleting public IP address ${name}`, () => c.network.publicIPAddresses.delete(c.resourceGroup, name)).catch(ignoreNotFound);
      }
    },
  };
}
