// Removing what the provider holds for an object when the object is deleted (its finalizer). What
// cannot be removed holds the object, saying why on its Ready condition and in a Warning Event,
// until it can be or a person lets it go: nothing is left behind in a cloud unnoticed. An object
// whose Account is gone is let go only when nothing was made for it, or when what was made is owned
// by it by reference (the garbage collector removes it; see Provider.ownsByReference).
import { setCondition, type Condition } from '../core/conditions.ts';
import type { Clock } from '../core/clock.ts';
import type { Outcome } from '../core/controller.ts';
import { isNotFound, TerminalError, WaitingError } from '../core/errors.ts';
import type { KubeObject, ResourceType } from '../core/kube-client.ts';
import type { RemovalReason } from '../api/v1alpha1/account.ts';
import { orphanAnnotation } from '../api/v1alpha1/labels.ts';
import type { Logger } from '../core/logger.ts';
import type { Location, Provider, ProviderAccount } from '../providers/interfaces.ts';
import { providerFailure, providerReasonOf, resolveAccount, type ProviderDeps } from './accounts.ts';

/** How often a held object is looked at again (an Account coming back, or the annotation, wakes it at once). */
const holdRetryMs = 60_000;
const fieldManager = 'staysail-finalizer';

/** What removal reads of an object: its Account and location, and what its controller recorded of the provider's resource. */
export type Removable = KubeObject<{ accountRef: { name: string }; location?: Location },
  { providerId?: string; ownedByReference?: boolean; conditions?: Condition[] }>;

/** The part of a reconcile context removal reads. */
export interface RemovalContext { obj: Removable; log: Logger; clock: Clock }

/**
 * Removes what the provider holds for the object through its Account: done when removed (or when
 * nothing needs removing), otherwise the object is held and comes back later.
 */
export async function removeThrough(deps: ProviderDeps, resource: ResourceType, ctx: RemovalContext,
  remove: (provider: Provider, account: ProviderAccount, location: Location) => Promise<void>): Promise<Outcome> {
  const obj = ctx.obj;
  const what = `${resource.kind} "${obj.metadata.name}"`;
  const made = obj.status?.providerId;
  let resolved;
  try {
    resolved = resolveAccount(deps.accounts, deps.registry, obj, obj.spec!.accountRef);
  } catch (err) {
    if (!(err instanceof WaitingError) && !(err instanceof TerminalError)) throw err;
    if (!made) return undefined; // the provider never made anything for it
    const account = obj.spec!.accountRef.name;
    if (obj.status?.ownedByReference) {
      ctx.log.info('let go without its account: what it made is owned by reference', { account, providerId: made });
      void deps.events.record(obj, 'Normal', 'Released', `${what}: Account "${account}" no longer exists; `
        + `${made} goes with it (owned by reference, removed by the garbage collector)`);
      return undefined;
    }
    const problem = err instanceof WaitingError ? `Account "${account}" no longer exists; recreate it, or` : `${err.message}; fix that, or`;
    return hold(deps, resource, ctx, err instanceof WaitingError ? 'AccountMissing' : providerReasonOf(err),
      `${what}: cannot remove ${made} from the provider: ${problem}`, holdRetryMs);
  }
  try {
    await remove(resolved.provider, resolved.account, obj.spec!.location ?? {});
    return undefined;
  } catch (err) {
    const failure = providerFailure(`${what}: cannot remove ${made ?? 'it'} from the provider`, err);
    if (!('error' in failure)) return { requeueAfterMs: failure.requeueAfterMs };
    const e = failure.error;
    if (!(e instanceof WaitingError) && !(e instanceof TerminalError)) throw e;
    return e instanceof WaitingError ? hold(deps, resource, ctx, providerReasonOf(e), `${e.message}; it is tried again, or`, e.retryAfterMs)
      : hold(deps, resource, ctx, providerReasonOf(e), `${e.message}; fix that, or`, holdRetryMs);
  }
}

/**
 * Lets the object go when a person annotated it so; otherwise says why it is held (the Ready
 * condition and a Warning Event, once per change) and comes back later.
 */
async function hold(deps: ProviderDeps, resource: ResourceType, ctx: RemovalContext, reason: RemovalReason, problem: string,
  retryMs: number): Promise<Outcome> {
  const obj = ctx.obj;
  const leftBehind = obj.status?.providerId ?? 'what the provider holds for it';
  if (obj.metadata.annotations?.[orphanAnnotation] === 'true') {
    ctx.log.info('orphaned: let go, leaving the provider resource behind', { reason, providerId: leftBehind });
    void deps.events.record(obj, 'Warning', 'Orphaned', `${resource.kind} "${obj.metadata.name}": let go as ${orphanAnnotation} is true, `
      + `leaving ${leftBehind} behind in the provider`);
    return undefined;
  }
  const message = `${problem} annotate the object ${orphanAnnotation}=true to let it go and leave the provider's resource behind `
    + `(kubectl annotate ${resource.kind.toLowerCase()} ${obj.metadata.name} ${orphanAnnotation}=true)`;
  const ready = obj.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'False' || ready.reason !== reason || ready.message !== message) {
    const conditions = setCondition(obj.status?.conditions, { type: 'Ready', status: 'False', reason, message }, obj.metadata.generation, ctx.clock.now());
    try {
      // Only the Ready condition, under a field manager of its own: the rest of the status stays as the controller wrote it.
      await deps.client.apply(resource, { metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace },
        status: { conditions: conditions.filter((c) => c.type === 'Ready') } } as KubeObject, fieldManager, { force: true, subresource: 'status' });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    void deps.events.record(obj, 'Warning', reason, message);
  }
  ctx.log.info('held: cannot remove what the provider holds for it', { reason, retryInMs: retryMs });
  return { requeueAfterMs: retryMs };
}
