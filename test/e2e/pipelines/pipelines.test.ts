// Pipelines end to end: the operator runs as a process against the local control plane; pipelines
// and runs are applied with kubectl, judgments and cancels are kubectl patches.
import assert from 'node:assert/strict';
import { withOperator } from '../../support/namespace.ts';
import { waitFor } from '../../cluster/probe.ts';
import { kubectl } from '../../support/kubectl.ts';
import { inNamespace, pipeline, run, stage, succeeded, type Run } from '../../support/runs.ts';
import { sharedCluster } from '../../support/setup.ts';

const ns = `pipelines-${Date.now().toString(36)}`;
const { k, apply, getRun, finished } = inNamespace(ns);
const wait = (refId: string, duration: string, requisites: string[] = [], extra: object = {}) =>
  ({ refId, type: 'wait', wait: { duration }, requisiteStageRefIds: requisites, ...extra });
const check = (refId: string, expression: string, requisites: string[] = [], extra: object = {}) =>
  ({ refId, type: 'checkPreconditions', checkPreconditions: { preconditions: [{ expression, message: `${refId} says no` }] }, requisiteStageRefIds: requisites, ...extra });

const statuses = (r: Run) => Object.fromEntries((r.status?.stages ?? []).map((s) => [s.refId, s.status]));

