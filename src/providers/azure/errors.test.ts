// Azure's answers become the providers' typed errors once, here: by HTTP status and ARM's error code,
// a 429's Retry-After kept; failed operations by their code; Entra's refusals and a missing identity
// as Invalid; what got no answer is left for the controller to call Unreachable.
import assert from 'node:assert/strict';
import { createHttpHeaders, RestError } from '@azure/core-rest-pipeline';
import { AuthenticationError, AuthenticationRequiredError, CredentialUnavailableError } from '@azure/identity';
import { isProviderError, type ProviderErrorKind } from '../errors.ts';
import type { TokenCredential } from '@azure/core-auth';
import { marked, ThrottledAnswer } from './clients.ts';
import { answerOf, azure, azureOrAbsent, typedAzureError } from './errors.ts';

/** A RestError as the SDK throws an error answer: status, code, the body's error under details, the response's headers. */
function restError(status: number, code: string, message = 'Azure said no', options: { target?: string; headers?: Record<string, string> } = {}): Error {
  const request = { url: 'https://127.0.0.1/x', headers: createHttpHeaders(), method: 'PUT' } as never;
  const err = new RestError(message, { statusCode: status, code, response: { status, headers: createHttpHeaders(options.headers ?? {}), request } });
  err.details = { error: { code, message, ...(options.target ? { target: options.target } : {}) } };
  return err;
}

const what = 'creating scale set shop-prod-v003';

