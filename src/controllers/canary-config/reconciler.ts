// CanaryConfig controller: checks what the API server cannot (group weights, something left to
// score, the credentials Secret) and reports it as the Ready condition, so a bad configuration is
// seen when it is applied rather than when a canary needs it. Either problem is Stalled: only a change
// of the config or of its Secret mends it.
import { plural } from '../../api/plural.ts';
import type { CanaryConfigReason, CanaryConfigSpec, CanaryConfigStatus } from '../../api/v1alpha1/canary-config.ts';
import { CanaryConfigError, loadCanaryConfig } from '../../canary/config.ts';
import { canaryConfigProblems } from '../../canary/judge/validate.ts';
import type { Reconciler } from '../../core/controller.ts';
import type { KubeClient, KubeObject } from '../../core/kube-client.ts';

export type CanaryConfig = KubeObject<CanaryConfigSpec, CanaryConfigStatus>;

/** Secrets change without the config changing: look again now and then. */
const recheckMs = 5 * 60_000;

export function canaryConfigReconciler(client: KubeClient): Reconciler<CanaryConfig, CanaryConfigStatus> {
  return {
    owns: { fields: [], conditions: ['Ready'] },
    async reconcile(ctx) {
      const c = ctx.obj;
      const name = `CanaryConfig "${c.metadata.name}"`;
      const problems = canaryConfigProblems(c.spec!);
      if (problems.length > 0) {
        const why = { reason: 'Invalid' satisfies CanaryConfigReason, message: `${name}: ${problems.join('; ')}` };
        ctx.setCondition({ type: 'Ready', status: 'False', ...why });
        return { stalled: why };
      }
      try {
        await loadCanaryConfig(client, c.metadata.namespace!, c.metadata.name);
      } catch (err) {
        if (!(err instanceof CanaryConfigError)) throw err;
        const why = { reason: 'CredentialsMissing' satisfies CanaryConfigReason, message: err.message };
        ctx.setCondition({ type: 'Ready', status: 'False', ...why });
        return { requeueAfterMs: recheckMs, stalled: why };
      }
      const groups = new Set(c.spec!.metrics.map((m) => m.group)).size;
      ctx.setCondition({ type: 'Ready', status: 'True', reason: 'Valid' satisfies CanaryConfigReason,
        message: `${plural(c.spec!.metrics.length, 'metric')} in ${plural(groups, 'group')}, from ${c.spec!.metricSource.type} at ${c.spec!.metricSource.address}` });
      return c.spec!.metricSource.secretRef ? { requeueAfterMs: recheckMs } : undefined;
    },
  };
}
