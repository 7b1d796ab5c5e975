// The jenkins stage with the operator as a process, against the fake of Jenkins' JSON API on
// 127.0.0.1 (the operator runs on this machine, so it reaches the fake as it would a Jenkins): a job
// runs with the run's parameters and its result and property file become outputs; a failing build
// fails the stage; a canceled run stops its build; an operator SIGKILLed while the build waits in
// Jenkins' queue is replaced by one that follows the same queue item.
import assert from 'node:assert/strict';
import { waitFor } from '../../cluster/probe.ts';
import { FakeJenkins } from '../../fakes/jenkins.ts';
import { createNamespace, operatorIn, removeNamespace } from '../../support/namespace.ts';
import type { OperatorProcess } from '../../support/operator-process.ts';
import { inNamespace, pipeline, run, stage, succeeded } from '../../support/runs.ts';

const ns = `jenkins-${Date.now().toString(36)}`;
const { k, apply, getRun, finished } = inNamespace(ns);

describe('the jenkins stage, with the operator as a process', function () {
  this.timeout(180_000);
  const fake = new FakeJenkins({ deployer: 'api-token-1' });
  let base: string;
  let operator: OperatorProcess;

  before(async () => {
    base = await fake.start();
    fake.job('shop/release', { parameters: [{ name: 'VERSION' }, { name: 'ENV', default: 'staging' }], quietPeriodMs: 500,
      build: (p) => ({ result: p.VERSION === 'broken' ? 'FAILURE' : 'SUCCESS', durationMs: 1_500,
        artifacts: { 'out/build.properties': `# written by the build\nimage=registry.example.com/shop:${p.VERSION}\ncommit: 5f3a9c1\n` } }) });
    fake.job('soak', { build: () => ({ durationMs: 600_000 }) });
  });
  before(async () => {
    await createNamespace(ns);
    await apply(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'staysail-jenkins' },
        data: { ci: `url: ${base}\ncredentialsSecretRef:\n  name: jenkins-ci\n` } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'jenkins-ci' }, stringData: { username: 'deployer', token: 'api-token-1' } },
    );
    operator = await operatorIn(ns);
  });
  after(async () => {
    await removeNamespace(ns, operator);
    await fake.close();
  });

  const release = () => pipeline('release', [
    { refId: 'build', type: 'jenkins', jenkins: { master: 'ci', job: 'shop/release', parameters: { VERSION: '${parameters.version}' },
      propertyFile: 'out/build.properties' } },
    { refId: 'use', type: 'evaluateVariables', requisiteStageRefIds: ['build'],
      evaluateVariables: { variables: [{ key: 'image', value: '${stages.build.outputs.properties.image}' }] } },
  ], { parameters: [{ name: 'version' }] });

  it('runs the job with the run\'s parameters and reads its result and property file into outputs', async () => {
    await apply(release(), run('release-1', 'release', { parameters: { version: '2.1.0' } }));
    const r = await finished('release-1');
    assert.equal(succeeded(r)?.reason, 'Succeeded', JSON.stringify(r.status));
    const url = `${base}/job/shop/job/release/1/`;
    assert.deepEqual(stage(r, 'build')?.outputs, { buildNumber: 1, url, result: 'SUCCESS',
      properties: { image: 'registry.example.com/shop:2.1.0', commit: '5f3a9c1' } });
    assert.equal(stage(r, 'build')?.message, `build #1 of job "shop/release" on Jenkins "ci" succeeded: ${url}`);
    assert.deepEqual(stage(r, 'use')?.outputs, { image: 'registry.example.com/shop:2.1.0' });
    assert.deepEqual(fake.builds('shop/release'), [{ number: 1, parameters: { VERSION: '2.1.0', ENV: 'staging' }, result: 'SUCCESS' }]);
    const starts = fake.starts('shop/release');
    assert.equal(starts.length, 1, 'one build for the run');
    assert.equal(starts[0]!.headers.authorization, `Basic ${Buffer.from('deployer:api-token-1').toString('base64')}`);
    assert.ok(starts[0]!.headers['jenkins-crumb'], 'with the CSRF crumb');
  });

  it('fails the stage when the build fails, naming the result and the build', async () => {
    await apply(run('release-2', 'release', { parameters: { version: 'broken' } }));
    const r = await finished('release-2');
    assert.equal(succeeded(r)?.reason, 'Failed');
    const build = stage(r, 'build')!;
    assert.equal(build.status, 'TERMINAL');
    assert.equal(build.message, `build #2 of job "shop/release" on Jenkins "ci" ended FAILURE: ${base}/job/shop/job/release/2/`);
    assert.deepEqual(build.outputs, { buildNumber: 2, url: `${base}/job/shop/job/release/2/`, result: 'FAILURE' });
    assert.equal(stage(r, 'use')?.status ?? 'NOT_STARTED', 'NOT_STARTED');
  });

  it('a canceled run stops its build', async () => {
    await apply(pipeline('soak', [{ refId: 'soak', type: 'jenkins', jenkins: { master: 'ci', job: 'soak' } }]), run('soak-1', 'soak'));
    await waitFor(async () => /^build #1 of job "soak" on Jenkins "ci" is running/.test(stage(await getRun('soak-1'), 'soak')?.message ?? ''),
      60_000, () => 'the soak build never ran');
    await k(['patch', 'pipelinerun', 'soak-1', '--type=merge', '-p', '{"spec":{"status":"Canceled"}}']);
    const r = await finished('soak-1');
    assert.equal(succeeded(r)?.reason, 'Canceled');
    await waitFor(async () => fake.builds('soak')[0]?.result === 'ABORTED', 30_000, () => `the build was not stopped: ${JSON.stringify(fake.builds('soak'))}`);
    assert.equal(fake.starts('soak').length, 1);
  });

  it('an operator killed while the build waits in Jenkins\' queue is replaced by one that follows the same queue item', async () => {
    fake.job('queued', { parameters: [{ name: 'COUNT' }], quietPeriodMs: 5_000, build: () => ({ durationMs: 500, artifacts: { 'p.properties': 'k=v' } }) });
    await apply(pipeline('queued', [{ refId: 'b', type: 'jenkins', jenkins: { master: 'ci', job: 'queued', parameters: { COUNT: '1' }, propertyFile: 'p.properties' } }]),
      run('queued-1', 'queued'));
    let last: unknown;
    await waitFor(async () => {
      last = (await getRun('queued-1')).status;
      return /waits in Jenkins' queue: In the quiet period\.$/.test(stage({ status: last } as never, 'b')?.message ?? '');
    }, 30_000, () => `the build never waited in the queue: ${JSON.stringify(last)}`);
    operator.child.kill('SIGKILL');
    operator = await operatorIn(ns);
    const r = await finished('queued-1');
    assert.equal(succeeded(r)?.reason, 'Succeeded', JSON.stringify(r.status));
    assert.deepEqual(stage(r, 'b')?.outputs, { buildNumber: 1, url: `${base}/job/queued/1/`, result: 'SUCCESS', properties: { k: 'v' } });
    assert.equal(fake.starts('queued').length, 1, 'the new operator queued nothing more');
  });
});
