// The Kubernetes ManifestProvider against the local control plane: server-side apply into the
// Account's namespaces, kstatus of a Deployment as kwok makes its pods ready, patch, scale, delete,
// and the refusals (a cluster-scoped kind, a namespace the Account may not use, a kind not served, an
// object one of Staysail's kinds controls).
import assert from 'node:assert/strict';
import { realClock } from '../../../src/core/clock.ts';
import { KubeClient, type KubeObject } from '../../../src/core/kube-client.ts';
import { isProviderError } from '../../../src/providers/errors.ts';
import type { ManifestProvider, ManifestRef, ProviderAccount } from '../../../src/providers/interfaces.ts';
import { KubernetesProvider } from '../../../src/providers/kubernetes/provider.ts';
import { waitFor } from '../../cluster/probe.ts';
import { freshNamespace, namespaces, realOwner } from '../../support/provider-world.ts';
import { sharedCluster } from '../../support/setup.ts';
import { deployment } from './objects.ts';

const fieldManager = 'staysail-deployManifest';

describe('the Kubernetes ManifestProvider', function () {
  this.timeout(120_000);
  let client: KubeClient;
  let manifests: ManifestProvider;
  let account: ProviderAccount;
  let ns: string;
  let other: string;

  before(async () => {
    client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock });
    [ns, other] = await Promise.all([freshNamespace(client), freshNamespace(client)]);
    manifests = new KubernetesProvider(client, realClock).manifests;
    account = { name: 'local', namespace: ns, spec: { provider: 'kubernetes', kubernetes: { namespaces: [other] } } };
  });
  after(async () => {
    await Promise.all([ns, other].map((n) => client.delete(namespaces, undefined, n).catch(() => undefined)));
  });

  const web: ManifestRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };

  it('applies a Deployment, which is InProgress until kwok makes its pods ready and Current after', async () => {
    const [applied] = await manifests.apply(account, {}, [deployment('web', 'shop/web:v1')], { fieldManager });
    assert.equal(applied!.metadata.namespace, ns, 'a manifest naming no namespace goes to the location\'s (here the Account\'s)');
    assert.ok((applied!.metadata.managedFields as { manager: string }[]).some((f) => f.manager === fieldManager));
    assert.equal((await manifests.status(account, {}, web)).status, 'InProgress');
    let last = await manifests.status(account, {}, web);
    await waitFor(async () => (last = await manifests.status(account, {}, web)).status === 'Current', 60_000, () => `web never Current: ${JSON.stringify(last)}`);
    assert.match((await manifests.status(account, {}, web)).message, /Replicas: 2/);
  });

  it('applies the same manifest again without a change (server-side apply is idempotent)', async () => {
    const before = await manifests.read(account, {}, web);
    const [again] = await manifests.apply(account, {}, [deployment('web', 'shop/web:v1')], { fieldManager });
    assert.equal(again!.metadata.generation, before!.metadata.generation);
  });

  it('scales through the scale subresource, and refuses a kind without one', async () => {
    await manifests.scale(account, {}, web, 3);
    assert.equal(((await manifests.read(account, {}, web))!.spec as { replicas: number }).replicas, 3);
    await manifests.apply(account, {}, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } } as KubeObject], { fieldManager });
    await assert.rejects(manifests.scale(account, {}, { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings' }, 2),
      (err: Error) => isProviderError(err, 'Invalid') && /ConfigMap .*no scale subresource/.test(err.message));
  });

  it('patches by merge, strategic merge and JSON patch', async () => {
    const cm: ManifestRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings' };
    await manifests.patch(account, {}, cm, { type: 'merge', body: { data: { b: '2' } } }, { fieldManager });
    await manifests.patch(account, {}, cm, { type: 'json', body: [{ op: 'add', path: '/data/c', value: '3' }] }, { fieldManager });
    assert.deepEqual((await manifests.read(account, {}, cm) as { data?: unknown }).data, { a: '1', b: '2', c: '3' });
    await manifests.patch(account, {}, web, { type: 'strategic', body: { spec: { template: { spec: { containers: [{ name: 'web', image: 'shop/web:v2' }] } } } } },
      { fieldManager });
    const containers = ((await manifests.read(account, {}, web))!.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers;
    assert.deepEqual(containers.map((c) => c.image), ['shop/web:v2'], 'a strategic merge patch merges containers by name');
  });

  it('applies into another namespace the Account lists, and refuses one it does not', async () => {
    const [applied] = await manifests.apply(account, { namespace: other }, [deployment('api', 'shop/api:v1')], { fieldManager });
    assert.equal(applied!.metadata.namespace, other);
    await assert.rejects(manifests.apply(account, {}, [{ ...deployment('api', 'x'), metadata: { name: 'api', namespace: 'kube-system' } }], { fieldManager }),
      (err: Error) => isProviderError(err, 'Invalid') && /^Deployment "kube-system\/api": namespace "kube-system" is not one Account "local" may deploy to \(prov-.*\); use one of those/.test(err.message));
  });

  it('refuses a cluster-scoped kind and a kind the cluster does not serve, naming the kind', async () => {
    await assert.rejects(manifests.apply(account, {}, [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' } } as KubeObject],
      { fieldManager }), (err: Error) => isProviderError(err, 'Invalid') && /ClusterRole "reader" is cluster-scoped/.test(err.message));
    await assert.rejects(manifests.apply(account, {}, [{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } } as KubeObject],
      { fieldManager }), (err: Error) => isProviderError(err, 'Invalid') && /serves no kind Widget in apiVersion example.com\/v1/.test(err.message));
  });

  it('serves a kind whose CRD was installed after its first look-up, and reads its custom resources\' conditions', async () => {
    const group = `${ns}.example.com`;
    const crds = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false };
    const widget = (conditions: object[]) => ({ apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w' }, status: { conditions } } as KubeObject);
    await assert.rejects(manifests.apply(account, {}, [widget([])], { fieldManager }), (err: Error) => isProviderError(err, 'Invalid'));
    await client.create(crds, { metadata: { name: `widgets.${group}` }, spec: { group, scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] } } as KubeObject);
    try {
      const ref = { apiVersion: `${group}/v1`, kind: 'Widget', name: 'w' };
      await waitFor(async () => { try { await manifests.apply(account, {}, [widget([])], { fieldManager }); return true; } catch { return false; } },
        30_000, () => 'the Widget kind was never served');
      assert.deepEqual(await manifests.status(account, {}, ref), { status: 'Current', message: 'Resource is current' });
      await manifests.apply(account, {}, [widget([{ type: 'Ready', status: 'False', reason: 'Waiting', message: 'waiting for the database' }])], { fieldManager });
      assert.deepEqual(await manifests.status(account, {}, ref), { status: 'InProgress', message: 'waiting for the database' });
      await manifests.apply(account, {}, [widget([{ type: 'Stalled', status: 'True', reason: 'Invalid', message: 'no such database' }])], { fieldManager });
      assert.deepEqual(await manifests.status(account, {}, ref), { status: 'Failed', message: 'no such database' });
    } finally {
      await client.delete(crds, undefined, `widgets.${group}`).catch(() => undefined);
    }
  });

  it('refuses an object controlled by one of Staysail\'s kinds, which has a writer already', async () => {
    const owned = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned',
      ownerReferences: [{ apiVersion: 'staysail.dev/v1alpha1', kind: 'ServerGroup', name: 'shop-prod-v001', uid: '0000', controller: true }] } } as KubeObject;
    await assert.rejects(manifests.apply(account, {}, [owned], { fieldManager }),
      (err: Error) => isProviderError(err, 'Conflict') && /ConfigMap ".*\/owned" is controlled by ServerGroup "shop-prod-v001"/.test(err.message));
    assert.equal(await manifests.read(account, {}, { apiVersion: 'v1', kind: 'ConfigMap', name: 'owned' }), undefined, 'nothing was written');
  });

  it('refuses to delete, patch or scale an object one of Staysail\'s kinds controls, naming it and its controller, and changes nothing', async () => {
    // A real owner: the garbage collector keeps what it controls, as a Cluster's or a LoadBalancer's objects are kept.
    const owner = await realOwner(client, ns, 'SecurityGroup', 'keeper');
    const ownerReferences = [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid, controller: true }];
    const configMaps = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
    const deployments = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true };
    await client.create(configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept', namespace: ns, ownerReferences }, data: { a: '1' } } as KubeObject);
    const d = deployment('kept', 'shop/web:v1');
    await client.create(deployments, { ...d, metadata: { ...d.metadata, namespace: ns, ownerReferences } } as KubeObject);
    const refused = (doing: string, what: string) => (err: Error) => isProviderError(err, 'Conflict')
      && err.message === `${what} "${ns}/kept" is controlled by SecurityGroup "keeper", which writes it; change the SecurityGroup instead of ${doing} the object`;
    const cm: ManifestRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'kept' };
    const dep: ManifestRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'kept' };
    await assert.rejects(manifests.delete(account, {}, cm), refused('deleting', 'ConfigMap'));
    await assert.rejects(manifests.patch(account, {}, dep, { type: 'merge', body: { metadata: { labels: { patched: 'yes' } } } }, { fieldManager }),
      refused('patching', 'Deployment'));
    await assert.rejects(manifests.scale(account, {}, dep, 5), refused('scaling', 'Deployment'));
    const [keptMap, keptDeployment] = [await manifests.read(account, {}, cm), await manifests.read(account, {}, dep)];
    assert.ok(keptMap, 'the ConfigMap was deleted');
    assert.equal(keptDeployment!.metadata.labels?.patched, undefined, 'the Deployment was patched');
    assert.equal((keptDeployment!.spec as { replicas: number }).replicas, (d.spec as { replicas: number }).replicas, 'the Deployment was scaled');
  });

  it('lists by label selector, deletes, and takes deleting what is gone as done', async () => {
    const listed = await manifests.list(account, {}, { apiVersion: 'apps/v1', kind: 'ReplicaSet' }, 'app=web');
    assert.ok(listed.length >= 1, 'the Deployment\'s ReplicaSets');
    await manifests.delete(account, {}, web, { cascade: 'foreground' });
    await waitFor(async () => (await manifests.read(account, {}, web)) === undefined, 30_000, () => 'web was never deleted');
    await manifests.delete(account, {}, web);
    assert.deepEqual(await manifests.status(account, {}, web), { status: 'InProgress', message: `Deployment "${ns}/web" does not exist` });
  });
});
