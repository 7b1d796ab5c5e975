// deleteManifest: deletes Kubernetes objects by kind and name or by label selector, with kubectl's
// cascade options, through the Account's ManifestProvider; then waits until they are gone. The
// objects it deleted are kept in its state, so later passes wait on those (a selector matching
// nothing more is not taken as done before they are gone). Objects one of Staysail's kinds controls
// are refused (docs/adr/0003): by name the stage fails; a selector leaves them and names them.
import { isProviderError } from '../../providers/errors.ts';
import type { ManifestRef } from '../../providers/interfaces.ts';
import { failureOf, isOutcome, manifestContext, manifestStageTimeoutMs, stageTimeoutMs, type ManifestContext } from './manifests/common.ts';
import { manifestPollMs, refName, timeoutMarginMs } from './manifests/progress.ts';
import type { StageOutcome, StageType } from './stage-type.ts';

type Config = { accountRef: { name: string }; namespace?: string; apiVersion: string; kind: string; name?: string; labelSelector?: string;
  cascade?: 'background' | 'foreground' | 'orphan' };

/** What the first pass did: the objects it deleted, and those a selector matched that a Staysail kind controls (left alone). */
interface State { deleted: ManifestRef[]; skipped?: string[] }

/**
 * Deletes the named object, or every one the selector matches that no Staysail kind controls: the
 * provider refuses those (Conflict), and a selector skips them rather than fail on the first.
 */
async function deleteAll(c: Config, ctx: ManifestContext): Promise<State> {
  const kind = { apiVersion: c.apiVersion, kind: c.kind };
  const names = c.name ? [c.name]
    : (await ctx.mp.list(ctx.account, ctx.location, kind, c.labelSelector!)).map((o) => o.metadata.name);
  const deleted: ManifestRef[] = [];
  const skipped: string[] = [];
  for (const name of names) {
    const r = { ...kind, name, namespace: ctx.location.namespace };
    try {
      await ctx.mp.delete(ctx.account, ctx.location, r, { cascade: c.cascade ?? 'background' });
      deleted.push(r);
    } catch (err) {
      if (c.name || !isProviderError(err, 'Conflict')) throw err;
      skipped.push(refName(r));
    }
  }
  return { deleted, ...(skipped.length ? { skipped } : {}) };
}

/** What the message adds for objects the selector matched that the stage left to the Staysail kind controlling them. */
const skippedNote = (state: State) => (state.skipped?.length
  ? `; left ${state.skipped.join(', ')}: controlled by a Staysail kind, which writes ${state.skipped.length === 1 ? 'it' : 'them'} (change that object instead)` : '');

export const deleteManifestStage: StageType = {
  type: 'deleteManifest',
  retryable: true,
  defaultTimeoutMs: manifestStageTimeoutMs,
  async execute(s): Promise<StageOutcome> {
    const c = s.config as unknown as Config;
    const ctx = manifestContext(s, c);
    if (isOutcome(ctx)) return ctx;
    let state = s.record.state?.deleted ? s.record.state as unknown as State : undefined;
    // An expression may come out empty, and an empty selector selects every object of the kind.
    if (!state && !c.name && !c.labelSelector) {
      return { status: 'FAILED', final: true, message: `${s.stage.type} "${s.stage.refId}": deleteManifest.name and deleteManifest.labelSelector are both empty ` +
        `after evaluation, and an empty selector would delete every ${c.kind} in namespace "${ctx.location.namespace}"; give a name or a non-empty selector` };
    }
    try {
      state ??= await deleteAll(c, ctx);
    } catch (err) {
      return failureOf(s, err);
    }
    const refs = state.deleted;
    const outputs = { deletedNames: refs.map((r) => r.name) };
    const note = skippedNote(state);
    const left = [];
    try {
      for (const r of refs) if (await ctx.mp.read(ctx.account, ctx.location, r)) left.push(r);
    } catch (err) {
      return failureOf(s, err);
    }
    if (left.length === 0) {
      const message = refs.length ? `deleted ${refs.map(refName).join(', ')}` : `no ${c.kind} matched ${c.labelSelector}`;
      return { status: 'SUCCEEDED', message: `${message}${note}`, outputs, state: state as unknown as Record<string, unknown> };
    }
    const elapsed = s.clock.now() - Date.parse(s.record.startTime!);
    const timeout = stageTimeoutMs(s);
    const named = left.map(refName).join(', ');
    const kept = state as unknown as Record<string, unknown>;
    if (elapsed >= timeout - timeoutMarginMs) return { status: 'FAILED', final: true, message: `${s.stage.type} "${s.stage.refId}": still there: ${named} (finalizers?)${note}`, outputs, state: kept };
    return { status: 'RUNNING', message: `waiting for ${named} to be gone${note}`, pollAfterMs: Math.max(0, Math.min(manifestPollMs, timeout - timeoutMarginMs - elapsed)), outputs, state: kept };
  },
};
