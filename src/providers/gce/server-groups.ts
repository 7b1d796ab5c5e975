// Server groups on GCE: a zonal managed instance group made from a global instance template, the
// group named as the server group (app-stack-detail-vNNN, as Clouddriver names them), both marked as
// Staysail's in their descriptions. Enabled means its instance group is a backend of every backend
// service of its LoadBalancers, and of no other backend service Staysail made; disabled, of none
// (its instances keep running, as Clouddriver disables a GCE server group). A group or template
// without Staysail's mark is never changed.
import { conflict, inProgress, isProviderError, notFound } from '../errors.ts';
import type { CreateServerGroup, Location, ProviderAccount, ServerGroupDescription, ServerGroupProvider } from '../interfaces.ts';
import { backendServicesOf, healthIn, ourBackendServices, setBackend, type BackendService } from './backends.ts';
import { callOptions, regionOf, type GceClientPool, type GceClients } from './clients.ts';
import { gce, gceOrAbsent, isStaleFingerprint } from './errors.ts';
import { describeMark, isOwnedBy, ownerOfMark, readMark } from './marks.ts';
import { describeGroup, newestFirst, stateOf, withState, zoneOf, type Group, type GroupState, type ManagedInstance } from './mig-describe.ts';
import { run } from './operations.ts';
import { instanceTemplateOf, serverGroupMark, templateName, type InstanceTemplate } from './template.ts';

/** Clients and the zone a server group lives in. */
interface At { c: GceClients; zone: string }

const groupWhere = (at: At, name: string) => `managed instance group ${name} in ${at.zone}`;

async function findGroup(at: At, name: string): Promise<Group | undefined> {
  const out = await gceOrAbsent(`server group ${name}: ${groupWhere(at, name)}`,
    async () => (await at.c.get('groups')).get({ project: at.c.project, zone: at.zone, instanceGroupManager: name }, callOptions));
  return out?.[0];
}

async function findTemplate(at: At, name: string): Promise<InstanceTemplate | undefined> {
  const out = await gceOrAbsent(`server group ${name}: instance template ${templateName(name, at.zone)}`,
    async () => (await at.c.get('templates')).get({ project: at.c.project, instanceTemplate: templateName(name, at.zone) }, callOptions));
  return out?.[0];
}

const foreign = (at: At, group: Group, verb: string) => conflict(`server group ${group.name}: ${groupWhere(at, group.name!)} belongs to `
  + `${ownerOfMark(readMark(group.description))}, so Staysail will not ${verb} it; delete or rename that group, or give the server group another name`);

/** The group, which must exist (NotFound) and be Staysail's (Conflict): the only kind any verb changes. */
async function ourGroup(at: At, name: string, verb: string): Promise<Group> {
  const group = await findGroup(at, name);
  if (!group) throw notFound(`server group ${name}: there is no ${groupWhere(at, name)} to ${verb}`);
  if (!readMark(group.description)) throw foreign(at, group, verb);
  return group;
}

async function instancesOf(at: At, group: Group): Promise<ManagedInstance[]> {
  const [out] = await gce(`server group ${group.name}: the instances of ${groupWhere(at, group.name!)}`, async () => (await at.c.get('groups'))
    .listManagedInstances({ project: at.c.project, zone: at.zone, instanceGroupManager: group.name! }, callOptions));
  return out;
}

async function describeOf(at: At, group: Group): Promise<ServerGroupDescription> {
  const state = stateOf(group);
  const instances = await instancesOf(at, group);
  let health: Map<string, string>[] | undefined = [];
  if (state.enabled && state.loadBalancers.length) {
    const byLb = await backendServicesOf(at.c, state.loadBalancers);
    const services = [...byLb.values()];
    health = services.some((s) => !s.length) ? undefined : await Promise.all(services.flat().map((b) => healthIn(at.c, b, group.instanceGroup!)));
  }
  return describeGroup(group, instances, health);
}

/**
 * Patches the group with what change makes of it (undefined: it is so already), reading it again
 * when someone changed it meanwhile (a stale fingerprint); answers the group as it is afterwards.
 */
async function patchGroup(at: At, group: Group, what: string, change: (g: Group) => Group | undefined): Promise<Group> {
  let current = group;
  for (let attempt = 0; ; attempt++) {
    const body = change(current);
    if (!body) return current;
    try {
      await run(at.c, `server group ${group.name}: ${what}`, async () => (await at.c.get('groups')).patch({
        project: at.c.project, zone: at.zone, instanceGroupManager: group.name!,
        instanceGroupManagerResource: { ...body, fingerprint: current.fingerprint ?? null },
      }, callOptions));
      return await ourGroup(at, group.name!, what);
    } catch (err) {
      if (!isStaleFingerprint(err) || attempt >= 2) throw err;
      current = await ourGroup(at, group.name!, what);
    }
  }
}

