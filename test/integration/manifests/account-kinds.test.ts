// The kinds an Account lets the manifest stages act on (spec.kubernetes.manifests), against the local
// control plane: a kind omitted or not listed is refused before any manifest of the batch is applied,
// naming the manifest, the kind and the field; a cluster-scoped kind is applied once it is listed.
import assert from 'node:assert/strict';
import { realClock } from '../../../src/core/clock.ts';
import { KubeClient, type KubeObject, type ResourceType } from '../../../src/core/kube-client.ts';
import { isProviderError } from '../../../src/providers/errors.ts';
import type { ManifestProvider, ProviderAccount } from '../../../src/providers/interfaces.ts';
import { KubernetesProvider } from '../../../src/providers/kubernetes/provider.ts';
import { deployManifestStage } from '../../../src/pipeline/stages/deploy-manifest.ts';
import type { StageRun } from '../../../src/pipeline/stages/stage-type.ts';
import { newRecord } from './passes.ts';
import { freshNamespace, namespaces } from '../../support/provider-world.ts';
import { sharedCluster } from '../../support/setup.ts';

const fieldManager = 'staysail-deployManifest';
const configMaps: ResourceType = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const clusterRoles: ResourceType = { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', kind: 'ClusterRole', namespaced: false };

const configMap = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' } } as KubeObject);
const secret = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { a: '1' } } as KubeObject);
const clusterRole = (name: string): KubeObject => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name },
  rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] } as KubeObject);

describe('the kinds an Account allows its manifest stages', function () {
  this.timeout(120_000);
  let client: KubeClient;
  let manifests: ManifestProvider;
  let ns: string;
  const role = `staysail-test-${Date.now().toString(36)}`;
  const account = (m: { kinds?: string[]; omitKinds?: string[] }): ProviderAccount => ({ name: 'local', namespace: ns,
    spec: { provider: 'kubernetes', kubernetes: { manifests: m } } });
  const exists = async (name: string) => client.get(configMaps, ns, name).then(() => true, () => false);

  before(async () => {
    client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock });
    ns = await freshNamespace(client);
    manifests = new KubernetesProvider(client, realClock).manifests!;
  });
  after(async () => {
    await client.delete(clusterRoles, undefined, role).catch(() => undefined);
    await client.delete(namespaces, undefined, ns).catch(() => undefined);
  });

  it('refuses a kind in omitKinds, or missing from kinds, before applying the manifests before it', async () => {
    await assert.rejects(manifests.apply(account({ omitKinds: ['Secret'] }), {}, [configMap('first'), secret('token')], { fieldManager }),
      (err: Error) => isProviderError(err, 'Invalid') && /^Account "local": Secret ".*\/token": kind Secret is in the Account's spec\.kubernetes\.manifests\.omitKinds/.test(err.message));
    await assert.rejects(manifests.apply(account({ kinds: ['ConfigMap'] }), {}, [configMap('first'), secret('token')], { fieldManager }),
      (err: Error) => isProviderError(err, 'Invalid') && /kind Secret is not in the Account's spec\.kubernetes\.manifests\.kinds \(ConfigMap\); add it there/.test(err.message));
    assert.equal(await exists('first'), false, 'nothing of the batch was applied');
    await assert.rejects(manifests.delete(account({ omitKinds: ['ConfigMap'] }), {}, { apiVersion: 'v1', kind: 'ConfigMap', name: 'first', namespace: ns }),
      (err: Error) => isProviderError(err, 'Invalid') && /omitKinds/.test(err.message));
  });

  it('refuses a cluster-scoped kind not listed before applying anything, and applies it without a namespace once listed', async () => {
    await assert.rejects(manifests.apply(account({}), {}, [configMap('first'), clusterRole(role)], { fieldManager }),
      (err: Error) => isProviderError(err, 'Invalid') && new RegExp(`ClusterRole "${role}" is cluster-scoped, and the Account deploys namespaced kinds only unless its spec\\.kubernetes\\.manifests\\.kinds lists the kind`).test(err.message));
    assert.equal(await exists('first'), false);
    const listed = account({ kinds: ['ConfigMap', 'ClusterRole'] });
    const [cm, cr] = await manifests.apply(listed, { namespace: ns }, [configMap('first'), { ...clusterRole(role), metadata: { name: role, namespace: ns } }], { fieldManager });
    assert.equal(cm!.metadata.namespace, ns);
    assert.equal(cr!.metadata.namespace, undefined);
    const ref = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: role };
    assert.equal((await manifests.status(listed, { namespace: ns }, ref)).status, 'Current');
    await manifests.delete(listed, { namespace: ns }, ref);
    assert.equal(await manifests.read(listed, { namespace: ns }, ref), undefined);
  });

  it('refuses a batch with an object in a namespace the Account may not deploy to before applying the manifests before it', async () => {
    const elsewhere = { ...configMap('stray'), metadata: { name: 'stray', namespace: 'kube-system' } };
    await assert.rejects(manifests.apply(account({}), {}, [configMap('before-stray'), elsewhere], { fieldManager }),
      (err: Error) => isProviderError(err, 'Invalid') && /^ConfigMap "kube-system\/stray": namespace "kube-system" is not one Account "local" may deploy to/.test(err.message));
    assert.equal(await exists('before-stray'), false, 'nothing of the batch was applied');
  });

  it('refuses trafficManagement before applying anything when the Account omits the Pods it relabels, and names a list readably', async () => {
    const omitting = account({ omitKinds: ['Pod'] });
    const provider = new KubernetesProvider(client, realClock);
    await client.create({ group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true },
      { metadata: { name: 'web', namespace: ns }, spec: { selector: { 'staysail.dev/fronted-by-web': 'true' }, ports: [{ port: 80 }] } } as KubeObject);
    const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', labels: { app: 'web' } },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'x' }] } } } };
    const outcome = await deployManifestStage.execute({
      run: { metadata: { name: 'release-1', namespace: ns } }, stage: { refId: 'step', type: 'deployManifest' },
      config: { accountRef: { name: 'local' }, manifests: [configMap('before-traffic'), rs], trafficManagement: { enabled: true, options: { services: ['web'] } } },
      record: newRecord('deployManifest'), scope: {} as StageRun['scope'], clock: realClock, client,
      resolveAccount: () => ({ account: omitting, provider }),
      log: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} } as unknown as StageRun['log'],
    } as unknown as StageRun);
    assert.equal(outcome.status, 'FAILED');
    assert.match(outcome.message ?? '', /^deployManifest "step": Account "local": Pods of ReplicaSet ".*\/web", which trafficManagement relabels: kind Pod is in the Account's spec\.kubernetes\.manifests\.omitKinds/);
    assert.equal(await exists('before-traffic'), false, 'nothing was applied');
    await assert.rejects(manifests.list(omitting, { namespace: ns }, { apiVersion: 'v1', kind: 'Pod' }, 'app=web'),
      (err: Error) => new RegExp(`^Account "local": the Pod objects matching app=web in namespace "${ns}": kind Pod is in`).test(err.message));
  });
});
