// The reconcile skeleton's error taxonomy and finalizers, with a probe reconciler on Applications.
import assert from 'node:assert/strict';
import { resources } from '../../../src/api/v1alpha1/index.ts';
import { findCondition } from '../../../src/core/conditions.ts';
import { isNotFound, TerminalError, WaitingError } from '../../../src/core/errors.ts';
import type { Manager } from '../../../src/core/manager.ts';
import type { Application } from '../../../src/controllers/application/reconciler.ts';
import type { Account } from '../../../src/controllers/accounts.ts';
import { waitFor } from '../../cluster/probe.ts';
import { installCrds } from '../../support/crds.ts';
import { sharedCluster } from '../../support/setup.ts';
import { sample } from '../../support/metrics.ts';
import { testManager } from './manager-harness.ts';

const namespaces = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false };
const finalizer = 'test.staysail.dev/cleanup';
const vanishing = 'test.staysail.dev/vanishing';

describe('the reconcile skeleton', function () {
  this.timeout(60_000);
  const ns = `skeleton-${Date.now().toString(36)}`;
  let manager: Manager;
  const passes = new Map<string, number>();
  const finalized: string[] = [];
  /** Objects of the second probe whose finalize ran, or whose reconcile deleted them. */
  const gone: string[] = [];

  before(async () => {
    await installCrds(sharedCluster().kubeconfigPath);
    manager = testManager(ns);
    await manager.client.create(namespaces, { metadata: { name: ns } });
    manager.addController('probe', manager.informer<Application>(resources.application), {
      owns: { fields: [], conditions: ['Ready'] },
      finalizer,
      async reconcile(ctx) {
        const name = ctx.obj.metadata.name;
        const n = (passes.get(name) ?? 0) + 1;
        passes.set(name, n);
        if (name === 'terminal') throw new TerminalError('BadSpec', 'Application "terminal": spec.description is not allowed; remove it');
        if (name === 'waiting') throw new WaitingError('AccountMissing', 'Account "prod" does not exist yet', 300);
        if (name === 'flaky' && n < 3) throw new Error('transient failure');
        if (name === 'rolling' && !ctx.obj.metadata.annotations?.['test.staysail.dev/done']) return { reconciling: { reason: 'RollingOut', message: 'step 2 of 3' } };
        ctx.setCondition({ type: 'Ready', status: 'True', reason: 'Done', message: `succeeded after ${name === 'flaky' ? 2 : 0} failures` });
      },
      async finalize(ctx) { finalized.push(ctx.obj.metadata.name); },
    });
    // Objects that go while a pass runs: deleted by the pass itself, or released by someone else while it finalizes.
    manager.addController('vanishing', manager.informer<Account>(resources.account), {
      owns: { fields: [], conditions: ['Ready'] },
      finalizer: vanishing,
      async reconcile(ctx) {
        if (ctx.obj.metadata.name !== 'deleted-during-pass') return;
        await releaseAndDelete(ctx.obj.metadata.name);
        gone.push(ctx.obj.metadata.name);
        ctx.setCondition({ type: 'Ready', status: 'True', reason: 'Done', message: 'a status to write for an object that is gone' });
      },
      async finalize(ctx) {
        await manager.client.mergePatch(resources.account, ns, ctx.obj.metadata.name, { metadata: { finalizers: null } })
          .catch((err: unknown) => { if (!isNotFound(err)) throw err; });
        gone.push(ctx.obj.metadata.name);
      },
    });
    await manager.start();
  });
  after(async () => {
    await manager?.stop();
    await manager?.client.delete(namespaces, undefined, ns).catch(() => undefined);
  });

  const create = (name: string) => manager.client.create(resources.application, { metadata: { name, namespace: ns }, spec: {} });
  const get = (name: string) => manager.client.get<Application>(resources.application, ns, name);
  const isGone = async (name: string) => {
    try { await manager.client.get(resources.account, ns, name); return false; } catch (err) { return isNotFound(err); }
  };
  async function releaseAndDelete(name: string): Promise<void> {
    await manager.client.delete(resources.account, ns, name);
    await manager.client.mergePatch(resources.account, ns, name, { metadata: { finalizers: null } });
    await waitFor(() => isGone(name), 10_000, () => `${name} was not deleted`);
  }
  const failures = async () => {
    const text = await manager.metrics.registry.metrics();
    return sample(text, 'staysail_reconcile_errors_total{controller="vanishing"}') + sample(text, 'staysail_reconcile_total{controller="vanishing",result="error"}');
  };

  it('records a TerminalError as a condition and Stalled, and does not retry it; observedGeneration says it was acted on', async () => {
    await create('terminal');
    await waitFor(async () => findCondition((await get('terminal')).status?.conditions, 'Ready')?.reason === 'BadSpec', 20_000, () => 'no condition');
    const app = await get('terminal');
    assert.equal(findCondition(app.status?.conditions, 'Ready')?.message, 'Application "terminal": spec.description is not allowed; remove it');
    assert.equal(findCondition(app.status?.conditions, 'Ready')?.status, 'False');
    // kstatus reads Stalled only once observedGeneration matches: otherwise a changed object that cannot go on would look in progress forever.
    assert.equal(app.status?.observedGeneration, app.metadata.generation, 'a stalled object has been acted on as far as it can be');
    assert.equal(findCondition(app.status?.conditions, 'Stalled')?.reason, 'BadSpec');
    assert.equal(findCondition(app.status?.conditions, 'Reconciling'), undefined);
    await new Promise((r) => setTimeout(r, 1000)); // the status write itself is an update: let that pass run
    const n = passes.get('terminal');
    await new Promise((r) => setTimeout(r, 2000)); // far past the first back-offs (100 ms, 200 ms, ...)
    assert.equal(passes.get('terminal'), n, 'a terminal error is not retried');
  });

  it('records a WaitingError as a condition and checks again after its delay', async () => {
    await create('waiting');
    await waitFor(async () => (passes.get('waiting') ?? 0) >= 3, 20_000, () => `only ${passes.get('waiting')} passes`);
    const app = await get('waiting');
    assert.equal(findCondition(app.status?.conditions, 'Ready')?.reason, 'AccountMissing');
    assert.deepEqual([findCondition(app.status?.conditions, 'Reconciling')?.status, findCondition(app.status?.conditions, 'Reconciling')?.reason], ['True', 'AccountMissing']);
    assert.equal(app.status?.observedGeneration, -1, 'waiting is not done');
  });

  it('holds observedGeneration while the reconciler says work goes on (Reconciling), then moves it and clears Reconciling', async () => {
    await create('rolling');
    await waitFor(async () => findCondition((await get('rolling')).status?.conditions, 'Reconciling')?.message === 'step 2 of 3', 20_000, () => 'never Reconciling');
    assert.equal((await get('rolling')).status?.observedGeneration, -1);
    await manager.client.mergePatch(resources.application, ns, 'rolling', { metadata: { annotations: { 'test.staysail.dev/done': 'true' } } });
    await waitFor(async () => (await get('rolling')).status?.observedGeneration === 1, 20_000, () => 'observedGeneration never moved');
    const done = await get('rolling');
    assert.equal(findCondition(done.status?.conditions, 'Reconciling'), undefined);
    assert.equal(findCondition(done.status?.conditions, 'Ready')?.status, 'True');
  });

  it('retries a transient error with back-off until it succeeds', async () => {
    await create('flaky');
    await waitFor(async () => (await get('flaky')).status?.observedGeneration === 1, 20_000, () => 'never succeeded');
    assert.equal(findCondition((await get('flaky')).status?.conditions, 'Ready')?.message, 'succeeded after 2 failures');
    assert.deepEqual((await get('flaky')).status?.conditions?.map((c) => c.type), ['Ready'], 'neither Reconciling nor Stalled once done');
    await new Promise((r) => setTimeout(r, 1000));
    const settled = passes.get('flaky');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(passes.get('flaky'), settled, 'once the status is right, writing it does not start another round');
  });

  it('adds its finalizer, and on delete finalizes before the object goes', async () => {
    await create('doomed');
    await waitFor(async () => (await get('doomed')).metadata.finalizers?.includes(finalizer) ?? false, 20_000, () => 'no finalizer');
    await manager.client.delete(resources.application, ns, 'doomed');
    await waitFor(async () => { try { await get('doomed'); return false; } catch (err) { return isNotFound(err); } }, 20_000,
      () => 'the object was never released');
    assert.deepEqual(finalized, ['doomed']);
  });

  it('takes an object deleted during its pass as done: no error, no retry', async () => {
    const before = await failures();
    await manager.client.create(resources.account, { metadata: { name: 'deleted-during-pass', namespace: ns }, spec: { provider: 'kubernetes' } });
    await waitFor(async () => gone.includes('deleted-during-pass'), 20_000, () => 'the pass never ran');
    await new Promise((r) => setTimeout(r, 1500)); // past the first back-offs, were the status write counted as a failure
    assert.equal(await failures(), before, 'the status write of an object that is gone is not a failure');
  });

  it('takes an object released by someone else while it finalizes as done', async () => {
    const before = await failures();
    await manager.client.create(resources.account, { metadata: { name: 'released-elsewhere', namespace: ns }, spec: { provider: 'kubernetes' } });
    await waitFor(async () => ((await manager.client.get<Account>(resources.account, ns, 'released-elsewhere')).metadata.finalizers ?? []).includes(vanishing),
      20_000, () => 'no finalizer');
    await manager.client.delete(resources.account, ns, 'released-elsewhere');
    await waitFor(async () => gone.includes('released-elsewhere') && await isGone('released-elsewhere'), 20_000, () => 'never finalized');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await failures(), before, 'removing the finalizer of an object that is gone is not a failure');
  });
});
