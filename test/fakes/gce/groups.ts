// Managed instance groups' instances and backend services' health in the GCE fake.
// A group keeps targetSize instances named <baseInstanceName>-<4 letters or digits>, as Compute names
// them. New ones are currentAction CREATING (instanceStatus PROVISIONING) until the operation that made
// them (insert, resize) is DONE, then RUNNING with currentAction NONE; ones a resize or delete removes
// are DELETING (STOPPING) until DONE, then gone. A failed operation undoes its change. Regional groups
// spread instances over distributionPolicy.zones, each of which must be in the group's region (400
// otherwise); without zones Compute picks three of the region's, here <region>-a, -b, -c, and answers
// them as zone URLs with targetShape EVEN. A zonal group takes no distributionPolicy (400).
// getHealth answers the instances of a group that is one of the backend service's backends (400
// otherwise, as Compute refuses a group it does not serve): HEALTHY when RUNNING with nothing under
// way, else UNHEALTHY, unless a test set an instance's health with setHealth.
import { randomBytes } from 'node:crypto';
import { invalid, invalidField, notFound } from './errors.ts';
import { operationType, scopeOf, type Collection, type Resources, type Target } from './resources.ts';
import type { Operations } from './operations.ts';

type Json = Record<string, unknown>;

interface Instance { name: string; zone: string; id: string; ip: string; status: 'PROVISIONING' | 'RUNNING' | 'STOPPING';
  action: 'CREATING' | 'NONE' | 'DELETING'; template: string }

export type HealthState = 'HEALTHY' | 'UNHEALTHY';

export class Groups {
  private readonly instances = new Map<string, Instance[]>();
  private readonly health: { match: RegExp | string; state: HealthState }[] = [];
  private ipCounter = 0;

  private readonly resources: Resources;
  private readonly ops: Operations;

  constructor(resources: Resources, ops: Operations) {
    this.resources = resources;
    this.ops = ops;
    resources.lifecycles.set('instanceGroupManagers', {
      placed: (c, t, r) => this.place(c, t, r),
      inserted: (key, r) => {
        this.instances.set(key, []);
        const created = this.grow(key, r, Number(r.targetSize ?? 0));
        return { onDone: () => this.settle(created, []), onFail: () => this.instances.delete(key) };
      },
      deleting: (key) => {
        const all = this.instances.get(key) ?? [];
        const before = all.map((i) => ({ ...i }));
        for (const i of all) Object.assign(i, { action: 'DELETING', status: 'STOPPING' });
        return { onDone: () => this.instances.delete(key), onFail: () => this.instances.set(key, before) };
      },
      decorate: (key, r) => this.decorate(key, r),
    });
  }

  /** Sets (or with undefined clears) the health getHealth reports for instances whose name matches. */
  setHealth(match: RegExp | string, state: HealthState | undefined): void {
    const i = this.health.findIndex((h) => String(h.match) === String(match));
    if (i >= 0) this.health.splice(i, 1);
    if (state) this.health.unshift({ match, state });
  }

  reset(): void { this.instances.clear(); this.health.length = 0; }

  resize(c: Collection, t: Target, size: number): Json {
    const key = this.resources.key(c, t);
    const r = this.resources.raw(key);
    if (!r) throw notFound(key);
    if (!Number.isInteger(size) || size < 0) throw invalidField('size', size, 'Must be greater than or equal to 0.');
    const oldSize = r.targetSize;
    const live = (this.instances.get(key) ?? []).filter((i) => i.action !== 'DELETING');
    r.targetSize = size;
    const created = this.grow(key, r, Math.max(0, size - live.length));
    const removed = live.slice(size);
    for (const i of removed) Object.assign(i, { action: 'DELETING', status: 'STOPPING' });
    return this.ops.start({ project: t.project, scope: scopeOf(c, t), operationType: operationType(c, 'resize'), targetLink: r.selfLink as string,
      targetId: r.id as string, onDone: () => this.settle(created, removed, key),
      onFail: () => {
        r.targetSize = oldSize;
        this.instances.set(key, (this.instances.get(key) ?? []).filter((i) => !created.includes(i)));
        for (const i of removed) Object.assign(i, { action: 'NONE', status: 'RUNNING' });
      } });
  }

  listManagedInstances(c: Collection, t: Target): Json {
    const key = this.resources.key(c, t);
    this.resources.read(key); // 404 when the group is gone
    const managedInstances = (this.instances.get(key) ?? []).map((i) => ({
      instance: this.instanceUrl(t.project, i), id: i.id, name: i.name, instanceStatus: i.status, currentAction: i.action,
      version: { instanceTemplate: i.template },
    }));
    return managedInstances.length ? { managedInstances } : {};
  }

