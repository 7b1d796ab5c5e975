// Cluster controller: owns the rollout. When the desired template changes it runs the strategy's
// planner over the cluster's ServerGroups (observe -> plan -> apply) and records in status.rollout
// only what cannot be observed again. Actions become changes to ServerGroup objects, which the
// ServerGroup controller makes real through the provider.
import { parseDuration } from '../../api/duration.ts';
import { clusterName, parseServerGroupName } from '../../api/moniker.ts';
import { templateHash } from '../../api/template-hash.ts';
import { templateImages } from '../../api/template-images.ts';
import { maxRequestRecords, type ClusterProgressingReason, type ClusterSpec, type ClusterStatus } from '../../api/v1alpha1/cluster.ts';
import type { ServerGroupReason } from '../../api/v1alpha1/server-group.ts';
import { apiVersion, resources } from '../../api/v1alpha1/index.ts';
import { canaryRoleLabel, clusterLabel, rolloutLabel, stepLabel, templateHashAnnotation } from '../../api/v1alpha1/labels.ts';
import type { Reconciler } from '../../core/controller.ts';
import { isConflict, isNotFound } from '../../core/errors.ts';
import type { ObjectCache } from '../../core/informer.ts';
import type { KubeClient, KubeObject } from '../../core/kube-client.ts';
import { findCondition } from '../../core/conditions.ts';
import { createRun } from '../../pipeline/create-run.ts';
import { healthyNeeded, outlineAt, planRollout } from '../../strategies/planner.ts';
import { keepRecords, liveServerGroup, planRequests } from '../../strategies/requests.ts';
import { strategySettings } from '../../strategies/settings.ts';
import { describeAction, type CanaryRole, type ObservedServerGroup, type RolloutAction, type RolloutRecord } from '../../strategies/types.ts';
import type { PipelineRun } from '../pipeline-run/types.ts';
import { hasActedOnSpec, type ServerGroup } from '../server-group/reconciler.ts';
import type { CanaryConfig } from '../canary-config/reconciler.ts';
import { analyzeCanary, canaryProgress, MetricsUnavailable } from './canary.ts';
import { listServerGroups, progressOf, readyCondition } from './summary.ts';

export type Cluster = KubeObject<ClusterSpec, ClusterStatus>;

/**
 * A server group as observed. healthy counts only once its controller has acted on its latest spec (so
 * a step never moves on from health reported for an older one); ready is what it last reported, for
 * people: a change of spec such as enabling it does not make its instances look gone for a moment.
 */
type Observed = ObservedServerGroup & { role?: CanaryRole; images: string; ready: number };

/**
 * What a server group's controller could not do, from its Ready condition: a provider that refused
 * it (Invalid) will not change its mind; anything else may pass (throttling, an unreachable cloud).
 */
function problemOf(sg: ServerGroup): ObservedServerGroup['problem'] {
  const ready = sg.status?.conditions?.find((x) => x.type === 'Ready');
  if (ready?.status !== 'False' || ready.reason === ('Progressing' satisfies ServerGroupReason)) return undefined;
  const message = ready.message.replace(`ServerGroup "${sg.metadata.name}": `, '');
  return { message, permanent: ready.reason === ('Invalid' satisfies ServerGroupReason) };
}

/** The cluster's server groups as the planner sees them: enabled and healthy as their controller last made and saw them. */
export function observe(c: Cluster, serverGroups: ObjectCache<ServerGroup>): Observed[] {
  return serverGroups.list(c.metadata.namespace)
    .filter((sg) => sg.metadata.labels?.[clusterLabel] === c.metadata.name && sg.metadata.ownerReferences?.some((o) => o.uid === c.metadata.uid)
      && !sg.metadata.deletionTimestamp)
    .map((sg) => {
      const current = hasActedOnSpec(sg);
      const problem = problemOf(sg);
      return {
        name: sg.metadata.name, sequence: sg.spec!.moniker.sequence, createdAt: sg.metadata.creationTimestamp ?? '',
        // As last done by the ServerGroup controller: a server group asked to leave traffic still serves until it has.
        enabled: sg.status?.enabled ?? false,
        capacity: sg.spec!.capacity, healthy: current ? sg.status?.readyReplicas ?? 0 : 0, ready: sg.status?.readyReplicas ?? 0,
        templateHash: sg.metadata.annotations?.[templateHashAnnotation] ?? '',
        ...(sg.spec!.disabledPercentage ? { disabledPercentage: sg.spec!.disabledPercentage } : {}), current,
        ...(sg.spec!.trafficWeight !== undefined ? { trafficWeight: sg.spec!.trafficWeight } : {}),
        images: templateImages(sg.spec!.template),
        ...(sg.metadata.labels?.[canaryRoleLabel] ? { role: sg.metadata.labels[canaryRoleLabel] as CanaryRole } : {}),
        ...(problem ? { problem } : {}),
      };
    })
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.sequence - a.sequence);
}

