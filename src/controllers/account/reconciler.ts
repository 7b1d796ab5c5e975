// Account controller: says in the Ready condition whether the account can be used: its provider is
// available in this operator and its credentials reach it. Checked again now and then, since
// credentials and networks change without the Account changing. One that is invalid is Stalled: it
// cannot become Ready until its spec or its credentials change; one that cannot be reached is
// Reconciling while it is tried again.
import type { AccountReason, AccountStatus } from '../../api/v1alpha1/account.ts';
import type { Reconciler } from '../../core/controller.ts';
import { isProviderError } from '../../providers/errors.ts';
import type { ProviderRegistry } from '../../providers/registry.ts';
import type { Account } from '../accounts.ts';
import { actedOnCondition, reportFieldsNotActedOn } from '../not-acted-on.ts';

const recheckMs = 5 * 60_000;
const retryMs = 30_000;

export function accountReconciler(providers: ProviderRegistry): Reconciler<Account, AccountStatus> {
  return {
    owns: { fields: ['regions'], conditions: ['Ready', actedOnCondition] },
    async reconcile(ctx) {
      const a = ctx.obj;
      const account = { name: a.metadata.name, namespace: a.metadata.namespace!, spec: a.spec! };
      reportFieldsNotActedOn(ctx, 'Account', [{ field: 'spec.permissions', set: a.spec!.permissions !== undefined,
        meanwhile: 'who may deploy to it is decided by Kubernetes RBAC alone' }]);
      try {
        const reached = await providers.forAccount(account).verify(account);
        ctx.setCondition({ type: 'Ready', status: 'True', reason: 'Reachable' satisfies AccountReason, message: `Account "${a.metadata.name}" ${reached}` });
        return { requeueAfterMs: recheckMs };
      } catch (err) {
        const invalid = isProviderError(err, 'Invalid');
        const cause = (err as Error & { cause?: { code?: string } }).cause?.code;
        const why = { reason: (invalid ? 'Invalid' : 'Unreachable') satisfies AccountReason,
          message: invalid ? (err as Error).message : `Account "${a.metadata.name}" cannot reach its provider: ${cause ?? (err as Error).message}` };
        ctx.setCondition({ type: 'Ready', status: 'False', ...why });
        // An invalid Account needs a person; an unreachable one may answer at the next try (a blip, a cluster still starting).
        return invalid ? { requeueAfterMs: recheckMs, stalled: why } : { requeueAfterMs: retryMs, reconciling: why };
      }
    },
  };
}
