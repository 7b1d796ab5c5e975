// The jenkins trigger with the operator as a process, polling the fake of Jenkins' JSON API on
// 127.0.0.1 every 10s (the server named in the ConfigMap staysail-jenkins, its token in a Secret):
// the builds there before the trigger start nothing; a Jenkins build completing with SUCCESS starts
// exactly one run with the property file's values in its payload; a FAILURE build starts none; an
// operator killed (SIGKILL) and replaced starts nothing twice, and a build that succeeded while it
// was down starts its run.
import assert from 'node:assert/strict';
import { JenkinsClient } from '../../../src/triggers/jenkins-client.ts';
import { waitFor } from '../../cluster/probe.ts';
import { FakeJenkins } from '../../fakes/jenkins.ts';
import { createNamespace, operatorIn, removeNamespace } from '../../support/namespace.ts';
import type { OperatorProcess } from '../../support/operator-process.ts';
import { pipeline } from '../../support/runs.ts';
import { pollingTrigger, type PollStatus } from './harness.ts';

const ns = `jenkins-trigger-${Date.now().toString(36)}`;

interface Payload { master: string; job: string; buildNumber: number; result: string; url: string; parameters: Record<string, string>; properties?: Record<string, string> }
interface TriggeredRun { metadata: { name: string }; spec: { parameters?: Record<string, unknown>; trigger?: { type: string; user?: string; payload?: Payload } } }
interface Status extends PollStatus { lastBuildNumber?: number }
const { apply, triggered, status, twoPollsLater } = pollingTrigger<TriggeredRun, Status>(ns, 'on-build', 'packaged');

describe('the jenkins trigger, with the operator as a process', function () {
  this.timeout(240_000);
  const fake = new FakeJenkins({ deployer: 'api-token-1' });
  let jenkins: JenkinsClient;
  let operator: OperatorProcess | undefined;

  /** Starts a build of shop/package and waits until it finished; its number. */
  async function build(version: string): Promise<number> {
    const id = await jenkins.startBuild('shop/package', true, { VERSION: version });
    let number: number | undefined;
    await waitFor(async () => (number = (await jenkins.queueItem(id)).build?.number) !== undefined, 10_000, () => `queue item ${id} never became a build`);
    await waitFor(async () => (await jenkins.build('shop/package', number!)).result !== null, 10_000, () => `build #${number} never finished`);
    return number!;
  }

  before(async () => {
    const base = await fake.start();
    jenkins = new JenkinsClient('ci', base, { credentials: { username: 'deployer', token: 'api-token-1' } });
    fake.job('shop/package', { parameters: [{ name: 'VERSION' }], quietPeriodMs: 50,
      build: (p) => ({ result: p.VERSION === 'broken' ? 'FAILURE' : 'SUCCESS', durationMs: 300,
        artifacts: { 'out/build.properties': `# written by the build\nimage=registry.example.com/shop:${p.VERSION}\ncommit: 5f3a9c1\n` } }) });
    await createNamespace(ns);
    await apply(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'staysail-jenkins' }, data: { ci: `url: ${base}\ncredentialsSecretRef:\n  name: jenkins-ci\n` } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'jenkins-ci' }, stringData: { username: 'deployer', token: 'api-token-1' } },
    );
    operator = await operatorIn(ns);
  });
  after(async () => {
    operator?.child.kill('SIGKILL');
    await fake.close();
    await removeNamespace(ns);
  });

  it('a SUCCESS build starts one run with the property file\'s values; old and FAILURE builds none; nothing twice across a killed operator', async () => {
    await build('1.0');
    await apply(pipeline('on-build', [{ refId: 'pause', type: 'wait', wait: { duration: '1s' } }], {
      parameters: [{ name: 'image' }],
      triggers: [{ name: 'packaged', type: 'jenkins', parameters: { image: '${trigger.payload.properties.image}' },
        jenkins: { master: 'ci', job: 'shop/package', propertyFile: 'out/build.properties', pollInterval: '10s' } }],
    }));
    let s: Status = {};
    await waitFor(async () => (s = await status()).lastBuildNumber !== undefined, 30_000, () => `the first poll recorded nothing: ${JSON.stringify(s)}`);
    assert.deepEqual({ lastBuildNumber: s.lastBuildNumber, lastError: s.lastError }, { lastBuildNumber: 1, lastError: undefined });
    assert.deepEqual(await triggered(), [], 'a build there before the trigger starts nothing');

    const number = await build('2.0');
    await waitFor(async () => (await triggered()).length >= 1, 30_000, () => `the build started no run: ${JSON.stringify(s)}`);
    const [run] = await triggered();
    assert.equal(run!.spec.trigger?.type, 'jenkins');
    assert.equal(run!.spec.trigger?.user, 'trigger:packaged');
    assert.deepEqual(run!.spec.trigger?.payload, { master: 'ci', job: 'shop/package', buildNumber: number, result: 'SUCCESS',
      url: `${jenkins.baseUrl}/job/shop/job/package/${number}/`, parameters: { VERSION: '2.0' },
      properties: { image: 'registry.example.com/shop:2.0', commit: '5f3a9c1' } });
    assert.deepEqual(run!.spec.parameters, { image: 'registry.example.com/shop:2.0' });

    const failed = await build('broken');
    s = await twoPollsLater();
    assert.deepEqual({ lastBuildNumber: s.lastBuildNumber, lastError: s.lastError }, { lastBuildNumber: failed, lastError: undefined });
    assert.equal((await triggered()).length, 1, 'a FAILURE build starts no run');

    operator!.child.kill('SIGKILL');
    const meanwhile = await build('2.1');
    operator = await operatorIn(ns);
    await waitFor(async () => (await triggered()).length >= 2, 30_000, () => 'the build that succeeded while the operator was down started no run');
    await twoPollsLater();
    const numbers = (await triggered()).map((r) => r.spec.trigger!.payload!.buildNumber).sort((a, b) => a - b);
    assert.deepEqual(numbers, [number, meanwhile], 'one run per SUCCESS build, none again after the operator was replaced');
  });
});
