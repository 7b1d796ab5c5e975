// Server groups on Azure: a virtual machine scale set in the Account's resource group, named as the
// server group (app-stack-detail-vNNN, as Clouddriver names them), tagged as Staysail's. Enabled
// means its model names the backend pool of each of its LoadBalancers (and the first one's probe as
// its health probe) and its instances run that model; disabled, no pool (its instances keep running,
// as Clouddriver disables an Azure server group). The upgrade policy is Manual, so a change of pools
// reaches the instances when Staysail upgrades them: model, then instances, then the tags that
// record it, so a change cut short shows as not done and is done again. A scale set whose create
// failed (Azure keeps it, Failed, with instances no PUT provisions again) is described as none, so
// that create deletes it and makes it anew. A scale set without Staysail's tags is never changed.
import type { VirtualMachineScaleSet, VirtualMachineScaleSetVM } from '@azure/arm-compute';
import { conflict, inProgress, isProviderError, notFound } from '../errors.ts';
import type { CreateServerGroup, Location, ProviderAccount, ServerGroupDescription, ServerGroupProvider } from '../interfaces.ts';
import { regionOf, type AzureClientPool, type AzureClients } from './clients.ts';
import { describeScaleSet, inPoolsOnly, isFailedShell, isPresent, isRunning, newestFirst, observedStateOf, stateOf } from './describe.ts';
import { all, azureOrAbsent } from './errors.ts';
import { serverGroupSubnetId } from './ids.ts';
import { poolsAndProbe, securityGroupIdsOf, trafficOf, type Traffic } from './lookups.ts';
import { isMadeHere, isOwnedBy, ownerOfMark, readMark } from './marks.ts';
import { settle } from './operations.ts';
import { azureTemplateOf, checkLoadBalancerFronts, hasTraffic, scaleSetOf, securityGroupOf, stateTags, trafficUpdateOf, type ScaleSetNetwork,
  type ScaleSetState } from './scale-set.ts';
import { unusableSshKey } from './ssh-key.ts';

const where = (c: AzureClients, name: string) => `scale set ${name} in resource group ${c.resourceGroup}`;

async function findScaleSet(c: AzureClients, name: string): Promise<VirtualMachineScaleSet | undefined> {
  return azureOrAbsent(`server group ${name}: reading ${where(c, name)}`, () => c.compute.virtualMachineScaleSets.get(c.resourceGroup, name));
}

/**
 * Whether the scale set is the server group of that name in the Account's namespace, as its tags say:
 * Accounts of several namespaces may share a resource group, and a scale set is found by name alone.
 */
const isHere = (c: AzureClients, ss: VirtualMachineScaleSet, name: string): boolean => isMadeHere(readMark(ss.tags), c.namespace, name);

const foreign = (c: AzureClients, name: string, ss: VirtualMachineScaleSet, verb: string) => conflict(`server group ${name}: ${where(c, name)} `
  + `belongs to ${ownerOfMark(readMark(ss.tags))}, not to server group ${name} of namespace ${c.namespace}, so Staysail will not ${verb} it; `
  + 'delete or rename that scale set, or give the server group another name');

/** The scale set, which must exist (NotFound) and be this namespace's server group (Conflict): the only kind any verb changes. */
async function ourScaleSet(c: AzureClients, name: string, verb: string): Promise<VirtualMachineScaleSet> {
  const ss = await findScaleSet(c, name);
  if (!ss) throw notFound(`server group ${name}: there is no ${where(c, name)} to ${verb}`);
  if (!isHere(c, ss, name)) throw foreign(c, name, ss, verb);
  return ss;
}

const instancesOf = (c: AzureClients, name: string): Promise<VirtualMachineScaleSetVM[]> =>
  all(`server group ${name}: listing the instances of ${where(c, name)}`,
    () => c.compute.virtualMachineScaleSetVMs.list(c.resourceGroup, name, { expand: 'instanceView' }));

