// Azure errors, mapped once into the providers' typed errors (src/providers/errors.ts). Resource
// Manager answers an error with {error: {code, message, target?, details?}}; the SDKs throw it as a
// RestError (statusCode, code, message, the response with its headers, and the body's error under
// details). A long-running operation that ends Failed is thrown by the poller as a plain Error whose
// message carries the operation's code and message. The SDKs drop ARM's target and details[] from a
// long-running call's first answer and replace a paged list's message; clients.ts keeps each error
// body beside its request, and it is read back here. Microsoft Entra's refusals (AADSTS...) come from
// @azure/identity as an AuthenticationError; no usable identity at all as CredentialUnavailableError.
// What got no answer (refused, reset, timed out) is returned as is, for the controller to call it
// Unreachable.
import type { PipelineRequest } from '@azure/core-rest-pipeline';
import { conflict, inProgress, invalid, isProviderError, notFound, quota, throttled } from '../errors.ts';
import { armErrorOf, credentialSourceOf, retryAfterMsOf, type ArmErrorBody } from './clients.ts';

/** What Azure answered: the HTTP status (0 for a failed operation, which has none), its code, message and target. */
export interface ArmAnswer { status: number; code: string; message: string; target?: string; retryAfterMs?: number }

interface RestErrorLike extends Error {
  statusCode?: number;
  code?: string;
  retryAfterMs?: number;
  details?: { error?: ArmErrorBody };
  request?: PipelineRequest;
  response?: { headers?: { get(name: string): string | undefined | null }; request?: PipelineRequest };
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

/** ARM's details[] often hold the cause (a deployment's failed resource, a field): their codes and messages, a few. */
const detailsOf = (body: ArmErrorBody): string[] => (body.details ?? []).filter((d) => d.message && d.message !== body.message).slice(0, 3)
  .map((d) => `${d.code ? `${d.code}: ` : ''}${d.message}`);

/** The error body kept beside the request, else the one the SDK put under details. */
const bodyOf = (e: RestErrorLike): ArmErrorBody => armErrorOf(e.request ?? e.response?.request) ?? e.details?.error ?? {};

/** The answer a RestError (or a ThrottledAnswer) carries: the body clients.ts kept first, it is whole. */
function restAnswer(e: RestErrorLike, status: number): ArmAnswer {
  const body = bodyOf(e);
  const retryAfterMs = e.retryAfterMs ?? retryAfterMsOf(e.response?.headers);
  // The first detail that names a field gives it when the error itself names none.
  const target = body.target ?? body.details?.find((d) => d.target)?.target;
  const details = detailsOf(body);
  return {
    status, code: body.code ?? e.code ?? '', message: `${body.message ?? e.message}${details.length ? ` (${details.join('; ')})` : ''}`,
    ...(target ? { target } : {}), ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

const is = (a: ArmAnswer, ...codes: string[]) => codes.includes(a.code);
const credentialsHint = '; check the Account\'s service principal (spec.azure.credentialsSecretRef, or the operator\'s Azure identity) '
  + 'and its roles: Virtual Machine Contributor and Network Contributor on the resource group';

/** The policy a RequestDisallowedByPolicy names: its assignment's (or definition's) name in the message's policy identifiers. */
export function policyOf(message: string): string | undefined {
  return /"policyAssignment"\s*:\s*\{[^}]*?"name"\s*:\s*"([^"]+)"/.exec(message)?.[1]
    ?? /"policyDefinition"\s*:\s*\{[^}]*?"name"\s*:\s*"([^"]+)"/.exec(message)?.[1];
}

/** Answers and what they mean, first match wins: codes that say more than their status first, then throttling, quotas and the plain statuses. */
const rules: { matches: (a: ArmAnswer) => boolean; becomes: (message: string, a: ArmAnswer) => Error }[] = [
  // ARM answers these 409 or 403, but no retry helps: a person must act on the subscription.
  { matches: (a) => is(a, 'MissingSubscriptionRegistration'),
    becomes: (m) => invalid(`${m}; register the resource provider Microsoft.Compute / Microsoft.Network in the subscription `
      + '(az provider register --namespace Microsoft.Compute, and --namespace Microsoft.Network)') },
  { matches: (a) => is(a, 'RequestDisallowedByPolicy'), becomes: (m, a) => {
    const policy = policyOf(a.message);
    return invalid(`${m}; Azure Policy${policy ? ` "${policy}"` : ''} forbids this in the subscription or resource group: `
      + 'change what is asked to comply with it, or ask the policy\'s owner for an exemption');
  } },
  { matches: (a) => is(a, 'InvalidAuthenticationTokenAudience'),
    becomes: (m) => invalid(`${m}; the token was issued for another Resource Manager: spec.azure.endpoint must be the Resource Manager of the `
      + 'cloud the tenant is in (e.g. https://management.chinacloudapi.cn, https://management.usgovcloudapi.net), or unset for the public cloud') },
  // Another operation on the resource runs (or took its place): not a failure, look again shortly.
  { matches: (a) => is(a, 'AnotherOperationInProgress', 'OperationPreempted'), becomes: (m, a) => inProgress(m, a.retryAfterMs) },
  { matches: (a) => a.status === 429 || is(a, 'TooManyRequests', 'SubscriptionRequestsThrottled', 'ResourceGroupRequestsThrottled', 'RetryableError')
    || (a.status === 503 && a.retryAfterMs !== undefined), becomes: (m, a) => throttled(m, a.retryAfterMs) },
  { matches: (a) => /(QuotaExceeded|LimitReached)$/.test(a.code) || is(a, 'SkuNotAvailable', 'AllocationFailed', 'ZonalAllocationFailed', 'OverconstrainedAllocationRequest')
    || (is(a, 'OperationNotAllowed') && /quota/i.test(a.message)), becomes: quota },
  // The Account names what does not exist: a person must correct it, however often it is retried.
  { matches: (a) => is(a, 'ResourceGroupNotFound'), becomes: (m) => invalid(`${m}; the Account's spec.azure.resourceGroup must name an existing resource group of its subscription`) },
  { matches: (a) => is(a, 'SubscriptionNotFound', 'InvalidSubscriptionId'),
    becomes: (m) => invalid(`${m}; correct the Account's spec.azure.subscriptionId, or use a service principal of that subscription's tenant`) },
  { matches: (a) => a.status === 404 || is(a, 'ResourceNotFound', 'NotFound'), becomes: notFound },
  // Something still uses what is changed or removed (a probe a scale set names, a pool, a group): not someone
  // else's (Conflict), but a wait until that lets go, looked at again shortly, as GCE's resourceInUseByAnotherResource.
  { matches: (a) => /InUse|UsedBy/.test(a.code), becomes: (m) => inProgress(m, 5_000) },
  { matches: (a) => a.status === 409 || is(a, 'Conflict'), becomes: conflict },
  { matches: (a) => a.status === 401 || a.status === 403 || is(a, 'InvalidAuthenticationToken', 'AuthorizationFailed', 'LinkedAuthorizationFailed'),
    becomes: (m) => invalid(`${m}${credentialsHint}`) },
];

