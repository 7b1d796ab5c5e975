// What the manifest stages share: the Account's ManifestProvider and where they act, the errors a
// person must fix (no retry helps), a cluster out of reach (retried), and waiting until objects are
// Current by kstatus.
import { parseDuration } from '../../../api/duration.ts';
import { ApiError, isTransientApiError } from '../../../core/errors.ts';
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

/**
 * What an error that is not an API server's answer (a fetch TypeError, ECONNREFUSED, a timeout) is
 * thrown as: a transient ApiError, which the run controller retries with back-off rather than
 * failing the stage, since the next attempt may well reach the server.
 */
function unreachable(s: StageRun, err: unknown): ApiError {
  const e = err as Error & { cause?: { message?: string; code?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return new ApiError(503, 'Unreachable', `${s.stage.type} "${s.stage.refId}": the cluster's API server could not be reached: ` +
    `${e.message ?? String(err)}${cause ? ` (${cause})` : ''}`);
}

/**
 * The stage's failure for a mistake a person must fix, or for an API server's refusal that no retry
 * helps (a 403 says which verb on which object); anything else is thrown on, as a transient
 * ApiError, and retried with back-off.
 */
export function failureOf(s: StageRun, err: unknown): StageOutcome {
  const refusal = err instanceof ApiError && !isTransientApiError(err);
  if (isPersonsToFix(err) || refusal) return { status: 'FAILED', final: true, message: `${s.stage.type} "${s.stage.refId}": ${(err as Error).message}` };
  if (err instanceof ApiError) throw err;
  throw unreachable(s, err);
}

/** The stage's timeout, as the run computes it (its own, else the manifest stages' default). */
export function stageTimeoutMs(s: StageRun): number {
  return s.stage.timeout ? parseDuration(String(interpolate(s.stage.timeout, s.scope))) : manifestStageTimeoutMs;
}

/** Undefined once every ref is Current; otherwise the stage's outcome (still waiting, or failed naming the object). */
export async function awaitStable(s: StageRun, ctx: ManifestContext, refs: ManifestRef[]): Promise<StageOutcome | undefined> {
  let statuses;
  try {
    statuses = await Promise.all(refs.map((r) => ctx.mp.status(ctx.account, ctx.location, r)));
  } catch (err) {
    return failureOf(s, err);
  }
  const progress = planProgress(refs, statuses, s.clock.now() - Date.parse(s.record.startTime!), stageTimeoutMs(s));
  if (progress.done) return undefined;
  if (progress.failed) return { status: 'FAILED', final: true, message: `${s.stage.type} "${s.stage.refId}": ${progress.message}` };
  return { status: 'RUNNING', message: progress.message, pollAfterMs: progress.pollAfterMs };
}
