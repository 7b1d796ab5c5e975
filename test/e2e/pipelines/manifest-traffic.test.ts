// deployManifest's trafficManagement, undoRolloutManifest and rollingRestartManifest end to end, with
// the operator as a process: runs of one pipeline deploy web-v000, then web-v001, behind a Service by
// red/black, and the Service's endpoints (its EndpointSlices) follow the new version's pods alone;
// highlander deletes the older versions; a Deployment is rolled back and restarted; the red/black
// sample puts the previous version back before it pulls a new one that fails its smoke test.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'yaml';
import { waitFor } from '../../cluster/probe.ts';
import { inNamespace, pipeline, run, stage, succeeded } from '../../support/runs.ts';
import { withLocalAccountAndOperator } from '../../support/namespace.ts';

const ns = `manifest-traffic-${Date.now().toString(36)}`;
const { k, apply, finished } = inNamespace(ns);

const replicaSet = {
  apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', labels: { app: 'web' } },
  spec: { replicas: 2, selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'shop/web:${parameters.tag}' }] } } },
};
const deployment = (image: string) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' },
  spec: { replicas: 2, progressDeadlineSeconds: 60, selector: { matchLabels: { app: 'api' } },
    template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image }] } } },
});
type Pod = { metadata: { ownerReferences?: { name: string }[]; deletionTimestamp?: string }; status: { podIP?: string } };
type Slice = { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] };
const json = async <T>(args: string[]) => JSON.parse(await k([...args, '-o', 'json'])) as { items: T[] };

/** The pod IPs of a ReplicaSet, by owner (its pods labelled app=<app>). */
async function podIps(rs: string, app = 'web'): Promise<string[]> {
  const pods = await json<Pod>(['get', 'pods', '-l', `app=${app}`]);
  return pods.items.filter((p) => p.metadata.ownerReferences?.some((o) => o.name === rs) && !p.metadata.deletionTimestamp)
    .map((p) => p.status.podIP).filter((ip): ip is string => !!ip).sort();
}

/** Waits until the Service's ready endpoints are exactly the ReplicaSet's two pods (EndpointSlices follow pod labels asynchronously). */
async function servesOnly(rs: string, service = 'web'): Promise<void> {
  let got: string[] = [];
  let want: string[] = [];
  await waitFor(async () => {
    want = await podIps(rs, service);
    const slices = await json<Slice>(['get', 'endpointslices', '-l', `kubernetes.io/service-name=${service}`]);
    got = slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready).flatMap((e) => e.addresses).sort();
    return want.length === 2 && JSON.stringify(got) === JSON.stringify(want);
  }, 60_000, () => `Service ${service} serves ${got.join(', ') || 'nothing'}, not ${rs}'s pods ${want.join(', ')}`);
}

