// A LoadBalancer backed by a Gateway API HTTPRoute, on kwok with the operator as a process and the
// Gateway API's standard CRDs (v1.3.0): the route's backends are one Service per server group in
// traffic, weighted as the strategies set (rolling steps, red/black's switch in one write, a canary's
// weight). No Gateway controller runs, so nothing routes: the tests watch the route and read every
// version of its weights.
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

const loadBalancer = (name: string) => ({ apiVersion: api, kind: 'LoadBalancer', metadata: { name },
  spec: { application: 'shop', accountRef: { name: 'local' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }],
    kubernetes: { httpRoute: { parentRefs: [{ name: 'public' }], hostnames: ['shop.example.com'] } } } });
const lb = loadBalancer('lb-gw');
const rolling = { type: 'rollingredblack', rollingRedBlack: { targetPercentages: [25, 50] } };
const cluster = (image: string, extra: object = {}, stack = 'gw', strategy: object = rolling) => ({ apiVersion: api, kind: 'Cluster', metadata: { name: `shop-${stack}` },
  spec: { moniker: { app: 'shop', stack }, accountRef: { name: 'local' }, capacity: { min: 1, max: 8, desired: 4 }, loadBalancerRefs: [{ name: `lb-${stack}` }],
    template: { kubernetes: { podTemplate: { spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }] } } } },
    strategy, ...extra } });

/** The route's weights by backend Service, e.g. "lb-gw-shop-gw-v000=3 lb-gw-shop-gw-v001=1". */
const weightsOf = (r: HttpRoute) => (r.spec?.rules?.[0]?.backendRefs ?? []).map((b) => `${b.name}=${b.weight}`).join(' ');

interface ClusterStatus { rollout?: { phase: string; revision: number } }
async function waitForRollout(revision: number, phase: string, name = 'shop-gw'): Promise<void> {
  let r: ClusterStatus['rollout'];
  await waitFor(async () => {
    r = (JSON.parse(await k(['get', 'cluster', name, '-o', 'jsonpath={.status}']) || '{}') as ClusterStatus).rollout;
    return (r?.revision ?? 0) >= revision && r?.phase === phase;
  }, 120_000, () => `Cluster ${name} did not reach ${phase} in rollout ${revision}: ${JSON.stringify(r)}`);
}

/** Every later version of a route's weights, from a watch started at its current version. */
async function watchWeights(client: KubeClient, name: string): Promise<{ writes: string[]; stop: () => Promise<void>; now: () => Promise<string> }> {
  const now = async () => weightsOf(await client.get<HttpRoute>(httpRoutes, ns, name));
  const route = await client.get<HttpRoute>(httpRoutes, ns, name);
  const writes: string[] = [];
  const abort = new AbortController();
  const watching = client.watch<HttpRoute>(httpRoutes, ns, { fieldSelector: `metadata.name=${name}`, resourceVersion: route.metadata.resourceVersion! },
    (e) => { if (e.type === 'MODIFIED') writes.push(weightsOf(e.object)); }, abort.signal);
  return { writes, now, stop: async () => { abort.abort(); await watching; } };
}