describe('Azure errors', () => {
  const table: [number, string, ProviderErrorKind][] = [
    [429, 'TooManyRequests', 'Throttled'], [409, 'OperationNotAllowed', 'Conflict'], [400, 'SkuNotAvailable', 'Quota'],
    [409, 'QuotaExceeded', 'Quota'], [400, 'InvalidParameter', 'Invalid'], [400, 'BadRequest', 'Invalid'], [400, 'InvalidTemplateDeployment', 'Invalid'],
    [404, 'ResourceNotFound', 'NotFound'], [404, 'NotFound', 'NotFound'], [404, 'ResourceGroupNotFound', 'Invalid'], [404, 'SubscriptionNotFound', 'Invalid'],
    [409, 'AnotherOperationInProgress', 'InProgress'], [409, 'OperationPreempted', 'InProgress'], [409, 'Conflict', 'Conflict'],
    [400, 'InUseBackendAddressPoolCannotBeDeleted', 'InProgress'], [400, 'CannotRemoveRuleUsedByProbeUsedByVMSS', 'InProgress'],
    [400, 'LoadBalancerInUseByVirtualMachineScaleSet', 'InProgress'], [400, 'NetworkSecurityGroupInUseByVirtualMachineScaleSet', 'InProgress'],
    [401, 'InvalidAuthenticationToken', 'Invalid'], [403, 'AuthorizationFailed', 'Invalid'], [409, 'MissingSubscriptionRegistration', 'Invalid'],
    [403, 'RequestDisallowedByPolicy', 'Invalid'], [401, 'InvalidAuthenticationTokenAudience', 'Invalid'],
    [400, 'PublicIPCountLimitReached', 'Quota'], [409, 'OperationNotAllowedQuotaExceeded', 'Quota'], [400, 'NetworkSecurityGroupLimitReached', 'Quota'],
  ];
  for (const [status, code, kind] of table) {
    it(`${status} ${code} is ${kind}`, () => {
      const err = typedAzureError(what, restError(status, code));
      assert.ok(isProviderError(err, kind), String(err));
      assert.match(err.message, new RegExp(`^Azure: ${what}: ${status} ${code}: Azure said no`));
    });
  }

  it('says which field a refusal names, and what to correct for the Account\'s fields', () => {
    const err = typedAzureError(what, restError(400, 'InvalidParameter', 'The value is not valid.', { target: 'computerNamePrefix' }));
    assert.ok(isProviderError(err, 'Invalid'));
    assert.match(err.message, /The value is not valid\. \(field computerNamePrefix\)$/);
    assert.match((typedAzureError(what, restError(404, 'ResourceGroupNotFound')) as Error).message, /spec\.azure\.resourceGroup/);
    assert.match((typedAzureError(what, restError(404, 'SubscriptionNotFound')) as Error).message, /spec\.azure\.subscriptionId/);
    assert.match((typedAzureError(what, restError(403, 'AuthorizationFailed')) as Error).message,
      /spec\.azure\.credentialsSecretRef.*Virtual Machine Contributor and Network Contributor on the resource group$/);
  });

  it('says what a person must do about a subscription: register a provider, comply with a policy, use the right cloud', () => {
    const unregistered = typedAzureError(what, restError(409, 'MissingSubscriptionRegistration',
      "The subscription is not registered to use namespace 'Microsoft.Compute'."));
    assert.match((unregistered as Error).message, /register the resource provider Microsoft\.Compute \/ Microsoft\.Network in the subscription \(az provider register/);
    const policy = typedAzureError(what, restError(403, 'RequestDisallowedByPolicy', "Resource 'shop-prod-v003' was disallowed by policy. Policy identifiers: "
      + '\'[{"policyAssignment":{"name":"Allowed locations","id":"/subscriptions/x/providers/Microsoft.Authorization/policyAssignments/a1"},'
      + '"policyDefinition":{"name":"e56962a6-4747-49cd-b67b-bf8b01975c4c","id":"/providers/Microsoft.Authorization/policyDefinitions/e5"}}]\'.'));
    assert.ok(isProviderError(policy, 'Invalid'));
    assert.match(policy.message, /Azure Policy "Allowed locations" forbids this/);
    assert.doesNotMatch(policy.message, /credentialsSecretRef|service principal/);
    const audience = typedAzureError(what, restError(401, 'InvalidAuthenticationTokenAudience', "The access token has been obtained for wrong audience or resource 'https://management.azure.com'."));
    assert.ok(isProviderError(audience, 'Invalid') && /spec\.azure\.endpoint must be the Resource Manager/.test(audience.message));
  });

  it('keeps the field and the details of Azure\'s error body', () => {
    const err = new RestError('Deployment failed', { statusCode: 400, code: 'InvalidTemplateDeployment' });
    err.details = { error: { code: 'InvalidTemplateDeployment', message: 'Deployment failed', details: [{ code: 'InvalidParameter', message: 'Bad size.', target: 'vmSize' }] } };
    assert.match((typedAzureError(what, err) as Error).message, /400 InvalidTemplateDeployment: Deployment failed \(InvalidParameter: Bad size\.\) \(field vmSize\)$/);
  });

  it('takes a quota from an OperationNotAllowed that speaks of one', () => {
    const err = typedAzureError(what, restError(409, 'OperationNotAllowed', 'Operation could not be completed as it results in exceeding approved Total Regional Cores quota.'));
    assert.ok(isProviderError(err, 'Quota'));
  });

  it('keeps the Retry-After of a 429, in seconds or milliseconds, and of one the SDK was not let wait for', () => {
    const secs = typedAzureError(what, restError(429, 'TooManyRequests', 'slow down', { headers: { 'retry-after': '7' } }));
    assert.ok(isProviderError(secs, 'Throttled') && secs.retryAfterMs === 7000);
    const ms = typedAzureError(what, restError(429, 'TooManyRequests', 'slow down', { headers: { 'retry-after-ms': '1500' } }));
    assert.ok(isProviderError(ms, 'Throttled') && ms.retryAfterMs === 1500);
    const long = typedAzureError(what, new ThrottledAnswer('SubscriptionRequestsThrottled', 'Number of write requests exceeded the limit', 30_000));
    assert.ok(isProviderError(long, 'Throttled') && long.retryAfterMs === 30_000);
    assert.match(long.message, /429 SubscriptionRequestsThrottled: Number of write requests/);
    const none = typedAzureError(what, restError(429, 'TooManyRequests'));
    assert.ok(isProviderError(none, 'Throttled') && none.retryAfterMs === undefined);
    const unsaid = typedAzureError(what, new ThrottledAnswer('TooManyRequests', 'too many requests', undefined));
    assert.ok(isProviderError(unsaid, 'Throttled') && unsaid.retryAfterMs === undefined); // the controller's own wait, not a hot loop
    const busy = typedAzureError(what, restError(503, 'ServiceUnavailable', 'busy', { headers: { 'retry-after': '20' } }));
    assert.ok(isProviderError(busy, 'Throttled') && busy.retryAfterMs === 20_000);
    const longBusy = typedAzureError(what, new ThrottledAnswer('ServiceUnavailable', 'busy', 60_000, 503));
    assert.ok(isProviderError(longBusy, 'Throttled') && longBusy.retryAfterMs === 60_000 && /503 ServiceUnavailable: busy/.test(longBusy.message));
  });

  it('reads a failed operation\'s code and message', () => {
    const failed = new Error('The long-running operation has failed. AllocationFailed. Allocation failed. We do not have sufficient capacity.');
    assert.deepEqual(answerOf(failed), { status: 0, code: 'AllocationFailed', message: 'Allocation failed. We do not have sufficient capacity.' });
    const err = typedAzureError(what, failed);
    assert.ok(isProviderError(err, 'Quota'));
    assert.match(err.message, /^Azure: creating scale set shop-prod-v003: the operation failed: AllocationFailed: Allocation failed/);
    const other = typedAzureError(what, new Error('The long-running operation has failed. VMExtensionProvisioningError. Extension failed.'));
    assert.ok(isProviderError(other, 'Invalid'));
    const internal = typedAzureError(what, new Error('The long-running operation has failed. InternalExecutionError. Try again.'));
    assert.ok(!isProviderError(internal) && internal instanceof Error && /Azure failed: InternalExecutionError/.test(internal.message));
  });

  it('keeps a server error one to retry, and leaves what got no answer as it is', () => {
    const five = typedAzureError(what, restError(503, 'ServiceUnavailable'));
    assert.ok(!isProviderError(five) && five instanceof Error && /Azure failed: 503/.test(five.message));
    const refused = Object.assign(new RestError('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }));
    assert.equal(typedAzureError(what, refused), refused);
    const aborted = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
    assert.equal((typedAzureError(what, aborted) as Error).name, 'TimeoutError');
  });

  it('calls Entra\'s refusal and a missing identity Invalid, naming the credentials', () => {
    const refused = new AuthenticationError(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.\nTrace ID: x' });
    const err = typedAzureError('Account "azure": listing scale sets', refused);
    assert.ok(isProviderError(err, 'Invalid'));
    assert.match(err.message, /invalid_client: AADSTS7000215: Invalid client secret provided\.; check clientId and clientSecret .*spec\.azure\.credentialsSecretRef/);
    const msal = new AuthenticationRequiredError({ scopes: ['https://management.azure.com/.default'], message: 'invalid_client: Error(s): 7000215 - Timestamp: x - '
      + 'Description: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent is the value. Trace ID: t Correlation ID: c' });
    const viaMsal = typedAzureError('Account "azure": listing scale sets', msal);
    assert.ok(isProviderError(viaMsal, 'Invalid'));
    assert.match(viaMsal.message, /refused the credentials: invalid_client: AADSTS7000215: Invalid client secret provided\.; check/);
    const none = typedAzureError(what, new CredentialUnavailableError('DefaultAzureCredential: no credential in the chain'));
    assert.ok(isProviderError(none, 'Invalid') && /names no credentials \(spec\.azure\.credentialsSecretRef\)/.test(none.message));
  });

  it('names the Secret only when the Account names one, and retries an authority it could not reach', async () => {
    const thrower = (err: Error): TokenCredential => ({ getToken: () => Promise.reject(err) });
    const fails = async (credential: TokenCredential) => credential.getToken('https://management.azure.com/.default').then(() => assert.fail('signed in'), (e: unknown) => e);
    const refusal = () => new AuthenticationError(400, { error: 'invalid_request', error_description: 'AADSTS700016: Application was not found.\nTrace ID: x' });
    const viaDefault = typedAzureError(what, await fails(marked(thrower(refusal()), 'default')));
    assert.ok(isProviderError(viaDefault, 'Invalid') && /refused the operator's Azure identity/.test(viaDefault.message));
    assert.doesNotMatch(viaDefault.message, /clientSecret in the Secret/);
    const viaSecret = typedAzureError(what, await fails(marked(thrower(refusal()), 'secret')));
    assert.ok(isProviderError(viaSecret, 'Invalid') && /clientSecret in the Secret/.test(viaSecret.message));
    const unresolved = typedAzureError(what, await fails(marked(thrower(new CredentialUnavailableError(
      'endpoints_resolution_error: See https://aka.ms/msal.js.errors#endpoints_resolution_error for details')), 'secret')));
    assert.ok(!isProviderError(unresolved) && unresolved instanceof Error && /spec\.azure\.tenantId and spec\.azure\.authorityHost/.test(unresolved.message));
    assert.doesNotMatch(unresolved.message, /names no credentials/);
    const unreached = typedAzureError(what, await fails(marked(thrower(new AuthenticationError(0, { error: 'network_error',
      error_description: 'connect ECONNREFUSED 127.0.0.1:1' })), 'secret')));
    assert.ok(!isProviderError(unreached) && (unreached as Error & { code?: string }).code === 'ECONNREFUSED');
  });

  it('wraps calls, and answers undefined for what does not exist', async () => {
    await assert.rejects(azure(what, () => Promise.reject(restError(400, 'InvalidParameter'))), (err: unknown) => isProviderError(err, 'Invalid'));
    assert.equal(await azureOrAbsent(what, () => Promise.reject(restError(404, 'ResourceNotFound'))), undefined);
    assert.equal(await azureOrAbsent(what, () => Promise.resolve(1)), 1);
  });
});
