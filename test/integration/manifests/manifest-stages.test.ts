// deleteManifest, patchManifest and scaleManifest against the local control plane, pass after pass.
import assert from 'node:assert/strict';
import { realClock } from '../../../src/core/clock.ts';
import { KubeClient, type KubeObject, type ResourceType } from '../../../src/core/kube-client.ts';
import { KubernetesProvider } from '../../../src/providers/kubernetes/provider.ts';
import { deleteManifestStage } from '../../../src/pipeline/stages/delete-manifest.ts';
import { patchManifestStage } from '../../../src/pipeline/stages/patch-manifest.ts';
import { scaleManifestStage } from '../../../src/pipeline/stages/scale-manifest.ts';
import { freshNamespace, namespaces } from '../../support/provider-world.ts';
import { sharedCluster } from '../../support/setup.ts';
import { deployment } from './objects.ts';
import { runStage, type StageWorld } from './passes.ts';

const configMaps: ResourceType = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const deployments: ResourceType = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true };
const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };

describe('the deleteManifest, patchManifest and scaleManifest stages', function () {
  this.timeout(120_000);
  let w: StageWorld;

  before(async () => {
    const client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock });
    w = { client, provider: new KubernetesProvider(client, realClock), ns: await freshNamespace(client) };
    await w.provider.manifests!.apply({ name: 'local', namespace: w.ns, spec: { provider: 'kubernetes' } }, {}, [deployment('web', 'shop/web:v1'),
      ...['a', 'b', 'c'].map((n) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cfg-${n}`, labels: { tier: n === 'c' ? 'keep' : 'drop' } } } as KubeObject))],
    { fieldManager: 'test' });
  });
  after(async () => { await w.client.delete(namespaces, undefined, w.ns).catch(() => undefined); });

  const spec = async () => (await w.client.get(deployments, w.ns, 'web')).spec as { replicas: number; template: { spec: { containers: { image: string }[] } } };

  it('scaleManifest sets replicas and waits until the Deployment is available at that size', async () => {
    const outcome = await runStage(w, scaleManifestStage, { target, replicas: 3 });
    assert.equal(outcome.status, 'SUCCEEDED', outcome.message);
    assert.equal((await spec()).replicas, 3);
    const rs = (await w.client.get(deployments, w.ns, 'web')).status as { availableReplicas?: number };
    assert.equal(rs.availableReplicas, 3, 'it waited for the new pods');
  });

  it('scaleManifest fails naming a kind without a scale subresource', async () => {
    const outcome = await runStage(w, scaleManifestStage, { target: { apiVersion: 'v1', kind: 'ConfigMap', name: 'cfg-a' }, replicas: 2 });
    assert.equal(outcome.status, 'FAILED');
    assert.match(outcome.message ?? '', /^scaleManifest "step": ConfigMap ".*\/cfg-a": kind ConfigMap has no scale subresource/);
  });

  it('patchManifest patches by strategic merge and waits for the rollout, and by JSON patch', async () => {
    const outcome = await runStage(w, patchManifestStage, { target, patchType: 'strategic',
      patch: { spec: { template: { spec: { containers: [{ name: 'web', image: 'shop/web:v2' }] } } } } });
    assert.equal(outcome.status, 'SUCCEEDED', outcome.message);
    assert.deepEqual((await spec()).template.spec.containers.map((c) => c.image), ['shop/web:v2']);
    const json = await runStage(w, patchManifestStage, { target: { apiVersion: 'v1', kind: 'ConfigMap', name: 'cfg-c' }, patchType: 'json',
      patch: [{ op: 'add', path: '/data', value: { k: 'v' } }] });
    assert.equal(json.status, 'SUCCEEDED', json.message);
    assert.deepEqual((await w.client.get(configMaps, w.ns, 'cfg-c') as { data?: unknown }).data, { k: 'v' });
  });

  it('deleteManifest deletes by label selector and waits until they are gone, leaving the others', async () => {
    const outcome = await runStage(w, deleteManifestStage, { apiVersion: 'v1', kind: 'ConfigMap', labelSelector: 'tier=drop' });
    assert.equal(outcome.status, 'SUCCEEDED', outcome.message);
    assert.deepEqual(outcome.outputs?.deletedNames, ['cfg-a', 'cfg-b']);
    const left = (await w.client.list(configMaps, w.ns, { labelSelector: 'tier' })).items.map((c) => c.metadata.name);
    assert.deepEqual(left, ['cfg-c']);
  });

  it('deleteManifest deletes by name, cascading to the Deployment\'s ReplicaSets in the foreground', async () => {
    const outcome = await runStage(w, deleteManifestStage, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', cascade: 'foreground' });
    assert.equal(outcome.status, 'SUCCEEDED', outcome.message);
    const replicaSets = await w.client.list({ group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', namespaced: true }, w.ns,
      { labelSelector: 'app=web' });
    assert.deepEqual(replicaSets.items.filter((r) => !r.metadata.deletionTimestamp).map((r) => r.metadata.name), []);
  });
});
