// Whose an existing AWS resource is, for the load-balancer and security-group providers: an upsert
// acts only on what was made for the same object (its UID), a delete only on what was made for an
// object of that kind, namespace and name (a delete is not told the UID). Anything else is left
// untouched.
import { conflict } from '../errors.ts';
import type { Owner } from '../interfaces.ts';
import { isOurs, isOwnedBy, ownerOf, tagKeys, type Tags } from './tags.ts';

/** The owner tag's value for an object of kind in namespace. */
export const ownerKey = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;

/** Whether Staysail made it for the object of kind, namespace and name (whatever its UID). */
export const isMadeFor = (tags: Tags, kind: string, namespace: string, name: string): boolean =>
  isOurs(tags) && tags[tagKeys.owner] === ownerKey(kind, namespace, name);

/**
 * Conflict unless it was made for owner. what names the resource ("load balancer web (arn)"); fix
 * says what a person can do about it.
 */
export function refuseUnlessOwned(tags: Tags, owner: Owner, what: string, fix: string): void {
  if (isOwnedBy(tags, owner)) return;
  const mine = `${owner.kind} ${owner.namespace}/${owner.name} (uid ${owner.uid})`;
  throw conflict(`${owner.kind} "${owner.name}": ${what} already exists and belongs to ${ownerOf(tags)}, not to ${mine}; `
    + `Staysail leaves it untouched: ${fix}`);
}
