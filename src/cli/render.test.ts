import assert from 'node:assert/strict';
import { runChanges, runPhase, runTree, shortDuration, table, type RunView } from './render.ts';

const t0 = Date.parse('2026-11-29T10:00:00Z');
const at = (s: number) => new Date(t0 + s * 1000).toISOString();
const run = (stages: NonNullable<NonNullable<RunView['status']>['stages']>, condition = { type: 'Succeeded', status: 'Unknown', reason: 'Running', message: '' },
  judgments: { stage: string }[] = []): RunView => ({
  metadata: { name: 'release-1' },
  spec: { pipelineRef: { name: 'release' }, judgments },
  status: {
    startTime: at(0), conditions: [condition],
    pipelineSpec: { stages: [{ refId: 'build', type: 'wait' }, { refId: 'approve', type: 'manualJudgment', requisiteStageRefIds: ['build'] },
      { refId: 'smoke', type: 'runJob', requisiteStageRefIds: ['build'] }, { refId: 'deploy', type: 'deploy', requisiteStageRefIds: ['approve', 'smoke'] }] },
    stages,
  },
});

describe('CLI rendering', () => {
  it('draws the stages as a tree by requisites, with status, duration and the judgment awaited', () => {
    const r = run([
      { refId: 'build', type: 'wait', status: 'SUCCEEDED', startTime: at(0), endTime: at(5) },
      { refId: 'approve', type: 'manualJudgment', status: 'RUNNING', startTime: at(5), message: 'waiting for a judgment' },
      { refId: 'smoke', type: 'runJob', status: 'TERMINAL', startTime: at(5), endTime: at(65), message: 'exit code 3' },
      { refId: 'deploy', type: 'deploy', status: 'NOT_STARTED' },
    ]);
    assert.deepEqual(runTree(r, t0 + 90_000, { colour: false }), [
      'PipelineRun release-1 (pipeline release)  Running  1m30s',
      '  ✔ build       wait            SUCCEEDED       5s',
      '  ●   approve   manualJudgment  RUNNING         1m25s   waits for a judgment: staysail approve release-1 approve',
      '  ✘   smoke     runJob          TERMINAL        1m00s   exit code 3',
      '  ○     deploy  deploy          NOT_STARTED',
    ]);
  });

  it('colours only when asked', () => {
    const r = run([{ refId: 'build', type: 'wait', status: 'SUCCEEDED', startTime: at(0), endTime: at(1) }]);
    assert.ok(runTree(r, t0, { colour: true }).join('\n').includes('\x1b[32m'));
    assert.ok(!runTree(r, t0, { colour: false }).join('\n').includes('\x1b['));
  });

  it('says what changed between two looks at a run, in plain lines', () => {
    const before = run([{ refId: 'build', type: 'wait', status: 'RUNNING', startTime: at(0) }, { refId: 'approve', type: 'manualJudgment', status: 'NOT_STARTED' }]);
    const after = run([{ refId: 'build', type: 'wait', status: 'SUCCEEDED', startTime: at(0), endTime: at(5) },
      { refId: 'approve', type: 'manualJudgment', status: 'RUNNING', startTime: at(5) }]);
    assert.deepEqual(runChanges(before, after, t0 + 6000), ['stage build SUCCEEDED after 5s',
      'stage approve waits for a judgment: staysail approve release-1 approve']);
    const done = run([{ refId: 'build', type: 'wait', status: 'SUCCEEDED', startTime: at(0), endTime: at(5) },
      { refId: 'approve', type: 'manualJudgment', status: 'SUCCEEDED', startTime: at(5), endTime: at(9) }],
    { type: 'Succeeded', status: 'True', reason: 'Succeeded', message: '' }, [{ stage: 'approve' }]);
    assert.deepEqual(runChanges(after, done, t0 + 9000), ['stage approve SUCCEEDED after 4s', 'run release-1 Succeeded']);
  });

  it('names the run\'s phase from its Succeeded condition', () => {
    const phase = (status: string, reason: string) => runPhase(run([], { type: 'Succeeded', status, reason, message: '' }));
    assert.deepEqual([phase('Unknown', 'Running'), phase('Unknown', 'Queued'), phase('True', 'Succeeded'), phase('False', 'Failed'), phase('False', 'Canceled')],
      ['Running', 'Queued', 'Succeeded', 'Failed', 'Canceled']);
  });

  it('formats durations and tables', () => {
    assert.deepEqual([850, 42_000, 185_000, 7_800_000].map(shortDuration), ['850ms', '42s', '3m05s', '2h10m']);
    assert.deepEqual(table(['NAME', 'STATUS'], [['a-long-name', 'Running'], ['b', 'Failed']]),
      ['NAME          STATUS', 'a-long-name   Running', 'b             Failed']);
  });
});
