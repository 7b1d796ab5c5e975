// What the manifest stages share: the Account's ManifestProvider and where they act, the errors a
// person must fix (no retry helps), and waiting until objects are Current by kstatus.
import { parseDuration } from '../../../api/duration.ts';
import { isProviderError } from '../../../providers/errors.ts';
import type { Location, ManifestProvider, ManifestRef, ProviderAccount } from '../../../providers/interfaces.ts';
import { ExpressionError, interpolate } from '../../expressions.ts';
import type { StageOutcome, StageRun } from '../stage-type.ts';
import { planProgress } from './progress.ts';
import { ManifestSourceError } from './sources.ts';

/** Timeout of a manifest stage that sets none. */
export const manifestStageTimeoutMs = 30 * 60_000;

/** Where a manifest stage acts: the Account, its provider's manifests, and the namespace for objects that name none. */
export interface ManifestContext { account: ProviderAccount; mp: ManifestProvider; location: Location & { namespace: string } }

/** The stage's Account and its manifests, or the stage's failure when its provider has none. */
export function manifestContext(s: StageRun, block: { accountRef: { name: string }; namespace?: string }): ManifestContext | StageOutcome {
  const { account, provider } = s.resolveAccount(block.accountRef);
  if (!provider.manifests) {
    return { status: 'FAILED', final: true, message: `${s.stage.type} "${s.stage.refId}": Account "${account.name}" has provider ${provider.name}, which cannot ` +
      `act on Kubernetes manifests; name a Kubernetes Account in ${s.stage.type}.accountRef` };
  }
  return { account, mp: provider.manifests, location: { namespace: block.namespace ?? s.run.metadata.namespace! } };
}

export const isOutcome = (x: ManifestContext | StageOutcome): x is StageOutcome => 'status' in x;

/** A mistake in the stage or its manifests that another attempt would make again. */
export const isPersonsToFix = (err: unknown) => err instanceof ManifestSourceError || err instanceof ExpressionError
  || isProviderError(err, 'Invalid') || isProviderError(err, 'Conflict') || isProviderError(err, 'NotFound');

/** The stage's failure for such a mistake; anything else is thrown on (retried with back-off). */
export function failureOf(s: StageRun, err: unknown): StageOutcome {
  if (isPersonsToFix(err)) return { status: 'FAILED', final: true, message: `${s.stage.type} "${s.stage.refId}": ${(err as Error).message}` };
  throw err;
}

/** The stage's timeout, as the run computes it (its own, else the manifest stages' default). */
export function stageTimeoutMs(s: StageRun): number {
  return s.stage.timeout ? parseDuration(String(interpolate(s.stage.timeout, s.scope))) : manifestStageTimeoutMs;
}

/** Undefined once every ref is Current; otherwise the stage's outcome (still waiting, or failed naming the object). */
export async function awaitStable(s: StageRun, ctx: ManifestContext, refs: ManifestRef[]): Promise<StageOutcome | undefined> {
  const statuses = await Promise.all(refs.map((r) => ctx.mp.status(ctx.account, ctx.location, r)));
  const progress = planProgress(refs, statuses, s.clock.now() - Date.parse(s.record.startTime!), stageTimeoutMs(s));
  if (progress.done) return undefined;
  if (progress.failed) return { status: 'FAILED', final: true, message: `${s.stage.type} "${s.stage.refId}": ${progress.message}` };
  return { status: 'RUNNING', message: progress.message, pollAfterMs: progress.pollAfterMs };
}
