import assert from 'node:assert/strict';
import type { PipelineRunStatus, StageRecord } from '../../api/v1alpha1/pipeline-run.ts';
import { computeRunEvents, kubeEventOf, type RunEvent } from './events.ts';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const rec = (refId: string, status: string, extra: Partial<StageRecord> = {}): StageRecord => ({ refId, type: 'wait', status: status as StageRecord['status'], ...extra });
const st = (phase: PipelineRunStatus['phase'], stages: StageRecord[], message = ''): PipelineRunStatus =>
  ({ phase, stages, conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running', message, lastTransitionTime: t(0) }] });

describe('computeRunEvents', () => {
  const cases: { name: string; before?: PipelineRunStatus; after: PipelineRunStatus; spec?: object; want: RunEvent[] }[] = [
    { name: 'a run that starts, and its first stage with it', after: st('Running', [rec('a', 'RUNNING', { startTime: t(1), attempts: 1 }), rec('b', 'NOT_STARTED')], 'started'),
      want: [{ kind: 'RunStarted', phase: 'Running', message: 'started' }, { kind: 'StageStarted', stage: 'a', from: 'NOT_STARTED', to: 'RUNNING' }] },
    { name: 'a stage that starts and succeeds in one pass is two events',
      before: st('Running', [rec('a', 'NOT_STARTED')]), after: st('Running', [rec('a', 'SUCCEEDED', { startTime: t(1), endTime: t(1), message: 'done' })]),
      want: [{ kind: 'StageStarted', stage: 'a', from: 'NOT_STARTED', to: 'RUNNING' },
        { kind: 'StageSucceeded', stage: 'a', from: 'RUNNING', to: 'SUCCEEDED', message: 'done' }] },
    { name: 'a skipped stage never ran', before: st('Running', [rec('a', 'NOT_STARTED')]), after: st('Running', [rec('a', 'SKIPPED', { message: 'skipped: x is false' })]),
      want: [{ kind: 'StageSkipped', stage: 'a', from: 'NOT_STARTED', to: 'SKIPPED', message: 'skipped: x is false' }] },
    { name: 'a held stage, then its window opens',
      before: st('Running', [rec('a', 'SUSPENDED')]), after: st('Running', [rec('a', 'RUNNING', { startTime: t(9) })]),
      want: [{ kind: 'StageStarted', stage: 'a', from: 'SUSPENDED', to: 'RUNNING', message: 'execution window open' }] },
    { name: 'a failed attempt retried', before: st('Running', [rec('a', 'RUNNING', { startTime: t(1) })]),
      after: st('Running', [rec('a', 'RUNNING', { startTime: t(1), state: { retryAt: t(20) }, message: 'attempt 1 of 2 failed: 500; retrying in 10s' })]),
      want: [{ kind: 'StageRetrying', stage: 'a', message: 'attempt 1 of 2 failed: 500; retrying in 10s' }] },
    { name: 'a judgment asked for, once per message', before: st('Running', [rec('j', 'NOT_STARTED', { type: 'manualJudgment' })]),
      after: st('Running', [rec('j', 'RUNNING', { type: 'manualJudgment', startTime: t(1), message: 'waits for a judgment: go' })]),
      want: [{ kind: 'StageStarted', stage: 'j', from: 'NOT_STARTED', to: 'RUNNING' },
        { kind: 'JudgmentWaiting', stage: 'j', message: 'waits for a judgment: go', refused: false }] },
    { name: 'the same judgment still waiting says nothing new',
      before: st('Running', [rec('j', 'RUNNING', { type: 'manualJudgment', startTime: t(1), message: 'waits' })]),
      after: st('Running', [rec('j', 'RUNNING', { type: 'manualJudgment', startTime: t(1), message: 'waits' })]), want: [] },
    { name: 'a decision that could not be taken asks again, as a refusal', spec: { pipelineRef: { name: 'p' }, judgments: [{ stage: 'j', decision: 'approve', input: 'maybe' }] },
      before: st('Running', [rec('j', 'RUNNING', { type: 'manualJudgment', startTime: t(1), message: 'waits' })]),
      after: st('Running', [rec('j', 'RUNNING', { type: 'manualJudgment', startTime: t(1), message: 'input "maybe" is not one of go' })]),
      want: [{ kind: 'JudgmentWaiting', stage: 'j', message: 'input "maybe" is not one of go', refused: true }] },
    { name: 'a run that fails: its stage first, then the run', before: st('Running', [rec('a', 'RUNNING', { startTime: t(1) })]),
      after: { ...st('Failed', [rec('a', 'TERMINAL', { startTime: t(1), endTime: t(2), message: 'boom' })]),
        conditions: [{ type: 'Succeeded', status: 'False', reason: 'Failed', message: 'stage "a" failed', lastTransitionTime: t(2) }] },
      want: [{ kind: 'StageFailed', stage: 'a', from: 'RUNNING', to: 'TERMINAL', message: 'boom' }, { kind: 'RunFailed', phase: 'Failed', message: 'stage "a" failed' }] },
    { name: 'a restarted stage that runs again starts from NOT_STARTED',
      before: st('Succeeded', [rec('a', 'SUCCEEDED', { startTime: t(1), endTime: t(2), attempts: 1 })]),
      after: st('Running', [rec('a', 'RUNNING', { startTime: t(5), attempts: 2 })], 'restarted'),
      want: [{ kind: 'RunStarted', phase: 'Running', message: 'restarted' }, { kind: 'StageStarted', stage: 'a', from: 'NOT_STARTED', to: 'RUNNING' }] },
    { name: 'a restarted stage skipped again', before: st('Running', [rec('a', 'SUCCEEDED', { startTime: t(1), endTime: t(2) })]),
      after: st('Running', [rec('a', 'SKIPPED', { endTime: t(5), message: 'skipped' })]),
      want: [{ kind: 'StageSkipped', stage: 'a', from: 'NOT_STARTED', to: 'SKIPPED', message: 'skipped' }] },
    { name: 'a run written before phase existed reads its condition', before: { conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running', message: '', lastTransitionTime: t(0) }] },
      after: st('Running', []), want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(computeRunEvents({ status: c.before }, { status: c.after, spec: c.spec as never }), c.want));
  }
});

describe('kubeEventOf', () => {
  it('keeps the Event reasons users know', () => {
    const events: RunEvent[] = [
      { kind: 'StageStarted', stage: 'a', from: 'NOT_STARTED', to: 'RUNNING' },
      { kind: 'StageFailed', stage: 'a', from: 'RUNNING', to: 'FAILED_CONTINUE', message: 'boom' },
      { kind: 'StageRetrying', stage: 'a', message: 'attempt 1 of 2 failed' },
      { kind: 'JudgmentWaiting', stage: 'j', message: 'waits', refused: true },
      { kind: 'RunSucceeded', phase: 'Succeeded', message: 'done' },
    ];
    assert.deepEqual(events.map(kubeEventOf), [
      { type: 'Normal', reason: 'StageRunning', message: 'stage "a" NOT_STARTED -> RUNNING' },
      { type: 'Warning', reason: 'StageFailedContinue', message: 'stage "a" RUNNING -> FAILED_CONTINUE: boom' },
      { type: 'Warning', reason: 'StageRetrying', message: 'stage "a" attempt 1 of 2 failed' },
      { type: 'Warning', reason: 'StageWaiting', message: 'stage "j" waits' },
      undefined,
    ]);
  });
});
