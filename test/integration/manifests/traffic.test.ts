// deployManifest's trafficManagement, enableManifest and disableManifest against the local control
// plane: a Service's endpoints (its EndpointSlices, which the controller manager keeps from the pods'
// labels as kwok makes them ready) follow the ReplicaSets the stages put in and take out of it.
import assert from 'node:assert/strict';
import { realClock } from '../../../src/core/clock.ts';
import { KubeClient, type KubeObject, type ResourceType } from '../../../src/core/kube-client.ts';
import { KubernetesProvider } from '../../../src/providers/kubernetes/provider.ts';
import { deployManifestStage } from '../../../src/pipeline/stages/deploy-manifest.ts';
import { disableManifestStage } from '../../../src/pipeline/stages/disable-manifest.ts';
import { enableManifestStage } from '../../../src/pipeline/stages/enable-manifest.ts';
import { waitFor } from '../../cluster/probe.ts';
import { freshNamespace, namespaces } from '../../support/provider-world.ts';
import { sharedCluster } from '../../support/setup.ts';
import { newRecord, pass, type StageWorld } from './passes.ts';
import type { StageType } from '../../../src/pipeline/stages/stage-type.ts';

/** runStage, saying where the stage was when it did not finish. */
async function runStage(w: StageWorld, type: StageType, block: Record<string, unknown>) {
  const record = newRecord(type.type);
  let message: string | undefined;
  for (let passes = 1; passes <= 240; passes++) {
    const outcome = await pass(w, type, block, record);
    if (outcome.state) record.state = outcome.state;
    if (outcome.status !== 'RUNNING') return { ...outcome, passes };
    message = outcome.message;
    await new Promise((r) => setTimeout(r, Math.min(outcome.pollAfterMs, 500)));
  }
  throw new Error(`${type.type} never finished: ${message}`);
}

const services: ResourceType = { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true };
const pods: ResourceType = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true };
const replicaSets: ResourceType = { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', namespaced: true };
const slices: ResourceType = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true };

/** A bare ReplicaSet of two pods, versioned by deployManifest as web-vNNN. */
export const replicaSet = (image: string): KubeObject => ({
  apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', labels: { app: 'web' } },
  spec: { replicas: 2, selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } } },
} as KubeObject);

/** The Service traffic management attaches to: its selector key is one no ReplicaSet sets itself. */
export const service = (name: string, selector: Record<string, string>): KubeObject => ({
  metadata: { name }, spec: { selector, ports: [{ port: 80, targetPort: 8080 }] } } as KubeObject);

