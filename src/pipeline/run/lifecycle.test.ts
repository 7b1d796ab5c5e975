import assert from 'node:assert/strict';
import type { PipelineRunSpec, PipelineRunStatus, StageRecord } from '../../api/v1alpha1/pipeline-run.ts';
import type { RunFacts } from './facts.ts';
import { planEntry, planLifecycle, planPass } from './lifecycle.ts';

const t = '2026-01-05T10:00:00Z';
const cond = (status: string, reason: string) => ({ type: 'Succeeded', status: status as 'True', reason, message: '', lastTransitionTime: t });
const rec = (refId: string, status: string, extra: Partial<StageRecord> = {}): StageRecord => ({ refId, type: 'wait', status: status as StageRecord['status'], ...extra });
const pipelineSpec = { stages: [{ refId: 'a', type: 'wait' }, { refId: 'b', type: 'wait', requisiteStageRefIds: ['a'] }] };
const facts = (status: PipelineRunStatus, spec: Partial<PipelineRunSpec> = {}): RunFacts =>
  ({ run: { metadata: { name: 'r' }, spec: { pipelineRef: { name: 'p' }, ...spec }, status }, status: structuredClone(status), now: Date.parse(t) });
const started = (phase: PipelineRunStatus['phase'], stages: StageRecord[], extra: Partial<PipelineRunStatus> = {}): PipelineRunStatus =>
  ({ phase, pipelineSpec, stages, ...extra });

describe('planPass', () => {
  const cases: [string, RunFacts, string][] = [
    ['a running run goes on', facts(started('Running', [rec('a', 'RUNNING'), rec('b', 'NOT_STARTED')])), 'go-on'],
    ['an ended run with a restart that can be carried out needs a slot', facts(started('Failed', [rec('a', 'SUCCEEDED'), rec('b', 'TERMINAL')]),
      { restarts: [{ id: 'r1', stage: 'b' }] }), 'restart'],
    ['an ended run whose only restart is of a stage it does not have goes on (to refuse it)',
      facts(started('Failed', [rec('a', 'TERMINAL'), rec('b', 'NOT_STARTED')]), { restarts: [{ id: 'r1', stage: 'zz' }] }), 'go-on'],
    ['a restart already handled is not carried out again', facts(started('Succeeded', [rec('a', 'SUCCEEDED'), rec('b', 'SUCCEEDED')], { handledRestarts: ['r1'] }),
      { restarts: [{ id: 'r1', stage: 'a' }] }), 'go-on'],
    ['a queued restart canceled meanwhile is dropped', facts(started('Queued', [rec('a', 'SUCCEEDED'), rec('b', 'SUCCEEDED')]),
      { restarts: [{ id: 'r1', stage: 'a' }], status: 'Canceled' }), 'cancel-restart'],
    ['a queued restart whose cancel it superseded is not dropped', facts(started('Queued', [rec('a', 'CANCELED'), rec('b', 'NOT_STARTED')],
      { supersededCancel: { restart: 'r1' } }), { restarts: [{ id: 'r1', stage: 'a' }], status: 'Canceled' }), 'restart'],
    ['a run written before status.phase: ended by its condition', facts({ pipelineSpec, stages: [rec('a', 'SUCCEEDED'), rec('b', 'SUCCEEDED')],
      conditions: [cond('True', 'Succeeded')] }, { restarts: [{ id: 'r1', stage: 'b' }] }), 'restart'],
  ];
  for (const [name, f, want] of cases) it(name, () => assert.equal(planPass(f).kind, want));
});

describe('planEntry', () => {
  const cases: [string, RunFacts, boolean, string][] = [
    ['a new run starts', facts({}), false, 'start'],
    ['a new run canceled before it started', facts({}, { status: 'Canceled' }), false, 'cancel'],
    ['an ended run stays ended', facts(started('Succeeded', [rec('a', 'SUCCEEDED'), rec('b', 'SUCCEEDED')])), false, 'ended'],
    ['an ended run just restarted advances', facts(started('Succeeded', [rec('a', 'NOT_STARTED'), rec('b', 'NOT_STARTED')])), true, 'advance'],
    ['a running run advances', facts(started('Running', [rec('a', 'RUNNING'), rec('b', 'NOT_STARTED')])), false, 'advance'],
  ];
  for (const [name, f, restarted, want] of cases) it(name, () => assert.equal(planEntry(f, restarted).kind, want));
});

describe('planLifecycle', () => {
  const cases: [string, RunFacts, { phase: string; reason: string; message: string }][] = [
    ['running, saying on what', facts(started('Running', [rec('a', 'SUCCEEDED'), rec('b', 'RUNNING')])),
      { phase: 'Running', reason: 'Running', message: 'PipelineRun "r": 1 of 2 stages done; running: b' }],
    ['succeeded', facts(started('Running', [rec('a', 'SUCCEEDED'), rec('b', 'SKIPPED')])), { phase: 'Succeeded', reason: 'Succeeded', message: 'PipelineRun "r" succeeded' }],
    ['a stage whose message merely says "timed out" did not time out', facts(started('Running', [rec('a', 'TERMINAL', { message: 'timed out waiting for the webhook' }), rec('b', 'NOT_STARTED')])),
      { phase: 'Failed', reason: 'Failed', message: 'PipelineRun "r": stage "a" failed: timed out waiting for the webhook' }],
    ['failed, naming the stage and why', facts(started('Running', [rec('a', 'TERMINAL', { message: 'boom' }), rec('b', 'NOT_STARTED')])),
      { phase: 'Failed', reason: 'Failed', message: 'PipelineRun "r": stage "a" failed: boom' }],
    ['timed out: phase Failed, reason Timeout', facts(started('Running', [rec('a', 'TERMINAL', { message: 'timed out after 5s', timedOut: true }), rec('b', 'NOT_STARTED')])),
      { phase: 'Failed', reason: 'Timeout', message: 'PipelineRun "r": stage "a" failed: timed out after 5s' }],
    ['canceled by request, once nothing runs', facts(started('Running', [rec('a', 'CANCELED'), rec('b', 'NOT_STARTED')]), { status: 'Canceled' }),
      { phase: 'Canceled', reason: 'Canceled', message: 'PipelineRun "r": the run was canceled' }],
    ['a cancel a restart superseded does not cancel', facts(started('Running', [rec('a', 'RUNNING'), rec('b', 'NOT_STARTED')], { supersededCancel: { restart: 'r1' } }),
      { status: 'Canceled' }), { phase: 'Running', reason: 'Running', message: 'PipelineRun "r": 0 of 2 stages done; running: a' }],
    ['a new cancel (another cancelId) does', facts(started('Running', [rec('a', 'CANCELED'), rec('b', 'NOT_STARTED')], { supersededCancel: { restart: 'r1' } }),
      { status: 'Canceled', cancelId: 'cancel-2' }), { phase: 'Canceled', reason: 'Canceled', message: 'PipelineRun "r": the run was canceled' }],
  ];
  for (const [name, f, want] of cases) it(name, () => assert.deepEqual(planLifecycle(f), want));
});
