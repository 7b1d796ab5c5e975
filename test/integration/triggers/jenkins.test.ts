// The jenkins trigger, fired by the Pipeline controller in process against the API server and the
// fake of Jenkins' JSON API (test/fakes/jenkins.ts): the builds there before the trigger are
// recorded without firing; a new SUCCESS build starts one run with its number, parameters and the
// property file's values in the payload; a build still building starts nothing until it finishes;
// a FAILURE build starts none; a restarted controller starts nothing again; a refused token and a
// server the ConfigMap does not name are the trigger's lastError, and polling goes on. Time is a
// real clock with an offset the test moves forward past the poll interval.
import assert from 'node:assert/strict';
import { resources } from '../../../src/api/v1alpha1/index.ts';
import { triggerLabel } from '../../../src/api/v1alpha1/labels.ts';
import type { TriggerStatus } from '../../../src/api/v1alpha1/pipeline.ts';
import { registerControllers } from '../../../src/controllers/index.ts';
import { realClock, type Clock } from '../../../src/core/clock.ts';
import type { KubeObject, ResourceType } from '../../../src/core/kube-client.ts';
import type { Manager } from '../../../src/core/manager.ts';
import { KubernetesProvider } from '../../../src/providers/kubernetes/provider.ts';
import { ProviderRegistry } from '../../../src/providers/registry.ts';
import { JenkinsClient } from '../../../src/triggers/jenkins-client.ts';
import { jenkinsEvent } from '../../../src/triggers/jenkins-trigger.ts';
import { triggerRunName } from '../../../src/triggers/run-name.ts';
import { waitFor } from '../../cluster/probe.ts';
import { FakeJenkins } from '../../fakes/jenkins.ts';
import { createNamespace, removeNamespace } from '../../support/namespace.ts';
import { testManager } from '../core/manager-harness.ts';

type Run = KubeObject<{ pipelineRef: { name: string }; parameters?: Record<string, unknown>; trigger?: Record<string, unknown> }>;
type Pipeline = KubeObject<Record<string, unknown>, { observedGeneration?: number; triggers?: TriggerStatus[] }>;
const secrets: ResourceType = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };
const configMaps: ResourceType = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

/** A real clock whose time the test moves forward. */
class OffsetClock implements Clock {
  offset = 0;
  now(): number { return Date.now() + this.offset; }
  setTimer(ms: number, fn: () => void) { return realClock.setTimer(ms, fn); }
  advance(ms: number) { this.offset += ms; }
}

describe('the jenkins trigger, fired by the Pipeline controller against the Jenkins fake', function () {
  this.timeout(180_000);
  const ns = `jenkins-trigger-${Date.now().toString(36)}`;
  const clock = new OffsetClock();
  const fake = new FakeJenkins({ deployer: 'api-token-1' });
  const spec = { master: 'ci', job: 'team/app' };
  let jenkins: JenkinsClient;
  let manager: Manager | undefined;

  async function startManager(): Promise<Manager> {
    const m = testManager(ns, {}, clock);
    registerControllers(m, new ProviderRegistry().register(new KubernetesProvider(m.client, clock)));
    await m.start();
    return m;
  }

  before(async () => {
    const base = await fake.start();
    jenkins = new JenkinsClient('ci', base, { credentials: { username: 'deployer', token: 'api-token-1' } });
    fake.job('team/app', { parameters: [{ name: 'VERSION' }], quietPeriodMs: 50,
      build: (p) => ({ result: p.VERSION === 'bad' ? 'FAILURE' : 'SUCCESS', durationMs: p.VERSION === 'slow' ? 4_000 : 100,
        artifacts: { 'out/build.properties': `# from the build\nimage=registry.example.com/app:${p.VERSION}\ncommit: 5f3a9c1\n` } }) });
    await createNamespace(ns);
    manager = await startManager();
    await manager.client.create(configMaps, { metadata: { name: 'staysail-jenkins', namespace: ns },
      data: { ci: `url: ${base}\ncredentialsSecretRef:\n  name: jenkins-ci\n` } });
    await manager.client.create(secrets, { metadata: { name: 'jenkins-ci', namespace: ns }, stringData: { username: 'deployer', token: 'api-token-1' } });
  });
  after(async () => {
    await manager?.stop();
    await fake.close();
    await removeNamespace(ns);
  });

  const client = () => manager!.client;
  /** Starts a build of team/app and waits until it is a build (finished too, unless slow). */
  async function build(version: string): Promise<number> {
    const id = await jenkins.startBuild('team/app', true, { VERSION: version });
    let number: number | undefined;
    await waitFor(async () => (number = (await jenkins.queueItem(id)).build?.number) !== undefined, 10_000, () => `queue item ${id} never became a build`);
    if (version !== 'slow') await waitFor(async () => (await jenkins.build('team/app', number!)).result !== null, 10_000, () => `build #${number} never finished`);
    return number!;
  }
  const runs = async () => (await client().list<Run>(resources.pipelineRun, ns, { labelSelector: `${triggerLabel}=on-build` })).items
    .sort((a, b) => a.metadata.creationTimestamp!.localeCompare(b.metadata.creationTimestamp!) || a.metadata.name.localeCompare(b.metadata.name));
  const status = async () => (await client().get<Pipeline>(resources.pipeline, ns, 'builds')).status?.triggers?.find((t) => t.name === 'on-build');
  /** Moves past the poll interval, changes the Pipeline, and waits for a pass that polled. */
  async function poll(note: string): Promise<TriggerStatus> {
    clock.advance(11_000);
    const due = clock.now();
    const p = await client().mergePatch<Pipeline>(resources.pipeline, ns, 'builds', { spec: { description: note } });
    let s: TriggerStatus | undefined;
    await waitFor(async () => {
      const got = await client().get<Pipeline>(resources.pipeline, ns, 'builds');
      s = got.status?.triggers?.find((t) => t.name === 'on-build');
      return got.status?.observedGeneration === p.metadata.generation && Date.parse(s?.lastPollTime ?? '') >= due - 1000;
    }, 30_000, () => `no poll after "${note}": ${JSON.stringify(s)}`);
    return s!;
  }

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

    await manager!.stop();
    manager = await startManager();
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
