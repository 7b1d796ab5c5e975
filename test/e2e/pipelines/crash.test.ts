// A crash at any moment loses no run and repeats no side effect: the operator is killed (SIGKILL)
// while stages run, a new one takes over from the runs' status, and every Job is created once.
import assert from 'node:assert/strict';
import { createNamespace, removeNamespace } from '../../support/namespace.ts';
import { stringify } from 'yaml';
import { waitFor } from '../../cluster/probe.ts';
import { OperatorProcess } from '../../support/operator-process.ts';
import { inNamespace } from '../../support/runs.ts';

const ns = `crash-${Date.now().toString(36)}`;
const { k } = inNamespace(ns);

describe('an operator killed mid-run', function () {
  this.timeout(120_000);
  const operators: OperatorProcess[] = [];

  before(async () => {
    await createNamespace(ns);
  });
  after(async () => {
    for (const o of operators) o.child.kill('SIGKILL');
    await removeNamespace(ns);
  });

  it('resumes every run where its status says, creating each Job once', async () => {
    const job = { template: { metadata: { annotations: { 'test.staysail.dev/run-duration': '4s' } },
      spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'tool:1' }] } } };
    await k(['apply', '--server-side', '-f', '-'], [
      { apiVersion: 'staysail.dev/v1alpha1', kind: 'Pipeline', metadata: { name: 'resilient' }, spec: { application: 'demo',
        concurrency: { maxConcurrentRuns: 0 }, stages: [
          { refId: 'job', type: 'runJob', runJob: { jobTemplate: job } },
          { refId: 'pause', type: 'wait', wait: { duration: '3s' } },
          { refId: 'after', type: 'wait', requisiteStageRefIds: ['job', 'pause'], wait: { duration: '1s' } }] } },
      ...[1, 2, 3].map((i) => ({ apiVersion: 'staysail.dev/v1alpha1', kind: 'PipelineRun', metadata: { name: `resilient-${i}` },
        spec: { pipelineRef: { name: 'resilient' } } })),
    ].map((d) => stringify(d)).join('---\n'));

    const first = new OperatorProcess(['--namespaces', ns]);
    operators.push(first);
    await waitFor(async () => (await k(['get', 'jobs', '-o', 'name'])).trim().split('\n').filter(Boolean).length === 3, 30_000, () => 'Jobs not created');
    first.child.kill('SIGKILL');

    const second = new OperatorProcess(['--namespaces', ns]);
    operators.push(second);
    for (const i of [1, 2, 3]) {
      await waitFor(async () => (await k(['get', 'pipelinerun', `resilient-${i}`, '-o', 'jsonpath={.status.conditions[?(@.type=="Succeeded")].reason}'])) === 'Succeeded',
        60_000, () => `resilient-${i} did not finish after the restart`);
    }
    const jobs = (await k(['get', 'jobs', '-o', 'name'])).trim().split('\n').sort();
    assert.deepEqual(jobs, ['job.batch/resilient-1-job', 'job.batch/resilient-2-job', 'job.batch/resilient-3-job']);
    assert.equal(await second.stop(), 0);
  });
});
