import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { failureStatus, planRun, type ExecutionStatus, type FailurePolicy, type ScheduledStage } from './scheduler.ts';

const s = (refId: string, requisites: string[] = [], failurePolicy?: FailurePolicy): ScheduledStage =>
  ({ refId, type: 'wait', requisiteStageRefIds: requisites, failurePolicy });
const diamond = [s('a'), s('b', ['a']), s('c', ['a']), s('d', ['b', 'c'])];

describe('planRun', () => {
  const cases: { name: string; stages: ScheduledStage[]; statuses: Record<string, ExecutionStatus>; canceled?: boolean;
    want: ReturnType<typeof planRun> }[] = [
    { name: 'starts the initial stages', stages: diamond, statuses: {}, want: { start: ['a'], cancel: [], status: 'RUNNING' } },
    { name: 'fans out when the requisite succeeds', stages: diamond, statuses: { a: 'SUCCEEDED' },
      want: { start: ['b', 'c'], cancel: [], status: 'RUNNING' } },
    { name: 'fans in only when every requisite is done', stages: diamond, statuses: { a: 'SUCCEEDED', b: 'SUCCEEDED', c: 'RUNNING' },
      want: { start: [], cancel: [], status: 'RUNNING' } },
    { name: 'treats FAILED_CONTINUE and SKIPPED as done', stages: diamond, statuses: { a: 'SUCCEEDED', b: 'FAILED_CONTINUE', c: 'SKIPPED' },
      want: { start: ['d'], cancel: [], status: 'RUNNING' } },
    { name: 'succeeds when every stage is done', stages: diamond, statuses: { a: 'SUCCEEDED', b: 'SUCCEEDED', c: 'SKIPPED', d: 'FAILED_CONTINUE' },
      want: { start: [], cancel: [], status: 'SUCCEEDED' } },
    { name: 'a TERMINAL stage cancels the active ones', stages: diamond, statuses: { a: 'SUCCEEDED', b: 'TERMINAL', c: 'RUNNING' },
      want: { start: [], cancel: ['c'], status: 'RUNNING', reason: 'stage "b" failed' } },
    { name: 'then the run is TERMINAL', stages: diamond, statuses: { a: 'SUCCEEDED', b: 'TERMINAL', c: 'CANCELED' },
      want: { start: [], cancel: [], status: 'TERMINAL', reason: 'stage "b" failed' } },
    { name: 'a STOPPED branch lets the others finish, and the run succeeds',
      stages: [s('a'), s('b', ['a'], 'stopBranch'), s('c', ['b']), s('x', ['a'])], statuses: { a: 'SUCCEEDED', b: 'STOPPED', x: 'SUCCEEDED' },
      want: { start: [], cancel: [], status: 'SUCCEEDED' } },
    { name: 'stopBranchThenFail fails the run once the other branches finish',
      stages: [s('a'), s('b', ['a'], 'stopBranchThenFail'), s('x', ['a'])], statuses: { a: 'SUCCEEDED', b: 'STOPPED', x: 'RUNNING' },
      want: { start: [], cancel: [], status: 'RUNNING' } },
    { name: '... and is TERMINAL when they have',
      stages: [s('a'), s('b', ['a'], 'stopBranchThenFail'), s('x', ['a'])], statuses: { a: 'SUCCEEDED', b: 'STOPPED', x: 'SUCCEEDED' },
      want: { start: [], cancel: [], status: 'TERMINAL', reason: 'stage "b" failed and stopped its branch' } },
    { name: 'cancel stops the active stages and starts nothing', stages: diamond, statuses: { a: 'SUCCEEDED', b: 'RUNNING', c: 'SUSPENDED' },
      canceled: true, want: { start: [], cancel: ['b', 'c'], status: 'RUNNING', reason: 'the run was canceled' } },
    { name: 'a canceled run with nothing active is CANCELED', stages: diamond, statuses: { a: 'SUCCEEDED', b: 'CANCELED' }, canceled: true,
      want: { start: [], cancel: [], status: 'CANCELED', reason: 'the run was canceled' } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(planRun(c.stages, c.statuses, c.canceled), c.want));

  it('maps failure policies to Spinnaker statuses', () => {
    assert.deepEqual((['failPipeline', 'stopBranch', 'stopBranchThenFail', 'continue', undefined] as const).map(failureStatus),
      ['TERMINAL', 'STOPPED', 'STOPPED', 'FAILED_CONTINUE', 'TERMINAL']);
  });
});

/** Runs a pipeline to the end where each stage succeeds or fails as scripted; one log line per pass. */
function simulate(stages: ScheduledStage[], fails: ReadonlySet<string>): string[] {
  const statuses: Record<string, ExecutionStatus> = {};
  const log: string[] = [];
  for (let pass = 1; pass <= 50; pass++) {
    for (const [id, st] of Object.entries(statuses)) {
      if (st === 'RUNNING') statuses[id] = fails.has(id) ? failureStatus(stages.find((x) => x.refId === id)!.failurePolicy) : 'SUCCEEDED';
    }
    const plan = planRun(stages, statuses);
    for (const id of plan.start) statuses[id] = 'RUNNING';
    for (const id of plan.cancel) statuses[id] = 'CANCELED';
    log.push(`${pass}: ${stages.map((x) => `${x.refId}=${statuses[x.refId] ?? 'NOT_STARTED'}`).join(' ')} -> ${plan.status}${plan.reason ? ` (${plan.reason})` : ''}`);
    if (plan.status !== 'RUNNING') return log;
  }
  throw new Error('the run did not end');
}

describe('run simulation (golden)', () => {
  it('matches test/golden/pipeline-runs.txt', () => {
    const graph = [s('build'), s('test', ['build']), s('lint', ['build'], 'continue'), s('docs', ['build'], 'stopBranch'),
      s('publish', ['docs']), s('deploy', ['test', 'lint'], 'stopBranchThenFail'), s('verify', ['deploy'])];
    const scenarios: [string, string[]][] = [
      ['all succeed', []], ['lint fails (continue)', ['lint']], ['docs fails (stopBranch)', ['docs']],
      ['deploy fails (stopBranchThenFail)', ['deploy']], ['test fails (failPipeline)', ['test']], ['build fails', ['build']],
    ];
    const text = scenarios.map(([name, fails]) => `## ${name}\n${simulate(graph, new Set(fails)).join('\n')}\n`).join('\n');
    const golden = new URL('../../../test/golden/pipeline-runs.txt', import.meta.url);
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
    assert.equal(text, readFileSync(golden, 'utf8'), 'run UPDATE_GOLDEN=1 npm run test:unit to accept a deliberate change');
  });
});
