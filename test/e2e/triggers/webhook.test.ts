// The webhook trigger with the operator as a process: signed calls to its --health-addr start runs;
// unsigned and replayed (stale) calls are refused with 401 and start none; the same signed request sent
// twice, or replayed under a new delivery id, starts one run.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { waitFor } from '../../cluster/probe.ts';
import { kubectlOk } from '../../support/kubectl.ts';
import { withOperator } from '../../support/namespace.ts';
import type { OperatorProcess } from '../../support/operator-process.ts';
import { inNamespace, pipeline, succeeded, type Run } from '../../support/runs.ts';
import { sharedCluster } from '../../support/setup.ts';

const ns = `webhook-${Date.now().toString(36)}`;
const secret = 'e2e-webhook-secret';
const { k, apply, finished } = inNamespace(ns);

/** Where the operator serves its probes and webhooks (it listens on loopback, on a port it chose). */
function healthAddress(operator: OperatorProcess): string {
  const line = operator.lines.find((l) => l.msg === 'serving probes and metrics');
  if (!line) throw new Error('the operator is not serving yet');
  return String(line.health);
}

/** POSTs a body to the operator; signed with the secret at timestampS when given. */
async function deliver(operator: OperatorProcess, path: string, body: string, sign?: { timestampS: number; secret?: string }, delivery?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(delivery ? { 'x-staysail-delivery': delivery } : {}) };
  if (sign) {
    headers['x-staysail-timestamp'] = String(sign.timestampS);
    headers['x-staysail-signature'] = `sha256=${createHmac('sha256', sign.secret ?? secret).update(`${sign.timestampS}.${body}`).digest('hex')}`;
  }
  const res = await fetch(`http://${healthAddress(operator)}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.json() as { runs: string[]; error?: string } };
}

const triggeredRuns = async () => (await k(['get', 'pipelineruns', '-l', 'staysail.dev/trigger=ci', '-o', 'name'])).split('\n').filter(Boolean);

describe('the webhook trigger, with the operator as a process', function () {
  this.timeout(180_000);
  const operator = withOperator(ns, () => kubectlOk(sharedCluster().kubeconfigPath, ['-n', ns, 'create', 'secret', 'generic', 'ci-hook', `--from-literal=secret=${secret}`]));
  const body = JSON.stringify({ version: '2.7.1', repo: { name: 'shop' } });
  const now = () => Math.floor(Date.now() / 1000);

  before(async () => {
    await apply(pipeline('release', [{ refId: 'a', type: 'wait', wait: { duration: '1s' } }], {
      parameters: [{ name: 'version', required: true }],
      triggers: [{ name: 'ci', type: 'webhook', webhook: { source: 'ci', secretRef: { name: 'ci-hook' }, payloadConstraints: { 'repo.name': 'shop' } },
        parameters: { version: '${trigger.payload.version}' } }],
    }));
  });

  it('a signed call starts a run with the payload and the parameters evaluated over it, and the run succeeds', async () => {
    let last: Awaited<ReturnType<typeof deliver>> | undefined;
    // The Pipeline reaches the operator's cache through its watch: until then nothing matches (200).
    await waitFor(async () => (last = await deliver(operator(), `/webhooks/${ns}/ci`, body, { timestampS: now() }, 'first')).status === 202, 30_000,
      () => `the signed webhook never started a run: ${JSON.stringify(last)}`);
    assert.equal(last!.body.runs.length, 1);
    const run = await finished(last!.body.runs[0]!) as Run & { spec: { parameters: object; trigger: object }; metadata: { labels: Record<string, string> } };
    assert.equal(succeeded(run)?.status, 'True');
    assert.deepEqual(run.spec.parameters, { version: '2.7.1' });
    assert.deepEqual(run.spec.trigger, { type: 'webhook', name: 'ci', user: 'trigger:ci', payload: JSON.parse(body) });
    assert.equal(run.metadata.labels['staysail.dev/trigger-type'], 'webhook');
  });

  it('unsigned, wrongly signed and replayed (stale timestamp) calls get 401 and start nothing', async () => {
    const before = await triggeredRuns();
    for (const sign of [undefined, { timestampS: now(), secret: 'guess' }, { timestampS: now() - 600 }]) {
      const res = await deliver(operator(), `/webhooks/${ns}/ci`, body, sign, `refused-${sign?.timestampS ?? 'none'}`);
      assert.equal(res.status, 401, JSON.stringify(res.body));
    }
    assert.deepEqual(await triggeredRuns(), before);
  });

  it('the same signed request sent twice, or replayed under a new delivery id, starts one run; a payload the constraints refuse starts none', async () => {
    const before = await triggeredRuns();
    // Another body than the first test's, so this event is new even within the same second.
    const sent = JSON.stringify({ version: '2.7.2', repo: { name: 'shop' } });
    const sign = { timestampS: now() };
    const first = await deliver(operator(), `/webhooks/${ns}/ci`, sent, sign, 'twice');
    const second = await deliver(operator(), `/webhooks/${ns}/ci`, sent, sign, 'twice');
    const replayed = await deliver(operator(), `/webhooks/${ns}/ci`, sent, sign, 'replayed');
    assert.deepEqual([first.status, second.status, replayed.status], [202, 202, 202]);
    assert.deepEqual(second.body.runs, first.body.runs);
    assert.deepEqual(replayed.body.runs, first.body.runs);
    const other = JSON.stringify({ version: '1', repo: { name: 'blog' } });
    assert.deepEqual(await deliver(operator(), `/webhooks/${ns}/ci`, other, { timestampS: now() }, 'blog'), { status: 200, body: { runs: [] } });
    assert.equal((await triggeredRuns()).length, before.length + 1);
  });
});
