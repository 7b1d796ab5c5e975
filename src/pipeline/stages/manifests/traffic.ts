// Traffic of ReplicaSets through Service selectors, as Spinnaker's Kubernetes provider moves it:
// enabling copies each Service's spec.selector into the ReplicaSet's pod-template labels and onto its
// running pods; disabling removes those keys again, so the pods stay up but leave the Service's
// endpoints. Only for ReplicaSets: a Deployment's template change would roll it out. Each step reads
// the world first and writes only what differs, so a pass repeated after a crash changes nothing twice;
// what becomes of the older versions is planned once and recorded before any of it is done.
import { trafficLoadBalancersAnnotation } from '../../../api/v1alpha1/labels.ts';
import type { KubeObject } from '../../../core/kube-client.ts';
import { invalid, isProviderError } from '../../../providers/errors.ts';
import { checkKindAllowed } from '../../../providers/manifest-kinds.ts';
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
  const fix = `give Service "${service.name}" a selector key of its own that only traffic management sets, e.g. staysail.dev/fronted-by-${service.name}: "true"`;
  if (keys.length === 0) throw invalid(`${what}: Service "${service.name}" has an empty spec.selector, which selects every pod; ${fix}`);
  const own = ownKeys(rs as ReplicaSet, withTemplate);
  const taken = keys.find((k) => own.has(k));
  if (taken) throw invalid(`${what}: Service "${service.name}" selects on "${taken}", which the ReplicaSet already has among its own labels or selector; ${fix}`);
}

/**
 * Refuses Services that select on the same key with different values: a ReplicaSet cannot carry both,
 * so each pass would set the key to one Service's value and take it from the other. Each Service
 * needs a key of its own.
 */
export function checkDistinctKeys(what: string, services: readonly ServiceSelector[]): void {
  for (const [i, a] of services.entries()) {
    for (const b of services.slice(i + 1)) {
      const key = Object.keys(a.selector).find((k) => k in b.selector && b.selector[k] !== a.selector[k]);
      if (key === undefined) continue;
      throw invalid(`${what}: Services "${a.name}" and "${b.name}" both select on "${key}", with "${a.selector[key]}" and "${b.selector[key]}", ` +
        `and a pod can carry only one of them; give each Service a key of its own, e.g. staysail.dev/fronted-by-${a.name}: "true" and ` +
        `staysail.dev/fronted-by-${b.name}: "true"`);
    }
  }
}

/** Whether the labels carry every key of the selector with its value: the Service selects such pods. */
export const selects = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

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

/** Another version of the cluster as the cleanup weighs it: its available replicas, and whether a Service selects its pod template. */
export interface OtherVersion { name: string; available: number; inServices: boolean }

/** What a strategy does, once the new ReplicaSet is stable, to the others of its cluster. */
export function planCleanup(strategy: TrafficStrategy, others: OtherVersion[]): { disable: string[]; delete: string[] } {
  if (strategy === 'none') return { disable: [], delete: [] };
  if (strategy === 'highlander') return { disable: others.map((o) => o.name), delete: others.map((o) => o.name) };
  // redblack (bluegreen): only a version with nothing to give (no available replicas) and no place in
  // the Services is deleted; one Failed or momentarily not Current may still be the one to go back to.
  const doomed = (o: OtherVersion) => o.available === 0 && !o.inServices;
  return { disable: others.filter((o) => !doomed(o)).map((o) => o.name), delete: others.filter(doomed).map((o) => o.name) };
}

/**
 * The Services' selectors, read in the namespace. A Service that does not exist is Invalid, naming
 * it, unless skipped is given (taking traffic away: a Service gone has none to take), which then
 * collects the names of the Services not found.
 */