describe('deployManifest trafficManagement, enableManifest and disableManifest', function () {
  this.timeout(180_000);
  let w: StageWorld;

  before(async () => {
    const client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock });
    w = { client, provider: new KubernetesProvider(client, realClock), ns: await freshNamespace(client) };
    await client.create(services, { ...service('web', { frontedBy: 'web' }), metadata: { name: 'web', namespace: w.ns } });
    await client.create(services, { ...service('everything', {}), metadata: { name: 'everything', namespace: w.ns } });
    await client.create(services, { ...service('by-app', { app: 'web' }), metadata: { name: 'by-app', namespace: w.ns } });
    await client.create(services, { ...service('web-other', { frontedBy: 'other' }), metadata: { name: 'web-other', namespace: w.ns } });
  });
  after(async () => { await w.client.delete(namespaces, undefined, w.ns).catch(() => undefined); });

  const traffic = (strategy: string, enableTraffic = true) => ({ enabled: true, options: { services: ['web'], strategy, enableTraffic } });
  /** The pod IPs of a ReplicaSet (by owner), once it has its replicas running with IPs. */
  const podIps = async (rs: string) => {
    const owner = await w.client.get(replicaSets, w.ns, rs);
    return (await w.client.list(pods, w.ns, { labelSelector: 'app=web' })).items
      .filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === owner.metadata.uid) && !p.metadata.deletionTimestamp)
      .map((p) => (p.status as { podIP?: string }).podIP).filter((ip): ip is string => !!ip).sort();
  };
  const endpoints = async (svc: string) => (await w.client.list<KubeObject & { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }>(slices, w.ns,
    { labelSelector: `kubernetes.io/service-name=${svc}` })).items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready).flatMap((e) => e.addresses).sort();
  /** Waits until the Service's ready endpoints are exactly the ReplicaSets' pods. */
  const servesOnly = async (svc: string, ...rs: string[]) => {
    let want: string[] = [];
    let got: string[] = [];
    await waitFor(async () => {
      want = (await Promise.all(rs.map(podIps))).flat().sort();
      got = await endpoints(svc);
      return want.length === 2 * rs.length && JSON.stringify(want) === JSON.stringify(got);
    }, 60_000, () => `Service ${svc} serves ${got.join(', ') || 'nothing'}, not the pods of ${rs.join(', ') || 'nothing'} (${want.join(', ')})`);
  };
  const templateLabels = async (rs: string) => ((await w.client.get(replicaSets, w.ns, rs)).spec as { template: { metadata: { labels: Record<string, string> } } })
    .template.metadata.labels;

  it('redblack puts the new version in the Service and takes the old one out once the new one is stable', async () => {
    const first = await runStage(w, deployManifestStage, { manifests: [replicaSet('shop/web:v1')], trafficManagement: traffic('redblack') });
    assert.equal(first.status, 'SUCCEEDED', first.message);
    assert.deepEqual(first.outputs?.traffic, { enabled: ['web-v000'], disabled: [], deleted: [] });
    const v000 = await w.client.get(replicaSets, w.ns, 'web-v000');
    assert.equal(v000.metadata.annotations?.['traffic.staysail.dev/load-balancers'], '["service web"]');
    await servesOnly('web', 'web-v000');

    const second = await runStage(w, deployManifestStage, { manifests: [replicaSet('shop/web:v2')], trafficManagement: traffic('redblack') });
    assert.equal(second.status, 'SUCCEEDED', second.message);
    assert.deepEqual(second.outputs?.traffic, { enabled: ['web-v001'], disabled: ['web-v000'], deleted: [] });
    await servesOnly('web', 'web-v001');
    assert.equal((await templateLabels('web-v000')).frontedBy, undefined, 'the old template no longer carries the selector');
    assert.equal((await podIps('web-v000')).length, 2, 'the old pods stay up');
  });

  /** The resourceVersions of a ReplicaSet and of its pods, by name. */
  const versions = async (rs: string) => {
    const owner = await w.client.get(replicaSets, w.ns, rs);
    const owned = (await w.client.list(pods, w.ns, { labelSelector: 'app=web' })).items.filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === owner.metadata.uid));
    return Object.fromEntries([[rs, owner.metadata.resourceVersion], ...owned.map((p) => [p.metadata.name, p.metadata.resourceVersion])]) as Record<string, string>;
  };

  it('redeploying the same content reuses its version and changes nothing more', async () => {
    const record = newRecord('deployManifest');
    const before = await versions('web-v001');
    const again = await runStage(w, deployManifestStage, { manifests: [replicaSet('shop/web:v2')], trafficManagement: traffic('redblack') });
    assert.equal(again.status, 'SUCCEEDED', again.message);
    assert.deepEqual(again.outputs?.manifests, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-v001', namespace: w.ns, version: 'v001' }]);
    // A pass repeated with the finished state (a crash before the outcome was recorded) finds the world as it wants it.
    record.state = again.state!;
    const repeated = await pass(w, deployManifestStage, { manifests: [replicaSet('shop/web:v2')], trafficManagement: traffic('redblack') }, record);
    assert.equal(repeated.status, 'SUCCEEDED', repeated.message);
    await servesOnly('web', 'web-v001');
    assert.deepEqual(await versions('web-v001'), before, 'neither the ReplicaSet nor its pods were written');
  });

  it('disableManifest takes a ReplicaSet out of the Services it names, and enableManifest puts it back', async () => {
    const target = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-v000' };
    const on = await runStage(w, enableManifestStage, { target });
    assert.equal(on.status, 'SUCCEEDED', on.message);
    await servesOnly('web', 'web-v000', 'web-v001');
    const off = await runStage(w, disableManifestStage, { target });
    assert.equal(off.status, 'SUCCEEDED', off.message);
    assert.match(off.message ?? '', /is now out of Service "web"/);
    await servesOnly('web', 'web-v001');
    const offAgain = await runStage(w, disableManifestStage, { target });
    assert.match(offAgain.message ?? '', /was already out of Service "web"/);
  });

  it('enableManifest fails naming a ReplicaSet that names no Service, and one that does not exist', async () => {
    await w.client.create(replicaSets, { ...replicaSet('shop/web:v1'), metadata: { name: 'plain', namespace: w.ns, labels: { app: 'plain' } },
      spec: { replicas: 0, selector: { matchLabels: { app: 'plain' } }, template: { metadata: { labels: { app: 'plain' } }, spec: { containers: [{ name: 'web', image: 'x' }] } } } });
    const none = await runStage(w, enableManifestStage, { target: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'plain' } });
    assert.equal(none.status, 'FAILED');
    assert.match(none.message ?? '', /^enableManifest "step": ReplicaSet ".*\/plain" names no Service in its annotation traffic\.staysail\.dev\/load-balancers; deploy it with deployManifest's trafficManagement/);
    const gone = await runStage(w, disableManifestStage, { target: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'nope' } });
    assert.match(gone.message ?? '', /^disableManifest "step": ReplicaSet ".*\/nope" does not exist; check target\.name \(e\.g\. the deploy stage's outputs\.manifests/);
  });

  it('a dark deploy makes the new version without traffic, and highlander then deletes every other version', async () => {
    const dark = await runStage(w, deployManifestStage, { manifests: [replicaSet('shop/web:v3')], trafficManagement: traffic('none', false) });
    assert.equal(dark.status, 'SUCCEEDED', dark.message);
    assert.deepEqual(dark.outputs?.traffic, { enabled: [], disabled: ['web-v002'], deleted: [] });
    await servesOnly('web', 'web-v001');
    const last = await runStage(w, deployManifestStage, { manifests: [replicaSet('shop/web:v3')], trafficManagement: traffic('highlander') });
    assert.equal(last.status, 'SUCCEEDED', last.message);
    assert.deepEqual(last.outputs?.traffic, { enabled: ['web-v002'], disabled: ['web-v000', 'web-v001'], deleted: ['web-v000', 'web-v001'] });
    await servesOnly('web', 'web-v002');
    const left = (await w.client.list(replicaSets, w.ns, { labelSelector: 'artifact.staysail.dev/name=web' })).items
      .filter((r) => !r.metadata.deletionTimestamp).map((r) => r.metadata.name);
    assert.deepEqual(left, ['web-v002']);
  });

  it('refuses, before applying anything, a Service with an empty selector or one on the ReplicaSet\'s own key, and a Deployment', async () => {
    const before = (await w.client.list(replicaSets, w.ns)).items.length;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ manifests: [replicaSet('shop/web:v9')], trafficManagement: { enabled: true, options: { services: ['everything'] } } },
        /^deployManifest "step": ReplicaSet ".*\/web": Service "everything" has an empty spec.selector, which selects every pod; give Service "everything" a selector key/],
      [{ manifests: [replicaSet('shop/web:v9')], trafficManagement: { enabled: true, options: { services: ['by-app'] } } },
        /^deployManifest "step": ReplicaSet ".*\/web": Service "by-app" selects on "app", which the ReplicaSet already has among its own labels or selector/],
      [{ manifests: [replicaSet('shop/web:v9')], trafficManagement: { enabled: true, options: { services: ['nope'] } } },
        /^deployManifest "step": ReplicaSet ".*\/web": Service ".*\/nope" does not exist/],
      [{ manifests: [replicaSet('shop/web:v9'), { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' },
        spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api', frontedBy: 'web' } } } } }], trafficManagement: traffic('redblack') },
        /^deployManifest "step": Deployment ".*\/api": Service "web" of trafficManagement selects its pods .*; deploy a ReplicaSet instead of the Deployment/],
      [{ manifests: [replicaSet('shop/web:v9')], trafficManagement: { enabled: true, options: { services: ['web', 'web-other'] } } },
        /^deployManifest "step": ReplicaSet ".*\/web": Services "web" and "web-other" both select on "frontedBy", with "web" and "other", and a pod can carry only one of them; give each Service a key of its own/],
    ];
    for (const [block, message] of cases) {
      const outcome = await runStage(w, deployManifestStage, block);
      assert.equal(outcome.status, 'FAILED');
      assert.match(outcome.message ?? '', message);
    }
    assert.equal((await w.client.list(replicaSets, w.ns)).items.length, before, 'nothing was applied');
  });

  /** A ReplicaSet of no pods whose annotation names the Services. */
  const bare = async (name: string, servicesNamed: string[], extra: Partial<KubeObject['metadata']> = {}) => w.client.create(replicaSets, {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: w.ns, labels: { app: name }, ...extra,
      annotations: { 'traffic.staysail.dev/load-balancers': JSON.stringify(servicesNamed.map((n) => `service ${n}`)) } },
    spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'x' }] } } } });

  it('enableManifest refuses Services at odds over a key and a ReplicaSet a Deployment controls; disableManifest passes over a Service deleted', async () => {
    await bare('pair', ['web', 'web-other']);
    const odds = await runStage(w, enableManifestStage, { target: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'pair' } });
    assert.equal(odds.status, 'FAILED');
    assert.match(odds.message ?? '', /^enableManifest "step": ReplicaSet ".*\/pair": Services "web" and "web-other" both select on "frontedBy"/);

    const d = await w.client.create({ group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true }, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'owned', namespace: w.ns },
      spec: { replicas: 0, selector: { matchLabels: { app: 'owned' } }, template: { metadata: { labels: { app: 'owned' } }, spec: { containers: [{ name: 'web', image: 'x' }] } } } });
    let owned: KubeObject | undefined;
    await waitFor(async () => {
      owned = (await w.client.list(replicaSets, w.ns, { labelSelector: 'app=owned' })).items.find((r) => r.metadata.ownerReferences?.some((o) => o.uid === (d as KubeObject).metadata.uid));
      return !!owned;
    }, 30_000, () => 'the Deployment owned has no ReplicaSet');
    for (const type of [enableManifestStage, disableManifestStage]) {
      const refused = await runStage(w, type, { target: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owned!.metadata.name } });
      assert.equal(refused.status, 'FAILED');
      assert.match(refused.message ?? '', new RegExp(`^${type.type} "step": ReplicaSet ".*/${owned!.metadata.name}" is controlled by Deployment "owned", .*; act on the Deployment instead`));
    }

    await bare('orphan', ['web', 'gone']);
    const off = await runStage(w, disableManifestStage, { target: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'orphan' } });
    assert.equal(off.status, 'SUCCEEDED', off.message);
    assert.match(off.message ?? '', /^ReplicaSet ".*\/orphan" was already out of Service "web"; Service "gone" named in its annotation does not exist, passed over$/);
    assert.deepEqual(off.outputs?.missing, ['gone']);
  });

  it('deploys a Deployment no Service of trafficManagement selects beside the ReplicaSet', async () => {
    await w.client.create(services, { ...service('cart', { 'staysail.dev/fronted-by-cart': 'true' }), metadata: { name: 'cart', namespace: w.ns } });
    const rs = { ...replicaSet('shop/cart:v1'), metadata: { name: 'cart', labels: { app: 'cart' } } } as KubeObject;
    (rs.spec as { selector: unknown; template: { metadata: unknown } }).selector = { matchLabels: { app: 'cart' } };
    (rs.spec as { template: { metadata: unknown } }).template.metadata = { labels: { app: 'cart' } };
    const worker = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'worker' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'worker' } }, template: { metadata: { labels: { app: 'worker' } }, spec: { containers: [{ name: 'w', image: 'x' }] } } } };
    const done = await runStage(w, deployManifestStage, { manifests: [rs, worker], trafficManagement: { enabled: true, options: { services: ['cart'] } } });
    assert.equal(done.status, 'SUCCEEDED', done.message);
    assert.deepEqual(done.outputs?.traffic, { enabled: ['cart-v000'], disabled: [], deleted: [] });
  });

  it('records the cleanup plan before acting, so a cleanup pass repeated after a crash keeps every name in its outputs', async () => {
    const rs = (tag: string) => {
      const m = replicaSet(`shop/cart:${tag}`) as KubeObject<{ selector: unknown; template: { metadata: unknown } }>;
      return { ...m, metadata: { name: 'cart', labels: { app: 'cart' } }, spec: { ...m.spec!, selector: { matchLabels: { app: 'cart' } },
        template: { ...m.spec!.template, metadata: { labels: { app: 'cart' } } } } } as KubeObject;
    };
    const block = (tag: string, strategy: string) => ({ manifests: [rs(tag)], trafficManagement: { enabled: true, options: { services: ['cart'], strategy } } });
    assert.equal((await runStage(w, deployManifestStage, block('v2', 'redblack'))).status, 'SUCCEEDED');
    const record = newRecord('deployManifest');
    let outcome = await pass(w, deployManifestStage, block('v3', 'highlander'), record);
    for (let i = 0; i < 120 && outcome.status === 'RUNNING' && !outcome.state?.cleanup; i++) {
      record.state = outcome.state ?? record.state;
      await new Promise((r) => setTimeout(r, 500));
      outcome = await pass(w, deployManifestStage, block('v3', 'highlander'), record);
    }
    assert.equal(outcome.status, 'RUNNING', outcome.message);
    assert.deepEqual(outcome.state?.cleanup, [{ namespace: w.ns, disable: ['cart-v000', 'cart-v001'], delete: ['cart-v000', 'cart-v001'] }]);
    assert.ok(await w.client.get(replicaSets, w.ns, 'cart-v000'), 'nothing is deleted before the plan is recorded');
    record.state = outcome.state!;
    const want = { enabled: ['cart-v002'], disabled: ['cart-v000', 'cart-v001'], deleted: ['cart-v000', 'cart-v001'] };
    const cleaned = await pass(w, deployManifestStage, block('v3', 'highlander'), record);
    assert.equal(cleaned.status, 'SUCCEEDED', cleaned.message);
    assert.deepEqual(cleaned.outputs?.traffic, want);
    // The outcome was lost: the pass is made again with the plan's state, and the versions are gone by now.
    const again = await pass(w, deployManifestStage, block('v3', 'highlander'), record);
    assert.equal(again.status, 'SUCCEEDED', again.message);
    assert.deepEqual(again.outputs?.traffic, want);
  });
});