  /** getHealth of a backend service for one group (body {group: <instance group URL>}). */
  getHealth(c: Collection, t: Target, body: Json): Json {
    const bsKey = this.resources.key(c, t);
    const bs = this.resources.read(bsKey);
    if (typeof body.group !== 'string' || !body.group) throw invalid("Required field 'resource.group' not specified", 'resource.group');
    const groupKey = this.resources.keyOf(body.group, t.project);
    const backends = (bs.backends as Json[] | undefined) ?? [];
    const served = groupKey && backends.some((b) => typeof b.group === 'string' && this.resources.keyOf(b.group, t.project) === groupKey);
    if (!groupKey || !this.resources.has(groupKey)) throw notFound(groupKey ?? body.group);
    if (!served) throw invalidField('resource.group', body.group, `Instance group is not a backend of backend service '${bsKey}'.`);
    const healthStatus = (this.instances.get(groupKey) ?? []).map((i) => ({
      instance: this.instanceUrl(t.project, i), ipAddress: i.ip, port: Number(bs.port ?? 80), healthState: this.healthOf(i),
    }));
    return { kind: 'compute#backendServiceGroupHealth', ...(healthStatus.length ? { healthStatus } : {}) };
  }

  private healthOf(i: Instance): HealthState {
    const set = this.health.find((h) => (typeof h.match === 'string' ? h.match === i.name : h.match.test(i.name)));
    if (set) return set.state;
    return i.status === 'RUNNING' && i.action === 'NONE' ? 'HEALTHY' : 'UNHEALTHY';
  }

  private grow(key: string, r: Json, count: number): Instance[] {
    const list = this.instances.get(key) ?? [];
    const zones = this.zonesOf(r);
    const made: Instance[] = [];
    for (let n = 0; n < count; n++) {
      const i: Instance = { name: `${r.baseInstanceName as string}-${suffix()}`, zone: zones[(list.length + n) % zones.length]!,
        id: (randomBytes(8).readBigUInt64BE() >> 1n).toString(), ip: `10.128.${Math.floor(++this.ipCounter / 250) % 250}.${(this.ipCounter % 250) + 2}`,
        status: 'PROVISIONING', action: 'CREATING', template: currentTemplate(r) };
      made.push(i);
    }
    list.push(...made);
    this.instances.set(key, list);
    return made;
  }

  private settle(created: Instance[], removed: Instance[], key?: string): void {
    for (const i of created) Object.assign(i, { action: 'NONE', status: 'RUNNING' });
    if (key && removed.length) this.instances.set(key, (this.instances.get(key) ?? []).filter((i) => !removed.includes(i)));
  }

  /** A new group's distributionPolicy: refused on a zonal group, its zones checked against the region and answered as URLs. */
  private place(c: Collection, t: Target, r: Json): void {
    const policy = r.distributionPolicy as Json | undefined;
    if (c.scope !== 'regions') {
      if (policy) throw invalidField('resource.distributionPolicy', policy, 'Distribution policy can be set only for a regional managed instance group.');
      return;
    }
    const region = t.location!;
    const given = ((policy?.zones as Json[] | undefined) ?? []).map((z, i) => {
      const key = typeof z.zone === 'string' ? this.resources.keyOf(z.zone, t.project) : undefined;
      const m = key ? /^projects\/[^/]+\/zones\/([^/]+)$/.exec(key) : null;
      if (!m || !m[1]!.startsWith(`${region}-`)) {
        throw invalidField(`resource.distributionPolicy.zones[${i}].zone`, z.zone, `The zone must be in the region of the instance group manager, '${region}'.`);
      }
      return m[1]!;
    });
    const zones = given.length ? [...new Set(given)] : ['a', 'b', 'c'].map((s) => `${region}-${s}`);
    r.distributionPolicy = { ...policy, targetShape: policy?.targetShape ?? 'EVEN',
      zones: zones.map((z) => ({ zone: this.resources.url(`projects/${t.project}/zones/${z}`) })) };
  }

  private zonesOf(r: Json): string[] {
    if (typeof r.zone === 'string') return [r.zone.split('/').pop()!];
    const zones = (((r.distributionPolicy as Json | undefined)?.zones as Json[] | undefined) ?? []).map((z) => String(z.zone).split('/').pop()!);
    return zones.length ? zones : ['a', 'b', 'c'].map((s) => `${String(r.region).split('/').pop()!}-${s}`);
  }

  private instanceUrl(project: string, i: Instance): string {
    return this.resources.url(`projects/${project}/zones/${i.zone}/instances/${i.name}`);
  }

  private decorate(key: string, r: Json): void {
    const list = this.instances.get(key) ?? [];
    const count = (a: Instance['action']) => list.filter((i) => i.action === a).length;
    r.currentActions = { abandoning: 0, creating: count('CREATING'), creatingWithoutRetries: 0, deleting: count('DELETING'),
      none: count('NONE'), recreating: 0, refreshing: 0, restarting: 0, resuming: 0, starting: 0, stopping: 0, suspending: 0, verifying: 0 };
    const stable = list.every((i) => i.action === 'NONE') && list.length === Number(r.targetSize ?? 0);
    r.status = { isStable: stable, versionTarget: { isReached: stable }, stateful: { hasStatefulConfig: false } };
  }
}

const currentTemplate = (r: Json): string =>
  String(r.instanceTemplate ?? ((r.versions as Json[] | undefined)?.[0]?.instanceTemplate) ?? '');

const suffix = (): string => {
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(4)].map((b) => letters[b % letters.length]).join('');
};
