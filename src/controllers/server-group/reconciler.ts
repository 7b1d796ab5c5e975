// ServerGroup controller: makes the server group real through its account's provider (create,
// resize, enable, disable), reports what the provider sees, and destroys it when the object goes.
// Until the provider shows the whole spec (every instance desired healthy, none more, traffic as
// asked) the server group is Reconciling and its observedGeneration waits.
import { plural } from '../../api/plural.ts';
import { templateHash } from '../../api/template-hash.ts';
import type { ServerGroupReason, ServerGroupSpec, ServerGroupStatus } from '../../api/v1alpha1/server-group.ts';
import { clusterName } from '../../api/moniker.ts';
import { resources } from '../../api/v1alpha1/index.ts';
import { serverGroupFinalizer, templateHashAnnotation } from '../../api/v1alpha1/labels.ts';
import { findCondition } from '../../core/conditions.ts';
import type { ReconcileContext, Reconciler } from '../../core/controller.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import { conflict } from '../../providers/errors.ts';
import type { Location, Provider, ProviderAccount, ServerGroupDescription } from '../../providers/interfaces.ts';
import { asReconcileOutcome, providerOwner, resolveAccount, type ProviderDeps } from '../accounts.ts';
import { actedOnCondition, reportFieldsNotActedOn } from '../not-acted-on.ts';
import { removeThrough } from '../removal.ts';

export type ServerGroup = KubeObject<ServerGroupSpec, ServerGroupStatus>;

/** Ready reasons written only by a pass that reached the provider. */
const reachedProvider: readonly string[] = ['Healthy', 'Progressing'] satisfies ServerGroupReason[];

/**
 * Whether the controller has acted on sg's latest spec, so that its counts describe it: done with it
 * (observedGeneration), or the provider took it and its instances are coming (Ready written from it by
 * a pass that reached the provider, rather than by one that failed).
 */
export function hasActedOnSpec(sg: ServerGroup): boolean {
  if (sg.status?.observedGeneration === sg.metadata.generation) return true;
  const ready = findCondition(sg.status?.conditions, 'Ready');
  return ready !== undefined && ready.observedGeneration === sg.metadata.generation && reachedProvider.includes(ready.reason);
}

/** The share of its instances the spec keeps out of traffic, where the provider can take part of a server group out (undefined elsewhere). */
const wantedShare = (provider: Provider, spec: ServerGroupSpec): number | undefined =>
  (provider.serverGroups.setDisabledPercentage ? spec.disabledPercentage ?? 0 : undefined);

/** What the provider does not show yet of the spec, or undefined once it shows all of it. */
function unsettled(desc: ServerGroupDescription, spec: ServerGroupSpec, share: number | undefined): string | undefined {
  const { total, healthy } = desc.instances;
  const desired = spec.capacity.desired;
  if (healthy < desired) return `${healthy} of ${plural(desired, 'instance')} healthy`;
  if (total > desired) return `${total} instances, scaling down to ${desired}`;
  if (desc.enabled !== spec.enabled || desc.unsettled) return spec.enabled ? 'not taking traffic yet' : 'still taking traffic';
  if (share !== undefined && (desc.disabledPercentage ?? 0) !== share) return `${share}% of its instances not yet out of traffic`;
  if (desc.draining) return `${plural(desc.draining, 'instance')} draining`;
  return undefined;
}

interface Converging {
  provider: Provider;
  account: ProviderAccount;
  location: Location;
  ctx: ReconcileContext<ServerGroup, ServerGroupStatus>;
  what: string;
  /** Its load balancers, sorted. */
  lbs: string[];
}

/** Makes the provider's server group what the spec says: capacity, disabled, load balancers, enabled, in that order. Says whether it changed anything. */
async function converge({ provider, account, location, ctx, what, lbs }: Converging, desc: ServerGroupDescription): Promise<boolean> {
  const spec = ctx.obj.spec!;
  const name = ctx.obj.metadata.name;
  const c = spec.capacity;
  let acted = false;
  if (desc.capacity.desired !== c.desired || desc.capacity.min !== c.min || desc.capacity.max !== c.max) {
    await provider.serverGroups.resize(account, location, name, c);
    acted = true;
    ctx.recordEvent('Normal', 'Resized', `${what}: resized to ${c.desired} (min ${c.min}, max ${c.max})`);
  }
  // Disabled first when it is to be: a change of load balancers made while it is still enabled would join the new ones.
  let enabled = desc.enabled;
  if (!spec.enabled && (enabled || desc.unsettled)) {
    await provider.serverGroups.disable(account, location, name);
    acted = true;
    // Finishing a change cut short (unsettled) is no new state to announce.
    if (enabled) ctx.recordEvent('Normal', 'Disabled', `${what}: no longer takes traffic`);
    enabled = false;
  }
  // The share out of traffic before it is enabled, so that enabling it puts only the rest in.
  const share = wantedShare(provider, spec);
  if (share !== undefined && (desc.disabledPercentage ?? 0) !== share) {
    await provider.serverGroups.setDisabledPercentage!(account, location, name, share);
    acted = true;
    ctx.recordEvent('Normal', 'TrafficShared', share ? `${what}: ${share}% of its instances out of traffic while enabled` : `${what}: all of its instances in traffic while enabled`);
  }
  // Its weight on weighted routes before it is enabled, so that enabling it moves its share in the one write it makes.
  if (provider.serverGroups.setTrafficWeight && desc.trafficWeight !== spec.trafficWeight) {
    await provider.serverGroups.setTrafficWeight(account, location, name, spec.trafficWeight);
    acted = true;
  }
  // Then its load balancers: one it left stops routing to it now, whether it stays enabled or not.
  if ([...new Set(desc.loadBalancers)].sort().join() !== lbs.join()) { // providers need not list them in order
    await provider.serverGroups.setLoadBalancers(account, location, name, lbs);
    acted = true;
    const left = desc.loadBalancers.filter((lb) => !lbs.includes(lb));
    ctx.recordEvent('Normal', 'LoadBalancersChanged', `${what}: load balancers ${lbs.join(', ') || 'none'}${left.length ? ` (left ${left.join(', ')})` : ''}`);
  }
  if (spec.enabled && (!enabled || desc.unsettled)) {
    await provider.serverGroups.enable(account, location, name);
    acted = true;
    if (!enabled) ctx.recordEvent('Normal', 'Enabled', `${what}: takes traffic`);
  }
  return acted;
}