/** The message of an answer: what was being done, then Azure's status, code, message and the field it names. */
const messageOf = (what: string, a: ArmAnswer): string =>
  `Azure: ${what}: ${a.status ? `${a.status} ` : 'the operation failed: '}${a.code || 'error'}: ${a.message}${a.target ? ` (field ${a.target})` : ''}`;

const socketCodes = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN)\b/;

/** A socket error on the way to Entra is no refusal: retried as any unreached service is (with its code, Unreachable). */
function entraUnreached(what: string, err: Error): Error | undefined {
  if (!credentialSourceOf(err) || !(/\bnetwork_error\b/.test(err.message) || socketCodes.test(err.message))) return undefined;
  const code = socketCodes.exec(err.message)?.[1];
  return Object.assign(new Error(`Azure: ${what}: Microsoft Entra could not be reached: ${err.message.split(/\r?\n/)[0]}`, { cause: err }), code ? { code } : {});
}

/** Entra's refusal, naming where the credentials come from: the Secret, or (without one) the operator's own identity. */
function entraRefusal(what: string, err: Error): Error {
  const r = (err as Error & { errorResponse?: { error?: string; errorDescription?: string } }).errorResponse;
  const text = r?.errorDescription ?? err.message;
  // Entra's description goes on with trace and correlation IDs: its AADSTS code and first sentence say what is wrong.
  const sts = /AADSTS\d+:[^.]*\./.exec(text)?.[0];
  const kind = r?.error ?? /^(\w+):/.exec(err.message)?.[1];
  const detail = `${kind ? `${kind}: ` : ''}${sts ?? text.split(/\r?\n/)[0]}`;
  if (credentialSourceOf(err) === 'default') {
    return invalid(`Azure: ${what}: Microsoft Entra refused the operator's Azure identity (the Account names no spec.azure.credentialsSecretRef): ${detail}; `
      + 'check the operator\'s workload identity or managed identity, that it belongs to the tenant spec.azure.tenantId names, '
      + 'or name a Secret with a service principal\'s clientId and clientSecret');
  }
  return invalid(`Azure: ${what}: Microsoft Entra refused the credentials: ${detail}; check clientId and clientSecret in the Secret the Account's `
    + 'spec.azure.credentialsSecretRef names, and its spec.azure.tenantId (an expired secret needs a new one)');
}

/** No token at all: the Secret's service principal could not sign in, or (without a Secret) the operator has no identity. */
function noToken(what: string, err: Error): Error {
  const first = err.message.split(/\r?\n/)[0];
  if (credentialSourceOf(err) === 'secret' && /endpoints_resolution_error/.test(err.message)) {
    // MSAL says the same of an authority it cannot reach and of a tenant the authority does not know: retried, naming both.
    return new Error(`Azure: ${what}: Microsoft Entra's authority could not be reached, or does not know the tenant: ${first}; `
      + 'check spec.azure.tenantId and spec.azure.authorityHost (unset: https://login.microsoftonline.com), and that the operator reaches it', { cause: err });
  }
  if (credentialSourceOf(err) === 'secret') {
    return invalid(`Azure: ${what}: the service principal of the Secret the Account's spec.azure.credentialsSecretRef names cannot sign in: ${first}; `
      + 'check its clientId and clientSecret, and spec.azure.tenantId');
  }
  return invalid(`Azure: ${what}: the Account names no credentials (spec.azure.credentialsSecretRef), and the operator has no Azure identity: `
    + `${first}; name a Secret with a service principal's clientId and clientSecret, or give the operator an identity (workload identity, managed identity)`);
}

/** What a credential's failure means; undefined for an error that is not one. */
function identityError(what: string, err: Error): Error | undefined {
  const unreached = entraUnreached(what, err);
  if (unreached) return unreached;
  if (err.name === 'AuthenticationError' || err.name === 'AuthenticationRequiredError') return entraRefusal(what, err);
  if (err.name === 'CredentialUnavailableError' || err.name === 'AggregateAuthenticationError') return noToken(what, err);
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
