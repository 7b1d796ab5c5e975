// The Kubernetes provider's weighted routes against the local control plane with the Gateway API's
// standard CRDs: a route written only when its backends change, a Service of a backend's name that is
// someone else's refused, the route's port the first TCP one, writes that lose no other writer's
// change, and the API server refusing a route with no port to send HTTP to.
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { realClock } from '../../../src/core/clock.ts';
import { KubeClient, type KubeObject } from '../../../src/core/kube-client.ts';
import { isProviderError } from '../../../src/providers/errors.ts';
import type { Owner, ProviderAccount } from '../../../src/providers/interfaces.ts';
import { httpRoutes, services, syncRouteBackends, type HttpRoute } from '../../../src/providers/kubernetes/http-routes.ts';
import { KubernetesProvider } from '../../../src/providers/kubernetes/provider.ts';
import { pods } from '../../../src/providers/kubernetes/server-groups.ts';
import { waitFor } from '../../cluster/probe.ts';
import { installGatewayApiCrds } from '../../support/crds.ts';
import { kubectl } from '../../support/kubectl.ts';
import { sharedCluster } from '../../support/setup.ts';
import { freshNamespace, namespaces, realOwner, template } from '../../support/provider-world.ts';

describe('the Kubernetes provider\'s weighted routes', function () {
  this.timeout(120_000);
  let client: KubeClient;
  let provider: KubernetesProvider;
  let account: ProviderAccount;
  let ns: string;
  let owner: Owner;

  before(async () => {
    await installGatewayApiCrds(sharedCluster().kubeconfigPath);
    client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock });
    ns = await freshNamespace(client);
    provider = new KubernetesProvider(client, realClock);
    account = { name: 'local', namespace: ns, spec: { provider: 'kubernetes' } };
    owner = await realOwner(client, ns, 'LoadBalancer', 'lb-gw');
    await provider.loadBalancers.upsert(account, {}, 'lb-gw', { application: 'shop', accountRef: { name: 'local' }, type: 'internal',
      ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
      kubernetes: { httpRoute: { parentRefs: [{ name: 'public' }] } } }, owner);
  });
  after(async () => { await client.delete(namespaces, undefined, ns).catch(() => undefined); });

  const create = async (name: string, seq: number, weight?: number) => provider.serverGroups.create(account, { name, cluster: 'shop-gw', sequence: seq, location: {},
    template: template(`v${seq}`), templateHash: `v${seq}`, capacity: { min: 2, max: 2, desired: 2 }, enabled: true, loadBalancers: ['lb-gw'], securityGroups: [],
    ...(weight !== undefined ? { trafficWeight: weight } : {}), owner: await realOwner(client, ns, 'Cluster', 'shop-gw') });
  const podsInTraffic = async () => (await client.list<KubeObject>(pods, ns, { labelSelector: 'lb.staysail.dev/lb-gw=enabled' })).items;
  const route = () => client.get<HttpRoute>(httpRoutes, ns, 'lb-gw');
  const backends = async () => ((await route()).spec?.rules?.[0]?.backendRefs ?? []).map((b) => `${b.name}:${b.port}=${b.weight}`).join(' ');

  it('sends to the first TCP port, and writes the route only when its backends change', async () => {
    await create('shop-gw-v000', 0);
    await waitFor(async () => { await syncRouteBackends(client, ns, 'lb-gw'); return (await backends()) === 'lb-gw-shop-gw-v000:80=2'; }, 60_000,
      () => 'the route never read lb-gw-shop-gw-v000:80=2');
    const before = (await route()).metadata.resourceVersion;
    await syncRouteBackends(client, ns, 'lb-gw');
    await syncRouteBackends(client, ns, 'lb-gw');
    assert.equal((await route()).metadata.resourceVersion, before, 'the backends are as they were: nothing written');
    await provider.loadBalancers.upsert(account, {}, 'lb-gw', { application: 'shop', accountRef: { name: 'local' }, type: 'internal',
      ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
      kubernetes: { httpRoute: { parentRefs: [{ name: 'public' }] } } }, owner);
    await syncRouteBackends(client, ns, 'lb-gw');
    assert.equal((await route()).metadata.resourceVersion, before, 'the LoadBalancer is as it was: nothing written');
  });

  it('refuses a Service of a backend\'s name that is not the LoadBalancer\'s, and leaves it as it is', async () => {
    const foreign = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb-gw-shop-gw-v001', namespace: ns },
      spec: { selector: { app: 'theirs' }, ports: [{ port: 9090 }] } };
    await client.create(services, foreign as KubeObject);
    await create('shop-gw-v001', 1);
    await waitFor(async () => (await podsInTraffic()).some((p) => p.metadata.labels?.['staysail.dev/server-group'] === 'shop-gw-v001'), 60_000,
      () => 'shop-gw-v001 never had a pod');
    await assert.rejects(provider.serverGroups.enable(account, {}, 'shop-gw-v001'), (err: Error) => isProviderError(err, 'Invalid')
      && /Service "lb-gw-shop-gw-v001" already exists in namespace "[^"]+" and is not LoadBalancer "lb-gw"'s.*rename or remove the Service/.test(err.message));
    const svc = await client.get<KubeObject<{ selector: Record<string, string> }>>(services, ns, 'lb-gw-shop-gw-v001');
    assert.deepEqual(svc.spec?.selector, { app: 'theirs' }, 'someone else\'s Service is not taken over');
    await syncRouteBackends(client, ns, 'lb-gw').catch(() => undefined);
    assert.ok(await client.get(services, ns, 'lb-gw-shop-gw-v001'), 'nor deleted');
    await client.delete(services, ns, 'lb-gw-shop-gw-v001');
    await provider.serverGroups.destroy(account, {}, 'shop-gw-v001');
  });

  it('loses no weight when several server groups write the route at once', async () => {
    await Promise.all([create('shop-gw-v002', 2, 10), create('shop-gw-v003', 3, 20), create('shop-gw-v004', 4, 30)]);
    await waitFor(async () => (await podsInTraffic()).length >= 8, 60_000, () => 'pods never came');
    await Promise.all([2, 3, 4].map((i) => provider.serverGroups.setTrafficWeight!(account, {}, `shop-gw-v00${i}`, i * 5)));
    // 10, 15 and 20 as set; v000, without a weight, the 55 left.
    assert.equal(await backends(), 'lb-gw-shop-gw-v000:80=55 lb-gw-shop-gw-v002:80=10 lb-gw-shop-gw-v003:80=15 lb-gw-shop-gw-v004:80=20');
  });

  it('writes a server group out of the route before its pods leave traffic, and one destroyed at once', async () => {
    // Every version of the route and of the pods, by resourceVersion (one etcd orders them all).
    const start = (await route()).metadata.resourceVersion!;
    const abort = new AbortController();
    const routeOut: number[] = [];
    const podOut: number[] = [];
    const watching = [
      client.watch<HttpRoute>(httpRoutes, ns, { fieldSelector: 'metadata.name=lb-gw', resourceVersion: start }, (e) => {
        if (!(e.object.spec?.rules?.[0]?.backendRefs ?? []).some((b) => b.name === 'lb-gw-shop-gw-v004')) routeOut.push(Number(e.object.metadata.resourceVersion));
      }, abort.signal),
      client.watch<KubeObject>(pods, ns, { labelSelector: 'staysail.dev/server-group=shop-gw-v004', resourceVersion: start }, (e) => {
        if (e.type === 'MODIFIED' && e.object.metadata.labels?.['lb.staysail.dev/lb-gw'] !== 'enabled') podOut.push(Number(e.object.metadata.resourceVersion));
      }, abort.signal),
    ];
    await provider.serverGroups.disable(account, {}, 'shop-gw-v004');
    await waitFor(async () => routeOut.length > 0 && podOut.length >= 2, 30_000, () => `route writes without v004 ${JSON.stringify(routeOut)}, pods out ${JSON.stringify(podOut)}`);
    abort.abort();
    await Promise.all(watching);
    assert.ok(routeOut[0]! < Math.min(...podOut), `the route dropped v004 at ${routeOut[0]}, after a pod left traffic at ${Math.min(...podOut)}`);

    await provider.serverGroups.destroy(account, {}, 'shop-gw-v003');
    assert.ok(!(await backends()).includes('v003'), `the route still sends to v003 once it is destroyed: ${await backends()}`);
  });

  it('is refused by the API server when every port is UDP', async () => {
    const lb = { apiVersion: 'staysail.dev/v1alpha1', kind: 'LoadBalancer', metadata: { name: 'lb-udp', namespace: ns },
      spec: { application: 'shop', accountRef: { name: 'local' }, ports: [{ port: 53, protocol: 'UDP' }], kubernetes: { httpRoute: { parentRefs: [{ name: 'public' }] } } } };
    const r = await kubectl(sharedCluster().kubeconfigPath, ['apply', '-f', '-'], stringify(lb));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec.kubernetes.httpRoute sends HTTP to the first TCP, HTTP or HTTPS port of spec.ports, and every port here is UDP: add such a port, or remove spec.kubernetes.httpRoute/);
  });
});
