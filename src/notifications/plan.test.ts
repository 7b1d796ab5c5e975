import assert from 'node:assert/strict';
import type { PipelineRunStatus, StageRecord } from '../api/v1alpha1/pipeline-run.ts';
import type { RunEvent } from '../pipeline/run/events.ts';
import type { RunFacts } from '../pipeline/run/facts.ts';
import { levelsOf, notificationsOf, planDeliveries, type NotificationSource } from './plan.ts';
import { messageOf, type Level, type NotificationSpec } from './types.ts';

const now = Date.UTC(2026, 0, 1, 12, 0, 0);
const rec = (refId: string, status: string, extra: Partial<StageRecord> = {}): StageRecord => ({ refId, type: 'wait', status: status as StageRecord['status'], ...extra });
const factsOf = (phase: PipelineRunStatus['phase'], stages: StageRecord[], extra: Partial<PipelineRunStatus> = {}): RunFacts => ({
  run: { metadata: { name: 'release-7', namespace: 'shop', uid: 'u1' }, spec: { pipelineRef: { name: 'release' } } },
  status: { phase, stages, pipelineSpec: { application: 'shop', stages: [] }, parameters: { version: '2.1' }, ...extra }, now,
});
const slack = (when: Level[], extra: Partial<NotificationSpec> = {}): NotificationSpec => ({ type: 'slack', address: '#rel', when, secretRef: { name: 'hook' }, ...extra });
const sources = (...specs: NotificationSpec[]): NotificationSource[] => notificationsOf({ name: 'release', notifications: specs });

describe('levelsOf: run events as Spinnaker levels', () => {
  const judging = [rec('j', 'SUCCEEDED', { type: 'manualJudgment' }), rec('r', 'TERMINAL', { type: 'manualJudgment', judgment: { decision: 'reject', time: 'x' } })];
  const cases: { e: RunEvent; want: Level[] }[] = [
    { e: { kind: 'RunStarted', phase: 'Running', message: '' }, want: ['pipeline.starting'] },
    { e: { kind: 'RunSucceeded', phase: 'Succeeded', message: '' }, want: ['pipeline.complete'] },
    { e: { kind: 'RunFailed', phase: 'Failed', message: '' }, want: ['pipeline.failed'] },
    { e: { kind: 'RunCanceled', phase: 'Canceled', message: '' }, want: [] },
    { e: { kind: 'RunQueued', phase: 'Queued', message: '' }, want: [] },
    { e: { kind: 'StageStarted', stage: 'a', from: 'NOT_STARTED', to: 'RUNNING' }, want: ['stage.starting'] },
    { e: { kind: 'StageSucceeded', stage: 'a', from: 'RUNNING', to: 'SUCCEEDED' }, want: ['stage.complete'] },
    { e: { kind: 'StageFailed', stage: 'a', from: 'RUNNING', to: 'TERMINAL' }, want: ['stage.failed'] },
    { e: { kind: 'StageCanceled', stage: 'a', from: 'RUNNING', to: 'CANCELED' }, want: [] },
    { e: { kind: 'StageSkipped', stage: 'a', from: 'NOT_STARTED', to: 'SKIPPED' }, want: [] },
    { e: { kind: 'StageRetrying', stage: 'a', message: 'again' }, want: [] },
    { e: { kind: 'JudgmentWaiting', stage: 'j', message: 'go?', refused: false }, want: ['manualJudgment'] },
    { e: { kind: 'StageSucceeded', stage: 'j', from: 'RUNNING', to: 'SUCCEEDED' }, want: ['manualJudgmentContinue', 'stage.complete'] },
    { e: { kind: 'StageFailed', stage: 'r', from: 'RUNNING', to: 'TERMINAL' }, want: ['manualJudgmentStop', 'stage.failed'] },
  ];
  for (const c of cases) it(`${c.e.kind}${'stage' in c.e ? ` of ${c.e.stage}` : ''} -> ${c.want.join(', ') || 'nothing'}`, () => assert.deepEqual(levelsOf(c.e, judging), c.want));
});

