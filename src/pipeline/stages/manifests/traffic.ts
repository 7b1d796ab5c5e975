// Traffic of ReplicaSets through Service selectors, as Spinnaker's Kubernetes provider moves it:
// enabling copies each Service's spec.selector into the ReplicaSet's pod-template labels and onto its
// running pods; disabling removes those keys again, so the pods stay up but leave the Service's
// endpoints. Only for ReplicaSets: a Deployment's template change would roll it out. Each step reads
// the world first and writes only what differs, so a pass repeated after a crash changes nothing twice.
import { trafficLoadBalancersAnnotation } from '../../../api/v1alpha1/labels.ts';
import type { KubeObject } from '../../../core/kube-client.ts';
import { invalid, isProviderError } from '../../../providers/errors.ts';
import type { ManifestRef } from '../../../providers/interfaces.ts';
import type { ManifestContext } from './common.ts';
import { refName } from './progress.ts';

export type TrafficStrategy = 'redblack' | 'bluegreen' | 'highlander' | 'none';

/** A Service's name and the selector traffic management copies. */
export interface ServiceSelector { name: string; selector: Record<string, string> }

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
type ReplicaSet = KubeObject<{ selector?: Selector; template?: { metadata?: { labels?: Record<string, string> } } }>;

const serviceKind = { apiVersion: 'v1', kind: 'Service' };
const podKind = { apiVersion: 'v1', kind: 'Pod' };

/** The annotation's value naming the Services: ["service web", ...], as Spinnaker's traffic.spinnaker.io/load-balancers. */
export const loadBalancersValue = (services: readonly string[]) => JSON.stringify(services.map((s) => `service ${s}`));

