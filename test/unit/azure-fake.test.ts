// The Azure fake driven by the real SDKs (@azure/arm-compute, @azure/identity's ClientSecretCredential
// against its token service): tokens and their refusals, scale sets through their pollers, a failed
// operation, 429 with Retry-After, ARM's 404s, and a body the published description does not allow.
import assert from 'node:assert/strict';
import type { TokenCredential } from '@azure/core-auth';
import { ComputeManagementClient } from '@azure/arm-compute';
import { FakeAzure } from '../fakes/azure/server.ts';
import { fakeCredential, fastPolling, sdkClients, trustFakeCa, type SdkClients } from '../fakes/azure/sdk.ts';
import { fakeOptions, group, ids, principal, scaleSet, subscriptionId, tenantId } from '../fakes/azure/fixtures.ts';

type Err = { statusCode?: number; code?: string; message: string; response?: { headers: { get(n: string): string | undefined } } };
const vmssType = 'Microsoft.Compute/virtualMachineScaleSets';

describe('the Azure fake: tokens, scale sets and failures through the real SDKs', () => {
  let fake: FakeAzure;
  let c: SdkClients;
  let once: SdkClients;
  let endpoint = '';
  let authorityHost = '';
  before(async () => {
    fake = new FakeAzure(fakeOptions);
    ({ endpoint, authorityHost } = await fake.start().then((s) => { trustFakeCa(s.caCert); return s; }));
    const p = { subscriptionId, tenantId, authorityHost, ...principal };
    c = sdkClients(endpoint, p);
    once = sdkClients(endpoint, p, { maxRetries: 0 });
  });
  after(async () => { await fake.stop(); });
  beforeEach(() => fake.reset());

  const vms = async (name: string) => {
    const out = [];
    for await (const v of c.compute.virtualMachineScaleSetVMs.list(group, name, { expand: 'instanceView' })) out.push(v);
    return out;
  };

  it('issues a token for the right secret and refuses a wrong one, an unknown client and an unknown tenant with Entra\'s AADSTS codes', async () => {
    const token = await fakeCredential({ tenantId, authorityHost, ...principal }).getToken('https://management.azure.com/.default');
    assert.match(token.token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.ok(token.expiresOnTimestamp > Date.now() + 3_000_000);
    await assert.rejects(fakeCredential({ tenantId, authorityHost, clientId: principal.clientId, clientSecret: 'wrong' }).getToken('https://management.azure.com/.default'),
      (e: Error) => /AADSTS7000215: Invalid client secret provided/.test(e.message));
    await assert.rejects(fakeCredential({ tenantId, authorityHost, clientId: 'someone-else', clientSecret: 'x' }).getToken('https://management.azure.com/.default'),
      (e: Error) => /AADSTS700016: Application with identifier 'someone-else' was not found/.test(e.message));
    // Entra answers an unknown tenant's OpenID configuration 400 AADSTS90002; MSAL reports that as an
    // endpoints_resolution_error (CredentialUnavailableError), not with the AADSTS text.
    await assert.rejects(fakeCredential({ tenantId: '99999999-0000-0000-0000-000000000000', authorityHost, ...principal }).getToken('https://management.azure.com/.default'),
      (e: Error) => e.name === 'CredentialUnavailableError' && /endpoints_resolution_error/.test(e.message));
    assert.deepEqual(fake.requests.filter((r) => r.path.startsWith('/99999999-')).map((r) => [r.method, r.path, r.status]),
      [['GET', '/99999999-0000-0000-0000-000000000000/v2.0/.well-known/openid-configuration', 400]]);
    const token2 = fake.requests.find((r) => r.path.endsWith('/oauth2/v2.0/token'));
    assert.equal((token2?.body as Record<string, string>).client_secret, '<redacted>');
  });

  it('answers 401 to ARM calls with a token it did not issue', async () => {
    const forged: TokenCredential = { getToken: async () => ({ token: 'forged.token.value', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const client = new ComputeManagementClient(forged, subscriptionId, { endpoint, retryOptions: { maxRetries: 0 } });
    await assert.rejects(client.virtualMachineScaleSets.get(group, 'any'),
      (e: Err) => e.statusCode === 401 && e.code === 'InvalidAuthenticationToken' && e.message === 'The access token is invalid.');
  });

  it('answers 401 InvalidAuthenticationTokenAudience to a token issued for another Resource Manager, as a sovereign cloud does', async () => {
    const credential = fakeCredential({ tenantId, authorityHost, ...principal });
    const publicCloud = new ComputeManagementClient(credential, subscriptionId, { endpoint, retryOptions: { maxRetries: 0 } });
    await assert.rejects(publicCloud.virtualMachineScaleSets.get(group, 'any'), (e: Err) => e.statusCode === 401
      && e.code === 'InvalidAuthenticationTokenAudience' && e.message.includes("wrong audience or resource 'https://management.azure.com'"));
    const own = new ComputeManagementClient(credential, subscriptionId, { endpoint, credentials: { scopes: [`${endpoint}/.default`] }, retryOptions: { maxRetries: 0 } });
    await assert.rejects(own.virtualMachineScaleSets.get(group, 'any'), (e: Err) => e.statusCode === 404 && e.code === 'ResourceNotFound');
  });

  it('takes a scale set from Creating through its operation to Succeeded, with capacity instances running the model', async () => {
    const poller = c.compute.virtualMachineScaleSets.createOrUpdate(group, 'shop-v000', scaleSet({ capacity: 2 }), fastPolling);
    await poller.submitted();
    const during = fake.resource(ids.scaleSet('shop-v000'));
    assert.equal((during?.properties as Record<string, unknown>).provisioningState, 'Creating');
    const made = await poller;
    assert.deepEqual([made.provisioningState, made.sku?.capacity, made.orchestrationMode, made.upgradePolicy?.mode], ['Succeeded', 2, 'Uniform', 'Manual']);
    assert.equal(made.id, ids.scaleSet('shop-v000'));
    const polls = fake.requests.filter((r) => r.path.includes('/providers/Microsoft.Compute/locations/westeurope/operations/'));
    assert.equal(polls.length, 2); // InProgress, then Succeeded
    const instances = await vms('shop-v000');
    assert.deepEqual(instances.map((v) => [v.instanceId, v.provisioningState, v.latestModelApplied]), [['0', 'Succeeded', true], ['1', 'Succeeded', true]]);
    const view = instances[0]!.instanceView!;
    assert.deepEqual(view.statuses?.map((s) => s.code), ['ProvisioningState/succeeded', 'PowerState/running']);
    assert.equal(view.vmHealth, undefined); // no healthProbe in the model
    assert.equal(instances[0]!.networkProfileConfiguration?.networkInterfaceConfigurations?.[0]?.name, 'nic');
    const listed = [];
    for await (const s of c.compute.virtualMachineScaleSets.list(group)) listed.push(s.name);
    assert.deepEqual(listed, ['shop-v000']);
  });

  it('resizes with a PATCH, deletes the newest instances on a scale-in, refuses a new admin user, and deletes the scale set (204 for one not there)', async () => {
    await c.compute.virtualMachineScaleSets.createOrUpdate(group, 'shop-v000', scaleSet({ capacity: 3 }), fastPolling);
    const resized = await c.compute.virtualMachineScaleSets.update(group, 'shop-v000', { sku: { capacity: 1 } }, fastPolling);
    assert.deepEqual([resized.sku?.capacity, resized.sku?.name, resized.provisioningState], [1, 'Standard_B1s', 'Succeeded']);
    assert.deepEqual((await vms('shop-v000')).map((v) => v.instanceId), ['0']);
    await c.compute.virtualMachineScaleSets.update(group, 'shop-v000', { sku: { capacity: 2 } }, fastPolling);
    assert.deepEqual((await vms('shop-v000')).map((v) => v.instanceId), ['0', '3']); // ids are never reused
    const renamed = scaleSet({ capacity: 2 });
    renamed.virtualMachineProfile!.osProfile!.adminUsername = 'someone';
    await assert.rejects(once.compute.virtualMachineScaleSets.createOrUpdate(group, 'shop-v000', renamed, fastPolling), (e: Err) => e.statusCode === 409
      && e.code === 'PropertyChangeNotAllowed' && e.message === "Changing property 'osProfile.adminUsername' is not allowed.");
    await c.compute.virtualMachineScaleSets.delete(group, 'shop-v000', fastPolling);
    assert.deepEqual(fake.resources(vmssType), []);
    await c.compute.virtualMachineScaleSets.delete(group, 'shop-v000', fastPolling);
    assert.equal(fake.requests.at(-1)?.status, 204);
  });

  it('ends an operation Failed with its code, which the poller throws, and leaves the scale set Failed', async () => {
    fake.failNext({ method: 'PUT', path: /virtualMachineScaleSets\/shop-v001$/ }, { operation: 'Failed', code: 'AllocationFailed',
      message: 'Allocation failed. We do not have sufficient capacity for the requested VM size in this region.' });
    await assert.rejects(c.compute.virtualMachineScaleSets.createOrUpdate(group, 'shop-v001', scaleSet(), fastPolling),
      (e: Error) => e.message === 'The long-running operation has failed. AllocationFailed. Allocation failed. We do not have sufficient capacity for the requested VM size in this region.');
    const left = await c.compute.virtualMachineScaleSets.get(group, 'shop-v001');
    assert.equal(left.provisioningState, 'Failed');
    assert.deepEqual((await vms('shop-v001')).map((v) => v.provisioningState), ['Failed', 'Failed']);
    const again = await c.compute.virtualMachineScaleSets.createOrUpdate(group, 'shop-v001', scaleSet(), fastPolling);
    assert.equal(again.provisioningState, 'Succeeded');
  });

  it('answers 429 with Retry-After, which the SDK honours, and a 400 or 500 when told', async () => {
    fake.failNext({ method: 'GET', path: /virtualMachineScaleSets$/ }, { status: 429, retryAfter: 7 });
    await assert.rejects(once.compute.virtualMachineScaleSets.list(group).next(),
      (e: Err) => e.statusCode === 429 && e.code === 'TooManyRequests' && e.response?.headers.get('retry-after') === '7');
    fake.failNext({ method: 'GET', path: /virtualMachineScaleSets$/ }, { status: 429, retryAfter: 0 });
    const before = fake.requests.length;
    await c.compute.virtualMachineScaleSets.list(group).next();
    assert.deepEqual(fake.requests.slice(before).map((r) => r.status), [429, 200]);
    fake.failNext({ method: 'PUT', path: /shop-v000$/ }, { status: 409, code: 'OperationNotAllowed', message: 'Operation could not be completed as it results in exceeding approved standardBSFamily Cores quota.' });
    await assert.rejects(once.compute.virtualMachineScaleSets.createOrUpdate(group, 'shop-v000', scaleSet(), fastPolling),
      (e: Err) => e.statusCode === 409 && e.code === 'OperationNotAllowed' && /Cores quota/.test(e.message));
    fake.failNext({ path: /shop-v000$/ }, { status: 500 });
    await assert.rejects(once.compute.virtualMachineScaleSets.get(group, 'shop-v000'), (e: Err) => e.statusCode === 500 && e.code === 'InternalServerError');
  });

  it('answers ARM\'s 404s: ResourceNotFound, ResourceGroupNotFound, SubscriptionNotFound', async () => {
    await assert.rejects(c.compute.virtualMachineScaleSets.get(group, 'nothing'), (e: Err) => e.statusCode === 404 && e.code === 'ResourceNotFound'
      && e.message === `The Resource '${vmssType}/nothing' under resource group '${group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
    await assert.rejects(c.compute.virtualMachineScaleSets.get('other-group', 'x'), (e: Err) => e.statusCode === 404 && e.code === 'ResourceGroupNotFound'
      && e.message === "Resource group 'other-group' could not be found.");
    const elsewhere = sdkClients(endpoint, { subscriptionId: '00000000-0000-0000-0000-00000000dead', tenantId, authorityHost, ...principal });
    await assert.rejects(elsewhere.compute.virtualMachineScaleSets.list(group).next(), (e: Err) => e.statusCode === 404 && e.code === 'SubscriptionNotFound');
  });

  it('refuses a body with a property the published description lacks, or without a required one, naming its path', async () => {
    const token = (await c.credential.getToken(`${endpoint}/.default`)).token;
    const put = (body: unknown) => fetch(`${endpoint}${ids.scaleSet('shop-v000')}?api-version=2026-04-01`, { method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const body = JSON.parse(JSON.stringify({ location: 'westeurope', sku: { name: 'Standard_B1s', capacity: 1 }, properties: {
      virtualMachineProfile: { storageProfile: { osDisk: { createOption: 'FromImage', colour: 'blue' } } } } }));
    const unknown = await put(body);
    assert.equal(unknown.status, 400);
    assert.deepEqual(await unknown.json(), { error: { code: 'InvalidRequestFormat', message: 'Cannot parse the request.', details: [{ code: 'InvalidJson',
      message: "Could not find member 'colour' on object of type 'VirtualMachineScaleSetOSDisk'. Path 'properties.virtualMachineProfile.storageProfile.osDisk.colour'." }] } });
    delete body.properties.virtualMachineProfile.storageProfile.osDisk.colour;
    delete body.properties.virtualMachineProfile.storageProfile.osDisk.createOption;
    const missing = await put(body);
    assert.deepEqual([missing.status, await missing.json()], [400, { error: { code: 'InvalidParameter',
      message: "Required parameter 'properties.virtualMachineProfile.storageProfile.osDisk.createOption' is missing (null).",
      target: 'properties.virtualMachineProfile.storageProfile.osDisk.createOption' } }]);
    const noVersion = await fetch(`${endpoint}${ids.scaleSet('shop-v000')}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(((await noVersion.json()) as { error: { code: string } }).error.code, 'MissingApiVersionParameter');
    assert.equal((await fetch(`${endpoint}${ids.scaleSet('shop-v000')}?api-version=2026-04-01`)).status, 401);
    assert.deepEqual(fake.resources(vmssType), []);
  });
});
