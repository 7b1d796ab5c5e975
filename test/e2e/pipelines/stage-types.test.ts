// Stage types that reach outside the run, end to end: webhook (against a local HTTP receiver), runJob
// (Jobs completed by kwok, their logs served by kwok's kubelet API), a child pipeline; retries,
// restarts and keepWaitingRuns.
import assert from 'node:assert/strict';
import { createNamespace, operatorIn, removeNamespace } from '../../support/namespace.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../../cluster/probe.ts';
import { OperatorProcess } from '../../support/operator-process.ts';
import { inNamespace, pipeline, run, stage, succeeded } from '../../support/runs.ts';
import { sharedCluster } from '../../support/setup.ts';

const ns = `stagetypes-${Date.now().toString(36)}`;
const { k, apply, getRun, finished } = inNamespace(ns);

/** A local HTTP receiver whose answers the test scripts, recording every request. */
class Receiver {
  readonly requests: { method: string; url: string; headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  private readonly server: Server;
  private answers: Record<string, { status: number; body: unknown }[]> = {};
  constructor() {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => { body += d.toString(); });
      req.on('end', () => {
        this.requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        const queue = this.answers[req.url!] ?? [];
        const answer = queue.length > 1 ? queue.shift()! : queue[0] ?? { status: 200, body: { ok: true } };
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      });
    });
  }
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  answer(path: string, ...answers: { status: number; body: unknown }[]): void { this.answers[path] = answers; }
  to(path: string) { return this.requests.filter((r) => r.url === path); }
  close(): Promise<void> { return new Promise((r) => this.server.close(() => r())); }
}