describe('planDeliveries', () => {
  const failed = factsOf('Failed', [rec('build', 'SUCCEEDED'), rec('deploy', 'TERMINAL', { name: 'Deploy', type: 'runJob', message: 'job exited 3' })]);
  const failEvents: RunEvent[] = [{ kind: 'StageFailed', stage: 'deploy', from: 'RUNNING', to: 'TERMINAL', message: 'job exited 3' },
    { kind: 'RunFailed', phase: 'Failed', message: 'stage deploy failed' }];

  it('one delivery per matching (event, notification), numbered by event, the failing stage named', () => {
    const plan = planDeliveries({ facts: failed, events: failEvents, notifications: [
      ...sources(slack(['pipeline.failed']), { type: 'webhook', address: 'http://x/hook', when: ['pipeline.failed', 'stage.failed'] }),
      ...notificationsOf({ name: 'release' }, { name: 'shop', notifications: [{ type: 'event', when: ['pipeline.complete'] }] })] });
    assert.deepEqual(plan.deliveries.map((d) => [d.id, d.channel, d.event, d.notification, d.state, d.attempts]), [
      ['u1-1-p1', 'webhook', 'stage.failed', 'Pipeline "release" spec.notifications[1]', 'pending', 0],
      ['u1-2-p0', 'slack', 'pipeline.failed', 'Pipeline "release" spec.notifications[0]', 'pending', 0],
      ['u1-2-p1', 'webhook', 'pipeline.failed', 'Pipeline "release" spec.notifications[1]', 'pending', 0],
    ]);
    assert.equal(plan.sequence, 2);
    const m = messageOf(plan.deliveries[1]!);
    assert.deepEqual(m.stage, { refId: 'deploy', name: 'Deploy', type: 'runJob', status: 'TERMINAL', message: 'job exited 3' });
    assert.equal(m.text, 'Pipeline "release" run "release-7" failed: stage "deploy" (Deploy) ended TERMINAL: job exited 3');
    assert.deepEqual(m.run, { name: 'release-7', namespace: 'shop', uid: 'u1', pipeline: 'release', application: 'shop', phase: 'Failed' });
    assert.equal(m.time, '2026-01-01T12:00:00.000Z');
  });

  it('a replayed pass names its deliveries alike; a later pass numbers on from the recorded sequence', () => {
    const input = { facts: failed, events: failEvents, notifications: sources(slack(['pipeline.failed'])) };
    assert.deepEqual(planDeliveries(input), planDeliveries(input));
    const later = planDeliveries({ ...input, facts: { ...failed, status: { ...failed.status, eventSequence: 5 } } });
    assert.deepEqual(later.deliveries.map((d) => d.id), ['u1-6-p0']);
  });

  it('a canceled run sends nothing, and events no notification wants take no number', () => {
    const canceled = factsOf('Canceled', [rec('a', 'SUCCEEDED')]);
    const events: RunEvent[] = [{ kind: 'StageSucceeded', stage: 'a', from: 'RUNNING', to: 'SUCCEEDED' }, { kind: 'RunCanceled', phase: 'Canceled', message: '' }];
    assert.deepEqual(planDeliveries({ facts: canceled, events, notifications: sources(slack(['stage.complete'])) }), { deliveries: [], sequence: 0 });
    const running = factsOf('Running', [rec('a', 'SUCCEEDED'), rec('b', 'RUNNING', { startTime: 'x' })]);
    const two: RunEvent[] = [{ kind: 'StageSucceeded', stage: 'a', from: 'RUNNING', to: 'SUCCEEDED' }, { kind: 'StageStarted', stage: 'b', from: 'NOT_STARTED', to: 'RUNNING' }];
    assert.deepEqual(planDeliveries({ facts: running, events: two, notifications: sources(slack(['stage.starting'])) }).deliveries.map((d) => d.id), ['u1-1-p0']);
    assert.deepEqual(planDeliveries({ facts: running, events: two, notifications: [] }), { deliveries: [], sequence: 0 });
  });

  const text = (level: Level, e: RunEvent, facts: RunFacts, spec: Partial<NotificationSpec> = {}, dashboardUrl?: string) =>
    messageOf(planDeliveries({ facts, events: [e], notifications: sources(slack([level], spec)), ...(dashboardUrl ? { dashboardUrl } : {}) }).deliveries[0]!).text;
  const waiting = factsOf('Running', [rec('ok', 'RUNNING', { type: 'manualJudgment', message: 'waits for a judgment: ship 2.1?; approve with: kubectl staysail approve release-7 ok' })]);
  const cases: { name: string; level: Level; e: RunEvent; facts: RunFacts; spec?: Partial<NotificationSpec>; url?: string; want: string }[] = [
    { name: 'starting', level: 'pipeline.starting', e: { kind: 'RunStarted', phase: 'Running', message: '' }, facts: factsOf('Running', []),
      want: 'Pipeline "release" run "release-7" started' },
    { name: 'complete, with a link', level: 'pipeline.complete', e: { kind: 'RunSucceeded', phase: 'Succeeded', message: '' }, facts: factsOf('Succeeded', []),
      url: 'https://staysail.example/', want: 'Pipeline "release" run "release-7" succeeded\nhttps://staysail.example/namespaces/shop/runs/release-7' },
    { name: 'failed with no stage to blame', level: 'pipeline.failed', e: { kind: 'RunFailed', phase: 'Failed', message: 'pipeline "release" is disabled' },
      facts: factsOf('Failed', []), want: 'Pipeline "release" run "release-7" failed: pipeline "release" is disabled' },
    { name: 'a judgment waiting', level: 'manualJudgment', e: { kind: 'JudgmentWaiting', stage: 'ok', message: 'waits for a judgment: ship 2.1?; approve with: kubectl staysail approve release-7 ok', refused: false },
      facts: waiting, want: 'Pipeline "release" run "release-7": stage "ok" waits for a judgment: ship 2.1?; approve with: kubectl staysail approve release-7 ok' },
    { name: 'message.text over the run scope', level: 'stage.starting', e: { kind: 'StageStarted', stage: 'ok', from: 'NOT_STARTED', to: 'RUNNING' }, facts: waiting,
      spec: { message: { text: '${execution.name}: ${event.stage} ${event.level} for ${parameters.version}' } }, want: 'release-7: ok stage.starting for 2.1' },
    { name: 'message.text that fails gives the default and says why', level: 'stage.starting', e: { kind: 'StageStarted', stage: 'ok', from: 'NOT_STARTED', to: 'RUNNING' },
      facts: waiting, spec: { message: { text: '${nope.x}' } },
      want: 'Pipeline "release" run "release-7": stage "ok" started\n(message.text could not be evaluated: expression ${nope.x} failed: Unknown variable: nope)' },
  ];
  for (const c of cases) it(`text: ${c.name}`, () => assert.equal(text(c.level, c.e, c.facts, c.spec, c.url), c.want));
});