type Run = PipelineRun;

/** Results of the validation runs of a rollout, by step percentage. */
function validations(c: Cluster, revision: number | undefined, runs: ObjectCache<Run>): Record<number, 'Running' | 'Succeeded' | 'Failed'> {
  const out: Record<number, 'Running' | 'Succeeded' | 'Failed'> = {};
  for (const r of runs.list(c.metadata.namespace)) {
    const l = r.metadata.labels ?? {};
    if (l[clusterLabel] !== c.metadata.name || l[rolloutLabel] !== String(revision)) continue;
    const done = r.status?.conditions?.find((x) => x.type === 'Succeeded' && x.status !== 'Unknown');
    out[Number(l[stepLabel])] = !done ? 'Running' : done.status === 'True' ? 'Succeeded' : 'Failed';
  }
  return out;
}

export function clusterReconciler(serverGroups: ObjectCache<ServerGroup>, runs: ObjectCache<Run>, canaryConfigs: ObjectCache<CanaryConfig>,
  client: KubeClient): Reconciler<Cluster, ClusterStatus> {
  return {
    owns: { fields: ['activeServerGroup', 'serverGroups', 'readyReplicas', 'desiredReplicas', 'ready', 'images', 'rollout', 'canary', 'requests'],
      conditions: ['Ready', 'Progressing'] },
    async reconcile(ctx) {
      const c = ctx.obj;
      const spec = c.spec!;
      const all = observe(c, serverGroups);
      const observed = all.filter((g) => !g.role);
      const canaryGroups = all.filter((g): g is Observed & { role: CanaryRole } => g.role !== undefined);
      const hash = templateHash(spec.template);
      const source = observed.find((g) => g.enabled) ?? observed[0];
      const capacity = spec.useSourceCapacity && source ? source.capacity : spec.capacity;
      const images = templateImages(spec.template);
      const plan = planRollout({
        now: ctx.clock.now(), cluster: clusterName(spec.moniker), templateHash: hash, templateImages: images, capacity, strategy: strategySettings(spec),
        targetHealthyPercentage: spec.targetHealthyPercentage ?? 100, progressDeadlineMs: parseDuration(spec.progressDeadline ?? '10m'),
        serverGroups: observed, canaryGroups, canary: canaryProgress(c, ctx.status, canaryConfigs), rollout: ctx.status.rollout as never,
        ...(spec.rollback ? { rollbackRequest: spec.rollback } : {}),
        ...(spec.retry ? { retryRequest: spec.retry } : {}),
        validations: validations(c, ctx.status.rollout?.revision, runs),
      });
      const actions: RolloutAction[] = [...plan.actions];
      // Between rollouts, a capacity change resizes the live server group.
      const live = observed.find((g) => g.name === plan.rollout.newServerGroup);
      if ((plan.rollout.phase === 'Succeeded' || (plan.rollout.phase === 'RolledBack' && plan.rollout.rollbackId)) && live && !spec.useSourceCapacity && JSON.stringify(live.capacity) !== JSON.stringify(spec.capacity)) {
        actions.push({ kind: 'resize', name: live.name, capacity: spec.capacity });
      }
      // Between rollouts, the requests of the server-group and cluster stages (spec.requests); one standing while a rollout runs waits for its end.
      const requested = planClusterRequests(c, ctx.status, observed, plan.rollout, serverGroups, ctx.clock.now());
      for (const a of actions) {
        if (a.kind === 'analyze') {
          let judged;
          try {
            judged = await analyzeCanary(client, c, a, plan.rollout.revision, ctx.status, ctx.clock.now(), parseDuration(spec.progressDeadline ?? '10m'));
          } catch (err) {
            if (!(err instanceof MetricsUnavailable)) throw err;
            plan.rollout.message = err.message;
            plan.requeueAfterMs = 15_000;
            actions.length = 0; // nothing was done: the next pass plans again
            break;
          }
          ctx.recordEvent(judged.type, 'CanaryInterval', judged.message);
          continue;
        }
        if (a.kind === 'supersede') {
          ctx.recordEvent('Normal', 'RolloutSuperseded', `Cluster "${c.metadata.name}" rollout ${a.revision} is superseded: ${a.reason}; traffic goes back to `
            + 'the previous server group and a new rollout starts from the first step');
          continue;
        }
        await apply(client, c, a, hash, plan.rollout.revision);
        ctx.recordEvent('Normal', `Rollout${a.kind[0]!.toUpperCase()}${a.kind.slice(1)}`, `Cluster "${c.metadata.name}" rollout ${plan.rollout.revision}: ${describeAction(a)}`);
      }

      // The requests' actions, then one Event per request saying what came of it (none is told as a rollout step).
      for (const a of requested.actions) await apply(client, c, a, hash, plan.rollout.revision);
      for (const r of requested.results) {
        ctx.recordEvent(r.result === 'Done' ? 'Normal' : 'Warning', `Request${r.result}`, `Cluster "${c.metadata.name}" request ${r.id} (${r.action}): ${r.message}`);
      }
      const acted = actions.length + requested.actions.length > 0;

      if (plan.rollout.message) plan.rollout.message = plan.rollout.message.slice(0, 4096);
      ctx.status.rollout = plan.rollout as ClusterStatus['rollout'];
      ctx.status.serverGroups = listServerGroups(all);
      if (requested.results.length || ctx.status.requests) {
        ctx.status.requests = keepRecords(ctx.status.requests ?? [], requested.results, new Set((spec.requests ?? []).map((r) => r.id)), maxRequestRecords);
      }
      const active = observed.find((g) => g.enabled);
      if (active) {
        ctx.status.activeServerGroup = active.name;
        ctx.status.readyReplicas = active.ready;
        ctx.status.desiredReplicas = active.capacity.desired;
        ctx.status.ready = `${active.ready}/${active.capacity.desired}`;
      } else {
        delete ctx.status.activeServerGroup;
        ctx.status.ready = '0/0';
      }
      const shown = (active ? active.images : images).slice(0, 1024);
      if (shown) ctx.status.images = shown; else delete ctx.status.images;
      const rolling = observed.find((g) => g.name === plan.rollout.newServerGroup && g.name !== active?.name);
      ctx.setCondition(readyCondition({ rollout: plan.rollout, ...(active ? { active: { ...active, healthy: active.ready } } : {}), ...(rolling ? { rolling } : {}),
        needed: active ? healthyNeeded(active.capacity.desired, spec.targetHealthyPercentage ?? 100) : 0 }));
      const phase = plan.rollout.phase;
      ctx.setCondition({ type: 'Progressing', status: phase === 'Progressing' || phase === 'Analyzing' ? 'True' : 'False', reason: phase satisfies ClusterProgressingReason,
        message: plan.rollout.message ?? phase });
      // As the API server stores it: a field left undefined would make the status differ from the cached one on every pass.
      ctx.status = JSON.parse(JSON.stringify(ctx.status)) as ClusterStatus;
      const progress = progressOf({ rollout: plan.rollout, kind: outlineAt(strategySettings(spec), plan.rollout.step ?? 0).kind,
        resized: acted, ...settlingOf(c, plan.rollout.newServerGroup, serverGroups) });
      if (acted) return { requeueAfterMs: 200, ...progress };
      return { ...(plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : {}), ...progress };
    },
  };
}

