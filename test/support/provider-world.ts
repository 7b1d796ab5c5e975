// What the provider suites share: a fresh namespace of the shared cluster, a template the Kubernetes
// provider runs, and real objects to own what the provider makes.
import { apiVersion, resources } from '../../src/api/v1alpha1/index.ts';
import { isConflict } from '../../src/core/errors.ts';
import type { KubeClient, KubeObject } from '../../src/core/kube-client.ts';
import type { Owner } from '../../src/providers/interfaces.ts';
import { waitFor } from '../cluster/probe.ts';
import { installCrds } from './crds.ts';
import { sharedCluster } from './setup.ts';

export const namespaces = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false };
let counter = 0;

/** A new namespace, ready for pods. */
export async function freshNamespace(client: KubeClient): Promise<string> {
  const ns = `prov-${Date.now().toString(36)}-${counter++}`;
  await client.create(namespaces, { metadata: { name: ns } });
  await waitFor(async () => {
    try { await client.get({ group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true }, ns, 'default'); return true; } catch { return false; }
  }, 30_000, () => `no default ServiceAccount in ${ns}`);
  return ns;
}

/** A pod template the Kubernetes provider runs (kwok makes its pods ready). */
export const template = (version: string) => ({ kubernetes: { podTemplate: { metadata: { labels: { app: 'shop' } },
  spec: { containers: [{ name: 'web', image: `shop/web:${version}` }] } } } });

let crds: Promise<void> | undefined;

/** Minimal specs of the kinds that own what the provider makes; no operator runs here, so they stay as made. */
const ownerSpecs: Record<string, (name: string) => object> = {
  Cluster: (name) => ({ moniker: { app: name.split('-')[0], stack: name.split('-')[1] }, accountRef: { name: 'local' }, capacity: { min: 0, max: 1, desired: 0 },
    template: template('v0') }),
  LoadBalancer: () => ({ application: 'shop', accountRef: { name: 'local' }, ports: [{ name: 'http', port: 80 }] }),
  SecurityGroup: () => ({ application: 'shop', accountRef: { name: 'local' }, ingress: [] }),
};

/**
 * A real Staysail object of that kind in ns, to own what the provider makes: the garbage collector
 * deletes a dependent whose owner it cannot find, so a made-up owner would lose it.
 */
export async function realOwner(client: KubeClient, ns: string, kind: string, name: string): Promise<Owner> {
  crds ??= installCrds(sharedCluster().kubeconfigPath);
  await crds;
  const rt = Object.values(resources).find((r) => r.kind === kind)!;
  const made = await client.create(rt, { metadata: { name, namespace: ns }, spec: ownerSpecs[kind]!(name) } as KubeObject)
    .catch(async (err: unknown) => { if (isConflict(err)) return client.get(rt, ns, name); throw err; });
  return { apiVersion, kind, namespace: ns, name, uid: made.metadata.uid! };
}
