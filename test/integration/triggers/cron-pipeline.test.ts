// The Pipeline controller fires cron and pipeline triggers, in process against the API server: a
// cron schedule starts one run per scheduled time, not a second across a controller restart; a
// finished upstream run starts one downstream run, not another after a restart, and only with the
// statuses the trigger names, nor again once its downstream run is pruned; a disabled trigger or
// Pipeline fires nothing, and enabled again fires only for what happens after. Time is a real clock
// with an offset the test moves (only forward: the client's rate limiter reads it), so an hourly
// schedule falls due in seconds.
import assert from 'node:assert/strict';
import { resources } from '../../../src/api/v1alpha1/index.ts';
import { triggerLabel } from '../../../src/api/v1alpha1/labels.ts';
import type { TriggerStatus } from '../../../src/api/v1alpha1/pipeline.ts';
import { registerControllers } from '../../../src/controllers/index.ts';
import { realClock, type Clock } from '../../../src/core/clock.ts';
import type { KubeObject } from '../../../src/core/kube-client.ts';
import type { Manager } from '../../../src/core/manager.ts';
import { KubernetesProvider } from '../../../src/providers/kubernetes/provider.ts';
import { ProviderRegistry } from '../../../src/providers/registry.ts';
import { waitFor } from '../../cluster/probe.ts';
import { createNamespace, removeNamespace } from '../../support/namespace.ts';
import { testManager } from '../core/manager-harness.ts';

type Run = KubeObject<{ pipelineRef: { name: string }; parameters?: Record<string, unknown>; trigger?: Record<string, unknown> }, { phase?: string }>;
type Pipeline = KubeObject<Record<string, unknown>, { observedGeneration?: number; triggers?: TriggerStatus[] }>;

const hourMs = 3_600_000;

/** A real clock whose time the test moves forward. */
class OffsetClock implements Clock {
  offset = 0;
  now(): number { return Date.now() + this.offset; }
  setTimer(ms: number, fn: () => void) { return realClock.setTimer(ms, fn); }
  /** Moves time so that now is ms before the instant. */
  moveTo(instant: number, beforeMs: number) { this.offset = instant - beforeMs - Date.now(); }
}

