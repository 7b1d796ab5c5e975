// Owner references on what the Kubernetes provider makes, so the garbage collector removes it with
// its object. The collector looks for an owner in the dependent's own cluster and namespace, and
// deletes a dependent whose owner it cannot find there: what is made through a kubeconfig Secret or
// in another namespace carries the owner annotation alone.
import type { Location, Owner, ProviderAccount } from '../interfaces.ts';
import { namespaceOf } from './namespace.ts';

export interface OwnerReference { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }

const sameCluster = (account: ProviderAccount) => !account.spec.kubernetes?.kubeconfigSecretRef;

/** Whether what is made for an object through this account and location is owned by it by reference. */
export function ownsByReference(account: ProviderAccount, location: Location): boolean {
  if (!sameCluster(account)) return false;
  try {
    return namespaceOf(account, location) === account.namespace;
  } catch {
    return false;
  }
}

/** The owner references of something made in namespace ns for owner: none where owner cannot own it. */
export function ownerReferences(account: ProviderAccount, ns: string, owner: Owner): OwnerReference[] {
  if (!sameCluster(account) || ns !== account.namespace) return [];
  return [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid, controller: true }];
}
