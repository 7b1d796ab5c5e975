// Load balancers on Kubernetes: a Service, applied server-side (Staysail owns only the fields it
// sends), selecting the traffic label that enabled server groups carry; with spec.kubernetes.httpRoute
// also a Gateway API HTTPRoute weighted by server group (http-routes.ts).
import type { LoadBalancerSpec } from '../../api/v1alpha1/load-balancer.ts';
import { isNotFound } from '../../core/errors.ts';
import type { KubeClient, KubeObject, ResourceType } from '../../core/kube-client.ts';
import type { LoadBalancerDescription, LoadBalancerProvider, Location, Owner, ProviderAccount } from '../interfaces.ts';
import { namespaceOf } from './namespace.ts';
import { ownerReferences } from './owners.ts';
import { isOurs, managedBy, ownerAnnotation, routeBackendLabel, serverGroupLabel, trafficLabel, trafficValue } from './labels.ts';
import { httpRoutes, routeFor, syncRouteBackends, type HttpRoute } from './http-routes.ts';
import { invalid, isProviderError } from '../errors.ts';
import { pods, typed, type ClientFor } from './server-groups.ts';

const services: ResourceType = { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true };
const endpointSlices: ResourceType = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true };
const fieldManager = 'staysail';

type Service = KubeObject<{ clusterIP?: string }, { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } }>;
type Slice = KubeObject & { endpoints?: { conditions?: { ready?: boolean } }[] };


const existing = async (client: KubeClient, ns: string, name: string) =>
  client.get<Service>(services, ns, name).catch((err: unknown) => { if (isNotFound(err)) return undefined; throw err; });

/** Removes the LoadBalancer's HTTPRoute and the Services it sends to, when they are ours. */
async function removeRoute(client: KubeClient, ns: string, name: string): Promise<void> {
  let route: HttpRoute | undefined;
  try {
    route = await client.get<HttpRoute>(httpRoutes, ns, name);
  } catch (err) {
    if (isNotFound(err)) return; // none, or the Gateway API is not installed
    throw err;
  }
  if (!isOurs(route, 'LoadBalancer', name)) return;
  try { await client.delete(httpRoutes, ns, name); } catch (err) { if (!isNotFound(err)) throw err; }
  for (const svc of (await client.list<KubeObject>(services, ns, { labelSelector: `${routeBackendLabel}=${name}` })).items) {
    if (!isOurs(svc, 'LoadBalancer', name)) continue; // someone else's Service carrying the label
    try { await client.delete(services, ns, svc.metadata.name); } catch (err) { if (!isNotFound(err)) throw err; }
  }
}

/** Whether all that `want` says is in `have` (which may hold more: the API server's defaults); lists item by item, of the same length. */
function within(want: unknown, have: unknown): boolean {
  if (Array.isArray(want)) return Array.isArray(have) && have.length === want.length && want.every((w, i) => within(w, have[i]));
  if (want && typeof want === 'object') {
    return !!have && typeof have === 'object' && Object.entries(want).every(([k, v]) => within(v, (have as Record<string, unknown>)[k]));
  }
  return want === have;
}

/** Whether the route already says all the LoadBalancer would write (host names compared whole: one removed is a change). */
const upToDate = (route: HttpRoute, current: HttpRoute) =>
  within(route, current) && JSON.stringify(current.spec?.hostnames ?? []) === JSON.stringify(route.spec?.hostnames ?? []);

/** How many times the route is written again after another writer changed it between its read and the write. */
const routeWriteAttempts = 5;

/**
 * Makes the LoadBalancer's HTTPRoute as its spec says, keeping the backends it has, then writes those
 * from the pods in traffic. The write is made only when something differs, and carries the route's
 * resourceVersion: when a server group rewrote the backends in between, it is read and made again,
 * so the backends it keeps are never stale.
 */
async function upsertRoute(client: KubeClient, ns: string, name: string, spec: LoadBalancerSpec, metadata: Pick<KubeObject['metadata'], 'annotations' | 'ownerReferences'>) {
  for (let attempt = 1; ; attempt++) {
    try {
      await writeRoute(client, ns, name, spec, metadata);
      break;
    } catch (err) {
      // Written in between (a Conflict): read again.
      if (!isProviderError(err, 'Conflict') || attempt >= routeWriteAttempts) throw err;
    }
  }
  await syncRouteBackends(client, ns, name);
}

