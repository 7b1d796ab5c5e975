// The controller loop and reconcile skeleton against the real API server, through the Application
// controller and a probe reconciler: queue semantics, status written only on change, conditions with
// observedGeneration, events, and metrics scraped over HTTP.
import assert from 'node:assert/strict';
import { resources } from '../../../src/api/v1alpha1/index.ts';
import { findCondition } from '../../../src/core/conditions.ts';
import type { KubeObject } from '../../../src/core/kube-client.ts';
import type { Manager } from '../../../src/core/manager.ts';
import { registerControllers } from '../../../src/controllers/index.ts';
import { realClock } from '../../../src/core/clock.ts';
import { KubernetesProvider } from '../../../src/providers/kubernetes/provider.ts';
import { ProviderRegistry } from '../../../src/providers/registry.ts';
import type { Application } from '../../../src/controllers/application/reconciler.ts';
import { waitFor } from '../../cluster/probe.ts';
import { installCrds } from '../../support/crds.ts';
import { sharedCluster } from '../../support/setup.ts';
import { sample } from '../../support/metrics.ts';
import { testManager } from './manager-harness.ts';

const namespaces = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false };
const cluster = (ns: string, name: string, app: string, stack: string) => ({
  metadata: { name, namespace: ns },
  spec: { moniker: { app, stack }, accountRef: { name: 'local' }, capacity: { min: 1, max: 1, desired: 1 },
    template: { kubernetes: { podTemplate: { spec: { containers: [{ name: 'c', image: 'x' }] } } } } },
});

describe('the controller loop', function () {
  this.timeout(120_000);
  const ns = `controller-${Date.now().toString(36)}`;
  let manager: Manager;
  let metricsAddress: string;
  const scrape = async () => (await fetch(`http://${metricsAddress}/metrics`)).text();

  before(async () => {
    await installCrds(sharedCluster().kubeconfigPath);
    manager = testManager(ns);
    await manager.client.create(namespaces, { metadata: { name: ns } });
    registerControllers(manager, new ProviderRegistry().register(new KubernetesProvider(manager.client, realClock)));
    metricsAddress = (await manager.start()).metricsAddress!;
  });
  after(async () => {
    await manager?.stop();
    await manager?.client.delete(namespaces, undefined, ns).catch(() => undefined);
  });

  const app = () => manager.client.get<Application>(resources.application, ns, 'shop');
  const ready = async () => findCondition((await app()).status?.conditions, 'Ready');

  it('makes an Application Ready from its clusters, with observedGeneration', async () => {
    await manager.client.create(resources.application, { metadata: { name: 'shop', namespace: ns }, spec: { description: 'v1' } });
    await waitFor(async () => (await ready())?.reason === 'NoClusters', 20_000, () => 'never Ready with NoClusters');
    const created = await app();
    assert.equal(created.status?.observedGeneration, created.metadata.generation);
    assert.equal(findCondition(created.status?.conditions, 'Ready')?.observedGeneration, created.metadata.generation);

    await manager.client.create(resources.cluster, cluster(ns, 'shop-prod', 'shop', 'prod'));
    await waitFor(async () => (await ready())?.reason === 'ClustersNotReady', 20_000, () => 'never saw the cluster');
    assert.equal((await ready())?.message, '1 of 1 cluster not Ready: shop-prod');
    assert.equal((await app()).status?.clusters, 1);

    // The cluster becomes Ready for real: its Account appears, its rollout runs, its pods become Ready on kwok.
    await manager.client.create(resources.account, { metadata: { name: 'local', namespace: ns }, spec: { provider: 'kubernetes' } });
    await waitFor(async () => (await ready())?.reason === 'ClustersReady', 60_000, () => 'never Ready after the cluster was');
    assert.equal((await app()).status?.readyClusters, 1);

    await manager.client.mergePatch(resources.application, ns, 'shop', { spec: { description: 'v2' } });
    await waitFor(async () => { const a = await app(); return a.status?.observedGeneration === a.metadata.generation; }, 20_000,
      () => 'observedGeneration never caught up with the new generation');
  });

  it('records an Event when a condition changes', async () => {
    const events = await manager.client.list<KubeObject & { reason?: string; involvedObject?: { name: string } }>(
      { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true }, ns);
    const reasons = events.items.filter((e) => e.involvedObject?.name === 'shop').map((e) => e.reason);
    assert.ok(reasons.includes('ClustersReady') && reasons.includes('ClustersNotReady'), `events: ${reasons.join(', ')}`);
  });

  it('writes status only when it changes (reconciles that change nothing write nothing)', async () => {
    const series = 'staysail_status_writes_total{controller="application"}';
    const reconciles = 'staysail_reconcile_total{controller="application",result="success"}';
    const before = await scrape();
    for (let i = 0; i < 5; i++) {
      await manager.client.mergePatch(resources.application, ns, 'shop', { metadata: { annotations: { touch: String(i) } } });
    }
    await waitFor(async () => sample(await scrape(), reconciles) >= sample(before, reconciles) + 1, 20_000, () => 'no reconcile after the touches');
    await new Promise((r) => setTimeout(r, 1000));
    const after = await scrape();
    assert.ok(sample(after, reconciles) > sample(before, reconciles));
    assert.equal(sample(after, series), sample(before, series), 'no status write for reconciles that changed nothing');
  });

  it('serves metrics over HTTP: reconciles, durations, queue and API requests', async () => {
    const text = await scrape();
    assert.ok(sample(text, 'staysail_reconcile_total{controller="application",result="success"}') > 0);
    assert.ok(sample(text, 'staysail_reconcile_duration_seconds_count{controller="application"}') > 0);
    assert.ok(sample(text, 'staysail_workqueue_adds_total{controller="application"}') > 0);
    assert.match(text, /^staysail_workqueue_depth\{controller="application"\} \d+/m);
    assert.match(text, /^staysail_workqueue_wait_seconds_bucket\{le="0.001",controller="application"\} \d+/m);
    assert.ok(sample(text, 'staysail_api_requests_total{verb="apply",code="200"}') > 0);
    assert.ok(sample(text, 'staysail_api_requests_total{verb="watch",code="200"}') > 0);
  });
});

