// bakeManifest end to end, with the operator as a process finding helm and kustomize as a deployment
// of it would (STAYSAIL_HELM, STAYSAIL_KUSTOMIZE): a pipeline bakes the web chart from a ConfigMap
// (a run parameter in its values) and deploys it with deployManifest's manifestsFrom.stage, which
// waits for the Deployment's rollout; another bakes a Kustomize overlay on its base and deploys it;
// deleting a run deletes the ConfigMap its bake kept (once the garbage collector has found the
// PipelineRun kind in discovery, which may take it half a minute); and a Pipeline whose deploy names
// a stage that is not an upstream bake is not Ready, saying so.
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { waitFor } from '../../cluster/probe.ts';
import { fixture, folderConfigMap, withRenderers } from '../../support/bake.ts';
import { kubectl } from '../../support/kubectl.ts';
import { withLocalAccountAndOperator } from '../../support/namespace.ts';
import { inNamespace, pipeline, run, stage, succeeded } from '../../support/runs.ts';
import { sharedCluster } from '../../support/setup.ts';

const ns = `bake-manifest-${Date.now().toString(36)}`;
const { k, apply, finished } = inNamespace(ns);

describe('the bakeManifest stage, with the operator as a process', function () {
  this.timeout(180_000);
  withRenderers();
  withLocalAccountAndOperator(ns);

  before(async () => {
    const files = [await folderConfigMap('web-chart', fixture('charts/web')), await folderConfigMap('web-base', fixture('kustomize/base')),
      await folderConfigMap('web-prod', fixture('kustomize/overlays/prod'))];
    await k(['apply', '--server-side', '-f', '-'], files.map((f) => stringify(f)).join('---\n'));
  });

  const rollout = (name: string) => k(['get', 'deployment', name, '-o', 'jsonpath={.status.updatedReplicas}/{.status.availableReplicas}']);

  it('bakes the Helm chart with a run\'s values and deploys it, waiting for the Deployment to roll out', async () => {
    await apply(pipeline('chart', [
      { refId: 'bake', type: 'bakeManifest', bakeManifest: { templateRenderer: 'helm', helm: { releaseName: 'web',
        chartFrom: { configMapRef: { name: 'web-chart' } }, values: { color: '${parameters.color}' }, overrides: { replicas: '2', 'image.tag': 'v3' } } } },
      { refId: 'deploy', type: 'deployManifest', requisiteStageRefIds: ['bake'], deployManifest: { accountRef: { name: 'local' }, manifestsFrom: { stage: 'bake' } } },
    ], { parameters: [{ name: 'color' }] }), run('chart-1', 'chart', { parameters: { color: 'orange' } }));
    const r = await finished('chart-1', 120_000);
    assert.equal(succeeded(r)?.reason, 'Succeeded', JSON.stringify(r.status?.stages));
    const bake = stage(r, 'bake')!.outputs as { configMap: string; sha256: string; objects: { kind: string; name: string }[] };
    assert.deepEqual(bake.objects.map((o) => `${o.kind}/${o.name}`), ['ConfigMap/web-config', 'Deployment/web']);
    assert.equal(await k(['get', 'configmap', bake.configMap, '-o', 'jsonpath={.metadata.ownerReferences[0].name}']), 'chart-1');
    assert.deepEqual(stage(r, 'deploy')?.outputs?.deployedNames, ['configMap web-config-v000', 'deployment web']);
    assert.equal(await k(['get', 'configmap', 'web-config-v000', '-o', 'jsonpath={.data.color}']), 'orange');
    assert.equal(await k(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'shop/web:v3');
    assert.equal(await rollout('web'), '2/2', 'the deploy stage finished after the rollout');
  });

  it('bakes a Kustomize overlay on its base and deploys it', async () => {
    await apply(pipeline('overlay', [
      { refId: 'bake', type: 'bakeManifest', bakeManifest: { templateRenderer: 'kustomize', kustomize: { path: 'overlays/prod',
        filesFrom: [{ configMapRef: { name: 'web-base' }, path: 'base' }, { configMapRef: { name: 'web-prod' }, path: 'overlays/prod' }] } } },
      { refId: 'deploy', type: 'deployManifest', requisiteStageRefIds: ['bake'], deployManifest: { accountRef: { name: 'local' }, manifestsFrom: { stage: 'bake' } } },
    ]), run('overlay-1', 'overlay'));
    const r = await finished('overlay-1', 120_000);
    assert.equal(succeeded(r)?.reason, 'Succeeded', JSON.stringify(r.status?.stages));
    assert.deepEqual(stage(r, 'deploy')?.outputs?.deployedNames, ['configMap prod-web-config-v000', 'deployment prod-web']);
    assert.equal(await k(['get', 'deployment', 'prod-web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'shop/web:v2');
    assert.equal(await rollout('prod-web'), '2/2');
  });

  it('says in a Pipeline\'s Ready condition that manifestsFrom.stage names no upstream bakeManifest stage', async () => {
    await apply(pipeline('unbaked', [
      { refId: 'bak', type: 'wait', wait: { duration: '1s' } },
      { refId: 'deploy', type: 'deployManifest', requisiteStageRefIds: ['bak'], deployManifest: { accountRef: { name: 'local' }, manifestsFrom: { stage: 'bak' } } },
    ]));
    const ready = () => k(['get', 'pipeline', 'unbaked', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}|{.status.conditions[?(@.type=="Ready")].reason}|{.status.conditions[?(@.type=="Ready")].message}']);
    await waitFor(async () => (await ready()).startsWith('False|'), 60_000, () => 'the Pipeline was not found invalid');
    assert.equal(await ready(), 'False|InvalidGraph|Pipeline "unbaked": stage "deploy": manifestsFrom.stage "bak" is not an upstream bakeManifest stage (it is a wait stage); name a bakeManifest stage this one requires');
  });

  it('deletes the ConfigMap a bake kept with its run', async () => {
    const name = 'overlay-1-bake-manifests';
    assert.equal((await k(['get', 'configmap', name, '-o', 'name'])).trim(), `configmap/${name}`);
    await k(['delete', 'pipelinerun', 'overlay-1', '--wait=false']);
    await waitFor(async () => (await kubectl(sharedCluster().kubeconfigPath, ['-n', ns, 'get', 'configmap', name])).code !== 0, 120_000,
      () => `ConfigMap ${name} outlived its run`);
  });
});
