// Azure errors, mapped once into the providers' typed errors (src/providers/errors.ts). Resource
// Manager answers an error with {error: {code, message, target?, details?}}; the SDKs throw it as a
// RestError (statusCode, code, message, the response with its headers, and the body's error under
// details). A long-running operation that ends Failed is thrown by the poller as a plain Error whose
// message carries the operation's code and message. Microsoft Entra's refusals (AADSTS...) come from
// @azure/identity as an AuthenticationError; no usable identity at all as CredentialUnavailableError.
// What got no answer (refused, reset, timed out) is returned as is, for the controller to call it
// Unreachable.
import { conflict, invalid, isProviderError, notFound, quota, throttled } from '../errors.ts';
import { retryAfterMsOf } from './clients.ts';

/** What Azure answered: the HTTP status (0 for a failed operation, which has none), its code, message and target. */
export interface ArmAnswer { status: number; code: string; message: string; target?: string; retryAfterMs?: number }

interface RestErrorLike extends Error {
  statusCode?: number;
  code?: string;
  retryAfterMs?: number;
  details?: { error?: { code?: string; message?: string; target?: string } };
  response?: { headers?: { get(name: string): string | undefined | null } };
}

/** How core-lro words an operation that ended Failed: "The long-running operation has failed. <code>. <message>". */
const failedOperation = /^The long-running operation has failed(?:\. ([^.\s]+)\. ([\s\S]*))?$/;

/** What Azure answered, or undefined when it did not answer (refused, timed out, a bug). */
export function answerOf(err: unknown): ArmAnswer | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as RestErrorLike;
  const failed = failedOperation.exec(e.message);
  if (failed) return { status: 0, code: failed[1] ?? 'OperationFailed', message: failed[2] ?? 'no reason given' };
  return typeof e.statusCode === 'number' ? restAnswer(e, e.statusCode) : undefined;
}