async function writeRoute(client: KubeClient, ns: string, name: string, spec: LoadBalancerSpec, metadata: Pick<KubeObject['metadata'], 'annotations' | 'ownerReferences'>) {
  const httpRoute = spec.kubernetes!.httpRoute!;
  let current: HttpRoute | undefined;
  try {
    current = await client.get<HttpRoute>(httpRoutes, ns, name);
  } catch (err) {
    if (!isNotFound(err)) throw err; // absent, or the Gateway API is not installed (the apply below says which)
  }
  if (current && !isOurs(current, 'LoadBalancer', name)) {
    throw invalid(`HTTPRoute "${name}" already exists in namespace "${ns}" and is not LoadBalancer "${name}"'s; rename the LoadBalancer or remove the HTTPRoute`);
  }
  const route = routeFor(ns, name, httpRoute, metadata);
  route.spec!.rules![0]!.backendRefs = current?.spec?.rules?.[0]?.backendRefs ?? [];
  if (current && upToDate(route, current)) return;
  if (current) route.metadata.resourceVersion = current.metadata.resourceVersion;
  try {
    await typed(`load balancer ${name}: HTTPRoute`, () => client.apply(httpRoutes, route, fieldManager, { force: true }));
  } catch (err) {
    if (!isProviderError(err, 'NotFound')) throw err;
    throw invalid(`LoadBalancer "${name}" sets spec.kubernetes.httpRoute, but the cluster serves no gateway.networking.k8s.io/v1 HTTPRoute: `
      + 'install the Gateway API\'s CRDs (standard channel), or remove spec.kubernetes.httpRoute');
  }
}

export function kubernetesLoadBalancers(clientFor: ClientFor): LoadBalancerProvider {
  const describe = async (a: ProviderAccount, l: Location, name: string): Promise<LoadBalancerDescription | undefined> => {
    const client = await clientFor(a);
    const ns = namespaceOf(a, l);
    let svc: Service;
    try { svc = await client.get<Service>(services, ns, name); } catch (err) { if (isNotFound(err)) return undefined; throw err; }
    const slices = await client.list<Slice>(endpointSlices, ns, { labelSelector: `kubernetes.io/service-name=${name}` });
    const healthy = slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready).length;
    const members = await client.list<KubeObject>(pods, ns, { labelSelector: `${trafficLabel(name)}=${trafficValue}` });
    const serverGroups = [...new Set(members.items.map((p) => p.metadata.labels?.[serverGroupLabel]).filter((x): x is string => !!x))].sort();
    const ingress = svc.status?.loadBalancer?.ingress?.[0];
    return { name, serverGroups, healthyEndpoints: healthy, providerId: `${ns}/services/${name}`,
      address: ingress?.hostname ?? ingress?.ip ?? svc.spec?.clusterIP };
  };

  return {
    describe,
    async upsert(a, l, name, spec: LoadBalancerSpec, owner: Owner) {
      const client = await clientFor(a);
      const ns = namespaceOf(a, l);
      if (!isOurs(await existing(client, ns, name), owner.kind, owner.name)) {
        throw invalid(`Service "${name}" already exists in namespace "${ns}" and is not ${owner.kind} "${owner.name}"'s; rename the ${owner.kind} or remove the Service`);
      }
      await typed(`load balancer ${name}`, () => client.apply(services, {
        metadata: { name, namespace: ns, labels: { ...managedBy }, annotations: { [ownerAnnotation]: `${owner.kind}/${owner.name}/${owner.uid}` },
          ownerReferences: ownerReferences(a, ns, owner) },
        spec: {
          type: spec.type === 'external' ? 'LoadBalancer' : 'ClusterIP',
          selector: { [trafficLabel(name)]: trafficValue },
          ports: spec.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port, targetPort: p.targetPort ?? p.port,
            protocol: p.protocol === 'UDP' ? 'UDP' : 'TCP' })),
        },
      } as KubeObject, fieldManager, { force: true }));
      const metadata = { annotations: { [ownerAnnotation]: `${owner.kind}/${owner.name}/${owner.uid}` }, ownerReferences: ownerReferences(a, ns, owner) };
      if (spec.kubernetes?.httpRoute) await upsertRoute(client, ns, name, spec, metadata);
      else await removeRoute(client, ns, name);
      return (await describe(a, l, name))!;
    },
    async delete(a, l, name) {
      const client = await clientFor(a);
      const ns = namespaceOf(a, l);
      await removeRoute(client, ns, name);
      if (!isOurs(await existing(client, ns, name), 'LoadBalancer', name)) return; // someone else's Service of that name
      try { await client.delete(services, ns, name); } catch (err) { if (!isNotFound(err)) throw err; }
    },
  };
}
