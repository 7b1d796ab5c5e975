// Cancels and restarts recorded in status, with the operator as a process: a restart of a canceled
// run supersedes its cancel (status.supersededCancel) and leaves the spec as the user wrote it; a
// later cancel with a new spec.cancelId (kubectl staysail cancel writes one) cancels it again. The
// run's phase is in status.phase and in `kubectl get`.
import assert from 'node:assert/strict';
import { withOperator } from '../../support/namespace.ts';
import { waitFor } from '../../cluster/probe.ts';
import { Plugin } from '../../support/plugin.ts';
import { inNamespace, pipeline, run, stage, succeeded, type Run } from '../../support/runs.ts';

const ns = `cancels-${Date.now().toString(36)}`;
const { k, apply, getRun, finished } = inNamespace(ns);
type Status = NonNullable<Run['status']> & { phase?: string; supersededCancel?: { cancelId?: string; restart: string } };
const status = (r: Run) => r.status as Status;
const spec = async (name: string) => (JSON.parse(await k(['get', 'pipelinerun', name, '-o', 'json'])) as { spec: Record<string, unknown> }).spec;

describe('cancels and restarts recorded in status, with the operator as a process', function () {
  this.timeout(180_000);
  withOperator(ns);
  const plugin = new Plugin(ns);
  after(() => plugin.remove());

  const waiting = (name: string) => waitFor(async () => /^waits for a judgment: /.test(stage(await getRun(name), 'hold')?.message ?? ''), 20_000,
    () => `${name} never waited for its judgment`);

  it('a restart supersedes the cancel it follows; a cancel with a new id cancels again', async () => {
    await apply(pipeline('held', [{ refId: 'hold', type: 'manualJudgment', manualJudgment: {} }]));
    await apply(run('held-1', 'held'));
    await waiting('held-1');
    assert.equal(status(await getRun('held-1')).phase, 'Running');
    assert.match(await k(['get', 'pipelinerun', 'held-1']), /PHASE[\s\S]*Running/);

    await k(['patch', 'pipelinerun', 'held-1', '--type=merge', '-p', '{"spec":{"status":"Canceled"}}']);
    const canceled = await finished('held-1');
    assert.deepEqual([status(canceled).phase, succeeded(canceled)?.reason], ['Canceled', 'Canceled']);

    await k(['patch', 'pipelinerun', 'held-1', '--type=merge', '-p', '{"spec":{"restarts":[{"id":"again","stage":"hold"}]}}']);
    await waiting('held-1');
    const again = await getRun('held-1');
    assert.deepEqual([status(again).phase, status(again).supersededCancel], ['Running', { restart: 'again' }]);
    assert.equal((await spec('held-1')).status, 'Canceled', 'the spec is left as the user wrote it');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(status(await getRun('held-1')).phase, 'Running', 'the superseded cancel does not cancel again');

    const ran = await plugin.run(['cancel', 'held-1']);
    assert.equal(ran.code, 0, ran.err);
    const recanceled = await finished('held-1');
    assert.deepEqual([status(recanceled).phase, stage(recanceled, 'hold')?.status], ['Canceled', 'CANCELED']);
    assert.match(String((await spec('held-1')).cancelId), /^cancel-/);
  });

  it('kubectl patch with a cancelId cancels a restarted run as well', async () => {
    await apply(run('held-3', 'held'));
    await waiting('held-3');
    await k(['patch', 'pipelinerun', 'held-3', '--type=merge', '-p', '{"spec":{"status":"Canceled"}}']);
    await finished('held-3');
    await k(['patch', 'pipelinerun', 'held-3', '--type=merge', '-p', '{"spec":{"restarts":[{"id":"r1","stage":"hold"}]}}']);
    await waiting('held-3');
    await k(['patch', 'pipelinerun', 'held-3', '--type=merge', '-p', '{"spec":{"cancelId":"second"}}']);
    assert.equal(status(await finished('held-3')).phase, 'Canceled');
  });
});
