// SecurityGroup controller: upserts the firewall rules through the account's provider (a
// NetworkPolicy on Kubernetes), reports what it made, deletes when the object goes.
import { plural } from '../../api/plural.ts';
import type { SecurityGroupReason, SecurityGroupSpec, SecurityGroupStatus } from '../../api/v1alpha1/security-group.ts';
import { resources } from '../../api/v1alpha1/index.ts';
import { securityGroupFinalizer } from '../../api/v1alpha1/labels.ts';
import type { Reconciler } from '../../core/controller.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import { asReconcileOutcome, providerOwner, resolveAccount, type ProviderDeps } from '../accounts.ts';
import { removeThrough } from '../removal.ts';

export type SecurityGroup = KubeObject<SecurityGroupSpec, SecurityGroupStatus>;

export function securityGroupReconciler(deps: ProviderDeps): Reconciler<SecurityGroup, SecurityGroupStatus> {
  return {
    owns: { fields: ['providerId', 'ownedByReference'], conditions: ['Ready'] },
    finalizer: securityGroupFinalizer,
    finalize: (ctx) => removeThrough(deps, resources.securityGroup, ctx, (p, a, l) => p.securityGroups.delete(a, l, ctx.obj.metadata.name)),
    async reconcile(ctx) {
      const sg = ctx.obj;
      const { account, provider } = resolveAccount(deps.accounts, deps.registry, sg, sg.spec!.accountRef);
      ctx.status.ownedByReference = provider.ownsByReference(account, sg.spec!.location ?? {});
      try {
        const desc = await provider.securityGroups.upsert(account, sg.spec!.location ?? {}, sg.metadata.name, sg.spec!, providerOwner(sg, 'SecurityGroup'));
        ctx.status.providerId = desc.providerId;
        ctx.setCondition({ type: 'Ready', status: 'True', reason: 'Provisioned' satisfies SecurityGroupReason, message: `${desc.providerId}: ${plural(desc.ingressRules, 'ingress rule')}` });
      } catch (err) {
        return asReconcileOutcome(`SecurityGroup "${sg.metadata.name}"`, err);
      }
    },
  };
}
