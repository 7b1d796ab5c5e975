// bakeManifest with the real kustomize against the local control plane: a base and an overlay kept
// in two ConfigMaps (one a folder each) built into the run's ConfigMap; kustomize's own message for
// an overlay that names a missing file; and a remote base refused while the network is not allowed.
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { realClock } from '../../../src/core/clock.ts';
import { KubeClient, type KubeObject, type ResourceType } from '../../../src/core/kube-client.ts';
import { freshNamespace, namespaces } from '../../support/provider-world.ts';
import { sharedCluster } from '../../support/setup.ts';
import { bakePass, fixture, folderConfigMap, ownerRun, putConfigMap, withRenderers } from './bake-world.ts';

const configMaps: ResourceType = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

describe('the bakeManifest stage with kustomize', function () {
  this.timeout(120_000);
  withRenderers();
  let client: KubeClient;
  let ns: string;
  let owner: KubeObject;

  before(async () => {
    client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock });
    ns = await freshNamespace(client);
    owner = await ownerRun(client, ns, 'release-1');
    await putConfigMap(client, ns, await folderConfigMap('web-base', fixture('kustomize/base')));
    await putConfigMap(client, ns, await folderConfigMap('web-prod', fixture('kustomize/overlays/prod')));
  });
  after(async () => { await client.delete(namespaces, undefined, ns).catch(() => undefined); });

  const overlay = (extra: Record<string, unknown> = {}, prod = 'web-prod') => ({ templateRenderer: 'kustomize', kustomize: {
    filesFrom: [{ configMapRef: { name: 'web-base' }, path: 'base' }, { configMapRef: { name: prod }, path: 'overlays/prod' }], path: 'overlays/prod', ...extra } });

  it('builds the overlay on its base, each from its own ConfigMap, into a ConfigMap the run owns', async () => {
    const outcome = await bakePass(client, owner, overlay());
    assert.equal(outcome.status, 'SUCCEEDED', outcome.message);
    const outputs = outcome.outputs as { configMap: string; sha256: string; objects: unknown[] };
    assert.deepEqual(outputs.objects, [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'prod-web-config' }, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'prod-web' }]);
    const cm = await client.get<KubeObject & { data: Record<string, string> }>(configMaps, ns, outputs.configMap);
    assert.equal(cm.metadata.ownerReferences?.[0]?.uid, owner.metadata.uid);
    type Rendered = { data?: { color: string }; spec?: { replicas: number; template: { spec: { containers: { image: string; envFrom: { configMapRef: { name: string } }[] }[] } } } };
    const [config, deployment] = parseAllDocuments(cm.data['manifests.yaml']!).map((d) => d.toJS() as Rendered);
    assert.equal(config!.data!.color, 'green');
    assert.equal(deployment!.spec!.replicas, 2);
    const container = deployment!.spec!.template.spec.containers[0]!;
    assert.equal(container.image, 'shop/web:v2');
    assert.equal(container.envFrom[0]!.configMapRef.name, 'prod-web-config');
  });

  it('fails with kustomize\'s own message when the overlay names a file that is not there, naming the overlay', async () => {
    await putConfigMap(client, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'broken' }, data: {
      'kustomization.yaml': 'resources:\n- ../../base\n- missing.yaml\n' } } as KubeObject);
    const outcome = await bakePass(client, owner, overlay({}, 'broken'), 'broken');
    assert.equal(outcome.status, 'FAILED');
    assert.match(outcome.message ?? '', /^bakeManifest "broken": overlay overlays\/prod \(ConfigMaps "web-base", "broken"\): kustomize build failed: Error: .*missing\.yaml/);
  });

  it('cannot fetch a remote base while the network is not allowed (no proxy to go out through), nor ever a git base, and says so', async () => {
    await putConfigMap(client, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'remote' }, data: {
      'kustomization.yaml': 'resources:\n- https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v3.3.1\n- https://example.com/manifests/web.yaml\n' } } as KubeObject);
    const outcome = await bakePass(client, owner, { templateRenderer: 'kustomize', kustomize: { filesFrom: [{ configMapRef: { name: 'remote' } }] } }, 'remote');
    assert.equal(outcome.status, 'FAILED');
    assert.match(outcome.message ?? '', /^bakeManifest "remote": overlay \. \(ConfigMap "remote"\): kustomize build failed: .*127\.0\.0\.1:9: connect: connection refused.*no 'git' program on path.*; git remote bases are not supported \(the operator has no git\): keep the base in a ConfigMap of filesFrom; allowNetwork fetches HTTP\(S\) resources only$/);
  });
});