/** The Services a ReplicaSet's load-balancers annotation names; Invalid, naming the object and the annotation, when it is not such a list. */
export function servicesOf(rs: KubeObject, what: string): string[] {
  const text = rs.metadata.annotations?.[trafficLoadBalancersAnnotation];
  if (text === undefined) return [];
  const fix = `set it to a JSON list such as ["service web"]`;
  let list: unknown;
  try { list = JSON.parse(text); } catch { throw invalid(`${what}: annotation ${trafficLoadBalancersAnnotation} is not JSON; ${fix}`); }
  if (!Array.isArray(list)) throw invalid(`${what}: annotation ${trafficLoadBalancersAnnotation} is not a list; ${fix}`);
  return list.map((entry) => {
    const m = typeof entry === 'string' ? /^service ([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/.exec(entry) : null;
    if (!m) throw invalid(`${what}: annotation ${trafficLoadBalancersAnnotation} names ${JSON.stringify(entry)}, which is not "service <name>"; ${fix}`);
    return m[1]!;
  });
}

/** The label keys a ReplicaSet sets itself: its labels, its selector's keys and, for a manifest, its pod template's labels. */
function ownKeys(rs: ReplicaSet, withTemplate: boolean): Set<string> {
  const sel = rs.spec?.selector;
  return new Set([...Object.keys(rs.metadata.labels ?? {}), ...Object.keys(sel?.matchLabels ?? {}), ...(sel?.matchExpressions ?? []).map((e) => e.key),
    ...(withTemplate ? Object.keys(rs.spec?.template?.metadata?.labels ?? {}) : [])]);
}

/**
 * Refuses a Service whose selector cannot be attached to the ReplicaSet: an empty one (it would
 * select every pod), or one with a key the ReplicaSet sets itself (disabling would take the pods out
 * of their own ReplicaSet). withTemplate: rs is a manifest, whose template labels are its own too.
 */
export function checkAttachable(what: string, rs: KubeObject, service: ServiceSelector, withTemplate: boolean): void {
  const keys = Object.keys(service.selector);
  const fix = `give Service "${service.name}" a selector key only traffic management sets, e.g. frontedBy: ${service.name}`;
  if (keys.length === 0) throw invalid(`${what}: Service "${service.name}" has an empty spec.selector, which selects every pod; ${fix}`);
  const own = ownKeys(rs as ReplicaSet, withTemplate);
  const taken = keys.find((k) => own.has(k));
  if (taken) throw invalid(`${what}: Service "${service.name}" selects on "${taken}", which the ReplicaSet already has among its own labels or selector; ${fix}`);
}

/** The ReplicaSet manifest with the annotation naming its Services and, when traffic is on, their selectors in its pod template. */
export function withTraffic(rs: KubeObject, services: ServiceSelector[], enableTraffic: boolean): KubeObject {
  const r = rs as ReplicaSet;
  const template = r.spec?.template ?? {};
  const labels = { ...(template.metadata?.labels ?? {}), ...(enableTraffic ? Object.assign({}, ...services.map((s) => s.selector)) as Record<string, string> : {}) };
  return { ...rs, metadata: { ...rs.metadata, annotations: { ...(rs.metadata.annotations ?? {}), [trafficLoadBalancersAnnotation]: loadBalancersValue(services.map((s) => s.name)) } },
    spec: { ...r.spec, template: { ...template, metadata: { ...(template.metadata ?? {}), labels } } } } as KubeObject;
}

/** The label changes that put the selectors on (set where missing or different) or take them off (null where they match); empty when already so. */
export function labelChanges(labels: Record<string, string> | undefined, services: ServiceSelector[], on: boolean): Record<string, string | null> {
  const changes: Record<string, string | null> = {};
  for (const s of services) {
    for (const [k, v] of Object.entries(s.selector)) {
      if (on && labels?.[k] !== v) changes[k] = v;
      if (!on && labels?.[k] === v) changes[k] = null;
    }
  }
  return changes;
}

/** A label selector as kubectl's -l takes it. */
export function selectorString(sel: Selector | undefined): string {
  const labels = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  const exprs = (sel?.matchExpressions ?? []).map((e) => {
    if (e.operator === 'In') return `${e.key} in (${(e.values ?? []).join(',')})`;
    if (e.operator === 'NotIn') return `${e.key} notin (${(e.values ?? []).join(',')})`;
    return e.operator === 'Exists' ? e.key : `!${e.key}`;
  });
  return [...labels, ...exprs].join(',');
}

/** What a strategy does, once the new ReplicaSet is stable, to the others of its cluster (stable: Current by kstatus). */
export function planCleanup(strategy: TrafficStrategy, others: { name: string; stable: boolean }[]): { disable: string[]; delete: string[] } {
  if (strategy === 'none') return { disable: [], delete: [] };
  if (strategy === 'highlander') return { disable: others.map((o) => o.name), delete: others.map((o) => o.name) };
  // redblack (bluegreen): a version that never became stable served nothing worth keeping.
  return { disable: others.filter((o) => o.stable).map((o) => o.name), delete: others.filter((o) => !o.stable).map((o) => o.name) };
}

/** The Services' selectors, read in the namespace; Invalid naming a Service that does not exist. */
export async function readServices(ctx: ManifestContext, namespace: string, names: readonly string[], what: string): Promise<ServiceSelector[]> {
  const out: ServiceSelector[] = [];
  for (const name of names) {
    const svc = await ctx.mp.read(ctx.account, ctx.location, { ...serviceKind, name, namespace }) as (KubeObject<{ selector?: Record<string, string> }> | undefined);
    if (!svc) throw invalid(`${what}: Service "${namespace}/${name}" does not exist; create it first, or remove it from the Services named`);
    out.push({ name, selector: svc.spec?.selector ?? {} });
  }
  return out;
}

/**
 * Puts the Services' selectors on (or takes them off) the ReplicaSet's pod template and every pod of
 * it still running; says whether it changed anything. Pods are the ReplicaSet's by owner reference.
 */
export async function setTraffic(ctx: ManifestContext, ref: ManifestRef, services: ServiceSelector[], on: boolean, fieldManager: string): Promise<boolean> {
  const rs = await ctx.mp.read(ctx.account, ctx.location, ref) as ReplicaSet | undefined;
  if (!rs) throw invalid(`${refName(ref)} does not exist`);
  let changed = false;
  const template = labelChanges(rs.spec?.template?.metadata?.labels, services, on);
  if (Object.keys(template).length) {
    await ctx.mp.patch(ctx.account, ctx.location, ref, { type: 'merge', body: { spec: { template: { metadata: { labels: template } } } } }, { fieldManager });
    changed = true;
  }
  const pods = await ctx.mp.list(ctx.account, { namespace: ref.namespace }, podKind, selectorString(rs.spec?.selector));
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp || !pod.metadata.ownerReferences?.some((o) => o.uid === rs.metadata.uid)) continue;
    const labels = labelChanges(pod.metadata.labels, services, on);
    if (Object.keys(labels).length === 0) continue;
    try {
      await ctx.mp.patch(ctx.account, ctx.location, { ...podKind, name: pod.metadata.name, namespace: ref.namespace },
        { type: 'merge', body: { metadata: { labels } } }, { fieldManager });
    } catch (err) {
      // A pod gone since the list serves nothing; its replacement is made from the template.
      if (isProviderError(err, 'NotFound')) continue;
      throw err;
    }
    changed = true;
  }
  return changed;
}

/** deployManifest's trafficManagement block, with its defaults. */
export interface TrafficManagement { enabled: boolean; options?: { enableTraffic?: boolean; services: string[]; strategy?: TrafficStrategy } }

