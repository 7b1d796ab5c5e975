// The Kubernetes provider's traffic labels against the local control plane: a change cut short (a
// share put back, a disable) leaves the server group unsettled until its pods carry the labels it
// records, whatever its share and whether it is enabled or not.
import assert from 'node:assert/strict';
import { realClock } from '../../../src/core/clock.ts';
import { KubeClient, type KubeObject } from '../../../src/core/kube-client.ts';
import type { ProviderAccount } from '../../../src/providers/interfaces.ts';
import { disabledPercentageAnnotation, enabledAnnotation } from '../../../src/providers/kubernetes/labels.ts';
import { KubernetesProvider } from '../../../src/providers/kubernetes/provider.ts';
import { pods, replicaSets } from '../../../src/providers/kubernetes/server-groups.ts';
import { waitFor } from '../../cluster/probe.ts';
import { sharedCluster } from '../../support/setup.ts';
import { freshNamespace, namespaces, realOwner, template } from '../../support/provider-world.ts';

const label = 'lb.staysail.dev/shop-web';

describe('the Kubernetes provider\'s traffic labels', function () {
  this.timeout(120_000);
  let client: KubeClient;
  let provider: KubernetesProvider;
  let account: ProviderAccount;
  let ns: string;

  before(async () => {
    client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock });
    ns = await freshNamespace(client);
    provider = new KubernetesProvider(client, realClock);
    account = { name: 'local', namespace: ns, spec: { provider: 'kubernetes' } };
  });
  after(async () => { await client.delete(namespaces, undefined, ns).catch(() => undefined); });

  /** How many of the server group's live pods carry the load balancer's traffic label. */
  const labelled = async (name: string) => (await client.list<KubeObject>(pods, ns, { labelSelector: `staysail.dev/server-group=${name}` })).items
    .filter((p) => !p.metadata.deletionTimestamp && p.metadata.labels?.[label] === 'enabled').length;
  const describe = (name: string) => provider.serverGroups.describe(account, {}, name);

  it('says unsettled after a share put back or a disable was cut short, and settles once carried out again', async () => {
    const owner = await realOwner(client, ns, 'Cluster', 'shop-prod');
    await provider.loadBalancers.upsert(account, {}, 'shop-web', { application: 'shop', accountRef: { name: 'local' }, type: 'internal',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] }, owner);
    await provider.serverGroups.create(account, { name: 'shop-prod-v000', cluster: 'shop-prod', sequence: 0, location: {}, template: template('v1'),
      templateHash: 'v1', capacity: { min: 4, max: 4, desired: 4 }, enabled: true, loadBalancers: ['shop-web'], securityGroups: [], owner });
    await waitFor(async () => (await describe('shop-prod-v000'))?.instances.healthy === 4, 60_000, () => 'v000 never had 4 ready pods');
    await provider.serverGroups.setDisabledPercentage!(account, {}, 'shop-prod-v000', 50);
    assert.equal(await labelled('shop-prod-v000'), 2, 'half of the pods out of traffic');
    assert.equal((await describe('shop-prod-v000'))?.unsettled, undefined, 'settled once the share is taken');

    // The share put back is recorded on the ReplicaSet, then the pass ends before any pod is relabelled.
    await client.mergePatch(replicaSets, ns, 'shop-prod-v000', { metadata: { annotations: { [disabledPercentageAnnotation]: null } } });
    const cut = await describe('shop-prod-v000');
    assert.deepEqual([cut?.disabledPercentage, cut?.unsettled], [0, true], 'two pods still out while the share is 0: unsettled');
    await provider.serverGroups.setDisabledPercentage!(account, {}, 'shop-prod-v000', 0);
    assert.equal(await labelled('shop-prod-v000'), 4, 'all back in traffic');
    assert.equal((await describe('shop-prod-v000'))?.unsettled, undefined);

    // A disable recorded on the ReplicaSet and its pod template, then cut short before the pods.
    const rs = await client.get<KubeObject<{ template: { metadata: { labels: Record<string, string> } } }>>(replicaSets, ns, 'shop-prod-v000');
    await client.mergePatch(replicaSets, ns, 'shop-prod-v000', { metadata: { annotations: { [enabledAnnotation]: 'false' } },
      spec: { template: { metadata: { labels: { [label]: null } } } } });
    assert.ok(rs.spec?.template.metadata.labels[label], 'the template carried the label before');
    const disabled = await describe('shop-prod-v000');
    assert.deepEqual([disabled?.enabled, disabled?.unsettled], [false, true], 'pods still in traffic while disabled: unsettled');
    await provider.serverGroups.disable(account, {}, 'shop-prod-v000');
    assert.equal(await labelled('shop-prod-v000'), 0, 'no pod in traffic once disabled');
    assert.equal((await describe('shop-prod-v000'))?.unsettled, undefined);
  });
});