export async function readServices(ctx: ManifestContext, namespace: string, names: readonly string[], what: string,
  skipped?: string[]): Promise<ServiceSelector[]> {
  const out: ServiceSelector[] = [];
  for (const name of names) {
    const svc = await ctx.mp.read(ctx.account, ctx.location, { ...serviceKind, name, namespace }) as (KubeObject<{ selector?: Record<string, string> }> | undefined);
    if (!svc && skipped) { skipped.push(name); continue; }
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
  if (!rs) throw invalid(`${refName(ref)} does not exist; check the name the stage targets (e.g. the deploy stage's outputs.manifests)`);
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

type Workload = KubeObject<{ template?: { metadata?: { labels?: Record<string, string> } } }>;

/**
 * Refuses, before anything is applied, what trafficManagement cannot do: a kind it must act on that
 * the Account does not allow (the Services, the pods it relabels, the older ReplicaSets it lists), a
 * Deployment among the manifests whose pods a Service would select (its traffic would bypass the
 * versions, and moving it would roll it out), no ReplicaSet to send traffic to, or Services missing,
 * not attachable to one, or at odds over a selector key; returns each target ReplicaSet's Services by its index.
 */
export async function planTraffic(ctx: ManifestContext, manifests: KubeObject[], isTarget: (m: KubeObject) => boolean,
  tm: TrafficManagement): Promise<Map<number, ServiceSelector[]>> {
  const names = tm.options!.services;
  const targets = new Map<number, ServiceSelector[]>();
  for (const [i, m] of manifests.entries()) {
    if (!isTarget(m)) continue;
    const what = `ReplicaSet "${m.metadata.namespace}/${m.metadata.name}"`;
    checkKindAllowed(ctx.account, 'Pod', `Pods of ${what}, which trafficManagement relabels`);
    checkKindAllowed(ctx.account, 'ReplicaSet', `the older versions of ${what}, which trafficManagement lists, disables and deletes`);
    checkKindAllowed(ctx.account, 'Service', `Services ${names.join(', ')}, which trafficManagement reads`);
    const services = await readServices(ctx, m.metadata.namespace!, names, what);
    for (const svc of services) checkAttachable(what, m, svc, true);
    checkDistinctKeys(what, services);
    targets.set(i, services);
  }
  if (targets.size === 0) {
    throw invalid(`trafficManagement sends traffic to the versioned ReplicaSets deployed, and the manifests have none; ` +
      'add a ReplicaSet (versioned: not skipVersioning), or remove trafficManagement');
  }
  for (const d of manifests.filter((m) => m.kind === 'Deployment')) {
    const labels = (d as Workload).spec?.template?.metadata?.labels;
    const svc = (await readServices(ctx, d.metadata.namespace!, names, `Deployment "${d.metadata.namespace}/${d.metadata.name}"`, []))
      .find((x) => selects(x.selector, labels));
    if (!svc) continue;
    throw invalid(`Deployment "${d.metadata.namespace}/${d.metadata.name}": Service "${svc.name}" of trafficManagement selects its pods (pod-template labels ` +
      `${JSON.stringify(svc.selector)}), and trafficManagement moves Services' traffic between versioned ReplicaSets only; deploy a ReplicaSet ` +
      `instead of the Deployment, or give the Deployment's pods labels Service "${svc.name}" does not select`);
  }
  return targets;
}

/** The Services to take an older ReplicaSet out of: the stage's and those its annotation names, less any since deleted. */
async function servicesToLeave(ctx: ManifestContext, rs: KubeObject, named: readonly string[]): Promise<ServiceSelector[]> {
  const ns = rs.metadata.namespace!;
  const names = [...new Set([...named, ...servicesOf(rs, refName({ ...replicaSetKind, name: rs.metadata.name, namespace: ns }))])];
  return readServices(ctx, ns, names, refName({ ...replicaSetKind, name: rs.metadata.name, namespace: ns }), []);
}

/** What trafficManagement is to do to the other versions of a cluster, recorded before any of it is done. */
export interface Cleanup { namespace: string; disable: string[]; delete: string[] }

/**
 * Once the ReplicaSet deployed is stable: puts it in its Services (or keeps it out, deployed dark),
 * and plans what the strategy does to the other ReplicaSets of its cluster (same base name and
 * namespace). The plan is kept in the stage's state before it is carried out (carryOut), so a pass
 * repeated after a crash during cleanup does what was planned instead of weighing a changed world.
 */
export async function enableAndPlan(ctx: ManifestContext, rs: ManifestRef & { namespace: string }, tm: TrafficManagement,
  fieldManager: string, labelSelector: string): Promise<{ outputs: TrafficOutputs; cleanup: Cleanup }> {
  const options = tm.options!;
  const on = options.enableTraffic !== false;
  const services = await readServices(ctx, rs.namespace, options.services, refName(rs));
  await setTraffic(ctx, rs, services, on, fieldManager);
  const others = (await ctx.mp.list(ctx.account, { namespace: rs.namespace }, replicaSetKind, labelSelector))
    .filter((o) => o.metadata.name !== rs.name && !o.metadata.deletionTimestamp);
  const weighed = await Promise.all(others.map(async (o) => {
    const leave = await servicesToLeave(ctx, o, options.services);
    const labels = (o as Workload).spec?.template?.metadata?.labels;
    return { name: o.metadata.name, available: (o.status as { availableReplicas?: number } | undefined)?.availableReplicas ?? 0,
      inServices: leave.some((svc) => selects(svc.selector, labels)) };
  }));
  const plan = planCleanup(options.strategy ?? 'none', weighed);
  return { outputs: { enabled: on ? [rs.name] : [], disabled: [...(on ? [] : [rs.name]), ...plan.disable], deleted: plan.delete },
    cleanup: { namespace: rs.namespace, ...plan } };
}

/** Carries out a recorded cleanup: each version to disable taken out of its Services, each to delete deleted; one already gone is passed over. */
export async function carryOut(ctx: ManifestContext, cleanup: Cleanup, tm: TrafficManagement, fieldManager: string): Promise<void> {
  for (const name of cleanup.disable) {
    const ref = { ...replicaSetKind, name, namespace: cleanup.namespace };
    const other = await ctx.mp.read(ctx.account, ctx.location, ref);
    if (!other) continue;
    await setTraffic(ctx, ref, await servicesToLeave(ctx, other, tm.options!.services), false, fieldManager);
  }
  for (const name of cleanup.delete) await ctx.mp.delete(ctx.account, ctx.location, { ...replicaSetKind, name, namespace: cleanup.namespace });
}