describe('cron and pipeline triggers, fired by the Pipeline controller', function () {
  this.timeout(180_000);
  const ns = `triggers-${Date.now().toString(36)}`;
  const clock = new OffsetClock();
  let manager: Manager | undefined;

  async function startManager(): Promise<Manager> {
    const m = testManager(ns, {}, clock);
    registerControllers(m, new ProviderRegistry().register(new KubernetesProvider(m.client, clock)));
    await m.start();
    return m;
  }
  async function restartManager(): Promise<void> {
    await manager?.stop();
    manager = await startManager();
  }

  before(async () => {
    await createNamespace(ns);
    manager = await startManager();
  });
  after(async () => {
    await manager?.stop();
    await removeNamespace(ns);
  });

  const client = () => manager!.client;
  const runsOf = async (pipeline: string, trigger: string) => (await client().list<Run>(resources.pipelineRun, ns, { labelSelector: `${triggerLabel}=${trigger}` })).items
    .filter((r) => r.spec?.pipelineRef.name === pipeline).map((r) => r.metadata.name).sort();
  const getRun = (name: string) => client().get<Run>(resources.pipelineRun, ns, name);
  const getPipeline = (name: string) => client().get<Pipeline>(resources.pipeline, ns, name);
  const triggerStatus = async (pipeline: string, trigger: string) => (await getPipeline(pipeline)).status?.triggers?.find((t) => t.name === trigger);
  /** Changes the Pipeline's description and waits for a pass of the current manager over the new generation. */
  async function touch(pipeline: string, description: string): Promise<void> {
    const p = await client().mergePatch<Pipeline>(resources.pipeline, ns, pipeline, { spec: { description } });
    await waitFor(async () => (await getPipeline(pipeline)).status?.observedGeneration === p.metadata.generation, 30_000,
      () => `Pipeline ${pipeline} never reconciled generation ${p.metadata.generation}`);
  }
  const wait = (refId: string, duration: string) => ({ refId, type: 'wait', wait: { duration } });

  it('a cron schedule starts one run per scheduled time, not a second across a controller restart', async () => {
    const first = Math.ceil((Date.now() + hourMs) / hourMs) * hourMs;
    clock.moveTo(first, 4000);
    await client().create(resources.pipeline, { metadata: { name: 'nightly', namespace: ns }, spec: {
      application: 'shop', parameters: [{ name: 'when' }], stages: [wait('pause', '1s')],
      triggers: [{ name: 'hourly', type: 'cron', cron: { expression: '0 * * * *', timeZone: 'Europe/Berlin' }, parameters: { when: '${trigger.payload.scheduledTime}' } }],
    } });
    await waitFor(async () => (await runsOf('nightly', 'hourly')).length > 0, 30_000, () => 'the schedule never started a run');
    const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace(/[-T:]/g, '');
    assert.deepEqual(await runsOf('nightly', 'hourly'), [`nightly-hourly-${stamp(first)}`]);
    const run = await getRun(`nightly-hourly-${stamp(first)}`);
    const scheduledTime = new Date(first).toISOString();
    assert.deepEqual(run.spec?.trigger, { type: 'cron', name: 'hourly', user: 'trigger:hourly', payload: { scheduledTime } });
    assert.deepEqual(run.spec?.parameters, { when: scheduledTime });
    let status: TriggerStatus | undefined;
    await waitFor(async () => (status = await triggerStatus('nightly', 'hourly'))?.lastScheduledTime === scheduledTime, 30_000,
      () => `status.triggers never recorded the schedule: ${JSON.stringify(status)}`);
    assert.equal(status!.lastRun, run.metadata.name);
    assert.equal(status!.nextScheduledTime, new Date(first + hourMs).toISOString());
    assert.equal(status!.lastError, undefined);

    // A new controller, still within the schedule's grace, starts nothing more.
    await restartManager();
    await touch('nightly', 'after a restart');
    assert.deepEqual(await runsOf('nightly', 'hourly'), [`nightly-hourly-${stamp(first)}`]);

    // The next hour starts the next run.
    clock.moveTo(first + hourMs, -1000);
    await touch('nightly', 'an hour later');
    await waitFor(async () => (await runsOf('nightly', 'hourly')).length === 2, 30_000, () => 'the next hour started no run');
    assert.deepEqual(await runsOf('nightly', 'hourly'), [`nightly-hourly-${stamp(first)}`, `nightly-hourly-${stamp(first + hourMs)}`]);
  });

  it('a cron expression that never fires is the trigger\'s error', async () => {
    await client().create(resources.pipeline, { metadata: { name: 'never', namespace: ns }, spec: {
      application: 'shop', stages: [wait('pause', '1s')], triggers: [{ name: 'feb30', type: 'cron', cron: { expression: '30 2 30 2 *' } }] } });
    let status: TriggerStatus | undefined;
    await waitFor(async () => (status = await triggerStatus('never', 'feb30'))?.lastError !== undefined, 30_000, () => 'no error was recorded');
    assert.match(status!.lastError!, /^Pipeline "never": trigger "feb30": cron\.expression "30 2 30 2 \*" never fires/);
    const p = await getPipeline('never');
    assert.equal((p.status as { conditions?: { type: string }[] }).conditions?.some((c) => c.type === 'FieldsActedOn'), false,
      'a cron trigger is acted on');
  });

  it('a finished upstream run starts one downstream run with the statuses named, not another after a restart', async () => {
    await client().create(resources.pipeline, { metadata: { name: 'build', namespace: ns }, spec: {
      application: 'shop', concurrency: { maxConcurrentRuns: 0 }, stages: [wait('compile', '2s')] } });
    await client().create(resources.pipelineRun, { metadata: { name: 'build-0', namespace: ns }, spec: { pipelineRef: { name: 'build' } } });
    await waitFor(async () => (await getRun('build-0')).status?.phase === 'Succeeded', 60_000, () => 'build-0 never succeeded');

    await client().create(resources.pipeline, { metadata: { name: 'deploy', namespace: ns }, spec: {
      application: 'shop', parameters: [{ name: 'parent' }], stages: [wait('roll', '1s')],
      triggers: [{ name: 'after-build', type: 'pipeline', pipeline: { pipelineRef: { name: 'build' }, statuses: ['succeeded'] },
        parameters: { parent: '${trigger.payload.parentRun}' } }] } });
    await waitFor(async () => (await triggerStatus('deploy', 'after-build'))?.since !== undefined, 30_000, () => 'the trigger was never armed');

    await client().create(resources.pipelineRun, { metadata: { name: 'build-1', namespace: ns }, spec: { pipelineRef: { name: 'build' } } });
    await client().create(resources.pipelineRun, { metadata: { name: 'build-2', namespace: ns }, spec: { pipelineRef: { name: 'build' } } });
    await waitFor(async () => (await getRun('build-2')).status?.phase === 'Running', 30_000, () => 'build-2 never started');
    await client().mergePatch(resources.pipelineRun, ns, 'build-2', { spec: { status: 'Canceled' } });
    await waitFor(async () => (await runsOf('deploy', 'after-build')).length > 0, 60_000, () => 'build-1 started no deploy run');
    await waitFor(async () => (await getRun('build-2')).status?.phase === 'Canceled', 30_000, () => 'build-2 was never canceled');

    const [name] = await runsOf('deploy', 'after-build');
    const run = await getRun(name!);
    assert.deepEqual(run.spec?.trigger, { type: 'pipeline', name: 'after-build', user: 'trigger:after-build',
      payload: { parentRun: 'build-1', parentPipeline: 'build', result: 'succeeded', outputs: {} } });
    assert.deepEqual(run.spec?.parameters, { parent: 'build-1' });

    await restartManager();
    await touch('deploy', 'after a restart');
    assert.deepEqual(await runsOf('deploy', 'after-build'), [name], 'build-0 (before the trigger), build-2 (canceled) and build-1 again start nothing');
    const status = await triggerStatus('deploy', 'after-build');
    assert.equal(status?.lastRun, name);
    assert.ok(status?.lastUpstreamCompletionTime, JSON.stringify(status));
  });
  it('a disabled trigger or Pipeline does not fire, and enabled again fires only for what happens after', async () => {
    const boundary = Math.ceil(clock.now() / hourMs) * hourMs + hourMs;
    clock.moveTo(boundary, 3000);
    await client().create(resources.pipeline, { metadata: { name: 'paused', namespace: ns }, spec: {
      application: 'shop', stages: [wait('pause', '1s')], triggers: [{ name: 'hourly', type: 'cron', enabled: false, cron: { expression: '0 * * * *' } }] } });
    await waitFor(async () => (await triggerStatus('paused', 'hourly')) !== undefined, 30_000, () => 'the disabled trigger has no status');
    assert.equal((await triggerStatus('paused', 'hourly'))?.since, undefined, 'a disabled trigger is not armed');
    await new Promise((r) => setTimeout(r, 4000));
    await touch('paused', 'past the hour, disabled');
    assert.deepEqual(await runsOf('paused', 'hourly'), []);
    await client().jsonPatch(resources.pipeline, ns, 'paused', [{ op: 'replace', path: '/spec/triggers/0/enabled', value: true }]);
    await waitFor(async () => (await triggerStatus('paused', 'hourly'))?.since !== undefined, 30_000, () => 'the enabled trigger was never armed');
    await touch('paused', 'enabled');
    assert.deepEqual(await runsOf('paused', 'hourly'), [], 'the hour that passed while it was disabled does not fire');

    await client().create(resources.pipeline, { metadata: { name: 'held', namespace: ns }, spec: {
      application: 'shop', disabled: true, stages: [wait('roll', '1s')],
      triggers: [{ name: 'after-build-held', type: 'pipeline', pipeline: { pipelineRef: { name: 'build' }, statuses: ['succeeded'] } }] } });
    await client().create(resources.pipelineRun, { metadata: { name: 'build-3', namespace: ns }, spec: { pipelineRef: { name: 'build' } } });
    await waitFor(async () => (await getRun('build-3')).status?.phase === 'Succeeded', 60_000, () => 'build-3 never succeeded');
    await touch('held', 'build-3 finished');
    await client().mergePatch(resources.pipeline, ns, 'held', { spec: { disabled: false } });
    await waitFor(async () => (await triggerStatus('held', 'after-build-held'))?.since !== undefined, 30_000, () => 'the trigger was never armed');
    await touch('held', 'enabled');
    assert.deepEqual(await runsOf('held', 'after-build-held'), [], 'build-3 finished while the Pipeline was disabled');
    await client().create(resources.pipelineRun, { metadata: { name: 'build-4', namespace: ns }, spec: { pipelineRef: { name: 'build' } } });
    await waitFor(async () => (await runsOf('held', 'after-build-held')).length === 1, 60_000, () => 'build-4 started no run');
  });

  it('an upstream run whose downstream run was pruned from history does not fire again', async () => {
    await client().create(resources.pipeline, { metadata: { name: 'short', namespace: ns }, spec: {
      application: 'shop', history: { succeededRunsLimit: 0, failedRunsLimit: 0 }, stages: [wait('roll', '1s')],
      triggers: [{ name: 'after-build-short', type: 'pipeline', pipeline: { pipelineRef: { name: 'build' }, statuses: ['succeeded'] } }] } });
    await waitFor(async () => (await triggerStatus('short', 'after-build-short'))?.since !== undefined, 30_000, () => 'the trigger was never armed');
    await client().create(resources.pipelineRun, { metadata: { name: 'build-5', namespace: ns }, spec: { pipelineRef: { name: 'build' } } });
    let started: string | undefined;
    await waitFor(async () => (started = (await triggerStatus('short', 'after-build-short'))?.lastRun) !== undefined, 60_000, () => 'build-5 started no run');
    await waitFor(async () => (await runsOf('short', 'after-build-short')).length === 0, 60_000, () => `${started} was never pruned`);
    await touch('short', 'after the prune');
    await restartManager();
    await touch('short', 'after a restart');
    assert.deepEqual(await runsOf('short', 'after-build-short'), [], 'build-5 started a second run');
    assert.equal((await triggerStatus('short', 'after-build-short'))?.lastRun, started);
  });
});
