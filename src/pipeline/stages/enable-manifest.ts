// enableManifest: puts a ReplicaSet back in the Services its annotation traffic.staysail.dev/load-balancers
// names (deployManifest's trafficManagement writes it), as Spinnaker's enableManifest: each Service's
// selector onto the pod template and the running pods. disableManifest takes it out the same way.
// Only what differs is written, so a pass repeated after a crash finishes the work. A ReplicaSet a
// controller owns (a Deployment's) is refused: its template is the controller's, and relabelling it
// would make the Deployment roll out. Disabling passes over a Service deleted since, and says so.
import { trafficLoadBalancersAnnotation } from '../../api/v1alpha1/labels.ts';
import { invalid } from '../../providers/errors.ts';
import type { ManifestRef } from '../../providers/interfaces.ts';
import type { KubeObject } from '../../core/kube-client.ts';
import { failureOf, isOutcome, manifestContext, manifestStageTimeoutMs, type ManifestContext } from './manifests/common.ts';
import { refName } from './manifests/progress.ts';
import { checkAttachable, checkDistinctKeys, readServices, servicesOf, setTraffic } from './manifests/traffic.ts';
import type { StageOutcome, StageType } from './stage-type.ts';

type Config = { accountRef: { name: string }; namespace?: string; target: Omit<ManifestRef, 'namespace'> };

/**
 * The ReplicaSet and the Services its annotation names; Invalid when it does not exist, a controller
 * owns it (its template is the controller's), or it names none.
 */
async function servicesNamed(ctx: ManifestContext, ref: ManifestRef, type: string): Promise<{ rs: KubeObject; names: string[] }> {
  const what = refName(ref);
  const rs = await ctx.mp.read(ctx.account, ctx.location, ref);
  if (!rs) throw invalid(`${what} does not exist; check target.name (e.g. the deploy stage's outputs.manifests names what it deployed)`);
  const owner = rs.metadata.ownerReferences?.find((o) => o.controller);
  if (owner) {
    throw invalid(`${what} is controlled by ${owner.kind} "${owner.name}", which would roll out on a change to the ReplicaSet's pods' labels; ` +
      `act on the ${owner.kind} instead (${type} is for ReplicaSets deployed bare, as deployManifest's trafficManagement deploys them)`);
  }
  const names = servicesOf(rs, what);
  if (names.length === 0) {
    throw invalid(`${what} names no Service in its annotation ${trafficLoadBalancersAnnotation}; deploy it with deployManifest's trafficManagement, ` +
      'or set the annotation, e.g. ["service web"]');
  }
  return { rs, names };
}

/** The stage that enables (on) or disables a ReplicaSet's traffic. */
export function trafficStage(type: 'enableManifest' | 'disableManifest', on: boolean): StageType {
  return {
    type,
    retryable: true,
    defaultTimeoutMs: manifestStageTimeoutMs,
    async execute(s): Promise<StageOutcome> {
      const c = s.config as unknown as Config;
      const ctx = manifestContext(s, c);
      if (isOutcome(ctx)) return ctx;
      const ref = { ...c.target, namespace: ctx.location.namespace };
      const what = refName(ref);
      try {
        const { rs, names } = await servicesNamed(ctx, ref, type);
        // Taking traffic away from a Service deleted since: there is none to take.
        const missing: string[] = [];
        const services = await readServices(ctx, ref.namespace, names, what, on ? undefined : missing);
        if (on) for (const svc of services) checkAttachable(what, rs, svc, false);
        if (on) checkDistinctKeys(what, services);
        const changed = await setTraffic(ctx, ref, services, on, `staysail-${type}`);
        const acted = services.map((svc) => svc.name);
        const outputs = { manifest: ref, services: acted, ...(missing.length ? { missing } : {}) };
        const verb = on ? 'in' : 'out of';
        const note = missing.length ? `; ${missing.map((n) => `Service "${n}"`).join(', ')} named in its annotation ${missing.length === 1 ? 'does' : 'do'} not exist, passed over` : '';
        const state = acted.length ? `${changed ? 'is now' : 'was already'} ${verb} ${acted.map((n) => `Service "${n}"`).join(', ')}` : 'is in no Service it names';
        return { status: 'SUCCEEDED', message: `${what} ${state}${note}`, outputs };
      } catch (err) {
        return failureOf(s, err);
      }
    },
  };
}

export const enableManifestStage = trafficStage('enableManifest', true);
