// undoRolloutManifest, rollingRestartManifest and deployManifest's wait on a Job against the local
// control plane, pass after pass: the Deployment controller renumbers the revision rolled back to
// and replaces the pods of a restart; kwok runs Job pods to completion, or to a failure on request.
import assert from 'node:assert/strict';
import { realClock } from '../../../src/core/clock.ts';
import { KubeClient, type KubeObject, type ResourceType } from '../../../src/core/kube-client.ts';
import { KubernetesProvider } from '../../../src/providers/kubernetes/provider.ts';
import { deployManifestStage } from '../../../src/pipeline/stages/deploy-manifest.ts';
import { patchManifestStage } from '../../../src/pipeline/stages/patch-manifest.ts';
import { rollingRestartManifestStage } from '../../../src/pipeline/stages/rolling-restart-manifest.ts';
import { undoRolloutManifestStage } from '../../../src/pipeline/stages/undo-rollout-manifest.ts';
import { waitFor } from '../../cluster/probe.ts';
import { freshNamespace, namespaces } from '../../support/provider-world.ts';
import { sharedCluster } from '../../support/setup.ts';
import { deployment } from './objects.ts';
import { newRecord, pass, runStage, type StageWorld } from './passes.ts';

const deployments: ResourceType = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true };
const replicaSets: ResourceType = { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', namespaced: true };
const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
type Spec = { template: { metadata: { annotations?: Record<string, string> }; spec: { containers: { image: string }[] } } };

const jobs: ResourceType = { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true };

/** A Job whose pod kwok runs for runFor, then ends with exitCode; ttl: its ttlSecondsAfterFinished. */
const job = (name: string, exitCode: string, runFor = '1s', ttl?: number): KubeObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
  spec: { backoffLimit: 0, ...(ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl }), template: { metadata: { annotations: { 'test.staysail.dev/exit-code': exitCode, 'test.staysail.dev/run-duration': runFor } },
    spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'shop/migrate:v1' }] } } } } as KubeObject);

