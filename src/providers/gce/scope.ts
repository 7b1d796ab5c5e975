// Where a server group lives: the one difference between a zonal and a regional managed instance
// group (Clouddriver's Google provider makes both, the second as `regional: true`). One zone named:
// a zonal group in that zone. No zone, or several of the region's: a regional group in the region,
// its instances spread over the zones named (its distributionPolicy) or, with none, over the zones
// Compute chooses. Both are the same resource with the same calls, made through another client
// (instanceGroupManagers or regionInstanceGroupManagers) with the zone or the region as parameter;
// the operation each change starts names its zone or region, and waitFor follows it (operations.ts).
// So server-groups.ts never asks which it has.
import type { google } from '@google-cloud/compute/build/protos/protos.js';
import { invalid } from '../errors.ts';
import type { Location } from '../interfaces.ts';
import { callOptions, type GceClients } from './clients.ts';
import type { Started } from './operations.ts';

type Group = google.cloud.compute.v1.IInstanceGroupManager;
type ManagedInstance = google.cloud.compute.v1.IManagedInstance;

/** A zonal group's zone, or a regional group's region and the zones asked for (none: Compute's choice). */
export type Scope = { kind: 'zonal'; region: string; zone: string } | { kind: 'regional'; region: string; zones: string[] };

/**
 * Where the server groups of a location live: one zone, zonal; none or several, regional. A zone
 * that is not of the region is Invalid, naming spec.location.zones.
 */
export function scopeOf(location: Location, region: string): Scope {
  const zones = [...new Set(location.zones ?? [])];
  const stray = zones.find((z) => !z.startsWith(`${region}-`));
  if (stray !== undefined) {
    throw invalid(`zone "${stray}" (spec.location.zones) is not in region "${region}" (spec.location.region); name zones of ${region} such as ${region}-b `
      + '(one for a zonal managed instance group, several or none for a regional one), or deploy to the region of that zone');
  }
  return zones.length === 1 ? { kind: 'zonal', region, zone: zones[0]! } : { kind: 'regional', region, zones };
}

/** The zone or the region: what a template's name and every message carry. */
export const placeOf = (s: Scope): string => (s.kind === 'zonal' ? s.zone : s.region);

/** The group as messages name it: managed instance group shop-v001 in europe-west1-b, or regional ... in europe-west1. */
export const groupWhere = (s: Scope, name: string): string => `${s.kind === 'regional' ? 'regional ' : ''}managed instance group ${name} in ${placeOf(s)}`;

/** What a new group's resource says of where it lives: a regional group's zones, when any are named. */
export const placement = (s: Scope, project: string): Group =>
  (s.kind === 'regional' && s.zones.length ? { distributionPolicy: { zones: s.zones.map((z) => ({ zone: `projects/${project}/zones/${z}` })) } } : {});

/** The calls server groups make of managed instance groups, bound to one scope's client and parameter. */
export interface GroupCalls {
  get(name: string): Promise<readonly [Group, ...unknown[]]>;
  list(): Promise<readonly [Group[], ...unknown[]]>;
  listManagedInstances(name: string): Promise<readonly [ManagedInstance[], ...unknown[]]>;
  insert(group: Group): Promise<Started>;
  patch(name: string, group: Group): Promise<Started>;
  resize(name: string, size: number): Promise<Started>;
  delete(name: string): Promise<Started>;
}

/** The group calls of a scope; each gets its client on first use, inside the caller's error mapping. */
export function groupCalls(c: GceClients, s: Scope): GroupCalls {
  const o = callOptions;
  if (s.kind === 'zonal') {
    const g = () => c.get('groups');
    const at = { project: c.project, zone: s.zone };
    return {
      get: async (name) => (await g()).get({ ...at, instanceGroupManager: name }, o),
      list: async () => (await g()).list(at, o),
      listManagedInstances: async (name) => (await g()).listManagedInstances({ ...at, instanceGroupManager: name }, o),
      insert: async (group) => (await g()).insert({ ...at, instanceGroupManagerResource: group }, o),
      patch: async (name, group) => (await g()).patch({ ...at, instanceGroupManager: name, instanceGroupManagerResource: group }, o),
      resize: async (name, size) => (await g()).resize({ ...at, instanceGroupManager: name, size }, o),
      delete: async (name) => (await g()).delete({ ...at, instanceGroupManager: name }, o),
    };
  }
  const g = () => c.get('regionGroups');
  const at = { project: c.project, region: s.region };
  return {
    get: async (name) => (await g()).get({ ...at, instanceGroupManager: name }, o),
    list: async () => (await g()).list(at, o),
    listManagedInstances: async (name) => (await g()).listManagedInstances({ ...at, instanceGroupManager: name }, o),
    insert: async (group) => (await g()).insert({ ...at, instanceGroupManagerResource: group }, o),
    patch: async (name, group) => (await g()).patch({ ...at, instanceGroupManager: name, instanceGroupManagerResource: group }, o),
    resize: async (name, size) => (await g()).resize({ ...at, instanceGroupManager: name, size }, o),
    delete: async (name) => (await g()).delete({ ...at, instanceGroupManager: name }, o),
  };
}
