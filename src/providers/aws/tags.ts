// What marks an AWS resource as Staysail's and says whose it is: tags on everything Staysail makes,
// with the owner's kind, namespace, name and UID. A resource without them is someone else's, and is
// never modified or deleted. Also the deterministic AWS names of what a LoadBalancer makes, which
// must fit ELBv2's 32 characters.
import { createHash } from 'node:crypto';
import type { Owner } from '../interfaces.ts';

export const tagKeys = {
  managedBy: 'staysail.dev/managed-by',
  /** Kind/namespace/name of the object that made it. */
  owner: 'staysail.dev/owner',
  ownerUid: 'staysail.dev/owner-uid',
  /** The Staysail name it was made for (a LoadBalancer's, where the AWS name is shortened). */
  name: 'staysail.dev/name',
  cluster: 'staysail.dev/cluster',
  sequence: 'staysail.dev/sequence',
  templateHash: 'staysail.dev/template-hash',
  /** A server group's load balancers, comma-separated and sorted. */
  loadBalancers: 'staysail.dev/load-balancers',
  /**
   * On a server group made disabled, until it is first enabled: it counts as disabled from the
   * moment it exists, before AddToLoadBalancer is suspended (a crash in between must not have it
   * disabled later, which would suspend Launch while its instances are still coming up).
   */
  madeDisabled: 'staysail.dev/made-disabled',
  /** The port a LoadBalancer's target group serves. */
  port: 'staysail.dev/port',
} as const;

export const managedByValue = 'staysail';

export type Tags = Record<string, string>;
export interface Tag { Key?: string | undefined; Value?: string | undefined }

/** The tags marking what is made for owner under name. */
export function ownerTags(owner: Owner, name: string): Tags {
  return {
    [tagKeys.managedBy]: managedByValue,
    [tagKeys.owner]: `${owner.kind}/${owner.namespace}/${owner.name}`,
    [tagKeys.ownerUid]: owner.uid,
    [tagKeys.name]: name,
  };
}

/** AWS's tag list as a map. */
export const tagMap = (tags: readonly Tag[] | undefined): Tags =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? '']));

/** A map as AWS's tag list, in key order. */
export const tagList = (tags: Tags): { Key: string; Value: string }[] =>
  Object.keys(tags).sort().map((Key) => ({ Key, Value: tags[Key]! }));

/** Whether Staysail made it. */
export const isOurs = (tags: Tags): boolean => tags[tagKeys.managedBy] === managedByValue;

/** Who made it, for messages: "Cluster shop/web (uid ...)", or "something other than Staysail". */
export function ownerOf(tags: Tags): string {
  if (!isOurs(tags)) return 'something other than Staysail (it has no staysail.dev/managed-by tag)';
  return `${tags[tagKeys.owner] ?? 'an unknown object'}${tags[tagKeys.ownerUid] ? ` (uid ${tags[tagKeys.ownerUid]})` : ''}`;
}

/** Whether it is Staysail's and was made for this owner (the same object: same UID). */
export const isOwnedBy = (tags: Tags, owner: Owner): boolean => isOurs(tags) && tags[tagKeys.ownerUid] === owner.uid;

/**
 * name as an AWS name of at most max characters: itself when it fits; else cut and ended with a hash
 * of the whole, so that distinct names stay distinct and the same name always gives the same one.
 */
export function awsName(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, max - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

/** A token for an API's idempotent create (ClientToken): the same for the same owner and name, at most 64 characters. */
export const clientToken = (owner: Owner, name: string): string =>
  createHash('sha256').update(`${owner.uid}/${name}`).digest('hex').slice(0, 64);
