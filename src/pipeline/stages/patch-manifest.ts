// patchManifest: patches one Kubernetes object (JSON merge, strategic merge or JSON patch) under the
// field manager staysail-patchManifest, then waits until it is Current by kstatus. The patch is
// sent once (recorded in the stage's state): a JSON patch's add to a list is not idempotent.
import type { ManifestRef } from '../../providers/interfaces.ts';
import { awaitStable, failureOf, isOutcome, manifestContext, manifestStageTimeoutMs } from './manifests/common.ts';
import { manifestPollMs, refName } from './manifests/progress.ts';
import type { StageOutcome, StageType } from './stage-type.ts';

type Config = { accountRef: { name: string }; namespace?: string; target: Omit<ManifestRef, 'namespace'>;
  patchType?: 'merge' | 'strategic' | 'json'; patch: unknown; waitForStable?: boolean };

export const patchManifestStage: StageType = {
  type: 'patchManifest',
  retryable: true,
  defaultTimeoutMs: manifestStageTimeoutMs,
  async execute(s): Promise<StageOutcome> {
    const c = s.config as unknown as Config;
    const ctx = manifestContext(s, c);
    if (isOutcome(ctx)) return ctx;
    const ref: ManifestRef = { ...c.target, namespace: ctx.location.namespace };
    const outputs = { manifest: ref };
    if (!s.record.state?.patched) {
      try {
        await ctx.mp.patch(ctx.account, ctx.location, ref, { type: c.patchType ?? 'strategic', body: c.patch }, { fieldManager: 'staysail-patchManifest' });
      } catch (err) {
        return failureOf(s, err);
      }
      if (c.waitForStable !== false) return { status: 'RUNNING', message: `patched ${refName(ref)}`, pollAfterMs: manifestPollMs, outputs, state: { patched: true } };
    } else if (c.waitForStable !== false) {
      const waiting = await awaitStable(s, ctx, [ref]);
      if (waiting) return waiting;
    }
    return { status: 'SUCCEEDED', message: `patched ${refName(ref)}`, outputs, state: { patched: true } };
  },
};
