// The Azure fake's onAnswered hook, through the real SDK: it sees each request once the fake has
// carried it out, and a request whose answer it holds back is done in the fake while its caller
// never hears so (a crash between "Azure did it" and "the caller knows"); reset() forgets the hook.
import assert from 'node:assert/strict';
import { fakeOptions, group, ids, principal, scaleSet, subscriptionId, tenantId } from '../fakes/azure/fixtures.ts';
import { fastPolling, sdkClients, trustFakeCa, type SdkClients } from '../fakes/azure/sdk.ts';
import { FakeAzure, type RecordedRequest } from '../fakes/azure/server.ts';

const scaleSetPut = (r: RecordedRequest) => r.method === 'PUT' && /\/virtualMachineScaleSets\/held$/.test(r.path);

describe('the Azure fake\'s onAnswered hook', () => {
  let fake: FakeAzure;
  let c: SdkClients;
  before(async () => {
    fake = new FakeAzure(fakeOptions);
    const s = await fake.start();
    trustFakeCa(s.caCert);
    c = sdkClients(s.endpoint, { subscriptionId, tenantId, authorityHost: s.authorityHost, ...principal }, { maxRetries: 0 });
  });
  after(async () => { await fake.stop(); });
  beforeEach(() => fake.reset());

  it('sees each request with its status once carried out, and holds back the answer it is told to: the scale set is made, its caller never hears', async () => {
    const seen: string[] = [];
    fake.onAnswered = (r) => {
      seen.push(`${r.method} ${r.status}`);
      return scaleSetPut(r) ? 'hold' : undefined;
    };
    const abort = new AbortController();
    const put = c.compute.virtualMachineScaleSets.createOrUpdate(group, 'held', scaleSet(), { ...fastPolling, abortSignal: abort.signal });
    const outcome = Promise.resolve(put).then(() => 'answered', (e: Error) => e.name);
    for (let i = 0; i < 100 && !fake.requests.some(scaleSetPut); i++) await new Promise((r) => setTimeout(r, 20));
    const recorded = fake.requests.find(scaleSetPut);
    assert.equal(recorded?.status, 201, 'the fake did not carry out the PUT');
    assert.ok(fake.resource(ids.scaleSet('held')), 'the scale set was not made');
    assert.ok(seen.includes('PUT 201'), `the hook did not see the PUT: ${seen.join(', ')}`);
    assert.equal(await Promise.race([outcome, new Promise((r) => setTimeout(() => r('waiting'), 300))]), 'waiting', 'the held answer reached the caller');
    abort.abort();
    assert.equal(await outcome, 'AbortError');

    // Answers it does not hold are sent; after reset the hook is gone.
    fake.onAnswered = () => undefined;
    await c.compute.virtualMachineScaleSets.createOrUpdate(group, 'held-again', scaleSet(), fastPolling);
    fake.reset();
    assert.equal(fake.onAnswered, undefined);
    await c.compute.virtualMachineScaleSets.createOrUpdate(group, 'held', scaleSet(), fastPolling);
    assert.equal(fake.requests.filter(scaleSetPut).map((r) => r.status).join(), '201');
  });
});
