// The docker trigger, fired by the Pipeline controller in process against the API server and a real
// registry (Debian's docker-registry behind the bearer-token flow, images pushed with crane): the
// images there before the trigger are recorded without firing; a pushed tag starts one run with the
// tag and digest in its payload; the same digest pushed again starts none, a new digest one; a
// restarted controller starts nothing again; refused credentials are the trigger's lastError and
// polling goes on. Time is a real clock with an offset the test moves forward past the poll interval.
import assert from 'node:assert/strict';
import { resources } from '../../../src/api/v1alpha1/index.ts';
import type { TriggerStatus } from '../../../src/api/v1alpha1/pipeline.ts';
import { dockerEvent } from '../../../src/triggers/docker.ts';
import { triggerRunName } from '../../../src/triggers/run-name.ts';
import { waitFor } from '../../cluster/probe.ts';
import { LocalRegistry } from '../../support/registry.ts';
import { secrets, TriggerHarness } from './harness.ts';

describe('the docker trigger, fired by the Pipeline controller against a real registry', function () {
  this.timeout(180_000);
  const h = new TriggerHarness(`docker-${Date.now().toString(36)}`);
  const ns = h.ns;
  let registry: LocalRegistry | undefined;

  before(async () => {
    registry = await LocalRegistry.start({ auth: 'token' });
    await h.open();
  });
  after(async () => {
    await h.close();
    await registry?.stop();
  });

  const client = () => h.client;
  const runs = () => h.runs('on-push');
  const status = () => h.triggerStatus('images', 'on-push');
  const poll = (note: string) => h.poll('images', 'on-push', note);
  const setPassword = (password: string) => client().mergePatch(secrets, ns, 'registry-pull', { stringData: { password } });

  it('one run per new (tag, digest), none for the images already there or the same digest again, none twice across a restart', async () => {
    const user = Object.keys(registry!.users)[0]!;
    const before = await registry!.push('team/app', '1.0', { 'app.txt': 'one' });
    await client().create(secrets, { metadata: { name: 'registry-pull', namespace: ns }, stringData: { username: user, password: registry!.users[user]! } });
    await client().create(resources.pipeline, { metadata: { name: 'images', namespace: ns }, spec: {
      application: 'shop', parameters: [{ name: 'image' }], stages: [{ refId: 'pause', type: 'wait', wait: { duration: '1s' } }],
      triggers: [{ name: 'on-push', type: 'docker', parameters: { image: '${trigger.payload.tag}@${trigger.payload.digest}' },
        docker: { registry: registry!.host, repository: 'team/app', pollInterval: '10s', secretRef: { name: 'registry-pull' } } }] } });
    let s: TriggerStatus | undefined;
    await waitFor(async () => (s = await status())?.images !== undefined, 30_000, () => `the first poll recorded nothing: ${JSON.stringify(s)}`);
    assert.deepEqual(s!.images, [{ tag: '1.0', digest: before }]);
    assert.equal(s!.lastError, undefined);
    assert.deepEqual(await runs(), [], 'images there before the trigger start nothing');

    const pushed = await registry!.push('team/app', '1.1', { 'app.txt': 'one point one' });
    await registry!.copy('team/app', '1.1', 'latest');
    s = await poll('1.1 pushed');
    const [run, ...more] = await runs();
    assert.deepEqual(more, [], 'one run (latest matches no pattern-less trigger)');
    assert.equal(run!.metadata.name, triggerRunName('images', 'on-push', dockerEvent({ tag: '1.1', digest: pushed })));
    assert.deepEqual(run!.spec?.trigger, { type: 'docker', name: 'on-push', user: 'trigger:on-push',
      payload: { registry: registry!.host, repository: 'team/app', tag: '1.1', digest: pushed } });
    assert.deepEqual(run!.spec?.parameters, { image: `1.1@${pushed}` });
    assert.equal(s.lastRun, run!.metadata.name);

    assert.equal(await registry!.push('team/app', '1.1', { 'app.txt': 'one point one' }), pushed, 'the same content, the same digest');
    await poll('1.1 pushed again, same digest');
    assert.equal((await runs()).length, 1, 'the same digest starts no run');

    const repushed = await registry!.push('team/app', '1.1', { 'app.txt': 'one point one, fixed' });
    s = await poll('1.1 pushed again, new digest');
    assert.deepEqual((await runs()).map((r) => (r.spec?.trigger?.payload as { digest: string }).digest), [pushed, repushed]);
    assert.deepEqual(s.images, [{ tag: '1.1', digest: repushed }, { tag: '1.0', digest: before }]);

    await h.restart();
    await poll('after a restart');
    assert.equal((await runs()).length, 2, 'a restarted controller starts nothing again');
  });

  it('refused credentials are the trigger\'s lastError, and polling goes on once they are fixed', async () => {
    const user = Object.keys(registry!.users)[0]!;
    await setPassword('wrong');
    let s = await poll('wrong password');
    assert.match(s.lastError ?? '', /^Pipeline "images": trigger "on-push": registry 127\.0\.0\.1:\d+, repository "team\/app": .*refused the credentials of user "tester".*check the username and password in the trigger's Secret/);
    await setPassword(registry!.users[user]!);
    const fixed = await registry!.push('team/app', '1.2', { 'app.txt': 'one point two' });
    s = await poll('password fixed');
    assert.equal(s.lastError, undefined);
    assert.equal((await runs()).length, 3, 'the image pushed meanwhile starts its run');
    assert.equal(s.images?.[0]?.digest, fixed);
  });
});
