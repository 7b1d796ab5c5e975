// Server groups on Kubernetes: a ReplicaSet named app-stack-detail-vNNN. Enabled means the labels its
// load balancers' Services select are on the ReplicaSet's pod template and on every live pod of it
// (so enabling and disabling move traffic without restarting anything), as Spinnaker does. A share
// out of traffic (a rolling red/black step) takes the labels off that many live pods, those already out
// first, then unready ones, then by name; pods made from the template carry them, so describe says
// unsettled until a replaced pod is counted in, as it does for any pod whose labels are not as recorded.
import { parseServerGroupName } from '../../api/moniker.ts';
import type { Capacity } from '../../api/v1alpha1/common.ts';
import { ApiError, isNotFound } from '../../core/errors.ts';
import type { KubeClient, KubeObject, ResourceType } from '../../core/kube-client.ts';
import { conflict, invalid, isProviderError, notFound } from '../errors.ts';
import type { CreateServerGroup, Location, ProviderAccount, ServerGroupDescription, ServerGroupProvider } from '../interfaces.ts';
import { syncRouteBackends } from './http-routes.ts';
import { namespaceOf } from './namespace.ts';
import { ownerReferences } from './owners.ts';
import { capacityAnnotation, clusterLabel, disabledPercentageAnnotation, enabledAnnotation, trafficWeightAnnotation, loadBalancersAnnotation, managedBy, ownerAnnotation, securityGroupLabel,
  sequenceLabel, serverGroupLabel, templateHashAnnotation, trafficLabel, trafficLabelPrefix, trafficValue } from './labels.ts';

export const replicaSets: ResourceType = { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', namespaced: true };
export const pods: ResourceType = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true };

type PodTemplate = { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown> };
type ReplicaSet = KubeObject<{ replicas?: number; selector: { matchLabels: Record<string, string> }; template: PodTemplate },
  { replicas?: number; readyReplicas?: number }>;

/** How the provider reaches an account's cluster. */
export type ClientFor = (account: ProviderAccount) => Promise<KubeClient>;


/** Turns API errors into the provider's typed errors. */
export async function typed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (err.status === 404) throw notFound(`${what}: ${err.message}`);
    if (err.status === 409) throw conflict(`${what}: ${err.message}`);
    if (err.status === 422 || err.status === 400) throw invalid(`${what}: ${err.message}`);
    throw err;
  }
}

function describe(rs: ReplicaSet): ServerGroupDescription {
  const a = rs.metadata.annotations ?? {};
  const parsed = parseServerGroupName(rs.metadata.name);
  const saved = a[capacityAnnotation] ? JSON.parse(a[capacityAnnotation]) as Capacity : undefined;
  const desired = rs.spec?.replicas ?? 0;
  return {
    name: rs.metadata.name,
    cluster: rs.metadata.labels?.[clusterLabel] ?? parsed.cluster,
    sequence: Number(rs.metadata.labels?.[sequenceLabel] ?? parsed.sequence ?? 0),
    createdAt: rs.metadata.creationTimestamp ?? '',
    enabled: a[enabledAnnotation] === 'true',
    capacity: { min: Math.min(saved?.min ?? desired, desired), max: Math.max(saved?.max ?? desired, desired), desired },
    instances: { total: rs.status?.replicas ?? 0, healthy: rs.status?.readyReplicas ?? 0 },
    loadBalancers: a[loadBalancersAnnotation] ? JSON.parse(a[loadBalancersAnnotation]) as string[] : [],
    disabledPercentage: Number(a[disabledPercentageAnnotation] ?? 0),
    ...(a[trafficWeightAnnotation] !== undefined ? { trafficWeight: Number(a[trafficWeightAnnotation]) } : {}),
    templateHash: a[templateHashAnnotation] ?? '',
    providerId: `${rs.metadata.namespace}/replicasets/${rs.metadata.name}`,
  };
}

const isTrafficLabel = (label: string) => label.startsWith(trafficLabelPrefix);
const members = (loadBalancers: string[]) => [...new Set(loadBalancers)].sort();

/**
 * The label changes that leave exactly the traffic labels of `serving` on an object: those wanted
 * and missing set, any other traffic label removed (null). Empty when it is already so.
 */
export function trafficChanges(labels: Record<string, string> | undefined, serving: readonly string[]): Record<string, string | null> {
  const want = new Set(serving.map(trafficLabel));
  const changes: Record<string, string | null> = {};
  for (const label of Object.keys(labels ?? {})) if (isTrafficLabel(label) && !want.has(label)) changes[label] = null;
  for (const label of want) if (labels?.[label] !== trafficValue) changes[label] = trafficValue;
  return changes;
}

type Pod = KubeObject<unknown, { conditions?: { type: string; status: string }[] }>;

/** Pods that count: those not being deleted, by name. */
const livePods = (items: Pod[]) => items.filter((p) => !p.metadata.deletionTimestamp).sort((x, y) => x.metadata.name.localeCompare(y.metadata.name));

