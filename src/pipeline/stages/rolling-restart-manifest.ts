// rollingRestartManifest: restarts a Deployment's, StatefulSet's or DaemonSet's pods as kubectl
// rollout restart does, by setting the pod-template annotation kubectl.kubernetes.io/restartedAt; then
// waits until it is Current by kstatus. The value is the stage's start time from its record, so a
// pass repeated after a crash writes the same value and the workload restarts once. A paused
// Deployment is refused at once (it would restart nothing until resumed); a StatefulSet or DaemonSet
// with updateStrategy OnDelete takes the annotation but replaces no pod, and the stage says so.
import type { KubeObject } from '../../core/kube-client.ts';
import { invalid } from '../../providers/errors.ts';
import type { ManifestRef } from '../../providers/interfaces.ts';
import { awaitStable, failureOf, isOutcome, manifestContext, manifestStageTimeoutMs } from './manifests/common.ts';
import { manifestPollMs, refName } from './manifests/progress.ts';
import type { StageOutcome, StageType } from './stage-type.ts';
import { refusePaused } from './undo-rollout-manifest.ts';

/** The annotation kubectl rollout restart sets. */
export const restartedAtAnnotation = 'kubectl.kubernetes.io/restartedAt';

type Config = { accountRef: { name: string }; namespace?: string; target: Omit<ManifestRef, 'namespace'>; waitForStable?: boolean };

/** What the message adds for a workload whose pods are replaced only when deleted (updateStrategy OnDelete). */
const onDeleteNote = (w: KubeObject | undefined) => ((w?.spec as { updateStrategy?: { type?: string } } | undefined)?.updateStrategy?.type === 'OnDelete'
  ? '; its updateStrategy is OnDelete, so no pod was replaced: each takes the new template only when it is deleted' : '');

export const rollingRestartManifestStage: StageType = {
  type: 'rollingRestartManifest',
  retryable: true,
  defaultTimeoutMs: manifestStageTimeoutMs,
  async execute(s): Promise<StageOutcome> {
    const c = s.config as unknown as Config;
    const ctx = manifestContext(s, c);
    if (isOutcome(ctx)) return ctx;
    const ref: ManifestRef = { ...c.target, namespace: ctx.location.namespace };
    const restartedAt = s.record.startTime!;
    const outputs = { manifest: ref, restartedAt };
    let w: KubeObject | undefined;
    try {
      w = await ctx.mp.read(ctx.account, ctx.location, ref);
      if (!w) throw invalid(`${refName(ref)} does not exist; check target.name (e.g. the deploy stage's outputs.manifests names what it deployed)`);
      refusePaused(w, refName(ref), 'restarting it');
    } catch (err) {
      return failureOf(s, err);
    }
    if (!s.record.state?.restarted) {
      try {
        await ctx.mp.patch(ctx.account, ctx.location, ref, { type: 'merge', body: { spec: { template: { metadata: { annotations: { [restartedAtAnnotation]: restartedAt } } } } } },
          { fieldManager: 'staysail-rollingRestartManifest' });
      } catch (err) {
        return failureOf(s, err);
      }
      if (c.waitForStable !== false) return { status: 'RUNNING', message: `restarting ${refName(ref)}`, pollAfterMs: manifestPollMs, outputs, state: { restarted: true } };
    } else if (c.waitForStable !== false) {
      const waiting = await awaitStable(s, ctx, [ref]);
      if (waiting) return waiting;
    }
    return { status: 'SUCCEEDED', message: `restarted ${refName(ref)}${onDeleteNote(w)}`, outputs, state: { restarted: true } };
  },
};