describe('the work queue under a real watch', function () {
  this.timeout(60_000);
  const ns = `queue-${Date.now().toString(36)}`;
  let manager: Manager;

  before(async () => {
    await installCrds(sharedCluster().kubeconfigPath);
    manager = testManager(ns, { workers: 4 });
    await manager.client.create(namespaces, { metadata: { name: ns } });
  });
  after(async () => {
    await manager?.stop();
    await manager?.client.delete(namespaces, undefined, ns).catch(() => undefined);
  });

  it('merges bursts of events for one key, never runs one key twice at once, and ends on the latest state', async () => {
    const inFlight = new Set<string>();
    let overlaps = 0;
    let passes = 0;
    let lastSeen = '';
    const applications = manager.informer<Application>(resources.application);
    manager.addController('probe', applications, {
      owns: { fields: [], conditions: ['Ready'] },
      async reconcile(ctx) {
        const key = ctx.obj.metadata.name;
        if (inFlight.has(key)) overlaps++;
        inFlight.add(key);
        passes++;
        await new Promise((r) => setTimeout(r, 100));
        lastSeen = ctx.obj.metadata.annotations?.n ?? '';
        inFlight.delete(key);
      },
    });
    await manager.start();
    await manager.client.create(resources.application, { metadata: { name: 'busy', namespace: ns }, spec: {} });
    const updates = 30;
    for (let i = 1; i <= updates; i++) {
      await manager.client.mergePatch(resources.application, ns, 'busy', { metadata: { annotations: { n: String(i) } } });
    }
    await waitFor(async () => lastSeen === String(updates), 20_000, () => `last pass saw n=${lastSeen}`);
    assert.equal(overlaps, 0, 'one key was reconciled by two workers at once');
    assert.ok(passes < updates, `${passes} passes for ${updates + 1} events: bursts were not merged`);
  });
});
