// The local control plane is a real Kubernetes: controllers, scheduler and kwok make workloads behave.
import assert from 'node:assert/strict';
import { AppsV1Api, BatchV1Api, CoreV1Api, DiscoveryV1Api, type V1Pod } from '@kubernetes/client-node';
import { podCidr } from '../cluster/cluster.ts';
import { waitFor } from '../cluster/probe.ts';
import { kubectl, kubectlOk } from '../support/kubectl.ts';
import { sharedCluster } from '../support/setup.ts';

const inPodCidr = (ip: string) => ip.startsWith(podCidr.split('.').slice(0, 2).join('.') + '.');
const isReady = (p: V1Pod) => p.status?.phase === 'Running' && !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

describe('the local control plane', function () {
  this.timeout(120_000);
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let namespace: string;
  let kubeconfig: string;

  before(async () => {
    const cluster = sharedCluster();
    kubeconfig = cluster.kubeconfigPath;
    const kc = cluster.kubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    namespace = `world-${Date.now().toString(36)}`;
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await waitFor(async () => {
      try { await core.readNamespacedServiceAccount({ name: 'default', namespace }); return true; } catch { return false; }
    }, 30_000, () => `no default ServiceAccount in ${namespace}`);
  });

  it('has Ready nodes, as kubectl shows', async () => {
    const out = await kubectlOk(kubeconfig, ['get', 'nodes', '--no-headers']);
    const rows = out.trim().split('\n').map((l) => l.split(/\s+/));
    assert.equal(rows.length, sharedCluster().nodeNames.length);
    for (const row of rows) assert.equal(row[1], 'Ready', `node ${row[0]} is ${row[1]}`);
  });

  it('gives a Deployment Ready pods and its Service EndpointSlices with their IPs', async () => {
    await kubectlOk(kubeconfig, ['-n', namespace, 'create', 'deployment', 'web', '--image=x', '--replicas=3']);
    await kubectlOk(kubeconfig, ['-n', namespace, 'expose', 'deployment', 'web', '--port=80']);
    await waitFor(async () => (await apps.readNamespacedDeployment({ name: 'web', namespace })).status?.readyReplicas === 3,
      60_000, () => 'deployment web never had 3 ready replicas');
    const pods = (await core.listNamespacedPod({ namespace, labelSelector: 'app=web' })).items;
    assert.equal(pods.filter(isReady).length, 3);
    const podIPs = pods.map((p) => p.status?.podIP ?? '').sort();
    assert.ok(podIPs.every(inPodCidr), `pod IPs ${podIPs} outside ${podCidr}`);
    assert.equal(new Set(podIPs).size, 3, 'every pod has its own IP');
    assert.ok(pods.every((p) => p.spec?.nodeName?.startsWith('kwok-node-')), 'the scheduler bound every pod to a kwok node');

    const discovery = sharedCluster().kubeConfig().makeApiClient(DiscoveryV1Api);
    let addresses: string[] = [];
    await waitFor(async () => {
      const slices = await discovery.listNamespacedEndpointSlice({ namespace, labelSelector: 'kubernetes.io/service-name=web' });
      addresses = slices.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready).flatMap((e) => e.addresses)).sort();
      return addresses.length === 3;
    }, 60_000, () => `service web has ready endpoint addresses ${JSON.stringify(addresses)}, want 3`);
    assert.deepEqual(addresses, podIPs);
  });

  it('removes the pods of a ReplicaSet scaled to 0', async () => {
    await apps.createNamespacedReplicaSet({ namespace, body: {
      metadata: { name: 'rs' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'rs' } },
        template: { metadata: { labels: { app: 'rs' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
    } });
    const pods = async () => (await core.listNamespacedPod({ namespace, labelSelector: 'app=rs' })).items;
    await waitFor(async () => (await pods()).filter(isReady).length === 2, 60_000, () => 'replicaset rs never had 2 ready pods');
    await apps.patchNamespacedReplicaSetScale({ name: 'rs', namespace, body: [{ op: 'replace', path: '/spec/replicas', value: 0 }] });
    await waitFor(async () => (await pods()).length === 0, 60_000, () => "pods of rs remain after scaling to 0");
    // The ReplicaSet's own status follows its pods a moment later.
    await waitFor(async () => ((await apps.readNamespacedReplicaSet({ name: 'rs', namespace })).status?.replicas ?? 0) === 0, 30_000,
      () => 'replicaset rs still counts replicas');
  });

  it('refuses an invalid object with 422 and a message naming the field', async () => {
    const r = await kubectl(kubeconfig, ['-n', namespace, 'create', '-f', '-', '-o', 'name'],
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Not_A_Valid_Name' } }));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /is invalid: metadata\.name: Invalid value: "Not_A_Valid_Name"/);
    await assert.rejects(
      core.createNamespacedService({ namespace, body: { metadata: { name: 'bad' }, spec: { ports: [{ port: 70000 }] } } }),
      (err: { code?: number; body?: string }) => {
        assert.equal(err.code, 422);
        assert.match(String(err.body), /spec\.ports\[0\]\.port: Invalid value: 70000/);
        return true;
      });
  });

  it('completes Job pods: success by default, failure with the exit code an annotation asks for', async () => {
    const batch = sharedCluster().kubeConfig().makeApiClient(BatchV1Api);
    const job = (name: string, annotations: Record<string, string>) => batch.createNamespacedJob({ namespace, body: {
      metadata: { name },
      spec: { backoffLimit: 0, template: { metadata: { annotations },
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'x' }] } } },
    } });
    await job('ok', {});
    await job('bad', { 'test.staysail.dev/exit-code': '3' });
    const condition = async (name: string) => (await batch.readNamespacedJob({ name, namespace })).status?.conditions
      ?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.type;
    await waitFor(async () => (await condition('ok')) === 'Complete', 60_000, () => 'job ok never completed');
    await waitFor(async () => (await condition('bad')) === 'Failed', 60_000, () => 'job bad never failed');
    const [failed] = (await core.listNamespacedPod({ namespace, labelSelector: 'job-name=bad' })).items;
    assert.equal(failed?.status?.phase, 'Failed');
    assert.equal(failed?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 3);
  });

  after(async () => {
    await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
  });
});
