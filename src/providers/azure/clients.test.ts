// Where Azure clients act and with what: the region, a service principal read from a Secret's keys,
// Retry-After in the ways Azure writes it, and a long 429 ended at once rather than waited out; with
// spec.azure.endpoint, tokens asked for that Resource Manager, which takes no other (the fake, as a
// sovereign cloud).
import assert from 'node:assert/strict';
import { ComputeManagementClient } from '@azure/arm-compute';
import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { ClientSecretCredential } from '@azure/identity';
import { fakeOptions, group, principal, subscriptionId, tenantId } from '../../../test/fakes/azure/fixtures.ts';
import { trustFakeCa } from '../../../test/fakes/azure/sdk.ts';
import { FakeAzure } from '../../../test/fakes/azure/server.ts';
import { isProviderError } from '../errors.ts';
import { boundedCallPolicy, callTimeoutMs, clientOptionsOf, credentialOptionsOf, marked, parseServicePrincipal, regionOf, retryAfterMsOf,
  ThrottledAnswer } from './clients.ts';
import { all, azure } from './errors.ts';

const account = (regions?: string[]) => ({ name: 'azure', namespace: 'shop', spec: { provider: 'azure' as const, azure: {
  subscriptionId: '00000000-0000-0000-0000-000000000001', tenantId: '00000000-0000-0000-0000-00000000000a', resourceGroup: 'shop-rg', regions } } });

