// How the skeleton writes status, against the real API server: only the fields and conditions a
// reconciler owns, guarded by the resourceVersion its pass started from (a conflict reads the object
// again), what a failed pass recorded kept, and its own writes never waking the object again, counted
// on whole pipeline runs.
import assert from 'node:assert/strict';
import type { AccountStatus } from '../../../src/api/v1alpha1/account.ts';
import type { ApplicationStatus } from '../../../src/api/v1alpha1/application.ts';
import { resources } from '../../../src/api/v1alpha1/index.ts';
import { findCondition } from '../../../src/core/conditions.ts';
import { realClock } from '../../../src/core/clock.ts';
import type { KubeObject } from '../../../src/core/kube-client.ts';
import type { Manager } from '../../../src/core/manager.ts';
import { registerControllers } from '../../../src/controllers/index.ts';
import type { Application } from '../../../src/controllers/application/reconciler.ts';
import type { CanaryConfig } from '../../../src/controllers/canary-config/reconciler.ts';
import type { Account } from '../../../src/controllers/accounts.ts';
import type { PipelineRun } from '../../../src/controllers/pipeline-run/types.ts';
import { KubernetesProvider } from '../../../src/providers/kubernetes/provider.ts';
import { ProviderRegistry } from '../../../src/providers/registry.ts';
import { waitFor } from '../../cluster/probe.ts';
import { installCrds } from '../../support/crds.ts';
import { sample } from '../../support/metrics.ts';
import { sharedCluster } from '../../support/setup.ts';
import { testManager } from './manager-harness.ts';

