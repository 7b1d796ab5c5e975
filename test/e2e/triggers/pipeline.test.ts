// A pipeline trigger with the operator as a process: a run of the upstream Pipeline that succeeds
// starts exactly one run of the downstream Pipeline, with the upstream run's name, result and
// outputs in its payload; a canceled one (not in the trigger's statuses) starts none.
import assert from 'node:assert/strict';
import { waitFor } from '../../cluster/probe.ts';
import { withOperator } from '../../support/namespace.ts';
import { inNamespace, pipeline, run } from '../../support/runs.ts';

const ns = `pltrigger-${Date.now().toString(36)}`;
const { k, apply, finished } = inNamespace(ns);

interface TriggeredRun { metadata: { name: string }; spec: { parameters?: Record<string, unknown>; trigger?: { type: string; payload?: Record<string, unknown> } } }
const downstream = async () => (JSON.parse(await k(['get', 'pipelineruns', '-l', 'staysail.dev/trigger=after-build', '-o', 'json'])) as { items: TriggeredRun[] }).items;

describe('a pipeline trigger, with the operator as a process', function () {
  this.timeout(180_000);
  withOperator(ns);

  it('a succeeded upstream run starts one downstream run; a canceled one starts none', async () => {
    await apply(
      pipeline('build', [{ refId: 'version', type: 'evaluateVariables', evaluateVariables: { variables: [{ key: 'tag', value: 'v1.2.3' }] } },
        { refId: 'pause', type: 'wait', requisiteStageRefIds: ['version'], wait: { duration: '2s' } }]),
      pipeline('deploy', [{ refId: 'roll', type: 'wait', wait: { duration: '1s' } }], {
        parameters: [{ name: 'tag' }],
        triggers: [{ name: 'after-build', type: 'pipeline', pipeline: { pipelineRef: { name: 'build' }, statuses: ['succeeded'] },
          parameters: { tag: '${trigger.payload.outputs.version.tag}' } }],
      }));
    await waitFor(async () => (await k(['get', 'pipeline', 'deploy', '-o', 'jsonpath={.status.triggers[0].since}'])) !== '', 30_000,
      () => 'the trigger was never armed');
    await apply(run('build-1', 'build'), run('build-2', 'build'));
    await waitFor(async () => (await k(['get', 'pipelinerun', 'build-2', '-o', 'jsonpath={.status.phase}'])) === 'Running', 30_000, () => 'build-2 never ran');
    await k(['patch', 'pipelinerun', 'build-2', '--type=merge', '-p', '{"spec":{"status":"Canceled"}}']);
    await finished('build-1');
    await finished('build-2');

    await waitFor(async () => (await downstream()).length > 0, 30_000, () => 'build-1 started no deploy run');
    await new Promise((r) => setTimeout(r, 3000));
    const runs = await downstream();
    assert.equal(runs.length, 1, `one downstream run, not ${runs.map((r) => r.metadata.name).join(', ')}`);
    const payload = runs[0]!.spec.trigger?.payload;
    assert.deepEqual({ parentRun: payload?.parentRun, parentPipeline: payload?.parentPipeline, result: payload?.result },
      { parentRun: 'build-1', parentPipeline: 'build', result: 'succeeded' });
    assert.deepEqual(runs[0]!.spec.parameters, { tag: 'v1.2.3' });
    const done = await finished(runs[0]!.metadata.name);
    assert.equal(done.status?.conditions?.find((c) => c.type === 'Succeeded')?.status, 'True');
  });
});