const isReady = (p: Pod) => !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
/** Out of traffic already: it carries none of the traffic labels it would serve with. */
const isOut = (p: Pod, serving: readonly string[]) => serving.length > 0 && !serving.some((lb) => p.metadata.labels?.[trafficLabel(lb)] === trafficValue);

/** How many of n pods a share (percent) keeps out of traffic: rounded down, so the rest never serve fewer than asked. */
export const podsOutOfTraffic = (n: number, percent: number): number => Math.floor((n * percent) / 100);

/**
 * The traffic label changes of each live pod (by name) for a server group serving `serving`, a
 * share (percent) of them serving none. The pods taken out are those already out first, then unready
 * ones, then the first by name: a pod replaced, or one more asked for, never moves the share onto
 * ready pods that serve, which would leave fewer serving than the share allows.
 */
export function podTrafficChanges(pods: Pod[], serving: readonly string[], percent: number): [string, Record<string, string | null>][] {
  const live = livePods(pods);
  const rank = (p: Pod) => (isOut(p, serving) ? 0 : isReady(p) ? 2 : 1);
  const out = new Set(live.map((p, i) => ({ p, i })).sort((x, y) => rank(x.p) - rank(y.p) || x.i - y.i)
    .slice(0, podsOutOfTraffic(live.length, percent)).map(({ p }) => p.metadata.name));
  return live.map((p) => [p.metadata.name, trafficChanges(p.metadata.labels, out.has(p.metadata.name) ? [] : serving)]);
}

