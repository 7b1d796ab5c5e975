// Resolving an object's accountRef into the provider account and its provider.
import type { AccountSpec } from '../api/v1alpha1/account.ts';
import { WaitingError, TerminalError } from '../core/errors.ts';
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

/** Provider errors as the skeleton's taxonomy: Invalid and Quota need a person; the rest retry. */
export function asReconcileError(what: string, err: unknown): unknown {
  if (isProviderError(err, 'Invalid')) return new TerminalError('Invalid', `${what}: ${err.message}`);
  if (isProviderError(err, 'Quota')) return new WaitingError('QuotaExceeded', `${what}: ${err.message}`, 60_000);
  return err;
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
