// enableManifest: puts a ReplicaSet back in the Services its annotation traffic.staysail.dev/load-balancers
// names (deployManifest's trafficManagement writes it), as Spinnaker's enableManifest: each Service's
// selector onto the pod template and the running pods. disableManifest takes it out the same way.
// Only what differs is written, so a pass repeated after a crash finishes the work.
import { trafficLoadBalancersAnnotation } from '../../api/v1alpha1/labels.ts';
import { invalid } from '../../providers/errors.ts';
import type { ManifestRef } from '../../providers/interfaces.ts';
import { failureOf, isOutcome, manifestContext, manifestStageTimeoutMs } from './manifests/common.ts';
import { refName } from './manifests/progress.ts';
import { checkAttachable, readServices, servicesOf, setTraffic } from './manifests/traffic.ts';
import type { StageOutcome, StageType } from './stage-type.ts';

type Config = { accountRef: { name: string }; namespace?: string; target: Omit<ManifestRef, 'namespace'> };

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
        const rs = await ctx.mp.read(ctx.account, ctx.location, ref);
        if (!rs) throw invalid(`${what} does not exist`);
        const names = servicesOf(rs, what);
        if (names.length === 0) {
          throw invalid(`${what} names no Service in its annotation ${trafficLoadBalancersAnnotation}; deploy it with deployManifest's trafficManagement, ` +
            'or set the annotation, e.g. ["service web"]');
        }
        const services = await readServices(ctx, ref.namespace, names, what);
        if (on) for (const svc of services) checkAttachable(what, rs, svc, false);
        const changed = await setTraffic(ctx, ref, services, on, `staysail-${type}`);
        const outputs = { manifest: ref, services: names };
        const verb = on ? 'in' : 'out of';
        return { status: 'SUCCEEDED', message: `${refName(ref)} ${changed ? 'is now' : 'was already'} ${verb} ${names.map((n) => `Service "${n}"`).join(', ')}`, outputs };
      } catch (err) {
        return failureOf(s, err);
      }
    },
  };
}

export const enableManifestStage = trafficStage('enableManifest', true);