const namespaces = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('status writes', function () {
  this.timeout(120_000);
  const ns = `status-${Date.now().toString(36)}`;
  let manager: Manager;
  const passes = new Map<string, number>();
  const waiterPasses: number[] = [];
  const count = (name: string) => { const n = (passes.get(name) ?? 0) + 1; passes.set(name, n); return n; };
  const metric = async (series: string) => sample(await manager.metrics.registry.metrics(), series);

  before(async () => {
    await installCrds(sharedCluster().kubeconfigPath);
    manager = testManager(ns);
    await manager.client.create(namespaces, { metadata: { name: ns } });
    // Owns status.clusters and Ready; sets readyClusters too, which it does not own.
    manager.addController<Application, ApplicationStatus>('owner', manager.informer<Application>(resources.application), {
      owns: { fields: ['clusters'], conditions: ['Ready'] },
      async reconcile(ctx) {
        count(ctx.obj.metadata.name);
        ctx.status.clusters = Number(ctx.obj.metadata.annotations?.['test.staysail.dev/clusters'] ?? 1);
        (ctx.status as Record<string, unknown>).readyClusters = 99;
        ctx.setCondition({ type: 'Ready', status: 'True', reason: 'Counted', message: `${ctx.status.clusters} clusters` });
      },
    });
    // Changes its own object during its first pass, so the status that pass computed is from an older copy.
    manager.addController('racer', manager.informer<CanaryConfig>(resources.canaryConfig), {
      owns: { fields: [], conditions: ['Ready'] },
      async reconcile(ctx) {
        const seen = ctx.obj.metadata.annotations?.['test.staysail.dev/seen'] ?? 'old';
        if (count(ctx.obj.metadata.name) === 1) {
          await manager.client.mergePatch(resources.canaryConfig, ns, ctx.obj.metadata.name, { metadata: { annotations: { 'test.staysail.dev/seen': 'new' } } });
        }
        ctx.setCondition({ type: 'Ready', status: 'True', reason: 'Seen', message: `computed from the ${seen} copy` });
      },
    });
    // Records a step, then fails with an error time may fix, until released.
    manager.addController<Account, AccountStatus>('recorder', manager.informer<Account>(resources.account), {
      owns: { fields: ['regions'], conditions: ['Ready'] },
      async reconcile(ctx) {
        count(ctx.obj.metadata.name);
        ctx.status.regions = ['recorded-before-the-failure'];
        if (!ctx.obj.metadata.annotations?.['test.staysail.dev/release']) throw new Error('the provider timed out');
        ctx.setCondition({ type: 'Ready', status: 'True', reason: 'Done', message: 'released' });
      },
    });
    // Holds its object with a finalizer and asks to come back in 3 s, as a provider's Retry-After does.
    manager.addController('waiter', manager.informer<KubeObject>(resources.securityGroup), {
      owns: { fields: [], conditions: ['Ready'] },
      finalizer: 'test.staysail.dev/hold',
      async reconcile(ctx) {
        waiterPasses.push(Date.now());
        ctx.setCondition({ type: 'Ready', status: 'False', reason: 'Waiting', message: 'asked to wait 3 s' });
        return { requeueAfterMs: 3_000 };
      },
      async finalize() { /* holds nothing */ },
    });
    await manager.start();
  });
  after(async () => {
    await manager?.stop();
    await manager?.client.delete(namespaces, undefined, ns).catch(() => undefined);
  });

  it('a wait the first pass asks for is not cut short by that pass\'s own finalizer and status writes', async () => {
    const created = Date.now();
    await manager.client.create(resources.securityGroup, { metadata: { name: 'waits', namespace: ns },
      spec: { application: 'shop', accountRef: { name: 'local' }, ingress: [] } });
    await waitFor(async () => waiterPasses.length >= 2, 20_000, () => `passes at ${waiterPasses.map((t) => t - created).join(', ')} ms`);
    const gap = waiterPasses[1]! - waiterPasses[0]!;
    assert.ok(gap >= 2_900, `the second pass came ${gap} ms after the first, which asked to wait 3 s`);
    const held = await manager.client.get<KubeObject>(resources.securityGroup, ns, 'waits');
    assert.deepEqual(held.metadata.finalizers, ['test.staysail.dev/hold']);
    await manager.client.delete(resources.securityGroup, ns, 'waits');
    await waitFor(async () => !(await manager.client.list<KubeObject>(resources.securityGroup, ns)).items.some((o) => o.metadata.name === 'waits'), 20_000,
      () => 'the SecurityGroup was never finalized');
  });

  it('writes only the fields and conditions the reconciler owns, and keeps what another field manager wrote', async () => {
    await manager.client.create(resources.application, { metadata: { name: 'owned', namespace: ns }, spec: {} });
    await waitFor(async () => (await app('owned')).status?.clusters === 1, 20_000, () => 'status.clusters never written');
    assert.equal((await app('owned')).status?.readyClusters, undefined, 'a field the reconciler does not own is not written');

    await manager.client.apply(resources.application, { metadata: { name: 'owned', namespace: ns },
      status: { readyClusters: 7, conditions: [{ type: 'Audited', status: 'True', reason: 'Checked', message: 'by someone else',
        lastTransitionTime: new Date().toISOString() }] } } as KubeObject, 'someone-else', { subresource: 'status' });
    await manager.client.mergePatch(resources.application, ns, 'owned', { metadata: { annotations: { 'test.staysail.dev/clusters': '3' } } });
    await waitFor(async () => (await app('owned')).status?.clusters === 3, 20_000, () => 'status.clusters never rewritten');
    const status = (await app('owned')).status!;
    assert.equal(status.readyClusters, 7, 'another manager\'s field survives the write');
    assert.equal(findCondition(status.conditions, 'Audited')?.message, 'by someone else', 'and so does its condition');
    assert.equal(findCondition(status.conditions, 'Ready')?.message, '3 clusters');
  });

  it('never writes a status computed from an older copy: the write is refused and the object read again', async () => {
    const writesBefore = await metric('staysail_status_writes_total{controller="racer"}');
    await manager.client.create(resources.canaryConfig, { metadata: { name: 'raced', namespace: ns },
      spec: { metricSource: { type: 'prometheus', address: 'http://127.0.0.1:9' }, thresholds: { pass: 75, marginal: 50 },
        metrics: [{ name: 'errors', group: 'errors', query: 'up', direction: 'increase' }] } });
    await waitFor(async () => findCondition((await canary('raced')).status?.conditions, 'Ready') !== undefined, 20_000, () => 'never written');
    await sleep(1000);
    assert.equal(findCondition((await canary('raced')).status?.conditions, 'Ready')?.message, 'computed from the new copy');
    assert.equal(await metric('staysail_status_writes_total{controller="racer"}') - writesBefore, 1,
      'the status of the first pass, computed from the old copy, was never written');
    assert.ok((passes.get('raced') ?? 0) >= 2);
  });

  it('writes what a pass recorded before a transient error, without moving observedGeneration', async () => {
    await manager.client.create(resources.account, { metadata: { name: 'flaky', namespace: ns }, spec: { provider: 'kubernetes' } });
    await waitFor(async () => (await account('flaky')).status?.regions?.[0] === 'recorded-before-the-failure', 20_000,
      () => 'what the failed pass recorded was lost');
    const failing = await account('flaky');
    assert.notEqual(failing.status?.observedGeneration, failing.metadata.generation, 'the generation is not acted on while it fails');
    await manager.client.mergePatch(resources.account, ns, 'flaky', { metadata: { annotations: { 'test.staysail.dev/release': 'yes' } } });
    await waitFor(async () => findCondition((await account('flaky')).status?.conditions, 'Ready')?.status === 'True', 20_000, () => 'never released');
    const done = await account('flaky');
    assert.equal(done.status?.observedGeneration, done.metadata.generation);
  });

  const app = (name: string) => manager.client.get<Application>(resources.application, ns, name);
  const canary = (name: string) => manager.client.get<CanaryConfig>(resources.canaryConfig, ns, name);
  const account = (name: string) => manager.client.get<Account & { status?: AccountStatus }>(resources.account, ns, name);
});