describe('undoRolloutManifest, rollingRestartManifest, and deployManifest waiting on Jobs', function () {
  this.timeout(180_000);
  let w: StageWorld;

  before(async () => {
    const client = new KubeClient(sharedCluster().kubeConfig(), { clock: realClock });
    w = { client, provider: new KubernetesProvider(client, realClock), ns: await freshNamespace(client) };
  });
  after(async () => { await w.client.delete(namespaces, undefined, w.ns).catch(() => undefined); });

  const spec = async () => (await w.client.get(deployments, w.ns, 'web')).spec as Spec;
  const image = async () => (await spec()).template.spec.containers[0]!.image;
  const bump = (tag: string) => runStage(w, patchManifestStage, { target, patch: { spec: { template: { spec: { containers: [{ name: 'web', image: `shop/web:${tag}` }] } } } } });

  it('undoRolloutManifest goes back one revision, then to a revision named, and fails naming one the Deployment does not have', async () => {
    assert.equal((await runStage(w, deployManifestStage, { manifests: [deployment('web', 'shop/web:v1')] })).status, 'SUCCEEDED');
    for (const tag of ['v2', 'v3']) assert.equal((await bump(tag)).status, 'SUCCEEDED');
    const back = await runStage(w, undoRolloutManifestStage, { target });
    assert.equal(back.status, 'SUCCEEDED', back.message);
    assert.equal(back.outputs?.revision, 2);
    assert.equal(await image(), 'shop/web:v2');
    const d = await w.client.get(deployments, w.ns, 'web');
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '4', 'the Deployment controller renumbered the revision rolled back to');
    const available = (d.status as { availableReplicas?: number }).availableReplicas;
    assert.equal(available, 2, 'it waited for the rollout');
    const pods = ((await w.client.get(deployments, w.ns, 'web')).spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
    assert.equal(pods['pod-template-hash'], undefined, 'the ReplicaSet\'s own label was not copied');

    const toFirst = await runStage(w, undoRolloutManifestStage, { target, revision: 1 });
    assert.equal(toFirst.status, 'SUCCEEDED', toFirst.message);
    assert.equal(await image(), 'shop/web:v1');
    const none = await runStage(w, undoRolloutManifestStage, { target, revision: 9 });
    assert.equal(none.status, 'FAILED');
    assert.match(none.message ?? '', /^undoRolloutManifest "step": Deployment ".*\/web" cannot be rolled back: it has no revision 9 \(it has revisions 3, 4, 5;/);
  });

  it('undoRolloutManifest repeated after it patched, but before it recorded so, does not go back another revision', async () => {
    const record = newRecord('undoRolloutManifest');
    const first = await pass(w, undoRolloutManifestStage, { target }, record);
    assert.equal(first.status, 'RUNNING');
    assert.deepEqual(first.state, { source: first.state!.source, kind: 'ReplicaSet', revision: 4 }, 'one back from revision 5 (v1) is 4 (v2)');
    record.state = first.state!;
    // The patching pass's outcome is lost (the operator restarted): the next pass has the state of the first.
    await pass(w, undoRolloutManifestStage, { target }, record);
    let outcome = await pass(w, undoRolloutManifestStage, { target }, record);
    for (let i = 0; i < 120 && outcome.status === 'RUNNING'; i++) {
      record.state = outcome.state!;
      await new Promise((r) => setTimeout(r, 500));
      outcome = await pass(w, undoRolloutManifestStage, { target }, record);
    }
    assert.equal(outcome.status, 'SUCCEEDED', outcome.message);
    assert.equal(await image(), 'shop/web:v2', 'rolled back to revision 4 once, not on to 3 (v3)');
    assert.equal((await w.client.get(deployments, w.ns, 'web')).metadata.annotations?.['deployment.kubernetes.io/revision'], '6');
  });

  it('undoRolloutManifest rolls a StatefulSet back through its ControllerRevisions', async () => {
    const sts = (tag: string): KubeObject => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: `shop/db:${tag}` }] } } } } as KubeObject);
    for (const tag of ['v1', 'v2']) assert.equal((await runStage(w, deployManifestStage, { manifests: [sts(tag)] })).status, 'SUCCEEDED');
    const dbTarget = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' };
    const back = await runStage(w, undoRolloutManifestStage, { target: dbTarget });
    assert.equal(back.status, 'SUCCEEDED', back.message);
    assert.equal(back.outputs?.revision, 1);
    assert.match(String(back.outputs?.controllerRevision), /^db-/);
    const stored = (await w.client.get({ group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true }, w.ns, 'db')).spec as Spec;
    assert.equal(stored.template.spec.containers[0]!.image, 'shop/db:v1');
    const none = await runStage(w, undoRolloutManifestStage, { target: dbTarget, numRevisionsBack: 5 });
    assert.match(none.message ?? '', /StatefulSet ".*\/db" cannot be rolled back: it has no revision 5 back from revision 3/);
  });

  it('rollingRestartManifest replaces the pods once, with the stage\'s start time, and waits for them', async () => {
    const before = (await w.client.list(replicaSets, w.ns, { labelSelector: 'app=web' })).items.length;
    const record = newRecord('rollingRestartManifest');
    const lost = await pass(w, rollingRestartManifestStage, { target }, record);
    assert.equal(lost.status, 'RUNNING');
    // The pass repeated as after a crash before its state was kept: the same value, no second restart.
    let outcome = await pass(w, rollingRestartManifestStage, { target }, record);
    record.state = outcome.state!;
    for (let i = 0; i < 120 && outcome.status === 'RUNNING'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      outcome = await pass(w, rollingRestartManifestStage, { target }, record);
    }
    assert.equal(outcome.status, 'SUCCEEDED', outcome.message);
    assert.equal((await spec()).template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'], record.startTime);
    const after = (await w.client.list(replicaSets, w.ns, { labelSelector: 'app=web' })).items.length;
    assert.equal(after, before + 1, 'one new ReplicaSet: restarted once');
    assert.equal(((await w.client.get(deployments, w.ns, 'web')).status as { updatedReplicas?: number }).updatedReplicas, 2);
  });

  it('deployManifest waits until a Job is complete, and fails naming a Job that failed', async () => {
    const done = await runStage(w, deployManifestStage, { manifests: [job('migrate', '0', '3s')] });
    const ended = Date.now();
    assert.equal(done.status, 'SUCCEEDED', done.message);
    assert.ok(done.passes > 2, 'it waited past the Job\'s start');
    const conditions = ((await w.client.get(jobs, w.ns, 'migrate')).status as
      { conditions?: { type: string; status: string; lastTransitionTime: string }[] }).conditions ?? [];
    const complete = conditions.find((c) => c.type === 'Complete' && c.status === 'True');
    assert.ok(complete, 'the Job is Complete');
    assert.ok(Date.parse(complete.lastTransitionTime) <= ended, `the Job was Complete (${complete.lastTransitionTime}) before the stage ended (${new Date(ended).toISOString()})`);
    const failed = await runStage(w, deployManifestStage, { manifests: [job('broken', '3')] });
    assert.equal(failed.status, 'FAILED');
    assert.match(failed.message ?? '', /^deployManifest "step": Job ".*\/broken" failed: /);
  });

  it('deployManifest succeeds for a Job seen Complete and deleted since by ttlSecondsAfterFinished, and fails at once for one gone before', async () => {
    // quick is Complete after a second and deleted 3s later; slow keeps the stage waiting past that.
    const both = await runStage(w, deployManifestStage, { manifests: [job('quick', '0', '1s', 3), job('slow', '0', '10s')] });
    assert.equal(both.status, 'SUCCEEDED', both.message);
    assert.equal(await w.client.get(jobs, w.ns, 'quick').then(() => 'there', () => 'gone'), 'gone', 'the TTL controller deleted quick before slow was done');

    const record = newRecord('deployManifest');
    const applied = await pass(w, deployManifestStage, { manifests: [job('vanishing', '0', '1s', 0)] }, record);
    assert.equal(applied.status, 'RUNNING', applied.message);
    record.state = applied.state!;
    await waitFor(async () => w.client.get(jobs, w.ns, 'vanishing').then(() => false, () => true), 60_000, () => 'the Job vanishing was never deleted');
    const gone = await pass(w, deployManifestStage, { manifests: [job('vanishing', '0', '1s', 0)] }, record);
    assert.equal(gone.status, 'FAILED');
    assert.match(gone.message ?? '', /^deployManifest "step": Job ".*\/vanishing" was deleted before it was seen Complete, as its spec\.ttlSecondsAfterFinished deletes a finished Job/);
  });

  it('deployManifest fails naming a per-run name for a Job that finished before the stage, before applying anything, or one changed while running', async () => {
    assert.equal((await runStage(w, deployManifestStage, { manifests: [job('once', '0')] })).status, 'SUCCEEDED');
    await waitFor(async () => Date.now() - Date.parse((await w.client.get(jobs, w.ns, 'once')).metadata.creationTimestamp!) > 1_000, 10_000, () => 'time stood still');
    const marker: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'before-once' }, data: { a: '1' } } as KubeObject;
    const same = await runStage(w, deployManifestStage, { manifests: [marker, job('once', '0')], skipVersioning: true });
    assert.equal(same.status, 'FAILED');
    const configMaps: ResourceType = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
    assert.equal(await w.client.get(configMaps, w.ns, 'before-once').then(() => 'applied', () => 'not applied'), 'not applied', 'refused before anything was applied');
    assert.match(same.message ?? '', /^deployManifest "step": Job ".*\/once" finished \(Complete\) before this stage started .*, so applying it again runs nothing; give it a per-run name, e\.g\. once-\$\{execution\.name\}$/);
    const changed = await runStage(w, deployManifestStage, { manifests: [job('once', '0', '2s')] });
    assert.equal(changed.status, 'FAILED');
    assert.match(changed.message ?? '', /^deployManifest "step": Job ".*\/once" finished \(Complete\) before this stage started/);
    // One still running, changed: the API server refuses the new template, and the stage names the same fix.
    assert.equal((await runStage(w, deployManifestStage, { manifests: [job('long', '0', '60s')], waitForStable: false })).status, 'SUCCEEDED');
    const running = await runStage(w, deployManifestStage, { manifests: [job('long', '0', '61s')] });
    assert.equal(running.status, 'FAILED');
    assert.match(running.message ?? '', /field is immutable.*; a Job cannot be changed once made, and this one exists from an earlier deploy: give it a per-run name, e\.g\. long-\$\{execution\.name\}$/s);
  });

  it('undoRolloutManifest and rollingRestartManifest refuse a paused Deployment at once', async () => {
    await w.client.request('patch', 'PATCH', w.client.path(deployments, w.ns, 'web'), { body: { spec: { paused: true } }, contentType: 'application/merge-patch+json' });
    try {
      for (const type of [undoRolloutManifestStage, rollingRestartManifestStage]) {
        const refused = await runStage(w, type, { target });
        assert.equal(refused.status, 'FAILED');
        assert.equal(refused.passes, 1, 'at once');
        assert.match(refused.message ?? '', new RegExp(`^${type.type} "step": Deployment ".*/web" is paused \\(spec\\.paused\\), so .* would roll nothing out; resume it first`));
      }
    } finally {
      await w.client.request('patch', 'PATCH', w.client.path(deployments, w.ns, 'web'), { body: { spec: { paused: false } }, contentType: 'application/merge-patch+json' });
    }
  });

  it('rollingRestartManifest says a StatefulSet with updateStrategy OnDelete has had no pod replaced', async () => {
    const sts: KubeObject = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'cache' },
      spec: { replicas: 1, updateStrategy: { type: 'OnDelete' }, selector: { matchLabels: { app: 'cache' } },
        template: { metadata: { labels: { app: 'cache' } }, spec: { containers: [{ name: 'cache', image: 'shop/cache:v1' }] } } } } as KubeObject;
    assert.equal((await runStage(w, deployManifestStage, { manifests: [sts] })).status, 'SUCCEEDED');
    const restarted = await runStage(w, rollingRestartManifestStage, { target: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'cache' } });
    assert.equal(restarted.status, 'SUCCEEDED', restarted.message);
    assert.match(restarted.message ?? '', /^restarted StatefulSet ".*\/cache"; its updateStrategy is OnDelete, so no pod was replaced/);
  });
});