/** What trafficManagement did, as deployManifest's outputs say it. */
export interface TrafficOutputs { enabled: string[]; disabled: string[]; deleted: string[] }

const replicaSetKind = { apiVersion: 'apps/v1', kind: 'ReplicaSet' };

/**
 * Refuses, before anything is applied, what trafficManagement cannot do: a Deployment among the
 * manifests (its template change would roll it out), no ReplicaSet to send traffic to, or a Service
 * missing or not attachable to one; returns each target ReplicaSet's Services by its index.
 */
export async function planTraffic(ctx: ManifestContext, manifests: KubeObject[], isTarget: (m: KubeObject) => boolean,
  tm: TrafficManagement): Promise<Map<number, ServiceSelector[]>> {
  const deployment = manifests.find((m) => m.kind === 'Deployment');
  if (deployment) {
    throw invalid(`trafficManagement moves Services' traffic between ReplicaSets, and Deployment "${deployment.metadata.name}" would roll out ` +
      'on the pod-template change it makes; deploy a ReplicaSet instead of the Deployment, or remove trafficManagement');
  }
  const targets = new Map<number, ServiceSelector[]>();
  for (const [i, m] of manifests.entries()) {
    if (!isTarget(m)) continue;
    const what = `ReplicaSet "${m.metadata.namespace}/${m.metadata.name}"`;
    const services = await readServices(ctx, m.metadata.namespace!, tm.options!.services, what);
    for (const svc of services) checkAttachable(what, m, svc, true);
    targets.set(i, services);
  }
  if (targets.size === 0) {
    throw invalid(`trafficManagement sends traffic to the versioned ReplicaSets deployed, and the manifests have none; ` +
      'add a ReplicaSet (versioned: not skipVersioning), or remove trafficManagement');
  }
  return targets;
}

/** The Services to take an older ReplicaSet out of: the stage's and those its annotation names that still exist. */
async function servicesToLeave(ctx: ManifestContext, rs: KubeObject, named: readonly string[]): Promise<ServiceSelector[]> {
  const ns = rs.metadata.namespace!;
  const names = [...new Set([...named, ...servicesOf(rs, refName({ ...replicaSetKind, name: rs.metadata.name, namespace: ns }))])];
  const out: ServiceSelector[] = [];
  for (const name of names) {
    const svc = await ctx.mp.read(ctx.account, ctx.location, { ...serviceKind, name, namespace: ns }) as (KubeObject<{ selector?: Record<string, string> }> | undefined);
    if (svc && Object.keys(svc.spec?.selector ?? {}).length) out.push({ name, selector: svc.spec!.selector! });
  }
  return out;
}

/**
 * Once the ReplicaSet deployed is stable: puts it in its Services (or keeps it out, deployed dark),
 * then does to the other ReplicaSets of its cluster (same base name and namespace) what the strategy
 * says. Read afresh each time, so a pass repeated after a crash finishes the work without redoing it.
 */
export async function manageTraffic(ctx: ManifestContext, rs: ManifestRef & { namespace: string }, tm: TrafficManagement,
  fieldManager: string, labelSelector: string): Promise<TrafficOutputs> {
  const options = tm.options!;
  const on = options.enableTraffic !== false;
  const services = await readServices(ctx, rs.namespace, options.services, refName(rs));
  await setTraffic(ctx, rs, services, on, fieldManager);
  const out: TrafficOutputs = { enabled: on ? [rs.name] : [], disabled: on ? [] : [rs.name], deleted: [] };
  const others = (await ctx.mp.list(ctx.account, { namespace: rs.namespace }, replicaSetKind, labelSelector))
    .filter((o) => o.metadata.name !== rs.name && !o.metadata.deletionTimestamp);
  const stable = await Promise.all(others.map(async (o) =>
    ({ name: o.metadata.name, stable: (await ctx.mp.status(ctx.account, ctx.location, { ...replicaSetKind, name: o.metadata.name, namespace: rs.namespace })).status === 'Current' })));
  const plan = planCleanup(options.strategy ?? 'none', stable);
  for (const name of plan.disable) {
    const other = others.find((o) => o.metadata.name === name)!;
    await setTraffic(ctx, { ...replicaSetKind, name, namespace: rs.namespace }, await servicesToLeave(ctx, other, options.services), false, fieldManager);
    out.disabled.push(name);
  }
  for (const name of plan.delete) {
    await ctx.mp.delete(ctx.account, ctx.location, { ...replicaSetKind, name, namespace: rs.namespace });
    out.deleted.push(name);
  }
  return out;
}
