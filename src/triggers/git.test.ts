import assert from 'node:assert/strict';
import { bitbucketHeaders, bitbucketPush, githubHeaders, githubPush, gitlabHeaders, gitlabPush } from '../../test/fixtures/git-push.ts';
import { fakeWorld, pipelineWith, post } from './fake-world.test-support.ts';
import { receivePush } from './git.ts';
import { readPush } from './git-push.ts';
import { hmacSha256Hex } from './signatures.ts';

const commit = 'f4a2c6b1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5';
const call = (source: string, body: object, headers: Record<string, string>) =>
  post(`/webhooks/git/${source}`, { source }, JSON.stringify(body), headers);
const parse = (r: { body?: string | Buffer }) => JSON.parse(String(r.body)) as { runs: string[]; error?: string; ignored?: string };

describe('reading push webhooks in each host\'s shape', () => {
  it('GitHub: owner and repository, the branch without refs/heads/, the commit, its message and the pusher', () => {
    assert.deepEqual(readPush('github', githubHeaders('g-1'), githubPush('main')), { pushes: [{ source: 'github', project: 'acme', slug: 'shop',
      repository: 'acme/shop', url: 'https://github.com/acme/shop', branch: 'main', ref: 'refs/heads/main', commit,
      message: 'checkout: retry the payment once', pusher: 'ana' }] });
  });
  it('GitLab: a subgroup path is the project, the last segment the slug; the checked-out commit\'s message', () => {
    assert.deepEqual(readPush('gitlab', gitlabHeaders('l-1'), gitlabPush('release/2.0')), { pushes: [{ source: 'gitlab', project: 'platform/payments',
      slug: 'ledger', repository: 'platform/payments/ledger', url: 'https://gitlab.example.com/platform/payments/ledger', branch: 'release/2.0',
      ref: 'refs/heads/release/2.0', commit, message: 'ledger: close the month in UTC\n', pusher: 'jsmith' }] });
  });
  it('Bitbucket Cloud: workspace and repository slug from full_name, each branch change a push', () => {
    assert.deepEqual(readPush('bitbucket', bitbucketHeaders('b-1'), bitbucketPush('main')), { pushes: [{ source: 'bitbucket', project: 'acme-labs',
      slug: 'web-app', repository: 'acme-labs/web-app', url: 'https://bitbucket.org/acme-labs/web-app', branch: 'main', ref: 'refs/heads/main', commit,
      message: 'web: lazy-load the cart\n', pusher: 'mei' }] });
  });

  const ignored: [string, ReturnType<typeof readPush>, RegExp][] = [
    ['GitHub\'s ping', readPush('github', { ...githubHeaders('g'), 'x-github-event': 'ping' }, { zen: 'Design for failure.', hook_id: 1 }), /"ping" is not a push/],
    ['a GitHub tag', readPush('github', githubHeaders('g'), { ...githubPush('x'), ref: 'refs/tags/v1.0.0' }), /refs\/tags\/v1.0.0 is not a branch/],
    ['a deleted GitHub branch', readPush('github', githubHeaders('g'), { ...githubPush('old'), deleted: true, after: '0'.repeat(40) }), /branch old was deleted/],
    ['a deleted GitLab branch', readPush('gitlab', gitlabHeaders('l'), { ...gitlabPush('old'), checkout_sha: null, after: '0'.repeat(40) }), /branch old was deleted/],
    ['a GitLab Tag Push Hook', readPush('gitlab', { ...gitlabHeaders('l'), 'x-gitlab-event': 'Tag Push Hook' }, { object_kind: 'tag_push' }), /not a Push Hook/],
    ['a deleted Bitbucket branch', readPush('bitbucket', bitbucketHeaders('b'), { ...bitbucketPush('old'), push: { changes: [{ new: null, closed: true }] } }),
      /moved no branch/],
    ['a Bitbucket pull request event', readPush('bitbucket', { ...bitbucketHeaders('b'), 'x-event-key': 'pullrequest:created' }, {}), /not repo:push/],
  ];
  for (const [what, got, why] of ignored) {
    it(`${what} starts nothing`, () => assert.match((got as { ignored: string }).ignored ?? '', why));
  }
  it('a push without the fields a host always sends is invalid', () => {
    assert.match((readPush('github', githubHeaders('g'), { ref: 'refs/heads/main' }) as { invalid: string }).invalid, /needs ref, after and repository.full_name/);
  });
});

