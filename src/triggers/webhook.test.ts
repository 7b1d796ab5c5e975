import assert from 'node:assert/strict';
import { triggerLabel, triggerTypeLabel } from '../api/v1alpha1/labels.ts';
import { deliveryId, runNameFor } from './fire.ts';
import { fakeWorld, pipelineWith, post } from './fake-world.test-support.ts';
import { hmacSha256Hex } from './signatures.ts';
import { receiveWebhook } from './webhook.ts';

const body = JSON.stringify({ version: '1.4.2', env: 'staging', repo: { name: 'shop' } });
const signed = (secret: string, timestampS: number, b = body, delivery?: string) => ({
  'x-staysail-timestamp': String(timestampS),
  'x-staysail-signature': `sha256=${hmacSha256Hex(secret, `${timestampS}.${b}`)}`,
  ...(delivery ? { 'x-staysail-delivery': delivery } : {}),
});
const call = (ns: string, source: string, b: string, headers: Record<string, string> = {}) =>
  post(`/webhooks/${ns}/${source}`, { namespace: ns, source }, b, headers);
const parse = (r: { body?: string | Buffer }) => JSON.parse(String(r.body)) as { runs: string[]; error?: string };

describe('the webhook trigger', () => {
  const release = pipelineWith('shop', 'release', [{ name: 'ci', type: 'webhook', enabled: true,
    webhook: { source: 'ci', secretRef: { name: 'ci-hook' }, payloadConstraints: { 'repo.name': 'shop' } },
    parameters: { version: '${trigger.payload.version}', note: 'from ${trigger.name}' } }]);
  const open = pipelineWith('shop', 'smoke', [{ name: 'any', type: 'webhook', enabled: true, webhook: { source: 'open' } }]);
  const world = () => fakeWorld([release, open], { 'shop/ci-hook': { secret: 'hunter2' } });
  const nowS = Date.UTC(2026, 11, 1, 23, 0, 0) / 1000;

  it('a signed call starts one run: the payload, the parameters evaluated over it, the trigger and its labels', async () => {
    const w = world();
    const res = await receiveWebhook(w.deps, call('shop', 'ci', body, signed('hunter2', nowS, body, 'd-1')));
    assert.equal(res.status, 202);
    // A signed call's event is what its signature covers (the timestamp and the body), not the delivery id.
    const name = runNameFor({ pipeline: release, trigger: release.spec!.triggers![0]! }, deliveryId(undefined, String(nowS), Buffer.from(body)));
    assert.deepEqual(parse(res), { runs: [name] });
    const run = w.runs.get(`shop/${name}`)!;
    assert.deepEqual(run.spec, { pipelineRef: { name: 'release' }, parameters: { version: '1.4.2', note: 'from ci' },
      trigger: { type: 'webhook', name: 'ci', user: 'trigger:ci', payload: JSON.parse(body) } });
    assert.deepEqual(run.metadata.labels, { [triggerLabel]: 'ci', [triggerTypeLabel]: 'webhook' });
    assert.ok(name.length <= 63 && name.startsWith('release-ci-'), name);
  });

  it('the same signed request sent again (a retry, or to another replica) answers the same run and creates it once', async () => {
    const w = world();
    const headers = signed('hunter2', nowS, body, 'd-2');
    const first = parse(await receiveWebhook(w.deps, call('shop', 'ci', body, headers)));
    w.clock.advance(30_000);
    const again = await receiveWebhook(w.deps, call('shop', 'ci', body, headers));
    assert.equal(again.status, 202);
    assert.deepEqual(parse(again), first);
    assert.equal(w.runs.size, 1);
    // Without a delivery id it is the same: the same timestamp and body are the same event.
    const bare = signed('hunter2', nowS + 10);
    await receiveWebhook(w.deps, call('shop', 'ci', body, bare));
    await receiveWebhook(w.deps, call('shop', 'ci', body, bare));
    assert.equal(w.runs.size, 2);
  });

  it('a captured signed call replayed under a new delivery id starts nothing new; a re-signed request is a new event', async () => {
    const w = world();
    const captured = signed('hunter2', nowS, body, 'd-3');
    const first = parse(await receiveWebhook(w.deps, call('shop', 'ci', body, captured)));
    for (const [i, delivery] of ['d-4', 'd-5', ''].entries()) {
      w.clock.advance(60_000 * i);
      const replay = await receiveWebhook(w.deps, call('shop', 'ci', body, { ...captured, 'x-staysail-delivery': delivery }));
      assert.deepEqual([replay.status, parse(replay)], [202, first], delivery);
    }
    assert.equal(w.runs.size, 1);
    // Past the replay window the captured call is refused.
    w.clock.advance(5 * 60_000);
    assert.equal((await receiveWebhook(w.deps, call('shop', 'ci', body, { ...captured, 'x-staysail-delivery': 'd-6' }))).status, 401);
    // Signed again (another timestamp), even under the same delivery id, it is another event.
    const resigned = await receiveWebhook(w.deps, call('shop', 'ci', body, signed('hunter2', w.clock.now() / 1000, body, 'd-3')));
    assert.equal(resigned.status, 202);
    assert.notDeepEqual(parse(resigned), first);
    assert.equal(w.runs.size, 2);
  });

  it('a trigger without a secretRef takes the sender\'s delivery id: the same id is the same event, another id another', async () => {
    const w = world();
    const first = parse(await receiveWebhook(w.deps, call('shop', 'open', '{}', { 'x-staysail-delivery': 'u-1' })));
    const again = parse(await receiveWebhook(w.deps, call('shop', 'open', '{}', { 'x-staysail-delivery': 'u-1' })));
    const other = parse(await receiveWebhook(w.deps, call('shop', 'open', '{}', { 'x-staysail-delivery': 'u-2' })));
    assert.deepEqual(again, first);
    assert.notDeepEqual(other, first);
    assert.equal(w.runs.size, 2);
  });

  const refused: [string, Record<string, string>, number][] = [
    // What needs no secret is checked before the Secret is read: these read none.
    ['unsigned', {}, 0],
    ['with a timestamp but no signature', { 'x-staysail-timestamp': String(nowS) }, 0],
    ['with a signature that is not sha256=<64 hex digits>', { ...signed('hunter2', nowS), 'x-staysail-signature': 'sha256=abc' }, 0],
    ['replayed after the window (a stale timestamp)', signed('hunter2', nowS - 301), 0],
    ['signed with another secret', signed('guess', nowS), 1],
    ['signed over another body', signed('hunter2', nowS, '{"version":"6.6.6"}'), 1],
  ];
  for (const [what, headers, reads] of refused) {
    it(`a call ${what} gets 401 and starts nothing (Secret reads: ${reads})`, async () => {
      const w = world();
      const res = await receiveWebhook(w.deps, call('shop', 'ci', body, headers));
      assert.equal(res.status, 401);
      assert.match(parse(res).error!, /^the request is not signed with the trigger's secret: /);
      assert.equal(w.runs.size, 0);
      assert.deepEqual(w.secretReads, Array(reads).fill('shop/ci-hook'));
    });
  }

  it('a trigger without a secretRef takes unsigned calls', async () => {
    const w = world();
    const res = await receiveWebhook(w.deps, call('shop', 'open', '{}'));
    assert.equal(res.status, 202);
    assert.equal(w.runs.size, 1);
  });

  it('answers 200 with no runs when nothing matches: payloadConstraints, an unknown source or namespace, a disabled trigger or Pipeline', async () => {
    const other = JSON.stringify({ version: '1', repo: { name: 'blog' } });
    const disabled = pipelineWith('shop', 'off', [{ name: 'x', type: 'webhook', enabled: true, webhook: { source: 'off' } }], { disabled: true });
    const stopped = pipelineWith('shop', 'stopped', [{ name: 'x', type: 'webhook', enabled: false, webhook: { source: 'stopped' } }]);
    const w = fakeWorld([release, disabled, stopped], { 'shop/ci-hook': { secret: 'hunter2' } });
    for (const c of [call('shop', 'ci', other, signed('hunter2', nowS, other)), call('shop', 'nope', '{}'), call('elsewhere', 'ci', '{}'),
      call('shop', 'off', '{}'), call('shop', 'stopped', '{}')]) {
      const res = await receiveWebhook(w.deps, c);
      assert.deepEqual([res.status, parse(res)], [200, { runs: [] }], c.path);
    }
    assert.equal(w.runs.size, 0);
    assert.ok(w.logs.some((l) => l.msg === 'webhook did not match a trigger\'s payloadConstraints'));
  });

  it('refuses a body that is not JSON (415) or not a JSON object (400)', async () => {
    const w = world();
    const form = await receiveWebhook(w.deps, { ...call('shop', 'open', 'a=1'), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(form.status, 415);
    assert.equal((await receiveWebhook(w.deps, call('shop', 'open', '{"a":'))).status, 400);
    assert.equal((await receiveWebhook(w.deps, call('shop', 'open', '[1,2]'))).status, 400);
    assert.equal((await receiveWebhook(w.deps, { ...call('shop', 'open', '{}'), headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' } })).status, 202);
    assert.equal(w.runs.size, 1);
  });

  it('a trigger whose Secret is missing refuses (401) and the log names the Pipeline, the Secret and the fix', async () => {
    const w = fakeWorld([release]);
    const res = await receiveWebhook(w.deps, call('shop', 'ci', body, signed('hunter2', nowS)));
    assert.equal(res.status, 401);
    const line = w.logs.find((l) => l.msg === 'webhook trigger cannot check signatures')!;
    assert.match(String(line.error), /^Pipeline "shop\/release" trigger "ci": Secret "ci-hook" \(webhook.secretRef\) does not exist; create it/);
  });

  it('parameters that cannot be evaluated over the payload start no run and answer 422 saying why', async () => {
    const bad = pipelineWith('shop', 'bad', [{ name: 'b', type: 'webhook', enabled: true, webhook: { source: 'bad' },
      parameters: { v: '${trigger.payload.missing.deeper}' } }]);
    const w = fakeWorld([bad]);
    const res = await receiveWebhook(w.deps, call('shop', 'bad', '{}'));
    assert.equal(res.status, 422);
    assert.match(parse(res).error!, /^Pipeline "shop\/bad" trigger "b": its parameters cannot be evaluated over this payload: /);
    assert.equal(w.runs.size, 0);
  });
});
