import assert from 'node:assert/strict';
import type { PipelineRunSpec, PipelineRunStatus, StageRecord } from '../../api/v1alpha1/pipeline-run.ts';
import { applyRestarts, restartProblem } from './restarts.ts';

const rec = (refId: string, status: string, extra: Partial<StageRecord> = {}): StageRecord => ({ refId, type: 'wait', status: status as StageRecord['status'], ...extra });
const pipelineSpec = { stages: [{ refId: 'a', type: 'wait' }, { refId: 'b', type: 'wait', requisiteStageRefIds: ['a'] }, { refId: 'c', type: 'wait' }] };
const status = (stages: StageRecord[], extra: Partial<PipelineRunStatus> = {}): PipelineRunStatus => ({ pipelineSpec, stages, ...extra });
const spec = (extra: Partial<PipelineRunSpec>): PipelineRunSpec => ({ pipelineRef: { name: 'p' }, ...extra });
const done = (refId: string) => rec(refId, 'SUCCEEDED', { startTime: 't1', endTime: 't2', message: 'ok', outputs: { x: 1 }, attempts: 1 });

describe('restartProblem', () => {
  const cases: [string, PipelineRunStatus, string, string | undefined][] = [
    ['a finished stage may restart', status([done('a'), done('b'), done('c')]), 'a', undefined],
    ['a stage the run does not have', status([done('a')]), 'zz', 'the run has no stage "zz"'],
    ['a running stage', status([rec('a', 'RUNNING'), rec('b', 'NOT_STARTED'), done('c')]), 'a', 'stage "a" is RUNNING; only a finished stage can restart'],
    ['a stage with a running stage downstream', status([done('a'), rec('b', 'SUSPENDED'), done('c')]), 'a',
      'downstream stages b are still running; cancel or wait for them first'],
  ];
  for (const [name, s, stage, want] of cases) it(name, () => assert.equal(restartProblem(s, { id: 'r', stage }), want));
});

describe('applyRestarts', () => {
  it('runs the stage and what follows it again, keeping the attempts count, and records the request as handled', () => {
    const s = status([done('a'), done('b'), done('c')], { completionTime: 't3', outputs: { a: { x: 1 } }, phase: 'Succeeded' });
    const result = applyRestarts(spec({ restarts: [{ id: 'r1', stage: 'a' }] }), s);
    assert.deepEqual(result, { refused: [], restarted: [{ id: 'r1', stage: 'a', stages: ['a', 'b'], message: 'restart r1: stage "a" and 1 downstream stage run again' }] });
    assert.deepEqual(s.stages, [rec('a', 'NOT_STARTED', { attempts: 1 }), rec('b', 'NOT_STARTED', { attempts: 1 }), done('c')]);
    assert.deepEqual(s.handledRestarts, ['r1']);
    assert.equal(s.completionTime, undefined);
    assert.equal(s.outputs, undefined);
    assert.equal(s.supersededCancel, undefined, 'no cancel to supersede');
  });
  it('refuses a request it cannot carry out, once', () => {
    const s = status([rec('a', 'RUNNING'), rec('b', 'NOT_STARTED'), done('c')]);
    const restarts = [{ id: 'r1', stage: 'a' }];
    assert.deepEqual(applyRestarts(spec({ restarts }), s).refused, [{ id: 'r1', problem: 'stage "a" is RUNNING; only a finished stage can restart' }]);
    assert.deepEqual(applyRestarts(spec({ restarts }), s), { refused: [], restarted: [] });
  });
  it('records the cancel it supersedes, by its cancelId, and leaves the spec alone', () => {
    const s = status([rec('a', 'CANCELED', { startTime: 't1' }), rec('b', 'NOT_STARTED'), done('c')]);
    const canceled = spec({ status: 'Canceled', cancelId: 'c1', restarts: [{ id: 'r1', stage: 'a' }] });
    applyRestarts(canceled, s);
    assert.deepEqual(s.supersededCancel, { cancelId: 'c1', restart: 'r1' });
    assert.equal(canceled.status, 'Canceled');
  });
});
