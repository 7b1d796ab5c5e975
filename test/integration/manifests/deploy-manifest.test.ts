// The deployManifest stage against the local control plane, pass after pass as the run controller
// calls it (each outcome's state fed to the next pass): a Deployment and its ConfigMap applied and
// waited on as kwok makes the pods ready; a changed ConfigMap deployed as v001 with the Deployment
// rewritten to it, an unchanged one reusing its version, maxVersionHistory pruning; a stage resumed
// with its state applies nothing new.
import assert from 'node:assert/strict';
import type { StageRecord } from '../../../src/api/v1alpha1/pipeline-run.ts';
import { realClock } from '../../../src/core/clock.ts';
import { KubeClient, type KubeObject, type ResourceType } from '../../../src/core/kube-client.ts';
import { KubernetesProvider } from '../../../src/providers/kubernetes/provider.ts';
import { deployManifestStage } from '../../../src/pipeline/stages/deploy-manifest.ts';
import { freshNamespace, namespaces } from '../../support/provider-world.ts';
import { sharedCluster } from '../../support/setup.ts';
import { deployment } from './objects.ts';
import { newRecord, pass as passOf, runStage as run } from './passes.ts';

const configMaps: ResourceType = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const deployments: ResourceType = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true };

describe('the deployManifest stage', function () {
  this.timeout(120_000);
  let client: KubeClient;
  let provider: KubernetesProvider;
  let ns: string;

  before(async () => {
    client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock });
    ns = await freshNamespace(client);
    provider = new KubernetesProvider(client, realClock);
  });
  after(async () => { await client.delete(namespaces, undefined, ns).catch(() => undefined); });

  const web = (color: string): KubeObject[] => [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config' }, data: { color } } as KubeObject,
    deployment('web', 'shop/web:v1', { volumes: [{ name: 'config', configMap: { name: 'web-config' } }] }),
  ];

  const world = () => ({ client, provider, ns });
  const pass = (block: Record<string, unknown>, record: StageRecord) => passOf(world(), deployManifestStage, block, record);
  const runStage = (block: Record<string, unknown>, timeout?: string) => run(world(), deployManifestStage, block, timeout);

  const volumeOf = async () => ((await client.get(deployments, ns, 'web')).spec as { template: { spec: { volumes: { configMap: { name: string } }[] } } })
    .template.spec.volumes[0]!.configMap.name;
  const versions = async () => (await client.list(configMaps, ns, { labelSelector: 'artifact.staysail.dev/name=web-config' })).items.map((c) => c.metadata.name).sort();

  it('applies a ConfigMap as v000 and a Deployment using it, and succeeds once kwok has made the Deployment available', async () => {
    const outcome = await runStage({ manifests: web('blue') });
    assert.equal(outcome.status, 'SUCCEEDED', outcome.message);
    assert.ok(outcome.passes > 1, 'it waited for the rollout');
    assert.deepEqual(outcome.outputs?.manifests, [
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'web-config-v000', namespace: ns, version: 'v000' },
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: ns }]);
    assert.deepEqual(outcome.outputs?.deployedNames, ['configMap web-config-v000', 'deployment web']);
    assert.equal(await volumeOf(), 'web-config-v000');
  });

  it('deploys a changed ConfigMap as v001 with the Deployment rewritten to it, and reuses v001 when it is unchanged', async () => {
    assert.equal((await runStage({ manifests: web('green') })).status, 'SUCCEEDED');
    assert.equal(await volumeOf(), 'web-config-v001');
    const again = await runStage({ manifests: web('green') });
    assert.equal(again.status, 'SUCCEEDED');
    assert.deepEqual(await versions(), ['web-config-v000', 'web-config-v001'], 'the same content makes no new version');
    assert.equal(await volumeOf(), 'web-config-v001');
  });

  it('goes back to an older version when its content comes back, and prunes past maxVersionHistory once stable', async () => {
    assert.equal((await runStage({ manifests: web('red') })).status, 'SUCCEEDED');
    assert.deepEqual(await versions(), ['web-config-v000', 'web-config-v001', 'web-config-v002']);
    const back = await runStage({ manifests: web('blue'), maxVersionHistory: 2 });
    assert.equal(back.status, 'SUCCEEDED', back.message);
    assert.equal(await volumeOf(), 'web-config-v000', 'blue is v000 again');
    assert.deepEqual(await versions(), ['web-config-v000', 'web-config-v001', 'web-config-v002'], 'versions above the one deployed are never pruned');
    const outcome = await runStage({ manifests: web('orange'), maxVersionHistory: 2 });
    assert.equal(outcome.status, 'SUCCEEDED', outcome.message);
    assert.deepEqual(await versions(), ['web-config-v002', 'web-config-v003'], 'v003 (deployed) and the newest below it are kept');
    assert.match(outcome.message ?? '', /pruned web-config-v001, web-config-v000/);
  });

  it('resumed with the state of its first pass, waits on what it applied and makes no new version', async () => {
    const record = newRecord('deployManifest');
    const first = await pass({ manifests: web('yellow') }, record);
    assert.equal(first.status, 'RUNNING');
    // A crash before the state was kept: the next pass applies again, and finds the version it made.
    const lost = await pass({ manifests: web('yellow') }, { ...record });
    assert.deepEqual(lost.outputs?.manifests, first.outputs?.manifests);
    record.state = first.state;
    const resumed = await pass({ manifests: web('purple') }, record);
    assert.notEqual(resumed.status, 'FAILED');
    assert.deepEqual(await versions(), ['web-config-v002', 'web-config-v003', 'web-config-v004']);
  });

  it('fails naming a manifest it cannot apply, and a ConfigMap source that does not exist', async () => {
    const bad = await runStage({ manifests: [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' } }] });
    assert.equal(bad.status, 'FAILED');
    assert.match(bad.message ?? '', /deployManifest "step": Account "local": ClusterRole "reader" is cluster-scoped/);
    const missing = await runStage({ manifestsFrom: { configMapRef: { name: 'nope' }, key: 'manifests.yaml' } });
    assert.match(missing.message ?? '', /ConfigMap "nope" \(manifestsFrom.configMapRef\) does not exist/);
  });

  it('reads manifests from a ConfigMap\'s YAML documents', async () => {
    await client.create(configMaps, { metadata: { name: 'bundle', namespace: ns }, data: { 'manifests.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: from-bundle }\ndata: { a: "1" }\n---\napiVersion: v1\nkind: Secret\nmetadata: { name: token }\nstringData: { t: x }\n' } } as KubeObject);
    const outcome = await runStage({ manifestsFrom: { configMapRef: { name: 'bundle' }, key: 'manifests.yaml' } });
    assert.equal(outcome.status, 'SUCCEEDED', outcome.message);
    assert.deepEqual(outcome.outputs?.deployedNames, ['configMap from-bundle-v000', 'secret token-v000']);
  });

  it('refuses more manifests than one stage may list in its run\'s status, applying none of them', async () => {
    const many = Array.from({ length: 501 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: many-${i} }\ndata: { a: "1" }\n`).join('---\n');
    await client.create(configMaps, { metadata: { name: 'too-many', namespace: ns }, data: { 'manifests.yaml': many } } as KubeObject);
    const outcome = await runStage({ manifestsFrom: { configMapRef: { name: 'too-many' }, key: 'manifests.yaml' } });
    assert.equal(outcome.status, 'FAILED');
    assert.match(outcome.message ?? '', /manifestsFrom holds 501 manifests; one deployManifest applies at most 500 .*split them over several deployManifest stages/);
    const made = await client.list(configMaps, ns);
    assert.deepEqual(made.items.map((c) => c.metadata.name).filter((n) => n.startsWith('many-')), []);
  });

  it('fails when its timeout passes, naming the Deployment not yet available', async () => {
    const never = deployment('stuck', 'shop/stuck:v1', { nodeSelector: { 'no-such-node': 'true' } });
    const outcome = await runStage({ manifests: [never] }, '4s');
    assert.equal(outcome.status, 'FAILED');
    assert.match(outcome.message ?? '', /^deployManifest "step": not stable after 4s: Deployment "[^"]+\/stuck" \(.+\)$/);
  });
});
