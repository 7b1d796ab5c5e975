// The Kubernetes provider against the local control plane: the server-group contract, traffic moved
// by labels between server groups behind a Service, and security groups as NetworkPolicies.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { realClock } from '../../../src/core/clock.ts';
import { KubeClient } from '../../../src/core/kube-client.ts';
import { isProviderError } from '../../../src/providers/errors.ts';
import type { Owner, ProviderAccount } from '../../../src/providers/interfaces.ts';
import { KubernetesProvider } from '../../../src/providers/kubernetes/provider.ts';
import { waitFor } from '../../cluster/probe.ts';
import { loadBalancerContract, securityGroupContract } from '../../contracts/network.ts';
import { serverGroupContract, type ContractWorld } from '../../contracts/server-groups.ts';
import { kubectlOk } from '../../support/kubectl.ts';
import { sharedCluster } from '../../support/setup.ts';
import { freshNamespace, namespaces, realOwner, template } from '../../support/provider-world.ts';

async function kubernetesWorld(): Promise<ContractWorld> {
  const client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock });
  const ns = await freshNamespace(client);
  return {
    provider: new KubernetesProvider(client, realClock),
    account: { name: 'local', namespace: ns, spec: { provider: 'kubernetes' } }, location: { namespace: ns }, template,
    pause: (ms) => new Promise((r) => setTimeout(r, ms)),
    eventually: (check, what) => waitFor(check, 60_000, () => `never ${what}`, 300),
    owner: (kind, name) => realOwner(client, ns, kind, name),
    cleanup: async () => { await client.delete(namespaces, undefined, ns).catch(() => undefined); },
  };
}

serverGroupContract('kubernetes', kubernetesWorld);
loadBalancerContract('kubernetes', kubernetesWorld);
securityGroupContract('kubernetes', kubernetesWorld);

