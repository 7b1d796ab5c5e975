// deployManifest end to end, with the operator as a process: a pipeline deploys a ConfigMap and a
// Deployment using it (its color a run parameter), waits for the rollout kwok completes, deploys a
// changed ConfigMap as v001 with the Deployment rewritten to it, reuses an unchanged one's version and
// prunes past maxVersionHistory; and a Deployment that can never become available (its pods fit no
// node) fails the stage naming it, with the Deployment's own message.
import assert from 'node:assert/strict';
import { inNamespace, pipeline, run, stage, succeeded } from '../../support/runs.ts';
import { withLocalAccountAndOperator } from '../../support/namespace.ts';

const ns = `deploy-manifest-${Date.now().toString(36)}`;
const { k, apply, finished } = inNamespace(ns);

const deployment = (name: string, extra: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: { replicas: 2, selector: { matchLabels: { app: name } }, ...spec,
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'shop/web:v1' }], ...extra } } },
});

describe('the deployManifest stage, with the operator as a process', function () {
  this.timeout(180_000);
  withLocalAccountAndOperator(ns);

  it('deploys a ConfigMap and a Deployment, then a changed ConfigMap as v001 with the Deployment rewritten to it', async () => {
    await apply(pipeline('web', [{ refId: 'deploy', type: 'deployManifest', deployManifest: { accountRef: { name: 'local' }, maxVersionHistory: 2, manifests: [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config' }, data: { color: '${parameters.color}' } },
      deployment('web', { volumes: [{ name: 'config', configMap: { name: 'web-config' } }] }, { progressDeadlineSeconds: 60 })] } }],
    { parameters: [{ name: 'color' }] }), run('web-1', 'web', { parameters: { color: 'blue' } }));
    const first = await finished('web-1');
    assert.equal(succeeded(first)?.reason, 'Succeeded', JSON.stringify(first.status?.stages));
    assert.deepEqual(stage(first, 'deploy')?.outputs?.deployedNames, ['configMap web-config-v000', 'deployment web']);

    await apply(run('web-2', 'web', { parameters: { color: 'green' } }));
    const second = await finished('web-2');
    assert.equal(succeeded(second)?.reason, 'Succeeded', JSON.stringify(second.status?.stages));
    assert.deepEqual(stage(second, 'deploy')?.outputs?.deployedNames, ['configMap web-config-v001', 'deployment web']);
    const volume = await k(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.volumes[0].configMap.name}']);
    assert.equal(volume, 'web-config-v001');
    assert.equal(await k(['get', 'configmap', 'web-config-v001', '-o', 'jsonpath={.data.color}']), 'green');
    const rollout = await k(['get', 'deployment', 'web', '-o', 'jsonpath={.status.updatedReplicas}/{.status.availableReplicas}']);
    assert.equal(rollout, '2/2', 'the stage finished after the rollout to v001');
  });

  it('reuses the version of an unchanged ConfigMap, and prunes past maxVersionHistory: 2 once a new version is stable', async () => {
    await apply(run('web-3', 'web', { parameters: { color: 'green' } }));
    const same = await finished('web-3');
    assert.deepEqual(stage(same, 'deploy')?.outputs?.deployedNames, ['configMap web-config-v001', 'deployment web']);
    const versions = async () => (await k(['get', 'configmaps', '-l', 'artifact.staysail.dev/name=web-config', '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ').sort();
    assert.deepEqual(await versions(), ['web-config-v000', 'web-config-v001'], 'no new version, nothing pruned');
    await apply(run('web-4', 'web', { parameters: { color: 'red' } }));
    const changed = await finished('web-4');
    assert.equal(succeeded(changed)?.reason, 'Succeeded', JSON.stringify(changed.status?.stages));
    assert.deepEqual(await versions(), ['web-config-v001', 'web-config-v002']);
  });

  it('fails the stage naming a Deployment that never becomes available, with its own message', async () => {
    await apply(pipeline('stuck', [{ refId: 'deploy', type: 'deployManifest', deployManifest: { accountRef: { name: 'local' },
      manifests: [deployment('stuck', { nodeSelector: { 'staysail.dev/no-such-node': 'true' } }, { progressDeadlineSeconds: 3 })] } }]),
    run('stuck-1', 'stuck'));
    const r = await finished('stuck-1', 90_000);
    assert.equal(succeeded(r)?.status, 'False');
    assert.match(stage(r, 'deploy')?.message ?? '', new RegExp(`^deployManifest "deploy": Deployment "${ns}/stuck" failed: Progress deadline exceeded: ReplicaSet "stuck-[a-z0-9]+" has timed out progressing`));
  });
});
