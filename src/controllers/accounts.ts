// Resolving an object's accountRef into the provider account and its provider; what provider errors
// mean for a pass, mapped here once.
import type { AccountSpec, ProviderReason } from '../api/v1alpha1/account.ts';
import { apiVersion } from '../api/v1alpha1/index.ts';
import type { Outcome } from '../core/controller.ts';
import { ApiError, WaitingError, TerminalError } from '../core/errors.ts';
import type { ObjectCache } from '../core/informer.ts';
import type { EventRecorder } from '../core/events.ts';
import type { KubeClient, KubeObject } from '../core/kube-client.ts';
import { isProviderError } from '../providers/errors.ts';
import type { Owner, Provider, ProviderAccount } from '../providers/interfaces.ts';
import type { ProviderRegistry } from '../providers/registry.ts';

export type Account = KubeObject<AccountSpec>;

/** Who owns what a provider makes for obj (tags on clouds, an owner reference on Kubernetes). */
export const providerOwner = (obj: KubeObject, kind: string): Owner => ({ apiVersion, kind, namespace: obj.metadata.namespace!, name: obj.metadata.name, uid: obj.metadata.uid! });

/**
 * What a controller acting through a provider needs: the Accounts and the providers, and, since the
 * skeleton writes no status while an object is deleted, a client and Events for its finalizer.
 */
export interface ProviderDeps {
  accounts: ObjectCache<Account>;
  registry: ProviderRegistry;
  client: KubeClient;
  events: EventRecorder;
}

/** The account (acting in obj's namespace) and its provider; waits while the Account does not exist. field names where obj names it. */
export function resolveAccount(accounts: ObjectCache<Account>, registry: ProviderRegistry, obj: KubeObject,
  accountRef: { name: string }, field = 'spec.accountRef'): { account: ProviderAccount; provider: Provider } {
  const ns = obj.metadata.namespace!;
  const found = accounts.get(`${ns}/${accountRef.name}`);
  if (!found?.spec) {
    throw new WaitingError('AccountNotFound' satisfies ProviderReason, `${obj.kind} "${obj.metadata.name}": Account "${accountRef.name}" (${field}) does not exist in namespace "${ns}"; create it`);
  }
  const account = { name: accountRef.name, namespace: ns, spec: found.spec };
  try {
    return { account, provider: registry.forAccount(account) };
  } catch (err) {
    if (isProviderError(err, 'Invalid')) throw new TerminalError('ProviderUnavailable' satisfies ProviderReason, err.message);
    throw err;
  }
}

/** The reason of an error resolveAccount or providerFailure made: they make no other. */
export const providerReasonOf = (err: WaitingError | TerminalError): ProviderReason => err.reason as ProviderReason;

/** How long a provider that throttles or cannot be reached is left alone when it gave no delay. */
export const transientRetryMs = 5_000;
/** How long a provider's operation in progress is left alone when it gave no estimate. */
export const inProgressRetryMs = 10_000;
const quotaRetryMs = 60_000;
const conflictRetryMs = 30_000;

/**
 * What a failed provider call means for the pass: come back after a delay with no error (an
 * operation in progress), or an error the skeleton reads (TerminalError: a person must act;
 * WaitingError: recorded on the condition and tried again after its delay; anything else: back-off).
 */
export type ProviderFailure = { requeueAfterMs: number; message: string } | { error: unknown };

/**
 * The one mapping of provider errors. InProgress comes back after the provider's hint; Invalid needs
 * a person; Quota, Conflict (the name is someone else's), throttling (after the provider's Retry-After
 * when it gave one), server errors and an unreachable provider are recorded on the object's condition (so whoever waits on it can say
 * why) and tried again; the rest retry with back-off.
 */
export function providerFailure(what: string, err: unknown): ProviderFailure {
  if (isProviderError(err, 'InProgress')) return { requeueAfterMs: err.retryAfterMs ?? inProgressRetryMs, message: `${what}: ${err.message}` };
  if (isProviderError(err, 'Invalid')) return { error: new TerminalError('Invalid' satisfies ProviderReason, `${what}: ${err.message}`) };
  if (isProviderError(err, 'Quota')) return { error: new WaitingError('QuotaExceeded' satisfies ProviderReason, `${what}: ${err.message}`, err.retryAfterMs ?? quotaRetryMs) };
  // Someone else's resource holds the name: shown on the object, and tried again (it may be renamed or removed).
  if (isProviderError(err, 'Conflict')) return { error: new WaitingError('Conflict' satisfies ProviderReason, `${what}: ${err.message}`, conflictRetryMs) };
  if (isProviderError(err, 'Throttled') || (err instanceof ApiError && err.status === 429)) {
    const after = isProviderError(err) ? err.retryAfterMs ?? transientRetryMs : transientRetryMs;
    return { error: new WaitingError('Throttled' satisfies ProviderReason, `${what}: the provider is throttling requests: ${(err as Error).message}`, after) };
  }
  if (err instanceof ApiError && err.status >= 500) return { error: new WaitingError('ProviderError' satisfies ProviderReason, `${what}: the provider failed: ${err.message}`, transientRetryMs) };
  const unreachable = unreachableCause(err);
  if (unreachable) return { error: new WaitingError('Unreachable' satisfies ProviderReason, `${what}: cannot reach the provider: ${unreachable}`, transientRetryMs) };
  return { error: err };
}

/**
 * For a pass's catch: an operation in progress comes back after its hint, Reconciling (the provider
 * is still at work on this generation); any other failure is thrown as the skeleton reads it.
 */
export function asReconcileOutcome(what: string, err: unknown): Exclude<Outcome, void> & { requeueAfterMs: number } {
  const failure = providerFailure(what, err);
  if ('error' in failure) throw failure.error;
  return { requeueAfterMs: failure.requeueAfterMs, reconciling: { reason: 'InProgress' satisfies ProviderReason, message: failure.message } };
}

const isNoAnswer = (code: unknown): code is string => typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code);

/** Why a request got no answer at all (refused, timed out, no route), or undefined when it got one. */
function unreachableCause(err: unknown): string | undefined {
  if (!(err instanceof Error) || err instanceof ApiError || isProviderError(err)) return undefined;
  if (err.name === 'TimeoutError') return 'the request timed out';
  // fetch puts the system error in cause; other clients (the AWS SDK) throw it with its code.
  // Only a system or socket error code means no answer: an API's own codes (gRPC's 13) say it answered.
  const cause = (err as Error & { cause?: { code?: unknown; message?: string } }).cause;
  if (isNoAnswer(cause?.code)) return `${cause!.code as string}${cause!.message ? ` (${cause!.message})` : ''}`;
  const code = (err as Error & { code?: unknown }).code;
  return isNoAnswer(code) ? `${code} (${err.message})` : undefined;
}
