// What marks an Azure resource as Staysail's and says whose it is: tags, which every resource Staysail
// makes on Azure takes (scale sets, load balancers, public IP addresses, network and application
// security groups). staysail-managed-by says Staysail made it; the owner's kind, namespace, name and
// UID say for what; staysail-name is the Staysail name it was made for. Scale sets also record their
// cluster, sequence, template hash, load balancers, whether they are enabled and when they were made.
// A resource without staysail-managed-by, or with another owner's UID, is someone else's and is never
// modified or deleted. Azure compares tag names without case, so keys are read that way. Pure.
import { conflict, invalid } from '../errors.ts';
import type { Owner } from '../interfaces.ts';

export const tagPrefix = 'staysail-';
export const tagKeys = {
  managedBy: 'staysail-managed-by', kind: 'staysail-owner-kind', namespace: 'staysail-owner-namespace', ownerName: 'staysail-owner-name',
  uid: 'staysail-owner-uid', name: 'staysail-name', cluster: 'staysail-cluster', sequence: 'staysail-sequence',
  templateHash: 'staysail-template-hash', loadBalancers: 'staysail-load-balancers', enabled: 'staysail-enabled', created: 'staysail-created',
} as const;

/** What the tags of a resource Staysail made record. */
export interface Mark {
  /** Kind/namespace/name of the object it was made for. */
  owner: string;
  kind: string;
  namespace: string;
  uid: string;
  /** The Staysail name it was made for. */
  name: string;
  cluster?: string;
  sequence?: number;
  templateHash?: string;
  loadBalancers?: string[];
  enabled?: boolean;
  created?: string;
}

export type Tags = Record<string, string>;

export const ownerKey = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;

/** The tags of what is made for owner under name, with extra tags (a scale set's). */
export const tagsOf = (owner: Owner, name: string, extra: Tags = {}): Tags => ({
  ...extra,
  [tagKeys.managedBy]: 'staysail',
  [tagKeys.kind]: owner.kind,
  [tagKeys.namespace]: owner.namespace,
  [tagKeys.ownerName]: owner.name,
  [tagKeys.uid]: owner.uid,
  [tagKeys.name]: name,
});

/** The tags by lower-cased key: Azure may hand a tag back in another case than it was written. */
const lowerKeys = (tags: Readonly<Record<string, string | undefined>> | null | undefined): Map<string, string> =>
  new Map(Object.entries(tags ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string').map(([k, v]) => [k.toLowerCase(), v]));

/** The mark the tags hold, or undefined (someone else's: no staysail-managed-by, or no owner). */
export function readMark(tags: Readonly<Record<string, string | undefined>> | null | undefined): Mark | undefined {
  const t = lowerKeys(tags);
  const get = (k: string) => t.get(k);
  const [kind, namespace, ownerName, uid, name] = [get(tagKeys.kind), get(tagKeys.namespace), get(tagKeys.ownerName), get(tagKeys.uid), get(tagKeys.name)];
  if (get(tagKeys.managedBy) !== 'staysail' || !kind || !namespace || !ownerName || !uid || !name) return undefined;
  const sequence = Number(get(tagKeys.sequence));
  const loadBalancers = get(tagKeys.loadBalancers);
  const enabled = get(tagKeys.enabled);
  return {
    owner: ownerKey(kind, namespace, ownerName), kind, namespace, uid, name,
    ...(get(tagKeys.cluster) ? { cluster: get(tagKeys.cluster)! } : {}),
    ...(get(tagKeys.sequence) !== undefined && Number.isInteger(sequence) ? { sequence } : {}),
    ...(get(tagKeys.templateHash) ? { templateHash: get(tagKeys.templateHash)! } : {}),
    ...(loadBalancers !== undefined ? { loadBalancers: loadBalancers.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    ...(enabled !== undefined ? { enabled: enabled === 'true' } : {}),
    ...(get(tagKeys.created) ? { created: get(tagKeys.created)! } : {}),
  };
}

/** Who made it, for messages. */
export const ownerOfMark = (mark: Mark | undefined): string =>
  mark ? `${mark.owner} (uid ${mark.uid})` : 'something other than Staysail (it has no staysail-managed-by tag)';

/** Whether Staysail made it for this object (same UID). */
export const isOwnedBy = (mark: Mark | undefined, owner: Owner): boolean => mark?.uid === owner.uid;

/** Whether Staysail made it for the object of kind, namespace and name (whatever its UID). */
export const isMadeFor = (mark: Mark | undefined, kind: string, namespace: string, name: string): boolean =>
  mark?.owner === ownerKey(kind, namespace, name);

/**
 * Whether Staysail made it in this namespace for the object of this Staysail name (a server group's
 * scale set is made for the ServerGroup, or in tests for its Cluster: the name tag says which server
 * group it is). Another namespace's object of the same name, sharing the resource group, is not it.
 */
export const isMadeHere = (mark: Mark | undefined, namespace: string, name: string): boolean =>
  !!mark && mark.namespace === namespace && mark.name.toLowerCase() === name.toLowerCase();

/** Conflict unless it was made for owner; what names the resource, fix what a person can do. */
export function refuseUnlessOwned(mark: Mark | undefined, owner: Owner, what: string, fix: string): void {
  if (isOwnedBy(mark, owner)) return;
  throw conflict(`${owner.kind} "${owner.name}": ${what} already exists and belongs to ${ownerOfMark(mark)}, not to `
    + `${owner.kind} ${owner.namespace}/${owner.name} (uid ${owner.uid}); Staysail leaves it untouched: ${fix}`);
}

/** Azure's limits on tags (a resource takes at most 50): names of 512 characters without < > % & \ ? /, values of 256. */
const badKey = /[<>%&\\?/]/;

/**
 * The user's tags (field names them in messages), which must be valid Azure tags and leave Staysail's
 * own alone: a key beginning staysail- (in any case) is Invalid.
 */
export function userTags(what: string, field: string, tags: Readonly<Record<string, string>> | undefined): Tags {
  for (const [k, v] of Object.entries(tags ?? {})) {
    if (k.toLowerCase().startsWith(tagPrefix)) {
      throw invalid(`${what}: ${field} "${k}": tags beginning ${tagPrefix} are Staysail's own (they say who owns the resource); rename it`);
    }
    if (!k || k.length > 512 || badKey.test(k) || v.length > 256) {
      throw invalid(`${what}: ${field} "${k}" is not an Azure tag: names hold at most 512 characters and none of < > % & \\ ? /, `
        + 'values at most 256; correct it');
    }
  }
  return { ...(tags ?? {}) };
}
