// The git trigger in poll mode with the operator as a process, reading a real git server (git
// http-backend over HTTP on loopback) every 10s: a commit pushed with the git CLI starts one run
// with the repository, branch and commit in its payload, and polls after it start no other.
import assert from 'node:assert/strict';
import { waitFor } from '../../cluster/probe.ts';
import { LocalGitServer } from '../../support/git-server.ts';
import { withOperator } from '../../support/namespace.ts';
import { inNamespace, pipeline } from '../../support/runs.ts';

const ns = `git-poll-${Date.now().toString(36)}`;
const { k, apply } = inNamespace(ns);

interface TriggeredRun { spec: { trigger?: { type: string; payload?: { repository: string; branch: string; commit: string } } } }
interface Status { lastPollTime?: string; lastError?: string; heads?: { branch: string; commit: string }[] }
const triggered = async () => (JSON.parse(await k(['get', 'pipelineruns', '-l', 'staysail.dev/trigger=main-commits', '-o', 'json'])) as { items: TriggeredRun[] }).items;
const status = async () => JSON.parse(await k(['get', 'pipeline', 'on-commit', '-o', 'jsonpath={.status.triggers[0]}']) || '{}') as Status;

describe('the git trigger in poll mode, with the operator as a process', function () {
  this.timeout(180_000);
  let git: LocalGitServer | undefined;
  before(async () => {
    git = await LocalGitServer.start();
    await git.create('shop');
  });
  withOperator(ns);
  after(async () => { await git?.stop(); });

  it('a commit on the polled branch starts one run with the repository, branch and commit', async () => {
    await git!.commit('shop', 'main', 'before the trigger');
    await apply(pipeline('on-commit', [{ refId: 'pause', type: 'wait', wait: { duration: '1s' } }], {
      triggers: [{ name: 'main-commits', type: 'git', git: { branch: 'main', poll: { url: git!.url('shop'), interval: '10s' } } }],
    }));
    let s: Status = {};
    await waitFor(async () => (s = await status()).heads !== undefined, 30_000, () => `the first poll recorded nothing: ${JSON.stringify(s)}`);
    const commit = await git!.commit('shop', 'main', 'after the trigger');
    await waitFor(async () => (await triggered()).length >= 1, 30_000, () => `the commit started no run: ${JSON.stringify(s)}`);
    const polled = (await status()).lastPollTime!;
    await waitFor(async () => Date.parse((s = await status()).lastPollTime ?? '') > Date.parse(polled), 30_000, () => 'no poll after the run');
    const runs = await triggered();
    assert.equal(runs.length, 1, 'one run for the commit');
    assert.deepEqual(runs[0]!.spec.trigger?.payload, { repository: git!.url('shop'), branch: 'main', commit });
    assert.equal(s.lastError, undefined);
  });
});