const patchState = (at: At, group: Group, state: GroupState): Promise<Group> =>
  patchGroup(at, group, `recording ${JSON.stringify(state)}`, (g) => {
    const next = withState(g, state);
    return JSON.stringify(next) === JSON.stringify(withState(g, stateOf(g))) ? undefined : { allInstancesConfig: next };
  });

/** Names on its instance group the ports these backend services send to (port-8080 -> 8080), keeping the names it has. */
const ensureNamedPorts = (at: At, group: Group, services: readonly BackendService[]): Promise<Group> =>
  patchGroup(at, group, 'naming the ports its load balancers send to', (g) => {
    const have = g.namedPorts ?? [];
    const missing = [...new Set(services.map((b) => b.portName ?? ''))].filter((n) => /^port-\d+$/.test(n) && !have.some((p) => p.name === n))
      .map((name) => ({ name, port: Number(name.slice('port-'.length)) }));
    return missing.length ? { namedPorts: [...have, ...missing] } : undefined;
  });

/**
 * Makes its instance group a backend of exactly the backend services of these LoadBalancers among
 * those Staysail made in the namespace: names the ports they send to, joins the missing, then leaves
 * the others. Answers the group as it is afterwards.
 */
async function serveExactly(at: At, group: Group, loadBalancers: readonly string[]): Promise<Group> {
  const ig = group.instanceGroup!;
  const wanted = [...(await backendServicesOf(at.c, loadBalancers)).values()].flat();
  const want = new Set(wanted.map((b) => b.name!));
  const named = await ensureNamedPorts(at, group, wanted);
  const all = await ourBackendServices(at.c);
  for (const b of all) if (want.has(b.name!)) await setBackend(at.c, b, ig, true, `server group ${group.name}`);
  for (const b of all) if (!want.has(b.name!)) await setBackend(at.c, b, ig, false, `server group ${group.name}`);
  return named;
}

/** A group or template found under the request's name is the request's only when made for this owner from this template. */
function checkSame(at: At, what: string, description: string | null | undefined, req: CreateServerGroup): void {
  const mark = readMark(description);
  if (!mark || !isOwnedBy(mark, req.owner)) {
    throw conflict(`server group ${req.name}: ${what} in ${at.zone} belongs to ${ownerOfMark(mark)}, not to `
      + `${req.owner.kind}/${req.owner.namespace}/${req.owner.name} (uid ${req.owner.uid}); Staysail never changes what is not its own: give the server group another name`);
  }
  if (mark.templateHash !== req.templateHash) {
    throw conflict(`server group ${req.name} already exists in ${at.zone} from another template (hash ${mark.templateHash ?? 'none'}, not ${req.templateHash}); `
      + 'delete it to make it again from this template');
  }
}

/** The template, made unless a repeated create finds it; returns its URL. */
async function ensureTemplate(at: At, req: CreateServerGroup): Promise<string> {
  const name = templateName(req.name, at.zone);
  const existing = await findTemplate(at, req.name);
  if (existing) {
    checkSame(at, `instance template ${name}`, existing.description, req);
    return existing.selfLink ?? `projects/${at.c.project}/global/instanceTemplates/${name}`;
  }
  try {
    await run(at.c, `server group ${req.name}: creating instance template ${name}`, async () => (await at.c.get('templates')).insert({
      project: at.c.project, instanceTemplateResource: instanceTemplateOf(req, at.c.project, at.c.region, at.zone),
    }, callOptions));
  } catch (err) {
    if (!isProviderError(err, 'Conflict')) throw err; // made meanwhile: read below
  }
  const made = await findTemplate(at, req.name);
  if (!made) throw inProgress(`server group ${req.name}: instance template ${name} is being created`, 2_000);
  checkSame(at, `instance template ${name}`, made.description, req);
  return made.selfLink ?? `projects/${at.c.project}/global/instanceTemplates/${name}`;
}

async function create(at: At, req: CreateServerGroup): Promise<ServerGroupDescription> {
  // First a look-up: a repeated create (a crash before the caller wrote down that it made this) finds it.
  let group = await findGroup(at, req.name);
  if (!group) {
    const template = await ensureTemplate(at, req);
    const state: GroupState = { enabled: req.enabled, loadBalancers: req.loadBalancers, min: req.capacity.min, max: req.capacity.max };
    try {
      await run(at.c, `server group ${req.name}: creating ${groupWhere(at, req.name)}`, async () => (await at.c.get('groups')).insert({
        project: at.c.project, zone: at.zone, instanceGroupManagerResource: {
          name: req.name, description: describeMark(serverGroupMark(req), `Server group ${req.name}`), instanceTemplate: template,
          baseInstanceName: req.name.slice(0, 58).replace(/-+$/, ''), targetSize: req.capacity.desired, allInstancesConfig: withState(undefined, state),
        },
      }, callOptions));
    } catch (err) {
      if (!isProviderError(err, 'Conflict')) throw err; // made meanwhile: read below
    }
    group = await findGroup(at, req.name);
    if (!group) throw inProgress(`server group ${req.name}: ${groupWhere(at, req.name)} is being created`, 2_000);
  }
  checkSame(at, groupWhere(at, req.name), group.description, req);
  // Made enabled (or found so after a crash): it joins its load balancers now, as often as it takes.
  if (stateOf(group).enabled) group = await serveExactly(at, group, stateOf(group).loadBalancers);
  return describeOf(at, group);
}