describe('Azure clients', () => {
  it('acts in the location\'s region, or the Account\'s only one, and refuses another', () => {
    assert.equal(regionOf(account(['westeurope']), {}), 'westeurope');
    assert.equal(regionOf(account(), { region: 'northeurope' }), 'northeurope');
    assert.throws(() => regionOf(account(['westeurope']), { region: 'eastus' }), (err: unknown) => isProviderError(err, 'Invalid') && /spec\.azure\.regions/.test(err.message));
    assert.throws(() => regionOf(account(), {}), (err: unknown) => isProviderError(err, 'Invalid') && /spec\.location\.region/.test(err.message));
  });

  it('reads a service principal, trimmed, and refuses an empty key naming it', () => {
    assert.deepEqual(parseServicePrincipal({ clientId: Buffer.from(' id\n'), clientSecret: Buffer.from('s3cret\n') }), { clientId: 'id', clientSecret: 's3cret' });
    assert.throws(() => parseServicePrincipal({ clientId: Buffer.from(' '), clientSecret: Buffer.from('s') }), /"clientId" is empty/);
    assert.throws(() => parseServicePrincipal({ clientId: Buffer.from('i'), clientSecret: Buffer.from('\n') }), /"clientSecret" is empty/);
  });

  it('reads Retry-After in seconds, as a date, and in milliseconds', () => {
    const h = (o: Record<string, string>) => createHttpHeaders(o);
    assert.equal(retryAfterMsOf(h({ 'retry-after': '3' })), 3000);
    assert.equal(retryAfterMsOf(h({ 'retry-after': 'Wed, 21 Oct 2015 07:28:10 GMT' }), Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000);
    assert.equal(retryAfterMsOf(h({ 'x-ms-retry-after-ms': '250' })), 250);
    assert.equal(retryAfterMsOf(h({ 'retry-after': 'soon' })), undefined);
    assert.equal(retryAfterMsOf(undefined), undefined);
  });

  it('gives every attempt a deadline, lets a short 429 through to the SDK\'s retries and ends a long one at once', async () => {
    const request = createPipelineRequest({ url: 'https://127.0.0.1/x' });
    const answer = (status: number, headers: Record<string, string>, body = ''): PipelineResponse => ({ status, headers: createHttpHeaders(headers), request, bodyAsText: body });
    const ok = await boundedCallPolicy.sendRequest(request, async () => answer(200, {}));
    assert.equal(ok.status, 200);
    assert.equal(request.timeout, callTimeoutMs);
    assert.equal((await boundedCallPolicy.sendRequest(request, async () => answer(429, { 'retry-after': '1' }))).status, 429);
    await assert.rejects(boundedCallPolicy.sendRequest(request, async () => answer(429, { 'retry-after': '30' },
      JSON.stringify({ error: { code: 'SubscriptionRequestsThrottled', message: 'too many writes' } }))),
    (err: unknown) => err instanceof ThrottledAnswer && err.retryAfterMs === 30_000 && err.code === 'SubscriptionRequestsThrottled' && err.message === 'too many writes');
    await assert.rejects(boundedCallPolicy.sendRequest(request, async () => answer(429, {})), (err: unknown) => err instanceof ThrottledAnswer && err.retryAfterMs === undefined);
    // A 503 is the SDK's to wait out only while its Retry-After is short; without one, its retries with back-off.
    assert.equal((await boundedCallPolicy.sendRequest(request, async () => answer(503, {}))).status, 503);
    assert.equal((await boundedCallPolicy.sendRequest(request, async () => answer(503, { 'retry-after': '1' }))).status, 503);
    await assert.rejects(boundedCallPolicy.sendRequest(request, async () => answer(503, { 'retry-after': '120' })),
      (err: unknown) => err instanceof ThrottledAnswer && err.statusCode === 503 && err.retryAfterMs === 120_000);
  });

  it('asks for tokens of the Resource Manager spec.azure.endpoint names, which takes no other', async () => {
    const clouds: [string, string][] = [['https://management.chinacloudapi.cn', 'https://management.chinacloudapi.cn/.default'],
      ['https://management.usgovcloudapi.net/', 'https://management.usgovcloudapi.net/.default']];
    for (const [endpoint, scope] of clouds) {
      const options = clientOptionsOf({ ...account().spec.azure, endpoint });
      assert.deepEqual([options.endpoint, options.credentials?.scopes], [endpoint.replace(/\/$/, ''), [scope]]);
    }
    assert.equal('credentials' in clientOptionsOf(account().spec.azure), false); // the public cloud: the SDKs' own scope
    const fake = new FakeAzure(fakeOptions);
    const s = await fake.start();
    try {
      trustFakeCa(s.caCert);
      const spec = { subscriptionId, tenantId, resourceGroup: group, endpoint: s.endpoint, authorityHost: s.authorityHost };
      const { tenantId: tenant, ...identity } = credentialOptionsOf(spec);
      assert.deepEqual([tenant, identity], [tenantId, { authorityHost: s.authorityHost, disableInstanceDiscovery: true }]);
      const credential = new ClientSecretCredential(tenant, principal.clientId, principal.clientSecret, identity);
      const compute = new ComputeManagementClient(credential, subscriptionId, { ...clientOptionsOf(spec), retryOptions: { maxRetries: 0 } });
      assert.deepEqual(await compute.virtualMachineScaleSets.list(group).next(), { done: true, value: undefined });
    } finally {
      await fake.stop();
    }
  });

  it('gives the default chain the Account\'s tenant and authority', () => {
    assert.deepEqual(credentialOptionsOf(account().spec.azure), { tenantId: '00000000-0000-0000-0000-00000000000a' });
    assert.deepEqual(credentialOptionsOf({ ...account().spec.azure, authorityHost: 'https://login.chinacloudapi.cn' }),
      { tenantId: '00000000-0000-0000-0000-00000000000a', authorityHost: 'https://login.chinacloudapi.cn', disableInstanceDiscovery: true });
  });

  it('keeps the field Azure names on a long-running call\'s refusal, a paged list\'s message, and which credential Entra refused', async () => {
    const fake = new FakeAzure(fakeOptions);
    const s = await fake.start();
    try {
      trustFakeCa(s.caCert);
      const spec = { subscriptionId, tenantId, resourceGroup: group, endpoint: s.endpoint, authorityHost: s.authorityHost };
      const { tenantId: tenant, ...identity } = credentialOptionsOf(spec);
      const client = (secret: string, source: 'secret' | 'default' = 'secret') => new ComputeManagementClient(
        marked(new ClientSecretCredential(tenant, principal.clientId, secret, identity), source),
        subscriptionId, { ...clientOptionsOf(spec), retryOptions: { maxRetries: 0 } });
      const compute = client(principal.clientSecret);
      // The poller's first answer loses ARM's target: only the kept body names the field.
      await assert.rejects(azure('creating scale set shop-v000', () => compute.virtualMachineScaleSets.createOrUpdate(group, 'shop-v000',
        { location: 'westeurope', sku: { name: 'Standard_B1s', capacity: 1 } })),
      (err: unknown) => isProviderError(err, 'Invalid') && /400 InvalidParameter: Required parameter 'virtualMachineProfile' is missing \(null\)\. \(field virtualMachineProfile\)$/.test(err.message));
      fake.failNext({ method: 'GET', path: /virtualMachineScaleSets$/ }, { status: 400, code: 'BadRequest', message: 'The filter is not valid.' });
      await assert.rejects(all('listing scale sets', () => compute.virtualMachineScaleSets.list(group)),
        (err: unknown) => isProviderError(err, 'Invalid') && /400 BadRequest: The filter is not valid\.$/.test(err.message));
      await assert.rejects(azure('listing scale sets', () => client('wrong').virtualMachineScaleSets.list(group).next()),
        (err: unknown) => isProviderError(err, 'Invalid') && /AADSTS7000215.*clientId and clientSecret in the Secret/.test(err.message));
      // The mark survives the SDKs' pipeline: the same refusal of the operator's own identity names no Secret.
      await assert.rejects(azure('listing scale sets', () => client('wrong', 'default').virtualMachineScaleSets.list(group).next()),
        (err: unknown) => isProviderError(err, 'Invalid') && /refused the operator's Azure identity/.test(err.message) && !/in the Secret/.test(err.message));
    } finally {
      await fake.stop();
    }
  });
});
