// The server-group stages end to end, with the operator as a process: a pipeline deploys a bad
// version (its pods come up Ready, so the rollout succeeds), rollbackCluster sends the Service's
// traffic back to the previous server group's pods, and findImageFromCluster's output feeds a later
// stage.
import assert from 'node:assert/strict';
import { waitFor } from '../../cluster/probe.ts';
import { withLocalAccountAndOperator } from '../../support/namespace.ts';
import { api, inNamespace, pipeline, run, stage, succeeded } from '../../support/runs.ts';

const ns = `sgstages-${Date.now().toString(36)}`;
const { k, apply, finished } = inNamespace(ns);

const podTemplate = (image: string) => ({ kubernetes: { podTemplate: { spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }] } } } });

/** The addresses the Service's EndpointSlices mark ready. */
async function readyEndpoints(service: string): Promise<string[]> {
  const out = await k(['get', 'endpointslices', '-l', `kubernetes.io/service-name=${service}`, '-o', 'json']);
  return (JSON.parse(out).items as { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[])
    .flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready).flatMap((e) => e.addresses)).sort();
}

/** The IPs of the Ready pods of a server group's ReplicaSet. */
async function podsOf(serverGroup: string): Promise<string[]> {
  const out = await k(['get', 'pods', '-o', 'json']);
  return (JSON.parse(out).items as { metadata: { ownerReferences?: { name: string }[] }; status?: { podIP?: string; conditions?: { type: string; status: string }[] } }[])
    .filter((p) => p.metadata.ownerReferences?.some((o) => o.name === serverGroup) && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((p) => p.status!.podIP!).filter(Boolean).sort();
}

describe('server-group stages, with the operator as a process', function () {
  this.timeout(300_000);
  withLocalAccountAndOperator(ns);

  it('rollbackCluster sends traffic back to the previous server group after a bad deploy, and findImageFromCluster feeds a later stage', async () => {
    await apply({ apiVersion: api, kind: 'LoadBalancer', metadata: { name: 'lb-web' },
      spec: { application: 'shop', accountRef: { name: 'local' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    await apply({ apiVersion: api, kind: 'Cluster', metadata: { name: 'shop-web' }, spec: { moniker: { app: 'shop', stack: 'web' }, accountRef: { name: 'local' },
      capacity: { min: 1, max: 4, desired: 2 }, loadBalancerRefs: [{ name: 'lb-web' }], template: podTemplate('shop:1'), strategy: { type: 'redblack' } } });
    let v1: string[] = [];
    await waitFor(async () => { v1 = await podsOf('shop-web-v000'); return v1.length === 2 && JSON.stringify(await readyEndpoints('lb-web')) === JSON.stringify(v1); },
      90_000, () => `the Service does not serve shop-web-v000's two pods: ${v1.join(', ')}`);

    await apply(pipeline('release', [
      { refId: 'deploy', type: 'deploy', deploy: { clusterRef: { name: 'shop-web' }, template: podTemplate('shop:2-bad') } },
      { refId: 'rollback', type: 'rollbackCluster', requisiteStageRefIds: ['deploy'], rollbackCluster: { clusterRef: { name: 'shop-web' } } },
      { refId: 'find', type: 'findImageFromCluster', requisiteStageRefIds: ['rollback'], findImageFromCluster: { clusterRef: { name: 'shop-web' } } },
      { refId: 'pin', type: 'evaluateVariables', requisiteStageRefIds: ['find'],
        evaluateVariables: { variables: [{ key: 'restored', value: '${stages.find.outputs.image}' }, { key: 'from', value: '${stages.find.outputs.serverGroup}' }] } },
    ]));
    await apply(run('release-1', 'release'));
    const r = await finished('release-1', 240_000);
    assert.equal(succeeded(r)?.status, 'True', JSON.stringify(r.status?.stages?.map((s) => [s.refId, s.status, s.message])));
    assert.equal(stage(r, 'deploy')?.outputs?.serverGroup, 'shop-web-v001');
    assert.deepEqual([stage(r, 'rollback')?.outputs?.serverGroup, stage(r, 'rollback')?.outputs?.previousServerGroup], ['shop-web-v000', 'shop-web-v001']);
    assert.deepEqual([stage(r, 'pin')?.outputs?.restored, stage(r, 'pin')?.outputs?.from], ['shop:1', 'shop-web-v000']);

    // The Service serves the previous server group's Ready pods again, and none of the bad version's.
    let now: string[] = [];
    let back: string[] = [];
    await waitFor(async () => {
      [now, back] = [await readyEndpoints('lb-web'), await podsOf('shop-web-v000')];
      return back.length === 2 && JSON.stringify(now) === JSON.stringify(back);
    }, 60_000, () => `the Service serves ${now.join(', ')}, not shop-web-v000's pods ${back.join(', ')}`);
    const bad = await podsOf('shop-web-v001');
    assert.ok(!now.some((ip) => bad.includes(ip)), `the bad version's pods still serve: ${bad.join(', ')}`);
    const st = JSON.parse(await k(['get', 'cluster', 'shop-web', '-o', 'jsonpath={.status}'])) as { activeServerGroup: string; rollout: { phase: string } };
    assert.deepEqual([st.activeServerGroup, st.rollout.phase], ['shop-web-v000', 'RolledBack']);
  });
});
