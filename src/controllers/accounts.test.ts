// The one mapping of provider errors into what a pass does: come back after a delay (no error
// condition), record a reason and retry after a delay, stop until a person acts, or back off.
import assert from 'node:assert/strict';
import { ApiError, TerminalError, WaitingError } from '../core/errors.ts';
import { conflict, inProgress, invalid, notFound, quota, throttled } from '../providers/errors.ts';
import { asReconcileOutcome, inProgressRetryMs, providerFailure, transientRetryMs } from './accounts.ts';

const what = 'ServerGroup "shop-prod-v001"';
const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' } });
const timedOut = Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
const unknown = new Error('something else');
const sdkRefused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', $metadata: { attempts: 6 } });

/** What a failure came to, as data: requeue, waiting, terminal or back-off (the error itself). */
function summary(err: unknown): unknown {
  const f = providerFailure(what, err);
  if (!('error' in f)) return { requeueAfterMs: f.requeueAfterMs, message: f.message };
  const e = f.error;
  if (e instanceof WaitingError) return { waiting: e.reason, afterMs: e.retryAfterMs, message: e.message };
  if (e instanceof TerminalError) return { terminal: e.reason, message: e.message };
  return { backOff: e };
}

describe('provider errors as a pass\'s outcome', () => {
  const cases: [string, unknown, unknown][] = [
    ['InProgress with the provider\'s hint', inProgress('instance group update is running', 30_000),
      { requeueAfterMs: 30_000, message: `${what}: instance group update is running` }],
    ['InProgress without a hint', inProgress('operation op-123 is running'),
      { requeueAfterMs: inProgressRetryMs, message: `${what}: operation op-123 is running` }],
    ['Throttled with Retry-After', throttled('Rate exceeded', 7_000),
      { waiting: 'Throttled', afterMs: 7_000, message: `${what}: the provider is throttling requests: Rate exceeded` }],
    ['Throttled without Retry-After', throttled('Rate exceeded'),
      { waiting: 'Throttled', afterMs: transientRetryMs, message: `${what}: the provider is throttling requests: Rate exceeded` }],
    ['an API server\'s 429', new ApiError(429, 'TooManyRequests', 'too many requests'),
      { waiting: 'Throttled', afterMs: transientRetryMs, message: `${what}: the provider is throttling requests: too many requests` }],
    ['Quota', quota('instance limit 20 reached'), { waiting: 'QuotaExceeded', afterMs: 60_000, message: `${what}: instance limit 20 reached` }],
    ['Invalid', invalid('icmp cannot be expressed'), { terminal: 'Invalid', message: `${what}: icmp cannot be expressed` }],
    ['an API server\'s 503', new ApiError(503, 'ServiceUnavailable', 'etcd is down'),
      { waiting: 'ProviderError', afterMs: transientRetryMs, message: `${what}: the provider failed: etcd is down` }],
    ['a refused connection', refused,
      { waiting: 'Unreachable', afterMs: transientRetryMs, message: `${what}: cannot reach the provider: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:1)` }],
    ['a timeout', timedOut, { waiting: 'Unreachable', afterMs: transientRetryMs, message: `${what}: cannot reach the provider: the request timed out` }],
    ['a refused connection as the AWS SDK throws it', sdkRefused,
      { waiting: 'Unreachable', afterMs: transientRetryMs, message: `${what}: cannot reach the provider: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:9)` }],
    ['Conflict', conflict('Auto Scaling group shop-prod-v001 belongs to something other than Staysail'),
      { waiting: 'Conflict', afterMs: 30_000, message: `${what}: Auto Scaling group shop-prod-v001 belongs to something other than Staysail` }],
  ];
  for (const [name, err, expected] of cases) it(`maps ${name}`, () => assert.deepEqual(summary(err), expected));

  const answered = Object.assign(new Error('13 INTERNAL: Internal error'), { cause: { code: 13, message: 'Internal error' } });
  for (const [name, err] of [['NotFound', notFound('gone')], ['any other error', unknown], ['an answer whose cause carries an API\'s own numeric code', answered],
    ['an API server\'s 404', new ApiError(404, 'NotFound', 'not found')]] as const) {
    it(`leaves ${name} to back-off, as it is`, () => assert.deepEqual(summary(err), { backOff: err }));
  }

  it('returns the requeue of an operation in progress, Reconciling, and throws the rest as the skeleton reads them', () => {
    assert.deepEqual(asReconcileOutcome(what, inProgress('still going', 12_000)),
      { requeueAfterMs: 12_000, reconciling: { reason: 'InProgress', message: `${what}: still going` } });
    assert.throws(() => asReconcileOutcome(what, throttled('slow down', 3_000)), (e: unknown) => e instanceof WaitingError && e.retryAfterMs === 3_000);
    assert.throws(() => asReconcileOutcome(what, invalid('no')), TerminalError);
    assert.throws(() => asReconcileOutcome(what, unknown), (e: unknown) => e === unknown);
  });
});
