// ServerGroup controller: makes the server group real through its account's provider (create,
// resize, enable, disable), reports what the provider sees, and destroys it when the object goes.
import { templateHash } from '../../api/template-hash.ts';
import type { ServerGroupSpec, ServerGroupStatus } from '../../api/v1alpha1/server-group.ts';
import { clusterName } from '../../api/moniker.ts';
import { apiVersion, resources } from '../../api/v1alpha1/index.ts';
import type { Reconciler } from '../../core/controller.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import { asReconcileOutcome, resolveAccount, type ProviderDeps } from '../accounts.ts';
import { removeThrough } from '../removal.ts';

export type ServerGroup = KubeObject<ServerGroupSpec, ServerGroupStatus>;
export const serverGroupFinalizer = 'staysail.dev/server-group';

export function serverGroupReconciler(deps: ProviderDeps): Reconciler<ServerGroup, ServerGroupStatus> {
  return {
    finalizer: serverGroupFinalizer,
    finalize: (ctx) => removeThrough(deps, resources.serverGroup, ctx, (p, a, l) => p.serverGroups.destroy(a, l, ctx.obj.metadata.name)),
    async reconcile(ctx) {
      const sg = ctx.obj;
      const spec = sg.spec!;
      const { account, provider } = resolveAccount(deps.accounts, deps.registry, sg, spec.accountRef);
      const location = spec.location ?? {};
      const lbs = [...new Set((spec.loadBalancerRefs ?? []).map((r) => r.name))].sort();
      ctx.status.ownedByReference = provider.ownsByReference(account, location);
      const what = `ServerGroup "${sg.metadata.name}"`;
      try {
        let desc = await provider.serverGroups.describe(account, location, sg.metadata.name);
        if (!desc) {
          desc = await provider.serverGroups.create(account, {
            name: sg.metadata.name, cluster: clusterName(spec.moniker), sequence: spec.moniker.sequence, location, template: spec.template,
            templateHash: sg.metadata.annotations?.['staysail.dev/template-hash'] ?? templateHash(spec.template),
            capacity: spec.capacity, enabled: spec.enabled, loadBalancers: lbs, securityGroups: (spec.securityGroupRefs ?? []).map((r) => r.name),
            owner: { apiVersion, kind: 'ServerGroup', name: sg.metadata.name, uid: sg.metadata.uid! },
          });
          ctx.recordEvent('Normal', 'Created', `${what}: created ${desc.providerId}`);
        }
        // Known before anything else can fail, so that its finalizer knows there is something to remove.
        ctx.status.providerId = desc.providerId;
        const c = spec.capacity;
        if (desc.capacity.desired !== c.desired || desc.capacity.min !== c.min || desc.capacity.max !== c.max) {
          await provider.serverGroups.resize(account, location, sg.metadata.name, c);
          ctx.recordEvent('Normal', 'Resized', `${what}: resized to ${c.desired} (min ${c.min}, max ${c.max})`);
        }
        // Its load balancers first: one it left stops routing to it now, whether it stays enabled or not.
        if (desc.loadBalancers.join() !== lbs.join()) {
          await provider.serverGroups.setLoadBalancers(account, location, sg.metadata.name, lbs);
          const left = desc.loadBalancers.filter((lb) => !lbs.includes(lb));
          ctx.recordEvent('Normal', 'LoadBalancersChanged', `${what}: load balancers ${lbs.join(', ') || 'none'}`
            + `${left.length ? ` (left ${left.join(', ')})` : ''}`);
        }
        if (desc.enabled !== spec.enabled) {
          if (spec.enabled) await provider.serverGroups.enable(account, location, sg.metadata.name);
          else await provider.serverGroups.disable(account, location, sg.metadata.name);
          ctx.recordEvent('Normal', spec.enabled ? 'Enabled' : 'Disabled', `${what}: ${spec.enabled ? 'takes' : 'no longer takes'} traffic`);
        }
        desc = (await provider.serverGroups.describe(account, location, sg.metadata.name)) ?? desc;
        const healthy = desc.instances.healthy;
        ctx.status.providerId = desc.providerId;
        ctx.status.replicas = desc.instances.total;
        ctx.status.readyReplicas = healthy;
        ctx.status.desiredReplicas = c.desired;
        ctx.status.ready = `${healthy}/${c.desired}`;
        ctx.status.enabled = desc.enabled;
        const up = healthy >= c.desired;
        ctx.setCondition(up
          ? { type: 'Ready', status: 'True', reason: 'Healthy', message: `${healthy} of ${c.desired} instances healthy` }
          : { type: 'Ready', status: 'False', reason: 'Progressing', message: `${healthy} of ${c.desired} instances healthy` });
        return { requeueAfterMs: up ? 60_000 : 2_000 };
      } catch (err) {
        return asReconcileOutcome(what, err);
      }
    },
  };
}
