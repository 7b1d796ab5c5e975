// Resolving an object's accountRef into the provider account and its provider.
import type { AccountSpec } from '../api/v1alpha1/account.ts';
import { ApiError, WaitingError, TerminalError } from '../core/errors.ts';
import type { ObjectCache } from '../core/informer.ts';
import type { KubeObject } from '../core/kube-client.ts';
import { isProviderError } from '../providers/errors.ts';
import type { Location, Provider, ProviderAccount } from '../providers/interfaces.ts';
import type { ProviderRegistry } from '../providers/registry.ts';

export type Account = KubeObject<AccountSpec>;

/** The account (acting in obj's namespace) and its provider; waits while the Account does not exist. */
export function resolveAccount(accounts: ObjectCache<Account>, registry: ProviderRegistry, obj: KubeObject,
  accountRef: { name: string }): { account: ProviderAccount; provider: Provider } {
  const ns = obj.metadata.namespace!;
  const found = accounts.get(`${ns}/${accountRef.name}`);
  if (!found?.spec) {
    throw new WaitingError('AccountNotFound', `${obj.kind} "${obj.metadata.name}": Account "${accountRef.name}" (spec.accountRef) does not exist in namespace "${ns}"; create it`);
  }
  const account = { name: accountRef.name, namespace: ns, spec: found.spec };
  try {
    return { account, provider: registry.forAccount(account) };
  } catch (err) {
    if (isProviderError(err, 'Invalid')) throw new TerminalError('ProviderUnavailable', err.message);
    throw err;
  }
}

/** How long a provider that throttles or cannot be reached is left alone before the next try. */
const transientRetryMs = 5_000;

/**
 * Provider errors as the skeleton's taxonomy: Invalid needs a person; Quota, throttling and an
 * unreachable provider are recorded in the object's condition (so whoever waits on it can say why)
 * and tried again; the rest retry with back-off.
 */
export function asReconcileError(what: string, err: unknown): unknown {
  if (isProviderError(err, 'Invalid')) return new TerminalError('Invalid', `${what}: ${err.message}`);
  if (isProviderError(err, 'Quota')) return new WaitingError('QuotaExceeded', `${what}: ${err.message}`, 60_000);
  if (isProviderError(err, 'Throttled') || (err instanceof ApiError && err.status === 429)) {
    return new WaitingError('Throttled', `${what}: the provider is throttling requests: ${(err as Error).message}`, transientRetryMs);
  }
  if (err instanceof ApiError && err.status >= 500) return new WaitingError('ProviderError', `${what}: the provider failed: ${err.message}`, transientRetryMs);
  const unreachable = unreachableCause(err);
  if (unreachable) return new WaitingError('Unreachable', `${what}: cannot reach the provider: ${unreachable}`, transientRetryMs);
  return err;
}

/** Why a request got no answer at all (refused, timed out, no route), or undefined when it got one. */
function unreachableCause(err: unknown): string | undefined {
  if (!(err instanceof Error) || err instanceof ApiError || isProviderError(err)) return undefined;
  if (err.name === 'TimeoutError') return 'the request timed out';
  const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${cause.code}${cause.message ? ` (${cause.message})` : ''}` : undefined;
}

/**
 * Removes what the provider holds for obj, when the object is deleted. Without its Account nothing
 * of ours can be reached any more, so the object is let go (what the provider held may remain).
 */
export async function removeThrough(accounts: ObjectCache<Account>, registry: ProviderRegistry,
  obj: KubeObject<{ accountRef: { name: string }; location?: Location }>,
  remove: (provider: Provider, account: ProviderAccount, location: Location) => Promise<void>): Promise<void> {
  let resolved;
  try { resolved = resolveAccount(accounts, registry, obj, obj.spec!.accountRef); } catch { return; }
  await remove(resolved.provider, resolved.account, obj.spec!.location ?? {});
}
