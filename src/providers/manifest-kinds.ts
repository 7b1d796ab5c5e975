// The kinds an Account lets its manifest stages act on (spec.kubernetes.manifests): read from the
// Account's spec alone, so a stage can check a kind it will act on (the pods trafficManagement
// relabels) before anything is applied, as the Kubernetes provider checks each object it touches.
import { invalid } from './errors.ts';
import type { ProviderAccount } from './interfaces.ts';

/** Invalid when the Account's spec.kubernetes.manifests does not let its manifest stages act on the kind; what names the object. */
export function checkKindAllowed(a: ProviderAccount, kind: string, what: string): void {
  const { kinds = [], omitKinds = [] } = a.spec.kubernetes?.manifests ?? {};
  if (omitKinds.includes(kind)) {
    throw invalid(`Account "${a.name}": ${what}: kind ${kind} is in the Account's spec.kubernetes.manifests.omitKinds, so no manifest stage may act on it; ` +
      'remove it from omitKinds, or use another Account');
  }
  if (kinds.length && !kinds.includes(kind)) {
    throw invalid(`Account "${a.name}": ${what}: kind ${kind} is not in the Account's spec.kubernetes.manifests.kinds (${kinds.join(', ')}); ` +
      'add it there, or use another Account');
  }
}
