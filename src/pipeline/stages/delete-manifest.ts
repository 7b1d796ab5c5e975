// deleteManifest: deletes Kubernetes objects by kind and name or by label selector, with kubectl's
// cascade options, through the Account's ManifestProvider; then waits until they are gone. The
// objects it deleted are kept in its state, so later passes wait on those (a selector matching
// nothing more is not taken as done before they are gone).
import type { ManifestRef } from '../../providers/interfaces.ts';
import { failureOf, isOutcome, manifestContext, manifestStageTimeoutMs, stageTimeoutMs } from './manifests/common.ts';
import { manifestPollMs, refName, timeoutMarginMs } from './manifests/progress.ts';
import type { StageOutcome, StageType } from './stage-type.ts';

type Config = { accountRef: { name: string }; namespace?: string; apiVersion: string; kind: string; name?: string; labelSelector?: string;
  cascade?: 'background' | 'foreground' | 'orphan' };

export const deleteManifestStage: StageType = {
  type: 'deleteManifest',
  retryable: true,
  defaultTimeoutMs: manifestStageTimeoutMs,
  async execute(s): Promise<StageOutcome> {
    const c = s.config as unknown as Config;
    const ctx = manifestContext(s, c);
    if (isOutcome(ctx)) return ctx;
    const kind = { apiVersion: c.apiVersion, kind: c.kind };
    let refs = s.record.state?.deleted as ManifestRef[] | undefined;
    // An expression may come out empty, and an empty selector selects every object of the kind.
    if (!refs && !c.name && !c.labelSelector) {
      return { status: 'FAILED', final: true, message: `${s.stage.type} "${s.stage.refId}": deleteManifest.name and deleteManifest.labelSelector are both empty ` +
        `after evaluation, and an empty selector would delete every ${c.kind} in namespace "${ctx.location.namespace}"; give a name or a non-empty selector` };
    }
    try {
      if (!refs) {
        const names = c.name ? [c.name]
          : (await ctx.mp.list(ctx.account, ctx.location, kind, c.labelSelector!)).map((o) => o.metadata.name);
        refs = names.map((name) => ({ ...kind, name, namespace: ctx.location.namespace }));
        for (const r of refs) await ctx.mp.delete(ctx.account, ctx.location, r, { cascade: c.cascade ?? 'background' });
      }
    } catch (err) {
      return failureOf(s, err);
    }
    const outputs = { deletedNames: refs.map((r) => r.name) };
    const state = { deleted: refs };
    const left = [];
    for (const r of refs) if (await ctx.mp.read(ctx.account, ctx.location, r)) left.push(r);
    if (left.length === 0) {
      return { status: 'SUCCEEDED', message: refs.length ? `deleted ${refs.map(refName).join(', ')}` : `no ${c.kind} matched ${c.labelSelector}`, outputs, state };
    }
    const elapsed = s.clock.now() - Date.parse(s.record.startTime!);
    const timeout = stageTimeoutMs(s);
    const named = left.map(refName).join(', ');
    if (elapsed >= timeout - timeoutMarginMs) return { status: 'FAILED', final: true, message: `${s.stage.type} "${s.stage.refId}": still there: ${named} (finalizers?)`, outputs, state };
    return { status: 'RUNNING', message: `waiting for ${named} to be gone`, pollAfterMs: Math.max(0, Math.min(manifestPollMs, timeout - timeoutMarginMs - elapsed)), outputs, state };
  },
};
