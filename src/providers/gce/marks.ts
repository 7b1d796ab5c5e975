// What marks a GCE resource as Staysail's and says whose it is. Few Compute resources take labels
// (instance templates' instances and forwarding rules do; groups, templates themselves, backend
// services, health checks and firewalls do not), and labels hold only lower-case values of 63
// characters, so the mark is kept in the description every resource has: a line of text for people
// and a JSON record after "staysail:" with the owner's kind, namespace, name and UID and what the
// resource needs remembered. A resource without the mark is someone else's and is never modified or
// deleted. Also GCE names and labels (RFC 1035, at most 63 characters). Pure.
import { createHash } from 'node:crypto';
import { conflict } from '../errors.ts';
import type { Owner } from '../interfaces.ts';

/** What the description of a resource Staysail made records. */
export interface Mark {
  /** Kind/namespace/name of the object it was made for. */
  owner: string;
  uid: string;
  /** The Staysail name it was made for (a LoadBalancer's, where the GCE name carries a port). */
  name: string;
  cluster?: string;
  sequence?: number;
  templateHash?: string;
  /** A LoadBalancer backend service's port. */
  port?: number;
}

const prefix = 'staysail:';

export const ownerKey = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;

/** The mark of what is made for owner under name, with extra fields. */
export const markOf = (owner: Owner, name: string, extra: Omit<Mark, 'owner' | 'uid' | 'name'> = {}): Mark =>
  ({ owner: ownerKey(owner.kind, owner.namespace, owner.name), uid: owner.uid, name, ...extra });

/** A description holding the mark, readable first. */
export const describeMark = (mark: Mark, text?: string): string =>
  `${text ? `${text.replace(/\n/g, ' ').slice(0, 1000)}. ` : ''}Made by Staysail for ${mark.owner}.\n${prefix}${JSON.stringify(mark)}`;

/** The mark in a description, or undefined (someone else's). */
export function readMark(description: string | null | undefined): Mark | undefined {
  const i = description?.lastIndexOf(`\n${prefix}`) ?? -1;
  if (i < 0) return undefined;
  try {
    const m = JSON.parse(description!.slice(i + prefix.length + 1)) as Partial<Mark>;
    return typeof m.owner === 'string' && typeof m.uid === 'string' && typeof m.name === 'string' ? m as Mark : undefined;
  } catch {
    return undefined;
  }
}

/** Who made it, for messages. */
export const ownerOfMark = (mark: Mark | undefined): string =>
  mark ? `${mark.owner} (uid ${mark.uid})` : 'something other than Staysail (its description has no staysail: mark)';

/** Whether Staysail made it for this object (same UID). */
export const isOwnedBy = (mark: Mark | undefined, owner: Owner): boolean => mark?.uid === owner.uid;

/** Whether Staysail made it for the object of kind, namespace and name (whatever its UID). */
export const isMadeFor = (mark: Mark | undefined, kind: string, namespace: string, name: string): boolean =>
  mark?.owner === ownerKey(kind, namespace, name);

/** here: made for an object of this namespace under this name; elsewhere: Staysail's, made for another; foreign: not Staysail's. */
export type Standing = 'here' | 'elsewhere' | 'foreign';

/**
 * Where a resource made under name stands for namespace, whose Accounts may share the project with
 * other namespaces': here when Staysail made it for an object of that namespace under that name (a
 * ServerGroup owner must be the ServerGroup of that name; a Cluster or other owner must have made it
 * under that name).
 */
export function standingOf(mark: Mark | undefined, namespace: string, name: string): Standing {
  if (!mark) return 'foreign';
  const parts = mark.owner.split('/');
  if (parts.length !== 3 || parts.some((p) => !p) || parts[1] !== namespace) return 'elsewhere';
  return (parts[0] === 'ServerGroup' ? parts[2] : mark.name) === name ? 'here' : 'elsewhere';
}

/** Conflict unless it was made for owner; what names the resource, fix what a person can do. */
export function refuseUnlessOwned(mark: Mark | undefined, owner: Owner, what: string, fix: string): void {
  if (isOwnedBy(mark, owner)) return;
  throw conflict(`${owner.kind} "${owner.name}": ${what} already exists and belongs to ${ownerOfMark(mark)}, not to `
    + `${owner.kind} ${owner.namespace}/${owner.name} (uid ${owner.uid}); Staysail leaves it untouched: ${fix}`);
}

/**
 * name as a GCE name: lower-case letters, digits and hyphens, starting with a letter, at most max
 * (63) characters; cut and ended with a hash of the whole when longer, so distinct names stay distinct.
 */
export function gceName(name: string, max = 63): string {
  let n = name.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  if (!/^[a-z]/.test(n)) n = `s-${n}`;
  n = n.replace(/-+$/, '');
  if (n === name && n.length <= max) return n;
  // Changed to fit GCE's rules, or too long: a hash of the original keeps two such names apart.
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${n.slice(0, max - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

/** A label value: lower-case letters, digits, underscores and hyphens, at most 63 characters. */
export const labelValue = (value: string): string => value.toLowerCase().replace(/[^a-z0-9_-]/g, '_').slice(0, 63);

/** Labels for resources that take them: who made it, in the values labels allow (the description holds the rest). */
export const ownerLabels = (owner: Owner): Record<string, string> => ({
  'staysail-managed-by': 'staysail',
  'staysail-owner-kind': labelValue(owner.kind),
  'staysail-owner-namespace': labelValue(owner.namespace),
  'staysail-owner-name': labelValue(owner.name),
  'staysail-owner-uid': labelValue(owner.uid),
});
