// Google API errors, mapped once into the providers' typed errors (src/providers/errors.ts). The
// compute clients speak REST through google-gax, which turns an error answer into a GoogleError: its
// HTTP status (httpStatusCode), the API's message, and the raw body under a well-known symbol, where
// Compute puts its reasons (error.errors[].reason: rateLimitExceeded, quotaExceeded, alreadyExists,
// conditionNotMet, ...). Retry-After is on the response, which gax drops: clients.ts keeps a 429's
// response on the error's cause (see throttledResponse there).
import { conflict, inProgress, invalid, isProviderError, notFound, quota, throttled } from '../errors.ts';

/** Where gax keeps an error answer's body (googleError.ts' setRawHttpResponsePayload). */
const rawPayload = Symbol.for('google-gax.rawHttpResponsePayload');

/** What this module reads of an error the clients throw. */
export interface GoogleApiError extends Error {
  httpStatusCode?: number;
  /** The gRPC code gax derived (a number); a refused connection or a timeout has one too, but no httpStatusCode. */
  code?: number | string;
  reason?: string;
  errors?: { reason?: string; message?: string }[];
  cause?: unknown;
  [rawPayload]?: unknown;
}

/** What an answer said: its HTTP status, its reasons, its message, and how long to wait when it said. */
export interface ApiAnswer { status: number; reasons: string[]; message: string; retryAfterMs?: number }

/** Seconds or an HTTP date, as Retry-After holds them; undefined when it is neither. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function payloadOf(err: GoogleApiError): { error?: { message?: string; errors?: { reason?: string; message?: string }[]; status?: string } } | undefined {
  const raw = err[rawPayload];
  if (typeof raw === 'string') {
    try { return JSON.parse(raw) as never; } catch { return undefined; }
  }
  return typeof raw === 'object' && raw !== null ? raw as never : undefined;
}

/** The response a 429 arrived with, which clients.ts hangs on the cause. */
function retryAfterOf(err: GoogleApiError): number | undefined {
  const headers = (err.cause as { response?: { headers?: { get?(name: string): string | null } } } | undefined)?.response?.headers;
  return parseRetryAfter(headers?.get?.('retry-after'));
}

/** What the API answered, or undefined when it did not answer (refused, timed out, a bug). */
export function answerOf(err: unknown): ApiAnswer | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as GoogleApiError;
  if (typeof e.httpStatusCode !== 'number') return undefined;
  const body = payloadOf(e)?.error;
  const reasons = [...new Set([...(e.errors ?? []), ...(body?.errors ?? [])].map((x) => x.reason).concat(e.reason, body?.status)
    .filter((r): r is string => !!r))];
  const retryAfterMs = retryAfterOf(e);
  return { status: e.httpStatusCode, reasons, message: body?.message ?? e.message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

const has = (a: ApiAnswer, ...reasons: string[]) => a.reasons.some((r) => reasons.includes(r));
const credentialsHint = '; check the Account\'s credentials (spec.gce.credentialsSecretRef, or the operator\'s application default credentials)';

/** Answers and what they mean, first match wins: throttling before quotas, both before the plain statuses. */
const rules: { matches: (a: ApiAnswer) => boolean; becomes: (message: string, a: ApiAnswer) => Error }[] = [
  { matches: (a) => a.status === 429 || has(a, 'rateLimitExceeded', 'userRateLimitExceeded', 'RATE_LIMIT_EXCEEDED'),
    becomes: (m, a) => throttled(m, a.retryAfterMs) },
  { matches: (a) => has(a, 'quotaExceeded', 'QUOTA_EXCEEDED', 'limitExceeded'), becomes: quota },
  { matches: (a) => a.status === 404 || has(a, 'notFound'), becomes: notFound },
  { matches: (a) => a.status === 409 || has(a, 'alreadyExists'), becomes: conflict },
  // conditionNotMet: a fingerprint moved under us (someone changed it meanwhile); read again and retry.
  { matches: (a) => a.status === 412 || has(a, 'conditionNotMet'), becomes: (m) => inProgress(m, 1_000) },
  { matches: (a) => has(a, 'resourceInUseByAnotherResource'), becomes: (m) => inProgress(m, 5_000) },
  { matches: (a) => a.status === 401, becomes: (m) => invalid(`${m}${credentialsHint}`) },
  { matches: (a) => a.status === 403,
    becomes: (m) => invalid(`${m}; grant the Account's service account this permission on the project (e.g. roles/compute.admin)`) },
];

/**
 * The typed error an answer means, its message naming what was asked (what) and carrying the API's.
 * A server error (5xx) stays an error to retry with back-off; what got no answer is returned as is.
 */
export function typedGceError(what: string, err: unknown): unknown {
  if (isProviderError(err)) return err;
  const a = answerOf(err);
  if (!a) return err;
  const message = `${what}: GCE ${a.status}${a.reasons.length ? ` ${a.reasons.join(', ')}` : ''}: ${a.message}`;
  const rule = rules.find((r) => r.matches(a));
  if (rule) return rule.becomes(message, a);
  if (a.status >= 500) return new Error(`${what}: GCE failed: ${a.status}: ${a.message}`, { cause: err });
  return invalid(message);
}

/** Whether err is a stale fingerprint (412 conditionNotMet): read the resource again and redo the change. */
export const isStaleFingerprint = (err: unknown): boolean => isProviderError(err, 'InProgress') && /GCE 412|conditionNotMet/.test(err.message);

/** Runs a Google API call, throwing its failure as a typed error (see typedGceError). */
export async function gce<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw typedGceError(what, err);
  }
}

/** The call's result, or undefined when the API says what it names does not exist. */
export async function gceOrAbsent<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await gce(what, call);
  } catch (err) {
    if (isProviderError(err, 'NotFound')) return undefined;
    throw err;
  }
}

/** An operation's error entry (Operation.error.errors[]). */
export interface OperationError { code?: string | null; message?: string | null }

/**
 * The typed error a failed operation means, naming the resource (what): quota codes are Quota, an
 * existing resource Conflict, a missing one NotFound, one in use InProgress; anything else is
 * Invalid unless its HTTP status says the service failed.
 */
export function operationError(what: string, errors: readonly OperationError[], httpStatus?: number | null): Error {
  const codes = errors.map((e) => e.code ?? '').filter(Boolean);
  const message = `${what}: the operation failed: ${errors.map((e) => `${e.code ?? 'ERROR'}: ${e.message ?? ''}`).join('; ') || 'no reason given'}`;
  const is = (re: RegExp) => codes.some((c) => re.test(c));
  if (is(/QUOTA|RESOURCE_POOL_EXHAUSTED|STOCKOUT/)) return quota(message);
  if (is(/RATE_LIMIT/)) return throttled(message);
  if (is(/ALREADY_EXISTS/)) return conflict(message);
  if (is(/NOT_FOUND/)) return notFound(message);
  if (is(/IN_USE|NOT_READY|OPERATION_CANCELED/)) return inProgress(message, 5_000);
  if ((httpStatus ?? 0) >= 500) return new Error(message);
  return invalid(message);
}
