// scaleManifest: sets an object's replicas through its scale subresource (a kind without one fails
// the stage, naming it), then waits until it is Current by kstatus. Setting replicas is idempotent,
// so a pass repeated after a crash sets them again.
import type { ManifestRef } from '../../providers/interfaces.ts';
import { awaitStable, failureOf, isOutcome, manifestContext, manifestStageTimeoutMs } from './manifests/common.ts';
import { manifestPollMs, refName } from './manifests/progress.ts';
import type { StageOutcome, StageType } from './stage-type.ts';

type Config = { accountRef: { name: string }; namespace?: string; target: Omit<ManifestRef, 'namespace'>; replicas: number; waitForStable?: boolean };

export const scaleManifestStage: StageType = {
  type: 'scaleManifest',
  retryable: true,
  defaultTimeoutMs: manifestStageTimeoutMs,
  async execute(s): Promise<StageOutcome> {
    const c = s.config as unknown as Config;
    const ctx = manifestContext(s, c);
    if (isOutcome(ctx)) return ctx;
    const ref: ManifestRef = { ...c.target, namespace: ctx.location.namespace };
    const outputs = { manifest: ref, replicas: c.replicas };
    if (!s.record.state?.scaled) {
      try {
        await ctx.mp.scale(ctx.account, ctx.location, ref, c.replicas);
      } catch (err) {
        return failureOf(s, err);
      }
      if (c.waitForStable !== false) return { status: 'RUNNING', message: `scaled ${refName(ref)} to ${c.replicas}`, pollAfterMs: manifestPollMs, outputs, state: { scaled: true } };
    } else if (c.waitForStable !== false) {
      const waiting = await awaitStable(s, ctx, [ref]);
      if (waiting) return waiting;
    }
    return { status: 'SUCCEEDED', message: `${refName(ref)} has ${c.replicas} replicas`, outputs, state: { scaled: true } };
  },
};
