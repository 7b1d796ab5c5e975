// A LoadBalancer backed by a Gateway API HTTPRoute, on kwok with the operator as a process and the
// Gateway API's standard CRDs (v1.3.0): the route's backends are one Service per server group in
// traffic, weighted by its pods in traffic. No Gateway controller runs, so nothing routes: the test
// watches the route and reads every version of its weights.
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { realClock } from '../../../src/core/clock.ts';
import { KubeClient, type KubeObject } from '../../../src/core/kube-client.ts';
import { httpRoutes, type HttpRoute } from '../../../src/providers/kubernetes/http-routes.ts';
import { waitFor } from '../../cluster/probe.ts';
import { installGatewayApiCrds } from '../../support/crds.ts';
import { kubectl, kubectlOk } from '../../support/kubectl.ts';
import { withLocalAccountAndOperator } from '../../support/namespace.ts';
import { sharedCluster } from '../../support/setup.ts';

const api = 'staysail.dev/v1alpha1';
const ns = `gateway-${Date.now().toString(36)}`;
const k = (args: string[], input?: string) => kubectlOk(sharedCluster().kubeconfigPath, ['-n', ns, ...args], input);
const apply = (...docs: object[]) => k(['apply', '--server-side', '--force-conflicts', '-f', '-'], docs.map((d) => stringify(d)).join('---\n'));

const lb = { apiVersion: api, kind: 'LoadBalancer', metadata: { name: 'lb-gw' },
  spec: { application: 'shop', accountRef: { name: 'local' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }],
    kubernetes: { httpRoute: { parentRefs: [{ name: 'public' }], hostnames: ['shop.example.com'] } } } };
const cluster = (image: string, extra: object = {}) => ({ apiVersion: api, kind: 'Cluster', metadata: { name: 'shop-gw' },
  spec: { moniker: { app: 'shop', stack: 'gw' }, accountRef: { name: 'local' }, capacity: { min: 1, max: 8, desired: 4 }, loadBalancerRefs: [{ name: 'lb-gw' }],
    template: { kubernetes: { podTemplate: { spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }] } } } },
    strategy: { type: 'rollingredblack', rollingRedBlack: { targetPercentages: [25, 50] } }, ...extra } });

/** The route's weights by backend Service, e.g. "lb-gw-shop-gw-v000=3 lb-gw-shop-gw-v001=1". */
const weightsOf = (r: HttpRoute) => (r.spec?.rules?.[0]?.backendRefs ?? []).map((b) => `${b.name}=${b.weight}`).join(' ');

interface ClusterStatus { rollout?: { phase: string; revision: number } }
async function waitForRollout(revision: number, phase: string): Promise<void> {
  let r: ClusterStatus['rollout'];
  await waitFor(async () => {
    r = (JSON.parse(await k(['get', 'cluster', 'shop-gw', '-o', 'jsonpath={.status}']) || '{}') as ClusterStatus).rollout;
    return (r?.revision ?? 0) >= revision && r?.phase === phase;
  }, 120_000, () => `Cluster shop-gw did not reach ${phase} in rollout ${revision}: ${JSON.stringify(r)}`);
}

describe('a LoadBalancer on a Gateway API HTTPRoute, with the operator as a process', function () {
  this.timeout(300_000);
  before(() => installGatewayApiCrds(sharedCluster().kubeconfigPath));
  withLocalAccountAndOperator(ns);
  let client: KubeClient;
  before(() => { client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock }); });

  it('rolling red/black [25, 50]: every write of the route\'s weights follows the steps; a rollback puts all of them back on v000', async () => {
    await apply(lb, cluster('shop:1'));
    await waitForRollout(1, 'Succeeded');
    let route: HttpRoute | undefined;
    await waitFor(async () => { route = await client.get<HttpRoute>(httpRoutes, ns, 'lb-gw'); return weightsOf(route) === 'lb-gw-shop-gw-v000=4'; }, 30_000,
      () => `the route's weights are ${route ? weightsOf(route) : 'absent'}`);
    assert.deepEqual(route!.spec?.parentRefs, [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public' }]);
    assert.deepEqual(route!.spec?.hostnames, ['shop.example.com']);
    const svc = JSON.parse(await k(['get', 'service', 'lb-gw-shop-gw-v000', '-o', 'json'])) as KubeObject<{ selector: Record<string, string> }>;
    assert.deepEqual(svc.spec?.selector, { 'staysail.dev/server-group': 'shop-gw-v000', 'lb.staysail.dev/lb-gw': 'enabled' });
    assert.deepEqual(svc.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`), ['LoadBalancer/lb-gw'], 'the Service goes with its LoadBalancer');

    // Every version of the route, in order.
    const writes: string[] = [];
    const abort = new AbortController();
    const watching = client.watch<HttpRoute>(httpRoutes, ns, { fieldSelector: 'metadata.name=lb-gw', resourceVersion: route!.metadata.resourceVersion! },
      (e) => { if (e.type === 'MODIFIED') writes.push(weightsOf(e.object)); }, abort.signal);
    await apply(cluster('shop:2'));
    await waitForRollout(2, 'Succeeded');
    await waitFor(async () => writes.at(-1) === 'lb-gw-shop-gw-v001=4', 30_000, () => `the route's weights went ${JSON.stringify(writes)}`);
    const rolled = writes.filter((w, i) => w !== writes[i - 1]);
    for (const want of ['lb-gw-shop-gw-v000=3 lb-gw-shop-gw-v001=1', 'lb-gw-shop-gw-v000=2 lb-gw-shop-gw-v001=2', 'lb-gw-shop-gw-v001=4']) {
      assert.ok(rolled.includes(want), `the route never read ${want}: ${JSON.stringify(rolled)}`);
    }
    const total = (w: string) => w.split(' ').filter(Boolean).reduce((n, x) => n + Number(x.split('=')[1]), 0);
    assert.ok(writes.every((w) => total(w) >= 4), `a write of the route weighed fewer than the desired 4 pods: ${JSON.stringify(writes)}`);
    await waitFor(async () => (await kubectl(sharedCluster().kubeconfigPath, ['-n', ns, 'get', 'service', 'lb-gw-shop-gw-v000'])).code !== 0, 30_000,
      () => 'the Service of v000, out of traffic, was not removed');

    writes.length = 0;
    await apply(cluster('shop:2', { rollback: { id: 'r1' } }));
    await waitFor(async () => writes.at(-1) === 'lb-gw-shop-gw-v000=4', 60_000, () => `the rollback did not put the route back on v000: ${JSON.stringify(writes)}`);
    abort.abort();
    await watching;

    await k(['delete', 'loadbalancer', 'lb-gw']);
    await waitFor(async () => (await kubectl(sharedCluster().kubeconfigPath, ['-n', ns, 'get', 'httproute', 'lb-gw'])).code !== 0
      && (await k(['get', 'services', '-l', 'staysail.dev/route-backend-of=lb-gw', '-o', 'name'])).trim() === '', 60_000,
    () => 'the route or its Services outlived the LoadBalancer');
  });
});
