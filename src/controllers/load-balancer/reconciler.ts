// LoadBalancer and SecurityGroup controllers: upsert through the account's provider, report what it
// sees, delete when the object goes.
import { plural } from '../../api/plural.ts';
import type { LoadBalancerSpec, LoadBalancerStatus } from '../../api/v1alpha1/load-balancer.ts';
import type { SecurityGroupSpec, SecurityGroupStatus } from '../../api/v1alpha1/security-group.ts';
import { apiVersion, resources } from '../../api/v1alpha1/index.ts';
import type { Reconciler } from '../../core/controller.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import { asReconcileOutcome, resolveAccount, type ProviderDeps } from '../accounts.ts';
import { removeThrough } from '../removal.ts';

export type LoadBalancer = KubeObject<LoadBalancerSpec, LoadBalancerStatus>;
export type SecurityGroup = KubeObject<SecurityGroupSpec, SecurityGroupStatus>;

const owner = (o: KubeObject, kind: string) => ({ apiVersion, kind, name: o.metadata.name, uid: o.metadata.uid! });

export function loadBalancerReconciler(deps: ProviderDeps): Reconciler<LoadBalancer, LoadBalancerStatus> {
  return {
    finalizer: 'staysail.dev/load-balancer',
    finalize: (ctx) => removeThrough(deps, resources.loadBalancer, ctx, (p, a, l) => p.loadBalancers.delete(a, l, ctx.obj.metadata.name)),
    async reconcile(ctx) {
      const lb = ctx.obj;
      const { account, provider } = resolveAccount(deps.accounts, deps.registry, lb, lb.spec!.accountRef);
      ctx.status.ownedByReference = provider.ownsByReference(account, lb.spec!.location ?? {});
      try {
        const desc = await provider.loadBalancers.upsert(account, lb.spec!.location ?? {}, lb.metadata.name, lb.spec!, owner(lb, 'LoadBalancer'));
        ctx.status.providerId = desc.providerId;
        if (desc.address) ctx.status.address = desc.address;
        ctx.status.serverGroups = desc.serverGroups;
        ctx.status.readyEndpoints = desc.healthyEndpoints;
        ctx.setCondition({ type: 'Ready', status: 'True', reason: 'Provisioned',
          message: `${desc.providerId}: ${plural(desc.healthyEndpoints, 'healthy endpoint')} from ${plural(desc.serverGroups.length, 'server group')}` });
        // Membership follows server groups being enabled elsewhere: look again now and then.
        return { requeueAfterMs: 10_000 };
      } catch (err) {
        return asReconcileOutcome(`LoadBalancer "${lb.metadata.name}"`, err);
      }
    },
  };
}

export function securityGroupReconciler(deps: ProviderDeps): Reconciler<SecurityGroup, SecurityGroupStatus> {
  return {
    finalizer: 'staysail.dev/security-group',
    finalize: (ctx) => removeThrough(deps, resources.securityGroup, ctx, (p, a, l) => p.securityGroups.delete(a, l, ctx.obj.metadata.name)),
    async reconcile(ctx) {
      const sg = ctx.obj;
      const { account, provider } = resolveAccount(deps.accounts, deps.registry, sg, sg.spec!.accountRef);
      ctx.status.ownedByReference = provider.ownsByReference(account, sg.spec!.location ?? {});
      try {
        const desc = await provider.securityGroups.upsert(account, sg.spec!.location ?? {}, sg.metadata.name, sg.spec!, owner(sg, 'SecurityGroup'));
        ctx.status.providerId = desc.providerId;
        ctx.setCondition({ type: 'Ready', status: 'True', reason: 'Provisioned', message: `${desc.providerId}: ${desc.ingressRules} ingress rules` });
      } catch (err) {
        return asReconcileOutcome(`SecurityGroup "${sg.metadata.name}"`, err);
      }
    },
  };
}
