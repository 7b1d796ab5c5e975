// Whole runs simulated with the controller's planners over a clock, compared with test/golden/runs.golden.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Stage } from '../../api/v1alpha1/stages/index.ts';
import { simulateRun, type Scenario } from './simulator.ts';

const stage = (refId: string, requisites: string[] = [], extra: Record<string, unknown> = {}): Stage =>
  ({ refId, type: 'task', requisiteStageRefIds: requisites, ...extra }) as unknown as Stage;
const judge = (refId: string, requisites: string[] = []): Stage =>
  ({ refId, type: 'manualJudgment', manualJudgment: {}, requisiteStageRefIds: requisites }) as unknown as Stage;
const diamond = [stage('build'), stage('test', ['build']), stage('lint', ['build']), stage('release', ['test', 'lint'])];

const scenarios: Scenario[] = [
  { name: 'fan-out and fan-in: the last stage waits for the slower branch', stages: diamond, takesMs: { test: 5000 } },
  { name: 'failure policy continue: the branch goes on, the run succeeds',
    stages: [stage('build'), stage('lint', ['build'], { failurePolicy: 'continue' }), stage('release', ['lint'])], attempts: { lint: ['fail'] } },
  { name: 'failure policy stopBranch: the branch stops, the other goes on, the run succeeds',
    stages: [stage('build'), stage('docs', ['build'], { failurePolicy: 'stopBranch' }), stage('publish', ['docs']), stage('deploy', ['build'])],
    attempts: { docs: ['fail'] } },
  { name: 'failure policy stopBranchThenFail: the other branch finishes, then the run fails',
    stages: [stage('build'), stage('deploy', ['build'], { failurePolicy: 'stopBranchThenFail' }), stage('verify', ['deploy']), stage('docs', ['build'])],
    attempts: { deploy: ['fail'] }, takesMs: { docs: 3000 } },
  { name: 'failure policy failPipeline: a sibling still running is canceled', stages: diamond, attempts: { lint: ['fail'] }, takesMs: { test: 10_000 } },
  { name: 'retries with back-off doubling, then success',
    stages: [stage('flaky', [], { retries: { limit: 3, backoff: '5s' } }), stage('after', ['flaky'])], attempts: { flaky: ['fail', 'fail', 'ok'] } },
  { name: 'retries run out', stages: [stage('flaky', [], { retries: { limit: 1, backoff: '5s' } })], attempts: { flaky: ['fail', 'fail'] } },
  { name: 'a verdict is not retried', stages: [stage('verdict', [], { retries: { limit: 3 } })], attempts: { verdict: ['final'] } },
  { name: 'a stage that runs past its timeout fails with reason Timeout', stages: [stage('slow', [], { timeout: '30s' })], attempts: { slow: ['hang'] } },
  { name: 'a stage whose condition is false is skipped; the run goes on',
    stages: [stage('build'), stage('deploy', ['build'], { if: '${parameters.env == "prod"}' }), stage('notify', ['deploy'])], parameters: { env: 'dev' } },
  { name: 'an execution window holds a stage until it opens',
    stages: [stage('build'), stage('deploy', ['build'], { executionWindow: { hours: [{ start: '10:30', end: '11:00' }], timeZone: 'UTC' } })] },
  { name: 'an execution window skipped by request',
    stages: [stage('deploy', [], { executionWindow: { days: ['saturday'], timeZone: 'UTC' } })], requests: [{ atMs: 60_000, skipWindow: 'deploy' }] },
  { name: 'cancel: running stages are canceled', stages: diamond, takesMs: { test: 60_000, lint: 60_000 }, requests: [{ atMs: 10_000, cancel: true }] },
  { name: 'a judgment approved after a wait', stages: [stage('build'), judge('approve', ['build']), stage('deploy', ['approve'])],
    requests: [{ atMs: 600_000, judge: 'approve', decision: 'approve' }] },
  { name: 'a judgment rejected fails the run', stages: [judge('approve'), stage('deploy', ['approve'])], requests: [{ atMs: 30_000, judge: 'approve', decision: 'reject' }] },
  { name: 'a failed run restarted from its failed stage runs it and what follows',
    stages: [stage('build'), stage('deploy', ['build']), stage('verify', ['deploy'])], attempts: { deploy: ['fail', 'ok'] },
    requests: [{ atMs: 60_000, restart: 'deploy' }] },
  { name: 'a restart of a running stage is refused', stages: [stage('slow')], takesMs: { slow: 30_000 }, requests: [{ atMs: 5000, restart: 'slow' }] },
  { name: 'a canceled run restarted runs again (the cancel superseded); a later cancel with a new id cancels it',
    stages: [judge('approve'), stage('deploy', ['approve'])],
    requests: [{ atMs: 10_000, cancel: true }, { atMs: 20_000, restart: 'approve' }, { atMs: 40_000, cancel: true }] },
  { name: 'a restarted judgment asks again', stages: [judge('approve'), stage('deploy', ['approve'])],
    requests: [{ atMs: 10_000, judge: 'approve', decision: 'approve' }, { atMs: 60_000, restart: 'approve' }, { atMs: 120_000, judge: 'approve', decision: 'approve' }] },
  { name: 'canceled before it starts', stages: [stage('build')], requests: [{ atMs: 0, cancel: true }] },
];

describe('run simulation (golden)', () => {
  it('matches test/golden/runs.golden', async () => {
    const parts: string[] = [];
    for (const sc of scenarios) parts.push(`## ${sc.name}\n${(await simulateRun(sc)).join('\n')}\n`);
    const text = parts.join('\n');
    const golden = new URL('../../../test/golden/runs.golden', import.meta.url);
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
    assert.equal(text, readFileSync(golden, 'utf8'), 'run UPDATE_GOLDEN=1 npm run test:unit to accept a deliberate change');
  });
});