async function routeReads(client: KubeClient, name: string, want: string): Promise<void> {
  let got = '';
  await waitFor(async () => { got = weightsOf(await client.get<HttpRoute>(httpRoutes, ns, name)); return got === want; }, 60_000,
    () => `HTTPRoute ${name} reads "${got}", not "${want}"`);
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
    await waitFor(async () => { route = await client.get<HttpRoute>(httpRoutes, ns, 'lb-gw'); return weightsOf(route) === 'lb-gw-shop-gw-v000=100'; }, 30_000,
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
    await waitFor(async () => writes.at(-1) === 'lb-gw-shop-gw-v001=100', 30_000, () => `the route's weights went ${JSON.stringify(writes)}`);
    const rolled = writes.filter((w, i) => w !== writes[i - 1]);
    const steps = ['lb-gw-shop-gw-v000=75 lb-gw-shop-gw-v001=25', 'lb-gw-shop-gw-v000=50 lb-gw-shop-gw-v001=50', 'lb-gw-shop-gw-v000=0 lb-gw-shop-gw-v001=100'];
    const at = steps.map((want) => rolled.indexOf(want));
    assert.ok(at.every((i, n) => i >= 0 && (n === 0 || i > at[n - 1]!)), `the route did not read 25%, 50%, then 100% in turn: ${JSON.stringify(rolled)}`);
    const total = (w: string) => w.split(' ').filter(Boolean).reduce((n, x) => n + Number(x.split('=')[1]), 0);
    assert.ok(writes.every((w) => total(w) === 100), `a write of the route did not weigh 100% in all: ${JSON.stringify(writes)}`);
    await waitFor(async () => (await kubectl(sharedCluster().kubeconfigPath, ['-n', ns, 'get', 'service', 'lb-gw-shop-gw-v000'])).code !== 0, 30_000,
      () => 'the Service of v000, out of traffic, was not removed');

    writes.length = 0;
    await apply(cluster('shop:2', { rollback: { id: 'r1' } }));
    await waitFor(async () => writes.at(-1) === 'lb-gw-shop-gw-v000=100', 60_000, () => `the rollback did not put the route back on v000: ${JSON.stringify(writes)}`);
    abort.abort();
    await watching;

    await k(['delete', 'loadbalancer', 'lb-gw']);
    await waitFor(async () => (await kubectl(sharedCluster().kubeconfigPath, ['-n', ns, 'get', 'httproute', 'lb-gw'])).code !== 0
      && (await k(['get', 'services', '-l', 'staysail.dev/route-backend-of=lb-gw', '-o', 'name'])).trim() === '', 60_000,
    () => 'the route or its Services outlived the LoadBalancer');
  });
  it('red/black: the route moves all of its traffic from v000 to v001 in one write, when v001 is enabled', async () => {
    const redblack = { type: 'redblack', redBlack: { delayBeforeCleanup: '3s' } };
    await apply(loadBalancer('lb-rb'), cluster('shop:1', {}, 'rb', redblack));
    await waitForRollout(1, 'Succeeded', 'shop-rb');
    await routeReads(client, 'lb-rb', 'lb-rb-shop-rb-v000=100');
    const w = await watchWeights(client, 'lb-rb');
    await apply(cluster('shop:2', {}, 'rb', redblack));
    await waitForRollout(2, 'Succeeded', 'shop-rb');
    await waitFor(async () => w.writes.at(-1) === 'lb-rb-shop-rb-v001=100', 30_000, () => `the route went ${JSON.stringify(w.writes)}`);
    await w.stop();
    // The first write giving v001 any traffic gives it all; no write splits it; v000 leaves (at weight 0) after the delay.
    const first = w.writes.findIndex((x) => /v001=[1-9]/.test(x));
    assert.equal(w.writes[first], 'lb-rb-shop-rb-v000=0 lb-rb-shop-rb-v001=100', `the switch was not one write: ${JSON.stringify(w.writes)}`);
    assert.ok(w.writes.every((x) => !/v000=[1-9]\d* .*v001=[1-9]/.test(x)), `a write split the traffic: ${JSON.stringify(w.writes)}`);
    assert.deepEqual(w.writes.slice(0, first).filter((x) => x !== 'lb-rb-shop-rb-v000=100'), [], `writes before the switch moved traffic: ${JSON.stringify(w.writes)}`);
  });

  it('canary at weight 10: production 80, baseline 10, canary 10 while judged; the promoted version alone; production alone after an abort', async () => {
    // The analysis waits out its warm-up, so nothing queries the metric source: people decide, through spec.canaryDecision.
    const canary = { type: 'canary', canary: { canaryConfigRef: { name: 'web' }, replicas: 1, weight: 10, warmup: '1h', lifetime: '2h', interval: '1h' } };
    await apply({ apiVersion: api, kind: 'CanaryConfig', metadata: { name: 'web' },
      spec: { metricSource: { type: 'prometheus', address: 'http://127.0.0.1:9', step: '1s' }, thresholds: { pass: 75, marginal: 50 },
        metrics: [{ name: 'errors', group: 'errors', query: 'max(app_errors{server_group="${scope}"})', direction: 'increase' }] } });
    await apply(loadBalancer('lb-cn'), cluster('shop:1', {}, 'cn', canary));
    await waitForRollout(1, 'Succeeded', 'shop-cn');
    await routeReads(client, 'lb-cn', 'lb-cn-shop-cn-v000=100');

    await apply(cluster('shop:2', {}, 'cn', canary));
    await waitForRollout(2, 'Analyzing', 'shop-cn');
    await routeReads(client, 'lb-cn', 'lb-cn-shop-cn-baseline-v001=10 lb-cn-shop-cn-canary-v001=10 lb-cn-shop-cn-v000=80');
    await apply(cluster('shop:2', { canaryDecision: { id: 'go', decision: 'promote' } }, 'cn', canary));
    await waitForRollout(2, 'Succeeded', 'shop-cn');
    await routeReads(client, 'lb-cn', 'lb-cn-shop-cn-v001=100');

    await apply(cluster('shop:3', { canaryDecision: { id: 'go', decision: 'promote' } }, 'cn', canary));
    await waitForRollout(3, 'Analyzing', 'shop-cn');
    await routeReads(client, 'lb-cn', 'lb-cn-shop-cn-baseline-v002=10 lb-cn-shop-cn-canary-v002=10 lb-cn-shop-cn-v001=80');
    await apply(cluster('shop:3', { canaryDecision: { id: 'stop', decision: 'abort' } }, 'cn', canary));
    await waitForRollout(3, 'RolledBack', 'shop-cn');
    await routeReads(client, 'lb-cn', 'lb-cn-shop-cn-v001=100');
  });

  it('canary without weight: the baseline and the canary take their share of the pods (1 each beside 4: 16, 16, production 68)', async () => {
    // The CanaryConfig "web" of the test before; the warm-up keeps the analysis from querying anything.
    const canary = { type: 'canary', canary: { canaryConfigRef: { name: 'web' }, replicas: 1, warmup: '1h', lifetime: '2h', interval: '1h' } };
    await apply(loadBalancer('lb-nw'), cluster('shop:1', {}, 'nw', canary));
    await waitForRollout(1, 'Succeeded', 'shop-nw');
    await routeReads(client, 'lb-nw', 'lb-nw-shop-nw-v000=100');
    await apply(cluster('shop:2', {}, 'nw', canary));
    await waitForRollout(2, 'Analyzing', 'shop-nw');
    await routeReads(client, 'lb-nw', 'lb-nw-shop-nw-baseline-v001=16 lb-nw-shop-nw-canary-v001=16 lb-nw-shop-nw-v000=68');
    await apply(cluster('shop:2', { canaryDecision: { id: 'stop', decision: 'abort' } }, 'nw', canary));
    await waitForRollout(2, 'RolledBack', 'shop-nw');
    await routeReads(client, 'lb-nw', 'lb-nw-shop-nw-v000=100');
  });
});