describe('stage types, with the operator as a process', function () {
  this.timeout(180_000);
  let operator: OperatorProcess;
  const receiver = new Receiver();
  let base: string;

  before(async () => {
    base = await receiver.start();
    await createNamespace(ns);
    operator = await operatorIn(ns);
  });
  after(async () => {
    await receiver.close();
    await removeNamespace(ns, operator);
  });

  it('webhook: calls with method, headers and body, retries 5xx, puts the response in outputs', async () => {
    receiver.answer('/deploy', { status: 503, body: 'busy' }, { status: 201, body: { id: 'd-42' } });
    await apply(pipeline('hook', [{ refId: 'call', type: 'webhook', webhook: { url: `${base}/deploy`, method: 'PUT',
      headers: { 'x-team': '${parameters.team}' }, body: { version: '${parameters.version}' }, retries: 2 } }],
    { parameters: [{ name: 'team' }, { name: 'version' }] }), run('hook-1', 'hook', { parameters: { team: 'shop', version: '2.0' } }));
    const r = await finished('hook-1');
    assert.equal(succeeded(r)?.reason, 'Succeeded');
    assert.deepEqual(stage(r, 'call')?.outputs, { statusCode: 201, body: { id: 'd-42' } });
    const calls = receiver.to('/deploy');
    assert.equal(calls.length, 2, 'one retry after the 503');
    assert.ok(Date.parse(stage(r, 'call')!.endTime!) - Date.parse(stage(r, 'call')!.startTime!) >= 1000, 'the retry waited its back-off');
    assert.equal(calls[1]!.method, 'PUT');
    assert.equal(calls[1]!.headers['x-team'], 'shop');
    assert.deepEqual(JSON.parse(calls[1]!.body), { version: '2.0' });
    assert.match(String(calls[1]!.headers['idempotency-key']), /-call-1$/);
  });

  it('webhook: polls a status URL until its success expression holds, and fails on a 4xx', async () => {
    receiver.answer('/start', { status: 200, body: { job: 'j1' } });
    receiver.answer('/status/j1', { status: 200, body: { state: 'running' } }, { status: 200, body: { state: 'done', url: 'x' } });
    receiver.answer('/refuse', { status: 404, body: { error: 'no such thing' } });
    await apply(pipeline('polled', [
      { refId: 'start', type: 'webhook', webhook: { url: `${base}/start`, poll: { statusUrl: `${base}/status/\${response.body.job}`,
        interval: '1s', successExpression: '${response.body.state == "done"}', failureExpression: '${response.body.state == "failed"}' } } },
      { refId: 'refuse', type: 'webhook', failurePolicy: 'continue', webhook: { url: `${base}/refuse`, method: 'GET' } },
    ]), run('polled-1', 'polled'));
    const r = await finished('polled-1');
    assert.equal(stage(r, 'start')?.status, 'SUCCEEDED');
    assert.deepEqual(stage(r, 'start')?.outputs, { statusCode: 200, body: { state: 'done', url: 'x' } });
    const polls = receiver.to('/status/j1');
    assert.equal(polls.length, 2, 'polled until done, once per interval');
    assert.equal(stage(r, 'refuse')?.status, 'FAILED_CONTINUE');
    assert.match(stage(r, 'refuse')!.message!, /^webhook GET http:\/\/127\.0\.0\.1:\d+\/refuse answered 404: \{"error":"no such thing"\}$/);
  });

  it('webhook: a polled stage\'s outputs are the last poll\'s status and body, not the first call\'s, also when its expression cannot judge it', async () => {
    receiver.answer('/builds', { status: 202, body: { id: 'b7', state: 'queued', queue: { position: 3 } } });
    receiver.answer('/builds/b7', { status: 202, body: { state: 'running', progress: 50 } }, { status: 200, body: { state: 'done', image: 'shop:1.2' } });
    receiver.answer('/checks', { status: 201, body: { id: 'c1', note: 'started' } });
    receiver.answer('/checks/c1', { status: 200, body: { state: 'pending' } }, { status: 409, body: { state: 'failed', reason: 'lint' } });
    receiver.answer('/scans', { status: 202, body: { id: 's1', state: 'queued' } });
    receiver.answer('/scans/s1', { status: 200, body: { phase: 'done' } });
    const polled = (refId: string, path: string, extra: object = {}) => ({ refId, type: 'webhook', ...extra, webhook: { url: `${base}${path}`,
      poll: { statusUrl: `${base}${path}/\${response.body.id}`, interval: '1s', successExpression: '${response.body.state == "done"}',
        failureExpression: '${response.body.state == "failed"}' } } });
    await apply(pipeline('polls', [
      polled('build', '/builds'),
      polled('check', '/checks', { failurePolicy: 'continue' }),
      polled('scan', '/scans', { failurePolicy: 'continue' }),
      { refId: 'use', type: 'evaluateVariables', requisiteStageRefIds: ['build'],
        evaluateVariables: { variables: [{ key: 'image', value: '${stages.build.outputs.body.image}' }, { key: 'code', value: '${stages.build.outputs.statusCode}' }] } },
    ]), run('polls-1', 'polls'));
    const r = await finished('polls-1');
    assert.equal(receiver.to('/builds/b7').length, 2, 'polled twice');
    assert.deepEqual(stage(r, 'build')?.outputs, { statusCode: 200, body: { state: 'done', image: 'shop:1.2' } },
      'the last poll\'s answer, nothing left of the call\'s or the earlier poll\'s');
    assert.deepEqual(stage(r, 'use')?.outputs, { image: 'shop:1.2', code: 200 });
    assert.equal(stage(r, 'check')?.status, 'FAILED_CONTINUE');
    assert.deepEqual(stage(r, 'check')?.outputs, { statusCode: 409, body: { state: 'failed', reason: 'lint' } }, 'the failing poll\'s answer');
    assert.equal(stage(r, 'scan')?.status, 'FAILED_CONTINUE');
    assert.deepEqual(stage(r, 'scan')?.outputs, { statusCode: 200, body: { phase: 'done' } }, 'the answer the expression could not judge');
    assert.match(stage(r, 'scan')!.message!, new RegExp('^poll\\.failureExpression could not judge the answer of http://127\\.0\\.0\\.1:\\d+/scans/s1 '
      + '\\(200: \\{"phase":"done"\\}\\): expression \\$\\{response\\.body\\.state == "failed"\\} failed: No such key: state$'));
  });

  it('runJob: a Job that succeeds gives its log and declared outputs; one that fails gives its exit code; a missing output fails or warns', async () => {
    const job = (annotations: Record<string, string>, container = 'main') => ({ template: { metadata: { annotations },
      spec: { restartPolicy: 'Never', containers: [{ name: container, image: 'tool:1' }] } } });
    const log = ['building 1.2.3', 'STAYSAIL_OUTPUT version=1.2.3', 'STAYSAIL_OUTPUT checked=from-log', 'STAYSAIL_OUTPUT undeclared=x',
      'plain=not-an-output', 'done'];
    await sharedCluster().serveContainerLog(ns, 'build', log);
    await apply(pipeline('jobs', [
      { refId: 'good', type: 'runJob', runJob: { jobTemplate: job({ 'test.staysail.dev/termination-message': 'checked=yes\nignored=1' }, 'build'),
        outputs: ['checked', 'version', 'plain'], missingOutputs: 'Warn' } },
      { refId: 'bad', type: 'runJob', failurePolicy: 'continue', runJob: { jobTemplate: job({ 'test.staysail.dev/exit-code': '3' }) } },
      { refId: 'strict', type: 'runJob', failurePolicy: 'continue', runJob: { jobTemplate: job({}, 'build'), outputs: ['version', 'image'] } },
      { refId: 'unread', type: 'runJob', failurePolicy: 'continue', runJob: { jobTemplate: job({}), outputs: ['image', 'tag'] } },
    ]), run('jobs-1', 'jobs'));
    const r = await finished('jobs-1');
    assert.equal(stage(r, 'good')?.status, 'SUCCEEDED');
    assert.deepEqual(stage(r, 'good')?.outputs, { exitCode: 0, checked: 'yes', version: '1.2.3', logExcerpt: `${log.join('\n')}\n` },
      'declared outputs only, the termination message before STAYSAIL_OUTPUT log lines, the log as served through the API server');
    assert.match(stage(r, 'good')!.message!, /^Job jobs-1-good succeeded; warning: output "plain" was not in the termination message or a STAYSAIL_OUTPUT log line of pod jobs-1-good-\w+$/,
      'with missingOutputs: Warn the stage succeeds, saying what it could not read');
    assert.equal(stage(r, 'strict')?.status, 'FAILED_CONTINUE', 'a missing output fails the stage by default');
    assert.match(stage(r, 'strict')!.message!, /^runJob "strict": output "image" was not in the termination message or a STAYSAIL_OUTPUT log line of pod jobs-1-strict-\w+; write image=VALUE to \/dev\/termination-log or print STAYSAIL_OUTPUT image=VALUE, or set runJob\.missingOutputs: Warn$/);
    assert.equal(stage(r, 'strict')?.outputs?.version, '1.2.3', 'what was found is still an output');
    assert.match(stage(r, 'unread')!.message!, /^runJob "unread": outputs "image", "tag" were not in the termination message or a STAYSAIL_OUTPUT log line of pod jobs-1-unread-\w+ \(its log could not be read: .*no logs found for container "main".*\); write image=VALUE/);
    assert.equal(stage(r, 'bad')?.status, 'FAILED_CONTINUE');
    assert.equal(stage(r, 'bad')?.outputs?.exitCode, 3);
    assert.match(String(stage(r, 'bad')?.outputs?.logExcerpt), /^\(no log: .*no logs found for container "main"/, 'kwok has no log for it');
    assert.match(stage(r, 'bad')!.message!, /^Job jobs-1-bad failed: .*; exit code 3$/);
    const owner = JSON.parse(await k(['get', 'job', 'jobs-1-good', '-o', 'jsonpath={.metadata.ownerReferences[0]}']));
    assert.equal(owner.kind, 'PipelineRun');
    assert.equal(owner.name, 'jobs-1');
  });

  it('pipeline: runs a child pipeline, waits for it, and takes its outputs', async () => {
    await apply(pipeline('child', [{ refId: 'v', type: 'evaluateVariables', evaluateVariables: { variables: [{ key: 'echo', value: 'got ${parameters.msg}' }] } }],
      { parameters: [{ name: 'msg' }] }));
    await apply(pipeline('parent', [{ refId: 'sub', type: 'pipeline', pipeline: { pipelineRef: { name: 'child' }, parameters: { msg: '${execution.name}' } } },
      { refId: 'after', type: 'evaluateVariables', requisiteStageRefIds: ['sub'],
        evaluateVariables: { variables: [{ key: 'seen', value: '${stages.sub.outputs.v.echo}' }] } }]), run('parent-1', 'parent'));
    const r = await finished('parent-1');
    assert.equal(succeeded(r)?.reason, 'Succeeded');
    assert.equal(stage(r, 'sub')?.outputs?.childRun, 'parent-1-sub');
    assert.deepEqual(stage(r, 'after')?.outputs, { seen: 'got parent-1' });
    const child = await getRun('parent-1-sub');
    assert.equal(succeeded(child)?.reason, 'Succeeded');
  });

  it('retries a failed attempt with back-off, and restarts a failed stage on request', async () => {
    receiver.answer('/flaky', { status: 400, body: 'no' }, { status: 200, body: 'yes' });
    receiver.answer('/later', { status: 409, body: 'not yet' }, { status: 200, body: 'now' });
    await apply(pipeline('retried', [
      { refId: 'flaky', type: 'webhook', retries: { limit: 1, backoff: '1s' }, webhook: { url: `${base}/flaky` } },
      { refId: 'later', type: 'webhook', requisiteStageRefIds: ['flaky'], webhook: { url: `${base}/later` } },
      { refId: 'last', type: 'wait', requisiteStageRefIds: ['later'], wait: { duration: '1ms' } },
    ]), run('retried-1', 'retried'));
    const failed = await finished('retried-1');
    assert.equal(stage(failed, 'flaky')?.status, 'SUCCEEDED');
    assert.equal(stage(failed, 'flaky')?.attempts, 2);
    assert.equal(stage(failed, 'later')?.status, 'TERMINAL');
    assert.equal(succeeded(failed)?.reason, 'Failed');

    await k(['patch', 'pipelinerun', 'retried-1', '--type=merge', '-p', '{"spec":{"restarts":[{"id":"r1","stage":"later"}]}}']);
    await waitFor(async () => succeeded(await getRun('retried-1'))?.reason === 'Succeeded', 30_000, () => 'the restart did not succeed');
    const r = await getRun('retried-1');
    assert.equal(stage(r, 'later')?.status, 'SUCCEEDED');
    assert.equal(stage(r, 'last')?.status, 'SUCCEEDED');
    assert.equal(receiver.to('/flaky').length, 2, 'the stage before the restarted one did not run again');
  });

  it('with keepWaitingRuns false, only the newest waiting run starts; older waiting ones are canceled', async () => {
    await apply(pipeline('newest', [{ refId: 'a', type: 'wait', wait: { duration: '3s' } }], { concurrency: { maxConcurrentRuns: 1, keepWaitingRuns: false } }));
    await apply(run('newest-1', 'newest'));
    await waitFor(async () => stage(await getRun('newest-1'), 'a')?.status === 'RUNNING', 20_000, () => 'newest-1 never ran');
    await apply(run('newest-2', 'newest'));
    await waitFor(async () => succeeded(await getRun('newest-2'))?.reason === 'Queued', 20_000, () => 'newest-2 not queued');
    await new Promise((r) => setTimeout(r, 1100)); // a later creation time for newest-3
    await apply(run('newest-3', 'newest'));
    const second = await finished('newest-2');
    assert.equal(succeeded(second)?.reason, 'Canceled');
    assert.match(succeeded(second)!.message, /canceled because newer run "newest-3" is waiting/);
    assert.equal(succeeded(await finished('newest-3'))?.reason, 'Succeeded');
  });
});
