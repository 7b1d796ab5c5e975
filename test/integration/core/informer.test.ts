// The informer against the real API server: list then watch, and recovery when the watch is cut.
import assert from 'node:assert/strict';
import { realClock } from '../../../src/core/clock.ts';
import { Informer, objectKey } from '../../../src/core/informer.ts';
import { KubeClient, type KubeObject, type ResourceType } from '../../../src/core/kube-client.ts';
import { createLogger } from '../../../src/core/logger.ts';
import { waitFor } from '../../cluster/probe.ts';
import { sharedCluster } from '../../support/setup.ts';

export const configMaps: ResourceType = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const namespaces: ResourceType = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false };
const quiet = createLogger({ level: 'error' });

describe('Informer', function () {
  this.timeout(120_000);
  let client: KubeClient;
  const ns = `informer-${Date.now().toString(36)}`;
  const cm = (name: string, data: Record<string, string> = {}) => ({ metadata: { name, namespace: ns, labels: { test: 'informer' } }, data }) as KubeObject;

  before(async () => {
    client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock });
    await client.create(namespaces, { metadata: { name: ns } });
  });
  after(async () => { await client.delete(namespaces, undefined, ns).catch(() => undefined); });

  it('lists, then follows adds, updates and deletes, without managedFields', async () => {
    await client.create(configMaps, cm('first'));
    const informer = new Informer({ client, resource: configMaps, namespace: ns, labelSelector: 'test=informer', clock: realClock, log: quiet });
    const seen: string[] = [];
    informer.on({ add: (o) => seen.push(`add ${o.metadata.name}`), update: (o) => seen.push(`update ${o.metadata.name}`),
      delete: (o) => seen.push(`delete ${o.metadata.name}`) });
    try {
      await informer.start();
      assert.deepEqual(informer.list(ns).map((o) => o.metadata.name), ['first']);
      assert.equal(informer.get(`${ns}/first`)?.metadata.managedFields, undefined);
      await client.create(configMaps, cm('second'));
      await client.mergePatch(configMaps, ns, 'first', { data: { a: '1' } });
      await client.delete(configMaps, ns, 'second');
      await waitFor(async () => seen.length >= 4, 10_000, () => `events so far: ${seen.join(', ')}`);
      assert.deepEqual(seen, ['add first', 'add second', 'update first', 'delete second']);
      assert.equal(informer.get(`${ns}/first`)?.metadata.managedFields, undefined);
    } finally {
      informer.stop();
    }
  });

  it('recovers when the API server restarts: lists again and turns what vanished into deletes', async () => {
    await client.create(configMaps, cm('keep'));
    await client.create(configMaps, cm('doomed'));
    const informer = new Informer({ client, resource: configMaps, namespace: ns, labelSelector: 'test=informer', clock: realClock, log: quiet,
      backoff: { baseMs: 2000, maxMs: 4000 } });
    const deleted: string[] = [];
    informer.on({ delete: (o) => deleted.push(o.metadata.name) });
    try {
      await informer.start();
      const listsBefore = informer.stats.lists;
      await sharedCluster().restartApiServer();
      await client.delete(configMaps, ns, 'doomed');
      await client.create(configMaps, cm('born'));
      await waitFor(async () => {
        const names = informer.list(ns).map((o) => o.metadata.name);
        return names.includes('born') && !names.includes('doomed');
      }, 60_000, () => `cache holds ${informer.list(ns).map(objectKey).join(', ')}`);
      assert.ok(deleted.includes('doomed'), 'the delete reached the handlers');
      assert.ok(informer.stats.lists > listsBefore, 'a watch from a version older than the new watch cache is refused (410), so it listed again');
      assert.ok(informer.stats.errors >= 1);
    } finally {
      informer.stop();
    }
  });
});