async function destroy(at: At, name: string): Promise<void> {
  const group = await findGroup(at, name);
  if (group) {
    if (!readMark(group.description)) throw foreign(at, group, 'destroy');
    // Out of every backend service first: Compute refuses to delete an instance group a backend service names.
    await serveExactly(at, group, []);
    await run(at.c, `server group ${name}: deleting ${groupWhere(at, name)}`, async () => (await at.c.get('groups')).delete({
      project: at.c.project, zone: at.zone, instanceGroupManager: name }, callOptions)).catch((err: unknown) => {
      if (!isProviderError(err, 'NotFound')) throw err;
    });
    if (await findGroup(at, name)) throw inProgress(`server group ${name}: ${groupWhere(at, name)} is being deleted (its instances with it)`, 10_000);
  }
  // Its template goes once the group is gone (also when an earlier destroy stopped in between); someone else's stays.
  const template = await findTemplate(at, name);
  if (!template || !readMark(template.description)) return;
  await run(at.c, `server group ${name}: deleting instance template ${template.name}`, async () => (await at.c.get('templates')).delete({
    project: at.c.project, instanceTemplate: template.name! }, callOptions)).catch((err: unknown) => {
    if (!isProviderError(err, 'NotFound')) throw err;
  });
}

/** The server groups of a GCE Account, as zonal managed instance groups and instance templates. */
export function gceServerGroups(pool: GceClientPool): ServerGroupProvider {
  const at = async (a: ProviderAccount, l: Location): Promise<At> => {
    const region = regionOf(a, l);
    const zone = zoneOf(a, l, region);
    return { c: await pool.for(a, region), zone };
  };

  return {
    async describe(a, l, name) {
      const w = await at(a, l);
      const group = await findGroup(w, name);
      return group ? describeOf(w, group) : undefined;
    },

    async list(a, l, cluster) {
      const w = await at(a, l);
      const [groups] = await gce(`the server groups of cluster ${cluster} in ${w.zone}`,
        async () => (await w.c.get('groups')).list({ project: w.c.project, zone: w.zone }, callOptions));
      const ours = groups.filter((g) => { const m = readMark(g.description); return m?.cluster === cluster && m.owner.split('/')[1] === a.namespace; });
      return (await Promise.all(ours.map((g) => describeOf(w, g)))).sort(newestFirst);
    },

    async create(a, req) {
      return create(await at(a, req.location), req);
    },

    async resize(a, l, name, capacity) {
      const w = await at(a, l);
      const group = await ourGroup(w, name, 'resize');
      if (Number(group.targetSize ?? 0) !== capacity.desired) {
        await run(w.c, `server group ${name}: resizing to ${capacity.desired}`, async () => (await w.c.get('groups')).resize({
          project: w.c.project, zone: w.zone, instanceGroupManager: name, size: capacity.desired }, callOptions));
      }
      await patchState(w, (await findGroup(w, name)) ?? group, { ...stateOf(group), min: capacity.min, max: capacity.max });
    },

    async enable(a, l, name, loadBalancers) {
      const w = await at(a, l);
      const group = await ourGroup(w, name, 'enable');
      const state = { ...stateOf(group), ...(loadBalancers ? { loadBalancers } : {}) };
      const served = await serveExactly(w, group, state.loadBalancers);
      // Last: until it is recorded, the group still counts as disabled, and a cut-short enable is made again.
      await patchState(w, served, { ...state, enabled: true });
    },

    async disable(a, l, name) {
      const w = await at(a, l);
      const group = await ourGroup(w, name, 'disable');
      // Out of the backend services first: cut short, it still shows enabled and is disabled again.
      const served = await serveExactly(w, group, []);
      await patchState(w, served, { ...stateOf(group), enabled: false });
    },

    async setLoadBalancers(a, l, name, loadBalancers) {
      const w = await at(a, l);
      const group = await ourGroup(w, name, 'change the load balancers of');
      const state = stateOf(group);
      const served = state.enabled ? await serveExactly(w, group, loadBalancers) : group;
      await patchState(w, served, { ...state, loadBalancers: [...loadBalancers] });
    },

    async destroy(a, l, name) {
      await destroy(await at(a, l), name);
    },
  };
}