describe('deployManifest trafficManagement, undoRolloutManifest and rollingRestartManifest, with the operator as a process', function () {
  this.timeout(180_000);
  withLocalAccountAndOperator(ns);

  const deployWeb = (strategy: string) => pipeline(`web-${strategy}`, [{ refId: 'deploy', type: 'deployManifest', deployManifest: {
    accountRef: { name: 'local' }, manifests: [replicaSet], trafficManagement: { enabled: true, options: { services: ['web'], strategy } } } }],
  { parameters: [{ name: 'tag' }] });

  it('red/black: the Service selects only the newest version\'s pods, and the older version stays up out of it', async () => {
    await apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { frontedBy: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
      deployWeb('redblack'), run('rb-1', 'web-redblack', { parameters: { tag: 'v1' } }));
    const first = await finished('rb-1');
    assert.equal(succeeded(first)?.reason, 'Succeeded', JSON.stringify(first.status?.stages));
    await servesOnly('web-v000');
    await apply(run('rb-2', 'web-redblack', { parameters: { tag: 'v2' } }));
    const second = await finished('rb-2');
    assert.equal(succeeded(second)?.reason, 'Succeeded', JSON.stringify(second.status?.stages));
    assert.deepEqual(stage(second, 'deploy')?.outputs?.traffic, { enabled: ['web-v001'], disabled: ['web-v000'], deleted: [] });
    await servesOnly('web-v001');
    assert.equal((await podIps('web-v000')).length, 2, 'web-v000 keeps its pods');
  });

  it('highlander: the new version takes the traffic and the older ones are deleted', async () => {
    await apply(deployWeb('highlander'), run('hl-1', 'web-highlander', { parameters: { tag: 'v3' } }));
    const r = await finished('hl-1');
    assert.equal(succeeded(r)?.reason, 'Succeeded', JSON.stringify(r.status?.stages));
    assert.deepEqual((stage(r, 'deploy')?.outputs?.traffic as { deleted?: string[] } | undefined)?.deleted, ['web-v000', 'web-v001']);
    await servesOnly('web-v002');
    await waitFor(async () => (await k(['get', 'replicasets', '-l', 'artifact.staysail.dev/name=web', '-o', 'jsonpath={.items[*].metadata.name}'])) === 'web-v002',
      60_000, () => 'web-v000 and web-v001 are not gone');
  });

  it('rolls a Deployment back one revision and restarts it', async () => {
    const deploy = (image: string) => ({ refId: 'deploy', type: 'deployManifest', deployManifest: { accountRef: { name: 'local' }, manifests: [deployment(image)] } });
    await apply(pipeline('api-v1', [deploy('shop/api:v1')]), pipeline('api-v2', [deploy('shop/api:v2')]), pipeline('api-back', [
      { refId: 'undo', type: 'undoRolloutManifest', undoRolloutManifest: { accountRef: { name: 'local' }, target: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' } } },
      { refId: 'restart', type: 'rollingRestartManifest', requisiteStageRefIds: ['undo'],
        rollingRestartManifest: { accountRef: { name: 'local' }, target: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' } } }]));
    for (const p of ['api-v1', 'api-v2']) {
      await apply(run(`${p}-1`, p));
      const r = await finished(`${p}-1`);
      assert.equal(succeeded(r)?.reason, 'Succeeded', JSON.stringify(r.status?.stages));
    }
    await apply(run('api-back-1', 'api-back'));
    const back = await finished('api-back-1');
    assert.equal(succeeded(back)?.reason, 'Succeeded', JSON.stringify(back.status?.stages));
    assert.equal(stage(back, 'undo')?.outputs?.revision, 1);
    assert.equal(await k(['get', 'deployment', 'api', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), 'shop/api:v1');
    const restartedAt = await k(['get', 'deployment', 'api', '-o', 'jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}']);
    assert.equal(restartedAt, stage(back, 'restart')?.outputs?.restartedAt);
    assert.equal(await k(['get', 'deployment', 'api', '-o', 'jsonpath={.status.updatedReplicas}/{.status.availableReplicas}']), '2/2');
  });

  it('the red/black sample puts the previous version back before it pulls a new one that fails its smoke test', async () => {
    // The sample as it is, but for its names (site, beside the web of the tests above) and its smoke test's URL.
    let healthy = true;
    const smoke = createServer((_req, res) => { res.statusCode = healthy ? 200 : 404; res.end(); });
    await new Promise<void>((resolve) => smoke.listen(0, '127.0.0.1', resolve));
    try {
      const text = readFileSync(new URL('../../../config/samples/pipeline-manifest-traffic.yaml', import.meta.url), 'utf8').replace(/\bweb\b/g, 'site');
      const sample = parse(text) as { spec: { stages: { refId: string; webhook?: { url: string } }[] } };
      sample.spec.stages.find((st) => st.refId === 'smoke')!.webhook!.url = `http://127.0.0.1:${(smoke.address() as AddressInfo).port}/healthz`;
      await apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'site' },
        spec: { selector: { 'staysail.dev/fronted-by-site': 'true' }, ports: [{ port: 80, targetPort: 8080 }] } }, sample);
      await apply(run('site-1', 'site-traffic', { parameters: { version: 'v1' } }));
      const first = await finished('site-1');
      assert.equal(stage(first, 'smoke')?.status, 'SUCCEEDED', JSON.stringify(first.status?.stages));
      assert.deepEqual(['restore', 'pull-back'].map((r) => stage(first, r)?.status), ['SKIPPED', 'SKIPPED']);
      await servesOnly('site-v000', 'site');

      healthy = false;
      await apply(run('site-2', 'site-traffic', { parameters: { version: 'v2' } }));
      const second = await finished('site-2');
      assert.equal(stage(second, 'smoke')?.status, 'FAILED_CONTINUE', JSON.stringify(second.status?.stages));
      assert.deepEqual(stage(second, 'restore')?.outputs?.manifest, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'site-v000', namespace: ns });
      assert.equal(stage(second, 'pull-back')?.status, 'SUCCEEDED', JSON.stringify(second.status?.stages));
      await servesOnly('site-v000', 'site');
    } finally {
      smoke.close();
    }
  });
});