describe('the Kubernetes provider', function () {
  this.timeout(120_000);
  let client: KubeClient;
  let provider: KubernetesProvider;
  let account: ProviderAccount;
  let ns: string;
  let owner: Owner;

  before(async () => {
    client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock });
    ns = await freshNamespace(client);
    provider = new KubernetesProvider(client, realClock);
    account = { name: 'local', namespace: ns, spec: { provider: 'kubernetes' } };
    owner = await realOwner(client, ns, 'Cluster', 'shop-prod');
  });

  const create = (seq: number, version: string, enabled: boolean) => provider.serverGroups.create(account, {
    name: `shop-prod-v00${seq}`, cluster: 'shop-prod', sequence: seq, location: {}, template: template(version), templateHash: version,
    capacity: { min: 1, max: 3, desired: 2 }, enabled, loadBalancers: ['shop-web'], securityGroups: ['shop-web'], owner });

  const endpoints = async () => {
    const lb = await provider.loadBalancers.describe(account, {}, 'shop-web');
    return { serverGroups: lb?.serverGroups ?? [], healthy: lb?.healthyEndpoints ?? 0 };
  };

  it('moves a Service\'s endpoints between server groups by enabling and disabling them', async () => {
    await provider.loadBalancers.upsert(account, {}, 'shop-web', { application: 'shop', accountRef: { name: 'local' }, type: 'internal',
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] }, owner);
    await create(1, 'v1', true);
    await waitFor(async () => (await endpoints()).healthy === 2, 60_000, () => 'v1 never served');
    assert.deepEqual((await endpoints()).serverGroups, ['shop-prod-v001']);

    await create(2, 'v2', false);
    await waitFor(async () => (await provider.serverGroups.describe(account, {}, 'shop-prod-v002'))?.instances.healthy === 2, 60_000, () => 'v2 never ready');
    assert.deepEqual((await endpoints()).serverGroups, ['shop-prod-v001'], 'a disabled server group takes no traffic');

    await provider.serverGroups.enable(account, {}, 'shop-prod-v002');
    await waitFor(async () => (await endpoints()).healthy === 4, 60_000, () => 'both never served');
    await provider.serverGroups.disable(account, {}, 'shop-prod-v001');
    await waitFor(async () => (await endpoints()).healthy === 2 && (await endpoints()).serverGroups.join() === 'shop-prod-v002', 60_000,
      () => 'traffic did not move from v001 to v002');
    const v1 = await provider.serverGroups.describe(account, {}, 'shop-prod-v001');
    assert.equal(v1?.enabled, false);
    assert.equal(v1?.instances.healthy, 2, 'a disabled server group keeps its pods');
    const svc = JSON.parse(await kubectlOk(sharedCluster().kubeconfigPath, ['-n', ns, 'get', 'service', 'shop-web', '-o', 'json']));
    assert.deepEqual(svc.spec.selector, { 'lb.staysail.dev/shop-web': 'enabled' });
  });

  it('makes a NetworkPolicy for a security group, and refuses what NetworkPolicy cannot express', async () => {
    await provider.securityGroups.upsert(account, {}, 'shop-web', { application: 'shop', accountRef: { name: 'local' }, ingress: [
      { from: { cidr: '10.20.0.0/16' }, protocol: 'tcp', ports: { from: 8080, to: 8081 } },
      { from: { securityGroupRef: { name: 'shop-api' } }, protocol: 'all' },
    ] }, owner);
    const np = JSON.parse(await kubectlOk(sharedCluster().kubeconfigPath, ['-n', ns, 'get', 'networkpolicy', 'shop-web', '-o', 'json']));
    assert.deepEqual(np.spec.podSelector, { matchLabels: { 'sg.staysail.dev/shop-web': 'true' } });
    assert.deepEqual(np.spec.ingress, [
      { from: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 8080, endPort: 8081 }] },
      { from: [{ podSelector: { matchLabels: { 'sg.staysail.dev/shop-api': 'true' } } }] },
    ]);
    const pods = await kubectlOk(sharedCluster().kubeconfigPath, ['-n', ns, 'get', 'pods', '-l', 'sg.staysail.dev/shop-web=true', '-o', 'name']);
    assert.ok(pods.trim().split('\n').length >= 2, 'the server groups that name it carry its label');
    await assert.rejects(provider.securityGroups.upsert(account, {}, 'pinging', { application: 'shop', accountRef: { name: 'local' },
      ingress: [{ from: { cidr: '0.0.0.0/0' }, protocol: 'icmp' }] }, owner),
    (err: unknown) => isProviderError(err, 'Invalid') && /spec\.ingress\[0\]\.protocol icmp cannot be expressed/.test((err as Error).message));
  });

  it('acts only in namespaces the Account allows, and leaves alone what it did not make', async () => {
    const other = await freshNamespace(client);
    const elsewhere = { namespace: other };
    const request = { name: 'shop-prod-v009', cluster: 'shop-prod', sequence: 9, location: elsewhere, template: template('v9'), templateHash: 'h9',
      capacity: { min: 0, max: 1, desired: 0 }, enabled: false, loadBalancers: [], securityGroups: [], owner };
    await assert.rejects(provider.serverGroups.create(account, request), (e: unknown) => isProviderError(e, 'Invalid')
      && new RegExp(`spec\\.location\\.namespace "${other}" is not one Account "local" may deploy to \\(${ns}\\); .*spec\\.kubernetes\\.namespaces`).test(e.message));
    const wider: ProviderAccount = { ...account, spec: { provider: 'kubernetes', kubernetes: { namespaces: [other] } } };
    assert.equal((await provider.serverGroups.create(wider, request)).name, 'shop-prod-v009');
    assert.equal(await kubectlOk(sharedCluster().kubeconfigPath, ['-n', other, 'get', 'replicaset', 'shop-prod-v009', '-o', 'jsonpath={.metadata.ownerReferences}']), '',
      'owned by reference from another namespace (the garbage collector would delete it)');
    assert.deepEqual([provider.ownsByReference(wider, {}), provider.ownsByReference(wider, elsewhere)], [true, false]);

    // Someone's own Service and NetworkPolicy, named as a LoadBalancer and a SecurityGroup would be.
    const mine = { apiVersion: 'staysail.dev/v1alpha1', kind: 'LoadBalancer', namespace: ns, name: 'theirs', uid: 'u' };
    await kubectlOk(sharedCluster().kubeconfigPath, ['-n', ns, 'create', 'service', 'clusterip', 'theirs', '--tcp=80:80']);
    await assert.rejects(provider.loadBalancers.upsert(account, { namespace: ns }, 'theirs',
      { application: 'shop', accountRef: { name: 'local' }, type: 'internal', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] }, mine),
    (e: unknown) => isProviderError(e, 'Invalid') && /Service "theirs" already exists in namespace .* and is not LoadBalancer "theirs"'s/.test(e.message));
    await provider.loadBalancers.delete(account, { namespace: ns }, 'theirs');
    assert.match(await kubectlOk(sharedCluster().kubeconfigPath, ['-n', ns, 'get', 'service', 'theirs', '-o', 'name']), /service\/theirs/, 'not deleted');
  });

  it('reaches another cluster through a kubeconfig Secret, and names a missing Secret', async () => {
    const secrets = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };
    const kubeconfig = readFileSync(sharedCluster().kubeconfigPath, 'utf8');
    await client.create(secrets, { metadata: { name: 'remote', namespace: ns }, data: { kubeconfig: Buffer.from(kubeconfig).toString('base64') } } as never);
    const remote: ProviderAccount = { name: 'remote', namespace: ns, spec: { provider: 'kubernetes', kubernetes: { kubeconfigSecretRef: { name: 'remote' } } } };
    await provider.serverGroups.create(remote, { name: 'far-v000', cluster: 'far', sequence: 0, location: {}, template: template('v1'), templateHash: 'h',
      capacity: { min: 1, max: 1, desired: 1 }, enabled: false, loadBalancers: [], securityGroups: [], owner });
    assert.equal((await provider.serverGroups.describe(account, {}, 'far-v000'))?.name, 'far-v000', 'made in the cluster the kubeconfig names');
    assert.equal(provider.ownsByReference(remote, {}), false, 'another cluster\'s objects cannot be owned by reference');
    const missing: ProviderAccount = { name: 'gone', namespace: ns, spec: { provider: 'kubernetes', kubernetes: { kubeconfigSecretRef: { name: 'nope' } } } };
    await assert.rejects(provider.serverGroups.describe(missing, {}, 'x'),
      (err: unknown) => isProviderError(err, 'Invalid') && /Account "gone": Secret "nope" \(spec\.kubernetes\.kubeconfigSecretRef\) does not exist/.test((err as Error).message));
  });

  after(async () => { await client?.delete(namespaces, undefined, ns).catch(() => undefined); });
});
