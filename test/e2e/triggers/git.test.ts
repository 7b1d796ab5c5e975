// The git trigger with the operator as a process: a GitHub push webhook, signed as GitHub signs it,
// to a branch the trigger names starts a run; the same push under another delivery id starts no second
// one; a push to another branch starts none.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { waitFor } from '../../cluster/probe.ts';
import { githubHeaders, githubPush } from '../../fixtures/git-push.ts';
import { kubectlOk } from '../../support/kubectl.ts';
import { withOperator } from '../../support/namespace.ts';
import { inNamespace, pipeline } from '../../support/runs.ts';
import { sharedCluster } from '../../support/setup.ts';
import type { OperatorProcess } from '../../support/operator-process.ts';

const ns = `gitpush-${Date.now().toString(36)}`;
const secret = 'e2e-github-secret';
const { k, apply, getRun } = inNamespace(ns);
const healthAddress = (operator: OperatorProcess) => String(operator.lines.find((l) => l.msg === 'serving probes and metrics')?.health);

describe('the git trigger, with the operator as a process', function () {
  this.timeout(180_000);
  const operator = withOperator(ns, () => kubectlOk(sharedCluster().kubeconfigPath, ['-n', ns, 'create', 'secret', 'generic', 'github', `--from-literal=secret=${secret}`]));
  const push = async (branch: string, delivery: string) => {
    const body = JSON.stringify(githubPush(branch));
    const res = await fetch(`http://${healthAddress(operator())}/webhooks/git/github`, { method: 'POST', body, signal: AbortSignal.timeout(10_000),
      headers: { ...githubHeaders(delivery), 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` } });
    return { status: res.status, body: await res.json() as { runs: string[] } };
  };

  before(async () => {
    await apply(pipeline('deploy', [{ refId: 'a', type: 'wait', wait: { duration: '1s' } }], {
      triggers: [{ name: 'main', type: 'git', git: { source: 'github', project: 'acme', slug: 'shop', branch: 'main', secretRef: { name: 'github' } } }],
    }));
  });

  it('a GitHub push to main starts one run with the commit in its payload; the same push redelivered under another id, or a push to another branch, starts none', async () => {
    let last: Awaited<ReturnType<typeof push>> | undefined;
    await waitFor(async () => (last = await push('main', '5e4c1f60-b0d1-11ef-8a4e-1c2b3a4d5e6f')).status === 202, 30_000,
      () => `the push never started a run: ${JSON.stringify(last)}`);
    const run = await getRun(last!.body.runs[0]!) as unknown as { spec: { trigger: { type: string; payload: Record<string, unknown> } } };
    assert.equal(run.spec.trigger.type, 'git');
    assert.deepEqual([run.spec.trigger.payload.branch, run.spec.trigger.payload.commit, run.spec.trigger.payload.repository],
      ['main', (githubPush('main') as { after: string }).after, 'acme/shop']);

    assert.deepEqual(await push('main', '7a6e3b82-b0d1-11ef-8a4e-1c2b3a4d5e6f'), { status: 202, body: { runs: last!.body.runs } });
    assert.deepEqual(await push('feature/cart', '6f5d2a71-b0d1-11ef-8a4e-1c2b3a4d5e6f'), { status: 200, body: { runs: [] } });
    const runs = (await k(['get', 'pipelineruns', '-l', 'staysail.dev/trigger-type=git', '-o', 'name'])).split('\n').filter(Boolean);
    assert.equal(runs.length, 1);
  });
});
