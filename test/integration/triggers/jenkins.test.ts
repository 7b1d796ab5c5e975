// The jenkins trigger, fired by the Pipeline controller in process against the API server and the
// fake of Jenkins' JSON API (test/fakes/jenkins.ts): the builds there before the trigger are
// recorded without firing; a new SUCCESS build starts one run with its number, parameters and the
// property file's values in the payload; a build still building starts nothing until it finishes;
// a FAILURE build starts none; a restarted controller starts nothing again; a refused token and a
// server the ConfigMap does not name are the trigger's lastError, and polling goes on. Time is a
// real clock with an offset the test moves forward past the poll interval.
import assert from 'node:assert/strict';
import { resources } from '../../../src/api/v1alpha1/index.ts';
import type { TriggerStatus } from '../../../src/api/v1alpha1/pipeline.ts';
import { JenkinsClient } from '../../../src/triggers/jenkins-client.ts';
import { jenkinsEvent } from '../../../src/triggers/jenkins-trigger.ts';
import { triggerRunName } from '../../../src/triggers/run-name.ts';
import { waitFor } from '../../cluster/probe.ts';
import { FakeJenkins } from '../../fakes/jenkins.ts';
import { configMaps, secrets, TriggerHarness } from './harness.ts';

describe('the jenkins trigger, fired by the Pipeline controller against the Jenkins fake', function () {
  this.timeout(180_000);
  const h = new TriggerHarness(`jenkins-trigger-${Date.now().toString(36)}`);
  const ns = h.ns;
  const fake = new FakeJenkins({ deployer: 'api-token-1' });
  const spec = { master: 'ci', job: 'team/app' };
  let jenkins: JenkinsClient;

  before(async () => {
    const base = await fake.start();
    jenkins = new JenkinsClient('ci', base, { credentials: { username: 'deployer', token: 'api-token-1' } });
    fake.job('team/app', { parameters: [{ name: 'VERSION' }], quietPeriodMs: 50,
      build: (p) => ({ result: p.VERSION === 'bad' ? 'FAILURE' : 'SUCCESS', durationMs: p.VERSION === 'slow' ? 4_000 : 100,
        artifacts: { 'out/build.properties': `# from the build\nimage=registry.example.com/app:${p.VERSION}\ncommit: 5f3a9c1\n` } }) });
    await h.open();
    await h.client.create(configMaps, { metadata: { name: 'staysail-jenkins', namespace: ns },
      data: { ci: `url: ${base}\ncredentialsSecretRef:\n  name: jenkins-ci\n` } });
    await h.client.create(secrets, { metadata: { name: 'jenkins-ci', namespace: ns }, stringData: { username: 'deployer', token: 'api-token-1' } });
  });
  after(async () => {
    await h.close();
    await fake.close();
  });

  const client = () => h.client;
  /** Starts a build of team/app and waits until it is a build (finished too, unless slow). */
  async function build(version: string): Promise<number> {
    const id = await jenkins.startBuild('team/app', true, { VERSION: version });
    let number: number | undefined;
    await waitFor(async () => (number = (await jenkins.queueItem(id)).build?.number) !== undefined, 10_000, () => `queue item ${id} never became a build`);
    if (version !== 'slow') await waitFor(async () => (await jenkins.build('team/app', number!)).result !== null, 10_000, () => `build #${number} never finished`);
    return number!;
  }
  const runs = () => h.runs('on-build');
  const status = () => h.triggerStatus('builds', 'on-build');
  const poll = (note: string) => h.poll('builds', 'on-build', note);

  it('one run per new SUCCESS build, with the property file\'s values; none for old, running or failed builds, none twice across a restart', async () => {
    await build('1.0');
    await build('bad');
    await client().create(resources.pipeline, { metadata: { name: 'builds', namespace: ns }, spec: {
      application: 'shop', parameters: [{ name: 'image' }], stages: [{ refId: 'pause', type: 'wait', wait: { duration: '1s' } }],
      triggers: [{ name: 'on-build', type: 'jenkins', parameters: { image: '${trigger.payload.properties.image}' },
        jenkins: { ...spec, propertyFile: 'out/build.properties', pollInterval: '10s' } }] } });
    let s: TriggerStatus | undefined;
    await waitFor(async () => (s = await status())?.lastBuildNumber !== undefined, 30_000, () => `the first poll recorded nothing: ${JSON.stringify(s)}`);
    assert.deepEqual({ lastBuildNumber: s!.lastBuildNumber, polled: s!.polled, lastError: s!.lastError }, { lastBuildNumber: 2, polled: 'ci/team/app', lastError: undefined });
    assert.deepEqual(await runs(), [], 'builds there before the trigger start nothing');

    const slow = await build('slow');
    s = await poll('3 still building');
    assert.equal(s.lastBuildNumber, 2, 'a build still building is not passed');
    assert.deepEqual(await runs(), [], 'nor does it start a run');
    await waitFor(async () => (await jenkins.build('team/app', slow)).result !== null, 10_000, () => 'the slow build never finished');
    s = await poll('3 finished');
    const [run, ...more] = await runs();
    assert.deepEqual(more, [], 'one run');
    assert.equal(run!.metadata.name, triggerRunName('builds', 'on-build', jenkinsEvent(spec, 3)));
    assert.deepEqual(run!.spec?.trigger, { type: 'jenkins', name: 'on-build', user: 'trigger:on-build', payload: {
      master: 'ci', job: 'team/app', buildNumber: 3, result: 'SUCCESS', url: `${jenkins.baseUrl}/job/team/job/app/3/`, parameters: { VERSION: 'slow' },
      properties: { image: 'registry.example.com/app:slow', commit: '5f3a9c1' } } });
    assert.deepEqual(run!.spec?.parameters, { image: 'registry.example.com/app:slow' });
    assert.deepEqual({ lastRun: s.lastRun, lastBuildNumber: s.lastBuildNumber }, { lastRun: run!.metadata.name, lastBuildNumber: 3 });

    await build('bad');
    s = await poll('4 failed');
    assert.equal(s.lastBuildNumber, 4);
    assert.equal((await runs()).length, 1, 'a FAILURE build starts no run');

    await build('1.1');
    await build('1.2');
    s = await poll('5 and 6 succeeded');
    assert.deepEqual((await runs()).map((r) => (r.spec?.trigger?.payload as { buildNumber: number }).buildNumber).sort(), [3, 5, 6]);
    assert.equal(s.lastBuildNumber, 6);

    await h.restart();
    await poll('after a restart');
    assert.equal((await runs()).length, 3, 'a restarted controller starts nothing again');
  });

  it('a refused token and an unknown server are the trigger\'s lastError, and polling goes on once fixed', async () => {
    await client().mergePatch(secrets, ns, 'jenkins-ci', { stringData: { token: 'revoked' } });
    let s = await poll('token revoked');
    assert.match(s.lastError ?? '', /^Pipeline "builds": trigger "on-build": Jenkins "ci" refused job "team\/app" \(.*401\): user "deployer" and its API token are not accepted.*; check the user and API token in the Secret that ConfigMap "staysail-jenkins" names for "ci"/);
    await client().mergePatch(configMaps, ns, 'staysail-jenkins', { data: { ci: null, other: `url: ${jenkins.baseUrl}` } });
    s = await poll('server gone');
    assert.match(s.lastError ?? '', /^Pipeline "builds": trigger "on-build": ConfigMap "staysail-jenkins" in namespace "[^"]+" names no Jenkins server "ci" \(it names other\); add a key "ci"/);
    await client().mergePatch(secrets, ns, 'jenkins-ci', { stringData: { token: 'api-token-1' } });
    await client().mergePatch(configMaps, ns, 'staysail-jenkins', { data: { ci: `url: ${jenkins.baseUrl}\ncredentialsSecretRef:\n  name: jenkins-ci\n` } });
    const meanwhile = await build('1.3');
    s = await poll('fixed');
    assert.equal(s.lastError, undefined);
    assert.equal(s.lastBuildNumber, meanwhile);
    assert.equal((await runs()).length, 4, 'the build that succeeded meanwhile starts its run');
  });
});
