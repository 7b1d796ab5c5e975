// LoadBalancer controller: upserts through the account's provider, reports what it sees (address,
// member server groups, healthy endpoints), deletes when the object goes.
import { plural } from '../../api/plural.ts';
import type { LoadBalancerReason, LoadBalancerSpec, LoadBalancerStatus } from '../../api/v1alpha1/load-balancer.ts';
import { resources } from '../../api/v1alpha1/index.ts';
import { loadBalancerFinalizer } from '../../api/v1alpha1/labels.ts';
import type { Reconciler } from '../../core/controller.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import { asReconcileOutcome, providerOwner, resolveAccount, type ProviderDeps } from '../accounts.ts';
import { actedOnCondition, reportFieldsNotActedOn } from '../not-acted-on.ts';
import { removeThrough } from '../removal.ts';

export type LoadBalancer = KubeObject<LoadBalancerSpec, LoadBalancerStatus>;

export function loadBalancerReconciler(deps: ProviderDeps): Reconciler<LoadBalancer, LoadBalancerStatus> {
  return {
    owns: { fields: ['providerId', 'address', 'serverGroups', 'readyEndpoints', 'ownedByReference'], conditions: ['Ready', actedOnCondition] },
    finalizer: loadBalancerFinalizer,
    finalize: (ctx) => removeThrough(deps, resources.loadBalancer, ctx, (p, a, l) => p.loadBalancers.delete(a, l, ctx.obj.metadata.name)),
    async reconcile(ctx) {
      const lb = ctx.obj;
      const { account, provider } = resolveAccount(deps.accounts, deps.registry, lb, lb.spec!.accountRef);
      ctx.status.ownedByReference = provider.ownsByReference(account, lb.spec!.location ?? {});
      reportFieldsNotActedOn(ctx, 'LoadBalancer', [{ field: 'spec.kubernetes.httpRoute', set: !!lb.spec!.kubernetes?.httpRoute && provider.name !== 'kubernetes',
        meanwhile: `the ${provider.name} provider makes no HTTPRoute: traffic is split by its own load balancer's members, as without the field` }]);
      try {
        const desc = await provider.loadBalancers.upsert(account, lb.spec!.location ?? {}, lb.metadata.name, lb.spec!, providerOwner(lb, 'LoadBalancer'));
        ctx.status.providerId = desc.providerId;
        if (desc.address) ctx.status.address = desc.address;
        ctx.status.serverGroups = desc.serverGroups;
        ctx.status.readyEndpoints = desc.healthyEndpoints;
        ctx.setCondition({ type: 'Ready', status: 'True', reason: 'Provisioned' satisfies LoadBalancerReason,
          message: `${desc.providerId}: ${plural(desc.healthyEndpoints, 'healthy endpoint')} from ${plural(desc.serverGroups.length, 'server group')}` });
        // Membership (and an HTTPRoute's weights, after a resize) follows server groups changed elsewhere: look again now and then.
        return { requeueAfterMs: 10_000 };
      } catch (err) {
        return asReconcileOutcome(`LoadBalancer "${lb.metadata.name}"`, err);
      }
    },
  };
}
