// LoadBalancers on GCE (load-balancer-plan.ts says what each is): a global health check and a
// global backend service per port, and for external ones a target TCP proxy and global forwarding
// rule per port, all marked as the LoadBalancer's. Server groups join by becoming backends of its
// backend services (server-groups.ts). What Staysail did not make for this LoadBalancer is never
// modified or deleted: an upsert that meets it is a Conflict, a delete leaves it.
import { invalid, isProviderError } from '../errors.ts';
import type { LoadBalancerDescription, LoadBalancerProvider, Location, Owner, ProviderAccount } from '../interfaces.ts';
import { healthIn, ourBackendServices, type BackendService } from './backends.ts';
import { callOptions, regionOf, type GceClientPool, type GceClients } from './clients.ts';
import { gceOrAbsent } from './errors.ts';
import { describeMark, isMadeFor, markOf, readMark, refuseUnlessOwned } from './marks.ts';
import { resourcePath } from './mig-describe.ts';
import { lastSegment, run } from './operations.ts';
import {
  backendServiceDiffers, backendServiceOf, forwardingRuleLabels, healthCheckDiffers, healthCheckName, planLoadBalancer, portResourceName,
  type LoadBalancerPlan, type PortPlan,
} from './load-balancer-plan.ts';

const kind = 'LoadBalancer';
const fix = `delete it, or give the ${kind} another name`;
const samePath = (a?: string | null, b?: string | null) => resourcePath(a) === resourcePath(b);
const globalPath = (c: GceClients, collection: string, name: string) => `projects/${c.project}/global/${collection}/${name}`;
const ignoreNotFound = (err: unknown) => { if (!isProviderError(err, 'NotFound')) throw err; };

const getHealthCheck = (c: GceClients, name: string) => gceOrAbsent(`health check ${name}`,
  async () => (await c.get('healthChecks')).get({ project: c.project, healthCheck: name }, callOptions)).then((r) => r?.[0]);
const getBackendService = (c: GceClients, name: string) => gceOrAbsent(`backend service ${name}`,
  async () => (await c.get('backends')).get({ project: c.project, backendService: name }, callOptions)).then((r) => r?.[0]);
const getProxy = (c: GceClients, name: string) => gceOrAbsent(`target TCP proxy ${name}`,
  async () => (await c.get('tcpProxies')).get({ project: c.project, targetTcpProxy: name }, callOptions)).then((r) => r?.[0]);
const getForwardingRule = (c: GceClients, name: string) => gceOrAbsent(`forwarding rule ${name}`,
  async () => (await c.get('forwardingRules')).get({ project: c.project, forwardingRule: name }, callOptions)).then((r) => r?.[0]);

/** Inserts a resource unless it is there; a resource found (before, or made meanwhile) must be owner's. Returns what is there. */
async function ensure<T extends { description?: string | null }>(owner: Owner, what: string, get: () => Promise<T | undefined>,
  insert: () => Promise<void>): Promise<T> {
  const found = await get();
  if (found) { refuseUnlessOwned(readMark(found.description), owner, what, fix); return found; }
  await insert().catch((err: unknown) => { if (!isProviderError(err, 'Conflict')) throw err; });
  const made = await get();
  if (!made) throw invalid(`${kind} "${owner.name}": ${what} was created and is not there; look at the project's operations`);
  refuseUnlessOwned(readMark(made.description), owner, what, fix);
  return made;
}

async function ensureHealthCheck(c: GceClients, plan: LoadBalancerPlan, owner: Owner): Promise<string> {
  const want = plan.healthCheck;
  const what = `health check ${want.name}`;
  const hc = await ensure(owner, what, () => getHealthCheck(c, want.name!), () => run(c, `creating ${what}`,
    async () => (await c.get('healthChecks')).insert({ project: c.project, healthCheckResource: want }, callOptions)));
  if (healthCheckDiffers(hc, want)) {
    await run(c, `updating ${what}`, async () => (await c.get('healthChecks')).patch({ project: c.project, healthCheck: want.name!,
      healthCheckResource: { ...want, name: hc.name! } }, callOptions));
  }
  return hc.selfLink ?? globalPath(c, 'healthChecks', want.name!);
}

