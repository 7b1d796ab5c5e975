// The Kubernetes ManifestProvider's refusals that need no cluster, against a small in-memory API
// server behind KubeClient's methods (the rest is in test/integration/manifests/provider.test.ts).
import assert from 'node:assert/strict';
import { ManualClock } from '../../core/clock.ts';
import { ApiError } from '../../core/errors.ts';
import type { KubeClient, KubeObject, ResourceType } from '../../core/kube-client.ts';
import { isProviderError } from '../errors.ts';
import type { ProviderAccount } from '../interfaces.ts';
import { kubernetesManifests } from './manifests.ts';

/** Objects by plural/namespace/name; discovery serves ConfigMaps and scalable Deployments. */
function memoryClient(objects: KubeObject[]) {
  const byKey = new Map<string, KubeObject>();
  const calls: string[] = [];
  const kinds: Record<string, string> = { ConfigMap: 'configmaps', Deployment: 'deployments' };
  for (const o of objects) byKey.set(`${kinds[o.kind!]}/${o.metadata.namespace}/${o.metadata.name}`, o);
  const key = (rt: ResourceType, ns: string | undefined, name: string) => `${rt.plural}/${ns}/${name}`;
  const discovery: Record<string, unknown> = {
    '/api/v1': { resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true }] },
    '/apis/apps/v1': { resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true }, { name: 'deployments/scale', kind: 'Scale', namespaced: true }] },
  };
  const client = {
    path: (rt: ResourceType, ns: string, name: string, sub?: string) => `${key(rt, ns, name)}${sub ? `/${sub}` : ''}`,
    async get(rt: ResourceType, ns: string, name: string) {
      const o = byKey.get(key(rt, ns, name));
      if (!o) throw new ApiError(404, 'NotFound', `${name} not found`);
      return o;
    },
    async delete(rt: ResourceType, ns: string, name: string) { calls.push(`DELETE ${key(rt, ns, name)}`); byKey.delete(key(rt, ns, name)); },
    async request(_verb: string, method: string, path: string) {
      if (method === 'GET') return discovery[path];
      calls.push(`${method} ${path}`);
      return {};
    },
  };
  return { client: client as unknown as KubeClient, calls };
}

const controlled = (kind: string, apiVersion: string, name: string): KubeObject => ({ apiVersion, kind, metadata: { name, namespace: 'shop',
  ownerReferences: [{ apiVersion: 'staysail.dev/v1alpha1', kind: 'ServerGroup', name: 'shop-prod-v001', uid: 'u1', controller: true }] } } as KubeObject);
const account: ProviderAccount = { name: 'local', namespace: 'shop', spec: { provider: 'kubernetes' } } as ProviderAccount;

describe('the Kubernetes ManifestProvider, without a cluster', () => {
  it('refuses to delete, patch or scale an object one of Staysail\'s kinds controls, naming the object and its controller', async () => {
    const { client, calls } = memoryClient([controlled('ConfigMap', 'v1', 'owned'), controlled('Deployment', 'apps/v1', 'web')]);
    const mp = kubernetesManifests(async () => client, new ManualClock());
    const refused = (doing: string, name: string) => (err: Error) => isProviderError(err, 'Conflict')
      && err.message === `${name} is controlled by ServerGroup "shop-prod-v001", which writes it; change the ServerGroup instead of ${doing} the object`;
    await assert.rejects(mp.delete(account, {}, { apiVersion: 'v1', kind: 'ConfigMap', name: 'owned' }), refused('deleting', 'ConfigMap "shop/owned"'));
    await assert.rejects(mp.patch(account, {}, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, { type: 'merge', body: {} }, { fieldManager: 'm' }),
      refused('patching', 'Deployment "shop/web"'));
    await assert.rejects(mp.scale(account, {}, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, 3), refused('scaling', 'Deployment "shop/web"'));
    assert.deepEqual(calls, [], 'nothing was written');
  });

  it('deletes, patches and scales an object no Staysail kind controls', async () => {
    const plain = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } } as KubeObject;
    const { client, calls } = memoryClient([plain]);
    const mp = kubernetesManifests(async () => client, new ManualClock());
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
    await mp.patch(account, {}, ref, { type: 'merge', body: {} }, { fieldManager: 'm' });
    await mp.scale(account, {}, ref, 3);
    await mp.delete(account, {}, ref);
    await mp.delete(account, {}, ref);
    assert.deepEqual(calls, ['PATCH deployments/shop/web', 'PATCH deployments/shop/web/scale', 'DELETE deployments/shop/web']);
  });
});