describe('status writes of the operator\'s controllers', function () {
  this.timeout(120_000);
  const ns = `status-runs-${Date.now().toString(36)}`;
  let manager: Manager;
  const metric = async (series: string) => sample(await manager.metrics.registry.metrics(), series);
  const run = (name: string) => manager.client.get<PipelineRun>(resources.pipelineRun, ns, name);

  before(async () => {
    await installCrds(sharedCluster().kubeconfigPath);
    manager = testManager(ns);
    await manager.client.create(namespaces, { metadata: { name: ns } });
    registerControllers(manager, new ProviderRegistry().register(new KubernetesProvider(manager.client, realClock)));
    await manager.start();
  });
  after(async () => {
    await manager?.stop();
    await manager?.client.delete(namespaces, undefined, ns).catch(() => undefined);
  });

  it('a run of n stages takes at most 2n + 3 reconciles and n + 2 status writes: its own writes do not wake it', async () => {
    const n = 4;
    const stages = Array.from({ length: n }, (_, i) => ({ refId: `s${i + 1}`, type: 'wait', wait: { duration: '1s' },
      ...(i > 0 ? { requisiteStageRefIds: [`s${i}`] } : {}) }));
    await manager.client.create(resources.pipeline, { metadata: { name: 'counted', namespace: ns }, spec: { application: 'shop', stages } });
    await sleep(500); // the Pipeline's own passes are not the run's
    const reconciles = () => metric('staysail_reconcile_total{controller="pipelinerun",result="success"}')
      .then(async (s) => s + await metric('staysail_reconcile_total{controller="pipelinerun",result="requeue"}'));
    const [r0, w0] = [await reconciles(), await metric('staysail_status_writes_total{controller="pipelinerun"}')];
    await manager.client.create(resources.pipelineRun, { metadata: { name: 'counted-1', namespace: ns }, spec: { pipelineRef: { name: 'counted' } } });
    await waitFor(async () => findCondition((await run('counted-1')).status?.conditions, 'Succeeded')?.status === 'True', 30_000,
      () => 'the run did not succeed');
    await sleep(1000); // anything its last write would wake has had time to run
    const [r, w] = [await reconciles() - r0, await metric('staysail_status_writes_total{controller="pipelinerun"}') - w0];
    const errors = await metric('staysail_reconcile_errors_total{controller="pipelinerun"}');
    assert.equal(errors, 0, 'no pass failed');
    assert.ok(r <= 2 * n + 3, `${r} reconciles for a run of ${n} stages (at most ${2 * n + 3})`);
    assert.ok(w <= n + 2, `${w} status writes for a run of ${n} stages (at most ${n + 2})`);
    assert.ok(w >= n, `each stage's end was written (${w} writes)`);
    // A pass per write would follow if the run's own writes woke it: about twice as many.
    assert.ok(r <= w + 1, `${r} reconciles for ${w} status writes: the run's own writes woke it`);
  });

});
