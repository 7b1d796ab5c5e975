// Where a Kubernetes account may act: the namespace of the object that uses it, and the namespaces
// its Account lists. Anything else is refused, so a namespace's users cannot reach another
// namespace through the operator's wider rights.
import { invalid } from '../errors.ts';
import type { Location, ProviderAccount } from '../interfaces.ts';

export function namespaceOf(account: ProviderAccount, location: Location): string {
  const ns = location.namespace ?? account.namespace;
  const allowed = [account.namespace, ...(account.spec.kubernetes?.namespaces ?? [])];
  if (!allowed.includes(ns)) {
    throw invalid(`spec.location.namespace "${ns}" is not one Account "${account.name}" may deploy to (${allowed.join(', ')}); ` +
      `use one of those, or add it to the Account's spec.kubernetes.namespaces`);
  }
  return ns;
}
