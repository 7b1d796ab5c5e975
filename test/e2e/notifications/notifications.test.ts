// Notifications with the operator as a process, sent to HTTP receivers this test runs on loopback:
// a failing run sends its Slack message and its signed webhook once each, naming the failing stage,
// and its Application's Event; a waiting judgment sends its notification; a receiver that fails at
// first gets the message on a retry, under the same delivery id.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkStaysailSignature } from '../../../src/triggers/signatures.ts';
import { waitFor } from '../../cluster/probe.ts';
import { kubectlOk } from '../../support/kubectl.ts';
import { withOperator } from '../../support/namespace.ts';
import { api, inNamespace, pipeline, run, stage, succeeded, type Run } from '../../support/runs.ts';
import { sharedCluster } from '../../support/setup.ts';

const ns = `notify-${Date.now().toString(36)}`;
const signingSecret = 'e2e-notify-secret';
const { k, apply, getRun, finished } = inNamespace(ns);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Received { path: string; headers: IncomingHttpHeaders; body: string; json: Record<string, unknown> }

/** One HTTP server on 127.0.0.1 for every receiver: records each POST by path; /flaky answers 503 to a delivery id's first attempt. */
class Receivers {
  readonly got: Received[] = [];
  private server?: Server;
  url = '';
  async start(): Promise<void> {
    const attempts = new Map<string, number>();
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
        const body = Buffer.concat(chunks).toString();
        this.got.push({ path: req.url ?? '', headers: req.headers, body, json: JSON.parse(body) as Record<string, unknown> });
        const id = String(req.headers['x-staysail-delivery']);
        const n = (attempts.get(id) ?? 0) + 1;
        attempts.set(id, n);
        res.writeHead(req.url === '/flaky' && n === 1 ? 503 : 200).end(req.url === '/slack' ? 'ok' : '');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  at(path: string): Received[] { return this.got.filter((g) => g.path === path); }
  stop(): Promise<unknown> { return new Promise((r) => this.server ? this.server.close(r) : r(undefined)); }
}

type NotifiedRun = Run & { status: { notifications?: { id: string; channel: string; event: string; state: string; attempts: number; lastError?: string }[] } };

describe('notifications, with the operator as a process', function () {
  this.timeout(180_000);
  const receivers = new Receivers();
  before(() => receivers.start());
  after(() => receivers.stop());
  withOperator(ns, async () => {
    const kc = sharedCluster().kubeconfigPath;
    await kubectlOk(kc, ['-n', ns, 'create', 'secret', 'generic', 'slack-hook', `--from-literal=url=${receivers.url}/slack`]);
    await kubectlOk(kc, ['-n', ns, 'create', 'secret', 'generic', 'hook-signing', `--from-literal=secret=${signingSecret}`]);
  });

  it('a failing run sends its Slack message and its signed webhook once each, naming the failing stage, and its Application\'s Event', async () => {
    await apply({ apiVersion: api, kind: 'Application', metadata: { name: 'demo' }, spec: { notifications: [{ type: 'event', when: ['pipeline.failed'] }] } });
    await apply(pipeline('release', [
      { refId: 'build', type: 'wait', wait: { duration: '1s' } },
      { refId: 'deploy', name: 'Deploy', type: 'checkPreconditions', requisiteStageRefIds: ['build'],
        checkPreconditions: { preconditions: [{ expression: '${1 == 2}', message: 'the cluster is frozen' }] } },
    ], { notifications: [
      { type: 'slack', address: '#releases', secretRef: { name: 'slack-hook' }, when: ['pipeline.failed'] },
      { type: 'webhook', address: `${receivers.url}/hook`, secretRef: { name: 'hook-signing' }, when: ['pipeline.failed', 'stage.complete'] },
    ] }), run('release-1', 'release'));
    const r = await finished('release-1');
    assert.equal(succeeded(r)?.reason, 'Failed');
    await waitFor(async () => receivers.at('/slack').length >= 1 && receivers.at('/hook').length >= 2, 30_000,
      () => `not delivered: ${JSON.stringify(receivers.got.map((g) => g.path))}`);
    await sleep(3000); // and nothing again
    const [slack] = receivers.at('/slack');
    assert.equal(receivers.at('/slack').length, 1);
    const text = String(slack!.json.text);
    assert.match(text, /^Pipeline "release" run "release-1" failed: stage "deploy" \(Deploy\) ended TERMINAL: .*the cluster is frozen/);
    const blocks = slack!.json.blocks as { type: string }[];
    assert.deepEqual(blocks.map((b) => b.type), ['header', 'section', 'section', 'section', 'context']);

    // Deliveries due in the same pass are sent together: they may arrive in any order.
    const hooks = receivers.at('/hook').sort((a, b) => String(a.json.event).localeCompare(String(b.json.event)));
    assert.deepEqual(hooks.map((h) => [h.json.event, (h.json.stage as { refId: string }).refId]), [['pipeline.failed', 'deploy'], ['stage.complete', 'build']]);
    for (const h of hooks) {
      assert.equal(checkStaysailSignature(h.headers, Buffer.from(h.body), Buffer.from(signingSecret), Date.now()), undefined, 'signed with the Secret');
      assert.equal(h.headers['x-staysail-delivery'], h.json.id);
    }
    const failed = hooks[0]!.json;
    assert.deepEqual(failed.run, { name: 'release-1', namespace: ns, uid: (JSON.parse(await k(['get', 'pipelinerun', 'release-1', '-o', 'json'])) as { metadata: { uid: string } }).metadata.uid,
      pipeline: 'release', application: 'demo', phase: 'Failed' });
    assert.equal((failed.stage as { status: string }).status, 'TERMINAL');
    assert.equal(new Set(hooks.map((h) => h.json.id)).size, 2);

    const status = (await getRun('release-1') as NotifiedRun).status;
    assert.deepEqual(status.notifications?.map((n) => [n.channel, n.event, n.state, n.attempts]),
      [['webhook', 'stage.complete', 'sent', 1], ['slack', 'pipeline.failed', 'sent', 1], ['webhook', 'pipeline.failed', 'sent', 1], ['event', 'pipeline.failed', 'sent', 1]]);
    assert.equal(status.conditions?.find((c) => c.type === 'Notified')?.reason, 'Delivered');
    const events = JSON.parse(await k(['get', 'events', '--field-selector', 'involvedObject.name=release-1,reason=Notification', '-o', 'json'])) as { items: { message: string; type: string }[] };
    assert.deepEqual(events.items.map((e) => [e.type, e.message.split(':')[0]]), [['Warning', 'Pipeline "release" run "release-1" failed']]);
  });

  it('a waiting judgment sends its notification', async () => {
    await apply(pipeline('gate', [{ refId: 'approve', type: 'manualJudgment', manualJudgment: { instructions: 'ship it?' } }], { notifications: [
      { type: 'webhook', address: `${receivers.url}/judgments`, when: ['manualJudgment'] },
    ] }), run('gate-1', 'gate'));
    await waitFor(async () => receivers.at('/judgments').length > 0, 30_000, () => 'the judgment was never told');
    const [j] = receivers.at('/judgments');
    assert.equal(j!.json.event, 'manualJudgment');
    assert.equal((j!.json.stage as { refId: string }).refId, 'approve');
    assert.match(String(j!.json.text), /stage "approve" waits for a judgment: ship it\?/);
    assert.equal(j!.headers['x-staysail-signature'], undefined, 'no secretRef: not signed');
    assert.equal(stage(await getRun('gate-1'), 'approve')?.status, 'RUNNING');
  });

  it('a receiver that fails at first gets the message on a retry, under the same delivery id', async () => {
    await apply(pipeline('flaky', [{ refId: 'a', type: 'wait', wait: { duration: '1s' } }], { notifications: [
      { type: 'webhook', address: `${receivers.url}/flaky`, when: ['pipeline.complete'] },
    ] }), run('flaky-1', 'flaky'));
    assert.equal(succeeded(await finished('flaky-1'))?.reason, 'Succeeded');
    let last: NotifiedRun | undefined;
    await waitFor(async () => (last = await getRun('flaky-1') as NotifiedRun).status.notifications?.[0]?.state === 'sent', 40_000,
      () => `never sent: ${JSON.stringify(last?.status.notifications)}`);
    const calls = receivers.at('/flaky');
    assert.equal(calls.length, 2);
    assert.equal(calls[0]!.headers['x-staysail-delivery'], calls[1]!.headers['x-staysail-delivery']);
    assert.deepEqual({ attempts: last!.status.notifications![0]!.attempts, error: last!.status.notifications![0]!.lastError }, { attempts: 2, error: undefined });
    assert.ok(Date.parse(String(calls[1]!.json.time)) > 0);
  });
});