/** The server group a scale set is; vms: its instances, when already read. */
async function describeOf(c: AzureClients, ss: VirtualMachineScaleSet, vms?: VirtualMachineScaleSetVM[]): Promise<ServerGroupDescription> {
  const name = ss.name!;
  const state = observedStateOf(ss);
  const [instances, traffic] = await Promise.all([vms ?? instancesOf(c, name),
    state.enabled && state.loadBalancers.length ? trafficOf(c, `server group ${name}`, state.loadBalancers) : Promise.resolve(new Map())]);
  return describeScaleSet(ss, instances, state.enabled ? state.loadBalancers.map((lb) => traffic.get(lb)?.pool) : []);
}

/** PATCHes the scale set and waits for it; answers it as it is afterwards. */
const patch = (c: AzureClients, name: string, what: string, body: Parameters<AzureClients['compute']['virtualMachineScaleSets']['update']>[2]) =>
  settle(`server group ${name}: ${what} (${where(c, name)})`, () => c.compute.virtualMachineScaleSets.update(c.resourceGroup, name, body));

/**
 * Makes the scale set take the traffic want says and records want: its model names exactly the pools
 * of its LoadBalancers while enabled (of those Staysail made in the namespace) and none while not;
 * then its instances are upgraded to that model (only then are they in, or out of, the pools); last
 * its tags record the state, so a change cut short still shows the state before it.
 */
async function converge(c: AzureClients, ss: VirtualMachineScaleSet, want: ScaleSetState): Promise<void> {
  const name = ss.name!;
  const traffic = want.enabled ? await trafficOf(c, `server group ${name}`, want.loadBalancers) : new Map();
  if (want.enabled) refuseMissing(c, name, traffic);
  checkFronts(name, traffic);
  const { pools, probe } = poolsAndProbe(traffic, want.enabled ? want.loadBalancers : []);
  if (!hasTraffic(ss, pools, probe)) {
    await patch(c, name, pools.length ? `naming the backend pools of ${want.loadBalancers.join(', ')}` : 'naming no backend pool',
      trafficUpdateOf(ss, pools, probe));
  }
  const present = (await instancesOf(c, name)).filter(isPresent);
  // Upgraded when one does not run the model, or (however Azure flags it) is not in exactly the model's pools.
  if (present.some((vm) => vm.latestModelApplied === false || (isRunning(vm) && !inPoolsOnly(vm, pools)))) {
    const instanceIds = present.map((vm) => vm.instanceId!).filter(Boolean);
    await settle(`server group ${name}: upgrading instances ${instanceIds.join(', ')} of ${where(c, name)} to its model`,
      () => c.compute.virtualMachineScaleSets.updateInstances(c.resourceGroup, name, { instanceIds }));
  }
  const tags = { ...(ss.tags ?? {}), ...stateTags(want) };
  if (JSON.stringify(tags) !== JSON.stringify(ss.tags ?? {})) await patch(c, name, `recording ${JSON.stringify(want)}`, { tags });
}

/**
 * NotFound naming each LoadBalancer that has no load balancer of Staysail's yet: a server group is
 * recorded enabled behind a LoadBalancer only once it is in that one's pool, so the controller tries
 * again once it is made, and nothing says it takes traffic it does not.
 */
function refuseMissing(c: AzureClients, name: string, traffic: ReadonlyMap<string, unknown>): void {
  const missing = [...traffic].filter(([, t]) => !t).map(([lb]) => lb).sort();
  if (missing.length) {
    throw notFound(`server group ${name}: ${missing.map((lb) => `LoadBalancer "${lb}"`).join(', ')} (namespace ${c.namespace}) `
      + `${missing.length > 1 ? 'have' : 'has'} no load balancer of Staysail's in resource group ${c.resourceGroup} yet, so the scale set cannot join `
      + `${missing.length > 1 ? 'their pools' : 'its pool'}; Staysail tries again once it is made`);
  }
}

/** Invalid when the load balancers found are two internal or two external ones: a NIC IP configuration joins one of each at most. */
const checkFronts = (name: string, traffic: ReadonlyMap<string, Traffic | undefined>): void =>
  checkLoadBalancerFronts(name, [...traffic].map(([lb, t]) => [lb, t?.external] as const));

