// Server groups on GCE: a zonal or regional managed instance group (where it lives is the one
// difference, scope.ts) made from a global instance template, the group named as the server group
// (app-stack-detail-vNNN, as Clouddriver names them), both marked as Staysail's in their
// descriptions. Enabled means its instance group is a backend of every backend service of its
// LoadBalancers, and of no other backend service Staysail made; disabled, of none (its instances
// keep running, as Clouddriver disables a GCE server group). A group or template without
// Staysail's mark, or made for another namespace's object (the project may be shared, and a group's
// name is unique only in its zone or region), is never changed, adopted or deleted.
import { conflict, inProgress, isProviderError, notFound } from '../errors.ts';
import type { CreateServerGroup, Location, ProviderAccount, ServerGroupDescription, ServerGroupProvider } from '../interfaces.ts';
import { backendServicesOf, healthIn, ourBackendServices, setBackend, type BackendService } from './backends.ts';
import { callOptions, regionOf, type GceClientPool, type GceClients } from './clients.ts';
import { gce, gceOrAbsent, isStaleFingerprint } from './errors.ts';
import { describeMark, isOwnedBy, ownerOfMark, readMark, standingOf } from './marks.ts';
import { describeGroup, newestFirst, stateOf, withState, type Group, type GroupState, type ManagedInstance } from './mig-describe.ts';
import { run } from './operations.ts';
import { groupCalls, groupWhere, placement, placeOf, scopeOf, type GroupCalls, type Scope } from './scope.ts';
import { instanceTemplateOf, serverGroupMark, templateName, type InstanceTemplate } from './template.ts';

/** Clients, where a server group lives, and the group calls of that place. */
interface At { c: GceClients; scope: Scope; groups: GroupCalls }

async function findGroup(at: At, name: string): Promise<Group | undefined> {
  const out = await gceOrAbsent(`server group ${name}: ${groupWhere(at.scope, name)}`, () => at.groups.get(name));
  return out?.[0];
}

async function findTemplate(at: At, name: string): Promise<InstanceTemplate | undefined> {
  const template = templateName(name, placeOf(at.scope));
  const out = await gceOrAbsent(`server group ${name}: instance template ${template}`,
    async () => (await at.c.get('templates')).get({ project: at.c.project, instanceTemplate: template }, callOptions));
  return out?.[0];
}

/** Where a group or template found under the server group's name stands for the Account's namespace. */
const standing = (at: At, description: string | null | undefined, name: string) => standingOf(readMark(description), at.c.namespace, name);

/** Conflict: the group is not this namespace's server group of its name, so Staysail will not verb it. */
function foreign(at: At, group: Group, verb: string) {
  const mark = readMark(group.description);
  const whose = mark ? `${ownerOfMark(mark)}, not to a server group of namespace ${at.c.namespace}` : ownerOfMark(mark);
  return conflict(`server group ${group.name}: ${groupWhere(at.scope, group.name!)} belongs to ${whose}, so Staysail will not ${verb} it; `
    + 'delete or rename that group, or give the server group another name');
}

/** The group, which must exist (NotFound) and be this namespace's server group of that name (Conflict): the only kind any verb changes. */
async function ourGroup(at: At, name: string, verb: string): Promise<Group> {
  const group = await findGroup(at, name);
  if (!group) throw notFound(`server group ${name}: there is no ${groupWhere(at.scope, name)} to ${verb}`);
  if (standing(at, group.description, name) !== 'here') throw foreign(at, group, verb);
  return group;
}

async function instancesOf(at: At, group: Group): Promise<ManagedInstance[]> {
  const [out] = await gce(`server group ${group.name}: the instances of ${groupWhere(at.scope, group.name!)}`, () => at.groups.listManagedInstances(group.name!));
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
      await run(at.c, `server group ${group.name}: ${what}`, () => at.groups.patch(group.name!, { ...body, fingerprint: current.fingerprint ?? null }));
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
    throw conflict(`server group ${req.name}: ${what} belongs to ${ownerOfMark(mark)}, not to `
      + `${req.owner.kind}/${req.owner.namespace}/${req.owner.name} (uid ${req.owner.uid}); Staysail never changes what is not its own: give the server group another name`);
  }
  if (mark.templateHash !== req.templateHash) {
    throw conflict(`server group ${req.name} already exists in ${placeOf(at.scope)} from another template (hash ${mark.templateHash ?? 'none'}, not ${req.templateHash}); `
      + 'delete it to make it again from this template');
  }
}