export function kubernetesServerGroups(clientFor: ClientFor): ServerGroupProvider {
  const get = async (a: ProviderAccount, l: Location, name: string) =>
    (await clientFor(a)).get<ReplicaSet>(replicaSets, namespaceOf(a, l), name);

  /**
   * Records whether it is enabled and its load balancers, then leaves exactly the traffic labels of
   * the load balancers it serves (its own while enabled, none otherwise) on the pod template and on
   * every live pod. Labels of load balancers it is no longer a member of go too, whatever put them there.
   */
  async function converge(a: ProviderAccount, l: Location, name: string,
    change: { enabled?: boolean; loadBalancers?: string[]; disabledPercentage?: number }): Promise<void> {
    const client = await clientFor(a);
    const ns = namespaceOf(a, l);
    const rs = await typed(`server group ${name}`, () => get(a, l, name));
    const current = describe(rs);
    const enabled = change.enabled ?? current.enabled;
    const loadBalancers = change.loadBalancers ?? current.loadBalancers;
    const share = change.disabledPercentage ?? current.disabledPercentage ?? 0;
    const serving = enabled ? loadBalancers : [];
    // A weighted route stops sending to it before its pods leave the Service it sends to.
    for (const lb of (current.enabled ? current.loadBalancers : []).filter((x) => !serving.includes(x))) await syncRouteBackends(client, ns, lb, name);
    // Pod template first, so pods created from now on are right; then the live pods.
    await typed(`server group ${name}`, () => client.mergePatch(replicaSets, ns, name, {
      metadata: { annotations: { [enabledAnnotation]: String(enabled), [loadBalancersAnnotation]: JSON.stringify(loadBalancers),
        [disabledPercentageAnnotation]: share ? String(share) : null } },
      spec: { template: { metadata: { labels: trafficChanges(rs.spec?.template.metadata?.labels, serving) } } } }));
    const live = await client.list<Pod>(pods, ns, { labelSelector: `${serverGroupLabel}=${name}` });
    for (const [pod, labels] of podTrafficChanges(live.items, serving, share)) {
      if (Object.keys(labels).length === 0) continue;
      try {
        await client.mergePatch(pods, ns, pod, { metadata: { labels } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    // The weighted routes of the load balancers it serves or served follow its pods, each in one write.
    for (const lb of members([...current.loadBalancers, ...loadBalancers])) await syncRouteBackends(client, ns, lb);
  }

  /**
   * describe, and whether its pod template and live pods carry the traffic labels it records (enabled
   * or not, whatever its share): a pod made from the template in place of one that was out of traffic,
   * or a change cut short (an enable, a disable, a share put back interrupted half way), leaves some
   * pods otherwise, and the server group is unsettled until they are relabelled.
   */
  async function describeWithPods(a: ProviderAccount, l: Location, rs: ReplicaSet): Promise<ServerGroupDescription> {
    const desc = describe(rs);
    const serving = desc.enabled ? members(desc.loadBalancers) : [];
    const live = await (await clientFor(a)).list<Pod>(pods, namespaceOf(a, l), { labelSelector: `${serverGroupLabel}=${desc.name}` });
    const off = Object.keys(trafficChanges(rs.spec?.template.metadata?.labels, serving)).length > 0
      || podTrafficChanges(live.items, serving, desc.enabled ? desc.disabledPercentage ?? 0 : 0).some(([, c]) => Object.keys(c).length > 0);
    return off ? { ...desc, unsettled: true } : desc;
  }

  return {
    async describe(a, l, name) {
      let rs: ReplicaSet;
      try { rs = await get(a, l, name); } catch (err) { if (isNotFound(err)) return undefined; throw err; }
      return describeWithPods(a, l, rs);
    },

    async list(a, l, cluster) {
      const client = await clientFor(a);
      const result = await client.list<ReplicaSet>(replicaSets, namespaceOf(a, l), { labelSelector: `${clusterLabel}=${cluster}` });
      return result.items.map(describe).sort((x, y) => y.createdAt.localeCompare(x.createdAt) || y.sequence - x.sequence);
    },

    async create(a, req: CreateServerGroup) {
      const client = await clientFor(a);
      const ns = namespaceOf(a, req.location);
      const template = req.template.kubernetes?.podTemplate as PodTemplate | undefined;
      if (!template?.spec) throw invalid(`server group ${req.name}: the Kubernetes provider needs template.kubernetes.podTemplate with a spec`);
      try {
        const existing = describe(await get(a, req.location, req.name));
        if (existing.templateHash === req.templateHash) return existing;
        throw conflict(`server group ${req.name} already exists in namespace ${ns} with another template`);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      const podLabels: Record<string, string> = {
        ...(template.metadata?.labels ?? {}), ...managedBy,
        [serverGroupLabel]: req.name, [clusterLabel]: req.cluster, [sequenceLabel]: String(req.sequence),
        ...Object.fromEntries(req.securityGroups.map((sg) => [securityGroupLabel(sg), 'true'])),
        ...(req.enabled ? Object.fromEntries(req.loadBalancers.map((lb) => [trafficLabel(lb), trafficValue])) : {}),
      };
      const rs: ReplicaSet = {
        metadata: {
          name: req.name, namespace: ns, ownerReferences: ownerReferences(a, ns, req.owner),
          labels: { ...managedBy, [clusterLabel]: req.cluster, [sequenceLabel]: String(req.sequence), [serverGroupLabel]: req.name },
          annotations: {
            [templateHashAnnotation]: req.templateHash, [capacityAnnotation]: JSON.stringify({ min: req.capacity.min, max: req.capacity.max }),
            [enabledAnnotation]: String(req.enabled), [loadBalancersAnnotation]: JSON.stringify(req.loadBalancers),
            [ownerAnnotation]: `${req.owner.kind}/${req.owner.name}/${req.owner.uid}`,
            ...(req.trafficWeight !== undefined ? { [trafficWeightAnnotation]: String(req.trafficWeight) } : {}),
          },
        },
        spec: { replicas: req.capacity.desired, selector: { matchLabels: { [serverGroupLabel]: req.name } },
          template: { ...template, metadata: { ...(template.metadata ?? {}), labels: podLabels } } },
      };
      try {
        return describe(await typed(`server group ${req.name}`, () => client.create(replicaSets, rs)));
      } catch (err) {
        // Made by a concurrent call meanwhile: look again (same template: done; another: Conflict).
        if (!isProviderError(err, 'Conflict')) throw err;
        return this.create(a, req);
      }
    },

    async resize(a, l, name, capacity) {
      const client = await clientFor(a);
      await typed(`server group ${name}`, () => client.mergePatch(replicaSets, namespaceOf(a, l), name, {
        metadata: { annotations: { [capacityAnnotation]: JSON.stringify({ min: capacity.min, max: capacity.max }) } },
        spec: { replicas: capacity.desired } }));
    },

    enable: (a, l, name, loadBalancers) => converge(a, l, name, { enabled: true, ...(loadBalancers ? { loadBalancers: members(loadBalancers) } : {}) }),
    disable: (a, l, name) => converge(a, l, name, { enabled: false }),
    setLoadBalancers: (a, l, name, loadBalancers) => converge(a, l, name, { loadBalancers: members(loadBalancers) }),
    setDisabledPercentage: (a, l, name, percent) => converge(a, l, name, { disabledPercentage: percent }),

    async setTrafficWeight(a, l, name, weight) {
      const client = await clientFor(a);
      const ns = namespaceOf(a, l);
      await typed(`server group ${name}`, () => client.mergePatch(replicaSets, ns, name, {
        metadata: { annotations: { [trafficWeightAnnotation]: weight === undefined ? null : String(weight) } } }));
      const rs = describe(await typed(`server group ${name}`, () => get(a, l, name)));
      for (const lb of members(rs.loadBalancers)) await syncRouteBackends(client, ns, lb);
    },

    async destroy(a, l, name) {
      const client = await clientFor(a);
      // Out of traffic first (a weighted route rewritten without it, its pods unlabelled), so nothing sends to pods being deleted.
      try {
        if (describe(await get(a, l, name)).enabled) await converge(a, l, name, { enabled: false });
      } catch (err) {
        if (!isProviderError(err, 'NotFound') && !isNotFound(err)) throw err;
      }
      try {
        await client.delete(replicaSets, namespaceOf(a, l), name, { propagationPolicy: 'Background' });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}

