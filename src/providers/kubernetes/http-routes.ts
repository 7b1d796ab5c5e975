// Weighted routes on Kubernetes (Gateway API v1): a LoadBalancer with spec.kubernetes.httpRoute has,
// beside its Service, an HTTPRoute of its name. Its one rule's backendRefs are one Service per server
// group with pods in traffic (<load balancer>-<server group>, selecting that server group's pods in
// traffic), weighted by the server groups' traffic weights (routeWeights) or, when none has one, by
// their counts of pods in traffic. The LoadBalancer writes the route's parents, host names and match;
// every change of a server group's traffic writes its backends again, in one write.
import { createHash } from 'node:crypto';
import type { LoadBalancerSpec } from '../../api/v1alpha1/load-balancer.ts';
import { isConflict, isNotFound } from '../../core/errors.ts';
import { invalid } from '../errors.ts';
import type { KubeClient, KubeObject, ResourceType } from '../../core/kube-client.ts';
import { isOurs, managedBy, ownerAnnotation, routeBackendLabel, serverGroupLabel, trafficLabel, trafficValue, trafficWeightAnnotation } from './labels.ts';

export const httpRoutes: ResourceType = { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', kind: 'HTTPRoute', namespaced: true };
export const services: ResourceType = { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true };
const podsResource: ResourceType = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true };
const replicaSetsResource: ResourceType = { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', namespaced: true };

type HttpRouteSpec = NonNullable<NonNullable<LoadBalancerSpec['kubernetes']>['httpRoute']>;
export interface BackendRef { name: string; port: number; weight: number }
interface Rule { matches?: unknown[]; backendRefs?: BackendRef[] }
export type HttpRoute = KubeObject<{ parentRefs?: unknown[]; hostnames?: string[]; rules?: Rule[] }>;
type Service = KubeObject<{ ports?: { name?: string; port: number; targetPort?: number | string; protocol?: string }[] }>;

/** The Service a route sends a server group's share to: <load balancer>-<server group>, hashed down to 63 characters when longer. */
export function backendServiceName(loadBalancer: string, serverGroup: string): string {
  const name = `${loadBalancer}-${serverGroup}`;
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, 54).replace(/-+$/, '')}-${hash}`;
}

/** A server group on a route: its pods in traffic, its traffic weight if it has one, and when it was made. */
export interface RouteMember { serverGroup: string; pods: number; weight?: number; createdAt: string }

/**
 * The weight of each member on the route. With no traffic weight anywhere, its pods in traffic (the
 * split a Service makes). Otherwise percentages: those with a weight take theirs, newest first, until
 * 100 is given (a red/black's new server group at 100 leaves 0 to the one it replaces); those without
 * share what is left by their pods, largest remainders first.
 */
export function routeWeights(members: RouteMember[]): Map<string, number> {
  if (members.every((m) => m.weight === undefined)) return new Map(members.map((m) => [m.serverGroup, m.pods]));
  const out = new Map<string, number>();
  let left = 100;
  const weighted = members.filter((m) => m.weight !== undefined)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.serverGroup.localeCompare(a.serverGroup));
  for (const m of weighted) { const w = Math.min(m.weight!, left); out.set(m.serverGroup, w); left -= w; }
  const rest = members.filter((m) => m.weight === undefined);
  const pods = rest.reduce((n, m) => n + m.pods, 0);
  const exact = rest.map((m) => ({ m, share: pods ? (left * m.pods) / pods : 0 }));
  let given = 0;
  for (const { m, share } of exact) { out.set(m.serverGroup, Math.floor(share)); given += Math.floor(share); }
  const byRemainder = [...exact].sort((a, b) => (b.share % 1) - (a.share % 1) || a.m.serverGroup.localeCompare(b.m.serverGroup));
  for (const { m } of byRemainder.slice(0, pods ? left - given : 0)) out.set(m.serverGroup, out.get(m.serverGroup)! + 1);
  return out;
}

/** The route's backends: one per server group with pods in traffic of the load balancer, weighted by routeWeights, by name. */
export function routeBackends(loadBalancer: string, members: RouteMember[], port: number): BackendRef[] {
  const weights = routeWeights(members);
  return [...members].sort((a, b) => a.serverGroup.localeCompare(b.serverGroup))
    .map((m) => ({ name: backendServiceName(loadBalancer, m.serverGroup), port, weight: weights.get(m.serverGroup)! }));
}

/** The server groups with pods in traffic of the load balancer, with their traffic weights from their ReplicaSets. */
async function routeMembers(client: KubeClient, ns: string, loadBalancer: string, pods: KubeObject[]): Promise<RouteMember[]> {
  const counts = new Map<string, number>();
  for (const p of pods) {
    const sg = p.metadata.labels?.[serverGroupLabel];
    if (!sg || p.metadata.deletionTimestamp || p.metadata.labels?.[trafficLabel(loadBalancer)] !== trafficValue) continue;
    counts.set(sg, (counts.get(sg) ?? 0) + 1);
  }
  const members: RouteMember[] = [];
  for (const [serverGroup, n] of counts) {
    const rs = await getOrUndefined<KubeObject>(client, replicaSetsResource, ns, serverGroup);
    const weight = rs?.metadata.annotations?.[trafficWeightAnnotation];
    members.push({ serverGroup, pods: n, createdAt: rs?.metadata.creationTimestamp ?? '', ...(weight !== undefined ? { weight: Number(weight) } : {}) });
  }
  return members;
}

/** The route's match, from the LoadBalancer's spec. */
export const routeMatches = (spec: HttpRouteSpec) => [{ path: { type: 'PathPrefix', value: spec.pathPrefix ?? '/' } }];

/** The HTTPRoute of a LoadBalancer, as the LoadBalancer says: its parents, host names and match (backends are written by syncRouteBackends). */
export function routeFor(ns: string, name: string, spec: HttpRouteSpec, metadata: Pick<KubeObject['metadata'], 'annotations' | 'ownerReferences'>): HttpRoute {
  return { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute',
    metadata: { name, namespace: ns, labels: { ...managedBy }, ...metadata },
    spec: { parentRefs: spec.parentRefs.map((p) => ({ group: 'gateway.networking.k8s.io', kind: 'Gateway', ...p })),
      ...(spec.hostnames?.length ? { hostnames: spec.hostnames } : {}), rules: [{ matches: routeMatches(spec), backendRefs: [] }] } };
}

const getOrUndefined = async <T extends KubeObject>(client: KubeClient, rt: ResourceType, ns: string, name: string): Promise<T | undefined> =>
  client.get<T>(rt, ns, name).catch((err: unknown) => { if (isNotFound(err)) return undefined; throw err; });

/** What of a backend the route's writer decides: the API server stores group and kind too (their defaults), which are no change. */
const decided = (refs: BackendRef[] | undefined): BackendRef[] => (refs ?? []).map(({ name, port, weight }) => ({ name, port, weight }));

/** The port a route sends to: the load balancer's first TCP one (HTTP runs on TCP; the API refuses a route with none). */
export const routePort = (ports: { port: number; protocol?: string }[]): number | undefined => ports.find((p) => (p.protocol ?? 'TCP') === 'TCP')?.port;

/** How many times a write of the route's backends is tried again after another writer changed the route in between. */
const routeWriteAttempts = 5;

/**
 * Writes the backends of the load balancer's HTTPRoute from its pods in traffic now, in one write
 * (none when they are already so): each server group's Service made first (owned as the route is, so
 * it goes with the LoadBalancer), those of server groups no longer in traffic deleted after. The
 * write carries the route's resourceVersion: when another writer changed the route since it was read
 * (the LoadBalancer, another server group), it is read and computed again, so no write is lost. A
 * load balancer without a route of ours (or a cluster without the Gateway API) is left alone; a
 * Service of a backend's name that is not the LoadBalancer's is refused, never taken over. `leaving`:
 * a server group about to leave traffic, written out of the route before its pods lose their labels,
 * so that the route never sends to a Service with no endpoints.
 */
export async function syncRouteBackends(client: KubeClient, ns: string, loadBalancer: string, leaving?: string): Promise<BackendRef[] | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await syncRouteBackendsOnce(client, ns, loadBalancer, leaving);
    } catch (err) {
      if (!isConflict(err) || attempt >= routeWriteAttempts) throw err;
    }
  }
}

/** Makes the Service a route sends a server group's share to (owned as the route is); a Service of its name that is not the LoadBalancer's is refused. */
async function applyBackendService(client: KubeClient, route: HttpRoute, loadBalancer: string, sg: string, ports: NonNullable<Service['spec']>['ports'] & object) {
  const ns = route.metadata.namespace!;
  const name = backendServiceName(loadBalancer, sg);
  if (!isOurs(await getOrUndefined<Service>(client, services, ns, name), 'LoadBalancer', loadBalancer)) {
    throw invalid(`Service "${name}" already exists in namespace "${ns}" and is not LoadBalancer "${loadBalancer}"'s, which sends server group ${sg}'s `
      + `share of HTTPRoute "${loadBalancer}" to a Service of that name; rename or remove the Service`);
  }
  await client.apply(services, { apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace: ns, labels: { ...managedBy, [routeBackendLabel]: loadBalancer, [serverGroupLabel]: sg },
      annotations: { [ownerAnnotation]: route.metadata.annotations?.[ownerAnnotation] ?? '' }, ownerReferences: route.metadata.ownerReferences ?? [] },
    spec: { type: 'ClusterIP', selector: { [serverGroupLabel]: sg, [trafficLabel(loadBalancer)]: trafficValue },
      ports: ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol ?? 'TCP' })) } } as KubeObject,
  'staysail', { force: true });
}

/** The load balancer's HTTPRoute when it is ours; undefined when there is none, it is someone else's, or the Gateway API is not installed. */
async function ourRoute(client: KubeClient, ns: string, loadBalancer: string): Promise<HttpRoute | undefined> {
  let route: HttpRoute | undefined;
  try {
    route = await getOrUndefined<HttpRoute>(client, httpRoutes, ns, loadBalancer);
  } catch (err) {
    if ((err as { status?: number }).status === 404) return undefined; // the Gateway API is not installed
    throw err;
  }
  return route && isOurs(route, 'LoadBalancer', loadBalancer) ? route : undefined;
}

/** Deletes the backend Services of the load balancer's route that are ours and no longer among `backends`. */
async function deleteStaleBackends(client: KubeClient, ns: string, loadBalancer: string, backends: BackendRef[]): Promise<void> {
  const made = await client.list<KubeObject>(services, ns, { labelSelector: `${routeBackendLabel}=${loadBalancer}` });
  for (const svc of made.items) {
    if (backends.some((b) => b.name === svc.metadata.name) || !isOurs(svc, 'LoadBalancer', loadBalancer)) continue;
    try { await client.delete(services, ns, svc.metadata.name); } catch (err) { if (!isNotFound(err)) throw err; }
  }
}

async function syncRouteBackendsOnce(client: KubeClient, ns: string, loadBalancer: string, leaving: string | undefined): Promise<BackendRef[] | undefined> {
  const route = await ourRoute(client, ns, loadBalancer);
  if (!route) return undefined;
  const front = await getOrUndefined<Service>(client, services, ns, loadBalancer);
  const ports = front?.spec?.ports ?? [];
  const port = routePort(ports);
  if (port === undefined) return undefined; // the LoadBalancer's Service comes first
  const live = await client.list<KubeObject>(podsResource, ns, { labelSelector: `${trafficLabel(loadBalancer)}=${trafficValue}` });
  const members = (await routeMembers(client, ns, loadBalancer, live.items)).filter((m) => m.serverGroup !== leaving);
  const backends = routeBackends(loadBalancer, members, port);
  for (const b of backends) {
    await applyBackendService(client, route, loadBalancer, members.find((m) => backendServiceName(loadBalancer, m.serverGroup) === b.name)!.serverGroup, ports);
  }
  const rule = route.spec?.rules?.[0] ?? {};
  if (JSON.stringify(decided(rule.backendRefs)) !== JSON.stringify(backends)) {
    await client.mergePatch(httpRoutes, ns, loadBalancer, { metadata: { resourceVersion: route.metadata.resourceVersion },
      spec: { rules: [{ ...(rule.matches ? { matches: rule.matches } : {}), backendRefs: backends }] } });
  }
  await deleteStaleBackends(client, ns, loadBalancer, backends);
  return backends;
}
