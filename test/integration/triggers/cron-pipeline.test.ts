// The Pipeline controller fires cron and pipeline triggers, in process against the API server: a
// cron schedule starts one run per scheduled time, not a second across a controller restart; a
// finished upstream run starts one downstream run, not another after a restart, and only with the
// statuses the trigger names, nor again once its downstream run is pruned; a disabled trigger or
// Pipeline fires nothing, and enabled again fires only for what happens after. Time is a real clock
// with an offset the test moves (only forward: the client's rate limiter reads it), so an hourly
// schedule falls due in seconds.
import assert from 'node:assert/strict';
import { resources } from '../../../src/api/v1alpha1/index.ts';
import type { TriggerStatus } from '../../../src/api/v1alpha1/pipeline.ts';
import { minuteStamp, triggerRunName } from '../../../src/triggers/run-name.ts';
import { waitFor } from '../../cluster/probe.ts';
import { TriggerHarness, type Run } from './harness.ts';

const hourMs = 3_600_000;

describe('cron and pipeline triggers, fired by the Pipeline controller', function () {
  this.timeout(180_000);
  const h = new TriggerHarness(`triggers-${Date.now().toString(36)}`);
  const { ns, clock } = h;

  before(() => h.open());
  after(() => h.close());

  const client = () => h.client;
  const runsOf = async (pipeline: string, trigger: string) => (await h.runs(trigger))
    .filter((r) => r.spec?.pipelineRef.name === pipeline).map((r) => r.metadata.name).sort();
  const getRun = (name: string) => client().get<Run>(resources.pipelineRun, ns, name);
  const wait = (refId: string, duration: string) => ({ refId, type: 'wait', wait: { duration } });

  it('a cron schedule starts one run per scheduled time, not a second across a controller restart', async () => {
    const first = Math.ceil((Date.now() + hourMs) / hourMs) * hourMs;
    clock.moveTo(first, 4000);
    await client().create(resources.pipeline, { metadata: { name: 'nightly', namespace: ns }, spec: {
      application: 'shop', parameters: [{ name: 'when' }], stages: [wait('pause', '1s')],
      triggers: [{ name: 'hourly', type: 'cron', cron: { expression: '0 * * * *', timeZone: 'Europe/Berlin' }, parameters: { when: '${trigger.payload.scheduledTime}' } }],
    } });
    await waitFor(async () => (await runsOf('nightly', 'hourly')).length > 0, 30_000, () => 'the schedule never started a run');
    const named = (ms: number) => triggerRunName('nightly', 'hourly', minuteStamp(ms));
    assert.deepEqual(await runsOf('nightly', 'hourly'), [named(first)]);
    const run = await getRun(named(first));
    const scheduledTime = new Date(first).toISOString();
    assert.deepEqual(run.spec?.trigger, { type: 'cron', name: 'hourly', user: 'trigger:hourly', payload: { scheduledTime } });
    assert.deepEqual(run.spec?.parameters, { when: scheduledTime });
    let status: TriggerStatus | undefined;
    await waitFor(async () => (status = await h.triggerStatus('nightly', 'hourly'))?.lastScheduledTime === scheduledTime, 30_000,
      () => `status.triggers never recorded the schedule: ${JSON.stringify(status)}`);
    assert.equal(status!.lastRun, run.metadata.name);
    assert.equal(status!.nextScheduledTime, new Date(first + hourMs).toISOString());
    assert.equal(status!.lastError, undefined);

    // A new controller, still within the schedule's grace, starts nothing more.
    await h.restart();
    await h.touch('nightly', 'after a restart');
    assert.deepEqual(await runsOf('nightly', 'hourly'), [named(first)]);

    // The next hour starts the next run.
    clock.moveTo(first + hourMs, -1000);
    await h.touch('nightly', 'an hour later');
    await waitFor(async () => (await runsOf('nightly', 'hourly')).length === 2, 30_000, () => 'the next hour started no run');
    assert.deepEqual(await runsOf('nightly', 'hourly'), [named(first), named(first + hourMs)]);
  });

  it('a cron expression that never fires is the trigger\'s error', async () => {
    await client().create(resources.pipeline, { metadata: { name: 'never', namespace: ns }, spec: {
      application: 'shop', stages: [wait('pause', '1s')], triggers: [{ name: 'feb30', type: 'cron', cron: { expression: '30 2 30 2 *' } }] } });
    let status: TriggerStatus | undefined;
    await waitFor(async () => (status = await h.triggerStatus('never', 'feb30'))?.lastError !== undefined, 30_000, () => 'no error was recorded');
    assert.match(status!.lastError!, /^Pipeline "never": trigger "feb30": cron\.expression "30 2 30 2 \*" never fires/);
    const p = await h.getPipeline('never');
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
    await waitFor(async () => (await h.triggerStatus('deploy', 'after-build'))?.since !== undefined, 30_000, () => 'the trigger was never armed');

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

    await h.restart();
    await h.touch('deploy', 'after a restart');
    assert.deepEqual(await runsOf('deploy', 'after-build'), [name], 'build-0 (before the trigger), build-2 (canceled) and build-1 again start nothing');
    const status = await h.triggerStatus('deploy', 'after-build');
    assert.equal(status?.lastRun, name);
    assert.ok(status?.lastUpstreamCompletionTime, JSON.stringify(status));
  });
  it('a disabled trigger or Pipeline does not fire, and enabled again fires only for what happens after', async () => {
    const boundary = Math.ceil(clock.now() / hourMs) * hourMs + hourMs;
    clock.moveTo(boundary, 3000);
    await client().create(resources.pipeline, { metadata: { name: 'paused', namespace: ns }, spec: {
      application: 'shop', stages: [wait('pause', '1s')], triggers: [{ name: 'hourly', type: 'cron', enabled: false, cron: { expression: '0 * * * *' } }] } });
    await waitFor(async () => (await h.triggerStatus('paused', 'hourly')) !== undefined, 30_000, () => 'the disabled trigger has no status');
    assert.equal((await h.triggerStatus('paused', 'hourly'))?.since, undefined, 'a disabled trigger is not armed');
    await new Promise((r) => setTimeout(r, 4000));
    await h.touch('paused', 'past the hour, disabled');
    assert.deepEqual(await runsOf('paused', 'hourly'), []);
    await client().jsonPatch(resources.pipeline, ns, 'paused', [{ op: 'replace', path: '/spec/triggers/0/enabled', value: true }]);
    await waitFor(async () => (await h.triggerStatus('paused', 'hourly'))?.since !== undefined, 30_000, () => 'the enabled trigger was never armed');
    await h.touch('paused', 'enabled');
    assert.deepEqual(await runsOf('paused', 'hourly'), [], 'the hour that passed while it was disabled does not fire');

    await client().create(resources.pipeline, { metadata: { name: 'held', namespace: ns }, spec: {
      application: 'shop', disabled: true, stages: [wait('roll', '1s')],
      triggers: [{ name: 'after-build-held', type: 'pipeline', pipeline: { pipelineRef: { name: 'build' }, statuses: ['succeeded'] } }] } });
    await client().create(resources.pipelineRun, { metadata: { name: 'build-3', namespace: ns }, spec: { pipelineRef: { name: 'build' } } });
    await waitFor(async () => (await getRun('build-3')).status?.phase === 'Succeeded', 60_000, () => 'build-3 never succeeded');
    await h.touch('held', 'build-3 finished');
    await client().mergePatch(resources.pipeline, ns, 'held', { spec: { disabled: false } });
    await waitFor(async () => (await h.triggerStatus('held', 'after-build-held'))?.since !== undefined, 30_000, () => 'the trigger was never armed');
    await h.touch('held', 'enabled');
    assert.deepEqual(await runsOf('held', 'after-build-held'), [], 'build-3 finished while the Pipeline was disabled');
    await client().create(resources.pipelineRun, { metadata: { name: 'build-4', namespace: ns }, spec: { pipelineRef: { name: 'build' } } });
    await waitFor(async () => (await runsOf('held', 'after-build-held')).length === 1, 60_000, () => 'build-4 started no run');
  });

  it('an upstream run whose downstream run was pruned from history does not fire again', async () => {
    await client().create(resources.pipeline, { metadata: { name: 'short', namespace: ns }, spec: {
      application: 'shop', history: { succeededRunsLimit: 0, failedRunsLimit: 0 }, stages: [wait('roll', '1s')],
      triggers: [{ name: 'after-build-short', type: 'pipeline', pipeline: { pipelineRef: { name: 'build' }, statuses: ['succeeded'] } }] } });
    await waitFor(async () => (await h.triggerStatus('short', 'after-build-short'))?.since !== undefined, 30_000, () => 'the trigger was never armed');
    await client().create(resources.pipelineRun, { metadata: { name: 'build-5', namespace: ns }, spec: { pipelineRef: { name: 'build' } } });
    let started: string | undefined;
    await waitFor(async () => (started = (await h.triggerStatus('short', 'after-build-short'))?.lastRun) !== undefined, 60_000, () => 'build-5 started no run');
    await waitFor(async () => (await runsOf('short', 'after-build-short')).length === 0, 60_000, () => `${started} was never pruned`);
    await h.touch('short', 'after the prune');
    await h.restart();
    await h.touch('short', 'after a restart');
    assert.deepEqual(await runsOf('short', 'after-build-short'), [], 'build-5 started a second run');
    assert.equal((await h.triggerStatus('short', 'after-build-short'))?.lastRun, started);
  });
});