/**
 * The requests of spec.requests not yet handled, planned over the server groups enabled as their spec
 * asks (what a request before this pass asked counts, though its server group may not have acted yet).
 */
function planClusterRequests(c: Cluster, status: ClusterStatus, observed: Observed[], rollout: RolloutRecord, serverGroups: ObjectCache<ServerGroup>, now: number) {
  const requests = c.spec!.requests ?? [];
  if (!requests.length) return { actions: [], results: [] };
  const asked = observed.map((g) => ({ ...g, enabled: serverGroups.get(`${c.metadata.namespace}/${g.name}`)?.spec?.enabled ?? g.enabled }));
  const live = c.spec!.useSourceCapacity ? undefined : liveServerGroup(rollout);
  return planRequests({ now, serverGroups: asked, rollout, requests, handled: new Set((status.requests ?? []).map((r) => r.id)), ...(live ? { live } : {}) });
}

/** What the live server group's controller has yet to do for its latest spec, in its words. */
function settlingOf(c: Cluster, name: string | undefined, serverGroups: ObjectCache<ServerGroup>): { liveSettling?: string } {
  const sg = name ? serverGroups.get(`${c.metadata.namespace}/${name}`) : undefined;
  if (!sg || sg.status?.observedGeneration === sg.metadata.generation) return {};
  return { liveSettling: findCondition(sg.status?.conditions, 'Reconciling')?.message ?? `${sg.metadata.name} has yet to act on its latest spec` };
}