describe('pipelines, with the operator as a process', function () {
  this.timeout(180_000);
  withOperator(ns);

  it('fans out and in: a stage starts only after all its requisites finish', async () => {
    await apply(pipeline('diamond', [wait('a', '1s'), wait('b', '1s', ['a']), wait('c', '3s', ['a']), wait('d', '1s', ['b', 'c'])]), run('diamond-1', 'diamond'));
    const r = await finished('diamond-1');
    assert.equal(succeeded(r)?.reason, 'Succeeded');
    const t = (id: string, f: 'startTime' | 'endTime') => Date.parse(stage(r, id)![f]!);
    assert.ok(t('b', 'startTime') >= t('a', 'endTime') && t('c', 'startTime') >= t('a', 'endTime'), 'b and c wait for a');
    assert.ok(Math.abs(t('b', 'startTime') - t('c', 'startTime')) < 1500, 'b and c run in parallel');
    assert.ok(t('d', 'startTime') >= t('c', 'endTime') && t('d', 'startTime') >= t('b', 'endTime'), 'd waits for both');
    const pl = JSON.parse(await k(['get', 'pipeline', 'diamond', '-o', 'json']));
    assert.deepEqual(pl.status.lastRun.name, 'diamond-1');
    assert.equal(pl.status.stageCount, 4);
  });

  it('applies each failure policy as Spinnaker does', async () => {
    const policies: [string, string, string, Record<string, string>][] = [
      ['failPipeline', 'False', 'Failed', { bad: 'TERMINAL', after: 'NOT_STARTED' }],
      ['continue', 'True', 'Succeeded', { bad: 'FAILED_CONTINUE', after: 'SUCCEEDED', other: 'SUCCEEDED' }],
      ['stopBranch', 'True', 'Succeeded', { bad: 'STOPPED', after: 'NOT_STARTED', other: 'SUCCEEDED' }],
      ['stopBranchThenFail', 'False', 'Failed', { bad: 'STOPPED', after: 'NOT_STARTED', other: 'SUCCEEDED' }],
    ];
    for (const [policy] of policies) {
      const name = `policy-${policy.toLowerCase()}`;
      await apply(pipeline(name, [check('bad', '${1 == 2}', [], { failurePolicy: policy }), wait('after', '1s', ['bad']), wait('other', '2s')]),
        run(`${name}-1`, name));
    }
    for (const [policy, status, reason, want] of policies) {
      const r = await finished(`policy-${policy.toLowerCase()}-1`);
      assert.equal(succeeded(r)?.status, status, policy);
      assert.equal(succeeded(r)?.reason, reason, policy);
      for (const [id, st] of Object.entries(want)) assert.equal(statuses(r)[id], st, `${policy}: stage ${id}`);
      assert.equal(stage(r, 'bad')?.message, 'bad says no');
    }
  });

  it('times a stage out, and fails the run with reason Timeout', async () => {
    await apply(pipeline('slow', [wait('forever', '10m', [], { timeout: '1s' })]), run('slow-1', 'slow'));
    const r = await finished('slow-1');
    assert.equal(succeeded(r)?.reason, 'Timeout');
    assert.equal(stage(r, 'forever')?.status, 'TERMINAL');
    assert.equal(stage(r, 'forever')?.message, 'timed out after 1s');
  });

  it('takes a judgment\'s own timeout, and durations from expressions in retries and execution windows', async () => {
    const days = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
    await apply(
      pipeline('hurry', [{ refId: 'approve', type: 'manualJudgment', manualJudgment: { timeout: '1s' } }]), run('hurry-1', 'hurry'),
      pipeline('computed', [
        check('flaky', '${1 == 2}', [], { retries: { limit: 1, backoff: '${parameters.pause}' }, failurePolicy: 'continue' }),
        wait('spread', '1ms', [], { executionWindow: { days, jitter: { min: '${parameters.pause}', max: '${parameters.pause}' } } }),
        check('bad', '${1 == 2}', [], { retries: { limit: 1, backoff: '${parameters.nope}' }, failurePolicy: 'continue' }),
      ], { parameters: [{ name: 'pause', default: '1s' }] }), run('computed-1', 'computed'));
    const hurry = await finished('hurry-1');
    assert.equal(succeeded(hurry)?.reason, 'Timeout');
    assert.match(stage(hurry, 'approve')!.message!, /timed out after 1s/);
    const computed = await finished('computed-1');
    assert.equal(stage(computed, 'flaky')?.attempts, 2, JSON.stringify(stage(computed, 'flaky')));
    assert.equal(stage(computed, 'spread')?.status, 'SUCCEEDED');
    assert.ok(Date.parse(stage(computed, 'spread')!.startTime!) - Date.parse(computed.status!.stages![0]!.startTime!) >= 900, 'the jitter held it back');
    assert.equal(stage(computed, 'bad')?.status, 'FAILED_CONTINUE');
    assert.match(stage(computed, 'bad')!.message!, /no retry: retries\.backoff: .*nope/);
  });

  it('cancels a run: running stages are CANCELED, the run and its pipeline say Canceled, the British spelling is refused', async () => {
    await apply(pipeline('long', [wait('a', '10m'), wait('b', '1s', ['a'])]), run('long-1', 'long'));
    await waitFor(async () => stage(await getRun('long-1'), 'a')?.status === 'RUNNING', 20_000, () => 'a never ran');
    const british = await kubectl(sharedCluster().kubeconfigPath, ['-n', ns, 'patch', 'pipelinerun', 'long-1', '--type=merge', '-p', '{"spec":{"status":"Cancelled"}}']);
    assert.notEqual(british.code, 0);
    assert.match(british.stderr, /spec\.status: Unsupported value: "Cancelled": supported values: "Canceled"/);
    await k(['patch', 'pipelinerun', 'long-1', '--type=merge', '-p', '{"spec":{"status":"Canceled"}}']);
    const r = await finished('long-1');
    assert.equal(succeeded(r)?.reason, 'Canceled');
    assert.equal(succeeded(r)?.message, 'PipelineRun "long-1": the run was canceled');
    assert.deepEqual(statuses(r), { a: 'CANCELED', b: 'NOT_STARTED' });
    assert.equal(stage(r, 'a')?.message, 'canceled with the run');
    await waitFor(async () => JSON.parse(await k(['get', 'pipeline', 'long', '-o', 'json'])).status?.lastRun?.result === 'Canceled', 20_000,
      () => 'the pipeline\'s lastRun.result is not Canceled');
  });

  it('decides manual judgments from kubectl patch: approved and rejected, with input and who decided', async () => {
    const judge = { refId: 'approve', type: 'manualJudgment', manualJudgment: { instructions: 'ok?', inputs: ['go', 'hold'] } };
    const next = { refId: 'next', type: 'evaluateVariables', requisiteStageRefIds: ['approve'],
      evaluateVariables: { variables: [{ key: 'choice', value: '${stages.approve.outputs.judgmentInput}' }] } };
    await apply(pipeline('judged', [judge, next]), run('judged-yes', 'judged'), run('judged-no', 'judged'));
    for (const name of ['judged-yes', 'judged-no']) {
      await waitFor(async () => /^waits for a judgment: /.test(stage(await getRun(name), 'approve')?.message ?? ''), 20_000, () => `${name} never waited`);
    }
    // The judgment policy refuses a decision that does not name the person sending it, and says whom to name.
    const as = (user: string) => ['--as', user, '--as-group', 'system:masters'];
    const decide = (user: string, runName: string, judgment: object) => kubectl(sharedCluster().kubeconfigPath,
      ['-n', ns, ...as(user), 'patch', 'pipelinerun', runName, '--type=merge', '-p', JSON.stringify({ spec: { judgments: [judgment] } })]);
    const unnamed = await decide('alice', 'judged-yes', { stage: 'approve', decision: 'approve', input: 'go' });
    assert.notEqual(unnamed.code, 0);
    assert.match(unnamed.stderr, /PipelineRun judged-yes: spec\.judgments for stage\(s\) approve must set user to the name you are signed in as \("alice"/);
    const impostor = await decide('alice', 'judged-yes', { stage: 'approve', decision: 'approve', input: 'go', user: 'bob' });
    assert.notEqual(impostor.code, 0);
    assert.equal(stage(await getRun('judged-yes'), 'approve')?.status, 'RUNNING', 'a refused decision changed nothing');
    assert.equal((await decide('alice', 'judged-yes', { stage: 'approve', decision: 'approve', input: 'go', user: 'alice' })).code, 0);
    assert.equal((await decide('bob', 'judged-no', { stage: 'approve', decision: 'reject', comment: 'not today', user: 'bob' })).code, 0);
    const yes = await finished('judged-yes');
    assert.equal(succeeded(yes)?.reason, 'Succeeded');
    assert.deepEqual(stage(yes, 'next')?.outputs, { choice: 'go' });
    assert.deepEqual({ ...stage(yes, 'approve')?.judgment, time: undefined },
      { decision: 'approve', input: 'go', user: 'alice', client: 'kubectl-patch', time: undefined });
    const no = await finished('judged-no');
    assert.equal(succeeded(no)?.reason, 'Failed');
    assert.equal(stage(no, 'approve')?.status, 'TERMINAL');
    assert.equal(stage(no, 'approve')?.message, 'rejected: not today');
    assert.equal(stage(no, 'approve')?.judgment?.user, 'bob');
  });

  it('tells the judge what to check and choose: in the waiting stage\'s message, its outputs and an Event', async () => {
    const instructions = 'Check the dashboards for ${parameters.version} first.\nThen ask the on-call engineer.';
    await apply(pipeline('asked', [
      { refId: 'release', type: 'manualJudgment', manualJudgment: { instructions, inputs: ['go', 'hold'] } },
      { refId: 'plain', type: 'manualJudgment' },
      { refId: 'short', type: 'manualJudgment', manualJudgment: { instructions: 'Look at staging' } },
    ], { parameters: [{ name: 'version', default: '1.2' }] }), run('asked-1', 'asked'));
    const how = (refId: string, input = '') => `approve with: kubectl staysail approve asked-1 ${refId}${input} (or kubectl patch the run's spec.judgments)`;
    const want = {
      release: `waits for a judgment: Check the dashboards for 1.2 first… Choose one of: go, hold (whole text in outputs.instructions); ${how('release', ' --input INPUT')}`,
      plain: `waits for a judgment: approve or reject; ${how('plain')}`,
      short: `waits for a judgment: Look at staging; ${how('short')}`,
    };
    let r: Run | undefined;
    await waitFor(async () => { r = await getRun('asked-1'); return Object.keys(want).every((id) => stage(r!, id)?.message !== undefined); },
      20_000, () => `the judgments never waited: ${JSON.stringify(r?.status?.stages)}`);
    for (const [id, message] of Object.entries(want)) assert.equal(stage(r!, id)?.message, message, id);
    assert.deepEqual(stage(r!, 'release')?.outputs, { instructions: 'Check the dashboards for 1.2 first.\nThen ask the on-call engineer.' },
      'the whole instructions, evaluated');
    assert.equal(stage(r!, 'plain')?.outputs, undefined);
    let seen: { type: string; message: string }[] = [];
    const events = async () => (seen = (JSON.parse(await k(['get', 'events', '--field-selector', 'involvedObject.name=asked-1,reason=StageWaiting',
      '-o', 'json'])) as { items: { type: string; message: string }[] }).items);
    await waitFor(async () => (await events()).length >= 3, 20_000, () => `no StageWaiting Event for each judgment: ${JSON.stringify(seen)}`);
    assert.deepEqual((await events()).map((e) => `${e.type} ${e.message}`).sort(),
      Object.entries(want).map(([id, message]) => `Normal stage "${id}" ${message}`).sort(), 'one Event per judgment asked for, with its message');

    await k(['patch', 'pipelinerun', 'asked-1', '--type=merge', '-p', JSON.stringify({ spec: { judgments: [
      { stage: 'release', decision: 'approve', input: 'maybe', user: 'staysail-admin' }] } })]);
    await waitFor(async () => (await events()).some((e) => e.type === 'Warning'), 20_000, () => 'a refused input made no Warning');
    assert.equal(stage(await getRun('asked-1'), 'release')?.message, 'judgment input "maybe" is not one of go, hold; patch spec.judgments again');
    assert.equal((await events()).length, 4, 'the waits already announced were not announced again');
  });

  it('checks parameters: defaults, types, and a missing required one fails the run at once, naming it', async () => {
    const params = { parameters: [{ name: 'version', required: true }, { name: 'replicas', type: 'integer', default: 2 }] };
    const vars = { refId: 'vars', type: 'evaluateVariables', evaluateVariables: { variables: [
      { key: 'tag', value: 'v${parameters.version}' }, { key: 'more', value: '${parameters.replicas + 1}' },
      { key: 'both', value: '${variables.tag + "/" + string(variables.more)}' }] } };
    await apply(pipeline('params', [vars], params), run('params-ok', 'params', { parameters: { version: '1.2', replicas: '4' } }),
      run('params-missing', 'params'));
    const ok = await finished('params-ok');
    assert.deepEqual(stage(ok, 'vars')?.outputs, { tag: 'v1.2', more: 5, both: 'v1.2/5' });
    assert.deepEqual(ok.status?.outputs, { vars: { tag: 'v1.2', more: 5, both: 'v1.2/5' } });
    const missing = await finished('params-missing');
    assert.equal(succeeded(missing)?.reason, 'ParameterInvalid');
    assert.match(succeeded(missing)!.message, /parameter "version" is required by pipeline "params" and was not given/);
    assert.equal(missing.status?.stages, undefined, 'no stage ran');
  });

  it('fails a stage whose expression fails, naming the expression, and skips a stage whose condition is false', async () => {
    await apply(pipeline('exprs', [
      { refId: 'broken', type: 'evaluateVariables', evaluateVariables: { variables: [{ key: 'x', value: '${parameters.nope + 1}' }] } },
      wait('maybe', '1s', [], { if: '${1 > 2}' }),
    ]), run('exprs-1', 'exprs'));
    const r = await finished('exprs-1');
    assert.equal(stage(r, 'broken')?.status, 'TERMINAL');
    assert.equal(stage(r, 'broken')?.message, 'expression ${parameters.nope + 1} failed: No such key: nope');
    assert.equal(stage(r, 'maybe')?.status, 'SKIPPED');
  });

  it('holds a stage outside its execution window, SUSPENDED, until asked to skip the wait', async () => {
    const hour = (h: number) => `${String(h % 24).padStart(2, '0')}:00`;
    const now = new Date().getUTCHours();
    const window = { hours: [{ start: hour(now + 2), end: hour(now + 3) }], timeZone: 'UTC' };
    await apply(pipeline('windowed', [wait('gated', '1s', [], { executionWindow: window })]), run('windowed-1', 'windowed'));
    await waitFor(async () => stage(await getRun('windowed-1'), 'gated')?.status === 'SUSPENDED', 20_000, () => 'never suspended');
    assert.match(stage(await getRun('windowed-1'), 'gated')!.message!, /waiting for its execution window until/);
    await k(['patch', 'pipelinerun', 'windowed-1', '--type=merge', '-p', '{"spec":{"skipExecutionWindows":["gated"]}}']);
    const r = await finished('windowed-1');
    assert.equal(succeeded(r)?.reason, 'Succeeded');
  });

  it('queues runs beyond the concurrency limit and starts them in order', async () => {
    await apply(pipeline('serial', [wait('a', '2s')], { concurrency: { maxConcurrentRuns: 1, keepWaitingRuns: true } }));
    await apply(run('serial-1', 'serial'));
    await waitFor(async () => stage(await getRun('serial-1'), 'a')?.status === 'RUNNING', 20_000, () => 'serial-1 never ran');
    await apply(run('serial-2', 'serial'));
    await waitFor(async () => succeeded(await getRun('serial-2'))?.reason === 'Queued', 20_000, () => 'serial-2 was not queued');
    const first = await finished('serial-1');
    const second = await finished('serial-2');
    assert.ok(Date.parse(stage(second, 'a')!.startTime!) >= Date.parse(first.status!.completionTime!), 'serial-2 ran after serial-1');
  });

  it('holds the restart of a finished run while its pipeline is at its concurrency limit', async () => {
    await apply(pipeline('gated', [{ refId: 'hold', type: 'manualJudgment', manualJudgment: {} }], { concurrency: { maxConcurrentRuns: 1 } }));
    // Each decision has an id of its own: a restart sets the stage's last decision aside, and an identical one would not count.
    let decisions = 0;
    const approve = (name: string) => k(['patch', 'pipelinerun', name, '--type=merge', '-p',
      JSON.stringify({ spec: { judgments: [{ stage: 'hold', decision: 'approve', user: 'staysail-admin', id: `d${++decisions}` }] } })]);
    const waiting = (name: string) => waitFor(async () => /^waits for a judgment: /.test(stage(await getRun(name), 'hold')?.message ?? ''), 20_000,
      () => `${name} never waited for its judgment`);
    await apply(run('gated-1', 'gated'));
    await waiting('gated-1');
    await approve('gated-1');
    assert.equal(succeeded(await finished('gated-1'))?.reason, 'Succeeded');
    await apply(run('gated-2', 'gated'));
    await waiting('gated-2');
    await k(['patch', 'pipelinerun', 'gated-1', '--type=merge', '-p', '{"spec":{"restarts":[{"id":"again","stage":"hold"}]}}']);
    await waitFor(async () => succeeded(await getRun('gated-1'))?.reason === 'Queued', 20_000, () => 'the restart did not queue');
    assert.match(succeeded(await getRun('gated-1'))!.message, /restart waits for pipeline "gated": 1 of 1 run active \(gated-2\)/);
    assert.equal(stage(await getRun('gated-1'), 'hold')?.status, 'SUCCEEDED', 'a queued restart changed nothing yet');
    await approve('gated-2');
    await finished('gated-2');
    await waiting('gated-1');
    const restarted = await getRun('gated-1');
    assert.equal((restarted as { spec?: { judgments?: unknown[] } }).spec?.judgments?.length, 1, 'the controller leaves the decision in the spec');
    assert.match(stage(restarted, 'hold')!.message!, /its decision before is set aside/);
    await approve('gated-1');
    const again = await finished('gated-1');
    assert.equal(succeeded(again)?.reason, 'Succeeded');
    assert.equal(stage(again, 'hold')?.attempts, 2);

    // A canceled run restarted while the slot is taken waits for it, and is not canceled again by its old cancel.
    await apply(run('gated-3', 'gated'));
    await waiting('gated-3');
    await k(['patch', 'pipelinerun', 'gated-3', '--type=merge', '-p', '{"spec":{"status":"Canceled"}}']);
    assert.equal(succeeded(await finished('gated-3'))?.reason, 'Canceled');
    await apply(run('gated-4', 'gated'));
    await waiting('gated-4');
    await k(['patch', 'pipelinerun', 'gated-3', '--type=merge', '-p', '{"spec":{"restarts":[{"id":"again","stage":"hold"}]}}']);
    await waitFor(async () => succeeded(await getRun('gated-3'))?.reason === 'Queued', 20_000, () => 'the restart did not queue');
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(succeeded(await getRun('gated-3'))?.reason, 'Queued', 'still waiting, not canceled');
    await approve('gated-4');
    await waiting('gated-3');
    await approve('gated-3');
    assert.equal(succeeded(await finished('gated-3'))?.reason, 'Succeeded');
  });

  it('keeps only as many finished runs as the history limits allow', async () => {
    await apply(pipeline('short', [wait('a', '1ms')], { history: { succeededRunsLimit: 1, failedRunsLimit: 1 } }));
    await apply(run('short-1', 'short'));
    await finished('short-1');
    await apply(run('short-2', 'short'));
    await finished('short-2');
    await waitFor(async () => !(await k(['get', 'pipelineruns', '-o', 'name'])).includes('short-1'), 20_000, () => 'short-1 was not deleted');
  });

  it('records an Event per stage transition (kubectl describe)', async () => {
    const out = await k(['describe', 'pipelinerun', 'diamond-1']);
    for (const id of ['a', 'b', 'c', 'd']) {
      assert.match(out, new RegExp(`StageRunning .*stage "${id}" NOT_STARTED -> RUNNING`));
      assert.match(out, new RegExp(`StageSucceeded .*stage "${id}" RUNNING -> SUCCEEDED`));
    }
  });
});