/** The template, made unless a repeated create finds it; returns its URL. */
async function ensureTemplate(at: At, req: CreateServerGroup): Promise<string> {
  const name = templateName(req.name, placeOf(at.scope));
  const existing = await findTemplate(at, req.name);
  if (existing) {
    checkSame(at, `instance template ${name}`, existing.description, req);
    return existing.selfLink ?? `projects/${at.c.project}/global/instanceTemplates/${name}`;
  }
  try {
    await run(at.c, `server group ${req.name}: creating instance template ${name}`, async () => (await at.c.get('templates')).insert({
      project: at.c.project, instanceTemplateResource: instanceTemplateOf(req, at.c.project, at.c.region, placeOf(at.scope)),
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
      await run(at.c, `server group ${req.name}: creating ${groupWhere(at.scope, req.name)}`, () => at.groups.insert({
        name: req.name, description: describeMark(serverGroupMark(req), `Server group ${req.name}`), instanceTemplate: template,
        baseInstanceName: req.name.slice(0, 58).replace(/-+$/, ''), targetSize: req.capacity.desired, allInstancesConfig: withState(undefined, state),
        ...placement(at.scope, at.c.project),
      }));
    } catch (err) {
      if (!isProviderError(err, 'Conflict')) throw err; // made meanwhile: read below
    }
    group = await findGroup(at, req.name);
    if (!group) throw inProgress(`server group ${req.name}: ${groupWhere(at.scope, req.name)} is being created`, 2_000);
  }
  checkSame(at, groupWhere(at.scope, req.name), group.description, req);
  // Made enabled (or found so after a crash): it joins its load balancers now, as often as it takes.
  if (stateOf(group).enabled) group = await serveExactly(at, group, stateOf(group).loadBalancers);
  return describeOf(at, group);
}

/**
 * Deletes its group, then its template. A group or template another namespace's object made is left
 * as it is: the finalizer that calls this never deletes what is not its own, and lets the object go.
 */
async function destroy(at: At, name: string): Promise<void> {
  const group = await findGroup(at, name);
  if (group) {
    const where = standing(at, group.description, name);
    if (where === 'foreign') throw foreign(at, group, 'destroy');
    if (where === 'elsewhere') return;
    // Out of every backend service first: Compute refuses to delete an instance group a backend service names.
    await serveExactly(at, group, []);
    await run(at.c, `server group ${name}: deleting ${groupWhere(at.scope, name)}`, () => at.groups.delete(name)).catch((err: unknown) => {
      if (!isProviderError(err, 'NotFound')) throw err;
    });
    if (await findGroup(at, name)) throw inProgress(`server group ${name}: ${groupWhere(at.scope, name)} is being deleted (its instances with it)`, 10_000);
  }
  // Its template goes once the group is gone (also when an earlier destroy stopped in between); anyone else's stays.
  const template = await findTemplate(at, name);
  if (!template || standing(at, template.description, name) !== 'here') return;
  await run(at.c, `server group ${name}: deleting instance template ${template.name}`, async () => (await at.c.get('templates')).delete({
    project: at.c.project, instanceTemplate: template.name! }, callOptions)).catch((err: unknown) => {
    if (!isProviderError(err, 'NotFound')) throw err;
  });
}

/** The server groups of a GCE Account, as zonal or regional managed instance groups and instance templates. */
export function gceServerGroups(pool: GceClientPool): ServerGroupProvider {
  const at = async (a: ProviderAccount, l: Location): Promise<At> => {
    const region = regionOf(a, l);
    const where = scopeOf(l, region);
    const c = await pool.for(a, region);
    return { c, scope: where, groups: groupCalls(c, where) };
  };

  return {
    async describe(a, l, name) {
      const w = await at(a, l);
      const group = await findGroup(w, name);
      if (!group) return undefined;
      // Another namespace's server group of the name is not this one's: Conflict, naming whose it is, so nothing is made over it.
      if (standing(w, group.description, name) === 'elsewhere') throw foreign(w, group, 'act on');
      return describeOf(w, group);
    },

    async list(a, l, cluster) {
      const w = await at(a, l);
      const [groups] = await gce(`the server groups of cluster ${cluster} in ${placeOf(w.scope)}`, () => w.groups.list());
      const ours = groups.filter((g) => standing(w, g.description, g.name!) === 'here' && readMark(g.description)?.cluster === cluster);
      return (await Promise.all(ours.map((g) => describeOf(w, g)))).sort(newestFirst);
    },

    async create(a, req) {
      return create(await at(a, req.location), req);
    },

    async resize(a, l, name, capacity) {
      const w = await at(a, l);
      const group = await ourGroup(w, name, 'resize');
      if (Number(group.targetSize ?? 0) !== capacity.desired) {
        await run(w.c, `server group ${name}: resizing to ${capacity.desired}`, () => w.groups.resize(name, capacity.desired));
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
