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

  it('names the run\'s phase from status.phase when written, and why a failed run failed', () => {
    const phase = (p: NonNullable<RunView['status']>['phase'], status: string, reason: string) =>
      runPhase({ ...run([], { type: 'Succeeded', status, reason, message: '' }), status: { ...run([]).status, phase: p, conditions: [{ type: 'Succeeded', status, reason, message: '' }] } });
    assert.deepEqual([phase('Queued', 'Unknown', 'Queued'), phase('Running', 'Unknown', 'Running'), phase('Canceled', 'False', 'Canceled'),
      phase('Failed', 'False', 'Timeout'), phase('Failed', 'False', 'PipelineNotFound'), phase('Succeeded', 'True', 'Succeeded')],
    ['Queued', 'Running', 'Canceled', 'Timeout', 'PipelineNotFound', 'Succeeded']);
    assert.equal(runPhase({ metadata: { name: 'new' } }), 'Pending');
  });

  it('formats durations and tables', () => {
    assert.deepEqual([850, 42_000, 185_000, 7_800_000].map(shortDuration), ['850ms', '42s', '3m05s', '2h10m']);
    assert.deepEqual(table(['NAME', 'STATUS'], [['a-long-name', 'Running'], ['b', 'Failed']]),
      ['NAME          STATUS', 'a-long-name   Running', 'b             Failed']);
  });

  it('shows what a waiting judgment asks: its instructions, its inputs, and the command as invoked', () => {
    const r = run([
      { refId: 'build', type: 'wait', status: 'SUCCEEDED', startTime: at(0), endTime: at(5) },
      { refId: 'approve', type: 'manualJudgment', status: 'RUNNING', startTime: at(5) },
    ]);
    const stages = r.status!.pipelineSpec!.stages as Record<string, unknown>[];
    stages[1]!.manualJudgment = { instructions: 'Check the error dashboard.\nThen the latency one.', inputs: ['go', 'hold'] };
    assert.deepEqual(runTree(r, t0 + 10_000, { colour: false, command: 'kubectl staysail' }).slice(2, 5), [
      '  ●   approve   manualJudgment  RUNNING         5s      waits for a judgment, one of go, hold: kubectl staysail approve release-1 approve --input INPUT',
      '                                                        Check the error dashboard.',
      '                                                        Then the latency one.',
    ]);
    // As the stage evaluated them, once it has.
    r.status!.stages![1]!.outputs = { instructions: 'Release 1.2.0?' };
    assert.equal(runTree(r, t0 + 10_000, { colour: false })[3]!.trim(), 'Release 1.2.0?');
    delete r.status!.stages![1]!.outputs;
    const before = run([{ refId: 'build', type: 'wait', status: 'RUNNING', startTime: at(0) }]);
    (before.status!.pipelineSpec!.stages as Record<string, unknown>[])[1]!.manualJudgment = stages[1]!.manualJudgment;
    assert.deepEqual(runChanges(before, r, t0 + 6000, 'node bin/staysail.js'), ['stage build SUCCEEDED after 5s',
      'stage approve waits for a judgment, one of go, hold: node bin/staysail.js approve release-1 approve --input INPUT',
      '  Check the error dashboard.', '  Then the latency one.']);
    stages[1]!.manualJudgment = { inputs: ['ship'], instructions: Array.from({ length: 8 }, (_, i) => `step ${i + 1} ${'x'.repeat(i === 0 ? 200 : 3)}`).join('\n') };
    const tree = runTree(r, t0, { colour: false });
    assert.match(tree[2]!, /one of ship: staysail approve release-1 approve --input ship$/);
    assert.deepEqual(tree.slice(3, 8).map((l) => l.trim()), [`step 1 ${'x'.repeat(112)}…`, 'step 2 xxx', 'step 3 xxx', 'step 4 xxx', '… (4 more lines: -o yaml shows them)']);
  });

  it('ends a piped watch with why the run did not succeed', () => {
    const running = run([{ refId: 'build', type: 'wait', status: 'RUNNING', startTime: at(0) }]);
    const failed = run([{ refId: 'build', type: 'wait', status: 'TERMINAL', startTime: at(0), endTime: at(3), message: 'boom' }],
      { type: 'Succeeded', status: 'False', reason: 'Failed', message: 'PipelineRun "release-1": stage "build" failed: boom' });
    assert.deepEqual(runChanges(running, failed, t0 + 3000), ['stage build TERMINAL after 3s: boom', 'run release-1 Failed: stage "build" failed: boom']);
    const done = run([], { type: 'Succeeded', status: 'True', reason: 'Succeeded', message: 'PipelineRun "release-1" succeeded' });
    assert.deepEqual(runChanges(running, done, t0), ['run release-1 Succeeded']);
  });
});