/** A scale set found under the request's name is the request's only when made for this owner from this template. */
function checkSame(c: AzureClients, ss: VirtualMachineScaleSet, req: CreateServerGroup): void {
  const mark = readMark(ss.tags);
  if (!mark || !isOwnedBy(mark, req.owner)) {
    throw conflict(`server group ${req.name}: ${where(c, req.name)} belongs to ${ownerOfMark(mark)}, not to `
      + `${req.owner.kind}/${req.owner.namespace}/${req.owner.name} (uid ${req.owner.uid}); Staysail never changes what is not its own: give the server group another name`);
  }
  if (mark.templateHash !== req.templateHash) {
    throw conflict(`server group ${req.name}: ${where(c, req.name)} already exists from another template (hash ${mark.templateHash ?? 'none'}, not ${req.templateHash}); `
      + 'delete it to make it again from this template');
  }
}

/** Where the new scale set's instances sit and, made enabled, the pools they are in. */
async function networkOf(c: AzureClients, req: CreateServerGroup): Promise<ScaleSetNetwork> {
  const what = `server group ${req.name}`;
  const sg = securityGroupOf(req);
  const subnetId = serverGroupSubnetId(c, req.location, azureTemplateOf(req).subnetId, what);
  const groups = sg ? await securityGroupIdsOf(c, what, sg) : {};
  // Every LoadBalancer made so far is read, enabled or not: two of a kind are Invalid before anything is made.
  const traffic = await trafficOf(c, what, req.loadBalancers);
  checkFronts(req.name, traffic);
  if (req.enabled) refuseMissing(c, req.name, traffic);
  const { pools, probe } = poolsAndProbe(traffic, req.enabled ? req.loadBalancers : []);
  return { subnetId, ...groups, pools, ...(probe ? { healthProbeId: probe } : {}) };
}

/** The SSH key Staysail made for a scale set before (kept when it is PUT again), else a new one, when the template names none. */
function generatedKeyOf(req: CreateServerGroup, found: VirtualMachineScaleSet | undefined): string | undefined {
  if (azureTemplateOf(req).sshPublicKeys?.length) return undefined;
  return found?.virtualMachineProfile?.osProfile?.linuxConfiguration?.ssh?.publicKeys?.[0]?.keyData ?? unusableSshKey(`staysail@${req.name}`);
}

/**
 * The scale set a create finds under the request's name, which must be the request's; none when its
 * create failed: no PUT provisions its failed instances again, so it is deleted (nothing of it
 * serves) to be made anew.
 */
async function foundForCreate(c: AzureClients, req: CreateServerGroup): Promise<VirtualMachineScaleSet | undefined> {
  const ss = await findScaleSet(c, req.name);
  if (!ss) return undefined;
  checkSame(c, ss, req);
  if (ss.provisioningState === 'Deleting') throw inProgress(`server group ${req.name}: ${where(c, req.name)} is being deleted`, 10_000);
  if (ss.provisioningState === 'Failed' && isFailedShell(ss, await instancesOf(c, req.name))) {
    await destroy(c, req.name);
    return undefined;
  }
  return ss;
}

async function create(c: AzureClients, req: CreateServerGroup, now: () => Date): Promise<ServerGroupDescription> {
  azureTemplateOf(req);
  securityGroupOf(req);
  // First a look-up: a repeated create (a crash before the caller wrote down that it made this) finds it.
  let ss = await foundForCreate(c, req);
  // Not there, or a change of it failed with instances of it still working: PUT it (again).
  if (!ss || ss.provisioningState === 'Failed') {
    const generatedKey = generatedKeyOf(req, ss);
    const body = scaleSetOf({ req, region: c.region, network: await networkOf(c, req), createdAt: readMark(ss?.tags)?.created ?? now().toISOString(),
      ...(generatedKey ? { generatedKey } : {}) });
    try {
      await settle(`server group ${req.name}: creating ${where(c, req.name)}`,
        () => c.compute.virtualMachineScaleSets.createOrUpdate(c.resourceGroup, req.name, body));
    } catch (err) {
      // Another operation on it meanwhile (another create): read below. Any other Conflict (a property Azure will not change) is the answer.
      if (!isProviderError(err, 'Conflict') || !/\bAnotherOperationInProgress\b/.test(err.message)) throw err;
    }
    ss = await findScaleSet(c, req.name);
    if (!ss) throw inProgress(`server group ${req.name}: ${where(c, req.name)} is being created`, 2_000);
    checkSame(c, ss, req);
  }
  // Made enabled (or found so after a crash): its model and instances take its load balancers' traffic now, as often as it takes.
  if (stateOf(ss).enabled) await converge(c, ss, stateOf(ss));
  return describeOf(c, (await findScaleSet(c, req.name)) ?? ss);
}