/** What the provider shows of it, in its status and Ready condition. */
function report(ctx: ReconcileContext<ServerGroup, ServerGroupStatus>, desc: ServerGroupDescription): void {
  const c = ctx.obj.spec!.capacity;
  const healthy = desc.instances.healthy;
  ctx.status.providerId = desc.providerId;
  ctx.status.replicas = desc.instances.total;
  ctx.status.readyReplicas = healthy;
  ctx.status.desiredReplicas = c.desired;
  ctx.status.ready = `${healthy}/${c.desired}`;
  ctx.status.enabled = desc.enabled;
  if (desc.disabledPercentage !== undefined) ctx.status.disabledPercentage = desc.disabledPercentage; else delete ctx.status.disabledPercentage;
  const message = `${healthy} of ${c.desired} instances healthy`;
  ctx.setCondition(healthy >= c.desired
    ? { type: 'Ready', status: 'True', reason: 'Healthy' satisfies ServerGroupReason, message }
    : { type: 'Ready', status: 'False', reason: 'Progressing' satisfies ServerGroupReason, message });
}

export function serverGroupReconciler(deps: ProviderDeps): Reconciler<ServerGroup, ServerGroupStatus> {
  return {
    owns: { fields: ['providerId', 'replicas', 'readyReplicas', 'desiredReplicas', 'ready', 'enabled', 'disabledPercentage', 'ownedByReference'],
      conditions: ['Ready', actedOnCondition] },
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
      reportFieldsNotActedOn(ctx, 'ServerGroup', [{ field: 'spec.disabledPercentage',
        set: !!spec.disabledPercentage && !provider.serverGroups.setDisabledPercentage,
        meanwhile: `the ${provider.name} provider cannot take part of a server group out of traffic, so all of its instances serve while it is enabled `
          + '(a rolling red/black keeps the old server group fully in traffic until the new one is at 100%)' }]);
      const hash = sg.metadata.annotations?.[templateHashAnnotation] ?? templateHash(spec.template);
      try {
        let desc = await provider.serverGroups.describe(account, location, sg.metadata.name);
        // One of its name from another template was made for an earlier object of that name (left behind, or a
        // version number reused): never resized, enabled or put behind its load balancers as if it were this one.
        if (desc?.templateHash && desc.templateHash !== hash) {
          throw conflict(`${desc.providerId} already exists from another template (hash ${desc.templateHash}, not ${hash}): it was made for an earlier `
            + 'object of this name; delete it in the provider, or give the server group another version');
        }
        let acted = false;
        if (!desc) {
          acted = true;
          desc = await provider.serverGroups.create(account, {
            name: sg.metadata.name, cluster: clusterName(spec.moniker), sequence: spec.moniker.sequence, location, template: spec.template,
            templateHash: hash,
            capacity: spec.capacity, enabled: spec.enabled, loadBalancers: lbs, securityGroups: (spec.securityGroupRefs ?? []).map((r) => r.name),
            ...(spec.trafficWeight !== undefined ? { trafficWeight: spec.trafficWeight } : {}),
            owner: providerOwner(sg, 'ServerGroup'),
          });
          ctx.recordEvent('Normal', 'Created', `${what}: created ${desc.providerId}`);
        }
        // Known before anything else can fail, so that its finalizer knows there is something to remove.
        ctx.status.providerId = desc.providerId;
        acted = (await converge({ provider, account, location, ctx, what, lbs }, desc)) || acted;
        // Read again only when something was done: a cloud's describe is several calls.
        if (acted) desc = (await provider.serverGroups.describe(account, location, sg.metadata.name)) ?? desc;
        report(ctx, desc);
        const pending = unsettled(desc, spec, wantedShare(provider, spec));
        return pending ? { requeueAfterMs: 2_000, reconciling: { reason: 'Scaling' satisfies ServerGroupReason, message: `${what}: ${pending}` } } : { requeueAfterMs: 60_000 };
      } catch (err) {
        return asReconcileOutcome(what, err);
      }
    },
  };
}