/** Carries an action out on the cluster's ServerGroup objects, or starts a validation run (each is idempotent). */
async function apply(client: KubeClient, c: Cluster, a: RolloutAction, hash: string, revision: number): Promise<void> {
  const ns = c.metadata.namespace!;
  const spec = c.spec!;
  const owner = { apiVersion, kind: 'Cluster', name: c.metadata.name, uid: c.metadata.uid!, controller: true, blockOwnerDeletion: true };
  try {
    switch (a.kind) {
      case 'validate': {
        const ref = spec.strategy!.rollingRedBlack!.validationPipelineRef!;
        await createRun(client, { namespace: ns, pipeline: ref.name, name: `${c.metadata.name}-r${revision}-${a.percent}`.slice(0, 63), owner,
          labels: { [clusterLabel]: c.metadata.name, [rolloutLabel]: String(revision), [stepLabel]: String(a.percent) },
          parameters: { ...(ref.parameters ?? {}), deployedServerGroup: a.serverGroup, sourceServerGroup: a.source ?? '', percentageComplete: a.percent },
          trigger: { type: 'pipeline', payload: { cluster: c.metadata.name, rollout: revision } } });
        return;
      }
      case 'create': {
        // The baseline runs the template of the server group it copies; the canary and new server groups the desired one.
        const from = a.templateFrom ? await client.get<ServerGroup>(resources.serverGroup, ns, a.templateFrom) : undefined;
        const moniker = a.role ? { ...spec.moniker, detail: spec.moniker.detail ? `${spec.moniker.detail}-${a.role}` : a.role } : spec.moniker;
        await client.create<ServerGroup>(resources.serverGroup, {
          metadata: { name: a.name, namespace: ns, labels: { [clusterLabel]: c.metadata.name, 'app.kubernetes.io/managed-by': 'staysail',
            ...(a.role ? { [canaryRoleLabel]: a.role } : {}) },
            annotations: { [templateHashAnnotation]: from?.metadata.annotations?.[templateHashAnnotation] ?? hash },
            ownerReferences: [owner] },
          spec: { moniker: { ...moniker, sequence: parseServerGroupName(a.name).sequence ?? a.sequence }, accountRef: spec.accountRef,
            ...(spec.location ? { location: spec.location } : {}), template: from?.spec?.template ?? spec.template, capacity: a.capacity, enabled: a.enabled,
            ...(a.trafficWeight !== undefined ? { trafficWeight: a.trafficWeight } : {}),
            ...(spec.loadBalancerRefs ? { loadBalancerRefs: spec.loadBalancerRefs } : {}),
            ...(spec.securityGroupRefs ? { securityGroupRefs: spec.securityGroupRefs } : {}) },
        });
        return;
      }
      case 'analyze':
        throw new Error('analyze is carried out by the reconciler');
      case 'resize':
        await client.mergePatch(resources.serverGroup, ns, a.name, { spec: { capacity: a.capacity } });
        return;
      case 'enable': case 'disable':
        await client.mergePatch(resources.serverGroup, ns, a.name, { spec: { enabled: a.kind === 'enable' } });
        return;
      case 'destroy':
        await client.delete(resources.serverGroup, ns, a.name);
        return;
      case 'traffic':
        // null removes the field: a server group with all of its instances in traffic says nothing of a share.
        await client.mergePatch(resources.serverGroup, ns, a.name, { spec: { disabledPercentage: a.disabledPercentage || null } });
        return;
      case 'weight':
        await client.mergePatch(resources.serverGroup, ns, a.name, { spec: { trafficWeight: a.trafficWeight } });
        return;
    }
  } catch (err) {
    if ((a.kind === 'create' || a.kind === 'validate') && isConflict(err)) return;
    if (a.kind === 'destroy' && isNotFound(err)) return;
    throw err;
  }
}

/** The Cluster that owns a ServerGroup or a validation run. */
export const owningCluster = (o: KubeObject): string[] =>
  (o.metadata.ownerReferences ?? []).filter((r) => r.kind === 'Cluster').map((r) => `${o.metadata.namespace}/${r.name}`);