/** The answer a RestError (or a ThrottledAnswer) carries. */
function restAnswer(e: RestErrorLike, status: number): ArmAnswer {
  const body = e.details?.error;
  const retryAfterMs = e.retryAfterMs ?? retryAfterMsOf(e.response?.headers);
  return {
    status, code: body?.code ?? e.code ?? '', message: body?.message ?? e.message,
    ...(body?.target ? { target: body.target } : {}), ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

const is = (a: ArmAnswer, ...codes: string[]) => codes.includes(a.code);
const credentialsHint = '; check the Account\'s service principal (spec.azure.credentialsSecretRef, or the operator\'s Azure identity) and its role on the resource group (e.g. Contributor)';

/** Answers and what they mean, first match wins: throttling and quotas before the plain statuses. */
const rules: { matches: (a: ArmAnswer) => boolean; becomes: (message: string, a: ArmAnswer) => Error }[] = [
  { matches: (a) => a.status === 429 || is(a, 'TooManyRequests', 'SubscriptionRequestsThrottled', 'ResourceGroupRequestsThrottled', 'RetryableError'),
    becomes: (m, a) => throttled(m, a.retryAfterMs) },
  { matches: (a) => /QuotaExceeded$/.test(a.code) || is(a, 'SkuNotAvailable', 'AllocationFailed', 'ZonalAllocationFailed', 'OverconstrainedAllocationRequest')
    || (is(a, 'OperationNotAllowed') && /quota/i.test(a.message)), becomes: quota },
  // The Account names what does not exist: a person must correct it, however often it is retried.
  { matches: (a) => is(a, 'ResourceGroupNotFound'), becomes: (m) => invalid(`${m}; the Account's spec.azure.resourceGroup must name an existing resource group of its subscription`) },
  { matches: (a) => is(a, 'SubscriptionNotFound', 'InvalidSubscriptionId'),
    becomes: (m) => invalid(`${m}; correct the Account's spec.azure.subscriptionId, or use a service principal of that subscription's tenant`) },
  { matches: (a) => a.status === 404 || is(a, 'ResourceNotFound', 'NotFound'), becomes: notFound },
  { matches: (a) => a.status === 409 || is(a, 'AnotherOperationInProgress', 'Conflict', 'OperationPreempted') || /InUse/.test(a.code), becomes: conflict },
  { matches: (a) => a.status === 401 || a.status === 403 || is(a, 'InvalidAuthenticationToken', 'AuthorizationFailed', 'LinkedAuthorizationFailed'),
    becomes: (m) => invalid(`${m}${credentialsHint}`) },
];

/** The message of an answer: what was being done, then Azure's status, code, message and the field it names. */
const messageOf = (what: string, a: ArmAnswer): string =>
  `Azure: ${what}: ${a.status ? `${a.status} ` : 'the operation failed: '}${a.code || 'error'}: ${a.message}${a.target ? ` (field ${a.target})` : ''}`;

/** Entra's refusal of the credentials, or the lack of any identity: Invalid, naming where credentials come from. */
function identityError(what: string, err: Error): Error | undefined {
  if (err.name === 'AuthenticationError' || err.name === 'AuthenticationRequiredError') {
    const r = (err as Error & { errorResponse?: { error?: string; errorDescription?: string } }).errorResponse;
    const text = r?.errorDescription ?? err.message;
    // Entra's description goes on with trace and correlation IDs: its AADSTS code and first sentence say what is wrong.
    const sts = /AADSTS\d+:[^.]*\./.exec(text)?.[0];
    const kind = r?.error ?? /^(\w+):/.exec(err.message)?.[1];
    const detail = `${kind ? `${kind}: ` : ''}${sts ?? text.split(/\r?\n/)[0]}`;
    return invalid(`Azure: ${what}: Microsoft Entra refused the credentials: ${detail}; check clientId and clientSecret in the Secret the Account's `
      + 'spec.azure.credentialsSecretRef names, and its spec.azure.tenantId (an expired secret needs a new one)');
  }
  if (err.name === 'CredentialUnavailableError' || err.name === 'AggregateAuthenticationError') {
    return invalid(`Azure: ${what}: the Account names no credentials (spec.azure.credentialsSecretRef), and the operator has no Azure identity: `
      + `${err.message.split(/\r?\n/)[0]}; name a Secret with a service principal's clientId and clientSecret, or give the operator an identity (workload identity, managed identity)`);
  }
  return undefined;
}

/**
 * The typed error an answer means, its message naming what was being done (what) and carrying Azure's.
 * A server error (5xx) stays an error to retry with back-off; a timeout is named so; what got no answer is returned as is.
 */
export function typedAzureError(what: string, err: unknown): unknown {
  if (isProviderError(err) || !(err instanceof Error)) return err;
  const fromIdentity = identityError(what, err);
  if (fromIdentity) return fromIdentity;
  // The deadline of clients.ts aborted the request: the controller's reading of a timeout is the name TimeoutError.
  if (err.name === 'AbortError') return Object.assign(new Error(`Azure: ${what}: no answer within the deadline`, { cause: err }), { name: 'TimeoutError' });
  const a = answerOf(err);
  if (!a) return err;
  const message = messageOf(what, a);
  const rule = rules.find((r) => r.matches(a));
  if (rule) return rule.becomes(message, a);
  if (a.status >= 500 || is(a, 'InternalServerError', 'InternalExecutionError', 'InternalOperationError', 'ServerTimeout', 'ServiceUnavailable')) {
    return new Error(`Azure: ${what}: Azure failed: ${a.status ? `${a.status} ` : ''}${a.code}: ${a.message}`, { cause: err });
  }
  return invalid(message);
}

/** Runs an Azure call (a poller is awaited to its end), throwing its failure as a typed error (see typedAzureError). */
export async function azure<T>(what: string, call: () => PromiseLike<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw typedAzureError(what, err);
  }
}

/** The call's result, or undefined when Azure says what it names does not exist. */
export async function azureOrAbsent<T>(what: string, call: () => PromiseLike<T>): Promise<T | undefined> {
  try {
    return await azure(what, call);
  } catch (err) {
    if (isProviderError(err, 'NotFound')) return undefined;
    throw err;
  }
}

/** Every item of a paged list (the SDK's PagedAsyncIterableIterator), read to the end. */
export async function all<T>(what: string, pages: () => AsyncIterable<T>): Promise<T[]> {
  return azure(what, async () => {
    const out: T[] = [];
    for await (const item of pages()) out.push(item);
    return out;
  });
}