/** What an upsert works from. */
interface Upsert { c: GceClients; name: string; plan: LoadBalancerPlan; owner: Owner; hcUrl: string }

async function ensureBackendService({ c, name, plan, owner, hcUrl }: Upsert, port: PortPlan): Promise<BackendService> {
  const want = backendServiceOf(name, port, plan, owner, hcUrl);
  const what = `backend service ${port.gceName}`;
  const bs = await ensure(owner, what, () => getBackendService(c, port.gceName), () => run(c, `creating ${what}`,
    async () => (await c.get('backends')).insert({ project: c.project, backendServiceResource: want }, callOptions)));
  if (bs.loadBalancingScheme !== plan.scheme) {
    throw invalid(`${kind} "${name}": spec.type asks for a ${plan.scheme} backend service, and ${what} is ${bs.loadBalancingScheme}; `
      + 'Compute cannot change that in place: delete the LoadBalancer and create it again, or put spec.type back');
  }
  if (backendServiceDiffers(bs, want, samePath)) {
    await run(c, `updating ${what}`, async () => (await c.get('backends')).patch({ project: c.project, backendService: port.gceName,
      backendServiceResource: { protocol: want.protocol, portName: want.portName, healthChecks: want.healthChecks, fingerprint: bs.fingerprint ?? null } }, callOptions));
  }
  return bs;
}

/** An external port's target TCP proxy and forwarding rule. */
async function ensureFront(c: GceClients, name: string, port: PortPlan, owner: Owner, bs: BackendService): Promise<void> {
  const description = describeMark(markOf(owner, name, { port: port.port }), `Port ${port.port} of LoadBalancer ${owner.namespace}/${name}`);
  const proxy = await ensure(owner, `target TCP proxy ${port.gceName}`, () => getProxy(c, port.gceName), () => run(c, `creating target TCP proxy ${port.gceName}`,
    async () => (await c.get('tcpProxies')).insert({ project: c.project, targetTcpProxyResource: {
      name: port.gceName, description, service: bs.selfLink ?? globalPath(c, 'backendServices', port.gceName) } }, callOptions)));
  await ensure(owner, `forwarding rule ${port.gceName}`, () => getForwardingRule(c, port.gceName), () => run(c, `creating forwarding rule ${port.gceName}`,
    async () => (await c.get('forwardingRules')).insert({ project: c.project, forwardingRuleResource: {
      name: port.gceName, description, target: proxy.selfLink ?? globalPath(c, 'targetTcpProxies', port.gceName), portRange: String(port.port),
      IPProtocol: 'TCP', loadBalancingScheme: 'EXTERNAL_MANAGED', labels: forwardingRuleLabels(owner) } }, callOptions)));
}

/** Deletes the forwarding rule and proxy of a port, when made for this LoadBalancer (namespace, name). */
async function deleteFront(c: GceClients, namespace: string, name: string, resource: string): Promise<void> {
  const fr = await getForwardingRule(c, resource);
  if (fr && isMadeFor(readMark(fr.description), kind, namespace, name)) {
    await run(c, `deleting forwarding rule ${resource}`, async () => (await c.get('forwardingRules')).delete({ project: c.project, forwardingRule: resource }, callOptions))
      .catch(ignoreNotFound);
  }
  const proxy = await getProxy(c, resource);
  if (proxy && isMadeFor(readMark(proxy.description), kind, namespace, name)) {
    await run(c, `deleting target TCP proxy ${resource}`, async () => (await c.get('tcpProxies')).delete({ project: c.project, targetTcpProxy: resource }, callOptions))
      .catch(ignoreNotFound);
  }
}

