// Load balancers on Kubernetes: a Service, applied server-side (Staysail owns only the fields it
// sends), selecting the traffic label that enabled server groups carry.
import type { LoadBalancerSpec } from '../../api/v1alpha1/load-balancer.ts';
import { isNotFound } from '../../core/errors.ts';
import type { KubeClient, KubeObject, ResourceType } from '../../core/kube-client.ts';
import type { LoadBalancerDescription, LoadBalancerProvider, Location, Owner, ProviderAccount } from '../interfaces.ts';
import { namespaceOf } from './namespace.ts';
import { ownerReferences } from './owners.ts';
import { isOurs, managedBy, ownerAnnotation, serverGroupLabel, trafficLabel, trafficValue } from './labels.ts';
import { invalid } from '../errors.ts';
import { pods, typed, type ClientFor } from './server-groups.ts';

const services: ResourceType = { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true };
const endpointSlices: ResourceType = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true };
const fieldManager = 'staysail';

type Service = KubeObject<{ clusterIP?: string }, { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } }>;
type Slice = KubeObject & { endpoints?: { conditions?: { ready?: boolean } }[] };


const existing = async (client: KubeClient, ns: string, name: string) =>
  client.get<Service>(services, ns, name).catch((err: unknown) => { if (isNotFound(err)) return undefined; throw err; });

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
      return (await describe(a, l, name))!;
    },
    async delete(a, l, name) {
      const client = await clientFor(a);
      const ns = namespaceOf(a, l);
      if (!isOurs(await existing(client, ns, name), 'LoadBalancer', name)) return; // someone else's Service of that name
      try { await client.delete(services, ns, name); } catch (err) { if (!isNotFound(err)) throw err; }
    },
  };
}
