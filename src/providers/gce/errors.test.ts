// Google API errors become the providers' typed errors once, here: by HTTP status and Compute's
// reasons, a 429's Retry-After kept; failed operations by their error codes, naming the resource.
import assert from 'node:assert/strict';
import { isProviderError, type ProviderErrorKind } from '../errors.ts';
import { answerOf, gceOrAbsent, isStaleFingerprint, operationError, parseRetryAfter, typedGceError } from './errors.ts';

const raw = Symbol.for('google-gax.rawHttpResponsePayload');

/** An error shaped as google-gax throws an error answer: httpStatusCode, the message, the body under its symbol. */
function apiError(status: number, reason: string, message = 'Compute said no', retryAfter?: string): Error {
  const err = Object.assign(new Error(message), { httpStatusCode: status, code: 3 }) as unknown as Error & Record<symbol, unknown>;
  err[raw] = JSON.stringify({ error: { code: status, message, errors: [{ message, domain: 'global', reason }] } });
  if (retryAfter !== undefined) Object.assign(err, { cause: { response: { headers: new Headers({ 'retry-after': retryAfter }) } } });
  return err;
}

describe('GCE errors', () => {
  const table: [number, string, ProviderErrorKind][] = [
    [429, 'rateLimitExceeded', 'Throttled'], [403, 'rateLimitExceeded', 'Throttled'], [403, 'userRateLimitExceeded', 'Throttled'],
    [403, 'quotaExceeded', 'Quota'], [400, 'QUOTA_EXCEEDED', 'Quota'], [403, 'limitExceeded', 'Quota'],
    [400, 'invalid', 'Invalid'], [400, 'required', 'Invalid'], [404, 'notFound', 'NotFound'], [409, 'alreadyExists', 'Conflict'],
    [412, 'conditionNotMet', 'InProgress'], [400, 'resourceInUseByAnotherResource', 'InProgress'],
    [401, 'authError', 'Invalid'], [403, 'forbidden', 'Invalid'],
  ];
  for (const [status, reason, kind] of table) {
    it(`${status} ${reason} is ${kind}`, () => {
      const err = typedGceError('creating instance template shop-prod-v001', apiError(status, reason));
      assert.ok(isProviderError(err, kind), String(err));
      assert.match(err.message, new RegExp(`^creating instance template shop-prod-v001: GCE ${status} ${reason}.*Compute said no`));
    });
  }

  it('keeps the Retry-After of a 429, in seconds or as a date', () => {
    const err = typedGceError('x', apiError(429, 'rateLimitExceeded', 'Rate Limit Exceeded', '7'));
    assert.ok(isProviderError(err, 'Throttled'));
    assert.equal(err.retryAfterMs, 7000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000);
    assert.equal(parseRetryAfter('soon'), undefined);
    const without = typedGceError('x', apiError(429, 'rateLimitExceeded'));
    assert.ok(isProviderError(without, 'Throttled') && without.retryAfterMs === undefined);
  });

  it('leaves a server error one to retry, and what got no answer as it is', () => {
    const e500 = typedGceError('x', apiError(500, 'backendError'));
    assert.ok(!isProviderError(e500) && e500 instanceof Error && /GCE failed: 500/.test(e500.message));
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 14 });
    assert.equal(typedGceError('x', refused), refused);
    assert.equal(answerOf(refused), undefined);
  });

  it('answers undefined for NotFound, and throws the rest', async () => {
    assert.equal(await gceOrAbsent('x', () => Promise.reject(apiError(404, 'notFound'))), undefined);
    await assert.rejects(gceOrAbsent('x', () => Promise.reject(apiError(400, 'invalid'))), (err: unknown) => isProviderError(err, 'Invalid'));
  });

  it('knows a stale fingerprint', () => {
    assert.ok(isStaleFingerprint(typedGceError('x', apiError(412, 'conditionNotMet'))));
    assert.ok(!isStaleFingerprint(typedGceError('x', apiError(400, 'resourceInUseByAnotherResource'))));
  });

  const ops: [string, ProviderErrorKind][] = [
    ['QUOTA_EXCEEDED', 'Quota'], ['ZONE_RESOURCE_POOL_EXHAUSTED', 'Quota'], ['RESOURCE_ALREADY_EXISTS', 'Conflict'],
    ['RESOURCE_NOT_FOUND', 'NotFound'], ['RESOURCE_IN_USE_BY_ANOTHER_RESOURCE', 'InProgress'], ['INVALID_FIELD_VALUE', 'Invalid'],
  ];
  for (const [code, kind] of ops) {
    it(`a failed operation with ${code} is ${kind}, naming the resource`, () => {
      const err = operationError('server group shop-prod-v001: creating it', [{ code, message: 'because' }], 400);
      assert.ok(isProviderError(err, kind), String(err));
      assert.match(err.message, new RegExp(`^server group shop-prod-v001: creating it: the operation failed: ${code}: because`));
    });
  }

  it('leaves a failed operation that says the service failed one to retry', () => {
    assert.ok(!isProviderError(operationError('x', [{ code: 'INTERNAL_ERROR', message: 'oops' }], 500)));
  });
});