describe('the git trigger', () => {
  const gh = pipelineWith('shop', 'release', [{ name: 'on-main', type: 'git', enabled: true,
    git: { source: 'github', project: 'Acme', slug: 'shop', branch: 'main|release-.*', secretRef: { name: 'gh', key: 'token' } },
    parameters: { sha: '${trigger.payload.commit}' } }]);
  const gl = pipelineWith('payments', 'ledger', [{ name: 'push', type: 'git', enabled: true,
    git: { source: 'gitlab', project: 'platform/payments', slug: 'ledger', secretRef: { name: 'gl' } } }]);
  const bb = pipelineWith('web', 'web', [{ name: 'push', type: 'git', enabled: true, git: { source: 'bitbucket', project: 'acme-labs', slug: 'web-app' } }]);
  const world = () => fakeWorld([gh, gl, bb], { 'shop/gh': { token: 'gh-secret' }, 'payments/gl': { secret: 'gl-token' } });
  const githubSigned = (body: object, delivery: string, secret = 'gh-secret') =>
    ({ ...githubHeaders(delivery), 'x-hub-signature-256': `sha256=${hmacSha256Hex(secret, JSON.stringify(body))}` });

  it('a signed GitHub push to a matching branch starts one run in the Pipeline\'s namespace; a redelivery, under any delivery id, starts none', async () => {
    const w = world();
    const body = githubPush('release-2.0');
    const res = await receivePush(w.deps, call('github', body, githubSigned(body, 'g-1')));
    assert.equal(res.status, 202);
    const [name] = parse(res).runs;
    const run = w.runs.get(`shop/${name}`)!;
    assert.deepEqual(run.spec?.parameters, { sha: commit });
    assert.deepEqual(run.spec?.trigger, { type: 'git', name: 'on-main', user: 'trigger:on-main', payload: { source: 'github', project: 'acme', slug: 'shop',
      repository: 'acme/shop', url: 'https://github.com/acme/shop', branch: 'release-2.0', ref: 'refs/heads/release-2.0', commit,
      message: 'checkout: retry the payment once', pusher: 'ana' } });
    for (const delivery of ['g-1', 'g-replayed']) {
      const again = await receivePush(w.deps, call('github', body, githubSigned(body, delivery)));
      assert.deepEqual([again.status, parse(again).runs], [202, [name]], delivery);
    }
    assert.equal(w.runs.size, 1);
    // The next commit on the branch is another event.
    const next = githubPush('release-2.0', 'a'.repeat(40));
    const res2 = await receivePush(w.deps, call('github', next, githubSigned(next, 'g-2')));
    assert.equal(res2.status, 202);
    assert.notDeepEqual(parse(res2).runs, [name]);
    assert.equal(w.runs.size, 2);
  });

  it('a GitHub push to another branch, or to another repository, starts nothing (200)', async () => {
    const w = world();
    for (const body of [githubPush('feature/x'), githubPush('mainline'), { ...githubPush('main'), repository: { ...(githubPush('main').repository as object), full_name: 'acme/blog', name: 'blog' } }]) {
      const res = await receivePush(w.deps, call('github', body, githubSigned(body, 'g-2')));
      assert.deepEqual([res.status, parse(res).runs], [200, []]);
    }
    assert.equal(w.runs.size, 0);
  });

  it('a GitHub push with a missing, malformed or wrong X-Hub-Signature-256 gets 401; only the wrong one costs a Secret read', async () => {
    const w = world();
    const body = githubPush('main');
    const cases: [Record<string, string>, string[]][] = [
      [githubHeaders('g-3'), []],
      [{ ...githubHeaders('g-3'), 'x-hub-signature-256': 'sha1=0123' }, []],
      [githubSigned(body, 'g-3', 'guess'), ['shop/gh']],
    ];
    for (const [headers, reads] of cases) {
      w.secretReads.length = 0;
      const res = await receivePush(w.deps, call('github', body, headers));
      assert.equal(res.status, 401);
      assert.match(parse(res).error!, /X-Hub-Signature-256/);
      assert.deepEqual(w.secretReads, reads);
    }
    assert.equal(w.runs.size, 0);
  });

  it('GitLab: the X-Gitlab-Token must be the secret; any branch when the trigger names none', async () => {
    const w = world();
    const body = gitlabPush('hotfix');
    assert.equal((await receivePush(w.deps, call('gitlab', body, gitlabHeaders('l-1', 'nope')))).status, 401);
    w.secretReads.length = 0;
    assert.equal((await receivePush(w.deps, call('gitlab', body, gitlabHeaders('l-1')))).status, 401);
    assert.deepEqual(w.secretReads, [], 'a push without a token reads no Secret');
    const res = await receivePush(w.deps, call('gitlab', body, gitlabHeaders('l-1', 'gl-token')));
    assert.equal(res.status, 202);
    assert.ok(w.runs.has(`payments/${parse(res).runs[0]}`));
  });

  it('Bitbucket: an unsigned push to a trigger without a secret; the same push under another X-Request-UUID is the same event', async () => {
    const w = world();
    const body = bitbucketPush('main');
    const first = parse(await receivePush(w.deps, call('bitbucket', body, bitbucketHeaders('b-1'))));
    const again = parse(await receivePush(w.deps, call('bitbucket', body, bitbucketHeaders('b-1'))));
    const otherId = parse(await receivePush(w.deps, call('bitbucket', body, bitbucketHeaders('b-2'))));
    assert.deepEqual(again, first);
    assert.deepEqual(otherId, first);
    assert.equal(w.runs.size, 1);
    const next = bitbucketPush('main', 'b'.repeat(40));
    assert.notDeepEqual(parse(await receivePush(w.deps, call('bitbucket', next, bitbucketHeaders('b-3')))), first);
    assert.equal(w.runs.size, 2);
  });

  it('an unknown host is 404; a ping is answered 200 with why nothing started', async () => {
    const w = world();
    assert.equal((await receivePush(w.deps, call('gitea', {}, {}))).status, 404);
    const ping = await receivePush(w.deps, call('github', { zen: 'Keep it logically awesome.' }, { ...githubHeaders('p'), 'x-github-event': 'ping' }));
    assert.deepEqual([ping.status, parse(ping)], [200, { runs: [], ignored: 'GitHub event "ping" is not a push' }]);
  });
});