async function deleteBackendService(c: GceClients, namespace: string, name: string, bs: BackendService): Promise<void> {
  await deleteFront(c, namespace, name, bs.name!);
  await run(c, `deleting backend service ${bs.name}`, async () => (await c.get('backends')).delete({ project: c.project, backendService: bs.name! }, callOptions))
    .catch(ignoreNotFound);
}

/** The backend services made for this LoadBalancer. */
const servicesOf = async (c: GceClients, namespace: string, name: string) =>
  (await ourBackendServices(c)).filter((b) => isMadeFor(readMark(b.description), kind, namespace, name));

async function describeLoadBalancer(c: GceClients, namespace: string, name: string): Promise<LoadBalancerDescription | undefined> {
  const services = (await servicesOf(c, namespace, name)).sort((a, b) => (readMark(a.description)?.port ?? 0) - (readMark(b.description)?.port ?? 0));
  if (!services.length) return undefined;
  const groups = [...new Set(services.flatMap((b) => (b.backends ?? []).map((x) => x.group!).filter(Boolean)))];
  const healthy = new Set<string>();
  for (const b of services) {
    for (const g of b.backends ?? []) {
      for (const [instance, state] of await healthIn(c, b, g.group!)) if (state === 'HEALTHY') healthy.add(instance);
    }
  }
  const firstPort = readMark(services[0]!.description)?.port;
  const front = firstPort === undefined ? undefined : await getForwardingRule(c, portResourceName(name, firstPort));
  const address = front && isMadeFor(readMark(front.description), kind, namespace, name) ? front.IPAddress ?? undefined : undefined;
  return { name, ...(address ? { address } : {}), serverGroups: [...new Set(groups.map(lastSegment))].sort(), healthyEndpoints: healthy.size,
    providerId: services[0]!.selfLink ?? globalPath(c, 'backendServices', services[0]!.name!) };
}

/** The backend services, health checks and (external) fronts of LoadBalancers. */
export function gceLoadBalancers(pool: GceClientPool): LoadBalancerProvider {
  const clients = (a: ProviderAccount, l: Location) => pool.for(a, regionOf(a, l));
  return {
    async describe(a, l, name) {
      return describeLoadBalancer(await clients(a, l), a.namespace, name);
    },

    async upsert(a, l, name, spec, owner) {
      const c = await clients(a, l);
      const plan = planLoadBalancer(name, spec, owner);
      const u: Upsert = { c, name, plan, owner, hcUrl: await ensureHealthCheck(c, plan, owner) };
      for (const port of plan.ports) {
        const bs = await ensureBackendService(u, port);
        if (plan.external) await ensureFront(c, name, port, owner, bs);
        else await deleteFront(c, a.namespace, name, port.gceName);
      }
      // Ports the spec no longer names: their front, then their backend service.
      const planned = new Set(plan.ports.map((p) => p.gceName));
      for (const bs of await servicesOf(c, a.namespace, name)) if (!planned.has(bs.name!)) await deleteBackendService(c, a.namespace, name, bs);
      return (await describeLoadBalancer(c, a.namespace, name))!;
    },

    /**
     * Deletes what Staysail made for this LoadBalancer: each port's front and backend service, then
     * the health check (Compute refuses to delete one a backend service still names). Resources of
     * these names that are not this LoadBalancer's are left as they are.
     */
    async delete(a, l, name) {
      const c = await clients(a, l);
      for (const bs of await servicesOf(c, a.namespace, name)) await deleteBackendService(c, a.namespace, name, bs);
      const hc = await getHealthCheck(c, healthCheckName(name));
      if (hc && isMadeFor(readMark(hc.description), kind, a.namespace, name)) {
        await run(c, `deleting health check ${hc.name}`, async () => (await c.get('healthChecks')).delete({ project: c.project, healthCheck: hc.name! }, callOptions))
          .catch(ignoreNotFound);
      }
    },
  };
}