async function destroy(c: AzureClients, name: string): Promise<void> {
  const ss = await findScaleSet(c, name);
  // Someone else's (another namespace's, or not Staysail's) is left as it is, as a LoadBalancer's delete leaves one.
  if (!ss || !isHere(c, ss, name)) return;
  await settle(`server group ${name}: deleting ${where(c, name)} (its instances with it)`,
    () => c.compute.virtualMachineScaleSets.delete(c.resourceGroup, name)).catch((err: unknown) => {
    if (!isProviderError(err, 'NotFound')) throw err;
  });
  if (await findScaleSet(c, name)) throw inProgress(`server group ${name}: ${where(c, name)} is being deleted (its instances with it)`, 10_000);
}

/** The server groups of an Azure Account, as virtual machine scale sets. now: the clock of creation times. */
export function azureServerGroups(pool: AzureClientPool, now: () => Date = () => new Date()): ServerGroupProvider {
  const at = async (a: ProviderAccount, l: Location): Promise<AzureClients> => pool.for(a, regionOf(a, l));

  return {
    async describe(a, l, name) {
      const c = await at(a, l);
      const ss = await findScaleSet(c, name);
      if (!ss) return undefined;
      if (!isHere(c, ss, name)) throw foreign(c, name, ss, 'describe');
      // A scale set whose create failed is no server group yet: described as none, it is made again (create replaces it).
      const vms = await instancesOf(c, name);
      return isFailedShell(ss, vms) ? undefined : describeOf(c, ss, vms);
    },

    async list(a, l, cluster) {
      const c = await at(a, l);
      const sets = await all(`listing the scale sets of cluster ${cluster} in resource group ${c.resourceGroup}`,
        () => c.compute.virtualMachineScaleSets.list(c.resourceGroup));
      const ours = sets.filter((ss) => { const m = readMark(ss.tags); return m?.cluster === cluster && m.namespace === a.namespace; });
      return (await Promise.all(ours.map((ss) => describeOf(c, ss)))).sort(newestFirst);
    },

    async create(a, req) {
      return create(await at(a, req.location), req, now);
    },

    async resize(a, l, name, capacity) {
      const c = await at(a, l);
      const ss = await ourScaleSet(c, name, 'resize');
      const tags = { ...(ss.tags ?? {}), ...stateTags({ ...stateOf(ss), min: capacity.min, max: capacity.max }) };
      if (ss.sku?.capacity === capacity.desired && JSON.stringify(tags) === JSON.stringify(ss.tags ?? {})) return;
      await patch(c, name, `resizing to ${capacity.desired}`, { sku: { ...ss.sku, capacity: capacity.desired }, tags });
    },

    async enable(a, l, name, loadBalancers) {
      const c = await at(a, l);
      const ss = await ourScaleSet(c, name, 'enable');
      const state = observedStateOf(ss);
      await converge(c, ss, { ...state, ...(loadBalancers ? { loadBalancers: [...loadBalancers] } : {}), enabled: true });
    },

    async disable(a, l, name) {
      const c = await at(a, l);
      const ss = await ourScaleSet(c, name, 'disable');
      await converge(c, ss, { ...observedStateOf(ss), enabled: false });
    },

    async setLoadBalancers(a, l, name, loadBalancers) {
      const c = await at(a, l);
      const ss = await ourScaleSet(c, name, 'change the load balancers of');
      checkFronts(name, await trafficOf(c, `server group ${name}`, loadBalancers));
      await converge(c, ss, { ...observedStateOf(ss), loadBalancers: [...loadBalancers] });
    },

    async destroy(a, l, name) {
      await destroy(await at(a, l), name);
    },
  };
}
