// The git trigger in poll mode, fired by the Pipeline controller in process against the API server
// and a real git server (git http-backend over HTTP on loopback): the heads there before the trigger
// are recorded without firing; a commit pushed with the git CLI starts one run with the repository,
// branch and commit in its payload; a branch the pattern does not match starts none; a restarted
// controller starts nothing again; a repository that does not exist is the trigger's lastError.
import assert from 'node:assert/strict';
import { resources } from '../../../src/api/v1alpha1/index.ts';
import type { TriggerStatus } from '../../../src/api/v1alpha1/pipeline.ts';
import { gitEvent } from '../../../src/triggers/git-poll.ts';
import { triggerRunName } from '../../../src/triggers/run-name.ts';
import { waitFor } from '../../cluster/probe.ts';
import { LocalGitServer } from '../../support/git-server.ts';
import { TriggerHarness, type Pipeline } from './harness.ts';

describe('the git trigger in poll mode, fired by the Pipeline controller against a real git server', function () {
  this.timeout(180_000);
  const h = new TriggerHarness(`git-poll-${Date.now().toString(36)}`);
  const ns = h.ns;
  let git: LocalGitServer | undefined;

  before(async () => {
    git = await LocalGitServer.start();
    await h.open();
  });
  after(async () => {
    await h.close();
    await git?.stop();
  });

  const client = () => h.client;
  const runs = (trigger: string) => h.runs(trigger);
  const status = (pipeline: string) => h.triggerStatus(pipeline);
  const poll = (pipeline: string, note: string) => h.poll(pipeline, undefined, note);
  const pipeline = (name: string, trigger: Record<string, unknown>) => client().create(resources.pipeline, { metadata: { name, namespace: ns }, spec: {
    application: 'shop', parameters: [{ name: 'commit' }], stages: [{ refId: 'pause', type: 'wait', wait: { duration: '1s' } }],
    triggers: [{ name: 'main-commits', type: 'git', parameters: { commit: '${trigger.payload.commit}' }, git: trigger }] } });

  it('a commit on the polled branch starts one run; other branches, old heads and a restart start none', async () => {
    await git!.create('shop');
    const first = await git!.commit('shop', 'main', 'first');
    await pipeline('on-commit', { branch: 'main', poll: { url: git!.url('shop'), interval: '10s' } });
    let s: TriggerStatus | undefined;
    await waitFor(async () => (s = await status('on-commit'))?.heads !== undefined, 30_000, () => `the first poll recorded nothing: ${JSON.stringify(s)}`);
    assert.deepEqual(s!.heads, [{ branch: 'main', commit: first }]);
    assert.equal(s!.lastError, undefined);
    assert.equal((await client().get<Pipeline>(resources.pipeline, ns, 'on-commit')).status?.conditions?.some((c) => c.type === 'FieldsActedOn'), false);

    const second = await git!.commit('shop', 'main', 'second');
    await git!.commit('shop', 'feature', 'elsewhere');
    s = await poll('on-commit', 'second commit');
    const [run, ...more] = await runs('main-commits');
    assert.deepEqual(more, [], 'one run: the feature branch does not match');
    assert.equal(run!.metadata.name, triggerRunName('on-commit', 'main-commits', gitEvent({ branch: 'main', commit: second })));
    assert.deepEqual(run!.spec?.trigger, { type: 'git', name: 'main-commits', user: 'trigger:main-commits',
      payload: { repository: git!.url('shop'), branch: 'main', commit: second } });
    assert.deepEqual(run!.spec?.parameters, { commit: second });
    assert.deepEqual(s.heads, [{ branch: 'main', commit: second }]);

    await poll('on-commit', 'nothing new');
    await h.restart();
    await poll('on-commit', 'after a restart');
    assert.equal((await runs('main-commits')).length, 1, 'no commit starts a second run');
  });

  it('a git trigger names the webhook mode or the poll mode, not both nor neither', async () => {
    for (const [name, block] of [['both', { source: 'github', project: 'acme', slug: 'shop', poll: { url: git!.url('shop') } }], ['neither', { branch: 'main' }]] as const) {
      await assert.rejects(pipeline(name, block), /a git trigger either names source, project and slug \(webhook mode\) or poll \(poll mode\), not both/, name);
    }
  });

  it('a repository that does not exist is the trigger\'s lastError, naming the URL and the fix', async () => {
    await pipeline('missing', { poll: { url: `${git!.base}/nowhere.git`, interval: '10s' } });
    let s: TriggerStatus | undefined;
    await waitFor(async () => (s = await status('missing'))?.lastError !== undefined, 30_000, () => `no error recorded: ${JSON.stringify(s)}`);
    assert.match(s!.lastError!, /^Pipeline "missing": trigger "main-commits": repository http:\/\/127\.0\.0\.1:\d+\/nowhere\.git does not exist \(HTTP 404\): check git\.poll\.url/);
  });
});
