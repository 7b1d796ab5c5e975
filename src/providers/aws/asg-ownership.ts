// Whose an Auto Scaling group (or its launch template) is, seen from a namespace (pure). Namespaces
// sharing an AWS account may each have a server group of the same name; what one made is never
// described as the other's, nor changed or deleted by it.
import { isOurs, tagKeys, type Tags } from './tags.ts';

/** here: made for an object of this namespace under this name; elsewhere: Staysail's, made for another; foreign: not Staysail's. */
export type Standing = 'here' | 'elsewhere' | 'foreign';

/** The kind, namespace and name its owner tag names (Kind/namespace/name), or undefined when it has none that reads so. */
export function ownerParts(tags: Tags): { kind: string; namespace: string; name: string } | undefined {
  const parts = (tags[tagKeys.owner] ?? '').split('/');
  if (parts.length !== 3 || parts.some((p) => !p)) return undefined;
  const [kind, namespace, name] = parts as [string, string, string];
  return { kind, namespace, name };
}

/**
 * Where a resource named name stands for namespace: here when Staysail made it for an object of that
 * namespace under that name (a ServerGroup owner must be the ServerGroup of that name; a Cluster or
 * other owner must have made it under that name).
 */
export function standingOf(tags: Tags, namespace: string, name: string): Standing {
  if (!isOurs(tags)) return 'foreign';
  const owner = ownerParts(tags);
  if (!owner || owner.namespace !== namespace) return 'elsewhere';
  if (owner.kind === 'ServerGroup' ? owner.name !== name : (tags[tagKeys.name] ?? name) !== name) return 'elsewhere';
  return 'here';
}
